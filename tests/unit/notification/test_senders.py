"""Senders over real sockets on 127.0.0.1: an SMTP server (aiosmtpd) and an HTTP server.

The servers refuse, stall and recover on a script; the assertions count what arrived:
nothing lost, nothing twice, and an unanswered message reported as such.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes
from email import policy as email_policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd import smtp
from aiosmtpd.controller import Controller

from schemas.notices import Notice
from schemas.notifications import DeliveryChannel, FailureReason
from services.devtools.kafka_local import free_port
from services.notification.policy import SmtpSettings, WebhookEndpoint
from services.notification.retry import Delivered, Failed, RetryPolicy, deliver
from services.notification.senders import (
    LetterSender,
    PermanentDeliveryError,
    RetryableDeliveryError,
    SmtpSender,
    UnconfirmedDeliveryError,
    WebhookSender,
)
from tests.unit.notification.test_plan import case_file, contact, email_notice, planner

FAST = RetryPolicy(
    initial_delay=timedelta(milliseconds=1),
    max_delay=timedelta(milliseconds=5),
    multiplier=2.0,
    max_attempts=5,
    jitter=0.0,
)
STALL_SECONDS = 0.6
CLIENT_TIMEOUT = timedelta(milliseconds=200)
#: Longer than a command's timeout, shorter than the wait for the reply to the message.
SLOW_DATA_SECONDS = 0.5
DATA_TIMEOUT = timedelta(seconds=1.5)


class ScriptedMailbox:
    """An aiosmtpd handler answering from scripts.

    ``mail``: 'ok' or '421' (the relay is closing). ``script`` (RCPT): 'ok', '451', '550',
    'stall'. ``data``: 'ok', 'slow' (takes the message, confirms after SLOW_DATA_SECONDS),
    'hang' (takes the message, never confirms in time).
    """

    def __init__(self) -> None:
        self.mail: list[str] = []
        self.script: list[str] = []
        self.data: list[str] = []
        self.arrived: list[EmailMessage] = []

    async def handle_MAIL(  # noqa: N802 (aiosmtpd's hook name)
        self,
        server: smtp.SMTP,
        session: smtp.Session,
        envelope: smtp.Envelope,
        address: str,
        mail_options: list[str],
    ) -> str:
        if (self.mail.pop(0) if self.mail else "ok") == "421":
            return "421 4.3.2 service shutting down, try later"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(  # noqa: N802 (aiosmtpd's hook name)
        self,
        server: smtp.SMTP,
        session: smtp.Session,
        envelope: smtp.Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        action = self.script.pop(0) if self.script else "ok"
        if action == "stall":
            await asyncio.sleep(STALL_SECONDS)
            return "451 4.4.2 too slow"
        if action == "451":
            return "451 4.3.0 mailbox busy, try later"
        if action == "550":
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802 (aiosmtpd's hook name)
        self, server: smtp.SMTP, session: smtp.Session, envelope: smtp.Envelope
    ) -> str:
        raw = envelope.original_content or envelope.content
        assert isinstance(raw, bytes)
        parsed = message_from_bytes(raw, policy=email_policy.default)
        assert isinstance(parsed, EmailMessage)
        self.arrived.append(parsed)
        action = self.data.pop(0) if self.data else "ok"
        if action == "slow":
            await asyncio.sleep(SLOW_DATA_SECONDS)
        elif action == "hang":
            await asyncio.sleep(DATA_TIMEOUT.total_seconds() + 0.5)
        return "250 Message accepted for delivery"


@pytest.fixture
def mailbox() -> Iterator[tuple[ScriptedMailbox, int]]:
    handler = ScriptedMailbox()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


def _smtp(port: int) -> SmtpSender:
    settings = SmtpSettings(
        host="127.0.0.1",
        port=port,
        sender="宝鸡市信访局 <noreply@xf.example.gov.cn>",
        timeout=CLIENT_TIMEOUT,
        data_timeout=DATA_TIMEOUT,
    )
    return SmtpSender(settings)


async def _no_sleep(seconds: float) -> None:
    await asyncio.sleep(0)


async def test_a_chinese_notice_arrives_intact(mailbox: tuple[ScriptedMailbox, int]) -> None:
    handler, port = mailbox
    notice = email_notice()
    await _smtp(port).send(notice)
    (message,) = handler.arrived
    assert message["Subject"] == "信访事项登记回执 XF-7K2M9Q4T8W1Z"
    assert message["To"] == "zhangsan@example.cn"
    assert "宝鸡市信访局" in str(message["From"])
    assert message["Message-ID"] == f"<{notice.notification_id}@xf.example.gov.cn>"
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None
    assert html is not None
    assert "张三" in text.get_content()
    assert "XF-7K2M9Q4T8W1Z" in text.get_content()
    assert "张三" in html.get_content()


async def test_a_5xx_refusal_is_permanent(mailbox: tuple[ScriptedMailbox, int]) -> None:
    handler, port = mailbox
    handler.script = ["550"]
    with pytest.raises(PermanentDeliveryError, match="550"):
        await _smtp(port).send(email_notice())
    result = await deliver(_smtp(port), email_notice(), FAST, sleep=_no_sleep)
    assert isinstance(result, Delivered)
    handler.script = ["550"]
    failed = await deliver(_smtp(port), email_notice(), FAST, sleep=_no_sleep)
    assert isinstance(failed, Failed)
    assert failed.reason is FailureReason.PERMANENT_REJECTION
    assert failed.attempts == 1
    assert len(handler.arrived) == 1


async def test_4xx_and_a_stall_are_retried_until_the_server_recovers(
    mailbox: tuple[ScriptedMailbox, int],
) -> None:
    handler, port = mailbox
    handler.script = ["451", "stall", "451"]
    handler.mail = ["ok", "ok", "ok", "421"]
    with pytest.raises(RetryableDeliveryError) as refused:
        await _smtp(port).send(email_notice())
    assert not isinstance(refused.value, UnconfirmedDeliveryError)
    started = time.monotonic()
    result = await deliver(_smtp(port), email_notice(), FAST, sleep=_no_sleep)
    assert result == Delivered(attempts=4)
    assert time.monotonic() - started < STALL_SECONDS * 3
    assert len(handler.arrived) == 1


async def test_a_relay_slow_to_confirm_is_waited_for_not_sent_twice(
    mailbox: tuple[ScriptedMailbox, int],
) -> None:
    handler, port = mailbox
    handler.data = ["slow"]
    started = time.monotonic()
    result = await deliver(_smtp(port), email_notice(), FAST, sleep=_no_sleep)
    assert result == Delivered(attempts=1)
    assert time.monotonic() - started >= SLOW_DATA_SECONDS > CLIENT_TIMEOUT.total_seconds()
    assert len(handler.arrived) == 1


async def test_a_message_never_confirmed_is_unconfirmed_not_retried_at_once(
    mailbox: tuple[ScriptedMailbox, int],
) -> None:
    handler, port = mailbox
    handler.data = ["hang"]
    result = await deliver(_smtp(port), email_notice(), FAST, sleep=_no_sleep)
    assert isinstance(result, Failed)
    assert (result.reason, result.attempts, result.unconfirmed) == (
        FailureReason.RETRIES_EXHAUSTED,
        1,
        True,
    )
    assert "no reply to the message" in result.detail
    assert len(handler.arrived) == 1  # the relay has it: a re-send would make two


async def test_a_burst_through_a_flaky_server_loses_and_doubles_nothing(
    mailbox: tuple[ScriptedMailbox, int],
) -> None:
    handler, port = mailbox
    handler.script = ["451", "451", "stall", "451", "451"]
    notices = [
        planner().for_new_case(case_file(case_id=f"XF-BURST{i:06d}"), contact()).notices[0]
        for i in range(8)
    ]
    sender = _smtp(port)
    results = await asyncio.gather(
        *(deliver(sender, notice, FAST, sleep=_no_sleep) for notice in notices)
    )
    assert all(isinstance(result, Delivered) for result in results)
    arrived_ids = sorted(str(message["X-Xinfang-Notification-Id"]) for message in handler.arrived)
    assert arrived_ids == sorted(notice.notification_id for notice in notices)


async def test_a_server_that_never_recovers_exhausts_the_retries(
    mailbox: tuple[ScriptedMailbox, int],
) -> None:
    handler, port = mailbox
    handler.script = ["451"] * FAST.max_attempts
    result = await deliver(_smtp(port), email_notice(), FAST, sleep=_no_sleep)
    assert isinstance(result, Failed)
    assert result.reason is FailureReason.RETRIES_EXHAUSTED
    assert result.attempts == FAST.max_attempts
    assert not handler.arrived


async def test_a_closed_port_is_retryable() -> None:
    with pytest.raises(RetryableDeliveryError) as refused:
        await _smtp(free_port()).send(email_notice())
    assert not isinstance(refused.value, UnconfirmedDeliveryError)


# --- webhooks ------------------------------------------------------------------------------


class _Gateway:
    """A real HTTP server on 127.0.0.1 answering from a script of statuses or 'stall'."""

    def __init__(self) -> None:
        self.script: list[int | str] = []
        self.accepted: list[dict[str, Any]] = []
        self.idempotency_keys: list[str] = []
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                action = gateway.script.pop(0) if gateway.script else 200
                if action == "stall":
                    time.sleep(STALL_SECONDS)
                    action = 503
                assert isinstance(action, int)
                if 200 <= action < 300:
                    gateway.accepted.append(json.loads(body))
                    gateway.idempotency_keys.append(self.headers["Idempotency-Key"])
                self.send_response(action)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/sms"


@pytest.fixture
def gateway() -> Iterator[_Gateway]:
    server = _Gateway()
    server.thread.start()
    try:
        yield server
    finally:
        server.server.shutdown()
        server.server.server_close()


def _sms_notice() -> Notice:
    return planner().for_new_case(case_file(), contact(email=None)).notices[0]


async def test_an_sms_goes_to_the_gateway_as_json(gateway: _Gateway) -> None:
    notice = _sms_notice()
    endpoint = WebhookEndpoint.model_validate({"url": gateway.url, "timeout": CLIENT_TIMEOUT})
    async with WebhookSender(endpoint, token="secret") as sender:
        await sender.send(notice)
    (payload,) = gateway.accepted
    assert payload["to"] == ["+8613800138000"]
    assert "XF-7K2M9Q4T8W1Z" in payload["text"]
    assert gateway.idempotency_keys == [notice.notification_id]


async def test_webhook_failures_are_classified_and_retried(gateway: _Gateway) -> None:
    endpoint = WebhookEndpoint.model_validate({"url": gateway.url, "timeout": CLIENT_TIMEOUT})
    async with WebhookSender(endpoint) as sender:
        gateway.script = [503, 429]
        result = await deliver(sender, _sms_notice(), FAST, sleep=_no_sleep)
        assert result == Delivered(attempts=3)
        # No response in time: the gateway may have it; not retried at once.
        gateway.script = ["stall"]
        unanswered = await deliver(sender, _sms_notice(), FAST, sleep=_no_sleep)
        assert isinstance(unanswered, Failed)
        assert (unanswered.attempts, unanswered.unconfirmed) == (1, True)
        gateway.script = [400]
        rejected = await deliver(sender, _sms_notice(), FAST, sleep=_no_sleep)
        assert isinstance(rejected, Failed)
        assert rejected.reason is FailureReason.PERMANENT_REJECTION
        assert "400" in rejected.detail
    assert len(gateway.accepted) == 1


async def test_a_letter_is_queued_once_as_a_printable_file(tmp_path: Path) -> None:
    plan = planner().for_new_case(case_file(), contact(email=None, phone_e164=None))
    (letter,) = [n for n in plan.notices if n.channel is DeliveryChannel.LETTER]
    sender = LetterSender(tmp_path / "letters")
    await sender.send(letter)
    await sender.send(letter)
    (queued,) = (tmp_path / "letters").iterdir()
    assert queued.name == f"{letter.notification_id}.txt"
    text = queued.read_text(encoding="utf-8")
    assert "陕西省宝鸡市渭滨区清姜路1号" in text
    assert "XF-7K2M9Q4T8W1Z" in text
