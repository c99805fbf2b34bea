"""Senders: how a rendered notice leaves the service (e-mail, HTTP webhook, printed letter).

Every sender implements one method, ``async send(notice) -> None``. It returns when the
other side has taken the notice, and otherwise raises exactly one of two errors, so that
the retry loop never has to know the protocol (as Alertmanager's notifiers say whether a
failure is worth retrying):

* ``RetryableDeliveryError``: the other side may take it later (SMTP 4xx, HTTP 5xx, 408,
  429, a timeout, a refused connection, a full disk);
* ``PermanentDeliveryError``: it never will (SMTP 5xx, HTTP 4xx, an invalid address).

``UnconfirmedDeliveryError``, a kind of retryable error, says more: the other side had the
whole notice and never answered (no reply to the end of an e-mail's data within
``data_timeout``, no HTTP response). It may have taken the notice, so sending it again may
deliver it twice; neither SMTP nor HTTP can ask. The engine does send it again (a lost
notice is worse) and logs each such re-send.

Senders carry the notification id to the other side (the e-mail's Message-ID, the
webhook's Idempotency-Key, the letter's file name) so that a notice sent twice can be
recognised there as the same notice.

``aclose`` releases what a sender holds (connection pools, open SMTP sessions); the
service calls it once on shutdown, after the last send has ended.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate
from pathlib import Path
from types import TracebackType
from typing import Any, Final, Literal, Protocol

import aiosmtplib
import httpx
from aiosmtplib.typing import Default

from schemas.notices import Notice
from services.notification.policy import PolicySpec, SmtpSettings, WebhookEndpoint

#: HTTP statuses worth another attempt: the receiver is busy or briefly broken.
_RETRYABLE_HTTP: Final = frozenset({408, 425, 429})
#: Transport names of the two built-in senders; webhooks are named in the policy.
SMTP_TRANSPORT: Final = "smtp"
LETTER_TRANSPORT: Final = "letters"


class DeliveryError(Exception):
    """A notice was not delivered; ``detail`` is for the operator (no personal data)."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class RetryableDeliveryError(DeliveryError):
    """The other side may take the notice later: try again after a backoff."""


class UnconfirmedDeliveryError(RetryableDeliveryError):
    """The other side had the whole notice and never answered: it may have taken it."""


class PermanentDeliveryError(DeliveryError):
    """The other side will never take this notice: do not try again."""


class Sender(Protocol):
    """Delivers one notice. Must be safe to call concurrently for different notices."""

    async def send(self, notice: Notice) -> None:
        """Deliver ``notice``, or raise RetryableDeliveryError / PermanentDeliveryError.

        Blocks until the other side has answered or a timeout of the transport has passed;
        cancelling it closes the connection it was using.
        """
        ...

    async def aclose(self) -> None:
        """Release connections and pools. Call once, when no send is under way any more."""
        ...


def message_id(notification_id: str, domain: str) -> str:
    return f"<{notification_id}@{domain}>"


class _RelayClient(aiosmtplib.SMTP):
    """An SMTP session that waits longer for the reply to the message than to a command.

    ``in_data`` tells whether the DATA command had begun when the session failed: from
    then on the relay may have the whole message.
    """

    def __init__(self, *, data_timeout: float, **options: Any) -> None:
        super().__init__(**options)
        self.data_timeout = data_timeout
        self.in_data = False

    async def data(
        self,
        message: str | bytes,
        /,
        *,
        timeout: float | Literal[Default.token] | None = Default.token,  # noqa: ASYNC109 (aiosmtplib's signature)
    ) -> aiosmtplib.SMTPResponse:
        self.in_data = True
        return await super().data(message, timeout=self.data_timeout)


class SmtpSender:
    """E-mail through an SMTP relay (aiosmtplib): text and HTML, UTF-8 throughout.

    One SMTP session per notice. Commands wait ``timeout`` for their reply; the reply to
    the message itself is waited for ``data_timeout`` (RFC 5321 4.5.3.2.6 asks for 10
    minutes), because a relay that is slow to confirm a message it already has would
    otherwise be sent the message again. When even that reply does not come, or the
    session breaks after DATA, the outcome is unknown: UnconfirmedDeliveryError.

    The Message-ID is derived from the notification id, so a notice sent twice is the same
    message to every mail system that de-duplicates by Message-ID.
    """

    def __init__(
        self,
        settings: SmtpSettings,
        username: str | None = None,
        password: str | None = None,
    ) -> None:
        self._settings = settings
        self._username = username
        self._password = password
        self._domain = Address(addr_spec=self._from_address()).domain or "localhost"
        self._sessions: set[_RelayClient] = set()

    @classmethod
    def from_env(cls, settings: SmtpSettings) -> SmtpSender:
        """Read the credentials from the environment variables the settings name."""
        username = os.environ.get(settings.username_env) if settings.username_env else None
        password = os.environ.get(settings.password_env) if settings.password_env else None
        return cls(settings, username, password)

    def _from_address(self) -> str:
        sender = self._settings.sender
        if "<" in sender:
            return sender[sender.index("<") + 1 : sender.rindex(">")].strip()
        return sender.strip()

    def build_message(self, notice: Notice) -> EmailMessage:
        """The MIME message for ``notice``; headers are RFC 2047-encoded where needed."""
        message = EmailMessage(policy=SMTP)
        message["From"] = self._settings.sender
        message["To"] = ", ".join(notice.to)
        message["Subject"] = notice.subject
        message["Date"] = formatdate(notice.created_at.timestamp(), localtime=False)
        message["Message-ID"] = message_id(notice.notification_id, self._domain)
        message["X-Xinfang-Notification-Id"] = notice.notification_id
        message["Content-Language"] = "zh-CN" if notice.language.value == "zh" else "en"
        message.set_content(notice.body_text, charset="utf-8")
        if notice.body_html is not None:
            message.add_alternative(notice.body_html, subtype="html", charset="utf-8")
        return message

    async def send(self, notice: Notice) -> None:
        settings = self._settings
        try:
            message = self.build_message(notice)
        except (ValueError, TypeError) as exc:
            raise PermanentDeliveryError(f"cannot build the message: {exc}") from exc
        session = _RelayClient(
            data_timeout=settings.data_timeout.total_seconds(),
            hostname=settings.host,
            port=settings.port,
            username=self._username,
            password=self._password,
            use_tls=settings.security == "tls",
            start_tls=settings.security == "starttls",
            timeout=settings.timeout.total_seconds(),
        )
        self._sessions.add(session)
        try:
            await session.connect()
            await session.send_message(message)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [refused.code for refused in exc.recipients]
            detail = "all recipients refused: " + ", ".join(
                f"{refused.code} {refused.message}" for refused in exc.recipients
            )
            if any(400 <= code < 500 for code in codes):
                raise RetryableDeliveryError(detail) from exc
            raise PermanentDeliveryError(detail) from exc
        except aiosmtplib.SMTPResponseException as exc:
            detail = f"{exc.code} {exc.message}"
            if 500 <= exc.code < 600:
                raise PermanentDeliveryError(detail) from exc
            raise RetryableDeliveryError(detail) from exc
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            # Timeouts, refused connections, a server that hung up: the relay may be back.
            detail = f"{type(exc).__name__}: {exc}"
            if session.in_data:
                raise UnconfirmedDeliveryError(f"no reply to the message: {detail}") from exc
            raise RetryableDeliveryError(detail) from exc
        except ValueError as exc:  # an address aiosmtplib cannot put in the envelope
            raise PermanentDeliveryError(f"cannot send the message: {exc}") from exc
        else:
            # The relay has the message; a relay that fumbles QUIT changes nothing.
            with contextlib.suppress(aiosmtplib.SMTPException, OSError, TimeoutError):
                await session.quit()
        finally:
            session.close()
            self._sessions.discard(session)

    async def aclose(self) -> None:
        """Close the SMTP sessions still open (sends cut short by the shutdown)."""
        for session in list(self._sessions):
            session.close()
        self._sessions.clear()


class WebhookSender:
    """POSTs notices as JSON to an HTTP endpoint (an SMS gateway, an agency's system).

    The body is ``{"notification_id", "kind", "to", "case_ids", "language", "subject",
    "text", "data"}`` (for an SMS, ``text`` is the short SMS text); the ``Idempotency-Key``
    header carries the notification id. Any 2xx is success. Close with ``aclose`` or use
    as an async context manager.
    """

    def __init__(
        self,
        endpoint: WebhookEndpoint,
        token: str | None = None,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self._url = str(endpoint.url)
        self._client = client or httpx.AsyncClient(timeout=endpoint.timeout.total_seconds())
        self._headers = {"Authorization": f"Bearer {token}"} if token else {}

    @classmethod
    def from_env(cls, endpoint: WebhookEndpoint) -> WebhookSender:
        token = os.environ.get(endpoint.token_env) if endpoint.token_env else None
        return cls(endpoint, token)

    async def send(self, notice: Notice) -> None:
        payload = {
            "notification_id": notice.notification_id,
            "kind": notice.kind.value,
            "to": list(notice.to),
            "case_ids": list(notice.case_ids),
            "language": notice.language.value,
            "subject": notice.subject,
            "text": notice.body_text,
            "data": notice.data,
        }
        headers = {**self._headers, "Idempotency-Key": notice.notification_id}
        try:
            response = await self._client.post(self._url, json=payload, headers=headers)
        except (httpx.ReadTimeout, httpx.RemoteProtocolError) as exc:
            # The request went out and no response came back: the receiver may have it.
            raise UnconfirmedDeliveryError(f"no response: {type(exc).__name__}") from exc
        except httpx.TimeoutException as exc:
            raise RetryableDeliveryError(f"timeout: {type(exc).__name__}") from exc
        except httpx.TransportError as exc:
            raise RetryableDeliveryError(f"{type(exc).__name__}: {exc}") from exc
        status = response.status_code
        if 200 <= status < 300:
            return
        detail = f"HTTP {status} {response.reason_phrase}"
        if status >= 500 or status in _RETRYABLE_HTTP:
            raise RetryableDeliveryError(detail)
        raise PermanentDeliveryError(detail)

    async def aclose(self) -> None:
        """Close the HTTP connection pool."""
        await self._client.aclose()

    async def __aenter__(self) -> WebhookSender:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()


class LetterSender:
    """Queues printable letters for the post room: one UTF-8 file per notice.

    The file is ``<notification_id>.txt`` in ``directory``, written to a temporary name
    and renamed, so the post room never prints half a letter and a re-sent notice replaces
    its own file instead of making a second letter. The notice's body is the letter as
    rendered by ``Renderer.letter``.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path_of(self, notice: Notice) -> Path:
        return self.directory / f"{notice.notification_id}.txt"

    async def send(self, notice: Notice) -> None:
        await asyncio.to_thread(self._write, notice)

    def _write(self, notice: Notice) -> None:
        target = self.path_of(notice)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.directory, suffix=".part")
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as letter:
                    letter.write(notice.body_text)
                    letter.write("\n")
                os.replace(temporary, target)
            finally:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(temporary)
        except OSError as exc:
            raise RetryableDeliveryError(f"cannot queue the letter: {exc.strerror}") from exc

    async def aclose(self) -> None:
        """Nothing to release: every letter is written and closed by its send."""


def build_senders(spec: PolicySpec) -> dict[str, Sender]:
    """One sender per transport the policy names: 'smtp', 'letters' and each webhook.

    Close each with ``aclose`` on shutdown (webhooks hold HTTP connection pools).
    """
    senders: dict[str, Sender] = {LETTER_TRANSPORT: LetterSender(spec.letters.directory)}
    if spec.smtp is not None:
        senders[SMTP_TRANSPORT] = SmtpSender.from_env(spec.smtp)
    for name, endpoint in spec.webhooks.items():
        senders[name] = WebhookSender.from_env(endpoint)
    return senders


#: Transport name of the recorder that stands in for every sender (see ``RecordSender``).
RECORD_TRANSPORT: Final = "record"


class RecordSender:
    """Takes every notice and sends it nowhere: demo mode without a mail relay.

    The notice is still planned, rendered, de-duplicated and recorded on
    notifications.delivered with the ``record`` channel, so a demo shows every decision
    without a mail server, an SMS gateway or a letters directory.
    """

    #: Its send never waits and never asks which task it runs in: the engine runs it at
    #: once, without a task of its own (``services.notification.inflight``). A sender
    #: without this attribute is run in a task of its own.
    immediate: Final = True
    #: Its send reaches no one outside the process: the notice exists only as its delivered
    #: record, an output of the event, so sending it again (a redelivery after a crash)
    #: delivers nothing twice. The sent log needs no "sending" or "sent" mark for it
    #: (``services.notification.engine``), only "recorded" once that output is
    #: acknowledged, like an agency's inbox record. A sender without this attribute
    #: reaches someone.
    reaches_no_one: Final = True

    async def send(self, notice: Notice) -> None:
        return None

    async def aclose(self) -> None:
        """Nothing to release."""
