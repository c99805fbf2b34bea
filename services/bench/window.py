"""When a stage's window may open: every worker assigned, recovered and running, nothing
of the backlog done yet.

A stage's workers are started on empty inputs (each stage has topics of its own, see
``STAGE_INPUTS``); the bench waits until ``ReadyGate`` opens, and only then writes the
stage's backlog. So neither the group's joining nor a worker's table restore after it is
inside the window, and no worker has worked on the backlog alone before the others were
ready. Pure logic over what the bench observes (``probes``): testable without Kafka.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from schemas.registry import (
    CASES_DEDUPLICATED,
    CASES_ESCALATED,
    CASES_REGISTERED,
    PETITIONER_CONTACTS,
    PETITIONS_SUBMITTED,
    TopicSpec,
)

#: Consecutive polls (``POLL_SECONDS`` apart) that must find every worker ready: a
#: rebalance starting just then is seen before the backlog is written.
CONFIRMATIONS: Final = 2


@dataclass(frozen=True)
class WorkerHealth:
    """What a worker's /health page says (``services.common.worker.add_health``).

    Its status is "ok" only while Faust is not rebalancing: from a revocation until the
    recovery of the worker's tables has completed, its streams are resumed and its agents
    fetch again ("Worker ready"), it is "starting".
    """

    status: str
    rebalancing: bool
    #: Every partition the worker's consumer holds (inputs and tables' changelogs).
    assigned_partitions: int

    @property
    def ready(self) -> bool:
        """Assigned (a worker answers "ok" before its first assignment too), recovered and
        consuming."""
        return self.status == "ok" and not self.rebalancing and self.assigned_partitions > 0

    @classmethod
    def from_body(cls, body: bytes) -> WorkerHealth | None:
        """The page's JSON (sent with 200 or 503); None when it is not that page."""
        try:
            document = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError):
            return None
        if not isinstance(document, dict) or "status" not in document:
            return None
        return cls(
            status=str(document["status"]),
            rebalancing=bool(document.get("rebalancing", True)),
            assigned_partitions=int(document.get("assigned_partitions") or 0),
        )


class BacklogDrainedEarlyError(RuntimeError):
    """The stage made progress before all its workers were ready: its window would hold
    work done by fewer workers than measured."""


class ReadyGate:
    """Opens once the stage's consumer group has settled (``GroupWatch``: Stable, one
    member per worker, the input's partitions split), every worker's /health says it is
    ready and what was written before the start has been consumed, on ``confirmations``
    consecutive polls; stays open after that.

    ``progress`` is the stage's count: anything above 0 before the gate opens means the
    backlog was already draining, and the bench stops rather than time it.
    """

    def __init__(self, names: Sequence[str], confirmations: int = CONFIRMATIONS) -> None:
        self.names = tuple(names)
        self.confirmations = confirmations
        self.open = False
        self._streak = 0
        self._waiting_for = "the first poll"

    def observe(
        self,
        group_settled: bool,
        health: Sequence[WorkerHealth | None],
        progress: int,
        earlier_inputs_done: bool = True,
    ) -> bool:
        """One poll: the group, each worker's /health (None: no answer), the stage's count,
        and whether the group has committed all of what was there before it started
        (``StageInputs.before``). True once open."""
        if self.open:
            return True
        if progress > 0:
            raise BacklogDrainedEarlyError(
                f"{progress} messages done before every worker was ready "
                f"(waiting for {self._waiting_for})"
            )
        if len(health) != len(self.names):
            raise ValueError(f"{len(health)} health answers for {len(self.names)} workers")
        pending = [
            name for name, answer in zip(self.names, health, strict=True)
            if answer is None or not answer.ready
        ]  # fmt: skip
        if not earlier_inputs_done:
            pending.insert(0, "the inputs written before the start to be consumed")
        if not group_settled:
            pending.insert(0, "the group to settle")
        self._waiting_for = ", ".join(pending) or "a confirming poll"
        self._streak = 0 if pending else self._streak + 1
        self.open = self._streak >= self.confirmations
        return self.open

    @property
    def waiting_for(self) -> str:
        """What the last poll found not ready (for the bench's error when it times out)."""
        return self._waiting_for


@dataclass(frozen=True)
class StageInputs:
    """A stage's inputs that earlier stages filled, copied into the stage's own topics.

    ``before``: written before its workers start, as part of their state (they are read
    during start-up, not the stage's work). ``backlog``: written only once the workers are
    ready (``ReadyGate``), in this order, each topic whole before the next.
    """

    before: tuple[TopicSpec, ...]
    backlog: tuple[TopicSpec, ...]


#: Per stage, after intake (whose backlog is the generated petitions).
STAGE_INPUTS: Final[dict[str, StageInputs]] = {
    "intake": StageInputs(before=(), backlog=(PETITIONS_SUBMITTED,)),
    "dedup": StageInputs(before=(), backlog=(CASES_REGISTERED,)),
    "escalation": StageInputs(before=(), backlog=(CASES_DEDUPLICATED,)),
    # The contact directory is read whole at start-up (every worker follows every
    # partition, and the group checks each contact once: done before the window). The
    # escalations (a few) and then the verdicts follow within the first moments, as
    # when both were there from the start.
    "notification": StageInputs(
        before=(PETITIONER_CONTACTS,), backlog=(CASES_ESCALATED, CASES_DEDUPLICATED)
    ),
}

#: The stage that writes each topic a later stage's inputs are copied from.
WRITTEN_BY: Final[dict[str, str]] = {
    CASES_REGISTERED.name: "intake",
    PETITIONER_CONTACTS.name: "intake",
    CASES_DEDUPLICATED.name: "dedup",
    CASES_ESCALATED.name: "escalation",
}
