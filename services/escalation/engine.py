"""The escalation engine: verdicts and updates in, escalations and warnings out.

No Kafka here. The service calls, per partition and inside that partition's event:

* ``on_verdict`` for each record of cases.deduplicated,
* ``on_update`` for each record of cases.updates (a ``Rejection`` goes to the DLQ),
* ``scan(now)`` on every timer tick, ``now`` from the injected clock: publish its
  outputs, dead-letter its rejections (held updates whose predecessor never came).

Every call writes the store; the service gives it a ``StagedStore`` and commits only
after the broker has acknowledged the outputs (``services.escalation.state``). Each
output's id is deterministic and remembered in ``CaseState.emitted`` once published, so a
redelivered event, a rescan after a crash or a rebalance, or a replay never produces an
id that was published before, and a crash before the commit produces the same ids again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

from schemas.cases import CaseDeduplicated, CaseUpdate
from schemas.petitions import RejectReason
from services.common.casework.facts import CaseFacts, case_facts
from services.common.casework.fold import FoldFailure, fold
from services.common.casework.holidays import HolidayCalendar, shipped_calendar
from services.common.casework.lifecycle import Lifecycle
from services.common.casework.refusals import AWAITS_PREDECESSOR, RejectionReason
from services.common.casework.ruleset import EscalationRules
from services.common.dlq import Rejected
from services.escalation.escalations import (
    Output,
    next_timer_at,
    output_id,
    rule_escalations,
    timed_outputs,
)
from services.escalation.state import CaseState, CaseStore, HeldUpdate, Orphans


@dataclass(frozen=True)
class Rejection:
    """An update the engine refused; the service dead-letters it with ``reason``.

    ``source`` is set when the update was held first and refused later (by a scan or
    when its case arrived): it says where the update was read.
    """

    update: CaseUpdate
    reason: RejectionReason
    detail: str
    source: HeldUpdate | None = None


@dataclass(frozen=True)
class StepResult:
    """What a verdict or a timer scan produced: outputs to publish, updates to dead-letter."""

    outputs: list[Output] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)


#: The result of a scan (kept as its own name: a tick is not an event).
ScanResult = StepResult


#: What a verdict decides about its case; a second verdict differing here is a conflict
#: (the rest of the facts also follows from the rules, which may change between runs).
#: The most updates held for one case, waiting for its verdict or for an earlier update:
#: a case's lifecycle has a dozen or so, and the held ones are one value of the table (one
#: changelog record, at most 1,000,000 bytes; an update is at most ~12 KB there). One more
#: is refused at once, with the reason it would have got had the wait ended.
MAX_HELD_UPDATES: Final = 32
_DECISION_FACTS: Final = ("matter_id", "received_at", "region_code", "agency_code", "repeat_count")


def _check_same_decision(kept: CaseFacts, again: CaseFacts) -> None:
    """Rejected (conflicting_duplicate) when a verdict seen before says something else."""
    differ = [name for name in _DECISION_FACTS if getattr(kept, name) != getattr(again, name)]
    if differ:
        raise Rejected(
            RejectReason.CONFLICTING_DUPLICATE,
            f"case {kept.case_id} has a verdict already; this one differs in "
            f"{', '.join(differ)}: the first is kept",
        )


class EscalationEngine:
    """Runs the lifecycle, the clocks and the escalation rules over a ``CaseStore``."""

    def __init__(
        self, rules: EscalationRules, store: CaseStore, calendar: HolidayCalendar | None = None
    ) -> None:
        self._rules = rules
        self._store = store
        # The holiday calendar the working days and rest-day roll-overs count on.
        self._calendar = calendar or shipped_calendar()

    def on_verdict(self, verdict: CaseDeduplicated) -> StepResult:
        """Open a case from dedup's verdict; return the escalations it triggers at once.

        Updates that reached us before the verdict (the two topics race) are applied
        now, in event-time order. A verdict seen before opens nothing; it stores the case
        again and applies orphans still stored: a crash may have kept some writes of the
        first delivery and not others (already applied updates are skipped).
        """
        result = StepResult()
        state = self._store.get(verdict.case_id)
        if state is None:
            facts = case_facts(verdict, self._rules)
            result.outputs.extend(self._settle(CaseState(facts=facts), None))
        else:
            _check_same_decision(state.facts, case_facts(verdict, self._rules))
            # Store it again: a crash may have kept the case but not its due entry.
            self._store.put(state)
        orphans = self._store.orphans(verdict.case_id)
        if orphans is None:
            return result
        self._store.put_orphans(verdict.case_id, None)
        for held in sorted(orphans.held, key=lambda h: h.update.occurred_at):
            applied = self._apply(held.update, held)
            if isinstance(applied, Rejection):
                result.rejections.append(applied)
            else:
                result.outputs.extend(applied)
        return result

    def on_update(
        self, update: CaseUpdate, partition: int = 0, offset: int = 0
    ) -> list[Output] | Rejection:
        """Apply an agency's update by event time; return what it triggers, or why not.

        ``partition`` and ``offset`` say where it was read (for a later dead letter).
        A redelivered update (same update_id, same content) returns nothing. An update
        older than the case's latest event by more than the reorder tolerance is refused
        as too late. Within it, the update is placed by ``occurred_at`` and the whole
        history must stay valid; one that only lacks its predecessor (a reply before
        the acceptance has reached us), or its case (the verdict has not reached us), is
        held for the tolerance, applied as soon as what it lacks arrives, and otherwise
        refused by ``scan`` when the tolerance ends.
        """
        return self._apply(update, HeldUpdate(update=update, partition=partition, offset=offset))

    def scan(self, now: datetime) -> StepResult:
        """Fire every warning and breach due by ``now``, less the timer grace, and refuse
        the held updates whose predecessor or case did not come within the tolerance.

        Safe to call as often as wanted and after a restart: an output whose id was
        published before is never produced again.
        """
        cutoff = now - self._rules.clocks.timer_grace
        result = StepResult()
        for case_id in list(self._store.due(cutoff)):
            state = self._store.get(case_id)
            if state is None:
                result.rejections.extend(self._expire_orphans(case_id, cutoff))
                continue
            state = self._release_held(state)
            for held in state.held:
                if self._release_at(held.update) > cutoff:
                    continue
                refusal = self._place(state, held.update)
                if isinstance(refusal, Rejection):
                    result.rejections.append(
                        Rejection(
                            held.update,
                            refusal.reason,
                            f"{refusal.detail} (held {self._rules.clocks.reorder_tolerance} "
                            "for an earlier update that did not come)",
                            held,
                        )
                    )
            kept = tuple(h for h in state.held if self._release_at(h.update) > cutoff)
            result.outputs.extend(self._settle(state.model_copy(update={"held": kept}), cutoff))
        return result

    def lifecycle(self, case_id: str) -> Lifecycle | None:
        """The case's lifecycle (status, clocks, ratings), for views, metrics, operators."""
        state = self._store.get(case_id)
        return None if state is None else self._lifecycle(state)

    def _apply(self, update: CaseUpdate, source: HeldUpdate) -> list[Output] | Rejection:
        state = self._store.get(update.case_id)
        if state is None:
            return self._orphan(source)
        facts = state.facts
        if facts.linked_to is not None:
            return Rejection(
                update,
                RejectionReason.LINKED_TO_OPEN_CASE,
                f"this repeat joins open case {facts.linked_to}; update that case (Art. 19)",
            )
        known = (*state.updates, *(h.update for h in state.held))
        earlier = next((u for u in known if u.update_id == update.update_id), None)
        if earlier is not None:
            if earlier == update:
                self._store.put(state)  # a redelivery: see on_verdict
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
            if placed.reason not in AWAITS_PREDECESSOR or len(state.held) >= MAX_HELD_UPDATES:
                return placed
            return self._settle(state.model_copy(update={"held": (*state.held, source)}), None)
        return self._settle(self._release_held(placed), None)

    def _orphan(self, source: HeldUpdate) -> list[Output] | Rejection:
        """Hold an update whose case we have not seen; nothing to publish yet."""
        update = source.update
        orphans = self._store.orphans(update.case_id)
        held = orphans.held if orphans is not None else ()
        if len(held) >= MAX_HELD_UPDATES and all(
            h.update.update_id != update.update_id for h in held
        ):
            return Rejection(
                update,
                RejectionReason.UNKNOWN_CASE,
                f"{MAX_HELD_UPDATES} updates are held already for this case, never seen",
            )
        earlier = next((h.update for h in held if h.update.update_id == update.update_id), None)
        if earlier is not None:
            if earlier == update:
                # A redelivery: stored again, which puts back its due entry if a crash
                # kept the orphans' row without it (see on_verdict).
                self._store.put_orphans(update.case_id, orphans)
                return []
            return Rejection(
                update, RejectionReason.UPDATE_ID_REUSED, "another update has this update_id"
            )
        self._store.put_orphans(
            update.case_id, Orphans(case_id=update.case_id, held=(*held, source))
        )
        return []

    def _expire_orphans(self, case_id: str, cutoff: datetime) -> list[Rejection]:
        orphans = self._store.orphans(case_id)
        if orphans is None:
            return []
        expired = [h for h in orphans.held if self._release_at(h.update) <= cutoff]
        if not expired:
            return []
        kept = tuple(h for h in orphans.held if h not in expired)
        self._store.put_orphans(case_id, Orphans(case_id=case_id, held=kept) if kept else None)
        return [
            Rejection(
                h.update,
                RejectionReason.UNKNOWN_CASE,
                f"no verdict for this case within {self._rules.clocks.reorder_tolerance}",
                h,
            )
            for h in expired
        ]

    def _place(self, state: CaseState, update: CaseUpdate) -> CaseState | Rejection:
        """``state`` with ``update`` placed by event time, if the history stays valid."""
        position = sum(1 for u in state.updates if u.occurred_at <= update.occurred_at)
        updates = (*state.updates[:position], update, *state.updates[position:])
        result = fold(state.facts, updates, self._rules, self._calendar)
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
            for held_update in sorted(state.held, key=lambda h: h.update.occurred_at):
                update = held_update.update
                placed = self._place(state, update)
                if isinstance(placed, CaseState):
                    held = tuple(h for h in state.held if h.update.update_id != update.update_id)
                    state = placed.model_copy(update={"held": held})
                    progress = True
                    break
        return state

    def _release_at(self, update: CaseUpdate) -> datetime:
        return update.occurred_at + self._rules.clocks.reorder_tolerance

    def _lifecycle(self, state: CaseState) -> Lifecycle:
        result = fold(state.facts, state.updates, self._rules, self._calendar)
        if isinstance(result, FoldFailure):
            # Stored updates were all accepted by this same fold; failing now means the
            # rule file changed under a running case. Loud, not silently dropped.
            raise RuntimeError(
                f"case {state.facts.case_id}: stored update {result.index} no longer "
                f"valid: {result.refusal.reason.value}: {result.refusal.detail}"
            )
        return result

    def _settle(self, state: CaseState, cutoff: datetime | None) -> list[Output]:
        """Emit what ``state`` implies and was not emitted; store it with their ids.

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
        if cutoff is None:
            # An event fires no timer: only when the next one is due is stored.
            next_fire_at = next_timer_at(state.facts, lifecycle, self._rules, emitted)
        else:
            for timer in timed_outputs(state.facts, lifecycle, self._rules):
                if timer.output_id in emitted:
                    continue
                if timer.fire_at <= cutoff:
                    new.append(timer.output)
                elif next_fire_at is None:
                    next_fire_at = timer.fire_at
        for held in state.held:
            release_at = self._release_at(held.update)
            next_fire_at = release_at if next_fire_at is None else min(next_fire_at, release_at)
        self._store.put(
            state.model_copy(
                update={
                    "emitted": (*state.emitted, *(output_id(o) for o in new)),
                    "next_fire_at": next_fire_at,
                    "open_status": (
                        lifecycle.status
                        if lifecycle.settled_at is None and state.facts.linked_to is None
                        else None
                    ),
                }
            )
        )
        return new
