"""A matter's record stays bounded however many people write: a mass campaign cannot make
dedup's state unwritable (issue 14), and its decisions stay right."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import timedelta

import pytest
from faust.serializers import codecs

from schemas.cases import Verdict
from services.dedup.config import DedupConfig
from services.dedup.matcher import Matcher
from services.dedup.operations import merge_matters, sweep_expired
from services.dedup.records import (
    MATTER_MAX_BYTES,
    MatterRecord,
    MatterStatus,
    newest_case_ids,
)
from services.dedup.state import InMemoryMatchState
from services.dedup.tally import PetitionerTally
from tests.unit.dedup.test_matcher import CONTENT, T0, facts

#: The topic's record limit (the producer's max.request.size and the broker's default).
RECORD_LIMIT = 1_000_000


def ref(n: int, kind: str = "p") -> str:
    """A petitioner_ref of 64 hex characters (intake's have 35: these fill the names'
    budget sooner, and the tests' campaigns can be smaller)."""
    return hashlib.sha256(f"{kind}{n}".encode()).hexdigest()


def stored_bytes(matter: MatterRecord) -> int:
    """The matter's value as the service's table writes it (Faust's JSON codec)."""
    return len(codecs.dumps("json", matter.to_json()))


def test_the_proven_bound_is_well_below_the_record_limit() -> None:
    assert MATTER_MAX_BYTES < RECORD_LIMIT / 3


def test_a_mass_campaign_of_50000_people_and_100000_cases_stays_under_the_bound() -> None:
    # 50,000 people write once, then 10,000 of the earliest (let go long since) write
    # again, and 40,000 further petitions come from newcomers: 100,000 live cases.
    matter = MatterRecord(
        matter_id="MT-XF-000000000000", region_code="610302",
        first_case_id="XF-000000000000", first_received_at=0, open_case_id="XF-000000000000",
        status=MatterStatus.HANDLING, handling_due=0, case_ids=(),
    )  # fmt: skip
    writers = [ref(n) for n in range(50_000)]
    writers += [ref(n) for n in range(10_000)]
    writers += [ref(n, "late") for n in range(40_000)]
    repeats_told = 0
    largest = 0
    # 20 at a time (a few seconds, not a minute): each step as 20 petitions of one
    # person each, recorded together.
    for step in range(0, len(writers), 20):
        batch = writers[step : step + 20]
        repeats_told += sum(matter.petitioners.earlier(writer) > 0 for writer in batch)
        new_cases = tuple(f"XF-{number:012d}" for number in range(step, step + 20))
        matter = replace(
            matter,
            case_ids=newest_case_ids((*matter.case_ids, *new_cases)),
            petitioners=matter.petitioners.with_petition(batch),
            petitions=matter.petitions + 20,
            live_cases=matter.live_cases + 20,
        )
        if step % 5_000 == 0:
            largest = max(largest, stored_bytes(matter))
            # What the table gives back is the same matter.
            assert MatterRecord.from_json(matter.matter_id, matter.to_json()) == matter
    largest = max(largest, stored_bytes(matter))
    assert largest <= MATTER_MAX_BYTES
    assert (matter.petitions, matter.live_cases) == (100_000, 100_000)
    # Every returning petitioner is told a repeat; a newcomer is only by a false positive
    # of the filter of the let-go (its rate, measured here, is what the notes state).
    wrongly_repeats = repeats_told - 10_000
    assert 0 <= wrongly_repeats <= 0.002 * 90_000
    assert matter.petitioners.people == 90_000 - wrongly_repeats
    assert matter.petitioners.people >= DedupConfig().collective_min_petitioners
    # Named: the newest cases, and as many as fit of those who wrote twice, with their
    # counts (the one-time writers go first).
    assert matter.case_ids[-1] == "XF-000000099999"
    assert set(matter.petitioners.named.values()) == {2}
    assert len(matter.petitioners.named) > 800


def test_a_legacy_record_naming_every_petitioner_is_read_within_the_bound() -> None:
    # Written before the bound: 20,000 names and 60,000 case ids, 3.7 MB.
    legacy = {
        "region": "610302", "first": "XF-1", "first_at": 0, "open": "XF-1",
        "status": "handling", "due": 0,
        "cases": [f"XF-{n:012d}" for n in range(60_000)],
        "petitioners": {ref(n): 1 + (n % 7 == 0) for n in range(20_000)},
        "petitions": 22_858,
    }  # fmt: skip
    matter = MatterRecord.from_json("MT-XF-1", legacy)
    assert stored_bytes(matter) <= MATTER_MAX_BYTES
    assert (matter.petitioners.people, matter.live_cases) == (20_000, 60_000)
    # Those with two petitions stay named, the most recent first (as many as fit), and
    # everyone is still known to the matter.
    assert set(matter.petitioners.named.values()) == {2}
    assert matter.petitioners.earlier(ref(19_999)) == 2
    assert all(matter.petitioners.earlier(ref(n)) >= 1 for n in range(20_000))


def test_a_ref_that_is_not_plain_is_named_by_its_hash_and_counted_alike() -> None:
    hostile = '"\\' + "界" * 5_000
    tallied = PetitionerTally.of([hostile]).with_petition([hostile])
    assert tallied.earlier(hostile) == 2
    assert tallied.people == 1
    assert max(map(len, tallied.named)) <= 128


def test_a_ref_named_by_its_hash_is_found_again_in_the_matter_read_back() -> None:
    # Read back from the table (a matter's value), a hash stays the hash: hashed again,
    # the petitioner's next letter would count as a newcomer's.
    hostile = "张三"
    tallied = PetitionerTally.of([hostile, "pr_a"])
    for _ in range(3):
        tallied = PetitionerTally.from_json(tallied.to_json())
        assert (tallied.earlier(hostile), tallied.earlier("pr_a")) == (1, 1)
    assert tallied.with_petition([hostile]).people == 2


@pytest.fixture
def campaign() -> tuple[Matcher, InMemoryMatchState, list[str]]:
    # Through the matcher and the state's JSON map: the same letter from 1,200 residents,
    # more than a matter names (the names' budget holds ~870 of these refs).
    state = InMemoryMatchState()
    matcher = Matcher(state, DedupConfig())
    residents = [ref(n) for n in range(1_200)]
    for day, resident in enumerate(residents):
        matcher.match(facts(CONTENT, resident, days=day / 100))
    return matcher, state, residents


def test_the_matcher_keeps_a_campaign_one_bounded_matter_with_right_figures(
    campaign: tuple[Matcher, InMemoryMatchState, list[str]],
) -> None:
    matcher, state, residents = campaign
    # The first resident, long let go from the names, writes again: still a repeat.
    again = matcher.match(facts(CONTENT, residents[0], days=13))
    assert again.verdict is Verdict.REPEAT
    assert again.repeat_count == 1
    newcomer = matcher.match(facts(CONTENT, ref(0, "new"), days=13))
    assert newcomer.verdict is Verdict.JOINT
    assert (newcomer.matter_petitioners, newcomer.matter_petitions) == (1_201, 1_202)
    assert newcomer.collective
    value = state.matters.get(again.matter_id)
    assert value is not None
    matter = MatterRecord.from_json(again.matter_id, value)
    assert matter.petitioners.let_go
    assert len(matter.petitioners.named) < 1_000
    assert stored_bytes(matter) <= MATTER_MAX_BYTES


def test_a_matter_that_names_only_some_of_its_cases_is_not_merged_away(
    campaign: tuple[Matcher, InMemoryMatchState, list[str]],
) -> None:
    matcher, state, _ = campaign
    lamps = "城南路的路灯坏了三个月，晚上出行很不安全，请尽快修复。"
    other = matcher.match(facts(lamps, "pr_x", title="城南路路灯不亮", region="610303"))
    assert other.verdict is Verdict.NEW
    big = matcher.match(facts(CONTENT, "pr_y", days=13)).matter_id
    # The campaign's ids are short here: its record names all 1,201 of its cases. Say it
    # had 3,000 more, as a longer campaign's record would.
    value = state.matters.get(big)
    assert value is not None
    matter = MatterRecord.from_json(big, value)
    state.matters.set(big, replace(matter, live_cases=matter.live_cases + 3_000).to_json())
    with pytest.raises(ValueError, match="merge it the other way round"):
        merge_matters(state, other.matter_id, big)
    merged = merge_matters(state, big, other.matter_id)
    assert merged.matter.live_cases == 1_202 + 3_000
    assert merged.matter.petitioners.people == 1_202


def test_a_matter_is_swept_only_with_its_last_case_named_or_not(
    campaign: tuple[Matcher, InMemoryMatchState, list[str]],
) -> None:
    _, state, _ = campaign
    matter_id = next(key for key, _ in state.matters.items())
    config = DedupConfig(horizon_days=30)
    # Day 40: the cases of the first 10 days (1,000 of 1,200, most of them unnamed) go.
    sweep_expired(state, T0 + timedelta(days=40), config)
    value = state.matters.get(matter_id)
    assert value is not None
    assert MatterRecord.from_json(matter_id, value).live_cases == 200
    sweep_expired(state, T0 + timedelta(days=60), config)
    assert state.matters.get(matter_id) is None
