"""Free-text masking on the real mailbox texts: what a change masks differently, and its cost.

    python -m bench.freetext_mailbox [--against REF] [--rounds 15]

Every title, content and reply of ``../shared/data/mailbox_replies.jsonl`` (2,781 letters,
8,343 texts) is masked by ``services/common/freetext.py`` as the worktree has it and as
git ``REF`` has it (default HEAD: the last commit). Printed: each text masked differently,
the changed stretch of each side with some context around it; then the CPU time per text
of each, the best of ``--rounds`` runs, the two run in turns (old, new, old, new, ...) so
that a busy machine weighs on both alike.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
import types
from collections.abc import Callable
from pathlib import Path

from bench.mailbox import read_messages

_ROOT = Path(__file__).resolve().parent.parent
_MODULE = "services/common/freetext.py"
#: Characters of context printed either side of a change.
_CONTEXT = 12


def _masking_at(ref: str) -> Callable[[str], str]:
    """``mask_free_text`` of ``services/common/freetext.py`` as commit ``ref`` has it."""
    source = subprocess.run(
        ["git", "show", f"{ref}:{_MODULE}"], cwd=_ROOT, check=True, capture_output=True,
        text=True,
    ).stdout  # fmt: skip
    module = types.ModuleType(f"freetext_at_{ref}")
    exec(compile(source, f"{ref}:{_MODULE}", "exec"), module.__dict__)
    masking: Callable[[str], str] = module.mask_free_text
    return masking


def _texts() -> list[str]:
    return [m[field] for m in read_messages() for field in ("title", "content", "reply")]


def _cpu_seconds(mask: Callable[[str], str], texts: list[str]) -> float:
    started = time.process_time()
    for text in texts:
        mask(text)
    return time.process_time() - started


def _change(before: str, after: str) -> str:
    """Where ``after`` masks differently from ``before`` (masking keeps a text's length),
    with some context either side."""
    differ = [i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b]
    start, end = max(0, differ[0] - _CONTEXT), differ[-1] + 1 + _CONTEXT
    return f"  {before[start:end]!r}\n→ {after[start:end]!r}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", default="HEAD", help="the git commit to compare with")
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args(argv)
    from services.common.freetext import mask_free_text

    old = _masking_at(args.against)
    texts = _texts()
    differ = 0
    for text in texts:
        before, after = old(text), mask_free_text(text)
        if before != after:
            differ += 1
            print(_change(before, after))
    print(f"{len(texts)} texts, {differ} masked differently from {args.against}")
    best = {"old": float("inf"), "new": float("inf")}
    for _ in range(args.rounds):
        best["old"] = min(best["old"], _cpu_seconds(old, texts))
        best["new"] = min(best["new"], _cpu_seconds(mask_free_text, texts))
    per_text = {name: seconds / len(texts) * 1e6 for name, seconds in best.items()}
    print(
        f"CPU per text, best of {args.rounds} interleaved: {args.against} "
        f"{per_text['old']:.1f} us, worktree {per_text['new']:.1f} us "
        f"({per_text['new'] / per_text['old'] - 1:+.1%})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
