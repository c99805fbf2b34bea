"""A service for tests: each input's value is a byte count; it stores that many bytes under
the input's key, after publishing how many bytes the key held before (``stored_before``).

Run as ``python -m tests.integration.state_writer`` with the usual XINFANG_ settings.
"""

from __future__ import annotations

import json

from schemas.petitions import Stage
from schemas.registry import CASES_UPDATES, LEDGER_SNAPSHOTS
from services.common.handler import Effects, Incoming, Output
from services.common.service import build_service
from services.common.settings import ServiceSettings
from services.common.worker import run_worker


def main() -> None:
    service = build_service(Stage.LEDGER, ServiceSettings())
    table = service.table("written", CASES_UPDATES.partitions, "key -> bytes", raw=True)

    async def handle(message: Incoming) -> Effects:
        key = (message.key or b"").decode()
        size = int(message.value or b"0")
        before = len(table.get(key) or b"")
        report = json.dumps({"key": key, "stored_before": before}).encode()

        def remember() -> None:
            table[key] = b"x" * size

        return Effects([Output(LEDGER_SNAPSHOTS, key.encode(), report)], remember)

    service.consume(CASES_UPDATES, handle)
    run_worker(service)


if __name__ == "__main__":
    main()
