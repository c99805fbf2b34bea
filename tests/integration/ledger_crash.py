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

from services.common import batch as batch_module
from services.common import service as service_module
from services.common.settings import load_settings
from services.common.worker import run_worker
from services.ledger.app import build
from services.ledger.rows import LINK_MARK, PART_MARK
from services.ledger.settings import LedgerSettings

SendChangelog = Callable[..., Any]


class _Crash:
    """Dies at the head of a chained row, whichever way its changelog records are sent."""

    def __init__(self, mark: Path) -> None:
        self.mark = mark
        self.links: list[Any] = []
        self.chained = False
        self.dying: list[asyncio.Future[None]] = []

    async def _die(self) -> None:
        await asyncio.gather(*self.links)
        note = f"{len(self.links)} link records acknowledged, the head not written\n"
        await asyncio.to_thread(self.mark.write_text, note)
        os.kill(os.getpid(), signal.SIGKILL)

    def dies_at(self, key: object) -> bool:
        """Whether the record of ``key`` is a chained row's head (the crash begins)."""
        if PART_MARK in str(key) or not self.chained or self.mark.exists():
            return False
        if not self.dying:  # the batch's first chained head: the others wait with it
            self.dying.append(asyncio.ensure_future(self._die()))
        return True

    def sent(self, key: object, record: Any) -> Any:
        """Note a record handed to the producer: a link is waited for before dying."""
        name = str(key)
        if PART_MARK in name:
            self.links.append(record)
            self.chained |= LINK_MARK in name.rsplit(PART_MARK, 1)[1]
        return record


def _crashing(send: SendChangelog, crash: _Crash) -> SendChangelog:
    """``send`` (a table's ``send_changelog``: a write outside a batch), which dies at the
    head of a chained row."""

    def send_changelog(*args: Any, **kwargs: Any) -> Any:
        if crash.dies_at(args[1]):
            return asyncio.get_running_loop().create_future()  # never done: nothing committed
        return crash.sent(args[1], send(*args, **kwargs))

    return send_changelog


def _crashing_in_batches(crash: _Crash) -> None:
    """The same for the records of a batch, which go to the producer straight."""
    send = batch_module.Changelog.send

    async def send_in_batch(
        self: batch_module.Changelog, producer: Any, partition: int, key: bytes, value: Any
    ) -> Any:
        if self.name != "rows":
            return await send(self, producer, partition, key, value)
        if crash.dies_at(key):
            return asyncio.get_running_loop().create_future()  # never done: nothing committed
        return crash.sent(key, await send(self, producer, partition, key, value))

    batch_module.Changelog.send = send_in_batch  # type: ignore[method-assign]


def main() -> None:
    mark = Path(os.environ["CRASH_MARK"])
    crash = _Crash(mark)
    hold_back = service_module.hold_back_changelog  # type: ignore[attr-defined]

    def crashing_rows(table: Any, name: str, unsettled: set[asyncio.Future[Any]]) -> None:
        if name == "rows" and not mark.exists():
            table.send_changelog = _crashing(table.send_changelog, crash)
        hold_back(table, name, unsettled)

    service_module.hold_back_changelog = crashing_rows  # type: ignore[attr-defined]
    if not mark.exists():
        _crashing_in_batches(crash)
    run_worker(build(load_settings(LedgerSettings)))


if __name__ == "__main__":
    main()
