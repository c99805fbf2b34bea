"""Accuracy of the intake classifier on the labelled evaluation set.

Prints, for the tuning split, the held-out split and both together: overall field and kind
accuracy, accuracy per field, and the most frequent confusions (expected → predicted).
The held-out split (every fourth petition of each field, fixed when the set was written)
was not looked at while the rules were tuned: its figures are the honest ones.

    python -m bench.classification_eval [--split tune|holdout|all] [--errors]
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from services.intake.classify import Classification, default_classifier

EVAL_SET = Path(__file__).resolve().parent.parent / "tests" / "data" / "classification_eval.jsonl"


@dataclass(frozen=True)
class Labelled:
    """One petition of the set, its labels and the classifier's decision."""

    petition_id: str
    split: str
    title: str
    field: str
    kind: str
    decision: Classification


def evaluate(path: Path = EVAL_SET) -> tuple[list[Labelled], float]:
    """Classify every petition of the set; also returns the mean seconds per petition."""
    classifier = default_classifier()
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    started = time.perf_counter()
    results = [
        Labelled(
            petition_id=row["id"],
            split=row["split"],
            title=row["title"],
            field=row["field"],
            kind=row["kind"],
            decision=classifier.classify(row["title"], row["content"]),
        )
        for row in rows
    ]
    elapsed = time.perf_counter() - started
    return results, elapsed / max(len(rows), 1)


def _percent(hits: int, total: int) -> str:
    return f"{100 * hits / total:5.1f}% ({hits}/{total})" if total else "   n/a"


def report(results: Sequence[Labelled], label: str, show_errors: bool) -> None:
    """Print the figures of one split."""
    field_hits = sum(r.decision.field == r.field for r in results)
    kind_hits = sum(r.decision.kind.value == r.kind for r in results)
    print(f"== {label}: {len(results)} petitions")
    print(f"field accuracy  {_percent(field_hits, len(results))}")
    print(f"kind accuracy   {_percent(kind_hits, len(results))}")
    per_field: Counter[str] = Counter(r.field for r in results)
    per_field_hits: Counter[str] = Counter(r.field for r in results if r.decision.field == r.field)
    for field in sorted(per_field):
        print(f"  {field:30} {_percent(per_field_hits[field], per_field[field])}")
    confusions = Counter(
        (r.field, r.decision.field) for r in results if r.decision.field != r.field
    )
    if confusions:
        print("  most frequent field confusions (expected -> predicted):")
        for (expected, predicted), count in confusions.most_common(10):
            print(f"    {count:3} {expected} -> {predicted}")
    kind_confusions = Counter(
        (r.kind, r.decision.kind.value) for r in results if r.decision.kind.value != r.kind
    )
    for (expected_kind, predicted_kind), count in kind_confusions.most_common():
        print(f"  kind {expected_kind} -> {predicted_kind}: {count}")
    if show_errors:
        for r in results:
            if r.decision.field != r.field or r.decision.kind.value != r.kind:
                print(
                    f"    {r.petition_id} {r.title!r}: expected {r.field}/{r.kind}, got "
                    f"{r.decision.field}/{r.decision.kind.value} (score {r.decision.field_score})"
                )
    print()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--split", choices=("tune", "holdout", "all"), default="all")
    parser.add_argument("--errors", action="store_true", help="list every misclassification")
    args = parser.parse_args(argv)
    results, seconds = evaluate()
    print(f"classified {len(results)} petitions, {seconds * 1e6:.0f} µs each on average\n")
    for split in ("tune", "holdout"):
        if args.split in (split, "all"):
            chosen = [r for r in results if r.split == split]
            report(chosen, split, args.errors and split == "tune")
    if args.split == "all":
        report(results, "all", show_errors=False)


if __name__ == "__main__":
    main()
