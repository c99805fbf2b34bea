"""Each service's input, the same id again: the same content is a redelivery (skipped), other
content a conflict (conflicting_duplicate: the first stays in force, the second is kept
as a dead letter). One test per service's pure step, no broker."""

from __future__ import annotations

from datetime import timedelta

import pytest

from schemas.cases import CaseUpdate, UpdateKind
from schemas.matters import COMMAND_EXAMPLES, MatterCommand
from schemas.petitions import RejectReason
from services.common.casework.facts import case_facts
from services.common.dlq import Rejected
from services.dedup.config import DedupConfig
from services.dedup.conflicts import (
    HandledCommand,
    case_digest,
    check_same_case,
    command_digest,
    first_outcome,
)
from services.dedup.facts import CaseFacts
from services.dedup.matcher import Matcher
from services.dedup.records import CaseRecord
from services.dedup.state import InMemoryMatchState
from services.ledger.ledger import (
    CaseEntry,
    ConflictingEventError,
    checked_verdict,
    with_event,
)
from tests.unit.escalation.test_engine import RULES, fresh
from tests.unit.escalation.test_engine import verdict as escalation_verdict
from tests.unit.ledger.test_ledger import escalation, update
from tests.unit.ledger.test_ledger import verdict as ledger_verdict
from tests.unit.notification.test_engine import ScriptedSender, engine


def _conflict(raised: pytest.ExceptionInfo[Rejected]) -> str:
    assert raised.value.reason is RejectReason.CONFLICTING_DUPLICATE
    return raised.value.detail


def test_dedup_keeps_its_first_decision_of_a_case_and_refuses_other_content() -> None:
    state = InMemoryMatchState()
    case = escalation_verdict("XF-D1").case.model_copy(
        update={"content": "包工头拖欠工资四个月。已多次讨要无果。"}
    )
    Matcher(state, DedupConfig()).match(CaseFacts.from_registered(case))
    raw = state.cases.get("XF-D1")
    assert raw is not None
    recorded, digest = CaseRecord.decode("XF-D1", raw), case_digest(case)
    # A redelivery, also one intake produced again after a crash: the first decision again.
    check_same_case(recorded, digest, case)
    produced_again = case.model_copy(update={"registered_at": case.registered_at + timedelta(1)})
    check_same_case(recorded, digest, produced_again)
    other = case.model_copy(update={"petitioner_ref": "pr_someone_else"})
    with pytest.raises(Rejected) as raised:
        check_same_case(recorded, digest, other)
    assert "petitioner_refs" in _conflict(raised)
    # The same facts the record keeps (place, field, people, time) with another text, or its
    # sentences in another order (the same fingerprint), or another accused: a conflict too.
    for changed in (
        {"content": "另一件事：小区门口的路灯坏了三个月。"},
        {"content": "已多次讨要无果。包工头拖欠工资四个月。"},
        {"accused": "另一个单位"},
        {"title": case.title + "（补充）"},
    ):
        assert case.model_copy(update=changed) != case
        with pytest.raises(Rejected) as raised:
            check_same_case(recorded, digest, case.model_copy(update=changed))
        assert "other content" in _conflict(raised)
    # A case recorded before digests were kept: its facts are compared.
    check_same_case(recorded, None, case.model_copy(update={"content": "另一件事。"}))
    with pytest.raises(Rejected):
        check_same_case(recorded, None, other)


def test_dedup_applies_an_operators_command_once_and_refuses_other_content_under_its_id() -> None:
    command = MatterCommand.model_validate(COMMAND_EXAMPLES[0].value)
    assert first_outcome(None, command) is None  # new: applied
    handled = HandledCommand(command_digest(command), b'{"matter_id":"m"}', b'{"outcome":1}')
    assert HandledCommand.from_json(handled.to_json()) == handled
    # Sent again, also stamped anew by a retrying tool: its first outcome, applied once.
    assert first_outcome(handled, command) == handled
    restamped = command.model_copy(update={"issued_at": command.issued_at + timedelta(hours=1)})
    assert first_outcome(handled, restamped) == handled
    for changed in (
        {"absorb_matter_id": "MT-XF-OTHER0000000"},
        {"reason": "another reason"},
        {"operator": "someone-else"},
        {"region_code": "610303"},
    ):
        with pytest.raises(Rejected) as raised:
            first_outcome(handled, command.model_copy(update=changed))
        assert command.command_id in _conflict(raised)


def test_escalation_refuses_a_second_different_verdict_and_takes_the_same_again() -> None:
    escalation_engine, _ = fresh()
    first = escalation_verdict("XF-E1")
    escalation_engine.on_verdict(first)
    assert escalation_engine.on_verdict(first.model_copy(
        update={"decided_at": first.decided_at + timedelta(minutes=5)}
    )).outputs == []  # fmt: skip
    with pytest.raises(Rejected) as raised:
        escalation_engine.on_verdict(first.model_copy(update={"matter_id": "MT-OTHER"}))
    assert "matter_id" in _conflict(raised)
    assert case_facts(first, RULES).matter_id == "MT-A"


async def test_notification_refuses_a_second_different_verdict() -> None:
    notifier = engine(ScriptedSender(), {})
    first = escalation_verdict("XF-N1")
    (await notifier.on_verdict(first, 0, first.decided_at)).remember()
    await notifier.on_verdict(first, 0, first.decided_at)  # a redelivery: no conflict
    with pytest.raises(Rejected) as raised:
        await notifier.on_verdict(
            first.model_copy(update={"repeat_count": 3}), 0, first.decided_at
        )
    assert "XF-N1" in _conflict(raised)
    accepted = CaseUpdate(
        update_id="u-N1", case_id="XF-N1", kind=UpdateKind.ACCEPTED,
        occurred_at=first.decided_at + timedelta(days=1), agency_code="610302-housing",
    )  # fmt: skip
    later = first.decided_at + timedelta(days=1)
    (await notifier.on_update(accepted, 0, later)).remember()
    (await notifier.on_update(accepted, 0, later)).remember()  # a redelivery
    with pytest.raises(Rejected) as raised:
        await notifier.on_update(accepted.model_copy(update={"kind": UpdateKind.REPLIED}), 0, later)
    assert "u-N1" in _conflict(raised)
    package = escalation("XF-N1", "leadership_package", "610300-mayor")
    notifier.on_escalation(package).remember()
    produced_again = package.model_copy(update={"escalated_at": later})
    assert notifier.on_escalation(produced_again).alerts  # the same escalation: no conflict
    with pytest.raises(Rejected) as raised:
        notifier.on_escalation(package.model_copy(update={"target_agency": "610000-governor"}))
    assert package.escalation_id in _conflict(raised)


def test_the_ledger_refuses_a_reused_update_or_escalation_id_and_a_second_verdict() -> None:
    entry = checked_verdict(None, ledger_verdict("c1", "2026-11-18T10:00:00+08:00"))
    assert checked_verdict(entry, ledger_verdict("c1", "2026-11-18T10:00:00+08:00")) == entry
    with pytest.raises(ConflictingEventError):
        checked_verdict(entry, ledger_verdict("c1", "2026-11-18T10:00:00+08:00", matter="m9"))
    replied = update("c1", "replied", "2026-11-20T09:00:00+08:00")
    noted = with_event(entry, replied.update_id, replied.content_sha256())
    assert with_event(noted, replied.update_id, replied.content_sha256()) == noted
    reused = replied.model_copy(update={"kind": UpdateKind.CLOSED})
    with pytest.raises(ConflictingEventError):
        with_event(noted, reused.update_id, reused.content_sha256())
    package = escalation("c1", "leadership_package", "610300-mayor")
    again = package.model_copy(update={"escalated_at": package.escalated_at + timedelta(hours=1)})
    assert package.content_digest() == again.content_digest()
    assert isinstance(noted, CaseEntry)
