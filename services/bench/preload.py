"""Earlier cases in dedup's state before its stage is timed (``xinfang bench --dedup-preload``).

Issue 12's dedup target is measured with 1,000,000 earlier cases indexed. The state is
built as ``bench/dedup_recovery.py`` builds it (the service's own feature extraction and
records, synthetic matters in 50 counties over the three-year horizon) and written to the
changelog topics of dedup's tables under the bench's prefix, so the dedup process the
bench starts restores it (bulk restore, index rebuild) before its first verdict: that
recovery is outside the stage's window, which opens at the first verdict.

The builder lives in ``bench/``, beside the source, not in the installed package: the
option needs a source checkout.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Final

#: Counties the earlier cases are spread over, as in bench/dedup_bench.py's figures.
PRELOAD_REGIONS: Final = 50
REPO_ROOT: Final = Path(__file__).resolve().parents[2]


class PreloadUnavailableError(RuntimeError):
    """The state builder (bench/dedup_recovery.py) is not beside this installation."""


def available() -> bool:
    return (REPO_ROOT / "bench" / "dedup_recovery.py").is_file()


def preload_dedup(bootstrap: str, prefix: str, cases: int, seed: int) -> None:
    """Write the changelogs of a dedup state of ``cases`` earlier cases under ``prefix``."""
    if not available():
        raise PreloadUnavailableError(
            f"--dedup-preload builds its state with bench/dedup_recovery.py, which is not in "
            f"{REPO_ROOT}: run it from a source checkout"
        )
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))
    from bench.dedup_recovery import fill

    fill(argparse.Namespace(n=cases, regions=PRELOAD_REGIONS, seed=seed), bootstrap, prefix)
