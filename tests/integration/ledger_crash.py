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
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from services.common import changelog as changelog_module
from services.common import service as service_module
from services.common.settings import load_settings
from services.common.worker import run_worker
from services.ledger.app import build
from services.ledger.rows import LINK_MARK, PART_MARK
from services.ledger.settings import LedgerSettings

SendChangelog = Callable[..., Any]
SendRecord = Callable[..., Awaitable[Any]]


class _Crash:
    """Dies at the head of a chained row, once every link record sent is acknowledged."""

    def __init__(self, mark: Path) -> None:
        self.mark = mark
        self.links: list[Any] = []
        self.chained = False
        self.dying: list[asyncio.Future[None]] = []

    def dies_at(self, key: str) -> bool:
        """Whether the record of ``key`` is where to die (it is then never sent)."""
        if PART_MARK in key:
            self.chained |= LINK_MARK in key.rsplit(PART_MARK, 1)[1]
            return False
        return self.chained and not self.mark.exists()

    def sent(self, key: str, future: Any) -> Any:
        if PART_MARK in key:
            self.links.append(future)
        return future

    def die(self) -> asyncio.Future[None]:
        """Die once the links are acknowledged; a future never done, so nothing commits."""
        if not self.dying:  # the batch's first chained head: the others wait with it
            self.dying.append(asyncio.ensure_future(self._die()))
        return asyncio.get_running_loop().create_future()

    async def _die(self) -> None:
        await asyncio.gather(*self.links)
        note = f"{len(self.links)} link records acknowledged, the head not written\n"
        await asyncio.to_thread(self.mark.write_text, note)
        os.kill(os.getpid(), signal.SIGKILL)


def _crashing(send: SendChangelog, crash: _Crash) -> SendChangelog:
    """``send`` (a table's ``send_changelog``: writes outside a batch), which dies at the
    head of a chained row."""

    def send_changelog(*args: Any, **kwargs: Any) -> Any:
        key = str(args[1])
        if crash.dies_at(key):
            return crash.die()
        return crash.sent(key, send(*args, **kwargs))

    return send_changelog


def _crashing_in_batches(send: SendRecord, crash: _Crash) -> SendRecord:
    """``changelog._send`` (how a batch's records reach the producer), which dies at the
    head of a chained row of the rows table."""

    async def send_record(
        producer: Any, changelog: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        if changelog.table.name != "rows":
            return await send(producer, changelog, args, kwargs)
        key = str(args[1])
        if crash.dies_at(key):
            return crash.die()
        return crash.sent(key, await send(producer, changelog, args, kwargs))

    return send_record


def main() -> None:
    mark = Path(os.environ["CRASH_MARK"])
    hold_back = service_module.hold_back_changelog  # type: ignore[attr-defined]

    crash = _Crash(mark)

    def crashing_rows(table: Any, name: str, unsettled: set[asyncio.Future[Any]]) -> None:
        if name == "rows" and not mark.exists():
            table.send_changelog = _crashing(table.send_changelog, crash)
        hold_back(table, name, unsettled)

    service_module.hold_back_changelog = crashing_rows  # type: ignore[attr-defined]
    if not mark.exists():
        module: Any = changelog_module
        module._send = _crashing_in_batches(module._send, crash)
    run_worker(build(load_settings(LedgerSettings)))


if __name__ == "__main__":
    main()
