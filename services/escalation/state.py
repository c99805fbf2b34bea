"""What the escalation engine stores per case, and the storage it needs.

The service keeps ``CaseState`` in a Faust table keyed by case_id (one RocksDB per
partition, changelogged); tests and the replay use ``InMemoryCaseStore``. A state holds
only inputs and what was emitted: the verdict's facts, the accepted updates, the ids of
every output ever produced, and the outbox of outputs not yet acknowledged by the broker.
Clocks and deadlines are recomputed from it, so they never drift from the rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field

from schemas.cases import CaseEscalated, CaseUpdate
from schemas.deadlines import DeadlineWarning
from services.escalation.lifecycle import CaseFacts


class CaseState(BaseModel):
    """One case as the engine stores it. ``to_json``/``from_json`` give the table value."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    facts: CaseFacts
    updates: tuple[CaseUpdate, ...] = Field(
        default=(), description="accepted updates in event-time order (ties: arrival order)"
    )
    held: tuple[CaseUpdate, ...] = Field(
        default=(), description="updates waiting, within the reorder tolerance, for a predecessor"
    )
    emitted: tuple[str, ...] = Field(default=(), description="ids of every output produced")
    outbox: tuple[CaseEscalated | DeadlineWarning, ...] = Field(
        default=(), description="outputs produced but not yet acknowledged as sent"
    )
    next_fire_at: datetime | None = Field(
        default=None,
        description="the next timer or held update's release; None when nothing is pending",
    )

    def to_json(self) -> dict[str, Any]:
        """A JSON-serialisable value for a Faust table."""
        return self.model_dump(mode="json")

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> CaseState:
        """The state back from its table value."""
        return cls.model_validate(value)


class CaseStore(Protocol):
    """Case states by case_id. The service implements it over Faust tables.

    Calls come from one partition's agent and timer on one event loop; the engine never
    holds a state across an ``await``, so no locking is needed. ``due`` and
    ``with_outbox`` are scanned by the periodic timer: an index table of
    ``next_fire_at`` by case_id (or a full scan of the state table) both serve.
    """

    def get(self, case_id: str) -> CaseState | None:
        """The stored state, or None for a case never seen."""
        ...

    def put(self, state: CaseState) -> None:
        """Store ``state`` under ``state.facts.case_id``, replacing the previous one."""
        ...

    def due(self, until: datetime) -> Iterable[str]:
        """Ids of the cases whose ``next_fire_at`` is at or before ``until``."""
        ...

    def with_outbox(self) -> Iterable[str]:
        """Ids of the cases with outputs not yet acknowledged (for recovery at start-up)."""
        ...


class MatterIndex(Protocol):
    """Distinct petitioners per matter, for the collective petition rule.

    Needs every case of a matter in one place: a table keyed by matter_id, or the count
    carried on dedup's verdict (dedup already co-locates a matter's petitions).
    """

    def record_petitioners(
        self, matter_id: str, case_id: str, petitioner_refs: Sequence[str]
    ) -> tuple[str, ...]:
        """Record a case's petitioners; return, for each distinct petitioner of the
        matter in order of first appearance, the case that brought them. Idempotent:
        recording a case again changes nothing."""
        ...


class InMemoryCaseStore:
    """``CaseStore`` and ``MatterIndex`` in memory, holding the JSON form of each value.

    Holding JSON proves every value survives a changelog; ``snapshot`` and
    ``from_snapshot`` simulate a restart from the changelog.
    """

    def __init__(self) -> None:
        self._cases: dict[str, dict[str, Any]] = {}
        self._next_fire: dict[str, datetime] = {}
        self._outboxes: set[str] = set()
        self._matters: dict[str, dict[str, str]] = {}

    def get(self, case_id: str) -> CaseState | None:
        value = self._cases.get(case_id)
        return None if value is None else CaseState.from_json(value)

    def put(self, state: CaseState) -> None:
        case_id = state.facts.case_id
        self._cases[case_id] = state.to_json()
        if state.next_fire_at is None:
            self._next_fire.pop(case_id, None)
        else:
            self._next_fire[case_id] = state.next_fire_at
        if state.outbox:
            self._outboxes.add(case_id)
        else:
            self._outboxes.discard(case_id)

    def due(self, until: datetime) -> list[str]:
        return [case_id for case_id, at in self._next_fire.items() if at <= until]

    def with_outbox(self) -> list[str]:
        return sorted(self._outboxes)

    def record_petitioners(
        self, matter_id: str, case_id: str, petitioner_refs: Sequence[str]
    ) -> tuple[str, ...]:
        first_cases = self._matters.setdefault(matter_id, {})
        for ref in petitioner_refs:
            first_cases.setdefault(ref, case_id)
        return tuple(first_cases.values())

    def snapshot(self) -> dict[str, Any]:
        """Everything stored, as plain JSON values."""
        matters = {matter_id: dict(refs) for matter_id, refs in self._matters.items()}
        return {"cases": dict(self._cases), "matters": matters}

    @classmethod
    def from_snapshot(cls, snapshot: dict[str, Any]) -> InMemoryCaseStore:
        """A store rebuilt from ``snapshot``, as a restarted worker rebuilds its tables."""
        store = cls()
        for value in snapshot["cases"].values():
            store.put(CaseState.from_json(value))
        store._matters = {k: dict(v) for k, v in snapshot["matters"].items()}
        return store
