"""A notice sent by the record transport (demo mode) reaches no one: the sent log keeps only
its "recorded" mark, written with its delivered record, not the "sending" and "sent" marks
that guard a notice someone outside may have got (three writes of a sent-log row a notice,
then one). A redelivery after a crash sends it again, without the "may arrive twice" that
a real send cut short gets, and records it once."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from services.common.metrics import Metrics
from services.notification.engine import NotificationEngine, SentEntry, SentStatus
from services.notification.senders import RECORD_TRANSPORT, RecordSender, Sender
from tests.unit.notification.test_engine import RETRY, ScriptedSender, _verdict, engine
from tests.unit.notification.test_plan import RECEIVED, contact, planner


class _Written(dict[str, Any]):
    """A table that counts the writes of each key."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: dict[str, list[str]] = {}

    def __setitem__(self, key: str, value: Any) -> None:
        self.writes.setdefault(key, []).append(SentEntry.model_validate(value).status.value)
        super().__setitem__(key, value)


def _recording(sent: _Written) -> NotificationEngine:
    senders: dict[str, Sender] = {RECORD_TRANSPORT: RecordSender()}
    verdict = _verdict()
    known = {verdict.case.petitioner_ref: contact(petitioner_ref=verdict.case.petitioner_ref)}
    return NotificationEngine(
        planner=planner(),
        senders=senders,
        record_only=True,
        retry=RETRY,
        inline_attempts=2,
        inline_delay=timedelta(0),
        handoff=timedelta(milliseconds=50),
        sends_in_flight=4,
        retries_per_tick=20,
        contact_wait=timedelta(minutes=10),
        contacts=known.get,
        metrics=Metrics(CollectorRegistry()),
        cases={},
        sent=sent,
        retries={},
        waiting={},
        groups={},
    )


async def test_a_recorded_notice_has_one_sent_mark(caplog: pytest.LogCaptureFixture) -> None:
    sent = _Written()
    notifier = _recording(sent)
    verdict = _verdict()
    step = await notifier.on_verdict(verdict, 0, RECEIVED)
    # Killed before the batch's outputs were acknowledged: nothing was written.
    assert not sent.writes
    assert step.delivered
    with caplog.at_level(logging.WARNING, logger="services.notification.engine"):
        again = await notifier.on_verdict(verdict, 0, RECEIVED)  # redelivered
    assert not [r for r in caplog.records if "may arrive twice" in r.getMessage()]
    assert [d.notification_id for d in again.delivered] == [
        d.notification_id for d in step.delivered
    ]
    again.remember()
    recorded = {d.notification_id for d in again.delivered}
    recorded |= {r.notification_id for r in again.inbox}
    assert sent.writes == {nid: [SentStatus.RECORDED.value] for nid in recorded}
    # Once recorded, never again.
    third = await notifier.on_verdict(verdict, 0, RECEIVED)
    assert not third.delivered
    assert not third.inbox


async def test_a_notice_someone_gets_is_marked_before_and_after_its_send() -> None:
    sender = ScriptedSender()
    verdict = _verdict()
    known = {verdict.case.petitioner_ref: contact(petitioner_ref=verdict.case.petitioner_ref)}
    sent = _Written()
    tables: dict[str, Any] = {"cases": {}, "sent": sent, "retries": {}, "waiting": {}, "groups": {}}
    step = await engine(sender, known, state=tables).on_verdict(verdict, 0, RECEIVED)
    step.remember()
    marks = [sent.writes[d.notification_id] for d in step.delivered]
    assert marks
    assert all(m == ["sending", "sent", "recorded"] for m in marks)
