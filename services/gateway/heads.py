"""A deadline on a request's head: the connection of a client that does not send one goes.

uvicorn reads a request's head (its request line and headers) for as long as the client
takes: a client that connects and sends nothing, or trickles a header line every few
seconds (slowloris), holds its connection and its memory for ever, and a few thousand of
them hold every connection the host has. Its keep-alive timeout only runs between requests
whose first byte has not come yet. The body has its own deadline (``bodies.BodyDeadline``);
this is the head's: from the connection, or from the first byte of a next request on a
kept-alive connection, the whole head must be in within ``seconds``, or the client gets a
408 and the connection is closed. No request reached the app, so none is counted.

A head can arrive only while the client is between requests (h11's ``their_state`` IDLE):
when the app answers before the body is in (a 413 on the declared Content-Length, a 403
before the body is read), the rest of the body is still coming and uvicorn discards it;
a 408 then would follow a complete answer and cut the upload, so the client would see a
broken pipe instead of the answer. That rest has ``drain_seconds`` (the body's deadline)
from the answer to arrive, and the connection is then closed without a word; once it has
arrived the client is between requests, and uvicorn's keep-alive timeout runs again (the
body's bytes had cancelled it, and uvicorn did not start it again: a client that sent the
rest and then nothing held its connection for ever).

An answer has a deadline too: a client that asks and does not read (many pipelined
requests for a large document, a receive window kept shut) held its connection, and the
task writing to it, for ever once the kernel's buffers were full, with no timer of
uvicorn's running. Whenever the answer's bytes wait on the client (the transport's buffer
over its high-water mark: uvicorn's ``pause_writing``) for ``send_seconds`` without it
taking enough of them, the connection is dropped (an answer cut short has nothing left
to say).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Final

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

log = logging.getLogger(__name__)

_DETAIL: Final = b"the request's head did not arrive in time"
_TOO_LATE: Final = (
    b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain; charset=utf-8\r\n"
    b"content-length: %d\r\nconnection: close\r\n\r\n%s" % (len(_DETAIL), _DETAIL)
)


def head_deadline_protocol(
    seconds: float, drain_seconds: float, send_seconds: float | None = None
) -> type[H11Protocol]:
    """uvicorn's h11 protocol with the head's deadline of ``seconds``, the deadline of
    the rest of a body answered early of ``drain_seconds``, and that of an answer's bytes
    waiting on the client of ``send_seconds`` (``drain_seconds`` when not given); its
    ``http``."""
    unread_seconds = drain_seconds if send_seconds is None else send_seconds

    class HeadDeadline(H11Protocol):
        _head_timer: asyncio.TimerHandle | None = None
        _drain_timer: asyncio.TimerHandle | None = None
        _unread_timer: asyncio.TimerHandle | None = None

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._arm()

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            self._follow()

        def handle_events(self) -> None:
            before = self.cycle
            super().handle_events()
            if self.cycle is not before:  # a whole head has arrived: the app has it
                self._disarm()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            self._follow()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            self._stop_draining()
            self._stop_waiting_on_reader()
            super().connection_lost(exc)

        def pause_writing(self) -> None:
            super().pause_writing()
            if self._unread_timer is None:
                self._unread_timer = self.loop.call_later(unread_seconds, self._unread)

        def resume_writing(self) -> None:
            super().resume_writing()
            self._stop_waiting_on_reader()

        def _stop_waiting_on_reader(self) -> None:
            if self._unread_timer is not None:
                self._unread_timer.cancel()
                self._unread_timer = None

        def _unread(self) -> None:
            self._unread_timer = None
            log.info("answer not read in time", extra={"client": str(self.client)})
            # Not close(): it would wait for the unread bytes to go first.
            self.transport.abort()

        def _follow(self) -> None:
            """Time what the client is sending now: a next head (part of it is in), or the
            rest of a body whose request has been answered."""
            answered = self.cycle is not None and self.cycle.response_complete
            if self.conn.their_state is h11.IDLE:
                self._stop_draining()
                if self.conn.trailing_data[0]:  # a head's first bytes: armed from now on
                    self._arm()
                elif (
                    self._head_timer is None
                    and self.timeout_keep_alive_task is None
                    and not self.transport.is_closing()
                ):
                    # The rest of a body answered early is in: the client is between
                    # requests, and uvicorn's keep-alive timer, cancelled by the body's
                    # bytes, is not started again by uvicorn: without it the connection
                    # stayed open for ever.
                    self.timeout_keep_alive_task = self.loop.call_later(
                        self.timeout_keep_alive, self.timeout_keep_alive_handler
                    )
            elif answered and self.conn.their_state is h11.SEND_BODY:
                if self._drain_timer is None:
                    self._drain_timer = self.loop.call_later(drain_seconds, self._drained)
            else:
                self._stop_draining()

        def _arm(self) -> None:
            if self._head_timer is None:
                self._head_timer = self.loop.call_later(seconds, self._too_late)

        def _disarm(self) -> None:
            if self._head_timer is not None:
                self._head_timer.cancel()
                self._head_timer = None

        def _stop_draining(self) -> None:
            if self._drain_timer is not None:
                self._drain_timer.cancel()
                self._drain_timer = None

        def _too_late(self) -> None:
            self._head_timer = None
            if not self.transport.is_closing():
                log.info("request head too late", extra={"client": str(self.client)})
                self.transport.write(_TOO_LATE)
                self.transport.close()

        def _drained(self) -> None:
            # The answer is out already: a second one would be a lie, so only close.
            self._drain_timer = None
            if not self.transport.is_closing():
                log.info("answered body too late", extra={"client": str(self.client)})
                self.transport.close()

    return HeadDeadline
