"""Ledger arithmetic against hand-counted cases: rollups, +08:00 boundaries, late updates."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from schemas.cases import CaseDeduplicated, CaseEscalated, CaseUpdate
from schemas.examples import DEDUPLICATED, ESCALATED
from schemas.ledger import PeriodKind
from services.common import regions
from services.ledger.ledger import (
    ALL_FIELDS,
    MAX_ID_CHARS,
    Casework,
    Count,
    IdTooLongError,
    Ledger,
    checked_ids,
    checked_verdict,
    key_matters,
    shipped_casework,
    tally_of,
    with_escalation,
    with_verdict,
)
from services.ledger.periods import BEIJING, BadPeriodError, parse_period, period_of

WEIBIN, JINTAI, BAOJI, SHAANXI = "610302", "610303", "610300", "610000"
HOUSING, LABOUR = "housing.title_certificate", "labour_social_security"


def rollup(code: str) -> tuple[str, ...]:
    return tuple(region.code for region in regions.parent_chain(code))


def verdict(
    case_id: str,
    received_at: str,
    *,
    region: str = WEIBIN,
    field: str = HOUSING,
    ref: str = "pr_a",
    co_refs: tuple[str, ...] = (),
    matter: str | None = None,
    kind: str = "new",
    collective: bool = False,
    open_case: str | None = None,
    matter_state: str = "open",
) -> CaseDeduplicated:
    example: dict[str, Any] = dict(DEDUPLICATED[0].value or {})
    case = dict(example["case"])
    case.update(
        case_id=case_id, submission_id=f"s-{case_id}", received_at=received_at,
        region_code=region, field=field, petitioner_ref=ref, co_petitioner_refs=list(co_refs),
    )  # fmt: skip
    # A repeat joins the open case it names (Art. 19); by default it names none (its
    # matter's earlier case is answered), so it is a case of its own.
    example.update(
        case_id=case_id, case=case, verdict=kind, matter_id=matter or f"MT-{case_id}",
        collective=collective, open_case_id=open_case, first_case_id=open_case or case_id,
        matter_state=matter_state,
    )  # fmt: skip
    return CaseDeduplicated.model_validate(example)


def update(case_id: str, kind: str, at: str, **extra: Any) -> CaseUpdate:
    return CaseUpdate(
        update_id=f"{case_id}-{kind}-{at}", case_id=case_id, kind=kind,
        occurred_at=datetime.fromisoformat(at), agency_code="610302-housing", **extra,
    )  # fmt: skip


def escalation(case_id: str, reason: str, owner: str | None = None) -> CaseEscalated:
    example = dict(ESCALATED[0].value or {})
    example.update(case_id=case_id, reason=reason, target_agency=owner)
    return CaseEscalated.model_validate({k: v for k, v in example.items() if v is not None})


def figures(ledger: Ledger, region: str, field: str, label: str) -> dict[str, int]:
    row = ledger.row(region, field, parse_period(label))
    result = {count.value: row.count(count) for count in Count if row.count(count)}
    result["petitioners"] = len(row.petitioners)
    result["matters"] = len(row.matters)
    return result


def test_a_county_rolls_up_to_its_city_and_province_with_distinct_people_and_matters() -> None:
    ledger = Ledger(rollup)
    # Weibin: one person twice on one matter, a second person joining it; Jintai: a third.
    ledger.verdict(verdict("c1", "2026-11-02T09:00:00+08:00", ref="pr_a", matter="m1"))
    ledger.verdict(
        verdict("c2", "2026-11-03T09:00:00+08:00", ref="pr_a", matter="m1", kind="repeat")
    )
    ledger.verdict(
        verdict("c3", "2026-11-04T09:00:00+08:00", ref="pr_b", matter="m1", kind="joint")
    )
    ledger.verdict(
        verdict("c4", "2026-11-04T10:00:00+08:00", region=JINTAI, ref="pr_a", field=LABOUR)
    )
    weibin = figures(ledger, WEIBIN, HOUSING, "2026-11")
    assert weibin == {
        "petitions": 3, "new": 1, "repeat": 1, "joint": 1, "backlog": 3, "not_rated": 3,
        "petitioners": 2, "matters": 1,
    }  # fmt: skip
    assert figures(ledger, JINTAI, HOUSING, "2026-11") == {"petitioners": 0, "matters": 0}
    for region in (BAOJI, SHAANXI):
        assert figures(ledger, region, HOUSING, "2026-11")["petitions"] == 3
        everything = figures(ledger, region, ALL_FIELDS, "2026-11")
        # pr_a wrote in both counties: one petitioner of the city, not two.
        assert (everything["petitions"], everything["petitioners"], everything["matters"]) == (
            4, 2, 2,
        )  # fmt: skip


def test_periods_begin_at_midnight_in_beijing_not_utc() -> None:
    ledger = Ledger(rollup)
    # 2026-11-30T16:30Z is 00:30 on December 1st in Beijing; a Sunday 23:59 +08:00 ends a week.
    ledger.verdict(verdict("late", "2026-11-30T16:30:00+00:00"))
    ledger.verdict(verdict("sunday", "2026-11-29T23:59:59+08:00"))
    assert figures(ledger, WEIBIN, HOUSING, "2026-12")["petitions"] == 1
    assert figures(ledger, WEIBIN, HOUSING, "2026-12-01")["petitions"] == 1
    assert figures(ledger, WEIBIN, HOUSING, "2026-11")["petitions"] == 1
    assert figures(ledger, WEIBIN, HOUSING, "2026-W48")["petitions"] == 1  # Nov 23-29
    assert figures(ledger, WEIBIN, HOUSING, "2026-W49")["petitions"] == 1  # Nov 30 - Dec 6


def test_a_late_update_changes_last_weeks_ledger_and_a_redelivery_changes_nothing() -> None:
    ledger = Ledger(rollup)
    ledger.verdict(verdict("c1", "2026-11-16T10:00:00+08:00", collective=True))
    ledger.verdict(verdict("c2", "2026-11-17T10:00:00+08:00", ref="pr_b"))
    week = "2026-W47"
    assert figures(ledger, WEIBIN, HOUSING, week)["backlog"] == 2
    # Accepted on day 15 (within the limit) and on day 20 (late); then replies and ratings
    # come the week after.
    ledger.update(update("c1", "accepted", "2026-12-01T09:00:00+08:00"))
    ledger.update(update("c2", "accepted", "2026-12-07T09:00:00+08:00"))
    replied = update("c1", "replied", "2026-12-03T09:00:00+08:00")
    ledger.update(replied)
    ledger.update(update("c1", "rated", "2026-12-04T09:00:00+08:00", rating="dissatisfied"))
    ledger.update(update("c1", "rated", "2026-12-05T09:00:00+08:00", rating="satisfied"))
    ledger.escalation(escalation("c2", "deadline_breach"))
    ledger.escalation(escalation("c2", "leadership_package", owner="610300-mayor"))
    before = ledger.rows[f"{WEIBIN}/{HOUSING}/{week}"]
    assert ledger.update(replied) == []  # the same reply again: nothing to change
    assert ledger.rows[f"{WEIBIN}/{HOUSING}/{week}"] == before
    assert figures(ledger, BAOJI, ALL_FIELDS, week) == {
        "petitions": 2, "new": 2, "collective": 1, "accepted": 2, "accepted_within_limit": 1,
        "overdue": 1, "replied": 1, "backlog": 1, "leadership_package": 1, "satisfied": 1,
        "not_rated": 1, "petitioners": 2, "matters": 2,
    }  # fmt: skip
    assert before.packages == {"c2": "610300-mayor"}
    # The replies' own week has no cases: a ledger counts cases by when they were received.
    assert "petitions" not in figures(ledger, WEIBIN, HOUSING, "2026-W49")


def test_an_update_before_its_verdict_is_counted_once_the_verdict_arrives() -> None:
    ledger = Ledger(rollup)
    assert ledger.update(update("c1", "replied", "2026-11-20T09:00:00+08:00")) == []
    assert ledger.update(update("c1", "accepted", "2026-11-19T09:00:00+08:00")) == []
    ledger.verdict(verdict("c1", "2026-11-18T10:00:00+08:00"))
    assert figures(ledger, WEIBIN, HOUSING, "2026-11-18")["replied"] == 1
    assert "backlog" not in figures(ledger, WEIBIN, HOUSING, "2026-11-18")


def test_a_redecided_verdict_moves_the_case_between_rows() -> None:
    ledger = Ledger(rollup)
    ledger.verdict(verdict("c1", "2026-11-18T10:00:00+08:00", field=HOUSING))
    ledger.verdict(verdict("c1", "2026-11-18T10:00:00+08:00", field=LABOUR, kind="repeat"))
    assert figures(ledger, WEIBIN, HOUSING, "2026-11") == {"petitioners": 0, "matters": 0}
    assert figures(ledger, WEIBIN, LABOUR, "2026-11")["repeat"] == 1
    assert figures(ledger, WEIBIN, ALL_FIELDS, "2026-11")["petitions"] == 1


@pytest.mark.parametrize(
    ("label", "kind", "start"),
    [
        ("2026-12-04", PeriodKind.DAY, datetime(2026, 12, 4, tzinfo=BEIJING)),
        ("2026-W01", PeriodKind.WEEK, datetime(2025, 12, 29, tzinfo=BEIJING)),
        ("2024-02", PeriodKind.MONTH, datetime(2024, 2, 1, tzinfo=BEIJING)),
    ],
)
def test_period_labels_name_their_bounds(label: str, kind: PeriodKind, start: datetime) -> None:
    period = parse_period(label)
    assert (period.kind, period.start) == (kind, start)
    assert period_of(kind, start + timedelta(seconds=1)) == period
    assert not period.contains(period.end)


@pytest.mark.parametrize("label", ["2026-13", "2026-W54", "2026-02-30", "last week", ""])
def test_a_bad_period_is_refused_with_the_accepted_forms(label: str) -> None:
    with pytest.raises(BadPeriodError, match="period"):
        parse_period(label)


def test_key_matters_list_the_open_matters_by_people_by_repeats_and_by_age() -> None:
    ledger = Ledger(rollup)
    at = "2026-11-{:02d}T10:00:00+08:00".format
    # m1: three people, opened on the 2nd; m2: one person three times, opened on the 3rd;
    # m3: the oldest (the 1st) but replied, so no longer open; m4: one case on the 5th.
    ledger.verdict(verdict("a1", at(2), ref="pr_a", matter="m1"))
    ledger.verdict(verdict("a2", at(4), ref="pr_b", matter="m1", kind="joint"))
    ledger.verdict(verdict("a3", at(6), ref="pr_c", matter="m1", kind="joint"))
    ledger.verdict(verdict("b1", at(3), ref="pr_d", matter="m2"))
    ledger.verdict(verdict("b2", at(7), ref="pr_d", matter="m2", kind="repeat"))
    ledger.verdict(verdict("b3", at(8), ref="pr_d", matter="m2", kind="repeat"))
    ledger.verdict(verdict("c1", at(1), ref="pr_e", matter="m3"))
    ledger.verdict(verdict("d1", at(5), ref="pr_f", matter="m4"))
    ledger.update(update("c1", "accepted", at(8)))
    ledger.update(update("c1", "replied", at(9)))
    ledger.update(update("a1", "accepted", at(8)))
    ledger.update(update("a1", "replied", at(9)))
    ledger.update(update("a1", "closed", at(10)))
    lists = key_matters(ledger.row(WEIBIN, ALL_FIELDS, parse_period("2026-11")))
    by_people = [(m.matter_id, m.petitioners, m.open_cases) for m in lists["by_petitioners"]]
    assert by_people == [("m1", 3, 2), ("m2", 1, 3), ("m4", 1, 1)]
    assert [(m.matter_id, m.repeats) for m in lists["by_repeats"]][:2] == [("m2", 2), ("m1", 0)]
    # m1's oldest open case is now the one of the 4th: a1 (the 2nd) was closed.
    assert [(m.matter_id, m.open_since.day) for m in lists["by_age"]] == [
        ("m2", 3), ("m1", 4), ("m4", 5),
    ]  # fmt: skip


def test_a_case_with_an_id_longer_than_a_row_keeps_is_refused_with_the_length() -> None:
    at = "2026-11-18T10:00:00+08:00"
    longest = "pr_" + "a" * (MAX_ID_CHARS - 3)
    kept = with_verdict(None, verdict("c1", at, co_refs=(longest,)))
    assert checked_ids(kept) == kept
    too_long = with_verdict(None, verdict("c1", at, co_refs=(longest + "a",)))
    with pytest.raises(IdTooLongError, match=f"{MAX_ID_CHARS + 1} characters"):
        checked_ids(too_long)
    owner = "x" * (MAX_ID_CHARS + 1)
    with pytest.raises(IdTooLongError):
        checked_ids(with_escalation(kept, escalation("c1", "leadership_package", owner)))


def test_accepted_within_limit_is_escalations_art_23_deadline_not_15_times_24_hours() -> None:
    ledger = Ledger(rollup)
    rsj = {"code": "610302-rsj", "name": "渭滨区人力资源和社会保障局", "level": "county",
           "region_code": "610302", "rule": "transferred_by:610302-housing"}  # fmt: skip
    # L8: received 1 December 18:00, accepted 16 December 20:00: the 15 days end at 00:00
    # on the 17th (escalation's deadline), not at 18:00 on the 16th.
    ledger.verdict(verdict("L8", "2026-12-01T18:00:00+08:00"))
    ledger.update(update("L8", "accepted", "2026-12-16T20:00:00+08:00"))
    # L9: received 2 December, transferred on the 10th: the new body's 15 days run from the
    # transfer (to 00:00 on the 26th); accepted on the 20th, in time.
    ledger.verdict(verdict("L9", "2026-12-02T10:00:00+08:00"))
    ledger.update(update("L9", "transferred", "2026-12-10T10:00:00+08:00", to_agency=rsj))
    ledger.update(update("L9", "accepted", "2026-12-20T10:00:00+08:00"))
    # R1: received Friday 4 December, its 15th day is Saturday the 19th: the limit rolls
    # over the weekend to the end of Monday the 21st; R2 accepted at that midnight is late.
    ledger.verdict(verdict("R1", "2026-12-04T09:00:00+08:00", ref="pr_r1"))
    ledger.update(update("R1", "accepted", "2026-12-21T23:00:00+08:00"))
    ledger.verdict(verdict("R2", "2026-12-04T09:00:00+08:00", ref="pr_r2"))
    ledger.update(update("R2", "accepted", "2026-12-22T00:00:00+08:00"))
    december = figures(ledger, WEIBIN, HOUSING, "2026-12")
    assert (december["accepted"], december["accepted_within_limit"]) == (4, 3)
    for case_id, in_time in (("L8", True), ("L9", True), ("R1", True), ("R2", False)):
        tally = tally_of(ledger.entries[case_id])
        assert tally is not None
        assert (Count.ACCEPTED_WITHIN_LIMIT in tally.counts) is in_time, case_id


def test_a_repeat_joined_to_an_open_case_is_no_backlog_of_its_own() -> None:
    ledger = Ledger(rollup)
    # L2 repeats matter m1 while L1 is open: joined to it, not accepted anew (Art. 19). The
    # agencies update L1 (the gateway refuses L2's updates: linked_to_open_case).
    ledger.verdict(verdict("L1", "2026-12-01T09:00:00+08:00", matter="m1"))
    ledger.verdict(
        verdict("L2", "2026-12-02T09:00:00+08:00", matter="m1", kind="repeat", open_case="L1")
    )
    ledger.update(update("L2", "accepted", "2026-12-03T09:00:00+08:00"))  # refused upstream
    row = ledger.row(WEIBIN, ALL_FIELDS, parse_period("2026-12"))
    assert (row.count(Count.PETITIONS), row.count(Count.REPEAT)) == (2, 1)
    assert (row.count(Count.BACKLOG), row.count(Count.ACCEPTED)) == (1, 0)
    [m1] = key_matters(row)["by_age"]
    assert (m1.matter_id, m1.petitions, m1.repeats, m1.open_cases) == ("m1", 2, 1, 1)
    # The case it joined is answered: nothing of the matter is owed any more.
    ledger.update(update("L1", "accepted", "2026-12-04T09:00:00+08:00"))
    ledger.update(update("L1", "replied", "2026-12-20T09:00:00+08:00"))
    row = ledger.row(WEIBIN, ALL_FIELDS, parse_period("2026-12"))
    assert (row.count(Count.BACKLOG), row.count(Count.REPLIED)) == (0, 1)
    assert key_matters(row) == {"by_petitioners": [], "by_repeats": [], "by_age": []}


def test_refused_cases_and_repeats_of_a_terminated_matter_are_no_backlog() -> None:
    ledger = Ledger(rollup)
    # L7 is refused (not accepted); L6 repeats a matter terminated after its re-review: not
    # accepted again, terminated from its receipt (Art. 36); L5 is handed back by a body
    # objecting to its competence: the petition bureau still owes it, so it stays open.
    ledger.verdict(verdict("L7", "2026-12-01T09:00:00+08:00", ref="pr_7"))
    refusal = update("L7", "not_accepted", "2026-12-05T10:00:00+08:00", reason="不属于信访事项")
    ledger.update(refusal)
    ledger.verdict(
        verdict("L6", "2026-12-02T09:00:00+08:00", ref="pr_6", kind="repeat",
                matter_state="terminated")
    )  # fmt: skip
    ledger.verdict(verdict("L5", "2026-12-03T09:00:00+08:00", ref="pr_5"))
    ledger.update(update("L5", "transferred", "2026-12-04T09:00:00+08:00"))
    ledger.update(
        update("L5", "not_accepted", "2026-12-05T09:00:00+08:00", reason="不属于本机关职权范围")
    )
    row = ledger.row(WEIBIN, ALL_FIELDS, parse_period("2026-12"))
    assert (row.count(Count.PETITIONS), row.count(Count.BACKLOG)) == (3, 1)
    assert [m.matter_id for m in key_matters(row)["by_age"]] == ["MT-L5"]


def test_a_review_requested_of_a_replied_case_is_owed_again_until_its_opinion() -> None:
    ledger = Ledger(rollup)
    ledger.verdict(verdict("c1", "2026-12-01T09:00:00+08:00"))
    for kind, day in (("accepted", 2), ("replied", 10), ("review_requested", 12)):
        ledger.update(update("c1", kind, f"2026-12-{day:02d}T09:00:00+08:00"))
    assert figures(ledger, WEIBIN, HOUSING, "2026-12")["backlog"] == 1
    ledger.update(update("c1", "review_decided", "2026-12-20T09:00:00+08:00"))
    assert "backlog" not in figures(ledger, WEIBIN, HOUSING, "2026-12")


def test_a_verdict_delivered_again_under_another_rule_file_is_no_conflict() -> None:
    law = shipped_casework()
    first = checked_verdict(None, verdict("c1", "2026-12-01T09:00:00+08:00"), law)
    # The operator now routes every case through the petition bureau: the facts the same
    # verdict gives differ, but it is the same verdict; the first facts stay.
    targets = law.rules.targets.model_copy(update={"bureau_routing_rules": ("field:",)})
    other = Casework(law.rules.model_copy(update={"targets": targets}), law.calendar)
    again = checked_verdict(first, verdict("c1", "2026-12-01T09:00:00+08:00"), other)
    assert first.facts is not None
    assert again == first
    assert first.facts.with_bureau is False


def test_an_entry_stored_before_the_ledger_kept_the_facts_counts_as_it_did_then() -> None:
    # No facts, no updates kept: its flags count (until the ledger is rebuilt).
    stored = with_verdict(None, verdict("c1", "2026-12-01T18:00:00+08:00")).model_copy(
        update={"facts": None, "accepted_at": datetime.fromisoformat("2026-12-16T20:00:00+08:00"),
                "replied": True}
    )  # fmt: skip
    tally = tally_of(stored)
    assert tally is not None
    assert Count.ACCEPTED in tally.counts
    assert Count.REPLIED in tally.counts
    assert Count.ACCEPTED_WITHIN_LIMIT not in tally.counts
    assert Count.BACKLOG not in tally.counts
