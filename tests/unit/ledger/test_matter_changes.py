"""The ledger follows dedup's merges and splits (matters.changes) through its service steps.

The steps are run as the service runs them, message by message: an applied change is
fanned out to its moved cases (``moves_of``), each folded into its case's entry
(``with_move``) by the case step (``case_event``), whose row changes go to the rows
(``apply_change``) and whose sightings go to the hotspot groups (``group_step``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from schemas.cases import AgencyLevel, CaseDeduplicated
from schemas.ledger import HotspotDetected, LedgerSnapshot
from schemas.matters import MatterChanged
from schemas.petitions import RejectReason
from services.common.dlq import Rejected
from services.common.handler import Incoming, parse_value
from services.ledger.app import city_of, moves_of
from services.ledger.engine import GroupState, case_event, group_step, group_text, matter_moves
from services.ledger.hotspots import GroupKey, GroupKind, HotspotRules
from services.ledger.ledger import (
    MAX_ID_CHARS,
    CaseEntry,
    Ledger,
    checked_ids,
    checked_verdict,
    with_move,
)
from services.ledger.messages import GroupSighting, MatterMove
from services.ledger.periods import BEIJING, parse_period
from services.ledger.rows import snapshot_of
from tests.unit.ledger.test_engine import RowTable
from tests.unit.ledger.test_ledger import WEIBIN, rollup, verdict

WEEK = "610300/all/2026-W47"
T0 = datetime(2026, 11, 16, 9, tzinfo=BEIJING)
NOW = datetime(2026, 11, 21, 12, tzinfo=BEIJING)
RULES = HotspotRules(window_days=7, baseline_days=28)
#: Matter A's two letters and matter B's one, in one week, from three people.
LETTERS = (("a1", "MT-A", "pr_a"), ("a2", "MT-A", "pr_b"), ("b1", "MT-B", "pr_c"))


def letter(case_id: str, matter: str, ref: str, hours: int) -> CaseDeduplicated:
    at = (T0 + timedelta(hours=hours)).isoformat()
    return verdict(case_id, at, ref=ref, matter=matter, kind="new")


VERDICTS = tuple(letter(c, m, r, 5 * n) for n, (c, m, r) in enumerate(LETTERS))


def change(
    matter: str, moved: list[str], at: datetime, *, kind: str = "merge",
    outcome: str = "applied", **extra: Any,
) -> MatterChanged:  # fmt: skip
    return MatterChanged.model_validate({
        "command_id": f"op-{matter}-{at.isoformat()}", "kind": kind, "outcome": outcome,
        "region_code": WEIBIN, "matter_id": matter, "moved_case_ids": moved,
        "operator": "caseworker-17", "reason": "one problem", "applied_at": at.isoformat(),
        **extra,
    })  # fmt: skip


def merge(keep: str, absorb: str, moved: list[str], at: datetime) -> MatterChanged:
    return change(keep, moved, at, absorbed_matter_id=absorb)


class Steps:
    """The ledger's tables (cases, rows, groups) and the hotspots it published."""

    def __init__(self) -> None:
        self.cases: dict[str, CaseEntry] = {}
        self.rows = RowTable()
        self.groups: dict[str, GroupState] = {}
        self.hotspots: list[HotspotDetected] = []

    def _case(self, case_id: str, fold: Callable[[CaseEntry | None], CaseEntry]) -> None:
        before = self.cases.get(case_id)
        after, moves, sightings = case_event(
            before, checked_ids(fold(before)), rollup, city_of
        )
        self.cases[case_id] = after
        for move in moves:
            self.rows.apply(move)
        for seen in sightings:
            self.sighting(seen)

    def sighting(self, seen: GroupSighting) -> None:
        key = group_text(seen)
        observed_from = T0 - timedelta(days=60)
        state, hotspot = group_step(self.groups.get(key), seen, RULES, observed_from, "渭滨区", NOW)
        self.groups[key] = state
        if hotspot is not None:
            self.hotspots.append(hotspot)

    def verdict(self, event: CaseDeduplicated) -> None:
        self._case(event.case_id, lambda e: checked_verdict(e, event))

    def change(self, event: MatterChanged) -> None:
        for move in moves_of(event):
            self.move(move)

    def move(self, move: MatterMove) -> None:
        self._case(move.case_id, lambda e: with_move(e, move.case_id, move.matter_id,
                                                     move.applied_at))  # fmt: skip

    def week(self) -> LedgerSnapshot:
        head = self.rows.head(WEEK)
        assert head is not None
        return snapshot_of(head, AgencyLevel.CITY, NOW)

    def held(self, matter: str) -> list[str]:
        """The case ids the matter's hotspot group holds."""
        state = self.groups.get(GroupKey(GroupKind.MATTER, WEIBIN, matter).text())
        return sorted(s.case_id for s in state.sightings) if state else []

    def figures(self) -> dict[str, object]:
        """The week's row and the matter groups, as the ledger publishes and keeps them."""
        week = self.week().model_dump(exclude={"updated_at"})
        matters = {m: self.held(m) for m in ("MT-A", "MT-B", "MT-C")}
        return {"row": week, "groups": matters, "hotspot_cases": self.hotspot_cases()}

    def hotspot_cases(self) -> dict[str, list[str]]:
        return {h.group: sorted(h.case_ids) for h in self.hotspots if h.kind.value == "matter"}


def key_matters(snapshot: LedgerSnapshot) -> list[tuple[str, int, int]]:
    return [(m.matter_id, m.petitions, m.petitioners) for m in snapshot.key_matters_by_petitioners]


def test_a_merge_after_the_verdicts_makes_one_matter_of_the_row_and_its_hotspot() -> None:
    steps = Steps()
    for event in VERDICTS:
        steps.verdict(event)
    assert steps.week().matters == 2
    assert steps.hotspots == []  # two letters and one: no matter has three
    steps.change(merge("MT-B", "MT-A", ["a1", "a2"], NOW))
    week = steps.week()
    assert (week.petitions, week.matters, week.petitioners) == (3, 1, 3)
    assert key_matters(week) == [("MT-B", 3, 3)]
    assert (steps.held("MT-A"), steps.held("MT-B")) == ([], ["a1", "a2", "b1"])
    # The merged matter's three letters from three people in a week are a matter hotspot.
    assert steps.hotspot_cases() == {"MT-B": ["a1", "a2", "b1"]}


def test_a_merge_before_the_verdicts_counts_them_in_the_kept_matter_alike() -> None:
    after = Steps()
    for event in VERDICTS:
        after.verdict(event)
    after.change(merge("MT-B", "MT-A", ["a1", "a2"], NOW))
    before = Steps()
    before.change(merge("MT-B", "MT-A", ["a1", "a2"], NOW))
    assert before.rows.stored == {}  # no verdict yet: no row
    for event in VERDICTS:
        before.verdict(event)
    assert key_matters(before.week()) == [("MT-B", 3, 3)]
    assert before.figures() == after.figures()


@pytest.mark.parametrize("order", ["in order", "the later first"])
def test_merges_chain_whichever_arrives_first(order: str) -> None:
    # A into B, then B (with A's cases) into C: the later change wins for a case in both.
    first = merge("MT-B", "MT-A", ["a1", "a2"], NOW)
    second = merge("MT-C", "MT-B", ["a1", "a2", "b1"], NOW + timedelta(minutes=5))
    steps = Steps()
    for event in VERDICTS:
        steps.verdict(event)
    for merged in (first, second) if order == "in order" else (second, first):
        steps.change(merged)
    week = steps.week()
    assert (week.matters, key_matters(week)) == (1, [("MT-C", 3, 3)])
    assert [steps.held(m) for m in ("MT-A", "MT-B", "MT-C")] == [[], [], ["a1", "a2", "b1"]]
    assert {c: e.moved_to for c, e in steps.cases.items()} == dict.fromkeys(
        ("a1", "a2", "b1"), "MT-C"
    )


def test_a_split_moves_the_case_to_its_new_matter() -> None:
    steps = Steps()
    for event in VERDICTS:
        steps.verdict(event)
    steps.verdict(letter("a3", "MT-A", "pr_d", 20))
    assert key_matters(steps.week()) == [("MT-A", 3, 3), ("MT-B", 1, 1)]
    # What dedup's split_case tells: the case, its new matter and the one it left.
    steps.change(
        change("MT-a3-S3", ["a3"], NOW, kind="split", previous_matter_id="MT-A")
    )
    week = steps.week()
    assert (week.petitions, week.matters) == (4, 3)
    assert key_matters(week) == [("MT-A", 2, 2), ("MT-B", 1, 1), ("MT-a3-S3", 1, 1)]
    assert (steps.held("MT-A"), steps.held("MT-a3-S3")) == (["a1", "a2"], ["a3"])


def test_a_change_or_a_verdict_delivered_twice_counts_once() -> None:
    steps = Steps()
    for event in VERDICTS:
        steps.verdict(event)
    merged = merge("MT-B", "MT-A", ["a1", "a2"], NOW)
    steps.change(merged)
    once = steps.figures()
    revisions = {c: e.revision for c, e in steps.cases.items()}
    steps.change(merged)
    for event in VERDICTS:
        steps.verdict(event)
    # The case step's moves sent again (its batch redelivered) are applied once too.
    for move in moves_of(merged):
        steps.move(move)
    assert steps.figures() == once
    assert {c: e.revision for c, e in steps.cases.items()} == revisions
    # A moved case leaves its old group and joins the new one once: the case step's
    # sightings sent again (its batch redelivered) change nothing.
    entry = steps.cases["a1"]
    unmoved = entry.model_copy(update={"moved_to": None, "moved_at": None})
    again = matter_moves(unmoved, entry, city_of(WEIBIN))
    assert [(seen.name, seen.withdrawn) for seen in again] == [("MT-A", True), ("MT-B", None)]
    assert b"withdrawn" not in again[1].to_json_bytes()  # a joining sighting reads as before
    for seen in again:
        steps.sighting(seen)
    assert steps.figures() == once


def test_a_refused_change_changes_nothing() -> None:
    steps = Steps()
    for event in VERDICTS:
        steps.verdict(event)
    before = steps.figures()
    # What dedup says of a merge it refused (the matter it named, no case moved); one that
    # named cases all the same would move none either.
    refused = change(
        "MT-B", ["a1", "a2"], NOW, outcome="refused", detail="MT-A: unknown matter",
        absorbed_matter_id="MT-A",
    )  # fmt: skip
    assert moves_of(refused) == []
    steps.change(refused)
    assert steps.figures() == before
    assert all(e.moved_to is None for e in steps.cases.values())


def _incoming(value: bytes) -> Incoming:
    return Incoming(topic="matters.changes", partition=0, offset=0, key=None, value=value)


@pytest.mark.parametrize(
    ("value", "reason", "words"),
    [
        (b"\xff not json", RejectReason.SCHEMA_VIOLATION, "Invalid JSON"),
        (b'{"command_id": "op-1", "kind": "merge"}', RejectReason.SCHEMA_VIOLATION, "outcome"),
        (change("M" * (MAX_ID_CHARS + 1), ["a1"], NOW).to_json_bytes(),
         RejectReason.TOO_LARGE, f"the ledger keeps at most {MAX_ID_CHARS}"),
        (change("", ["a1"], NOW).to_json_bytes(), RejectReason.SCHEMA_VIOLATION,
         "names no matter_id"),
    ],
)  # fmt: skip
def test_a_change_the_ledger_cannot_follow_is_rejected_with_its_reason(
    value: bytes, reason: RejectReason, words: str
) -> None:
    with pytest.raises(Rejected) as rejected:
        moves_of(parse_value(MatterChanged, _incoming(value)))
    assert rejected.value.reason is reason
    assert words in rejected.value.detail


def test_a_moved_case_id_no_ledger_case_can_have_is_passed_over() -> None:
    moves = moves_of(merge("MT-B", "MT-A", ["a1", "x" * (MAX_ID_CHARS + 1), "a1"], NOW))
    assert [(m.case_id, m.matter_id) for m in moves] == [("a1", "MT-B")]


def test_an_entry_stored_before_titles_takes_its_verdict_again() -> None:
    event = VERDICTS[0]
    legacy = checked_verdict(None, event).model_copy(update={"title": None})
    assert checked_verdict(legacy, event).title == event.case.title


def test_the_in_memory_ledger_follows_a_merge() -> None:
    ledger = Ledger(rollup)
    ledger.move("a1", "MT-B", NOW)
    for event in VERDICTS:
        ledger.verdict(event)
    ledger.move("a2", "MT-B", NOW)
    row = ledger.row("610300", "all", parse_period("2026-W47"))
    assert list(row.matters) == ["MT-B"]
    assert row.matters["MT-B"].petitions == 3
