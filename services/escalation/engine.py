"""The escalation engine: verdicts and updates in, escalations and warnings out.

No Kafka here. The service calls, per partition:

* ``on_verdict`` for each record of cases.deduplicated,
* ``on_update`` for each record of cases.updates (a ``Rejection`` goes to the DLQ),
* ``scan(now)`` from a periodic timer, ``now`` from the injected clock: publish its
  outputs, dead-letter its rejections (held updates whose predecessor never came),
* ``acknowledge(outputs)`` once the broker has acknowledged what it sent,
* ``unacknowledged()`` on every timer tick, to resend what a crash (of this worker, or
  of the one that held the partition before a rebalance) left unsent.

Exactly-once effects: every output is written to the case's outbox together with the
state change that produced it (one table value, one changelog record), and its id to the
case's emitted ids. A crash before the send leaves it in the outbox, so nothing is lost;
a crash between send and acknowledgement resends it with the same deterministic id, which
consumers skip; a rescan never produces an id that was emitted before.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from schemas.cases import CaseDeduplicated, CaseRegistered, CaseUpdate, Verdict
from services.escalation.escalations import Output, output_id, rule_escalations, timed_outputs
from services.escalation.lifecycle import (
    AWAITS_PREDECESSOR,
    CaseFacts,
    FoldFailure,
    Lifecycle,
    RejectionReason,
    fold,
)
from services.escalation.ruleset import EscalationRules
from services.escalation.state import CaseState, CaseStore, MatterIndex


@dataclass(frozen=True)
class Rejection:
    """An update the engine refused; the service dead-letters it with ``reason``."""

    update: CaseUpdate
    reason: RejectionReason
    detail: str


@dataclass(frozen=True)
class ScanResult:
    """What a timer tick produced: outputs to publish, held updates to dead-letter.

    A rejection from a scan has no source offset: dead-letter ``update.to_json_bytes()``.
    """

    outputs: list[Output]
    rejections: list[Rejection]


class EscalationEngine:
    """Runs the lifecycle, the clocks and the escalation rules over a ``CaseStore``."""

    def __init__(self, rules: EscalationRules, store: CaseStore, matters: MatterIndex) -> None:
        self._rules = rules
        self._store = store
        self._matters = matters
        # Outputs this instance has handed to the caller and not yet seen acknowledged:
        # in flight, so ``unacknowledged`` must not hand them out again.
        self._in_flight: set[str] = set()

    def on_verdict(
        self, verdict: CaseDeduplicated, case: CaseRegistered | None = None
    ) -> list[Output]:
        """Open a case from dedup's verdict and return the escalations it triggers at once.

        ``case`` is the registered case, when the caller has it: its title and content
        feed the risk-to-life rule, its co-petitioners and group size the collective
        petition rule. A verdict seen before returns nothing (its outputs, if unsent,
        are in the outbox).
        """
        if self._store.get(verdict.case_id) is not None:
            return []
        rules = self._rules
        refs = [verdict.petitioner_ref, *(case.co_petitioner_refs if case else [])]
        distinct = list(dict.fromkeys(refs))
        first_cases = self._matters.record_petitioners(verdict.matter_id, verdict.case_id, distinct)
        threshold = rules.collective_petition.min_petitioners
        group = max(len(distinct), (case.group_size or 0) if case else 0)
        # Art. 20 / DOMAIN.md: 5 or more people on one matter, in one petition or across
        # a joint matter; it fires on the case that brings the matter to the threshold.
        crosses = len(first_cases) >= threshold and first_cases[threshold - 1] == verdict.case_id
        linked = (
            verdict.open_case_id
            if verdict.verdict is Verdict.REPEAT and verdict.open_case_id != verdict.case_id
            else None
        )
        facts = CaseFacts(
            case_id=verdict.case_id,
            matter_id=verdict.matter_id,
            received_at=verdict.received_at,
            decided_at=verdict.decided_at,
            region_code=verdict.region_code,
            level=verdict.agency.level if verdict.agency else rules.targets.default_level,
            agency_code=verdict.agency.code if verdict.agency else None,
            linked_to=linked,
            petition_number=verdict.repeat_count + 1,
            makes_collective=group >= threshold or crosses,
            risk_terms=rules.risk_to_life.hits(f"{case.title}\n{case.content}") if case else (),
        )
        return self._settle(CaseState(facts=facts), None)

    def on_update(self, update: CaseUpdate) -> list[Output] | Rejection:
        """Apply an agency's update by event time; return what it triggers, or why not.

        A redelivered update (same update_id, same content) returns nothing. An update
        older than the case's latest event by more than the reorder tolerance is refused
        as too late. Within it, the update is placed by ``occurred_at`` and the whole
        history must stay valid; one that only lacks its predecessor (a reply before
        the acceptance has reached us) is held for the tolerance, applied as soon as the
        predecessor arrives, and otherwise refused by ``scan`` when the tolerance ends.
        """
        state = self._store.get(update.case_id)
        if state is None:
            return Rejection(update, RejectionReason.UNKNOWN_CASE, "no verdict for this case")
        facts = state.facts
        if facts.linked_to is not None:
            return Rejection(
                update,
                RejectionReason.LINKED_TO_OPEN_CASE,
                f"this repeat joins open case {facts.linked_to}; update that case (Art. 19)",
            )
        known = (*state.updates, *state.held)
        earlier = next((u for u in known if u.update_id == update.update_id), None)
        if earlier is not None:
            if earlier == update:
                return []
            return Rejection(
                update, RejectionReason.UPDATE_ID_REUSED, "another update has this update_id"
            )
        if update.occurred_at < facts.received_at:
            return Rejection(
                update, RejectionReason.BEFORE_RECEIPT, "occurred before the case was received"
            )
        latest = max([facts.received_at, *(u.occurred_at for u in state.updates)])
        tolerance = self._rules.clocks.reorder_tolerance
        if update.occurred_at < latest - tolerance:
            return Rejection(
                update,
                RejectionReason.TOO_LATE,
                f"occurred more than {tolerance} before the case's latest event {latest}",
            )
        placed = self._place(state, update)
        if isinstance(placed, Rejection):
            if placed.reason not in AWAITS_PREDECESSOR:
                return placed
            return self._settle(state.model_copy(update={"held": (*state.held, update)}), None)
        return self._settle(self._release_held(placed), None)

    def scan(self, now: datetime) -> ScanResult:
        """Fire every warning and breach due by ``now``, less the timer grace, and refuse
        the held updates whose predecessor did not come within the reorder tolerance.

        Safe to call as often as wanted and after a restart: an output whose id was
        emitted before is never produced again.
        """
        cutoff = now - self._rules.clocks.timer_grace
        result = ScanResult([], [])
        for case_id in list(self._store.due(cutoff)):
            state = self._store.get(case_id)
            if state is None:
                continue
            state = self._release_held(state)
            for update in state.held:
                if self._release_at(update) > cutoff:
                    continue
                refusal = self._place(state, update)
                if isinstance(refusal, Rejection):
                    result.rejections.append(
                        Rejection(
                            update,
                            refusal.reason,
                            f"{refusal.detail} (held {self._rules.clocks.reorder_tolerance} "
                            "for an earlier update that did not come)",
                        )
                    )
            held = tuple(u for u in state.held if self._release_at(u) > cutoff)
            result.outputs.extend(self._settle(state.model_copy(update={"held": held}), cutoff))
        return result

    def acknowledge(self, outputs: Iterable[Output]) -> None:
        """The broker has acknowledged ``outputs``: drop them from their outboxes."""
        by_case: dict[str, set[str]] = defaultdict(set)
        for output in outputs:
            by_case[output.case_id].add(output_id(output))
        for case_id, ids in by_case.items():
            state = self._store.get(case_id)
            if state is None:
                continue
            outbox = tuple(o for o in state.outbox if output_id(o) not in ids)
            if outbox != state.outbox:
                self._store.put(state.model_copy(update={"outbox": outbox}))
        self._in_flight.difference_update(*by_case.values())

    def unacknowledged(self) -> list[Output]:
        """Outputs in an outbox that this engine has not handed out: send them again.

        After a restart or a rebalance that is everything a crash left unsent; in a
        running worker it is nothing, since what it handed out is in flight.
        """
        pending: list[Output] = []
        for case_id in list(self._store.with_outbox()):
            state = self._store.get(case_id)
            if state is not None:
                pending.extend(o for o in state.outbox if output_id(o) not in self._in_flight)
        self._in_flight.update(output_id(o) for o in pending)
        return pending

    def lifecycle(self, case_id: str) -> Lifecycle | None:
        """The case's lifecycle (status, clocks, ratings), for views and operators."""
        state = self._store.get(case_id)
        return None if state is None else self._lifecycle(state)

    def _place(self, state: CaseState, update: CaseUpdate) -> CaseState | Rejection:
        """``state`` with ``update`` placed by event time, if the history stays valid."""
        position = sum(1 for u in state.updates if u.occurred_at <= update.occurred_at)
        updates = (*state.updates[:position], update, *state.updates[position:])
        result = fold(state.facts, updates, self._rules)
        if not isinstance(result, FoldFailure):
            return state.model_copy(update={"updates": updates})
        if result.index == position:
            return Rejection(update, result.refusal.reason, result.refusal.detail)
        later = updates[result.index]
        return Rejection(
            update,
            RejectionReason.CONFLICTS_WITH_LATER_UPDATE,
            f"by event time it comes before {later.update_id} ({later.kind.value}), "
            f"which it would invalidate: {result.refusal.detail}",
        )

    def _release_held(self, state: CaseState) -> CaseState:
        """Apply every held update that now fits, earliest first, until none does."""
        progress = True
        while progress:
            progress = False
            for update in sorted(state.held, key=lambda u: u.occurred_at):
                placed = self._place(state, update)
                if isinstance(placed, CaseState):
                    held = tuple(u for u in state.held if u.update_id != update.update_id)
                    state = placed.model_copy(update={"held": held})
                    progress = True
                    break
        return state

    def _release_at(self, update: CaseUpdate) -> datetime:
        return update.occurred_at + self._rules.clocks.reorder_tolerance

    def _lifecycle(self, state: CaseState) -> Lifecycle:
        result = fold(state.facts, state.updates, self._rules)
        if isinstance(result, FoldFailure):
            # Stored updates were all accepted by this same fold; failing now means the
            # rule file changed under a running case. Loud, not silently dropped.
            raise RuntimeError(
                f"case {state.facts.case_id}: stored update {result.index} no longer "
                f"valid: {result.refusal.reason.value}: {result.refusal.detail}"
            )
        return result

    def _settle(self, state: CaseState, cutoff: datetime | None) -> list[Output]:
        """Emit what ``state`` implies and was not emitted, then store it with the outbox.

        Timers fire only with a ``cutoff`` (from ``scan``); events emit rule escalations.
        """
        lifecycle = self._lifecycle(state)
        emitted = set(state.emitted)
        new: list[Output] = [
            o
            for o in rule_escalations(state.facts, lifecycle, self._rules)
            if o.escalation_id not in emitted
        ]
        next_fire_at: datetime | None = None
        for timer in timed_outputs(state.facts, lifecycle, self._rules):
            timer_id = output_id(timer.output)
            if timer_id in emitted:
                continue
            if cutoff is not None and timer.fire_at <= cutoff:
                new.append(timer.output)
            elif next_fire_at is None:
                next_fire_at = timer.fire_at
        for update in state.held:
            release_at = self._release_at(update)
            next_fire_at = release_at if next_fire_at is None else min(next_fire_at, release_at)
        self._store.put(
            state.model_copy(
                update={
                    "emitted": (*state.emitted, *(output_id(o) for o in new)),
                    "outbox": (*state.outbox, *new),
                    "next_fire_at": next_fire_at,
                }
            )
        )
        self._in_flight.update(output_id(o) for o in new)
        return new
