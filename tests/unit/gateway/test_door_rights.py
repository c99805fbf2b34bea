"""Who may do what through the gateway's doors, driven through the app without a broker:
a body a case was escalated to supervises it and does not handle or review it (Art. 35,
38-40); what a query code shows leaves out other petitioners and the escalations that are
not about the handling; a flood of wrong codes does not lock the owner out."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import httpx
import pytest
from starlette.types import ASGIApp

from schemas import examples
from schemas.cases import AgencyLevel, CaseDeduplicated, CaseEscalated, CaseUpdate, UpdateKind
from schemas.identifiers import case_id_for, query_code
from services.gateway.app import build
from services.gateway.endpoints import Gateway, channel_key_id
from services.gateway.progress import case_progress
from services.gateway.settings import GatewaySettings
from services.gateway.status import SOURCES

CASE_ID_KEY: Final = "a-case-id-key-of-sixteen+"
QUERY_KEY: Final = "a-query-code-key-of-sixteen+"
CHANNEL_KEY: Final = "a-channel-key-of-sixteen+"
HOUSING: Final = "610302-housing"
BUREAU: Final = "610302-xfj"
CITY: Final = "610300-xfj"
PROVINCE: Final = "610000-xfj"
KEYS: Final = {
    HOUSING: "housing-bureau-key-of-16+",
    BUREAU: "weibin-petition-bureau-key+",
    CITY: "baoji-petition-bureau-key+",
    PROVINCE: "shaanxi-petition-bureau-key",
}
#: Received 2026-11-10 10:00 in China; the acceptance limit (Art. 23) ran out on the 26th.
RECEIVED: Final = datetime(2026, 11, 10, 2, 0, tzinfo=UTC)


class Client:
    """Requests to the app in process, from ``address`` (the lifespan is not run)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    def request(self, method: str, url: str, address: str = "10.0.0.1", **kw: Any) -> Any:
        async def send() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app, client=(address, 40000))
            async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
                return await client.request(method, url, **kw)

        return asyncio.run(send())

    def get(self, url: str, **kw: Any) -> Any:
        return self.request("GET", url, **kw)

    def post(self, url: str, **kw: Any) -> Any:
        return self.request("POST", url, **kw)


@dataclass
class Served:
    client: Client
    gateway: Gateway
    now: list[datetime]
    published: list[CaseUpdate]

    def code(self, case_id: str) -> str:
        return query_code(case_id, QUERY_KEY.encode())

    def agency(self, case_id: str, agency: str, **body: Any) -> Any:
        return self.client.post(
            f"/v1/agency/cases/{case_id}/updates", json=body, headers={"X-Agency-Key": KEYS[agency]}
        )

    def petitioner(self, case_id: str, what: str, body: dict[str, Any] | None = None) -> Any:
        headers = {"X-Query-Code": self.code(case_id)}
        url = f"/v1/cases/{case_id}/{what}"
        if body is None:
            return self.client.get(url, headers=headers)
        return self.client.post(url, json=body, headers=headers)

    def verdict(self, name: str, person: str, **changes: Any) -> str:
        """A verdict of dedup for submission ``name`` by petitioner ``person``: a new matter
        routed to the housing bureau unless ``changes`` say otherwise."""
        example = examples.DEDUPLICATED[0].value
        assert isinstance(example, dict)
        case_id = case_id_for(name, CASE_ID_KEY.encode())
        case = {**example["case"], "case_id": case_id, "submission_id": name,
                "received_at": RECEIVED.isoformat(), "petitioner_ref": person,
                **changes.pop("case", {})}  # fmt: skip
        verdict = CaseDeduplicated.model_validate(
            {**example, "case": case, "case_id": case_id, "verdict": "new",
             "reason": "first_of_matter", "open_case_id": None, "repeat_count": 0,
             "matter_state": "new", "decided_at": RECEIVED.isoformat(), **changes}
        )  # fmt: skip
        assert self.gateway.view.apply("cases.deduplicated", verdict.to_json_bytes())
        return case_id

    def escalate(self, case_id: str, reason: str, at: datetime, agency: str = CITY) -> None:
        example = examples.ESCALATED[0].value
        assert isinstance(example, dict)
        escalation = CaseEscalated.model_validate(
            {**example, "escalation_id": f"ESC-{case_id}-{reason}", "case_id": case_id,
             "reason": reason, "escalated_at": at.isoformat(), "target_agency": agency}
        )  # fmt: skip
        assert self.gateway.view.apply("cases.escalated", escalation.to_json_bytes())


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> Served:
    settings = GatewaySettings(
        api_keys=CHANNEL_KEY, case_id_key=CASE_ID_KEY, query_key=QUERY_KEY,
        bootstrap_servers="127.0.0.1:1",
        agency_keys=",".join(f"{code}={key}" for code, key in KEYS.items()),
    )  # fmt: skip
    now = [RECEIVED + timedelta(days=17)]
    built = build(settings, clock=lambda: now[0])
    gateway = built.gateway
    # Never started: the view is fed by the test, as if the feed had read every topic.
    monkeypatch.setattr(gateway.feed, "_caught", {spec.name for spec in SOURCES})
    published: list[CaseUpdate] = []

    async def publish(update: CaseUpdate) -> float:
        published.append(update)
        return 0.0

    monkeypatch.setattr(gateway.desk.publisher, "publish_update", publish)
    return Served(Client(built.app), gateway, now, published)


# --- D4: supervision is not handling, and nobody reviews their own opinion -----------------


def test_a_supervising_bureau_sees_the_case_but_neither_handles_nor_reviews_it(
    served: Served,
) -> None:
    case = served.verdict("portal-k1", "pr_k1")
    # The housing bureau missed its acceptance limit (Art. 23): the case went to the city.
    served.escalate(case, "deadline_breach", RECEIVED + timedelta(days=16))
    seen = served.client.get(f"/v1/agency/cases/{case}", headers={"X-Agency-Key": KEYS[CITY]})
    assert seen.status_code == 200
    assert seen.json()["held_by"] == HOUSING
    for body in (
        {"kind": "accepted"},
        {"kind": "replied", "reason": "宝鸡市信访局答复意见"},
        {"kind": "not_accepted", "reason": "不予受理"},
        {"kind": "extended", "reason": "复杂", "extension_days": 10},
        {"kind": "transferred", "to_agency": "610302-rsj"},
        {"kind": "closed"},
    ):
        refused = served.agency(case, CITY, **body)
        assert refused.status_code == 403, body
        assert refused.json()["detail"].startswith(
            f"{body['kind']} is for {HOUSING}, the body the case is with"
        )
    # Nor a step that is nobody's handling but the acting bodies': it only supervises.
    terminated = served.agency(case, CITY, kind="terminated")
    assert terminated.status_code == 403
    assert "supervises this case" in terminated.json()["detail"]
    assert served.published == []
    # The body the case is with handles it; the review of its opinion is the next-higher
    # body's, the city's, and only the city's (Art. 35).
    assert served.agency(case, HOUSING, kind="accepted").status_code == 202
    served.now[0] += timedelta(days=1)
    assert served.agency(case, HOUSING, kind="replied", reason="已办理").status_code == 202
    served.now[0] += timedelta(days=1)
    assert served.petitioner(case, "review-request", {"reason": "不服"}).status_code == 202
    progress = served.petitioner(case, "progress").json()
    assert progress["next_deadline"]["owed_by"] == {
        "code": CITY, "name": "宝鸡市信访局", "level": "city"
    }  # fmt: skip
    assert served.agency(case, HOUSING, kind="review_decided", reason="维持").status_code == 403
    assert served.agency(case, PROVINCE, kind="review_decided", reason="维持").status_code == 404
    assert served.agency(case, CITY, kind="review_decided", reason="维持").status_code == 202


def test_a_bureau_the_case_is_with_still_assigns_it_and_the_recipient_handles_it(
    served: Served,
) -> None:
    bureau = {"code": BUREAU, "name": "宝鸡市渭滨区信访局", "level": "county",
              "region_code": "610302", "rule": "fallback:petition_bureau"}  # fmt: skip
    case = served.verdict("portal-a1", "pr_a1", case={"agency": bureau})
    served.now[0] = RECEIVED + timedelta(days=2)
    assert served.agency(case, HOUSING, kind="accepted").status_code == 404
    assigned = served.agency(case, BUREAU, kind="assigned", to_agency=HOUSING)
    assert assigned.status_code == 202
    assert served.agency(case, BUREAU, kind="accepted").status_code == 404
    assert served.agency(case, HOUSING, kind="accepted").status_code == 202


def test_a_body_is_shown_at_its_own_level_not_the_clocks(served: Served) -> None:
    case = served.verdict("portal-h2", "pr_h2")
    # An acceptance by the city's bureau, as an agency system may still publish one
    # through intake: the handling clock is the city bureau's on a county case.
    served.gateway.view.record_update(
        CaseUpdate(update_id="u-h2", case_id=case, kind=UpdateKind.ACCEPTED,
                   occurred_at=RECEIVED + timedelta(days=2), agency_code=CITY)
    )  # fmt: skip
    record = served.gateway.view.get(case)
    assert record is not None
    shown = case_progress(record, served.gateway.view.casework, RECEIVED + timedelta(days=3))
    assert shown.next_deadline is not None
    assert shown.next_deadline.owed_by.code == CITY
    assert shown.next_deadline.owed_by.level is AgencyLevel.CITY


# --- D5: a query code shows the escalations /progress shows, no others ---------------------


def test_a_query_code_shows_no_escalation_that_is_not_about_the_handling(
    served: Served,
) -> None:
    case = served.verdict("portal-m1", "pr_m1", collective=True)
    served.escalate(case, "collective_petition", RECEIVED)
    served.escalate(case, "risk_to_life", RECEIVED + timedelta(seconds=1))
    by_code = served.client.get(f"/v1/cases/{case}", params={"query_code": served.code(case)})
    assert by_code.status_code == 200
    shown = by_code.json()
    assert (shown["status"], shown["detail"]) == ("registered", "new: first_of_matter")
    assert [step["status"] for step in shown["history"]] == ["registered"]
    assert "risk_to_life" not in by_code.text
    assert "collective_petition" not in by_code.text
    progress = served.petitioner(case, "progress").json()
    assert [step["step"] for step in progress["steps"]] == ["received", "registered"]
    # A missed limit is about the handling: both doors show it.
    served.escalate(case, "deadline_breach", RECEIVED + timedelta(days=16))
    shown = served.client.get(f"/v1/cases/{case}", params={"query_code": served.code(case)}).json()
    assert (shown["status"], shown["detail"]) == ("escalated", "deadline_breach to city level")
    assert [step["detail"] for step in shown["history"]][-1] == "deadline_breach to city level"
    progress = served.petitioner(case, "progress").json()
    assert progress["steps"][-1]["detail"] == "deadline_breach: city"
    # The channel that submitted it sees every escalation, as documented.
    record = served.gateway.view.get(case)
    assert record is not None
    record.channel_key_id = channel_key_id(CHANNEL_KEY)
    by_key = served.client.get(f"/v1/cases/{case}", headers={"X-API-Key": CHANNEL_KEY}).json()
    assert [step["detail"] for step in by_key["history"]].count("risk_to_life to city level") == 1


# --- D6: a query code never gives another petitioner's case, nor locks its owner out ------


def test_a_query_code_gives_the_open_case_number_only_of_the_petitioners_own_case(
    served: Served,
) -> None:
    first = served.verdict("portal-j1", "pr_j1")
    joined = {"matter_state": "open", "open_case_id": first, "first_case_id": first}
    joint = served.verdict("portal-j2", "pr_j2", verdict="joint", reason="joint_matter",
                           **joined)  # fmt: skip
    repeat = served.verdict("portal-j3", "pr_j1", verdict="repeat", reason="near_repeat",
                            repeat_count=1, **joined)  # fmt: skip
    unknown = served.verdict("portal-j4", "pr_j1", verdict="repeat", reason="near_repeat",
                             repeat_count=1, matter_state="open", open_case_id="XF-NOTSEENYET",
                             first_case_id="XF-NOTSEENYET")  # fmt: skip

    def by_code(case: str) -> dict[str, Any]:
        answer = served.client.get(f"/v1/cases/{case}", params={"query_code": served.code(case)})
        assert answer.status_code == 200
        shown: dict[str, Any] = answer.json()
        return shown

    # Another person's case: joined, not whose.
    assert by_code(joint)["open_case_id"] is None
    assert first not in str(by_code(joint))
    # The same petitioner's own earlier case.
    assert by_code(repeat)["open_case_id"] == first
    # An open case the view does not know: whose it is is not known, so none.
    assert by_code(unknown)["open_case_id"] is None


def test_wrong_codes_from_one_address_do_not_lock_the_owner_out_elsewhere(
    served: Served,
) -> None:
    case = served.verdict("portal-o1", "pr_o1")
    url = f"/v1/cases/{case}/progress"
    for n in range(11):
        wrong = served.client.get(url, headers={"X-Query-Code": f"AAAA-{n:04d}"},
                                  address="203.0.113.7")  # fmt: skip
        assert wrong.status_code == (404 if n < 10 else 429)
    # The address that failed is held, the right code too (a right guess is not told).
    held = served.client.get(url, headers={"X-Query-Code": served.code(case)},
                             address="203.0.113.7")  # fmt: skip
    assert held.status_code == 429
    assert held.headers["Retry-After"] == "3600"
    # The petitioner, elsewhere, still opens their case.
    own = served.client.get(url, headers={"X-Query-Code": served.code(case)},
                            address="198.51.100.20")  # fmt: skip
    assert own.status_code == 200


# --- the gateway's own times are shown at +08:00 like every other ----------------------------


def test_times_the_gateway_stamps_itself_are_shown_in_china_time(served: Served) -> None:
    case = served.verdict("portal-t1", "pr_t1")
    served.now[0] = RECEIVED + timedelta(days=2, minutes=7)  # the gateway's clock: UTC
    assert served.agency(case, HOUSING, kind="accepted").status_code == 202
    served.now[0] += timedelta(days=1)
    replied = served.agency(case, HOUSING, kind="replied", reason="已办理")
    assert replied.json()["occurred_at"] == "2026-11-13T10:07:00+08:00"
    served.now[0] += timedelta(days=1)
    rated = served.petitioner(case, "rating", {"rating": "dissatisfied"})
    assert rated.status_code == 202
    assert rated.json()["occurred_at"] == "2026-11-14T10:07:00+08:00"
    # The supervision the rating triggers, as escalation stamps it (the rating's time).
    served.escalate(case, "dissatisfied_rating", served.now[0])
    progress = served.petitioner(case, "progress").json()
    times = [step["at"] for step in progress["steps"]]
    assert times[-2:] == ["2026-11-14T10:07:00+08:00"] * 2  # rated, supervised
    assert not any(t.endswith("Z") for t in (*times, progress["received_at"]))
    status = served.client.get(f"/v1/cases/{case}", params={"query_code": served.code(case)})
    shown = status.json()
    assert shown["status_at"] == "2026-11-14T10:07:00+08:00"
    assert all(step["at"].endswith("+08:00") for step in shown["history"])
    # A close without a time of its own.
    other = served.verdict("portal-t2", "pr_t2")
    served.now[0] = RECEIVED + timedelta(days=2, minutes=7)
    assert served.agency(other, HOUSING, kind="accepted").status_code == 202
    served.now[0] += timedelta(days=1)
    assert served.agency(other, HOUSING, kind="replied", reason="已办理").status_code == 202
    served.now[0] += timedelta(days=1)
    closed = served.agency(other, HOUSING, kind="closed")
    assert (closed.status_code, closed.json()["occurred_at"]) == (202, "2026-11-14T10:07:00+08:00")
    shown = served.client.get(f"/v1/cases/{other}", params={"query_code": served.code(other)})
    assert shown.json()["status_at"] == "2026-11-14T10:07:00+08:00"
    agency = served.client.get(f"/v1/agency/cases/{other}", headers={"X-Agency-Key": KEYS[HOUSING]})
    assert agency.json()["updates"][-1]["at"] == "2026-11-14T10:07:00+08:00"
