"""The petitioner's and the agencies' door on a real broker: the agency API with its keys,
the petitioner's API by query code with its limits, and the web page in a real headless
browser (Debian's chromium through its chromedriver), screenshots kept under the test's
tmp path (``screenshots/``)."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final

import httpx
import pytest

from schemas import examples
from schemas.cases import CaseDeduplicated, CaseEscalated, MatterKind
from schemas.identifiers import case_id_for
from schemas.keys import CaseKey
from schemas.registry import CASES_DEDUPLICATED, CASES_ESCALATED, CASES_UPDATES
from services.common.producer import make_producer
from services.devtools.kafka_local import KafkaLocal
from tests.integration.test_gateway import (
    CASE_ID_KEY,
    Running,
    _settings,
    query_code,
    wait_until,
)
from tests.waiting import values

pytestmark = pytest.mark.integration

HOUSING: Final = "610302-housing"
HOUSING_KEY: Final = "housing-bureau-key-of-16+"
OTHER: Final = "610302-rsj"
OTHER_KEY: Final = "labour-bureau-key-of-16+"
#: The county's petition bureau, and the city's and the province's (review, re-review).
BUREAU: Final = "610302-xfj"
BUREAU_KEY: Final = "weibin-petition-bureau-key+"
CITY: Final = "610300-xfj"
CITY_KEY: Final = "baoji-petition-bureau-key+"
PROVINCE: Final = "610000-xfj"
PROVINCE_KEY: Final = "shaanxi-petition-bureau-key"
AGENCY_KEYS: Final = ",".join(
    f"{code}={key}"
    for code, key in (
        (HOUSING, HOUSING_KEY),
        (OTHER, OTHER_KEY),
        (BUREAU, BUREAU_KEY),
        (CITY, CITY_KEY),
        (PROVINCE, PROVINCE_KEY),
    )
)
#: The county's petition bureau as routing names it when no field rule applies.
BUREAU_AGENCY: Final = {
    "code": BUREAU,
    "name": "宝鸡市渭滨区信访局",
    "level": "county",
    "region_code": "610302",
    "rule": "fallback:petition_bureau",
}


def _verdict(
    submission_id: str, received_at: datetime, agency: dict[str, str] | None = None
) -> CaseDeduplicated:
    """The contract's example case as a new matter routed to the housing bureau (or to
    ``agency``)."""
    example = examples.DEDUPLICATED[0].value
    assert isinstance(example, dict)
    case_id = case_id_for(submission_id, CASE_ID_KEY.encode())
    case = {**example["case"], "case_id": case_id, "submission_id": submission_id,
            "received_at": received_at.isoformat()}  # fmt: skip
    if agency is not None:
        case["agency"] = agency
    return CaseDeduplicated.model_validate(
        {**example, "case": case, "case_id": case_id, "verdict": "new",
         "reason": "first_of_matter", "open_case_id": None, "repeat_count": 0,
         "matter_state": "new", "decided_at": received_at.isoformat()}
    )  # fmt: skip


def _publish_verdicts(bootstrap: str, prefix: str, *verdicts: CaseDeduplicated) -> None:
    producer = make_producer(bootstrap)
    for verdict in verdicts:
        key = CaseKey(case_id=verdict.case_id).to_json_bytes()
        producer.send(CASES_DEDUPLICATED.full_name(prefix), key=key, value=verdict.to_json_bytes())
    producer.flush()
    producer.close()


@pytest.fixture
def served(kafka: KafkaLocal, prefix: str) -> Iterator[Running]:
    settings = _settings(
        kafka.bootstrap, prefix, agency_keys=AGENCY_KEYS, query_failures_per_case=4,
        query_failures_per_address=1000, trusted_proxies="127.0.0.1",
    )  # fmt: skip
    with Running(settings) as running:
        running.ready()
        yield running


def _known(running: Running, case_id: str) -> None:
    wait_until(lambda: running.built.gateway.view.get(case_id) is not None
               and running.built.gateway.view.get(case_id).facts is not None,  # type: ignore[union-attr]
               f"the view did not read {case_id}")  # fmt: skip


def _agency(running: Running, case_id: str, key: str, **body: Any) -> httpx.Response:
    return httpx.post(
        f"{running.url}/v1/agency/cases/{case_id}/updates",
        json=body,
        headers={"X-Agency-Key": key},
        timeout=30,
    )


def _petitioner(
    running: Running, case_id: str, what: str, code: str, body: dict[str, Any] | None = None
) -> httpx.Response:
    url = f"{running.url}/v1/cases/{case_id}/{what}"
    headers = {"X-Query-Code": code}
    if body is None:
        return httpx.get(url, headers=headers, timeout=30)
    return httpx.post(url, json=body, headers=headers, timeout=30)


def test_an_agency_answers_and_the_petitioner_rates_through_the_gateway(
    kafka: KafkaLocal, prefix: str, served: Running
) -> None:
    now = datetime.now(UTC)
    fresh = _verdict(f"portal-{uuid.uuid4().hex[:8]}", now - timedelta(hours=1))
    old = _verdict(f"portal-{uuid.uuid4().hex[:8]}", now - timedelta(days=60))
    _publish_verdicts(kafka.bootstrap, prefix, fresh, old)
    case, late = fresh.case_id, old.case_id
    _known(served, case)
    _known(served, late)

    # Agencies: a key of none, another agency's case, bad bodies: a clear error, nothing sent.
    assert _agency(served, case, "not-a-key-of-anyone!", kind="accepted").status_code == 403
    other = _agency(served, case, OTHER_KEY, kind="accepted")
    assert other.status_code == 404
    assert OTHER in other.json()["detail"]
    no_text = _agency(served, case, HOUSING_KEY, kind="replied")
    assert no_text.status_code == 400
    assert "opinion's text" in no_text.json()["detail"]
    # A rating before any reply: the lifecycle's reason.
    early = _petitioner(served, case, "rating", query_code(case), {"rating": "satisfied"})
    assert early.status_code == 409
    assert early.json()["reason"] == "nothing_to_rate"

    accepted = _agency(served, case, HOUSING_KEY, kind="accepted", update_id="hz-981")
    assert accepted.status_code == 202, accepted.text
    again = _agency(served, case, HOUSING_KEY, kind="accepted", update_id="hz-981",
                    occurred_at=accepted.json()["occurred_at"])  # fmt: skip
    assert again.status_code == 202
    assert again.json() == accepted.json()
    twice = _agency(served, case, HOUSING_KEY, kind="accepted")
    assert twice.status_code == 409
    assert twice.json()["reason"] == "not_allowed_in_status"
    opinion = "经核实，产权证将于12月底前办理完毕。如有疑问请致电13800138000。"
    replied = _agency(served, case, HOUSING_KEY, kind="replied", reason=opinion)
    assert replied.status_code == 202

    # The petitioner: wrong code and unknown case alike, then the progress.
    wrong = _petitioner(served, case, "progress", "0000-0000")
    unknown = _petitioner(served, "XF-NOSUCHCASE0", "progress", "0000-0000")
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.json()["error"] == unknown.json()["error"] == "not_found"
    progress = _petitioner(served, case, "progress", query_code(case).lower())
    assert progress.status_code == 200
    shown = progress.json()
    assert [s["step"] for s in shown["steps"]] == ["received", "registered", "accepted", "replied"]
    # The reply's text, with the phone number in it masked before it reached the topic.
    assert shown["reply"].endswith("请致电138****8000。")
    assert shown["can_rate"] is True
    assert shown["review"]["request"] == "review"
    assert shown["review"]["article"] == "Art. 35"
    assert "购房" not in progress.text  # the petition's own text is not shown

    too_long = _petitioner(served, case, "rating", query_code(case),
                           {"rating": "dissatisfied", "comment": "长" * 501})  # fmt: skip
    assert too_long.status_code == 400
    rated = _petitioner(served, case, "rating", query_code(case),
                        {"rating": "dissatisfied", "comment": "仍未办证"})  # fmt: skip
    assert rated.status_code == 202
    twice = _petitioner(served, case, "rating", query_code(case), {"rating": "satisfied"})
    assert twice.status_code == 409
    assert twice.json()["reason"] == "already_rated"

    # A reply given 40 days ago: the review window (30 days, Art. 35) has closed.
    for kind, days in (("accepted", 50), ("replied", 40)):
        body: dict[str, Any] = {
            "kind": kind,
            "occurred_at": (now - timedelta(days=days)).isoformat(),
        }
        if kind == "replied":
            body["reason"] = "不予支持"
        assert _agency(served, late, HOUSING_KEY, **body).status_code == 202
    state = httpx.get(f"{served.url}/v1/agency/cases/{late}", headers={"X-Agency-Key": HOUSING_KEY})
    assert state.status_code == 200
    assert state.json()["status"] == "replied"
    assert [u["step"] for u in state.json()["updates"]] == ["accepted", "replied"]
    review = _petitioner(served, late, "review-request", query_code(late), {"reason": "不服"})
    assert review.status_code == 409
    assert review.json()["reason"] == "review_window_closed"
    # ... and its rating window (30 days, Art. 21): overdue, not rated.
    overdue = _petitioner(served, late, "rating", query_code(late), {"rating": "dissatisfied"})
    assert overdue.status_code == 409
    assert overdue.json()["reason"] == "rating_window_closed"
    assert _petitioner(served, late, "progress", query_code(late)).json()["rating"] == {
        "status": "overdue_not_rated", "due_at": None
    }  # fmt: skip

    updates = wait_until(
        lambda: (found := values(kafka.bootstrap, CASES_UPDATES.full_name(prefix)))
        and len(found) == 5 and found,
        "five updates on cases.updates",
    )  # fmt: skip
    mine = [u for u in updates if u["case_id"] == case]
    assert [u["kind"] for u in mine] == ["accepted", "replied", "rated"]
    assert mine[2]["rating"] == "dissatisfied"
    assert mine[2]["agency_code"] == "petitioner"
    assert mine[0]["update_id"] == "hz-981"


def _page(running: Running, path: str, **form: str) -> httpx.Response:
    """A form of the petitioner's page posted as a browser without JavaScript posts it."""
    return httpx.post(f"{running.url}{path}", data={"lang": "en", **form}, timeout=30)


def test_the_page_refuses_bad_input_with_its_reason_and_publishes_nothing(
    kafka: KafkaLocal, prefix: str, served: Running
) -> None:
    verdict = _verdict(f"portal-{uuid.uuid4().hex[:8]}", datetime.now(UTC) - timedelta(hours=2))
    _publish_verdicts(kafka.bootstrap, prefix, verdict)
    case = verdict.case_id
    code = query_code(case)
    _known(served, case)
    wrong = _page(served, "/query", case_id=case, query_code="ZZZZ-ZZZZ")
    assert wrong.status_code == 404
    assert "The case number or the query code is not right" in wrong.text
    early = _page(served, "/query/rating", case_id=case, query_code=code, rating="satisfied")
    assert early.status_code == 409
    assert "no opinion has been given yet (nothing_to_rate)" in early.text
    early_zh = _page(served, "/query/rating", case_id=case, query_code=code, rating="satisfied",
                     lang="zh")  # fmt: skip
    assert "尚未出具处理意见，暂不能评价 (nothing_to_rate)" in early_zh.text
    assert _agency(served, case, HOUSING_KEY, kind="accepted").status_code == 202
    assert _agency(served, case, HOUSING_KEY, kind="replied", reason="已处理").status_code == 202
    for form, status, shown in (
        ({"rating": "dissatisfied", "comment": "长" * 501}, 400, "comment"),
        ({"rating": "excellent"}, 400, "rating"),
        ({}, 400, "rating"),
    ):
        refused = _page(served, "/query/rating", case_id=case, query_code=code, **form)
        assert refused.status_code == status, refused.text
        assert 'id="error"' in refused.text
        assert shown in refused.text
    too_long = _page(served, "/query/review", case_id=case, query_code=code, reason="x" * 501)
    assert too_long.status_code == 400
    # Nothing but the agency's two updates reached the topic.
    assert _agency(served, case, HOUSING_KEY, kind="closed", update_id="probe").status_code == 202
    topic = CASES_UPDATES.full_name(prefix)
    kinds = wait_until(
        lambda: (found := [u["kind"] for u in values(kafka.bootstrap, topic)
                           if u["case_id"] == case]) and "closed" in found and found,
        "the agency's updates on cases.updates",
    )  # fmt: skip
    assert kinds == ["accepted", "replied", "closed"]


def _agency_state(running: Running, case_id: str, key: str) -> httpx.Response:
    return httpx.get(
        f"{running.url}/v1/agency/cases/{case_id}", headers={"X-Agency-Key": key}, timeout=30
    )


def test_a_transfer_hands_the_case_and_the_right_to_act_to_its_recipient(
    kafka: KafkaLocal, prefix: str, served: Running
) -> None:
    now = datetime.now(UTC)
    verdict = _verdict(f"portal-{uuid.uuid4().hex[:8]}", now - timedelta(hours=3), BUREAU_AGENCY)
    _publish_verdicts(kafka.bootstrap, prefix, verdict)
    case = verdict.case_id
    _known(served, case)
    # With the bureau (Art. 22): the housing bureau cannot act on it yet.
    assert _agency(served, case, HOUSING_KEY, kind="accepted").status_code == 404
    before = _agency_state(served, case, BUREAU_KEY).json()
    assert before["held_by"] == BUREAU
    assert before["next_deadline"]["step"] == "transfer"

    # A transfer names its recipient, a body of the routing table, not the bureau itself.
    for body, expected in (
        ({"kind": "transferred"}, "to_agency: transferred names the body"),
        ({"kind": "transferred", "to_agency": "610302-nosuch"}, "no body has the agency code"),
        ({"kind": "assigned", "to_agency": BUREAU}, f"the case is with {BUREAU} already"),
        ({"kind": "accepted", "to_agency": HOUSING}, "only with them"),
    ):
        refused = _agency(served, case, BUREAU_KEY, **body)
        assert refused.status_code == 400, refused.text
        assert expected in refused.json()["detail"]
    moved = _agency(served, case, BUREAU_KEY, kind="transferred", to_agency=HOUSING,
                    update_id="xfj-412")  # fmt: skip
    assert moved.status_code == 202, moved.text
    again = _agency(served, case, BUREAU_KEY, kind="transferred", to_agency=HOUSING,
                    update_id="xfj-412", occurred_at=moved.json()["occurred_at"])  # fmt: skip
    # A retry of the transfer (its answer lost) is answered as the first time.
    assert again.status_code == 202, again.text
    assert again.json() == moved.json()

    # The recipient's key acts on the case now; the transferring bureau's does not.
    assert _agency_state(served, case, BUREAU_KEY).status_code == 404
    assert _agency(served, case, BUREAU_KEY, kind="accepted").status_code == 404
    state = _agency_state(served, case, HOUSING_KEY).json()
    assert state["held_by"] == HOUSING
    assert state["routed_to"] == BUREAU
    assert state["next_deadline"]["step"] == "acceptance"
    assert state["next_deadline"]["owed_by"]["code"] == HOUSING

    # The petitioner sees whom the case went to, and that it now waits on that body.
    shown = _petitioner(served, case, "progress", query_code(case)).json()
    transfer = [s for s in shown["steps"] if s["step"] == "transferred"]
    assert [s["detail"] for s in transfer] == ["渭滨区住房和城乡建设局"]
    assert shown["responsible"] == {"code": HOUSING, "name": "渭滨区住房和城乡建设局",
                                    "level": "county"}  # fmt: skip
    assert shown["next_deadline"]["step"] == "acceptance"
    assert shown["next_deadline"]["article"] == "Art. 23"

    # The recipient objects to competence (Art. 23): the case goes back to the bureau.
    objected = _agency(served, case, HOUSING_KEY, kind="outside_competence", reason="属不动产登记")
    assert objected.status_code == 202, objected.text
    assert _agency_state(served, case, HOUSING_KEY).status_code == 404
    assert _agency_state(served, case, BUREAU_KEY).json()["held_by"] == BUREAU
    assert _agency(served, case, BUREAU_KEY, kind="assigned", to_agency=OTHER).status_code == 202
    assert _agency(served, case, OTHER_KEY, kind="accepted").status_code == 202

    # An accusation never goes to the unit it accuses (Art. 31; DOMAIN.md).
    accusation = _verdict(f"portal-{uuid.uuid4().hex[:8]}", now - timedelta(hours=3), BUREAU_AGENCY)
    accused = {"kind": MatterKind.ACCUSATION, "accused": "渭滨区住房和城乡建设局王某"}
    accusation = accusation.model_copy(
        update={"case": accusation.case.model_copy(update=accused)}
    )
    _publish_verdicts(kafka.bootstrap, prefix, accusation)
    _known(served, accusation.case_id)
    to_accused = _agency(served, accusation.case_id, BUREAU_KEY, kind="transferred",
                         to_agency=HOUSING)  # fmt: skip
    assert to_accused.status_code == 400
    assert "never goes to the unit it accuses" in to_accused.json()["detail"]

    published = wait_until(
        lambda: [u for u in values(kafka.bootstrap, CASES_UPDATES.full_name(prefix))
                 if u["kind"] in ("transferred", "assigned")],
        "the transfer and the assignment on cases.updates",
    )  # fmt: skip
    assert [(u["schema_version"], u["to_agency"]["code"]) for u in published] == [
        (2, HOUSING), (2, OTHER)
    ]  # fmt: skip
    assert published[0]["to_agency"]["rule"] == f"transferred_by:{BUREAU}"


def test_a_body_a_case_was_escalated_to_sees_it_and_does_not_handle_it(
    kafka: KafkaLocal, prefix: str, served: Running
) -> None:
    """Supervision (督办, Art. 38-40) chases the handling body; it does not take the case
    over, and so never reviews an opinion of its own (Art. 35)."""
    now = datetime.now(UTC)
    verdict = _verdict(f"portal-{uuid.uuid4().hex[:8]}", now - timedelta(days=17))
    _publish_verdicts(kafka.bootstrap, prefix, verdict)
    case = verdict.case_id
    example = examples.ESCALATED[0].value
    assert isinstance(example, dict)
    escalation = CaseEscalated.model_validate(
        {**example, "escalation_id": f"ESC-{case}-breach", "case_id": case,
         "reason": "deadline_breach", "escalated_at": (now - timedelta(days=1)).isoformat(),
         "target_agency": CITY}
    )  # fmt: skip
    producer = make_producer(kafka.bootstrap)
    producer.send(CASES_ESCALATED.full_name(prefix), key=CaseKey(case_id=case).to_json_bytes(),
                  value=escalation.to_json_bytes())  # fmt: skip
    producer.flush()
    producer.close()
    wait_until(lambda: _agency_state(served, case, CITY_KEY).status_code == 200,
               "the city's view of the escalated case")  # fmt: skip
    refused = _agency(served, case, CITY_KEY, kind="accepted")
    assert refused.status_code == 403
    assert refused.json()["detail"].startswith(f"accepted is for {HOUSING}, the body the case")
    assert _agency(served, case, HOUSING_KEY, kind="accepted").status_code == 202


def test_the_petitioner_follows_every_step_to_termination(
    kafka: KafkaLocal, prefix: str, served: Running
) -> None:
    """Issue 16, point 1, as a petitioner meets it: each step with its date and why, the
    body now responsible, the next legal deadline, the opinion, the review and re-review
    routes with their deadlines (Art. 35, 36), until the matter is terminated."""
    now = datetime.now(UTC)
    verdict = _verdict(f"portal-{uuid.uuid4().hex[:8]}", now - timedelta(days=40))
    _publish_verdicts(kafka.bootstrap, prefix, verdict)
    case = verdict.case_id
    code = query_code(case)
    _known(served, case)

    def progress() -> dict[str, Any]:
        shown = _petitioner(served, case, "progress", code)
        assert shown.status_code == 200, shown.text
        document: dict[str, Any] = shown.json()
        return document

    def at(days_ago: float) -> str:
        return (now - timedelta(days=days_ago)).isoformat()

    accepted_at = now - timedelta(days=39)
    for body in (
        {"kind": "accepted", "occurred_at": accepted_at.isoformat()},
        {"kind": "extended", "occurred_at": at(35), "extension_days": 20,
         "reason": "涉及多个部门，需联合调查"},
    ):  # fmt: skip
        assert _agency(served, case, HOUSING_KEY, **body).status_code == 202
    shown = progress()
    assert shown["status"] == "extended"
    extended = shown["steps"][-1]
    assert extended["step"] == "extended"
    assert (extended["extension_days"], extended["detail"]) == (20, "涉及多个部门，需联合调查")
    page = _page(served, "/query", case_id=case, query_code=code, lang="zh")
    assert "延长20日: 涉及多个部门，需联合调查" in page.text
    # The same moment, shown at +08:00 (the day may be the next one in China).
    assert datetime.fromisoformat(extended["at"]) == now - timedelta(days=35)
    assert extended["at"].endswith("+08:00")
    # Art. 34: 60 days from acceptance, 20 more for the extension (a rest day rolls over).
    deadline = shown["next_deadline"]
    assert deadline["step"] == "handling"
    assert deadline["article"] == "Art. 34"
    assert deadline["owed_by"]["code"] == HOUSING
    due = datetime.fromisoformat(deadline["due_at"])
    assert accepted_at + timedelta(days=80) <= due <= accepted_at + timedelta(days=83)
    assert shown["responsible"]["name"] == "渭滨区住房和城乡建设局"

    replied = _agency(served, case, HOUSING_KEY, kind="replied", occurred_at=at(29),
                      reason="经调查，开发商应于12月底前办理产权证。")  # fmt: skip
    assert replied.status_code == 202
    shown = progress()
    assert shown["reply"] == "经调查，开发商应于12月底前办理产权证。"
    assert shown["next_deadline"] is None  # nothing owed: the petitioner's windows run
    route = shown["review"]
    assert (route["request"], route["article"], route["to"]["code"]) == (
        "review", "Art. 35", CITY
    )  # fmt: skip
    review_due = datetime.fromisoformat(route["due_at"])
    assert now < review_due <= now + timedelta(days=4)  # 30 days from the reply
    assert shown["can_rate"] is True
    assert shown["rating"]["status"] == "awaiting"

    rated = _petitioner(served, case, "rating", code, {"rating": "basically_satisfied"})
    assert rated.status_code == 202
    asked = _petitioner(served, case, "review-request", code, {"reason": "办证时间过长"})
    assert asked.status_code == 202, asked.text
    assert asked.json()["kind"] == "review_requested"
    twice = _petitioner(served, case, "review-request", code, {"reason": "再次申请"})
    assert twice.status_code == 409
    assert twice.json()["reason"] == "not_allowed_in_status"
    shown = progress()
    assert shown["status"] == "review_requested"
    assert shown["review"] is None
    deadline = shown["next_deadline"]
    assert (deadline["step"], deadline["article"], deadline["owed_by"]["code"]) == (
        "review_decision", "Art. 35", CITY
    )  # fmt: skip
    assert shown["responsible"]["code"] == CITY
    # The county bureau that handled it is not the review body: its key cannot decide.
    refused = _agency(served, case, HOUSING_KEY, kind="review_decided", reason="维持")
    assert refused.status_code == 403
    assert f"for {CITY}" in refused.json()["detail"]
    decided = _agency(served, case, CITY_KEY, kind="review_decided", reason="维持原处理意见。")
    assert decided.status_code == 202, decided.text
    shown = progress()
    assert shown["reply"] == "维持原处理意见。"
    assert shown["can_rate"] is True  # a new opinion, a new rating window
    route = shown["review"]
    assert (route["request"], route["article"], route["to"]["code"]) == (
        "re_review", "Art. 36", PROVINCE
    )  # fmt: skip

    asked = _petitioner(served, case, "review-request", code, {"reason": "仍不服"})
    assert asked.status_code == 202
    assert asked.json()["kind"] == "re_review_requested"
    shown = progress()
    assert shown["next_deadline"]["step"] == "re_review_decision"
    assert shown["next_deadline"]["owed_by"]["code"] == PROVINCE
    assert _agency(served, case, CITY_KEY, kind="re_review_decided", reason="x").status_code == 404
    assert _agency(served, case, PROVINCE_KEY, kind="hearing_started").status_code == 202
    assert progress()["next_deadline"] is None  # hearing time is not counted (Art. 36)
    assert _agency(served, case, PROVINCE_KEY, kind="hearing_ended").status_code == 202
    assert progress()["next_deadline"]["step"] == "re_review_decision"
    decided = _agency(served, case, PROVINCE_KEY, kind="re_review_decided", reason="复核维持。")
    assert decided.status_code == 202
    shown = progress()
    assert shown["status"] == "re_review_decided"
    assert shown["review"] is None  # after the re-review there is no further route
    terminated = _agency(served, case, HOUSING_KEY, kind="terminated")
    assert terminated.status_code == 202, terminated.text
    shown = progress()
    assert shown["status"] == "terminated"
    assert shown["next_deadline"] is None
    assert shown["responsible"] is None
    assert [s["step"] for s in shown["steps"]] == [
        "received", "registered", "accepted", "extended", "replied", "rated",
        "review_requested", "review_decided", "re_review_requested", "hearing_started",
        "hearing_ended", "re_review_decided", "terminated",
    ]  # fmt: skip
    again = _petitioner(served, case, "review-request", code, {"reason": "再申请"})
    assert again.status_code == 409
    assert again.json()["reason"] == "matter_terminated"
    # Filed after its termination, the matter is still terminated, not merely closed.
    closed = _agency(served, case, HOUSING_KEY, kind="closed")
    assert closed.status_code == 202, closed.text
    assert progress()["status"] == "closed"
    again = _petitioner(served, case, "review-request", code, {"reason": "再申请"})
    assert again.status_code == 409
    assert again.json()["reason"] == "matter_terminated"


def test_wrong_codes_lock_a_case_for_the_address_that_failed_not_for_its_owner(
    kafka: KafkaLocal, prefix: str, served: Running
) -> None:
    verdict = _verdict(f"portal-{uuid.uuid4().hex[:8]}", datetime.now(UTC) - timedelta(hours=1))
    _publish_verdicts(kafka.bootstrap, prefix, verdict)
    case = verdict.case_id
    _known(served, case)
    # The clients behind the proxy the gateway trusts (127.0.0.1): a guesser and the owner.
    guesser = {"X-Forwarded-For": "203.0.113.7"}
    owner = {"X-Forwarded-For": "198.51.100.20"}
    url = f"{served.url}/v1/cases/{case}"
    for _ in range(4):
        wrong = httpx.get(f"{url}/progress", headers={"X-Query-Code": "AAAA-AAAA", **guesser})
        assert wrong.status_code == 404
    locked = httpx.get(f"{url}/progress", headers={"X-Query-Code": query_code(case), **guesser})
    assert locked.status_code == 429
    assert int(locked.headers["Retry-After"]) > 0
    # The channel API's query_code path is the same door, with the same count.
    legacy = httpx.get(url, params={"query_code": query_code(case)}, headers=guesser)
    assert legacy.status_code == 429
    # The case's petitioner, from their own address, is not locked out by the guesser.
    own = httpx.get(f"{url}/progress", headers={"X-Query-Code": query_code(case), **owner})
    assert own.status_code == 200
    metrics = httpx.get(f"{served.url}/metrics").text
    assert 'xinfang_gateway_query_code_refusals_total{reason="case_limited"} 2.0' in metrics


# --- the web page, in a real browser -----------------------------------------------------


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    """Headless chromium driven through Debian's chromedriver (``make tools`` installs
    both); a missing one is a failure that says what to install, not a skip."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    missing = "install Debian's chromium and chromium-driver (make tools)"
    assert chromium, missing
    assert driver_path, missing
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=390,844",
        "--lang=zh-CN",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
    ):
        options.add_argument(argument)  # fmt: skip
    # A browser set to Chinese: the page follows its Accept-Language.
    options.add_experimental_option("prefs", {"intl.accept_languages": "zh-CN,zh"})
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def shoot(driver: Any, tmp_path: Path, name: str) -> Path:
    """A screenshot of the page as it is, under the test's tmp path."""
    folder = tmp_path / "screenshots"
    folder.mkdir(exist_ok=True)
    path = folder / f"{name}.png"
    assert driver.save_screenshot(str(path)), f"no screenshot {path}"
    return path


def submit(driver: Any, button: str) -> None:
    """Click a form's button and wait for the page it posts to (a click does not always
    wait for the navigation it starts)."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.wait import WebDriverWait

    old = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.CSS_SELECTOR, button).click()

    def gone(_: Any) -> bool:
        # The old page is gone when its root cannot be asked about: stale, or, while Chrome
        # is between the two documents, "Node with given id does not belong to the
        # document" (a plain WebDriverException, which ``staleness_of`` lets through).
        try:
            old.is_enabled()
        except WebDriverException:
            return True
        return False

    WebDriverWait(driver, 30).until(gone)
    WebDriverWait(driver, 30).until(
        lambda d: d.execute_script("return document.readyState") == "complete"
    )


def look_up(driver: Any, url: str, case_id: str, code: str, lang: str = "zh") -> None:
    from selenium.webdriver.common.by import By

    driver.get(f"{url}/query?lang={lang}")
    driver.find_element(By.ID, "case_id").send_keys(case_id)
    driver.find_element(By.ID, "query_code").send_keys(code)
    submit(driver, "#lookup button[type=submit]")


def rate_on_the_page(driver: Any, rating: str, comment: str) -> None:
    """Choose a rating and send the form, as a petitioner does."""
    from selenium.webdriver.common.by import By

    driver.find_element(By.CSS_SELECTOR, f"#rating input[value={rating}]").click()
    driver.find_element(By.ID, "comment").send_keys(comment)
    submit(driver, "#rating button[type=submit]")


def test_the_web_page_shows_progress_and_takes_a_rating_in_a_real_browser(
    kafka: KafkaLocal, prefix: str, served: Running, browser: Any, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By

    verdict = _verdict(f"portal-{uuid.uuid4().hex[:8]}", datetime.now(UTC) - timedelta(hours=2))
    _publish_verdicts(kafka.bootstrap, prefix, verdict)
    case = verdict.case_id
    _known(served, case)
    assert _agency(served, case, HOUSING_KEY, kind="accepted").status_code == 202
    assert (
        _agency(served, case, HOUSING_KEY, kind="replied", reason="已责令开发商办证").status_code
        == 202
    )

    browser.get(f"{served.url}/query")
    assert browser.find_element(By.TAG_NAME, "h1").text == "信访事项查询与评价"
    assert browser.execute_script("return document.scripts.length") == 0
    # Fits a phone's width: nothing wider than the viewport.
    assert browser.execute_script(
        "return document.documentElement.scrollWidth <= window.innerWidth"
    )
    shoot(browser, tmp_path, "1-form-zh")

    look_up(browser, served.url, case, "ZZZZ-ZZZZ")
    assert "查询码不正确" in browser.find_element(By.ID, "error").text
    shoot(browser, tmp_path, "2-invalid-code")

    look_up(browser, served.url, case, query_code(case))
    assert not browser.find_elements(By.ID, "error"), browser.find_element(By.ID, "error").text
    steps = [
        li.get_attribute("class") for li in browser.find_elements(By.CSS_SELECTOR, "#timeline li")
    ]
    assert steps == ["step step-received", "step step-registered", "step step-accepted",
                     "step step-replied"]  # fmt: skip
    assert browser.find_element(By.ID, "reply").text == "已责令开发商办证"
    assert "上一级机关申请复查" in browser.find_element(By.ID, "review-route").text
    # The progress with its forms fits a phone's width too, and runs no script.
    assert browser.execute_script(
        "return document.documentElement.scrollWidth <= window.innerWidth"
    )
    assert browser.execute_script("return document.scripts.length") == 0
    shoot(browser, tmp_path, "3-progress")

    rate_on_the_page(browser, "dissatisfied", "仍未拿到产权证")
    assert "评价已提交" in browser.find_element(By.ID, "notice").text
    assert "不满意" in browser.find_element(By.ID, "timeline").text
    assert not browser.find_elements(By.ID, "rating")  # rated: no second form
    shoot(browser, tmp_path, "4-rated")

    rated = wait_until(
        lambda: [u for u in values(kafka.bootstrap, CASES_UPDATES.full_name(prefix))
                 if u["case_id"] == case and u["kind"] == "rated"],
        "the page's rating on cases.updates",
    )  # fmt: skip
    assert rated[0]["rating"] == "dissatisfied"
    assert rated[0]["reason"] == "仍未拿到产权证"

    # Dissatisfied, the petitioner asks the next-higher body for a review (Art. 35).
    browser.find_element(By.ID, "reason").send_keys("开发商仍未办证")
    submit(browser, "#review button[type=submit]")
    assert "申请已提交" in browser.find_element(By.ID, "notice").text
    assert browser.find_element(By.ID, "status").text == "复查中"
    assert not browser.find_elements(By.ID, "review")  # requested: no second form
    shoot(browser, tmp_path, "5-review-requested")
    wait_until(
        lambda: [u for u in values(kafka.bootstrap, CASES_UPDATES.full_name(prefix))
                 if u["case_id"] == case and u["kind"] == "review_requested"],
        "the page's review request on cases.updates",
    )  # fmt: skip

    # The English page, and the same look-up.
    look_up(browser, served.url, case, query_code(case), lang="en")
    assert browser.find_element(By.ID, "status").text == "Under review"
    assert "Dissatisfied" in browser.find_element(By.ID, "timeline").text
    shoot(browser, tmp_path, "6-progress-en")
    assert len(list((tmp_path / "screenshots").glob("*.png"))) == 6
