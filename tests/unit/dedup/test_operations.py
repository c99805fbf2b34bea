"""Horizon expiry, status updates, and the operators' merge and split."""

from __future__ import annotations

from datetime import timedelta

import pytest

from schemas.cases import UpdateKind, Verdict
from services.dedup.config import DedupConfig
from services.dedup.matcher import Matcher
from services.dedup.operations import (
    UnknownMatterError,
    apply_update,
    merge_matters,
    split_case,
    sweep_expired,
)
from services.dedup.records import MatterRecord, MatterStatus
from services.dedup.state import InMemoryMatchState
from tests.unit.dedup.test_matcher import CONTENT, T0, TITLE, facts

CONFIG = DedupConfig(horizon_days=365)
ELEVATOR = (
    "翠湖花园8号楼电梯经常出现故障，上个月有居民被困电梯20分钟，物业只是简单维修，"
    "楼里老人多上下楼非常困难，请求市场监管部门检查电梯安全。"
)


@pytest.fixture
def state() -> InMemoryMatchState:
    return InMemoryMatchState()


def matter(state: InMemoryMatchState, matter_id: str) -> MatterRecord:
    value = state.matters.get(matter_id)
    assert value is not None
    return MatterRecord.from_json(matter_id, value)


def test_a_matter_older_than_the_horizon_is_not_matched(state: InMemoryMatchState) -> None:
    matcher = Matcher(state, CONFIG)
    original = matcher.match(facts(CONTENT))
    late = matcher.match(facts(CONTENT, days=366))
    assert late.verdict is Verdict.NEW
    assert late.matter_id != original.matter_id


def test_a_matter_stays_matchable_while_it_has_recent_cases(state: InMemoryMatchState) -> None:
    matcher = Matcher(state, CONFIG)
    original = matcher.match(facts(CONTENT))
    matcher.match(facts(CONTENT, days=300))
    late = matcher.match(facts(CONTENT, days=500))
    assert late.matter_id == original.matter_id
    assert late.first_case_id == original.case_id


def test_the_sweep_drops_expired_cases_and_their_matters(state: InMemoryMatchState) -> None:
    matcher = Matcher(state, CONFIG)
    old = matcher.match(facts(CONTENT))
    recent = matcher.match(facts(ELEVATOR, "pr_bob", title="翠湖花园电梯故障", days=200))
    expired = sweep_expired(state, T0 + timedelta(days=400), CONFIG)
    assert expired == [old.case_id]
    assert state.cases.get(old.case_id) is None
    assert state.matters.get(old.matter_id) is None
    assert len(state.index) == 1
    assert state.cases.get(recent.case_id) is not None
    assert sweep_expired(state, T0 + timedelta(days=400), CONFIG) == []


def test_a_sweep_drops_at_most_max_cases_the_oldest_first(state: InMemoryMatchState) -> None:
    matcher = Matcher(state, CONFIG)
    decisions = [
        matcher.match(facts(f"{CONTENT}第{n}次反映。", f"pr_{n}", days=n)) for n in range(5)
    ]
    now = T0 + timedelta(days=400)
    assert sweep_expired(state, now, CONFIG, max_cases=2) == [d.case_id for d in decisions[:2]]
    assert sweep_expired(state, now, CONFIG, max_cases=2) == [d.case_id for d in decisions[2:4]]
    assert len(state.index) == 1


def test_a_terminated_matter_is_not_accepted_again(state: InMemoryMatchState) -> None:
    matcher = Matcher(state, CONFIG)
    original = matcher.match(facts(CONTENT))
    apply_update(state, original.case_id, UpdateKind.TERMINATED, T0 + timedelta(days=90))
    repeat = matcher.match(facts(CONTENT, days=120))
    assert repeat.verdict is Verdict.REPEAT
    assert repeat.matter_status is MatterStatus.TERMINATED
    assert repeat.open_case_id is None
    assert not repeat.accept_anew


def test_after_a_reply_a_repeat_opens_a_new_round(state: InMemoryMatchState) -> None:
    matcher = Matcher(state, CONFIG)
    original = matcher.match(facts(CONTENT))
    apply_update(state, original.case_id, UpdateKind.REPLIED, T0 + timedelta(days=40))
    repeat = matcher.match(facts(CONTENT, days=50))
    assert repeat.matter_status is MatterStatus.CLOSED
    assert repeat.accept_anew
    assert repeat.open_case_id == repeat.case_id
    third = matcher.match(facts(CONTENT, days=60))
    assert third.matter_status is MatterStatus.HANDLING
    assert third.open_case_id == repeat.case_id


def test_an_extension_keeps_the_matter_within_its_time_limit(state: InMemoryMatchState) -> None:
    matcher = Matcher(state, CONFIG)
    original = matcher.match(facts(CONTENT))
    apply_update(state, original.case_id, UpdateKind.ACCEPTED, T0 + timedelta(days=10))
    apply_update(state, original.case_id, UpdateKind.EXTENDED, T0 + timedelta(days=60), 30)
    repeat = matcher.match(facts(CONTENT, days=95))
    assert repeat.matter_status is MatterStatus.HANDLING


def test_merge_makes_two_matters_one(state: InMemoryMatchState) -> None:
    matcher = Matcher(state, CONFIG)
    a = matcher.match(facts(CONTENT, "pr_alice", days=5))
    b = matcher.match(facts(ELEVATOR, "pr_bob", title="翠湖花园电梯故障"))
    result = merge_matters(state, a.matter_id, b.matter_id)
    assert result.moved_case_ids == (b.case_id,)
    merged = matter(state, a.matter_id)
    assert merged.case_ids == (b.case_id, a.case_id)
    assert merged.first_case_id == b.case_id
    assert merged.petitioners.named == {"pr_alice": 1, "pr_bob": 1}
    assert state.matters.get(b.matter_id) is None
    later = matcher.match(facts(ELEVATOR, "pr_bob", title="翠湖花园电梯故障", days=9))
    assert later.matter_id == a.matter_id
    assert later.verdict is Verdict.REPEAT
    with pytest.raises(UnknownMatterError):
        merge_matters(state, a.matter_id, b.matter_id)


def test_split_takes_a_wrongly_linked_case_out(state: InMemoryMatchState) -> None:
    matcher = Matcher(state, CONFIG)
    first = matcher.match(facts(CONTENT))
    wrong = matcher.match(facts(CONTENT, "pr_bob", days=1))
    assert wrong.matter_id == first.matter_id
    result = split_case(state, wrong.case_id, CONFIG)
    assert result.old_matter.case_ids == (first.case_id,)
    assert result.old_matter.petitioners.named == {"pr_alice": 1}
    assert result.new_matter.case_ids == (wrong.case_id,)
    assert result.new_matter.first_case_id == wrong.case_id
    # The split case's next petition joins the split-off matter as a repeat.
    again = matcher.match(facts(CONTENT, "pr_bob", title=TITLE, days=2))
    assert again.verdict is Verdict.REPEAT
    assert again.matter_id in (result.new_matter.matter_id, first.matter_id)
    with pytest.raises(ValueError, match="only case"):
        split_case(state, first.case_id, CONFIG)
