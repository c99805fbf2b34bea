"""The engine over plain dicts: redelivery, retries from the table, late contacts, privacy,
and sends that take long: under way in the background, never twice at once."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta

import pytest
from prometheus_client import CollectorRegistry

from schemas import examples
from schemas.cases import CaseDeduplicated, MatterKind, MatterState, PetitionerContact, Verdict
from schemas.notices import CaseFile, Notice, NoticeKind
from schemas.notifications import FailureReason
from services.common.dlq import Rejected, UnavailableError
from services.common.metrics import Metrics
from services.notification.engine import NotificationEngine, RetryEntry, SentEntry, SentStatus
from services.notification.ids import notification_id
from services.notification.retry import RetryPolicy
from services.notification.senders import (
    PermanentDeliveryError,
    RetryableDeliveryError,
    Sender,
    UnconfirmedDeliveryError,
)
from tests.unit.notification.test_plan import RECEIVED, contact, planner

RETRY = RetryPolicy(timedelta(seconds=1), timedelta(seconds=4), 2.0, 4, 0.0)
HANDOFF = timedelta(milliseconds=50)


class ScriptedSender:
    """Fails from a script, then takes every notice.

    'retry' and 'permanent' refuse; 'unconfirmed' takes the notice and never says so;
    'hold' waits until ``release`` is set, then takes it.
    """

    def __init__(self, *script: str) -> None:
        self.script = list(script)
        self.calls = 0
        self.taken: list[str] = []
        self.release = asyncio.Event()
        self.cancelled = 0
        self.closed = False

    async def send(self, notice: Notice) -> None:
        self.calls += 1
        action = self.script.pop(0) if self.script else "ok"
        if action == "retry":
            raise RetryableDeliveryError("451 busy")
        if action == "permanent":
            raise PermanentDeliveryError("550 no such mailbox")
        if action == "hold":
            try:
                await self.release.wait()
            except asyncio.CancelledError:
                self.cancelled += 1
                raise
        self.taken.append(notice.notification_id)
        if action == "unconfirmed":
            raise UnconfirmedDeliveryError("no reply to the message: SMTPReadTimeoutError")

    async def aclose(self) -> None:
        self.closed = True


def engine(
    sender: ScriptedSender,
    contacts: dict[str, PetitionerContact],
    *,
    webhook: ScriptedSender | None = None,
    sends_in_flight: int = 4,
    state: Mapping[str, dict[str, object]] | None = None,
    ensure_inbox: Callable[[str], Awaitable[None]] | None = None,
) -> NotificationEngine:
    """An engine whose e-mail goes to ``sender`` (the agency webhook too, unless given)."""
    tables = state or {name: {} for name in ("cases", "sent", "retries", "waiting", "groups")}
    senders: dict[str, Sender] = {"smtp": sender, "weibin-housing-system": webhook or sender}
    return NotificationEngine(
        planner=planner(),
        senders=senders,
        record_only=False,
        retry=RETRY,
        inline_attempts=2,
        inline_delay=timedelta(0),
        handoff=HANDOFF,
        sends_in_flight=sends_in_flight,
        retries_per_tick=20,
        contact_wait=timedelta(minutes=10),
        contacts=contacts.get,
        metrics=Metrics(CollectorRegistry()),
        cases=tables["cases"],
        sent=tables["sent"],
        retries=tables["retries"],
        waiting=tables["waiting"],
        groups=tables["groups"],
        ensure_inbox=ensure_inbox,
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


async def test_an_inbox_the_broker_cannot_make_stops_the_event_before_anything_is_sent() -> None:
    # The broker went away while an agency's inbox was made on its first use: nothing of
    # the event may be sent or written, so that it comes again whole (a receipt sent and
    # its record lost with a dead letter was a receipt lost).
    sender = ScriptedSender()
    verdict = _verdict()
    known = {verdict.case.petitioner_ref: contact(petitioner_ref=verdict.case.petitioner_ref)}
    tables: dict[str, dict[str, object]] = {
        name: {} for name in ("cases", "sent", "retries", "waiting", "groups")
    }
    asked: list[str] = []

    async def unavailable(code: str) -> None:
        asked.append(code)
        raise UnavailableError("Connection reset by peer")

    notifier = engine(sender, known, state=tables, ensure_inbox=unavailable)
    with pytest.raises(UnavailableError):
        await notifier.on_verdict(verdict, 0, RECEIVED)
    assert asked
    assert not sender.taken
    assert all(not table for table in tables.values())

    async def made(code: str) -> None:
        asked.append(code)

    again = engine(sender, known, state=tables, ensure_inbox=made)
    step = await again.on_verdict(verdict, 0, RECEIVED)
    step.remember()
    assert step.inbox
    assert step.delivered
    assert len(sender.taken) == len(step.delivered)


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
    notifier = engine(sender, known, webhook=ScriptedSender())
    step = await notifier.on_verdict(verdict, 1, RECEIVED)
    step.remember()
    (receipt_id,) = [n for n in notifier.retries]
    assert not any(d.notification_id == receipt_id for d in step.delivered)
    assert sender.calls == 2  # the quick attempts; the next is due 2 s after the 2nd failure
    early = await notifier.on_tick(1, RECEIVED + timedelta(seconds=1))
    assert sender.calls == 2
    assert not early.delivered
    third = await notifier.on_tick(1, RECEIVED + timedelta(seconds=2))
    third.remember()  # the 3rd attempt fails again: rescheduled, not lost
    assert sender.calls == 3
    assert RetryEntry.model_validate(notifier.retries[receipt_id]).attempts == 3
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


def _cases(count: int) -> list[tuple[CaseDeduplicated, dict[str, PetitionerContact]]]:
    """Verdicts of ``count`` different cases, each with its petitioner's contact."""
    template = _verdict()
    out = []
    for i in range(count):
        ref = f"pr_{i:032x}"
        case = template.case.model_copy(
            update={"case_id": f"XF-ENGINE{i:05d}", "petitioner_ref": ref}
        )
        verdict = template.model_copy(update={"case_id": case.case_id, "case": case})
        out.append((verdict, {ref: contact(petitioner_ref=ref)}))
    return out


def _receipt_id(verdict: CaseDeduplicated) -> str:
    return notification_id(verdict.case_id, NoticeKind.RECEIPT, verdict.case.petitioner_ref)


async def _until(condition: Callable[[], object], what: str) -> None:
    for _ in range(400):
        if condition():
            return
        await asyncio.sleep(0.005)
    raise AssertionError(f"never happened: {what}")


async def test_a_slow_send_neither_holds_the_event_nor_is_sent_twice() -> None:
    sender = ScriptedSender("hold")
    verdict = _verdict()
    known = {verdict.case.petitioner_ref: contact(petitioner_ref=verdict.case.petitioner_ref)}
    notifier = engine(sender, known, webhook=ScriptedSender())
    step = await notifier.on_verdict(verdict, 0, RECEIVED)
    step.remember()
    # The event is done after the hand-off: the agency's webhook went, the e-mail goes on.
    assert [d.kind for d in step.delivered] == ["case_assigned"]
    receipt_id = _receipt_id(verdict)
    assert RetryEntry.model_validate(notifier.retries[receipt_id]).unconfirmed
    again = await notifier.on_verdict(verdict, 0, RECEIVED)  # a redelivery meanwhile
    while_under_way = await notifier.on_tick(0, RECEIVED + timedelta(minutes=5))
    assert not again.delivered
    assert not while_under_way.delivered
    assert sender.calls == 1
    sender.release.set()
    await _until(lambda: sender.taken, "the relay takes the e-mail")
    landed = await notifier.on_tick(0, RECEIVED + timedelta(minutes=6))
    landed.remember()
    assert [d.notification_id for d in landed.delivered] == [receipt_id]
    assert sender.calls == 1
    assert sender.taken == [receipt_id]
    assert not notifier.retries
    assert notifier.sent[receipt_id]["status"] == SentStatus.RECORDED


async def test_a_failing_transport_rests_and_new_notices_wait_in_the_table() -> None:
    sender = ScriptedSender("retry", "retry")
    (first, first_contact), (second, second_contact) = _cases(2)
    notifier = engine(sender, first_contact | second_contact, webhook=ScriptedSender())
    (await notifier.on_verdict(first, 0, RECEIVED)).remember()
    assert sender.calls == 2  # both quick attempts failed: e-mail rests for 1 s
    step = await notifier.on_verdict(second, 1, RECEIVED + timedelta(milliseconds=500))
    step.remember()
    assert sender.calls == 2  # not tried while the event is in hand
    assert [d.kind for d in step.delivered] == ["case_assigned"]  # other transports go on
    held = RetryEntry.model_validate(notifier.retries[_receipt_id(second)])
    assert (held.attempts, held.unconfirmed) == (0, False)
    # The timer tries it at its next turn, rest or not ...
    turn = await notifier.on_tick(1, RECEIVED + timedelta(milliseconds=600))
    turn.remember()
    assert sender.calls == 3
    assert [d.notification_id for d in turn.delivered] == [_receipt_id(second)]
    # ... and the first keeps its own backoff: due 2 s after its 2nd failure.
    assert not (await notifier.on_tick(0, RECEIVED + timedelta(seconds=1))).delivered
    due = await notifier.on_tick(0, RECEIVED + timedelta(seconds=2))
    due.remember()
    assert [d.notification_id for d in due.delivered] == [_receipt_id(first)]
    assert sender.calls == 4
    assert sorted(sender.taken) == sorted([_receipt_id(first), _receipt_id(second)])
    assert not notifier.retries


async def test_sends_under_way_are_limited_per_transport() -> None:
    sender = ScriptedSender("hold")
    (first, first_contact), (second, second_contact) = _cases(2)
    notifier = engine(
        sender, first_contact | second_contact, webhook=ScriptedSender(), sends_in_flight=1
    )
    (await notifier.on_verdict(first, 0, RECEIVED)).remember()
    (await notifier.on_verdict(second, 1, RECEIVED)).remember()
    assert sender.calls == 1  # the second e-mail waits for the stalled one, in the table
    assert not RetryEntry.model_validate(notifier.retries[_receipt_id(second)]).unconfirmed
    sender.release.set()
    await _until(lambda: sender.taken, "the relay takes the first e-mail")
    (await notifier.on_tick(0, RECEIVED + timedelta(seconds=1))).remember()
    (await notifier.on_tick(1, RECEIVED + timedelta(seconds=1))).remember()
    assert sorted(sender.taken) == sorted([_receipt_id(first), _receipt_id(second)])
    assert not notifier.retries


async def test_an_unanswered_attempt_is_sent_again_and_said_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    sender = ScriptedSender("unconfirmed")
    verdict = _verdict()
    known = {verdict.case.petitioner_ref: contact(petitioner_ref=verdict.case.petitioner_ref)}
    notifier = engine(sender, known, webhook=ScriptedSender())
    (await notifier.on_verdict(verdict, 0, RECEIVED)).remember()
    receipt_id = _receipt_id(verdict)
    entry = RetryEntry.model_validate(notifier.retries[receipt_id])
    assert (entry.attempts, entry.unconfirmed) == (1, True)  # no quick second attempt
    with caplog.at_level(logging.WARNING, logger="services.notification.engine"):
        step = await notifier.on_tick(0, RECEIVED + timedelta(seconds=1))
    step.remember()
    assert [d.notification_id for d in step.delivered] == [receipt_id]
    assert sender.taken == [receipt_id, receipt_id]  # the relay may now hold it twice ...
    (resent,) = [r for r in caplog.records if getattr(r, "notification_id", None) == receipt_id]
    assert "may arrive twice" in resent.getMessage()  # ... and the service says so
    assert not notifier.retries


async def test_a_restart_sends_again_what_was_under_way_and_says_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    stalled = ScriptedSender("hold")
    verdict = _verdict()
    known = {verdict.case.petitioner_ref: contact(petitioner_ref=verdict.case.petitioner_ref)}
    tables: dict[str, dict[str, object]] = {
        name: {} for name in ("cases", "sent", "retries", "waiting", "groups")
    }
    before = engine(stalled, known, webhook=ScriptedSender(), state=tables)
    (await before.on_verdict(verdict, 0, RECEIVED)).remember()
    await before.close()  # the shutdown cuts the send short and closes the senders
    assert stalled.cancelled == 1
    assert stalled.closed
    after = engine(ScriptedSender(), known, state=tables)  # the next start, same state
    with caplog.at_level(logging.WARNING, logger="services.notification.engine"):
        step = await after.on_tick(0, RECEIVED + timedelta(seconds=1))
    step.remember()
    assert [d.notification_id for d in step.delivered] == [_receipt_id(verdict)]
    assert [r for r in caplog.records if "may arrive twice" in r.getMessage()]
    assert not tables["retries"]


async def test_a_send_cut_short_by_a_kill_is_sent_again_and_said_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Killed during the send, before its batch was acknowledged: only the local store's
    mark, written before the send, survives; the redelivered verdict sends it again."""
    stalled = ScriptedSender("hold")
    verdict = _verdict()
    known = {verdict.case.petitioner_ref: contact(petitioner_ref=verdict.case.petitioner_ref)}
    tables: dict[str, dict[str, object]] = {
        name: {} for name in ("cases", "sent", "retries", "waiting", "groups")
    }
    before = engine(stalled, known, webhook=ScriptedSender(), state=tables)
    await before.on_verdict(verdict, 0, RECEIVED)  # the batch's writes never happen: killed
    receipt_id = _receipt_id(verdict)
    assert SentEntry.model_validate(tables["sent"][receipt_id]).status is SentStatus.SENDING
    assert not tables["retries"]
    sender = ScriptedSender()
    after = engine(sender, known, webhook=ScriptedSender(), state=tables)  # the next start
    with caplog.at_level(logging.WARNING, logger="services.notification.engine"):
        step = await after.on_verdict(verdict, 0, RECEIVED)  # redelivered
    step.remember()
    assert receipt_id in [d.notification_id for d in step.delivered]
    assert receipt_id in sender.taken
    (resent,) = [r for r in caplog.records if getattr(r, "notification_id", None) == receipt_id]
    assert "may arrive twice" in resent.getMessage()
    assert SentEntry.model_validate(tables["sent"][receipt_id]).status is SentStatus.RECORDED
    stalled.release.set()


async def test_a_partition_given_away_and_back_sends_again_what_was_under_way() -> None:
    stalled = ScriptedSender("hold")
    verdict = _verdict()
    known = {verdict.case.petitioner_ref: contact(petitioner_ref=verdict.case.petitioner_ref)}
    notifier = engine(stalled, known, webhook=ScriptedSender())
    (await notifier.on_verdict(verdict, 2, RECEIVED)).remember()
    notifier.keep_partitions({0, 1, 3})  # a rebalance took partition 2 away ...
    # ... and gave it back: its retry entry says the send may have got through.
    step = await notifier.on_tick(2, RECEIVED + timedelta(seconds=1))
    step.remember()
    assert stalled.calls == 2
    assert [d.notification_id for d in step.delivered] == [_receipt_id(verdict)]
    stalled.release.set()  # the first send ends too: the relay has it twice, as announced
    await _until(lambda: len(stalled.taken) == 2, "the forgotten send ends")
    assert stalled.taken == [_receipt_id(verdict)] * 2


def _terminated_repeat() -> CaseDeduplicated:
    """The example letter again on its matter after the re-review terminated it (Art. 36)."""
    terminated = {"verdict": Verdict.REPEAT, "matter_state": MatterState.TERMINATED}
    return _verdict().model_copy(update={**terminated, "repeat_count": 3})


async def test_a_repeat_of_a_terminated_matter_gets_its_receipt_and_reaches_no_inbox() -> None:
    sender, webhook = ScriptedSender(), ScriptedSender()
    verdict = _terminated_repeat()
    ref = verdict.case.petitioner_ref
    known: dict[str, PetitionerContact] = {}
    notifier = engine(sender, known, webhook=webhook)
    step = await notifier.on_verdict(verdict, 1, RECEIVED)
    step.remember()
    # Neither the agency's inbox nor its own system (Art. 36: no body accepts it again).
    assert not step.inbox
    assert not webhook.taken
    assert CaseFile.model_validate(notifier.cases[verdict.case_id]).terminated_matter
    # The receipt waits for the contact and says, when it goes, what the casework decided.
    known[ref] = contact(petitioner_ref=ref)
    arrived = await notifier.on_tick(1, RECEIVED + timedelta(seconds=5))
    arrived.remember()
    (receipt,) = arrived.delivered
    assert receipt.kind is NoticeKind.RECEIPT
    assert receipt.subject.startswith("信访事项不再受理告知")
    assert not webhook.taken


async def test_a_verdict_again_on_a_case_file_stored_before_the_field_is_no_conflict() -> None:
    sender = ScriptedSender()
    verdict = _terminated_repeat()
    known = {verdict.case.petitioner_ref: contact(petitioner_ref=verdict.case.petitioner_ref)}
    notifier = engine(sender, known)
    # Handled before the case file knew it: receipt and assignment sent, stored without it.
    as_before = verdict.model_copy(update={"matter_state": MatterState.CLOSED})
    first = await notifier.on_verdict(as_before, 0, RECEIVED)
    first.remember()
    assert first.inbox
    stored = dict(notifier.cases[verdict.case_id])
    del stored["terminated_matter"]
    notifier.cases[verdict.case_id] = stored
    again = await notifier.on_verdict(verdict, 0, RECEIVED)
    again.remember()
    assert not again.delivered
    assert not again.inbox
    # The case keeps what it was stored with, as the casework keeps such a case's clocks.
    assert "terminated_matter" not in notifier.cases[verdict.case_id]
    # A stored case file that says otherwise is still a conflict.
    notifier.cases[verdict.case_id] = {**stored, "terminated_matter": False}
    with pytest.raises(Rejected):
        await notifier.on_verdict(verdict, 0, RECEIVED)
