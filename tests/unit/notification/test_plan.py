"""From events to notices: who is told what, through which channel, and what is held back."""

from __future__ import annotations

from datetime import datetime

import pytest

from schemas import examples
from schemas.cases import (
    Agency,
    AgencyLevel,
    CaseDeduplicated,
    CaseEscalated,
    CaseUpdate,
    EscalationReason,
    MaskedPerson,
    MatterKind,
    MatterState,
    PetitionerContact,
    UpdateKind,
    Verdict,
)
from schemas.identifiers import query_code
from schemas.notices import CaseFile, Notice, NoticeKind
from schemas.notifications import DeliveryChannel, FailureReason, RecipientRole
from schemas.petitions import Language
from services.common.casework.facts import case_facts
from services.common.casework.ruleset import load_rules
from services.notification.plan import (
    MissingFactError,
    NotificationPlanner,
    delivered_record,
    failed_record,
    undeliverable_record,
)
from services.notification.policy import load_policy
from services.notification.render import Renderer

KEY = b"test-query-key"
RECEIVED = datetime.fromisoformat("2026-11-20T10:00:00+08:00")
HOUSING = Agency(
    code="610302-housing",
    name="渭滨区住房和城乡建设局",
    level=AgencyLevel.COUNTY,
    region_code="610302",
    rule="field:housing/county",
)
OTHER = HOUSING.model_copy(update={"code": "610303-housing", "name": "金台区住房和城乡建设局"})


def case_file(**changes: object) -> CaseFile:
    case = CaseFile(
        case_id="XF-7K2M9Q4T8W1Z",
        matter_id="MT-XF-7K2M9Q4T8W1Z",
        petitioner_ref="pr_3f9a1c0e5b7d2a4c",
        received_at=RECEIVED,
        region_code="610302",
        kind=MatterKind.COMPLAINT,
        field="housing.title_certificate",
        title="购房多年无法办理产权证",
        agency=HOUSING,
        petitioner=MaskedPerson(name_masked="张*", phone_masked="138****8000"),
        verdict=Verdict.NEW,
        repeat_count=0,
    )
    return case.model_copy(update=changes)


def contact(**changes: object) -> PetitionerContact:
    base = PetitionerContact(
        petitioner_ref="pr_3f9a1c0e5b7d2a4c",
        name="张三",
        phone_e164="+8613800138000",
        email="zhangsan@example.cn",
        address="陕西省宝鸡市渭滨区清姜路1号",
        updated_at=RECEIVED,
    )
    return base.model_copy(update=changes)


def planner() -> NotificationPlanner:
    renderer = Renderer()
    return NotificationPlanner(load_policy(template_exists=renderer.has_template), renderer, KEY)


def email_notice() -> Notice:
    return planner().for_new_case(case_file(), contact()).notices[0]


def _update(kind: UpdateKind, **fields: object) -> CaseUpdate:
    return CaseUpdate(
        update_id=f"610302-housing-{kind.value}",
        case_id="XF-7K2M9Q4T8W1Z",
        kind=kind,
        occurred_at=datetime.fromisoformat("2026-12-01T16:00:00+08:00"),
        agency_code="610302-housing",
        **fields,
    )


def test_a_new_case_gives_a_receipt_and_an_inbox_record() -> None:
    plan = planner().for_new_case(case_file(), contact())
    receipt, to_system = plan.notices
    assert to_system.kind is NoticeKind.CASE_ASSIGNED
    assert to_system.transport == "weibin-housing-system"
    assert receipt.kind is NoticeKind.RECEIPT
    assert receipt.channel is DeliveryChannel.EMAIL
    assert receipt.to == ("zhangsan@example.cn",)
    assert receipt.recipient == "pr_3f9a1c0e5b7d2a4c"
    assert query_code("XF-7K2M9Q4T8W1Z", KEY) in receipt.body_text
    (inbox,) = plan.inbox
    assert inbox.agency_code == "610302-housing"
    assert inbox.case.petitioner == MaskedPerson(name_masked="张*", phone_masked="138****8000")
    assert "张三" not in inbox.case.model_dump_json()


def test_the_same_event_gives_the_same_notification_ids() -> None:
    first = planner().for_new_case(case_file(), contact())
    again = planner().for_new_case(case_file(), contact(email=None))
    assert [n.notification_id for n in first.notices] == [n.notification_id for n in again.notices]
    assert again.notices[0].channel is DeliveryChannel.WEBHOOK


def test_without_email_an_sms_then_a_letter() -> None:
    sms = planner().for_new_case(case_file(), contact(email=None)).notices[0]
    assert sms.transport == "sms-gateway"
    assert sms.to == ("+8613800138000",)
    assert len(sms.body_text) < 120
    letter = planner().for_new_case(case_file(), contact(email=None, phone_e164=None)).notices[0]
    assert letter.channel is DeliveryChannel.LETTER
    assert letter.body_text.startswith("陕西省宝鸡市渭滨区清姜路1号\n张三")


def test_a_petitioner_without_contact_is_recorded_as_no_contact() -> None:
    for missing in (None, contact(email=None, phone_e164=None, address=None)):
        plan = planner().for_new_case(case_file(), missing)
        (failure,) = plan.undeliverable
        assert failure.reason is FailureReason.NO_CONTACT
        assert all(n.recipient_role is not RecipientRole.PETITIONER for n in plan.notices)
        assert undeliverable_record(failure).attempts == 0


def test_notices_follow_the_petitioners_language() -> None:
    notice = planner().for_new_case(case_file(), contact(language=Language.EN)).notices[0]
    assert notice.subject.startswith("Petition registered")
    assert notice.language is Language.EN
    assert "Baoji Municipal Bureau" in notice.body_text


def test_an_acceptance_counts_sixty_days_from_itself_as_the_lifecycle_does() -> None:
    update = _update(UpdateKind.ACCEPTED)
    case = case_file().after(update)
    (notice,) = planner().for_update(update, case, contact()).notices
    assert notice.kind is NoticeKind.ACCEPTANCE
    # 2026-12-01 + 60 days is Saturday 2027-01-30: the limit ends on Monday 2027-02-01
    # (Civil Code Art. 203), the date the escalation service's clock enforces.
    assert "2027年2月1日" in notice.body_text
    assert "2027年1月30日" not in notice.body_text


def test_an_extension_states_its_reason_and_new_deadline() -> None:
    case = case_file().after(_update(UpdateKind.ACCEPTED))
    update = _update(UpdateKind.EXTENDED, reason="需现场勘验", extension_days=30)
    (notice,) = planner().for_update(update, case, contact()).notices
    assert "需现场勘验" in notice.body_text
    assert "2027年3月1日" in notice.body_text


def test_a_reply_gives_thirty_days_for_review() -> None:
    update = _update(UpdateKind.REPLIED, reason="责成开发商限期办理产权证")
    (notice,) = planner().for_update(update, case_file(), contact()).notices
    assert "2026年12月31日" in notice.body_text
    assert "复查" in notice.body_text


def test_a_non_acceptance_without_its_reason_is_refused() -> None:
    with pytest.raises(MissingFactError):
        planner().for_update(_update(UpdateKind.NOT_ACCEPTED), case_file(), contact())


def test_updates_without_a_notice_notify_nobody() -> None:
    plan = planner().for_update(_update(UpdateKind.REVIEW_REQUESTED), case_file(), contact())
    assert not plan.notices
    assert not plan.undeliverable


def test_an_accusation_never_reaches_the_accused_agency() -> None:
    accusation = case_file(kind=MatterKind.ACCUSATION, accused="渭滨区住房和城乡建设局")
    plan = planner().for_new_case(accusation, contact())
    assert not plan.inbox
    assert all(n.kind is not NoticeKind.CASE_ASSIGNED for n in plan.notices)
    reasons = {(u.recipient, u.reason) for u in plan.undeliverable}
    assert reasons == {
        ("610302-housing", FailureReason.SUPPRESSED_ACCUSED),
        ("weibin-housing-system", FailureReason.SUPPRESSED_ACCUSED),
    }
    # The petitioner still gets the receipt.
    assert [n.kind for n in plan.notices] == [NoticeKind.RECEIPT]


def test_an_accusation_against_someone_else_reaches_the_agency_without_the_accuser() -> None:
    accusation = case_file(kind=MatterKind.ACCUSATION, accused="某物业服务有限公司", agency=OTHER)
    plan = planner().for_new_case(accusation, contact())
    (inbox,) = plan.inbox
    assert inbox.agency_code == "610303-housing"
    assert inbox.case.petitioner is None
    assert "某物业" not in inbox.case.model_dump_json()


BUREAU = Agency(
    code="610302-xfj",
    name="宝鸡市渭滨区信访局",
    level=AgencyLevel.COUNTY,
    region_code="610302",
    rule="fallback:petition_bureau",
)


def _transfer(to: Agency) -> CaseUpdate:
    return CaseUpdate(
        update_id="610302-xfj-000412",
        case_id="XF-7K2M9Q4T8W1Z",
        kind=UpdateKind.TRANSFERRED,
        occurred_at=datetime.fromisoformat("2026-11-21T09:30:00+08:00"),
        agency_code="610302-xfj",
        to_agency=to.model_copy(update={"rule": "transferred_by:610302-xfj"}),
    )


def test_the_body_a_case_is_transferred_to_is_told_it_has_it() -> None:
    plan = planner().for_update(_transfer(HOUSING), case_file(agency=BUREAU), contact())
    (inbox,) = plan.inbox
    assert inbox.agency_code == "610302-housing"
    assert inbox.case.case_id == "XF-7K2M9Q4T8W1Z"
    # Its own system too (the policy's receiver for the housing bureau), as of the transfer.
    (to_system,) = plan.notices
    assert to_system.kind is NoticeKind.CASE_ASSIGNED
    assert to_system.transport == "weibin-housing-system"
    assert to_system.created_at == datetime.fromisoformat("2026-11-21T09:30:00+08:00")
    # Not the same notice as a first assignment of the case: the transfer's own id.
    first = planner().for_new_case(case_file(), contact()).inbox[0]
    assert inbox.notification_id != first.notification_id
    # The petitioner is told nothing of the transfer itself (the acceptance follows).
    assert all(n.recipient_role is RecipientRole.AGENCY for n in plan.notices)


def test_an_accusation_is_not_transferred_into_the_accused_units_inbox() -> None:
    accusation = case_file(
        kind=MatterKind.ACCUSATION, accused="渭滨区住房和城乡建设局", agency=BUREAU
    )
    plan = planner().for_update(_transfer(HOUSING), accusation, contact())
    assert not plan.inbox
    assert {u.reason for u in plan.undeliverable} == {FailureReason.SUPPRESSED_ACCUSED}


def test_an_escalation_becomes_alerts_for_its_receivers() -> None:
    escalation = CaseEscalated(
        escalation_id="ESC-XF-7K2M9Q4T8W1Z-leadership_package-3",
        case_id="XF-7K2M9Q4T8W1Z",
        reason=EscalationReason.LEADERSHIP_PACKAGE,
        rule="repeat_count>=3",
        target_level=AgencyLevel.CITY,
        escalated_at=RECEIVED,
        region_code="610302",
    )
    plan = planner().for_escalation(escalation, case_file())
    assert [a.receiver for a in plan.alerts] == ["city-leaders", "city-supervision"]
    accused_city = case_file(kind=MatterKind.ACCUSATION, accused="宝鸡市信访局")
    suppressed = planner().for_escalation(escalation, accused_city)
    assert [a.receiver for a in suppressed.alerts] == ["city-leaders"]
    assert suppressed.undeliverable[0].recipient == "city-supervision"


def test_a_delivered_record_holds_no_clear_address() -> None:
    notice = email_notice()
    record = delivered_record(notice, RECEIVED)
    assert record.recipient_role is RecipientRole.PETITIONER
    assert "zhangsan@example.cn" not in record.model_dump_json()


def test_a_failed_record_masks_the_address_the_mail_server_repeats() -> None:
    notice = email_notice()
    refused = "550 5.1.1 <zhangsan@example.cn>: Recipient address rejected; call 13800138000"
    record = failed_record(notice, FailureReason.PERMANENT_REJECTION, refused, 1, RECEIVED)
    assert "zhangsan@example.cn" not in record.model_dump_json()
    assert "13800138000" not in record.model_dump_json()
    assert record.detail.startswith("550 5.1.1 <z*******@example.cn>: Recipient address")


# --- a repeat of a matter terminated after its re-review (Art. 36) ---------------------------


def _terminated_repeat(**changes: object) -> CaseFile:
    """The petitioner's fourth letter on a matter terminated after its re-review."""
    return case_file(verdict=Verdict.REPEAT, repeat_count=3, terminated_matter=True, **changes)


@pytest.mark.parametrize("language", list(Language))
def test_a_repeat_of_a_terminated_matter_is_told_it_is_not_accepted_again_art_36(
    language: Language,
) -> None:
    for channel, addressed in (
        (DeliveryChannel.EMAIL, contact(language=language)),
        (DeliveryChannel.WEBHOOK, contact(language=language, email=None)),
        (DeliveryChannel.LETTER, contact(language=language, email=None, phone_e164=None)),
    ):
        plan = planner().for_new_case(_terminated_repeat(), addressed)
        (receipt,) = plan.notices
        assert (receipt.kind, receipt.channel) == (NoticeKind.RECEIPT, channel)
        assert receipt.language is language
        text = receipt.body_text
        assert "XF-7K2M9Q4T8W1Z" in text
        if language is Language.ZH:
            assert "不再受理" in text
            assert "第三十六条" in text or channel is DeliveryChannel.WEBHOOK
            # Not the acceptance notice within 15 days of a matter handled anew (Art. 23).
            assert "15日内" not in text
            assert "第二十三条" not in text
        else:
            assert "not accepted again" in text
            assert "Art. 36" in text or channel is DeliveryChannel.WEBHOOK
            assert "15 days" not in text
            assert "Art. 23" not in text
        if channel is DeliveryChannel.EMAIL:
            assert receipt.subject.startswith(
                "信访事项不再受理告知" if language is Language.ZH else "Petition not accepted again"
            )
    # The matter's agency is not given it to handle: no inbox record, not its own system.
    assert not plan.inbox
    assert not plan.undeliverable


def test_a_terminated_matter_joins_no_open_case_whatever_the_verdict_names() -> None:
    # The casework's test: a terminated matter is never linked (facts.py), so the receipt
    # does not say it joined a case being handled (Art. 19).
    plan = planner().for_new_case(_terminated_repeat(open_case_id="XF-2B8D6F0H3J5L"), contact())
    (receipt,) = plan.notices
    assert "XF-2B8D6F0H3J5L" not in receipt.body_text
    assert "第三十六条" in receipt.body_text
    assert not plan.inbox


def test_a_repeat_joined_to_an_open_case_and_a_repeat_of_a_closed_matter_are_as_before() -> None:
    joined = planner().for_new_case(
        case_file(verdict=Verdict.REPEAT, repeat_count=1, open_case_id="XF-2B8D6F0H3J5L"),
        contact(),
    )
    assert "第十九条" in joined.notices[0].body_text
    assert joined.inbox
    anew = planner().for_new_case(case_file(verdict=Verdict.REPEAT, repeat_count=1), contact())
    assert "第二十三条" in anew.notices[0].body_text
    assert "第三十六条" not in anew.notices[0].body_text
    assert anew.inbox


def test_nothing_that_follows_a_repeat_of_a_terminated_matter_notifies_anyone() -> None:
    # The bureau files it (`closed`, the one update the lifecycle takes): no opinion was
    # given, so no rating is asked for; and a transfer, refused as matter_terminated,
    # puts it in no inbox.
    case = _terminated_repeat(agency=BUREAU)
    for update in (
        _update(UpdateKind.CLOSED),
        _update(UpdateKind.ACCEPTED),
        _update(UpdateKind.REPLIED, reason="已答复"),
        _transfer(HOUSING),
    ):
        plan = planner().for_update(update, case, contact())
        assert not plan.notices
        assert not plan.inbox
        assert not plan.undeliverable
    # The same `closed` on a case handled anew asks for the rating, as before.
    closed = planner().for_update(_update(UpdateKind.CLOSED), case_file(), contact())
    assert [n.kind for n in closed.notices] == [NoticeKind.RATING_REQUEST]


@pytest.mark.parametrize("verdict", list(Verdict))
@pytest.mark.parametrize("state", list(MatterState))
@pytest.mark.parametrize("open_case", [None, "XF-2B8D6F0H3J5L", "XF-7K2M9Q4T8W1Z"])
def test_the_case_file_tells_a_terminated_matter_as_the_casework_does(
    verdict: Verdict, state: MatterState, open_case: str | None
) -> None:
    value = examples.DEDUPLICATED[0].value
    assert isinstance(value, dict)
    deduplicated = CaseDeduplicated.model_validate(
        {**value, "verdict": verdict.value, "matter_state": state.value, "open_case_id": open_case}
    )
    facts = case_facts(deduplicated, load_rules())
    assert CaseFile.of(deduplicated).terminated_matter is facts.terminated_matter
