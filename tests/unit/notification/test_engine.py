"""The engine over plain dicts: redelivery, retries from the table, late contacts, privacy."""

from __future__ import annotations

from datetime import timedelta

from prometheus_client import CollectorRegistry

from schemas import examples
from schemas.cases import CaseDeduplicated, MatterKind, PetitionerContact
from schemas.notices import Notice
from schemas.notifications import FailureReason
from services.common.metrics import Metrics
from services.notification.engine import NotificationEngine, SentStatus
from services.notification.retry import RetryPolicy
from services.notification.senders import PermanentDeliveryError, RetryableDeliveryError
from tests.unit.notification.test_plan import RECEIVED, contact, planner

RETRY = RetryPolicy(timedelta(seconds=1), timedelta(seconds=4), 2.0, 4, 0.0)


class ScriptedSender:
    """Fails from a script ('retry', 'permanent'), then takes every notice."""

    def __init__(self, *script: str) -> None:
        self.script = list(script)
        self.taken: list[str] = []

    async def send(self, notice: Notice) -> None:
        action = self.script.pop(0) if self.script else "ok"
        if action == "retry":
            raise RetryableDeliveryError("451 busy")
        if action == "permanent":
            raise PermanentDeliveryError("550 no such mailbox")
        self.taken.append(notice.notification_id)


def engine(sender: ScriptedSender, contacts: dict[str, PetitionerContact]) -> NotificationEngine:
    return NotificationEngine(
        planner=planner(),
        senders={"smtp": sender, "weibin-housing-system": sender},
        record_only=False,
        retry=RETRY,
        inline_attempts=2,
        inline_delay=timedelta(0),
        contact_wait=timedelta(minutes=10),
        contacts=contacts.get,
        metrics=Metrics(CollectorRegistry()),
        cases={},
        sent={},
        retries={},
        waiting={},
        groups={},
    )


def _verdict() -> CaseDeduplicated:
    value = examples.DEDUPLICATED[0].value
    assert value is not None
    return CaseDeduplicated.model_validate({**value, "verdict": "new", "open_case_id": None})


async def test_a_redelivered_verdict_sends_nothing_twice() -> None:
    sender = ScriptedSender()
    verdict = _verdict()
    known = {verdict.case.petitioner_ref: contact(petitioner_ref=verdict.case.petitioner_ref)}
    notifier = engine(sender, known)
    first = await notifier.on_verdict(verdict, 0, RECEIVED)
    first.remember()
    again = await notifier.on_verdict(verdict, 0, RECEIVED)
    again.remember()
    assert len(sender.taken) == len(set(sender.taken)) == len(first.delivered) >= 1
    assert not again.delivered
    assert not again.inbox


async def test_a_crash_after_sending_records_without_resending() -> None:
    sender = ScriptedSender()
    verdict = _verdict()
    known = {verdict.case.petitioner_ref: contact(petitioner_ref=verdict.case.petitioner_ref)}
    notifier = engine(sender, known)
    await notifier.on_verdict(verdict, 0, RECEIVED)  # sent, then the process died
    replay = await notifier.on_verdict(verdict, 0, RECEIVED)
    assert len(sender.taken) == len(replay.delivered)
    assert {d.notification_id for d in replay.delivered} == set(sender.taken)


async def test_failures_go_to_the_retry_table_and_the_timer_delivers_once() -> None:
    sender = ScriptedSender("retry", "retry", "retry")
    verdict = _verdict()
    known = {verdict.case.petitioner_ref: contact(petitioner_ref=verdict.case.petitioner_ref)}
    notifier = engine(sender, known)
    step = await notifier.on_verdict(verdict, 1, RECEIVED)
    step.remember()
    (receipt_id,) = [n for n in notifier.retries]
    assert not any(d.notification_id == receipt_id for d in step.delivered)
    early = await notifier.on_tick(1, RECEIVED + timedelta(seconds=1))
    early.remember()  # 3rd attempt fails again: rescheduled, not lost
    assert receipt_id in notifier.retries
    late = await notifier.on_tick(1, RECEIVED + timedelta(seconds=10))
    late.remember()
    assert [d.notification_id for d in late.delivered] == [receipt_id]
    assert not notifier.retries
    assert sender.taken.count(receipt_id) == 1
    assert not (await notifier.on_tick(1, RECEIVED + timedelta(seconds=20))).delivered


async def test_a_permanent_refusal_is_recorded_as_failed() -> None:
    sender = ScriptedSender("permanent")
    verdict = _verdict()
    known = {verdict.case.petitioner_ref: contact(petitioner_ref=verdict.case.petitioner_ref)}
    step = await engine(sender, known).on_verdict(verdict, 0, RECEIVED)
    assert [f.reason for f in step.failed] == [FailureReason.PERMANENT_REJECTION]


async def test_a_late_contact_is_waited_for_and_a_missing_one_recorded() -> None:
    sender = ScriptedSender()
    verdict = _verdict()
    ref = verdict.case.petitioner_ref
    known: dict[str, PetitionerContact] = {}
    notifier = engine(sender, known)
    step = await notifier.on_verdict(verdict, 2, RECEIVED)
    step.remember()
    assert not step.failed
    assert verdict.case_id in notifier.waiting
    nothing = await notifier.on_tick(2, RECEIVED + timedelta(seconds=5))
    assert not nothing.delivered
    assert not nothing.failed
    known[ref] = contact(petitioner_ref=ref)
    arrived = await notifier.on_tick(2, RECEIVED + timedelta(seconds=6))
    arrived.remember()
    assert [d.kind for d in arrived.delivered] == ["receipt"]
    assert not notifier.waiting

    lost = engine(ScriptedSender(), {})
    (await lost.on_verdict(verdict, 2, RECEIVED)).remember()
    expired = await lost.on_tick(2, RECEIVED + timedelta(minutes=11))
    assert [f.reason for f in expired.failed] == [FailureReason.NO_CONTACT]


async def test_an_accusation_never_reaches_the_accused_agency_from_the_engine() -> None:
    sender = ScriptedSender()
    verdict = _verdict()
    case = verdict.case.model_copy(
        update={"kind": MatterKind.ACCUSATION, "accused": "渭滨区住房和城乡建设局"}
    )
    accusation = verdict.model_copy(update={"case": case})
    known = {case.petitioner_ref: contact(petitioner_ref=case.petitioner_ref)}
    notifier = engine(sender, known)
    step = await notifier.on_verdict(accusation, 0, RECEIVED)
    assert not step.inbox
    assert {f.reason for f in step.failed} == {FailureReason.SUPPRESSED_ACCUSED}
    assert [d.kind for d in step.delivered] == ["receipt"]
    step.remember()
    assert all(notifier.sent[f.notification_id]["status"] == SentStatus.FAILED for f in step.failed)
