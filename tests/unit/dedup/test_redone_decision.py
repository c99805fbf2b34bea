"""A case decided again (its batch redelivered, its effects already in the state) gets its
first verdict again: the same matter and figures, though later cases of the uncommitted
stretch merged its matter into another or made it collective (``KeptCase``)."""

from __future__ import annotations

from services.dedup.config import DedupConfig
from services.dedup.conflicts import KeptCase
from services.dedup.matcher import Matcher
from services.dedup.state import InMemoryMatchState
from tests.unit.dedup.test_matcher import CONTENT, NEIGHBOURS, facts

_FIGURES = (
    "matter_id", "first_case_id", "open_case_id", "matter_status", "matter_petitions",
    "matter_petitioners", "collective", "verdict", "reason", "repeat_count",
)  # fmt: skip


def _figures(decision: object) -> tuple[object, ...]:
    return tuple(getattr(decision, name) for name in _FIGURES)


def test_a_case_redone_after_its_matter_was_merged_away_names_its_first_matter() -> None:
    matcher = Matcher(InMemoryMatchState(), DedupConfig())
    basement = "阳光小区3号楼地下室长期积水，水深已超过30厘米，夏天蚊虫滋生气味难闻。"
    reworded = "阳光小区物业不管，楼下的水一直排不出去，已经泡了两个月，楼道里全是臭味。"
    a = facts(basement, "pr_a", title="地下室积水")
    b = facts(reworded, "pr_b", title="地下室积水问题", days=1)
    first_a = matcher.match(a)
    kept_a = KeptCase.read(KeptCase.of("sha-a", first_a).to_json())
    first_b = matcher.match(b)
    kept_b = KeptCase.read(KeptCase.of("sha-b", first_b).to_json())
    both = matcher.match(facts(basement + reworded, "pr_c", title="地下室积水", days=2))
    assert both.merged  # one of the two first matters was merged into the other
    assert kept_a is not None
    assert kept_b is not None
    # The state as it is now names the kept matter for the merged-away case ...
    replays = {a.case_id: matcher.match(a), b.case_id: matcher.match(b)}
    moved = [c for c, first in ((a, first_a), (b, first_b))
             if replays[c.case_id].matter_id != first.matter_id]  # fmt: skip
    assert len(moved) == 1
    # ... and the redone verdicts say what the first ones said.
    assert _figures(kept_a.first_again(replays[a.case_id])) == _figures(first_a)
    assert _figures(kept_b.first_again(replays[b.case_id])) == _figures(first_b)


def test_a_case_redone_after_its_matter_turned_collective_is_not_collective() -> None:
    matcher = Matcher(InMemoryMatchState(), DedupConfig())
    original = facts(CONTENT)
    first = matcher.match(original)
    kept = KeptCase.read(KeptCase.of("sha", first).to_json())
    for i, text in enumerate(NEIGHBOURS):
        matcher.match(facts(text, f"pr_neighbour_{i}", days=i + 1))
    replay = matcher.match(original)
    assert replay.collective
    assert not first.collective
    assert kept is not None
    assert _figures(kept.first_again(replay)) == _figures(first)


def test_a_digest_kept_before_first_decisions_were_is_read_and_replays_as_before() -> None:
    matcher = Matcher(InMemoryMatchState(), DedupConfig())
    original = facts(CONTENT)
    matcher.match(original)
    old = KeptCase.read("ab" * 32)  # the table's value before: the digest alone
    assert old is not None
    assert old.digest == "ab" * 32
    assert old.first is None
    replay = matcher.match(original)
    assert old.first_again(replay) == replay
    assert KeptCase.read(None) is None
