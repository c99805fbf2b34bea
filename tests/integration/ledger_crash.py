"""The ledger service for a crash test: it dies (SIGKILL, no shutdown, no commit) in the
first batch that writes a continuation link of a row's chain, once every link record the
batch sent is acknowledged by the broker and before that row's head is written or the
batch's offsets are committed.

Run as ``python -m tests.integration.ledger_crash`` with the usual XINFANG_ settings and
``CRASH_MARK``, a file the crash writes (how many link records were acknowledged); when it
exists, the service runs as ``xinfang run ledger`` does.
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

from services.common import service as service_module
from services.common.settings import load_settings
from services.common.worker import run_worker
from services.ledger.app import build
from services.ledger.rows import LINK_MARK, PART_MARK
from services.ledger.settings import LedgerSettings

SendChangelog = Callable[..., Any]


def _crashing(send: SendChangelog, mark: Path) -> SendChangelog:
    """``send`` (a table's ``send_changelog``), which dies at the head of a chained row."""
    links: list[Any] = []
    chained = False
    dying: list[asyncio.Future[None]] = []

    async def die() -> None:
        await asyncio.gather(*links)
        note = f"{len(links)} link records acknowledged, the head not written\n"
        await asyncio.to_thread(mark.write_text, note)
        os.kill(os.getpid(), signal.SIGKILL)

    def send_changelog(*args: Any, **kwargs: Any) -> Any:
        nonlocal chained
        key = str(args[1])
        if PART_MARK in key:
            links.append(send(*args, **kwargs))
            chained |= LINK_MARK in key.rsplit(PART_MARK, 1)[1]
            return links[-1]
        if not chained or mark.exists():
            return send(*args, **kwargs)
        if not dying:  # the batch's first chained head: the others wait with it
            dying.append(asyncio.ensure_future(die()))
        return asyncio.get_running_loop().create_future()  # never done: nothing committed

    return send_changelog


def main() -> None:
    mark = Path(os.environ["CRASH_MARK"])
    hold_back = service_module.hold_back_changelog  # type: ignore[attr-defined]

    def crashing_rows(table: Any, name: str, unsettled: set[asyncio.Future[Any]]) -> None:
        if name == "rows" and not mark.exists():
            table.send_changelog = _crashing(table.send_changelog, mark)
        hold_back(table, name, unsettled)

    service_module.hold_back_changelog = crashing_rows  # type: ignore[attr-defined]
    run_worker(build(load_settings(LedgerSettings)))


if __name__ == "__main__":
    main()
