"""Failure injection: a real SMTP relay refuses, stalls and recovers under the running service.

The notification worker runs as an OS process on the session's Kafka broker, with a real
aiosmtpd relay on 127.0.0.1 whose behaviour the test switches, a real HTTP SMS gateway and
the letters directory. Receipts are published in batches, one batch per phase:

1. refusals: 421 to MAIL, 451 to RCPT, then the relay is stopped (connection refused);
2. stalls: RCPT answered long after the client's timeout; DATA confirmed after longer than
   a command's timeout but within the message's (``data_timeout``); DATA taken and never
   confirmed in time (the client gives up: the relay may have it, the service cannot know);
3. recovery.

Throughout, one mailbox always refuses for good (550) and one is always busy (4xx). After
every phase the SMS and letter notices published *behind* the phase's e-mails, in the same
partitions, must have gone out within FLOW_SECONDS: nothing waits for the relay. At the end
every expected e-mail has reached the relay, each exactly once except the never-confirmed
ones, which arrive twice with the same Message-ID, and exactly those are the re-sends the
service logged as "may arrive twice"; notifications.delivered has each delivered notice
once, and notifications.failed the two bad mailboxes with their reasons.

Finally the service is stopped with SIGTERM while an e-mail is under way: it exits 0 with no
ResourceWarning about unclosed connections (HTTP pools, SMTP sessions), and after a
restart the e-mail it had in hand arrives, once.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes
from email import policy as email_policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Literal

import pytest
from aiosmtpd import smtp
from aiosmtpd.controller import Controller

from schemas.cases import PetitionerContact
from schemas.keys import CaseKey, PetitionerKey
from schemas.notices import NoticeKind
from schemas.registry import (
    CASES_DEDUPLICATED,
    NOTIFICATIONS_DELIVERED,
    NOTIFICATIONS_FAILED,
    PARTITIONS,
    PETITIONER_CONTACTS,
)
from services.cli.pipeline import LocalPipeline
from services.common.producer import make_producer
from services.devtools.kafka_local import KafkaLocal, free_port
from services.notification.ids import notification_id
from tests.integration.test_notification_on_kafka import _case_id, _ref, _verdict
from tests.waiting import values, wait_for_count

pytestmark = pytest.mark.integration

#: The client's timeouts (policy below): per command, and for the reply to the message.
TIMEOUT_SECONDS = 1.0
DATA_TIMEOUT_SECONDS = 4.0
#: How the relay misbehaves: RCPT answered after STALL, DATA confirmed after SLOW (within
#: the data timeout) or after HANG (beyond it), DATA refused after HOLD (at shutdown).
STALL_SECONDS = 3.0
SLOW_SECONDS = 2.0
HANG_SECONDS = 5.5
HOLD_SECONDS = 30.0
#: Longest an SMS or a letter may take while e-mails ahead of it in its partition wait.
FLOW_SECONDS = 5.0
WAIT_SECONDS = 90.0

POLICY = f"""\
version: 1
issuer: {{zh: 宝鸡市信访局, en: Baoji Municipal Bureau of Letters and Calls}}
query_url: https://xf.example.gov.cn/query
smtp:
  host: 127.0.0.1
  port: 25
  sender: 宝鸡市信访局 <noreply@xf.example.gov.cn>
  timeout: {TIMEOUT_SECONDS}s
  data_timeout: {DATA_TIMEOUT_SECONDS}s
webhooks:
  sms-gateway: {{url: "SMS_URL", timeout: 2s}}
letters: {{directory: "LETTERS_DIR"}}
retry: {{initial_delay: 200ms, max_delay: 1s, multiplier: 2.0, max_attempts: 30, jitter: 0.2}}
receivers:
  - name: petitioner
    petitioner: {{channels: [email, sms, letter], sms_webhook: sms-gateway}}
  - name: agency-inbox
    agency_inbox: {{}}
route:
  receiver: petitioner
  routes:
    - matchers: ['kind="case_assigned"']
      receiver: agency-inbox
"""

Mode = Literal["ok", "421", "451", "stall", "slow", "hang", "hold"]


class Relay:
    """An aiosmtpd handler that misbehaves as ``mode`` says, switched by the test.

    ``nobody@`` is refused for good (550) and ``busy@`` is always busy (450), in any mode.
    """

    def __init__(self) -> None:
        self.mode: Mode = "ok"
        self.lock = threading.Lock()
        self.arrived: list[EmailMessage] = []
        self.refused: list[tuple[Mode, str]] = []
        self.held: list[str] = []

    async def handle_MAIL(  # noqa: N802 (aiosmtpd's hook name)
        self,
        server: smtp.SMTP,
        session: smtp.Session,
        envelope: smtp.Envelope,
        address: str,
        mail_options: list[str],
    ) -> str:
        if self.mode == "421":
            self._refuse("421", "")
            return "421 4.3.2 System not accepting network messages"
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
        mode = self.mode
        mailbox = address.split("@")[0]
        if mailbox == "nobody":
            return "550 5.1.1 No such mailbox"
        if mailbox == "busy":
            return "450 4.2.1 Mailbox busy, try later"
        if mode == "451":
            self._refuse(mode, address)
            return "451 4.3.0 Temporary failure, try later"
        if mode == "stall":
            self._refuse(mode, address)
            await asyncio.sleep(STALL_SECONDS)
            return "451 4.4.2 Timed out"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802 (aiosmtpd's hook name)
        self, server: smtp.SMTP, session: smtp.Session, envelope: smtp.Envelope
    ) -> str:
        mode = self.mode
        raw = envelope.original_content or envelope.content
        assert isinstance(raw, bytes)
        message = message_from_bytes(raw, policy=email_policy.default)
        assert isinstance(message, EmailMessage)
        if mode == "hold":
            with self.lock:
                self.held.append(str(message["X-Xinfang-Notification-Id"]))
            await asyncio.sleep(HOLD_SECONDS)
            return "451 4.3.0 Not taken"
        with self.lock:
            self.arrived.append(message)
        if mode == "slow":
            await asyncio.sleep(SLOW_SECONDS)
        elif mode == "hang":
            await asyncio.sleep(HANG_SECONDS)
        return "250 Message accepted for delivery"

    def _refuse(self, mode: Mode, address: str) -> None:
        with self.lock:
            self.refused.append((mode, address))

    def ids(self) -> Counter[str]:
        with self.lock:
            return Counter(str(m["X-Xinfang-Notification-Id"]) for m in self.arrived)

    def message_ids(self, nid: str) -> set[str]:
        with self.lock:
            return {
                str(m["Message-ID"])
                for m in self.arrived
                if str(m["X-Xinfang-Notification-Id"]) == nid
            }

    def refused_to(self, mode: Mode) -> set[str]:
        with self.lock:
            return {address for refused_in, address in self.refused if refused_in == mode}


@dataclass
class RelayServer:
    """The relay on a fixed port, which the test can stop (connection refused) and restart."""

    handler: Relay
    port: int
    controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def relay() -> Iterator[RelayServer]:
    server = RelayServer(Relay(), free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()


@dataclass
class SmsGateway:
    """A real HTTP/1.1 server (keep-alive, so the service holds a pooled connection)."""

    taken: dict[str, float] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def serve(self) -> ThreadingHTTPServer:
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers["Content-Length"]))
                with gateway.lock:
                    gateway.taken.setdefault(self.headers["Idempotency-Key"], time.monotonic())
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return None

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server


@pytest.fixture
def sms() -> Iterator[tuple[SmsGateway, str]]:
    gateway = SmsGateway()
    server = gateway.serve()
    try:
        yield gateway, f"http://127.0.0.1:{server.server_address[1]}/sms"
    finally:
        server.shutdown()
        server.server_close()


Channel = Literal["email", "sms", "letter"]


@dataclass(frozen=True)
class Petitioner:
    i: int
    channel: Channel
    mailbox: str = ""

    @property
    def receipt(self) -> str:
        return notification_id(_case_id(self.i), NoticeKind.RECEIPT, _ref(self.i))

    def contact(self) -> PetitionerContact:
        return PetitionerContact(
            petitioner_ref=_ref(self.i),
            name=f"张{self.i}",
            email=f"{self.mailbox or f'p{self.i}'}@example.cn" if self.channel == "email" else None,
            phone_e164=f"+86138{self.i:08d}" if self.channel == "sms" else None,
            address=f"陕西省宝鸡市渭滨区清姜路{self.i}号",
            updated_at=datetime.now(UTC),
        )


class People:
    """Numbered petitioners; each batch spreads evenly over the partitions."""

    def __init__(self) -> None:
        self.everyone: list[Petitioner] = []

    def batch(self, channel: Channel, count: int, mailbox: str = "") -> list[Petitioner]:
        made = [Petitioner(len(self.everyone) + n, channel, mailbox) for n in range(count)]
        self.everyone += made
        return made

    def phase(self, emails: int) -> tuple[list[Petitioner], list[Petitioner]]:
        """E-mail petitioners, and an SMS and a letter petitioner for every partition."""
        mail = self.batch("email", emails)
        return mail, self.batch("sms", PARTITIONS) + self.batch("letter", PARTITIONS)


def _wait(condition: Callable[[], bool], what: str, tail: Callable[[], str]) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"not in {WAIT_SECONDS}s: {what}\n{tail()}")


def _resent_unconfirmed(log_text: str) -> Counter[str]:
    """Notification ids of the re-sends the service logged as possibly arriving twice."""
    resent: Counter[str] = Counter()
    for line in log_text.splitlines():
        if not line.startswith("{"):
            continue
        entry = json.loads(line)
        if "may arrive twice" in entry.get("msg", ""):
            resent[entry["notification_id"]] += 1
    return resent


def _email_retries(metrics_text: str) -> float:
    for line in metrics_text.splitlines():
        if line.startswith('xinfang_notification_retries_total{channel="email"}'):
            return float(line.split()[-1])
    raise AssertionError("xinfang_notification_retries_total has no e-mail series")


def test_refusals_stalls_and_recovery_lose_and_double_nothing(
    kafka: KafkaLocal,
    prefix: str,
    tmp_path: Path,
    relay: RelayServer,
    sms: tuple[SmsGateway, str],
) -> None:
    handler = relay.handler
    gateway, sms_url = sms
    letters_dir = tmp_path / "letters"
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        POLICY.replace("SMS_URL", sms_url).replace("LETTERS_DIR", str(letters_dir)),
        encoding="utf-8",
    )
    pipeline = LocalPipeline(
        kafka.bootstrap,
        prefix,
        tmp_path,
        services=("notification",),
        extra_env={
            "XINFANG_NOTIFICATION_SMTP_HOST": "127.0.0.1",
            "XINFANG_NOTIFICATION_SMTP_PORT": str(relay.port),
            "XINFANG_NOTIFICATION_POLICY_PATH": str(policy),
            "XINFANG_NOTIFICATION_TICK_INTERVAL_SECONDS": "0.5",
            "XINFANG_NOTIFICATION_HANDOFF_SECONDS": "0.3",
            "XINFANG_NOTIFICATION_SENDS_IN_FLIGHT": "4",
            # Every ResourceWarning (an unclosed socket or transport) goes to the log.
            "PYTHONWARNINGS": "always::ResourceWarning",
        },
    )
    log_path = tmp_path / "logs" / "notification.log"

    def tail() -> str:
        """What the relay saw and what the service counted, for a failure's message."""
        with handler.lock:
            refusals = Counter(mode for mode, _ in handler.refused)
        try:
            counted = [
                line
                for line in pipeline.processes["notification"].metrics_text().splitlines()
                if line.startswith("xinfang_notification") and not line.endswith(" 0.0")
            ]
        except OSError as exc:
            counted = [f"no metrics: {exc}"]
        relay_seen = f"relay: mode {handler.mode}, {len(handler.arrived)} arrived, {refusals}"
        return "\n".join([relay_seen, *counted, pipeline.log_tail("notification", 30)])

    producer = make_producer(kafka.bootstrap)

    people = People()
    nobody = people.batch("email", 1, "nobody")
    busy = people.batch("email", 1, "busy")
    warm = people.batch("email", PARTITIONS)
    refused_421 = people.phase(2 * PARTITIONS)
    refused_451 = people.phase(2 * PARTITIONS)
    relay_down = people.phase(2 * PARTITIONS)
    stalled = people.phase(3 * PARTITIONS)
    slow = people.phase(2 * PARTITIONS)
    unconfirmed = people.phase(PARTITIONS)
    at_sigterm = people.phase(1)
    emails = [p for p in people.everyone if p.channel == "email" and not p.mailbox]
    others = [p for p in people.everyone if p.channel != "email"]

    published: dict[str, float] = {}
    out: dict[str, float] = {}

    def publish(batch: list[Petitioner]) -> None:
        topic = CASES_DEDUPLICATED.full_name(prefix)
        for person in batch:
            key = CaseKey(case_id=_case_id(person.i)).to_json_bytes()
            value = json.dumps(_verdict(person.i)).encode()
            producer.send(topic, key=key, value=value, partition=person.i % PARTITIONS)
            published[person.receipt] = time.monotonic()
        producer.flush()

    def went_out(person: Petitioner) -> bool:
        """Whether the SMS gateway or the letters directory has the notice; notes when."""
        if person.receipt not in out:
            if person.channel == "sms":
                with gateway.lock:
                    at = gateway.taken.get(person.receipt)
                if at is not None:
                    out[person.receipt] = at
            elif (letters_dir / f"{person.receipt}.txt").exists():
                out[person.receipt] = time.monotonic()
        return person.receipt in out

    flow: dict[str, float] = {}

    def run(name: str, phase: tuple[list[Petitioner], list[Petitioner]], blocked: bool) -> None:
        """Publish the phase's cases, e-mails ahead; the SMS and letters must not wait."""
        mail, behind = phase
        publish(mail + behind)
        _wait(lambda: all(went_out(p) for p in behind), f"{name}: the SMS and letters", tail)
        slowest = max(out[p.receipt] - published[p.receipt] for p in behind)
        flow[name] = round(slowest, 2)
        assert slowest < FLOW_SECONDS, f"{name}: a notice waited {slowest:.1f}s behind e-mail"
        if blocked:
            arrived = handler.ids()
            assert not [p for p in mail if p.receipt in arrived], f"{name}: mail got through"

    def arrived(batch: list[Petitioner]) -> Callable[[], bool]:
        return lambda: {p.receipt for p in batch} <= set(handler.ids())

    def tried(batch: list[Petitioner], mode: Mode) -> Callable[[], bool]:
        return lambda: {p.contact().email for p in batch} <= handler.refused_to(mode)

    try:
        pipeline.start("notification")
        pipeline.wait_healthy(timeout=180)
        contacts = PETITIONER_CONTACTS.full_name(prefix)
        for person in people.everyone:
            key = PetitionerKey(petitioner_ref=_ref(person.i)).to_json_bytes()
            producer.send(contacts, key=key, value=person.contact().to_json_bytes())
        publish(nobody + busy + warm)
        _wait(arrived(warm), "warm-up", tail)

        # 1. Refusals: 421 to MAIL, 451 to RCPT, then no relay at all.
        handler.mode = "421"
        run("421", refused_421, blocked=True)
        # The transport may still be resting after an earlier failure: stay in this phase
        # until the relay has refused a MAIL with 421 at least once.
        _wait(lambda: handler.refused_to("421") == {""}, "a MAIL refused with 421", tail)
        handler.mode = "451"
        run("451", refused_451, blocked=True)
        _wait(tried(refused_451[0], "451"), "every 451 mailbox refused", tail)
        assert handler.refused_to("421") == {""}  # MAIL was refused, before any recipient
        relay.stop()
        service = pipeline.processes["notification"]
        retried = _email_retries(service.metrics_text())
        run("connection refused", relay_down, blocked=True)
        _wait(
            lambda: _email_retries(service.metrics_text()) >= retried + 3,
            "attempts against the stopped relay",
            tail,
        )
        handler.mode = "ok"
        relay.start()
        _wait(arrived(refused_421[0] + refused_451[0] + relay_down[0]), "recovery", tail)

        # 2. Stalls: RCPT past the timeout; DATA slow but within data_timeout; DATA taken
        #    and not confirmed within data_timeout.
        handler.mode = "stall"
        run("rcpt stall", stalled, blocked=True)
        _wait(tried(stalled[0], "stall"), "every stalled mailbox tried", tail)
        handler.mode = "slow"
        run("slow data", slow, blocked=False)
        _wait(arrived(stalled[0] + slow[0]), "the stalled and the slow e-mails", tail)
        handler.mode = "hang"
        run("data never confirmed", unconfirmed, blocked=False)
        _wait(arrived(unconfirmed[0]), "the never-confirmed e-mails, once", tail)

        # 3. Recovery.
        handler.mode = "ok"
        _wait(arrived(emails[: -len(at_sigterm[0])]), "every e-mail", tail)
        failed_topic = NOTIFICATIONS_FAILED.full_name(prefix)
        wait_for_count(kafka.bootstrap, failed_topic, 2, WAIT_SECONDS, tail)

        # SIGTERM while an e-mail is under way (the relay holds its DATA), then a restart.
        handler.mode = "hold"
        run("sigterm", at_sigterm, blocked=True)
        (in_hand,) = at_sigterm[0]
        _wait(lambda: in_hand.receipt in handler.held, "the last e-mail under way", tail)
        exit_code = pipeline.stop("notification")
        at_stop = log_path.read_text(errors="replace")
        handler.mode = "ok"
        pipeline.start("notification")
        pipeline.wait_healthy(timeout=180)
        _wait(arrived([in_hand]), "the e-mail in hand at SIGTERM", tail)
        delivered_topic = NOTIFICATIONS_DELIVERED.full_name(prefix)
        count = len(emails) + len(others)
        delivered = wait_for_count(kafka.bootstrap, delivered_topic, count, WAIT_SECONDS, tail)
        time.sleep(2)  # not a condition: a late second copy gets the chance to show up
        mails = handler.ids()
        resent = _resent_unconfirmed(log_path.read_text(errors="replace"))
        failed = values(kafka.bootstrap, failed_topic)
    finally:
        producer.close()
        pipeline.stop_all()

    print("slowest SMS or letter behind waiting e-mail, by phase (s):", flow)
    # Every expected e-mail reached the relay; nothing else did.
    assert set(mails) == {p.receipt for p in emails}
    # Twice only what the relay took without confirming in time, with one Message-ID;
    # exactly those (and the e-mail cut short by SIGTERM) the service re-sent, saying so.
    twice = {nid for nid, n in mails.items() if n > 1}
    assert twice == {p.receipt for p in unconfirmed[0]}
    assert all(mails[nid] == 2 and len(handler.message_ids(nid)) == 1 for nid in twice)
    assert resent == Counter(twice | {in_hand.receipt})
    # Every SMS and letter went out (the gateway and the directory keep one per id).
    assert all(went_out(p) for p in others)
    # notifications.delivered: each delivered notice once.
    records = Counter(d["notification_id"] for d in delivered)
    assert {nid for nid, n in records.items() if n > 1} == set()
    assert set(records) == {p.receipt for p in emails + others}
    # notifications.failed: the two bad mailboxes, with their closed-set reasons, once each.
    assert sorted((f["notification_id"], f["reason"]) for f in failed) == sorted(
        [(nobody[0].receipt, "permanent_rejection"), (busy[0].receipt, "retries_exhausted")]
    )
    # SIGTERM: a clean exit, every connection closed by the service itself.
    assert exit_code == 0
    assert "sends stopped, senders closed" in at_stop
    assert "ResourceWarning" not in at_stop, at_stop[-3000:]
    assert "nclosed" not in at_stop
