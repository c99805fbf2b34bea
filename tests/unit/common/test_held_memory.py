"""A batch holds one changelog encoding per key it wrote, not one per write: a held write
replaced by a later one of its batch lets its encoding go (only the later one is applied).

Notification rewrites a digest group's whole row for every alert: a batch of alerts for one
receiver writes the key hundreds of times, each row up to ~180 KB encoded."""

from __future__ import annotations

import asyncio
import tracemalloc
import weakref
from pathlib import Path
from typing import Any

from faust.streams import _current_event

from services.common.batch import OPEN_BATCH, Batch
from services.common.held import HeldTable
from tests.unit.common.test_held_encoded_once import _Event, _table

ALERTS_PER_BATCH = 500
MAX_DIGEST_ALERTS = 400


def test_a_batch_rewriting_one_row_holds_one_encoding_of_it(tmp_path: Path) -> None:
    held = HeldTable(_table(tmp_path))
    # One alert's JSON form (~450 bytes), shared between the rows as notification shares it.
    forms = [
        {
            "escalation_id": f"E{i:031d}",
            "case_id": f"C{i:031d}",
            "level": "county",
            "reason": "overdue " * 30,
            "at": "2026-12-06T10:00:00+00:00",
        }
        for i in range(ALERTS_PER_BATCH)
    ]

    async def main() -> int:
        event: Any = _Event(1)
        batch = Batch()
        opened = OPEN_BATCH.set(batch)
        _current_event.set(weakref.ref(event))
        try:
            tracemalloc.start()
            base, _ = tracemalloc.get_traced_memory()
            for k in range(ALERTS_PER_BATCH):
                group, n = divmod(k, MAX_DIGEST_ALERTS)
                first = group * MAX_DIGEST_ALERTS
                alerts = forms[first : first + n + 1]
                held[f"group/{group}"] = {"group": {"alerts": alerts, "receiver": "r"}}
            held_now, _ = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            assert len(batch.held) == ALERTS_PER_BATCH
            return held_now - base
        finally:
            OPEN_BATCH.reset(opened)
            _current_event.set(None)

    retained = asyncio.run(main())
    # The rows' lists (~1 MB) and the two latest encodings (~0.2 MB); one encoding per
    # write would be ~50 MB.
    assert retained < 10e6, f"{retained / 1e6:.1f} MB held until the batch commits"
