"""Reading a request's body as a hostile client may send it.

The headers are judged before any of the body is read: a declared Content-Length over the
limit, a content coding (the gateway decodes none, and must not read gzip as text), a
media type the endpoint does not take or a charset other than UTF-8 is refused at once.
The body is then read as it arrives and refused at the chunk that crosses the limit, so a
large body is never buffered whole; and :class:`BodyDeadline` answers 408 to a body that
does not arrive in time, instead of holding the connection for as long as the client
likes (a Content-Length larger than what is sent, or a body trickled a byte at a time).

A JSON object or a form that names a field twice is refused: which of the two counts is
up to each parser (a proxy, a log reader, the gateway) and may differ between them.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from typing import Final

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.common.documents import DuplicateFieldError, unique_fields
from services.gateway.models import Problem, echo

JSON: Final = "application/json"
FORM: Final = "application/x-www-form-urlencoded"


class PayloadTooLargeError(Exception):
    """The body is larger than the endpoint's limit (declared, or as it arrived)."""


def unsupported(headers: Mapping[str, str], media_type: str) -> str | None:
    """Why a body with these headers cannot be read as ``media_type`` (a content coding,
    another media type, a charset other than UTF-8), or None. A missing Content-Type is
    taken as ``media_type`` (a form posted by an old browser, a bare ``curl -d``)."""
    coding = headers.get("content-encoding", "identity").strip().lower()
    if coding not in ("", "identity"):
        return f"content-encoding {echo(coding)}: send the body unencoded"
    given, _, parameters = headers.get("content-type", media_type).partition(";")
    if given.strip().lower() != media_type:
        return f"content-type {echo(given.strip())}: send {media_type}"
    for parameter in parameters.split(";"):
        name, _, value = parameter.partition("=")
        charset = value.strip().strip('"').lower()
        if name.strip().lower() == "charset" and charset not in ("utf-8", "utf8"):
            return f"charset {echo(charset)}: send UTF-8"
    return None


async def read_limited(request: Request, limit: int) -> bytes:
    """The body, refused with :class:`PayloadTooLargeError` as soon as it passes ``limit``
    bytes (a declared Content-Length before any of it is read)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLargeError(f"the body is larger than {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLargeError(f"the body is larger than {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def duplicate_json_field(body: bytes) -> str | None:
    """The first name an object of the JSON ``body`` gives twice, or None. For a body that
    has already passed its model (small, shallow: the model bounds it)."""
    try:
        json.loads(body, object_pairs_hook=unique_fields)
    except DuplicateFieldError as exc:
        return str(exc)
    return None


def ambiguous_framing(headers: list[tuple[bytes, bytes]]) -> str | None:
    """Why a request's body cannot be delimited without guessing, or None: a request with
    both Content-Length and Transfer-Encoding (RFC 9112, 6.3).

    uvicorn's parser follows Transfer-Encoding and keeps the connection open; a proxy in
    front that follows Content-Length instead reads another request where the gateway read
    a body, the classic way to smuggle a request past the proxy. Refused, and the
    connection closed, as the RFC asks of a server that does not refuse it.
    """
    names = {name.lower() for name, _ in headers}
    if b"content-length" in names and b"transfer-encoding" in names:
        return "both Content-Length and Transfer-Encoding: send one of them"
    return None


class FramingCheck:
    """Answers 400, and closes the connection, to a request whose body's end is ambiguous
    (:func:`ambiguous_framing`), before any handler reads it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        why = ambiguous_framing(scope["headers"]) if scope["type"] == "http" else None
        if why is None:
            await self.app(scope, receive, send)
            return
        response = JSONResponse(
            Problem(error="bad_request", detail=why).model_dump(mode="json"),
            400,
            headers={"Connection": "close"},
        )
        await response(scope, receive, send)


class BodyTimeoutError(Exception):
    """The request's body did not arrive within the gateway's body deadline."""


class BodyDeadline:
    """Answers 408 (and closes the connection) when a request's body has not arrived
    within ``seconds`` of the request: a client that declares more than it sends, or
    trickles it, holds a connection and a task no longer than that. Waiting for the
    client to disconnect once the body is in (as a streaming response does) is not timed."""

    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.seconds
        body_done = False
        answered = False

        async def timed_receive() -> Message:
            nonlocal body_done
            if body_done:
                return await receive()
            try:
                async with asyncio.timeout_at(deadline):
                    message = await receive()
            except TimeoutError:
                raise BodyTimeoutError from None
            body_done = message["type"] != "http.request" or not message.get("more_body", False)
            return message

        async def tracked_send(message: Message) -> None:
            nonlocal answered
            answered = answered or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, timed_receive, tracked_send)
        except BodyTimeoutError:
            if answered:
                raise
            detail = f"the body did not arrive within {self.seconds:g} seconds"
            response = JSONResponse(
                Problem(error="timeout", detail=detail).model_dump(mode="json"),
                408,
                headers={"Connection": "close"},
            )
            await response(scope, receive, send)
