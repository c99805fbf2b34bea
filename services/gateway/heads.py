"""A deadline on a request's head: the connection of a client that does not send one goes.

uvicorn reads a request's head (its request line and headers) for as long as the client
takes: a client that connects and sends nothing, or trickles a header line every few
seconds (slowloris), holds its connection and its memory for ever, and a few thousand of
them hold every connection the host has. Its keep-alive timeout only runs between requests
whose first byte has not come yet. The body has its own deadline (``bodies.BodyDeadline``);
this is the head's: from the connection, or from the first byte of a next request on a
kept-alive connection, the whole head must be in within ``seconds``, or the client gets a
408 and the connection is closed. No request reached the app, so none is counted.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Final

from uvicorn.protocols.http.h11_impl import H11Protocol

log = logging.getLogger(__name__)

_DETAIL: Final = b"the request's head did not arrive in time"
_TOO_LATE: Final = (
    b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain; charset=utf-8\r\n"
    b"content-length: %d\r\nconnection: close\r\n\r\n%s" % (len(_DETAIL), _DETAIL)
)


def head_deadline_protocol(seconds: float) -> type[H11Protocol]:
    """uvicorn's h11 protocol with the head's deadline of ``seconds`` (its ``http``)."""

    class HeadDeadline(H11Protocol):
        _head_timer: asyncio.TimerHandle | None = None

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._arm()

        def data_received(self, data: bytes) -> None:
            if self.cycle is None or self.cycle.response_complete:
                self._arm()  # a head is coming: armed since the connection, or now
            super().data_received(data)

        def handle_events(self) -> None:
            before = self.cycle
            super().handle_events()
            if self.cycle is not before:  # a whole head has arrived: the app has it
                self._disarm()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

        def _arm(self) -> None:
            if self._head_timer is None:
                self._head_timer = self.loop.call_later(seconds, self._too_late)

        def _disarm(self) -> None:
            if self._head_timer is not None:
                self._head_timer.cancel()
                self._head_timer = None

        def _too_late(self) -> None:
            self._head_timer = None
            if not self.transport.is_closing():
                log.info("request head too late", extra={"client": str(self.client)})
                self.transport.write(_TOO_LATE)
                self.transport.close()

    return HeadDeadline
