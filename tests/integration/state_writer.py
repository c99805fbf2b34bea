"""A service for tests: each input's value is a byte count; it stores that many bytes under
the input's key, after publishing how many bytes the key held before (``stored_before``).

With ``--held``, its table is seen through a ``HeldTable`` (as notification's are), and each
message first writes a marker (``<key>.marked``), then the bytes: ``marked_before`` says
whether the marker of an earlier message was kept. With ``--later``, the same through a
``ReadInBatch`` whose every key is written once per batch, when it ends (as escalation's
due index is).

Run as ``python -m tests.integration.state_writer [--held | --later]`` with the usual
XINFANG_ settings.
"""

from __future__ import annotations

import json
import sys
from collections.abc import MutableMapping
from typing import Any

from schemas.petitions import Stage
from schemas.registry import CASES_UPDATES, LEDGER_SNAPSHOTS
from services.common.batch_reads import ReadInBatch
from services.common.handler import Effects, Incoming, Output
from services.common.held import HeldTable
from services.common.service import build_service
from services.common.settings import ServiceSettings
from services.common.worker import run_worker


def main() -> None:
    service = build_service(Stage.LEDGER, ServiceSettings())
    held = "--held" in sys.argv[1:]
    later = "--later" in sys.argv[1:]
    table: MutableMapping[str, Any] = service.table(
        "written", CASES_UPDATES.partitions, "key -> bytes", raw=True
    )
    if held:
        table = HeldTable(table)
    if later:
        table = ReadInBatch(table, later=lambda _: True)
    marked = held or later

    async def handle(message: Incoming) -> Effects:
        key = (message.key or b"").decode()
        size = int(message.value or b"0")
        before = len(table.get(key) or b"")
        facts: dict[str, Any] = {"key": key, "stored_before": before}
        if marked:
            facts["marked_before"] = table.get(f"{key}.marked") is not None
        report = json.dumps(facts).encode()

        def remember() -> None:
            if marked:
                table[f"{key}.marked"] = b"m"
            table[key] = b"x" * size

        return Effects([Output(LEDGER_SNAPSHOTS, key.encode(), report)], remember)

    service.consume(CASES_UPDATES, handle)
    run_worker(service)


if __name__ == "__main__":
    main()
