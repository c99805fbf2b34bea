"""The notification service as an OS process on a real broker, mailing a real SMTP server.

Verdicts, contacts, updates and escalations are published straight to the input topics;
the worker is killed with SIGKILL mid-stream and started again. Every notice must arrive
at the SMTP server, and on notifications.delivered, exactly once.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from email import message_from_bytes
from email import policy as email_policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd import smtp
from aiosmtpd.controller import Controller
from kafka import KafkaAdminClient

from schemas import examples
from schemas.cases import CaseUpdate, PetitionerContact
from schemas.keys import CaseKey, PetitionerKey
from schemas.notices import NoticeKind
from schemas.registry import (
    AGENCY_INBOX,
    CASES_DEDUPLICATED,
    CASES_ESCALATED,
    CASES_UPDATES,
    NOTIFICATIONS_DELIVERED,
    PETITIONER_CONTACTS,
)
from services.cli.pipeline import LocalPipeline
from services.common.agencies import shipped_directory
from services.common.producer import make_producer
from services.common.topics import create_topics
from services.devtools.kafka_local import KafkaLocal, free_port
from services.notification.ids import notification_id
from tests.waiting import values, wait_for_count

pytestmark = pytest.mark.integration

CASES = 16
ACCEPTED = 6
POLICY = """\
version: 1
issuer: {zh: 宝鸡市信访局, en: Baoji Municipal Bureau of Letters and Calls}
query_url: https://xf.example.gov.cn/query
smtp:
  host: 127.0.0.1
  port: 25
  sender: 宝鸡市信访局 <noreply@xf.example.gov.cn>
  timeout: 3s
retry: {initial_delay: 200ms, max_delay: 1s, multiplier: 2.0, max_attempts: 20, jitter: 0.2}
receivers:
  - name: petitioner
    petitioner: {channels: [email]}
  - name: agency-inbox
    agency_inbox: {}
  - name: city-supervision
    units: [宝鸡市信访局]
    email: {to: [duban@xf.example.gov.cn]}
route:
  receiver: petitioner
  routes:
    - matchers: ['kind="case_assigned"']
      receiver: agency-inbox
    - matchers: ['kind="escalation_alert"']
      receiver: city-supervision
      group_by: [level]
      group_wait: 1s
      group_interval: 2s
"""


class Mailbox:
    """An aiosmtpd handler that keeps every message it accepted."""

    def __init__(self) -> None:
        self.arrived: list[EmailMessage] = []
        self.lock = threading.Lock()

    async def handle_DATA(  # noqa: N802 (aiosmtpd's hook name)
        self, server: smtp.SMTP, session: smtp.Session, envelope: smtp.Envelope
    ) -> str:
        raw = envelope.original_content or envelope.content
        assert isinstance(raw, bytes)
        parsed = message_from_bytes(raw, policy=email_policy.default)
        assert isinstance(parsed, EmailMessage)
        with self.lock:
            self.arrived.append(parsed)
        return "250 Message accepted for delivery"

    def ids(self) -> Counter[str]:
        with self.lock:
            return Counter(str(m["X-Xinfang-Notification-Id"]) for m in self.arrived)


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    handler = Mailbox()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


def _ref(i: int) -> str:
    return f"pr_{i:032x}"


def _case_id(i: int) -> str:
    return f"XF-IT{i:010d}"


def _verdict(i: int) -> dict[str, Any]:
    template = examples.DEDUPLICATED[0].value
    assert template is not None
    case = {**template["case"], "case_id": _case_id(i), "submission_id": f"portal-it-{i}"}
    case["petitioner_ref"] = _ref(i)
    return {
        **template,
        "case_id": _case_id(i),
        "case": case,
        "verdict": "new",
        "reason": "first_of_matter",
        "matter_id": f"MT-{_case_id(i)}",
        "first_case_id": _case_id(i),
        "open_case_id": _case_id(i),
        "repeat_count": 0,
    }


def _contact(i: int) -> PetitionerContact:
    return PetitionerContact(
        petitioner_ref=_ref(i),
        name=f"张{i}",
        email=f"p{i}@example.cn",
        updated_at=datetime.now(UTC),
    )


def _update(i: int) -> CaseUpdate:
    return CaseUpdate(
        update_id=f"610302-housing-it-{i}",
        case_id=_case_id(i),
        kind="accepted",
        occurred_at=datetime.fromisoformat("2026-11-25T16:00:00+08:00"),
        agency_code="610302-housing",
    )


def _escalation(i: int) -> dict[str, Any]:
    return {
        "escalation_id": f"ESC-{_case_id(i)}-leadership_package",
        "case_id": _case_id(i),
        "reason": "leadership_package",
        "rule": "repeat_count>=3",
        "target_level": "city",
        "escalated_at": datetime.now(UTC).isoformat(),
        "region_code": "610302",
    }


def _wait(
    condition: Callable[[], bool], what: str, timeout: float, tail: Callable[[], str]
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.5)
    raise AssertionError(f"not in {timeout}s: {what}\n{tail()}")


@pytest.mark.kill
def test_every_notice_arrives_exactly_once_through_a_kill(
    kafka: KafkaLocal, prefix: str, tmp_path: Path, mailbox: tuple[Mailbox, int]
) -> None:
    handler, smtp_port = mailbox
    policy = tmp_path / "policy.yaml"
    policy.write_text(POLICY, encoding="utf-8")
    pipeline = LocalPipeline(
        kafka.bootstrap,
        prefix,
        tmp_path,
        services=("notification",),
        extra_env={
            "XINFANG_NOTIFICATION_SMTP_HOST": "127.0.0.1",
            "XINFANG_NOTIFICATION_SMTP_PORT": str(smtp_port),
            "XINFANG_NOTIFICATION_POLICY_PATH": str(policy),
            "XINFANG_NOTIFICATION_TICK_INTERVAL_SECONDS": "0.5",
            "XINFANG_NOTIFICATION_LOG_FORMAT": "text",
        },
    )
    tail = lambda: pipeline.log_tail("notification", 80)  # noqa: E731
    producer = make_producer(kafka.bootstrap)

    def publish(spec_name: str, key: bytes, value: bytes) -> None:
        producer.send(spec_name, key=key, value=value)

    def send_contact(i: int) -> None:
        key = PetitionerKey(petitioner_ref=_ref(i)).to_json_bytes()
        publish(PETITIONER_CONTACTS.full_name(prefix), key, _contact(i).to_json_bytes())

    def send_case(i: int) -> None:
        key = CaseKey(case_id=_case_id(i)).to_json_bytes()
        publish(CASES_DEDUPLICATED.full_name(prefix), key, json.dumps(_verdict(i)).encode())

    try:
        pipeline.start("notification")
        pipeline.wait_healthy(timeout=180)
        half = CASES // 2
        # First half: contacts before their cases, one erased again (a tombstone).
        for i in range(half):
            send_contact(i)
        erased_key = PetitionerKey(petitioner_ref=_ref(0)).to_json_bytes()
        producer.send(PETITIONER_CONTACTS.full_name(prefix), key=erased_key, value=None)
        for i in range(half):
            send_case(i)
        producer.flush()
        _wait(lambda: len(handler.ids()) >= 3, "the first receipts", 120, tail)

        pipeline.kill("notification")
        # While it is down: the second half's cases *before* their contacts, updates and
        # escalations, and the first half's verdicts again (an upstream replay).
        for i in range(half, CASES):
            send_case(i)
        for i in range(half):
            send_case(i)
        for i in range(ACCEPTED):
            key = CaseKey(case_id=_case_id(i)).to_json_bytes()
            publish(CASES_UPDATES.full_name(prefix), key, _update(i).to_json_bytes())
        for i in (2, 3):
            key = CaseKey(case_id=_case_id(i)).to_json_bytes()
            publish(CASES_ESCALATED.full_name(prefix), key, json.dumps(_escalation(i)).encode())
        producer.flush()
        pipeline.start("notification")
        pipeline.wait_healthy(timeout=180)
        for i in range(half, CASES):
            send_contact(i)
        send_contact(0)  # the erased petitioner comes back with new details
        producer.flush()

        expected = {notification_id(_case_id(i), NoticeKind.RECEIPT, _ref(i)) for i in range(CASES)}
        expected |= {
            notification_id(_update(i).update_id, NoticeKind.ACCEPTANCE, _ref(i))
            for i in range(ACCEPTED)
        }

        def all_arrived() -> bool:
            arrived = set(handler.ids())
            digests = [m for m in arrived if m.startswith("NT-escalation_alert-")]
            return expected <= arrived and bool(digests)

        _wait(all_arrived, "every receipt, acceptance and the digest", 180, tail)
        mails = handler.ids()
        delivered_topic = NOTIFICATIONS_DELIVERED.full_name(prefix)
        delivered = wait_for_count(kafka.bootstrap, delivered_topic, len(mails), 120, tail)
        said_twice = sum(
            float(line.rsplit(" ", 1)[1])
            for line in pipeline.processes["notification"].metrics_text().splitlines()
            if line.startswith("xinfang_notification_unconfirmed_resends_total")
        )
    finally:
        producer.close()
        pipeline.stop_all()

    # A mail server counts a message before its reply reaches the sender: a kill in that
    # instant leaves a send whose outcome no one can know, and the notice is sent again
    # with the same Message-ID, logged "may arrive twice" and counted. Nothing else is
    # ever sent twice (on a quiet machine the window is too short to be hit at all).
    doubled = {i: n for i, n in mails.items() if n > 1}
    assert all(n == 2 for n in doubled.values()), f"a notice was mailed more than twice: {doubled}"
    assert len(doubled) <= said_twice, f"mailed twice without saying so: {doubled}"
    assert expected <= set(mails)
    records = Counter(d["notification_id"] for d in delivered)
    # Outputs, then state, then the offset: a kill after a batch's delivered records are
    # acknowledged and before its sent marks are stored publishes them once more on
    # redelivery, under the same notification id (at-least-once outputs, which readers
    # skip by id; see ARCHITECTURE's guarantees). Never more than once more.
    assert all(n <= 2 for n in records.values()), f"a notice was recorded 3 times: {records}"
    assert set(records) == set(mails)
    # Both escalations reach the supervisors, in digests, each escalation once.
    digests = [m for m in handler.arrived if str(m["X-Xinfang-Notification-Id"]).startswith(
        "NT-escalation_alert-")]  # fmt: skip
    bodies = "".join(str(m.get_body(("plain",)).get_content()) for m in digests)  # type: ignore[union-attr]
    assert bodies.count(_case_id(2)) == 1
    assert bodies.count(_case_id(3)) == 1
    # The agency's inbox has every case, masked.
    inbox = values(kafka.bootstrap, AGENCY_INBOX.full_name(prefix, "610302-housing"))
    assert sorted({case["case_id"] for case in inbox}) == sorted(_case_id(i) for i in range(CASES))
    assert not any(
        "张" in json.dumps(case, ensure_ascii=False).replace("张*", "") for case in inbox
    )


def test_every_known_agency_inbox_is_there_before_the_first_verdict(
    kafka: KafkaLocal, tmp_path: Path
) -> None:
    # Topics made without any agency's inbox: notification makes or checks them all at
    # start-up in one call, not one admin call per agency in its handlers on first use.
    bare = f"t{uuid.uuid4().hex[:10]}."
    create_topics(kafka.bootstrap, bare, [])
    codes = shipped_directory().agency_codes()
    wanted = {AGENCY_INBOX.full_name(bare, code) for code in codes}
    admin = KafkaAdminClient(bootstrap_servers=kafka.bootstrap)
    try:
        assert not wanted & set(admin.list_topics())
        pipeline = LocalPipeline(kafka.bootstrap, bare, tmp_path, services=("notification",))
        try:
            pipeline.start("notification")
            pipeline.wait_healthy(timeout=180)
            assert wanted <= set(admin.list_topics())
        finally:
            pipeline.stop_all()
    finally:
        admin.close()
