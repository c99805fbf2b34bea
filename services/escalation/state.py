"""What the escalation engine stores per case, and the storage it needs.

The service keeps ``CaseState`` in its Faust table (``services.escalation.tables``); tests
and the replay use the same store over a dict (``InMemoryCaseStore``). A state holds
only inputs and what was published: the verdict's facts, the accepted updates, the
updates held for a predecessor, and the ids of every output published. Clocks and
deadlines are recomputed from it, so they never drift from the rules.

Exactly-once effects rest on one order: the engine writes through a ``StagedStore``; the
service hands the outputs to the producer and then commits the staged states to the local
store (``services.common.handler.Effects.remember``), whose changelog records leave only
once every output of the batch is acknowledged. A crash before they are in Kafka loses
the state change, not the outputs: the input is redelivered (its offset
was not committed) or the next timer scan recomputes the same outputs with the same
deterministic ids, which consumers skip.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field

from schemas.cases import CaseUpdate
from services.common.casework.facts import CaseFacts
from services.common.casework.status import CaseStatus


class HeldUpdate(BaseModel):
    """An update waiting, within the reorder tolerance, for its predecessor or its case.

    ``partition`` and ``offset`` say where it was read, so a dead letter written when the
    tolerance ends points at the original message.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    update: CaseUpdate
    partition: int = Field(ge=0)
    offset: int = Field(ge=0)


class CaseState(BaseModel):
    """One case as the engine stores it. ``to_json``/``from_json`` give the table value."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    facts: CaseFacts
    updates: tuple[CaseUpdate, ...] = Field(
        default=(), description="accepted updates in event-time order (ties: arrival order)"
    )
    held: tuple[HeldUpdate, ...] = Field(
        default=(), description="updates waiting, within the reorder tolerance, for a predecessor"
    )
    emitted: tuple[str, ...] = Field(default=(), description="ids of every output published")
    next_fire_at: datetime | None = Field(
        default=None,
        description="the next timer or held update's release; None when nothing is pending",
    )
    open_status: CaseStatus | None = Field(
        default=CaseStatus.REGISTERED,
        description="the lifecycle status while the case is open; None once settled or joined",
    )

    def to_json(self) -> dict[str, Any]:
        """A JSON-serialisable value for a Faust table: ``model_dump(mode="json")``, from
        the serializer itself (without ``model_dump``'s handling of its arguments)."""
        value: dict[str, Any] = self.__pydantic_serializer__.to_python(self, mode="json")
        return value

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> CaseState:
        """The state back from its table value."""
        return cls.model_validate(value)


class Orphans(BaseModel):
    """Updates of a case whose verdict has not reached us yet (the two topics race)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    case_id: str
    held: tuple[HeldUpdate, ...]

    @property
    def earliest_event_at(self) -> datetime:
        return min(h.update.occurred_at for h in self.held)


class CaseStore(Protocol):
    """Case states and orphaned updates by case_id. The service implements it over a
    Faust table; the engine calls it from one partition's event at a time.

    ``due`` is what the periodic scan reads: every case whose ``next_fire_at`` (or whose
    orphans' earliest event time) is at or before ``until``.
    """

    def get(self, case_id: str) -> CaseState | None:
        """The stored state, or None for a case never seen."""
        ...

    def put(self, state: CaseState) -> None:
        """Store ``state`` under ``state.facts.case_id``, replacing the previous one."""
        ...

    def orphans(self, case_id: str) -> Orphans | None:
        """Updates held for a case with no verdict yet."""
        ...

    def put_orphans(self, case_id: str, orphans: Orphans | None) -> None:
        """Replace the orphans of ``case_id``; None drops them."""
        ...

    def due(self, until: datetime) -> Iterable[str]:
        """Ids of the cases with a timer, a held update or orphans due by ``until``."""
        ...


class StagedStore:
    """A ``CaseStore`` whose writes wait in memory until ``commit``.

    The service commits after the broker has acknowledged the outputs of the same step;
    ``discard`` (or never committing) is what a crash in between does.
    """

    def __init__(self, base: CaseStore) -> None:
        self._base = base
        self._cases: dict[str, CaseState] = {}
        self._orphans: dict[str, Orphans | None] = {}

    def get(self, case_id: str) -> CaseState | None:
        if case_id in self._cases:
            return self._cases[case_id]
        return self._base.get(case_id)

    def put(self, state: CaseState) -> None:
        self._cases[state.facts.case_id] = state

    def orphans(self, case_id: str) -> Orphans | None:
        if case_id in self._orphans:
            return self._orphans[case_id]
        return self._base.orphans(case_id)

    def put_orphans(self, case_id: str, orphans: Orphans | None) -> None:
        self._orphans[case_id] = orphans

    def due(self, until: datetime) -> list[str]:
        # Staged writes come from the step in hand, which scans before it writes.
        return list(self._base.due(until))

    @property
    def staged(self) -> list[CaseState]:
        """The states written since the last commit."""
        return list(self._cases.values())

    def commit(self) -> None:
        """Write every staged value to the base store."""
        for state in self._cases.values():
            self._base.put(state)
        for case_id, orphans in self._orphans.items():
            self._base.put_orphans(case_id, orphans)
        self.discard()

    def discard(self) -> None:
        """Forget the staged values, as a crash before ``commit`` would."""
        self._cases.clear()
        self._orphans.clear()
