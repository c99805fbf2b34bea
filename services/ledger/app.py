"""The ledger service: cases.deduplicated + cases.updates + cases.escalated + matters.changes
-> ledger.snapshots (compacted) and hotspots.detected. Wiring only: the steps are in ``engine``.

Four steps in one service; each of the three with a table writes it only in the events of
its own topic's partitions (the change step has none):

* the change step reads dedup's applied merges and splits on ``matters.changes`` (keyed by
  matter) and sends each moved case on the internal ``matter-moves`` (keyed by case), so
  that the case step meets it beside the case's other events;
* the case step reads the three case topics and ``matter-moves`` (keyed by case id,
  co-partitioned) into ``cases`` and sends row changes and group sightings on two internal
  topics;
* the row step reads ``row-changes`` (keyed by row) into ``rows`` (a head and bounded
  parts per row, ``rows.py``) and publishes snapshots;
* the group step reads ``group-sightings`` (keyed by group) into ``groups`` and publishes
  hotspots.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Final, TypeVar

from schemas.base import Contract
from schemas.cases import CaseDeduplicated, CaseEscalated, CaseUpdate
from schemas.keys import CaseKey
from schemas.ledger import HotspotKey, LedgerKey
from schemas.matters import ChangeOutcome, MatterChanged
from schemas.petitions import RejectReason, Stage
from schemas.registry import (
    CASES_DEDUPLICATED,
    CASES_ESCALATED,
    CASES_UPDATES,
    HOTSPOTS_DETECTED,
    LEDGER_SNAPSHOTS,
    MATTERS_CHANGES,
)
from services.common import regions
from services.common.dlq import Rejected
from services.common.handler import NOTHING, Effects, Incoming, Output, parse_value
from services.common.service import Service, build_service
from services.common.topics import internal_topic
from services.ledger.engine import (
    GroupState,
    case_event,
    group_step,
    group_text,
    row_text,
)
from services.ledger.ledger import (
    MAX_ID_CHARS,
    CaseEntry,
    ConflictingEventError,
    IdTooLongError,
    checked_ids,
    checked_verdict,
    with_escalation,
    with_event,
    with_move,
    with_update,
)
from services.ledger.messages import GroupingKey, GroupSighting, MatterMove, RowChange
from services.ledger.rows import LinkId, RowHead, RowPart, apply_change, part_key, snapshot_of
from services.ledger.settings import LedgerSettings

#: Changes and sightings are consumed within seconds; a week covers any outage.
INTERNAL_RETENTION_MS: Final = 7 * 24 * 3600 * 1000
ROW_CHANGES: Final = internal_topic(
    Stage.LEDGER, "row-changes", GroupingKey, RowChange, "changes of ledger rows, by row",
    retention_ms=INTERNAL_RETENTION_MS,
)  # fmt: skip
GROUP_SIGHTINGS: Final = internal_topic(
    Stage.LEDGER, "group-sightings", GroupingKey, GroupSighting,
    "petitions of hotspot groups, by group", retention_ms=INTERNAL_RETENTION_MS,
)  # fmt: skip
#: Each case an applied merge or split moved, keyed by case: co-partitioned with the case
#: topics (same partitions, same keys), so the case step folds it into the case's entry.
MATTER_MOVES: Final = internal_topic(
    Stage.LEDGER, "matter-moves", CaseKey, MatterMove,
    "cases moved to another matter by a merge or split (matters.changes), by case",
    retention_ms=INTERNAL_RETENTION_MS,
)  # fmt: skip
M = TypeVar("M", bound=Contract)


def moves_of(change: MatterChanged) -> list[MatterMove]:
    """The cases an applied change moved, each to ``change.matter_id`` (the kept matter of
    a merge, the new one of a split); none for a refused change. Rejected (too_large)
    when the matter id is longer than the ledger keeps; a moved case id longer than that
    is no case of the ledger's (it refuses such cases) and is passed over."""
    if change.outcome is not ChangeOutcome.APPLIED:
        return []
    if not change.matter_id:
        raise Rejected(
            RejectReason.SCHEMA_VIOLATION,
            f"change {change.command_id[:MAX_ID_CHARS]!r} was applied and names no matter_id "
            "its cases moved to",
        )
    if len(change.matter_id) > MAX_ID_CHARS:
        raise Rejected(
            RejectReason.TOO_LARGE,
            f"change {change.command_id[:MAX_ID_CHARS]!r}: a matter id of "
            f"{len(change.matter_id)} characters, the ledger keeps at most {MAX_ID_CHARS}",
        )
    return [
        MatterMove(
            case_id=case_id,
            matter_id=change.matter_id,
            applied_at=change.applied_at,
            command_id=change.command_id[:128],
        )
        for case_id in dict.fromkeys(change.moved_case_ids)
        if 0 < len(case_id) <= MAX_ID_CHARS
    ]


def rollup(code: str) -> tuple[str, ...]:
    """County, city, province (the region table's parent chain)."""
    return tuple(region.code for region in regions.parent_chain(code))


def city_of(code: str) -> str:
    """The city a county's places are named within (the province without a city)."""
    return regions.city_of(code) or regions.province_of(code)


def _load(table: object, key: str, model: type[M]) -> M | None:
    raw = table.get(key)  # type: ignore[attr-defined]
    return None if raw is None else model.model_validate_json(raw)


@dataclass
class PendingRow:
    """A row as the batch in hand has changed it, not yet written (``flush_rows``)."""

    head: RowHead | None
    #: Links of parts' chains read or written in this batch (None: not stored yet).
    parts: dict[LinkId, RowPart | None] = field(default_factory=dict)
    #: The links a change of this batch wrote.
    changed: set[LinkId] = field(default_factory=set)


def build(settings: LedgerSettings, clock: Callable[[], datetime] | None = None) -> Service:
    """The ledger service; creates its internal topics on the broker."""
    rules = settings.hotspot_rules()
    casework = settings.casework()
    now: Callable[[], datetime] = clock or (lambda: datetime.now(UTC))
    service = build_service(Stage.LEDGER, settings)
    service.create_internal_topics(ROW_CHANGES, GROUP_SIGHTINGS, MATTER_MOVES)
    cases = service.table("cases", CASES_UPDATES.partitions, "case id -> entry", raw=True)
    rows = service.table(
        "rows", ROW_CHANGES.partitions, "row -> head, row#part -> part (ledger.rows)", raw=True
    )
    groups = service.table("groups", GROUP_SIGHTINGS.partitions, "group -> petitions", raw=True)
    m = service.metrics
    row_changes = m.counter("xinfang_ledger_row_changes_total")
    detected_total = m.counter("xinfang_hotspots_detected_total")
    updates_total = m.counter("xinfang_hotspot_updates_total")

    async def on_case(case_id: str, fold: Callable[[CaseEntry | None], CaseEntry]) -> Effects:
        before = _load(cases, case_id, CaseEntry)
        try:
            folded = checked_ids(fold(before))
        except ConflictingEventError as exc:
            raise Rejected(RejectReason.CONFLICTING_DUPLICATE, str(exc)) from None
        except IdTooLongError as exc:
            raise Rejected(RejectReason.TOO_LARGE, str(exc)) from None
        after, moves, sightings = case_event(before, folded, rollup, city_of, casework)
        outputs = [
            Output(
                ROW_CHANGES,
                GroupingKey(key=row_text(move)).to_json_bytes(),
                move.to_json_bytes(),
            )
            for move in moves
        ]
        outputs += [
            Output(
                GROUP_SIGHTINGS,
                GroupingKey(key=group_text(seen)).to_json_bytes(),
                seen.to_json_bytes(),
            )
            for seen in sightings
        ]
        if before == after:
            return NOTHING

        def remember() -> None:
            cases[case_id] = after.to_json_bytes()

        return Effects(outputs, remember)

    async def on_verdict(message: Incoming) -> Effects:
        verdict = parse_value(CaseDeduplicated, message)
        return await on_case(verdict.case_id, lambda e: checked_verdict(e, verdict, casework))

    async def on_update(message: Incoming) -> Effects:
        update = parse_value(CaseUpdate, message)
        content = update.content_sha256()

        def fold(entry: CaseEntry | None) -> CaseEntry:
            noted = with_event(entry or CaseEntry(case_id=update.case_id), update.update_id,
                               content)  # fmt: skip
            return with_update(noted, update)

        return await on_case(update.case_id, fold)

    async def on_matter_change(message: Incoming) -> Effects:
        moves = moves_of(parse_value(MatterChanged, message))
        return Effects([
            Output(MATTER_MOVES, CaseKey(case_id=move.case_id).to_json_bytes(),
                   move.to_json_bytes())
            for move in moves
        ])  # fmt: skip

    async def on_move(message: Incoming) -> Effects:
        move = parse_value(MatterMove, message)
        return await on_case(
            move.case_id, lambda e: with_move(e, move.case_id, move.matter_id, move.applied_at)
        )

    async def on_escalation(message: Incoming) -> Effects:
        escalation = parse_value(CaseEscalated, message)
        content = escalation.content_digest()

        def fold(entry: CaseEntry | None) -> CaseEntry:
            noted = with_event(entry or CaseEntry(case_id=escalation.case_id),
                               escalation.escalation_id, content)  # fmt: skip
            return with_escalation(noted, escalation)

        return await on_case(escalation.case_id, fold)

    # The rows a batch changed, by input partition: read from the table once, changed in
    # memory by each of the batch's messages, and written and published once at the end
    # of the batch (flush_rows). A case event changes about 18 rows and a head can be
    # tens of KB, so writing and publishing each row per message cost most of the service.
    # Restart safety is as per message: each record carries the offset of the last message
    # applied to it, and nothing of the batch is written before it is all handled.
    pending: dict[int, dict[str, PendingRow]] = defaultdict(dict)

    async def on_row_change(message: Incoming) -> Effects:
        change = parse_value(RowChange, message)
        key = row_text(change)
        rows_of_partition = pending[message.partition]
        row = rows_of_partition.get(key) or PendingRow(_load(rows, key, RowHead))

        def load_part(number: int, link: int) -> RowPart | None:
            if (number, link) not in row.parts:
                row.parts[(number, link)] = _load(rows, part_key(key, number, link), RowPart)
            return row.parts[(number, link)]

        written = apply_change(row.head, load_part, change, message.offset)
        if written is None:
            row_changes.labels(outcome="already_applied").inc()
            return NOTHING

        def remember() -> None:
            row.head = written.head
            row.parts.update(written.parts)
            row.changed |= written.parts.keys()
            rows_of_partition[key] = row
            row_changes.labels(outcome="applied").inc()

        return Effects((), remember)

    def flush_rows(partition: int) -> Effects:
        changed = pending.pop(partition, {})
        at = now()
        outputs = []
        for row in changed.values():
            head = row.head
            assert head is not None  # only a row a change was applied to is pending
            level = regions.default_table().require(head.region_code).level
            ledger_key = LedgerKey(
                region_code=head.region_code, field=head.field, period=head.period_label
            )
            snapshot = snapshot_of(head, level, at)
            outputs.append(
                Output(LEDGER_SNAPSHOTS, ledger_key.to_json_bytes(), snapshot.to_json_bytes())
            )

        def remember() -> None:
            for key, row in changed.items():
                for number, link in sorted(row.changed):
                    part = row.parts[(number, link)]
                    assert part is not None
                    rows[part_key(key, number, link)] = part.to_json_bytes()
                assert row.head is not None
                rows[key] = row.head.to_json_bytes()

        return Effects(outputs, remember)

    async def on_sighting(message: Incoming) -> Effects:
        seen = parse_value(GroupSighting, message)
        key = group_text(seen)
        observed_key = f"__observed_from__/{message.partition}"
        stored_from = groups.get(observed_key)
        at = seen.sighting.received_at
        observed_from = min(at, datetime.fromisoformat(stored_from.decode())) if stored_from else at
        if settings.hotspot_history_from is not None:
            observed_from = min(observed_from, settings.hotspot_history_from)
        state = _load(groups, key, GroupState)
        if seen.withdrawn and state is None:
            return NOTHING  # a group never seen has nothing to withdraw: no record for it
        place = regions.default_table().require(seen.region_code).name
        updated, hotspot = group_step(state, seen, rules, observed_from, place, now())
        if updated == state and stored_from is not None:
            return NOTHING
        outputs = []
        if hotspot is not None:
            hotspot_key = HotspotKey(hotspot_id=hotspot.hotspot_id).to_json_bytes()
            outputs.append(Output(HOTSPOTS_DETECTED, hotspot_key, hotspot.to_json_bytes()))
        first_time = hotspot is not None and (
            state is None or state.hotspot_id != hotspot.hotspot_id
        )

        def remember() -> None:
            groups[key] = updated.to_json_bytes()
            groups[observed_key] = observed_from.isoformat().encode()
            if hotspot is not None:
                counter = detected_total if first_time else updates_total
                counter.labels(kind=hotspot.kind.value).inc()

        return Effects(outputs, remember)

    service.consume(CASES_DEDUPLICATED, on_verdict)
    service.consume(CASES_UPDATES, on_update)
    service.consume(CASES_ESCALATED, on_escalation)
    service.consume(MATTERS_CHANGES, on_matter_change)
    service.consume(MATTER_MOVES, on_move)
    service.consume(ROW_CHANGES, on_row_change, flush=flush_rows)
    service.consume(GROUP_SIGHTINGS, on_sighting)
    return service
