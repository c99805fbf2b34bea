"""What changes the matcher's state besides new cases: status updates, expiry, operators.

Each function takes the state and its inputs, applies one change and returns what it
changed, so the caller (agent or CLI) can publish it. Times are event times.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Final

from schemas.cases import UpdateKind
from services.dedup.config import DedupConfig
from services.dedup.decision import matter_id_for
from services.dedup.records import CaseRecord, MatterRecord, MatterStatus, newest_case_ids
from services.dedup.state import MatchState
from services.dedup.tally import PetitionerTally

_DAY: Final = 86_400
#: Art. 34: 60 days from acceptance to the written opinion.
_HANDLING_DAYS: Final = 60
#: Art. 35/36: a review or re-review opinion is due 30 days after the request.
_REVIEW_DAYS: Final = 30


class UnknownCaseError(KeyError):
    """The case is not in the dedup state (never seen, or expired)."""


class UnknownMatterError(KeyError):
    """The matter is not in the dedup state (never seen, merged away, or expired)."""


def _case(state: MatchState, case_id: str) -> CaseRecord:
    raw = state.cases.get(case_id)
    if raw is None:
        raise UnknownCaseError(case_id)
    return CaseRecord.decode(case_id, raw)


def _matter(state: MatchState, matter_id: str) -> MatterRecord:
    value = state.matters.get(matter_id)
    if value is None:
        raise UnknownMatterError(matter_id)
    return MatterRecord.from_json(matter_id, value)


def apply_update(
    state: MatchState,
    case_id: str,
    kind: UpdateKind,
    occurred_at: datetime,
    extension_days: int | None = None,
) -> MatterRecord | None:
    """Move the status of the case's matter after an agency's update; the new matter.

    Only updates on the matter's open case count (an update on an older, linked case
    says nothing about the current handling). Returns None when nothing changed.
    """
    record = _case(state, case_id)
    matter = _matter(state, record.matter_id)
    if matter.open_case_id != case_id:
        return None
    at = int(occurred_at.timestamp())
    changed: MatterRecord
    match kind:
        case UpdateKind.ACCEPTED:
            changed = replace(
                matter, status=MatterStatus.HANDLING, handling_due=at + _HANDLING_DAYS * _DAY
            )
        case UpdateKind.EXTENDED:
            # Art. 34: at most 30 more days, approved and explained to the petitioner.
            changed = replace(
                matter, handling_due=matter.handling_due + (extension_days or 30) * _DAY
            )
        case UpdateKind.REVIEW_REQUESTED | UpdateKind.RE_REVIEW_REQUESTED:
            changed = replace(
                matter, status=MatterStatus.HANDLING, handling_due=at + _REVIEW_DAYS * _DAY
            )
        case (
            UpdateKind.REPLIED
            | UpdateKind.CLOSED
            | UpdateKind.REVIEW_DECIDED
            | UpdateKind.NOT_ACCEPTED
        ):
            changed = replace(matter, status=MatterStatus.CLOSED)
        case UpdateKind.RE_REVIEW_DECIDED | UpdateKind.TERMINATED:
            # Art. 36: after re-review the same facts are not accepted again.
            changed = replace(matter, status=MatterStatus.TERMINATED)
        case _:
            return None
    state.matters.set(matter.matter_id, changed.to_json())
    return changed


@dataclass(frozen=True, slots=True)
class MergeResult:
    """Two matters made one: the surviving matter and the cases that moved into it."""

    matter: MatterRecord
    moved_case_ids: tuple[str, ...]


def merge_matters(state: MatchState, keep_id: str, absorb_id: str) -> MergeResult:
    """Merge matter ``absorb_id`` into ``keep_id`` (an operator found them to be one).

    The merged matter's first case is the earlier of the two; its open case stays the
    kept matter's, unless only the absorbed one is still being handled. Later cases
    matching either side's cases join the merged matter.
    """
    if keep_id == absorb_id:
        raise ValueError("a matter cannot be merged into itself")
    keep, absorb = _matter(state, keep_id), _matter(state, absorb_id)
    if not absorb.names_every_case:
        # Its unnamed cases could not be moved, and would point at a matter gone.
        raise ValueError(
            f"{absorb_id} has {absorb.live_cases} live cases, more than its record names "
            f"({len(absorb.case_ids)}): merge it the other way round, {absorb_id} keeping"
        )
    for case_id in absorb.case_ids:
        raw = state.cases.get(case_id)
        if raw is not None:
            moved = replace(CaseRecord.decode(case_id, raw), matter_id=keep_id)
            state.cases.set(case_id, moved.encode())
    first = min(keep, absorb, key=lambda m: m.first_received_at)
    handling = (
        absorb
        if keep.status is not MatterStatus.HANDLING and absorb.status is MatterStatus.HANDLING
        else keep
    )
    merged = replace(
        keep,
        first_case_id=first.first_case_id,
        first_received_at=first.first_received_at,
        open_case_id=handling.open_case_id,
        status=handling.status,
        handling_due=handling.handling_due,
        case_ids=newest_case_ids(_by_receipt(state, (*keep.case_ids, *absorb.case_ids))),
        petitioners=keep.petitioners.merged(absorb.petitioners),
        petitions=keep.petitions + absorb.petitions,
        live_cases=keep.live_cases + absorb.live_cases,
    )
    state.matters.set(keep_id, merged.to_json())
    state.matters.delete(absorb_id)
    return MergeResult(matter=merged, moved_case_ids=absorb.case_ids)


def _by_receipt(state: MatchState, case_ids: Iterable[str]) -> tuple[str, ...]:
    received = {}
    for case_id in case_ids:
        raw = state.cases.get(case_id)
        if raw is not None:
            received[case_id] = CaseRecord.decode(case_id, raw).received_at
    return tuple(sorted(received, key=lambda c: (received[c], c)))


@dataclass(frozen=True, slots=True)
class SplitResult:
    """A wrongly linked case taken out of its matter into a matter of its own."""

    old_matter: MatterRecord
    new_matter: MatterRecord


def split_case(state: MatchState, case_id: str, config: DedupConfig) -> SplitResult:
    """Take ``case_id`` out of its matter into a new matter (an operator found it wrong).

    The old matter loses the case's petitions; its first and open case move to its
    earliest remaining case where they were this one (its earliest named one, once the
    matter no longer names every case). The new matter's id is
    deterministic, derived from the case and the old matter's size.
    """
    record = _case(state, case_id)
    old = _matter(state, record.matter_id)
    remaining = tuple(c for c in old.case_ids if c != case_id)
    if not remaining or old.live_cases <= 1:
        raise ValueError(f"{case_id} is the only case of {old.matter_id}: nothing to split")
    earliest = _case(state, remaining[0])
    first_moves = old.first_case_id == case_id
    shrunk = replace(
        old,
        first_case_id=earliest.case_id if first_moves else old.first_case_id,
        first_received_at=earliest.received_at if first_moves else old.first_received_at,
        open_case_id=earliest.case_id if old.open_case_id == case_id else old.open_case_id,
        case_ids=remaining,
        petitioners=old.petitioners.without_petition(record.petitioner_refs),
        petitions=max(old.petitions - 1, old.live_cases - 1),
        live_cases=old.live_cases - 1,
    )
    new = MatterRecord(
        matter_id=f"{matter_id_for(case_id)}-S{old.petitions}",
        region_code=record.region_code,
        first_case_id=case_id,
        first_received_at=record.received_at,
        open_case_id=case_id,
        status=MatterStatus.HANDLING,
        handling_due=record.received_at + config.handling_limit_days * _DAY,
        case_ids=(case_id,),
        petitioners=PetitionerTally.of(record.petitioner_refs),
        petitions=1,
        live_cases=1,
    )
    state.cases.set(case_id, replace(record, matter_id=new.matter_id).encode())
    state.matters.set(old.matter_id, shrunk.to_json())
    state.matters.set(new.matter_id, new.to_json())
    return SplitResult(old_matter=shrunk, new_matter=new)


def sweep_expired(
    state: MatchState, now: datetime, config: DedupConfig, max_cases: int = 20_000
) -> list[str]:
    """Drop cases received before the horizon; the ids dropped.

    At most ``max_cases`` per call (the oldest recorded first), so that a periodic timer
    never blocks the agent for long. A matter goes when its last case goes.
    """
    horizon = int((now - timedelta(days=config.horizon_days)).timestamp())
    expired = []
    for sequence, case_id in state.index.received_before(horizon, max_cases):
        raw = state.cases.get(case_id)
        if raw is None:
            state.index.discard(sequence)
            continue
        record = CaseRecord.decode(case_id, raw)
        state.index.remove(record)
        _expire_case(state, record)
        expired.append(case_id)
    return expired


def _expire_case(state: MatchState, record: CaseRecord) -> None:
    state.cases.delete(record.case_id)
    value = state.matters.get(record.matter_id)
    if value is not None:
        matter = MatterRecord.from_json(record.matter_id, value)
        remaining = tuple(c for c in matter.case_ids if c != record.case_id)
        if matter.live_cases > 1:
            shrunk = replace(matter, case_ids=remaining, live_cases=matter.live_cases - 1)
            state.matters.set(matter.matter_id, shrunk.to_json())
        else:
            state.matters.delete(matter.matter_id)
