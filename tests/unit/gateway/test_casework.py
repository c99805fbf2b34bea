"""The petitioner's and agencies' door without a broker: query-code limits, the lifecycle
check the gateway makes before it publishes, what the petitioner is shown, agency keys."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from schemas import examples
from schemas.base import Example
from schemas.cases import (
    Agency,
    AgencyLevel,
    CaseDeduplicated,
    CaseEscalated,
    CaseUpdate,
    MatterState,
    Rating,
    UpdateKind,
    Verdict,
)
from schemas.identifiers import case_id_for
from schemas.keys import CaseKey
from services.common.casework.refusals import Refusal, RejectionReason
from services.gateway import open311
from services.gateway.attempts import AttemptLimits, AttemptRefusal, QueryAttempts
from services.gateway.casework import Placed
from services.gateway.casework_api import agency_update, review_update
from services.gateway.endpoints import case_view, petitioners_record
from services.gateway.models import (
    AgencyAction,
    AgencyUpdateRequest,
    ProgressStepKind,
    ReviewRequest,
)
from services.gateway.progress import case_progress
from services.gateway.settings import GatewaySettings
from services.gateway.status import CaseRecord, Status, StatusView
from services.gateway.web import render

CASE_ID_KEY = b"a-case-id-key-of-sixteen+"


def _example(found: tuple[Example, ...]) -> dict[str, Any]:
    value = found[0].value
    assert isinstance(value, dict)
    return value


T0 = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
#: The case id intake gives the contract's example petition under this key.
CASE_ID = case_id_for(_example(examples.REGISTERED)["submission_id"], CASE_ID_KEY)


def test_wrong_codes_are_limited_per_case_from_an_address_and_per_address() -> None:
    attempts = QueryAttempts(AttemptLimits(3, 5, timedelta(minutes=10)))
    for n in range(3):
        assert attempts.blocked("XF-A", "10.0.0.1", T0 + timedelta(seconds=n)) is None
        attempts.failed("XF-A", "10.0.0.1", T0 + timedelta(seconds=n))
    # The case is locked for the address that failed on it, the right code included, until
    # its oldest failure leaves the window; not for its petitioner elsewhere.
    blocked = attempts.blocked("XF-A", "10.0.0.1", T0 + timedelta(seconds=5))
    assert blocked is not None
    assert blocked.reason is AttemptRefusal.CASE_LIMITED
    assert blocked.retry_after_seconds == 595
    assert attempts.blocked("XF-A", "10.0.0.9", T0 + timedelta(seconds=5)) is None
    # One address walking many cases meets its own limit.
    for n in range(2):
        attempts.failed(f"XF-B{n}", "10.0.0.1", T0 + timedelta(seconds=10))
    blocked = attempts.blocked("XF-NEW", "10.0.0.1", T0 + timedelta(seconds=11))
    assert blocked is not None
    assert blocked.reason is AttemptRefusal.ADDRESS_LIMITED
    assert attempts.blocked("XF-NEW", "10.0.0.2", T0 + timedelta(seconds=11)) is None
    # Once the failures leave the window the address tries again.
    assert attempts.blocked("XF-A", "10.0.0.1", T0 + timedelta(minutes=10, seconds=11)) is None


def test_the_limiter_forgets_the_least_recent_keys_past_its_bound() -> None:
    attempts = QueryAttempts(AttemptLimits(1, 1000, timedelta(hours=1), max_tracked=2))
    for case in ("XF-1", "XF-2", "XF-3"):
        attempts.failed(case, "10.0.0.1", T0)
    assert attempts.blocked("XF-1", "10.0.0.1", T0) is None
    assert attempts.blocked("XF-3", "10.0.0.1", T0) is not None


def _verdict() -> CaseDeduplicated:
    """The contract's example case as a new matter (not joined to an open case)."""
    example = _example(examples.DEDUPLICATED)
    case = {**example["case"], "received_at": T0.isoformat(), "case_id": CASE_ID}
    return CaseDeduplicated.model_validate(
        {**example, "case": case, "case_id": CASE_ID, "verdict": "new", "reason": "first_of_matter",
         "open_case_id": None, "repeat_count": 0, "matter_state": "new"}
    )  # fmt: skip


def _update(kind: UpdateKind, at: datetime, **fields: object) -> CaseUpdate:
    return CaseUpdate(
        update_id=f"u-{kind.value}-{at.timestamp():.0f}",
        case_id=CASE_ID,
        kind=kind,
        occurred_at=at,
        agency_code=str(fields.pop("agency_code", "610302-housing")),
        **fields,
    )


def _view_with_verdict(now: datetime = T0 + timedelta(days=4)) -> tuple[StatusView, str]:
    view = StatusView(CASE_ID_KEY, clock=lambda: now)
    verdict = _verdict()
    assert view.apply("cases.deduplicated", verdict.to_json_bytes())
    return view, verdict.case_id


@pytest.mark.parametrize(
    ("key", "applied"),
    [
        (CaseKey(case_id=CASE_ID).to_json_bytes(), True),
        (b'{ "case_id" : "' + CASE_ID.encode() + b'" }', True),  # spacing is no matter
        (CaseKey(case_id="XF-ANOTHERCASE").to_json_bytes(), False),
        (b"", False),  # a record without a key
    ],
    ids=["its own case", "its own, spaced", "another case", "no key"],
)
def test_the_view_skips_a_case_event_under_another_cases_key(key: bytes, applied: bool) -> None:
    # Every service refuses such a record (schema_violation): the view does not show it.
    view = StatusView(CASE_ID_KEY, clock=lambda: T0 + timedelta(days=4))
    assert view.apply("cases.deduplicated", _verdict().to_json_bytes(), key=key) is applied
    assert (view.get(CASE_ID) is not None) is applied
    if applied:
        accepted = _update(UpdateKind.ACCEPTED, T0 + timedelta(days=1))
        other = CaseKey(case_id="XF-ANOTHERCASE").to_json_bytes()
        assert not view.apply("cases.updates", accepted.to_json_bytes(), key=other)
        record = view.get(CASE_ID)
        assert record is not None
        assert not record.updates


def test_the_view_keeps_the_updates_the_engine_would_accept_and_holds_the_early_ones() -> None:
    view, case_id = _view_with_verdict()
    accepted = _update(UpdateKind.ACCEPTED, T0 + timedelta(days=1))
    replied = _update(UpdateKind.REPLIED, T0 + timedelta(days=3), reason="已处理")
    # The reply is read first (another partition's order): held, then placed.
    view.record_update(replied)
    record = view.get(case_id)
    assert record is not None
    assert not record.updates
    assert record.held == (replied,)
    view.record_update(accepted)
    assert record.updates == (accepted, replied)
    assert not record.held
    # An update before the receipt is refused for good: neither kept nor held.
    view.record_update(_update(UpdateKind.CLOSED, T0 - timedelta(days=1)))
    assert record.updates == (accepted, replied)
    assert not record.held
    # A second acceptance may still await a predecessor for the engine: held, not kept.
    second = _update(UpdateKind.ACCEPTED, T0 + timedelta(days=4))
    view.record_update(second)
    assert record.updates == (accepted, replied)
    assert record.held == (second,)


def test_an_update_held_past_the_tolerance_is_not_revived_by_its_predecessor() -> None:
    # The engine's scan dead-letters a reply that waited a day for its acceptance; an
    # acceptance arriving two days later must not make the view believe in the reply.
    view, case_id = _view_with_verdict(now=T0 + timedelta(days=3))
    replied = _update(UpdateKind.REPLIED, T0 + timedelta(hours=3), reason="意见")
    view.record_update(replied)
    accepted = _update(UpdateKind.ACCEPTED, T0 + timedelta(hours=2))
    view.record_update(accepted)
    record = view.get(case_id)
    assert record is not None
    assert record.updates == (accepted,)
    assert not record.held


def test_a_view_reading_old_topics_again_judges_by_broker_time_not_todays_clock() -> None:
    # After a restart the feed reads months-old records; updates read before their
    # verdict (another topic) were applied by the engine back then, so they stay.
    view = StatusView(CASE_ID_KEY, clock=lambda: T0 + timedelta(days=200))
    accepted = _update(UpdateKind.ACCEPTED, T0 + timedelta(days=1))
    view.apply("cases.updates", accepted.to_json_bytes(), None, T0 + timedelta(days=1))
    view.apply("cases.deduplicated", _verdict().to_json_bytes(), None, T0 + timedelta(days=1))
    record = view.get(CASE_ID)
    assert record is not None
    assert record.updates == (accepted,)


def test_the_check_answers_with_the_lifecycles_reason() -> None:
    view, case_id = _view_with_verdict()
    record = view.get(case_id)
    assert record is not None
    assert record.facts is not None
    casework = view.casework
    rating = _update(UpdateKind.RATED, T0 + timedelta(days=1), rating=Rating.DISSATISFIED)
    refused = casework.place(record.facts, record.updates, record.held, rating)
    assert isinstance(refused, Refusal)
    assert refused.reason is RejectionReason.NOTHING_TO_RATE
    view.record_update(_update(UpdateKind.ACCEPTED, T0 + timedelta(days=1)))
    view.record_update(_update(UpdateKind.REPLIED, T0 + timedelta(days=2), reason="意见"))
    late = _update(UpdateKind.RATED, T0 + timedelta(days=40), rating=Rating.SATISFIED)
    refused = casework.place(record.facts, record.updates, record.held, late)
    assert isinstance(refused, Refusal)
    assert refused.reason is RejectionReason.RATING_WINDOW_CLOSED
    in_time = _update(UpdateKind.RATED, T0 + timedelta(days=5), rating=Rating.SATISFIED)
    assert isinstance(casework.place(record.facts, record.updates, record.held, in_time), Placed)
    view.record_update(in_time)
    again = _update(UpdateKind.RATED, T0 + timedelta(days=6), rating=Rating.DISSATISFIED)
    refused = casework.place(record.facts, record.updates, record.held, again)
    assert isinstance(refused, Refusal)
    assert refused.reason is RejectionReason.ALREADY_RATED
    review = _update(UpdateKind.REVIEW_REQUESTED, T0 + timedelta(days=45), agency_code="p")
    refused = casework.place(record.facts, record.updates, record.held, review)
    assert isinstance(refused, Refusal)
    assert refused.reason is RejectionReason.REVIEW_WINDOW_CLOSED


def test_the_petitioner_sees_steps_deadline_opinion_and_review_route_and_nothing_else() -> None:
    view, case_id = _view_with_verdict()
    view.record_update(_update(UpdateKind.ACCEPTED, T0 + timedelta(days=1)))
    record = view.get(case_id)
    assert record is not None
    shown = case_progress(record, view.casework, T0 + timedelta(days=2))
    assert [s.step for s in shown.steps] == [
        ProgressStepKind.RECEIVED, ProgressStepKind.REGISTERED, ProgressStepKind.ACCEPTED
    ]  # fmt: skip
    assert shown.status == "accepted"
    assert shown.next_deadline is not None
    assert shown.next_deadline.article == "Art. 34"
    assert shown.next_deadline.due_at.date() == (T0 + timedelta(days=62)).date()
    assert shown.responsible is not None
    assert shown.responsible.code == "610302-housing"
    assert not shown.can_rate
    assert shown.review is None
    assert shown.reply is None

    view.record_update(_update(UpdateKind.REPLIED, T0 + timedelta(days=10), reason="已办理产权证"))
    escalation = CaseEscalated.model_validate(
        {**_example(examples.ESCALATED), "reason": "deadline_breach", "case_id": CASE_ID,
         "escalated_at": (T0 + timedelta(days=3)).isoformat()}
    )  # fmt: skip
    view.apply("cases.escalated", escalation.to_json_bytes())
    shown = case_progress(record, view.casework, T0 + timedelta(days=11))
    assert shown.reply == "已办理产权证"
    assert shown.can_rate
    assert shown.review is not None
    assert shown.review.request == "review"
    assert shown.review.to.level.value == "city"
    assert (shown.review.to.code, shown.review.to.name) == ("610300-xfj", "宝鸡市信访局")
    assert shown.review.article == "Art. 35"
    document = shown.model_dump_json()
    # Not the petition's text, not the petitioner, not the accused, not other cases.
    verdict = _verdict()
    for secret in (verdict.case.title, verdict.case.petitioner.name_masked, verdict.matter_id):
        assert secret not in document


def test_a_case_transferred_to_a_city_body_is_reviewed_by_the_province_art_35() -> None:
    view, case_id = _view_with_verdict(T0 + timedelta(days=12))
    city_body = Agency(
        code="610300-housing", name="宝鸡市住房和城乡建设局", level=AgencyLevel.CITY,
        region_code="610300", rule="transferred_by:610302-housing",
    )  # fmt: skip
    view.record_update(_update(UpdateKind.TRANSFERRED, T0 + timedelta(days=1), to_agency=city_body))
    view.record_update(
        _update(UpdateKind.ACCEPTED, T0 + timedelta(days=2), agency_code="610300-housing")
    )
    view.record_update(_update(UpdateKind.REPLIED, T0 + timedelta(days=10), reason="已办理",
                               agency_code="610300-housing"))  # fmt: skip
    record = view.get(case_id)
    assert record is not None
    shown = case_progress(record, view.casework, T0 + timedelta(days=11))
    assert shown.review is not None
    # The opinion is the city body's: the province reviews it, not the county case's city.
    assert shown.review.to.level is AgencyLevel.PROVINCE
    assert shown.review.to.code == "610000-xfj"


def test_agency_requests_need_their_reasons_and_an_objection_names_its_prefix() -> None:
    with pytest.raises(ValidationError, match="opinion's text"):
        AgencyUpdateRequest(kind=AgencyAction.REPLIED)
    with pytest.raises(ValidationError, match="extension_days"):
        AgencyUpdateRequest(kind=AgencyAction.EXTENDED, reason="复杂")
    with pytest.raises(ValidationError, match="extension_days"):
        AgencyUpdateRequest(kind=AgencyAction.ACCEPTED, extension_days=3)
    objection = AgencyUpdateRequest(kind=AgencyAction.OUTSIDE_COMPETENCE, reason="属市级事权")
    update = agency_update("XF-1", "610302-housing", objection, T0, "outside_competence")
    assert update.kind is UpdateKind.NOT_ACCEPTED
    assert update.reason == "outside_competence: 属市级事权"


def test_a_transfer_moves_the_case_to_its_recipient_and_an_objection_back() -> None:
    view = StatusView(CASE_ID_KEY, clock=lambda: T0 + timedelta(days=4))
    verdict = _verdict()
    bureau = Agency(code="610302-xfj", name="宝鸡市渭滨区信访局", level=AgencyLevel.COUNTY,
                    region_code="610302", rule="fallback:petition_bureau")  # fmt: skip
    routed = verdict.model_copy(update={"case": verdict.case.model_copy(update={"agency": bureau})})
    assert view.apply("cases.deduplicated", routed.to_json_bytes())
    record = view.get(CASE_ID)
    assert record is not None
    assert record.held_by == "610302-xfj"
    with pytest.raises(ValidationError, match="names the body that receives"):
        AgencyUpdateRequest(kind=AgencyAction.TRANSFERRED)
    request = AgencyUpdateRequest(kind=AgencyAction.TRANSFERRED, to_agency="610302-housing")
    housing = Agency(code="610302-housing", name="渭滨区住房和城乡建设局", level=AgencyLevel.COUNTY,
                     region_code="610302", rule="transferred_by:610302-xfj")  # fmt: skip
    transfer = agency_update(CASE_ID, "610302-xfj", request, T0 + timedelta(days=1),
                             "outside_competence", housing)  # fmt: skip
    assert (transfer.schema_version, transfer.to_agency) == (2, housing)
    view.record_update(transfer)
    assert record.held_by == "610302-housing"
    assert (record.status, record.detail) == (UpdateKind.TRANSFERRED, "to 610302-housing")
    assert record.name_of("610302-housing") == "渭滨区住房和城乡建设局"
    shown = case_progress(record, view.casework, T0 + timedelta(days=2))
    assert shown.responsible is not None
    assert (shown.responsible.code, shown.responsible.name) == (
        "610302-housing", "渭滨区住房和城乡建设局"
    )  # fmt: skip
    assert shown.steps[-1].detail == "渭滨区住房和城乡建设局"
    objection = agency_update(
        CASE_ID, "610302-housing",
        AgencyUpdateRequest(kind=AgencyAction.OUTSIDE_COMPETENCE, reason="属不动产登记"),
        T0 + timedelta(days=2), "outside_competence",
    )  # fmt: skip
    view.record_update(objection)
    assert record.held_by == "610302-xfj"
    shown = case_progress(record, view.casework, T0 + timedelta(days=3))
    returned = shown.steps[-1]
    assert returned.step is ProgressStepKind.RETURNED_FOR_TRANSFER
    assert returned.detail == "属不动产登记"


def test_agency_keys_are_configuration_checked_at_start() -> None:
    settings = GatewaySettings(
        api_keys="a-channel-key-of-sixteen+",
        case_id_key="c" * 16,
        agency_keys="610302-housing=housing-key-of-sixteen, 610300-xfj=city-bureau-key-16+",
    )
    assert settings.agency_of_key("housing-key-of-sixteen") == "610302-housing"
    assert settings.agency_of_key("city-bureau-key-16+") == "610300-xfj"
    assert settings.agency_of_key("a-channel-key-of-sixteen+") is None
    for bad, message in (
        ("610302-housing=short", "16"),
        ("610302-housing", "CODE=KEY"),
        ("A B=housing-key-of-sixteen", "agency code"),
        ("610302-rsj=same-key-of-sixteen+,610302-xfj=same-key-of-sixteen+", "another agency's"),
        ("610302-nosuch=housing-key-of-sixteen", "no body of the routing table"),
        ("petitioner=housing-key-of-sixteen", "no body of the routing table"),
    ):
        with pytest.raises(ValidationError, match=message):
            GatewaySettings(api_keys="a-channel-key-of-sixteen+", case_id_key="c" * 16,
                            agency_keys=bad)  # fmt: skip


def test_the_page_escapes_what_agencies_and_petitioners_wrote() -> None:
    view, case_id = _view_with_verdict()
    view.record_update(_update(UpdateKind.ACCEPTED, T0 + timedelta(days=1)))
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    view.record_update(_update(UpdateKind.REPLIED, T0 + timedelta(days=2), reason=hostile))
    record = view.get(case_id)
    assert record is not None
    shown = case_progress(record, view.casework, T0 + timedelta(days=3))
    for lang in ("zh", "en"):
        page = bytes(render(lang, progress=shown, query_code="7KQ4-M2ZX").body).decode()
        assert "<script>" not in page
        assert "&lt;script&gt;" in page
        assert "<img" not in page
    response = render("en")
    assert "script-src" not in response.headers["content-security-policy"]
    assert response.headers["content-security-policy"].startswith("default-src 'none'")
    assert response.headers["cache-control"] == "no-store"


def test_the_page_tells_extensions_and_supervisions_in_its_own_language() -> None:
    view, case_id = _view_with_verdict()
    view.record_update(_update(UpdateKind.ACCEPTED, T0 + timedelta(days=1)))
    view.record_update(
        _update(UpdateKind.EXTENDED, T0 + timedelta(days=2), extension_days=20, reason="需联合调查")
    )
    escalation = CaseEscalated.model_validate(
        {**_example(examples.ESCALATED), "reason": "deadline_breach", "case_id": CASE_ID,
         "target_level": "city", "escalated_at": (T0 + timedelta(days=3)).isoformat()}
    )  # fmt: skip
    view.apply("cases.escalated", escalation.to_json_bytes())
    record = view.get(case_id)
    assert record is not None
    shown = case_progress(record, view.casework, T0 + timedelta(days=4))
    zh = bytes(render("zh", progress=shown, query_code="7KQ4-M2ZX").body).decode()
    assert "延长20日: 需联合调查" in zh
    assert "市级督办（超过法定期限）" in zh
    assert "deadline_breach" not in zh
    en = bytes(render("en", progress=shown, query_code="7KQ4-M2ZX").body).decode()
    assert "20 more days: 需联合调查" in en
    assert "by the city level: a legal time limit was missed" in en


# --- closing leaves the petitioner's windows open (Art. 35, 36) ------------------------------

REPLIED_AT = T0 + timedelta(days=10)
REVIEW_DECIDED_AT = T0 + timedelta(days=20)


def _replied_and_closed() -> tuple[StatusView, CaseRecord]:
    """Accepted, replied on day 10, closed by the agency the next day, unrated."""
    view, case_id = _view_with_verdict()
    view.record_update(_update(UpdateKind.ACCEPTED, T0 + timedelta(days=1)))
    view.record_update(_update(UpdateKind.REPLIED, REPLIED_AT, reason="已办理产权证"))
    record = view.get(case_id)
    assert record is not None
    return view, record


def _requested(view: StatusView, record: CaseRecord, at: datetime) -> CaseUpdate | Refusal:
    """What the petitioner's POST of a request at ``at`` makes, as the lifecycle judges it."""
    update = review_update(record, ReviewRequest(reason="不服"), view.casework)(at)
    assert record.facts is not None
    placed = view.casework.place(record.facts, record.updates, record.held, update)
    return update if isinstance(placed, Placed) else placed


def test_a_closed_case_offers_the_review_while_its_window_is_open_art_35() -> None:
    view, record = _replied_and_closed()
    open_route = case_progress(record, view.casework, REPLIED_AT + timedelta(hours=1)).review
    view.record_update(_update(UpdateKind.CLOSED, REPLIED_AT + timedelta(days=1)))
    assert record.updates[-1].kind is UpdateKind.CLOSED
    day_8 = REPLIED_AT + timedelta(days=8)
    shown = case_progress(record, view.casework, day_8)
    assert shown.status == "closed"
    # The route the reply opened, unchanged by the closing: the casework's own window.
    assert shown.review is not None
    assert shown.review == open_route
    assert shown.review.request == "review"
    assert (shown.review.to.code, shown.review.to.level) == ("610300-xfj", AgencyLevel.CITY)
    assert shown.review.due_at == datetime.fromisoformat("2026-12-31T00:00:00+08:00")
    assert shown.review.article == "Art. 35"
    page = bytes(render("zh", progress=shown, query_code="7KQ4-M2ZX").body).decode()
    assert 'id="review"' in page
    # The request the form sends is the review, and the lifecycle takes it (re-opening).
    request = _requested(view, record, day_8)
    assert isinstance(request, CaseUpdate)
    assert request.kind is UpdateKind.REVIEW_REQUESTED
    # After the window: no route, and the request is refused as before.
    late = shown.review.due_at + timedelta(seconds=1)
    assert case_progress(record, view.casework, late).review is None
    refused = _requested(view, record, late)
    assert isinstance(refused, Refusal)
    assert refused.reason is RejectionReason.CASE_CLOSED


def test_a_case_closed_after_its_review_opinion_offers_the_re_review_art_36() -> None:
    view, record = _replied_and_closed()
    view.record_update(_update(UpdateKind.REVIEW_REQUESTED, REPLIED_AT + timedelta(days=2),
                               agency_code="petitioner"))  # fmt: skip
    view.record_update(_update(UpdateKind.REVIEW_DECIDED, REVIEW_DECIDED_AT, reason="维持",
                               agency_code="610300-xfj"))  # fmt: skip
    open_route = case_progress(record, view.casework, REVIEW_DECIDED_AT).review
    view.record_update(_update(UpdateKind.CLOSED, REVIEW_DECIDED_AT + timedelta(hours=2)))
    assert record.updates[-1].kind is UpdateKind.CLOSED
    day_5 = REVIEW_DECIDED_AT + timedelta(days=5)
    # Not a second review: the re-review, which the lifecycle takes within the window.
    request = _requested(view, record, day_5)
    assert isinstance(request, CaseUpdate)
    assert request.kind is UpdateKind.RE_REVIEW_REQUESTED
    shown = case_progress(record, view.casework, day_5)
    assert shown.status == "closed"
    assert shown.review is not None
    assert shown.review == open_route
    assert shown.review.request == "re_review"
    # Art. 36: one level higher again than the review, the province's bureau.
    assert (shown.review.to.code, shown.review.to.level) == ("610000-xfj", AgencyLevel.PROVINCE)
    assert shown.review.article == "Art. 36"
    page = bytes(render("en", progress=shown, query_code="7KQ4-M2ZX").body).decode()
    assert "Request a re-review" in page
    late = shown.review.due_at + timedelta(seconds=1)
    assert case_progress(record, view.casework, late).review is None
    refused = _requested(view, record, late)
    assert isinstance(refused, Refusal)
    assert refused.reason is RejectionReason.CASE_CLOSED


def test_a_request_on_a_case_closed_after_its_re_review_is_refused_as_terminated_art_36() -> None:
    """The petitioner's door (the JSON API and the page send what ``review_update`` makes)
    on a case closed after its re-review opinion: the matter is terminated (Art. 36), so
    the refusal is matter_terminated in the words of every such refusal, not case_closed."""
    view, record = _replied_and_closed()
    view.record_update(_update(UpdateKind.REVIEW_REQUESTED, REPLIED_AT + timedelta(days=2),
                               agency_code="petitioner"))  # fmt: skip
    view.record_update(_update(UpdateKind.REVIEW_DECIDED, REVIEW_DECIDED_AT, reason="维持",
                               agency_code="610300-xfj"))  # fmt: skip
    view.record_update(_update(UpdateKind.RE_REVIEW_REQUESTED, REVIEW_DECIDED_AT + timedelta(
        days=3), agency_code="petitioner"))  # fmt: skip
    re_reviewed_at = REVIEW_DECIDED_AT + timedelta(days=20)
    view.record_update(_update(UpdateKind.RE_REVIEW_DECIDED, re_reviewed_at, reason="复核维持",
                               agency_code="610000-xfj"))  # fmt: skip
    view.record_update(_update(UpdateKind.CLOSED, re_reviewed_at + timedelta(hours=2)))
    assert record.updates[-1].kind is UpdateKind.CLOSED
    for at in (re_reviewed_at + timedelta(days=1), re_reviewed_at + timedelta(days=90)):
        shown = case_progress(record, view.casework, at)
        assert (shown.status, shown.review) == ("closed", None)
        refused = _requested(view, record, at)
        assert isinstance(refused, Refusal)
        assert (refused.reason, refused.detail) == (
            RejectionReason.MATTER_TERMINATED,
            "after the re-review the same facts and reasons are not accepted again (Art. 36)",
        )


def test_no_route_while_a_review_runs_nor_after_a_case_closed_without_an_opinion() -> None:
    view, record = _replied_and_closed()
    view.record_update(_update(UpdateKind.REVIEW_REQUESTED, REPLIED_AT + timedelta(days=2),
                               agency_code="petitioner"))  # fmt: skip
    assert case_progress(record, view.casework, REPLIED_AT + timedelta(days=3)).review is None
    other, case_id = _view_with_verdict()
    other.record_update(_update(UpdateKind.NOT_ACCEPTED, T0 + timedelta(days=1), reason="已起诉"))
    other.record_update(_update(UpdateKind.CLOSED, T0 + timedelta(days=2)))
    closed = other.get(case_id)
    assert closed is not None
    assert case_progress(closed, other.casework, T0 + timedelta(days=3)).review is None


# --- a repeat of a terminated matter (Art. 36) -----------------------------------------------


def test_a_repeat_of_a_terminated_matter_is_its_own_step_not_accepted_again_art_36() -> None:
    view = StatusView(CASE_ID_KEY, clock=lambda: T0 + timedelta(days=4))
    verdict = _verdict().model_copy(
        update={"verdict": Verdict.REPEAT, "repeat_count": 3,
                "matter_state": MatterState.TERMINATED, "open_case_id": None}
    )  # fmt: skip
    assert view.apply("cases.deduplicated", verdict.to_json_bytes())
    record = view.get(CASE_ID)
    assert record is not None
    shown = case_progress(record, view.casework, T0 + timedelta(days=1))
    assert [s.step for s in shown.steps] == [
        ProgressStepKind.RECEIVED, ProgressStepKind.NOT_ACCEPTED_AGAIN
    ]  # fmt: skip
    said = shown.steps[1].detail
    assert said is not None
    assert "not accepted again" in said
    assert "Art. 36" in said
    # Terminated at its receipt: no body owes anything, nothing to rate or to request.
    assert shown.status == "terminated"
    assert (shown.responsible, shown.next_deadline, shown.review) == (None, None, None)
    assert not shown.can_rate
    zh = bytes(render("zh", progress=shown, query_code="7KQ4-M2ZX").body).decode()
    assert "同一事实和理由不再受理（第三十六条）" in zh
    assert "并入正在办理的同一事项" not in zh
    en = bytes(render("en", progress=shown, query_code="7KQ4-M2ZX").body).decode()
    assert "Not accepted again" in en
    assert 'id="review"' not in en
    # A repeat joined to an open case is still its own step.
    joined = _verdict().model_copy(
        update={"verdict": Verdict.REPEAT, "repeat_count": 1, "matter_state": MatterState.OPEN,
                "open_case_id": "XF-2B8D6F0H3J5L"}
    )  # fmt: skip
    other = StatusView(CASE_ID_KEY, clock=lambda: T0 + timedelta(days=4))
    assert other.apply("cases.deduplicated", joined.to_json_bytes())
    linked = other.get(CASE_ID)
    assert linked is not None
    steps = case_progress(linked, other.casework, T0 + timedelta(days=1)).steps
    assert steps[1].step is ProgressStepKind.JOINED


def _terminated_repeat(view: StatusView) -> CaseRecord:
    verdict = _verdict().model_copy(
        update={"verdict": Verdict.REPEAT, "repeat_count": 3,
                "matter_state": MatterState.TERMINATED, "open_case_id": None}
    )  # fmt: skip
    assert view.apply("cases.deduplicated", verdict.to_json_bytes())
    record = view.get(CASE_ID)
    assert record is not None
    return record


def test_the_channels_status_of_a_repeat_of_a_terminated_matter_is_not_accepted_again_art_36() -> (
    None
):
    """GET /v1/cases/{id} (``case_view``) and the Open311 request say what the petitioner's
    page says: not accepted again (Art. 36), and which matter it repeats; closed in Open311
    from its receipt. An escalation its content still draws and an update the lifecycle
    refuses are history, not its status; the bureau's `closed` files it."""
    view = StatusView(CASE_ID_KEY, clock=lambda: T0 + timedelta(days=4))
    record = _terminated_repeat(view)
    matter = _verdict().matter_id
    shown = case_view(record)
    assert shown.status is Status.NOT_ACCEPTED_AGAIN
    assert shown.open311_status == "closed"
    assert shown.verdict is Verdict.REPEAT
    assert shown.detail is not None
    assert shown.detail.startswith("not_accepted_again: a repeat (")
    assert f"of matter {matter};" in shown.detail
    # The petitioner's page's own words, Art. 36 among them.
    page = case_progress(record, view.casework, T0 + timedelta(days=1))
    said = page.steps[1].detail
    assert said is not None
    assert "not accepted again (Art. 36)" in said
    assert shown.detail.endswith(said)
    assert [s.status for s in shown.history] == [Status.NOT_ACCEPTED_AGAIN]
    request = open311.request_document(record)
    assert (request.status, request.status_notes) == ("closed", shown.detail)
    assert request.service_notice == open311.NOT_ACCEPTED_AGAIN_NOTICE
    assert "15" not in request.service_notice  # no transfer within 15 days (Art. 22)
    # A leadership package its repeats still draw, and an agency system's acceptance that
    # the lifecycle refuses (matter_terminated): both seen, neither its status.
    package = CaseEscalated.model_validate(
        {**_example(examples.ESCALATED), "reason": "leadership_package", "case_id": CASE_ID,
         "escalated_at": (T0 + timedelta(minutes=5)).isoformat()}
    )  # fmt: skip
    assert view.apply("cases.escalated", package.to_json_bytes())
    assert view.apply("cases.updates", _update(UpdateKind.ACCEPTED, T0 + timedelta(days=1))
                      .to_json_bytes())  # fmt: skip
    shown = case_view(record)
    assert (shown.status, shown.open311_status) == (Status.NOT_ACCEPTED_AGAIN, "closed")
    assert [s.status for s in shown.history] == [
        Status.NOT_ACCEPTED_AGAIN, Status.ESCALATED, UpdateKind.ACCEPTED
    ]  # fmt: skip
    assert record.updates == ()
    # And so with a query code (the petitioner's own view of GET /v1/cases/{id}).
    own = case_view(petitioners_record(record, view))
    assert (own.status, own.open311_status) == (Status.NOT_ACCEPTED_AGAIN, "closed")
    # The bureau files it: closed, as the petitioner's page says; still not accepted again.
    filed = _update(UpdateKind.CLOSED, T0 + timedelta(days=2), agency_code="610302-xfj")
    assert view.apply("cases.updates", filed.to_json_bytes())
    shown = case_view(record)
    assert (shown.status, shown.status_at, shown.open311_status) == (
        UpdateKind.CLOSED, filed.occurred_at, "closed"
    )  # fmt: skip
    assert case_progress(record, view.casework, T0 + timedelta(days=3)).status == "closed"
    assert open311.request_document(record).service_notice == open311.NOT_ACCEPTED_AGAIN_NOTICE


def test_a_repeat_of_a_terminated_matter_read_after_its_escalation_is_not_accepted_again() -> None:
    # The topics are read in no common order: an escalation (ranked above dedup's verdict)
    # read first does not leave the case "escalated" and open.
    view = StatusView(CASE_ID_KEY, clock=lambda: T0 + timedelta(days=4))
    package = CaseEscalated.model_validate(
        {**_example(examples.ESCALATED), "reason": "leadership_package", "case_id": CASE_ID,
         "escalated_at": (T0 + timedelta(minutes=5)).isoformat()}
    )  # fmt: skip
    assert view.apply("cases.escalated", package.to_json_bytes())
    record = _terminated_repeat(view)
    shown = case_view(record)
    assert (shown.status, shown.open311_status) == (Status.NOT_ACCEPTED_AGAIN, "closed")
    # An ordinary repeat joined to an open case is still a repeat, open (Art. 19).
    joined = _verdict().model_copy(
        update={"verdict": Verdict.REPEAT, "repeat_count": 1, "matter_state": MatterState.OPEN,
                "open_case_id": "XF-2B8D6F0H3J5L"}
    )  # fmt: skip
    other = StatusView(CASE_ID_KEY, clock=lambda: T0 + timedelta(days=4))
    assert other.apply("cases.deduplicated", joined.to_json_bytes())
    linked = other.get(CASE_ID)
    assert linked is not None
    assert (case_view(linked).status, case_view(linked).open311_status) == (Status.REPEAT, "open")
    assert open311.request_document(linked).service_notice == open311.SERVICE_NOTICE
