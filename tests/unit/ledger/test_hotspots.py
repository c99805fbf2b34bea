"""Hotspot detection: a planted surge is found with its evidence, an even stream is not."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from pydantic import ValidationError

from services.ledger.engine import GroupState, group_step
from services.ledger.hotspots import (
    GroupKind,
    HotspotRules,
    Sighting,
    TermIndex,
    described,
    heat_index,
    scan,
    title_coherence,
)
from services.ledger.messages import GroupSighting
from services.ledger.periods import BEIJING
from services.ledger.places import title_places

START = datetime(2026, 1, 1, 9, tzinfo=BEIJING)
RULES = HotspotRules(window_days=14, baseline_days=56)


def sighting(n: int, at: datetime, title: str, *, person: str | None = None,
             matter: str | None = None, escalated: bool = False) -> Sighting:  # fmt: skip
    return Sighting(
        case_id=f"XF-{n:04d}",
        received_at=at,
        region_code="610302",
        city_code="610300",
        field="environment",
        matter_id=matter or f"MT-{n:04d}",
        petitioner_refs=(person or f"pr_{n}",),
        title=title,
        places=title_places(title),
        escalated=escalated,
    )


def even_stream(days: int) -> list[Sighting]:
    """Three letters a day about the noise of one market, every day, by different people."""
    return [
        sighting(day * 3 + k, START + timedelta(days=day, hours=k), "投诉清姜市场夜间噪音扰民")
        for day in range(days)
        for k in range(3)
    ]


def test_an_even_stream_however_large_is_no_hotspot() -> None:
    assert scan(even_stream(120), RULES) == []


def test_a_planted_surge_is_found_with_its_time_range_place_members_and_baseline() -> None:
    background = even_stream(120)
    surge_start = START + timedelta(days=100)
    planted = [
        sighting(
            9000 + k,
            surge_start + timedelta(hours=7 * k),
            f"渭滨区阳光小区{k % 3 + 1}号楼地下室污水倒灌发臭",
            person=f"pr_resident_{k % 8}",
            escalated=k == 0,
        )
        for k in range(12)
    ]
    hotspots = scan([*background, *planted], RULES)
    assert len(hotspots) == 1
    (found,) = hotspots
    assert (found.group.kind, found.group.name) == (GroupKind.PLACE, "阳光小区")
    assert {s.case_id for s in found.members} == {s.case_id for s in planted}
    assert (found.first_at, found.last_at) == (planted[0].received_at, planted[-1].received_at)
    assert (found.petitioners, found.escalated, found.baseline_petitions) == (8, 1, 0)
    terms = TermIndex()
    for s in [*background, *planted]:
        terms.add(s.title)
    text = described(found, terms, lambda code: "宝鸡市").description
    assert text.startswith("宝鸡市阳光小区: ")
    assert "污水倒灌发臭" in text
    assert "(12 petitions, 8 people)" in text


def test_a_place_rising_well_above_its_own_baseline_is_a_hotspot_a_small_rise_is_not() -> None:
    # One letter a week for 20 weeks, then 3 more in one week (growth ~2.3: not enough)
    # or 8 more (growth ~4: a surge).
    steady = [
        sighting(n, START + timedelta(weeks=n), "清姜路口红绿灯故障", person=f"pr_{n}")
        for n in range(20)
    ]

    def burst(count: int) -> list[Sighting]:
        return [
            sighting(100 + k, START + timedelta(weeks=20, hours=k), "清姜路口红绿灯故障")
            for k in range(count)
        ]

    assert scan([*steady, *burst(3)], RULES) == []
    (found,) = scan([*steady, *burst(8)], RULES)
    assert found.baseline_petitions == 8
    assert len(found.members) == 9  # the steady letter of the week before belongs to it too


def test_one_person_writing_many_times_is_a_repeat_not_a_hotspot() -> None:
    letters = [
        sighting(k, START + timedelta(hours=k), "阳光小区物业乱收费", person="pr_one")
        for k in range(10)
    ]
    rules = HotspotRules(window_days=14, baseline_days=56, min_petitioners=2)
    assert scan(letters, rules) == []


def test_heat_grows_with_people_growth_and_escalations_and_fades_with_age() -> None:
    week = timedelta(days=7)
    base = heat_index(10, 12, 0, 4.0, 0.5, timedelta(0), week)
    assert heat_index(12, 12, 0, 4.0, 0.5, timedelta(0), week) > base
    assert heat_index(10, 12, 2, 4.0, 0.5, timedelta(0), week) > base
    assert heat_index(10, 12, 0, 8.0, 0.5, timedelta(0), week) > base
    assert heat_index(10, 12, 0, 4.0, 0.5, week, week) == pytest.approx(base / 2, abs=0.1)
    # Letters that share only a place name weigh half as much as letters about one problem.
    assert heat_index(10, 12, 0, 4.0, 0.0, timedelta(0), week) == pytest.approx(base / 2, 0.01)


def test_coherence_tells_one_problem_from_letters_that_only_share_a_place() -> None:
    one_problem = [
        "阳光小区地下车库污水倒灌",
        "阳光小区3号楼地下车库污水倒灌发臭",
        "阳光小区车库倒灌污水",
    ]
    only_the_place = ["阳光小区门口红绿灯故障", "咨询阳光小区学区划分", "阳光小区物业费上涨"]
    assert title_coherence(one_problem, "阳光小区") > 0.3
    assert title_coherence(only_the_place, "阳光小区") < 0.1


def test_rules_are_checked_for_meaning() -> None:
    with pytest.raises(ValidationError, match="min_petitioners cannot exceed min_petitions"):
        HotspotRules(min_petitions=3, min_petitioners=5)


def test_the_service_step_counts_a_petition_that_arrives_after_a_later_one() -> None:
    # Petitions of one group come from different case partitions, out of order.
    rules = HotspotRules(window_days=7, baseline_days=28)
    letters = [
        sighting(k, START + timedelta(days=40, hours=3 * k), "阳光小区地下车库污水倒灌")
        for k in range(5)
    ]
    state: GroupState | None = None
    found = None
    for letter in (letters[4], *letters[:4]):
        seen = GroupSighting(kind=GroupKind.PLACE, region_code="610300", name="阳光小区",
                             sighting=letter)  # fmt: skip
        state, detected = group_step(state, seen, rules, START, "宝鸡市", START)
        found = detected or found
    assert found is not None
    assert sorted(found.case_ids) == [s.case_id for s in letters]
    # The same petition again (a redelivery) detects nothing and changes nothing.
    again, detected = group_step(state, seen, rules, START, "宝鸡市", START)
    assert (again, detected) == (state, None)
