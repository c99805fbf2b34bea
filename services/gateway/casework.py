"""A case's lifecycle as the gateway sees it, judged by the escalation service's own rules.

The escalation service is the judge of every update (``services.common.casework.fold``):
it folds a case's updates and refuses one the lifecycle does not allow. The gateway
checks an update before it publishes one, so that a petitioner or an agency hears "no,
and why" at once (409 with the lifecycle's reason) instead of a dead letter they never
see. To answer the same, it keeps what the engine keeps of a case (the verdict's facts,
the accepted updates, the updates held for a predecessor) from the same topics, and calls
the same functions: ``case_facts`` and ``fold`` with the same rule file and calendar.
The engine still decides: an update the gateway let through and the engine refuses (a
race with an update published elsewhere) is dead-lettered there, as any other.

Pure: no Kafka, no clock of its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from schemas.cases import AgencyLevel, CaseDeduplicated, CaseUpdate
from services.common.agencies import Directory, shipped_directory
from services.common.casework.clocks import Clock
from services.common.casework.facts import CaseFacts, case_facts
from services.common.casework.fold import FoldFailure, fold, petition_bureau
from services.common.casework.holidays import HolidayCalendar
from services.common.casework.lifecycle import Lifecycle
from services.common.casework.refusals import AWAITS_PREDECESSOR, Refusal, RejectionReason
from services.common.casework.ruleset import EscalationRules
from services.common.casework.transitions import is_competence_objection


@dataclass(frozen=True)
class Placed:
    """The case's accepted updates with a new one placed by event time."""

    updates: tuple[CaseUpdate, ...]
    #: The same update (id and content) was accepted before: nothing to publish.
    already_known: bool = False


class Casework:
    """The escalation rules and calendar, and what they say of one case's updates; the
    routing table's bodies, which a transfer names and the petitioner is shown."""

    def __init__(
        self,
        rules: EscalationRules,
        calendar: HolidayCalendar,
        directory: Directory | None = None,
    ) -> None:
        self.rules = rules
        self.calendar = calendar
        self.directory = directory or shipped_directory()

    def name_of(self, code: str) -> str | None:
        """The name of the body with agency code ``code``, if the routing table has it (a
        review body, a petition bureau)."""
        found = self.directory.agency(code, "named")
        return found.name if found is not None else None

    def level_of(self, code: str) -> AgencyLevel | None:
        """The level of the body with agency code ``code``, if the routing table has it."""
        found = self.directory.agency(code, "named")
        return found.level if found is not None else None

    def facts(self, verdict: CaseDeduplicated) -> CaseFacts:
        """What the engine keeps of dedup's verdict."""
        return case_facts(verdict, self.rules)

    def place(
        self,
        facts: CaseFacts,
        updates: tuple[CaseUpdate, ...],
        held: tuple[CaseUpdate, ...],
        update: CaseUpdate,
    ) -> Placed | Refusal:
        """``update`` placed among ``updates`` by event time, or the engine's refusal.

        The checks and their order are the engine's (``EscalationEngine._apply`` and
        ``_place``): a repeat joined to an open case, a reused update id, an update before
        the receipt or older than the reorder tolerance allows, then the lifecycle.
        """
        if facts.linked_to is not None:
            return Refusal(
                RejectionReason.LINKED_TO_OPEN_CASE,
                f"this repeat joins open case {facts.linked_to}; update that case (Art. 19)",
            )
        earlier = next((u for u in (*updates, *held) if u.update_id == update.update_id), None)
        if earlier is not None:
            if earlier == update:
                return Placed(updates, already_known=True)
            return Refusal(RejectionReason.UPDATE_ID_REUSED, "another update has this update_id")
        if update.occurred_at < facts.received_at:
            return Refusal(RejectionReason.BEFORE_RECEIPT, "occurred before the case was received")
        latest = max([facts.received_at, *(u.occurred_at for u in updates)])
        tolerance = self.rules.clocks.reorder_tolerance
        if update.occurred_at < latest - tolerance:
            return Refusal(
                RejectionReason.TOO_LATE,
                f"occurred more than {tolerance} before the case's latest event {latest}",
            )
        position = sum(1 for u in updates if u.occurred_at <= update.occurred_at)
        placed = (*updates[:position], update, *updates[position:])
        result = fold(facts, placed, self.rules, self.calendar)
        if not isinstance(result, FoldFailure):
            return Placed(placed)
        if result.index == position:
            return result.refusal
        later = placed[result.index]
        return Refusal(
            RejectionReason.CONFLICTS_WITH_LATER_UPDATE,
            f"by event time it comes before {later.kind.value} of "
            f"{later.occurred_at.isoformat()}, which it would invalidate: "
            f"{result.refusal.detail}",
        )

    @staticmethod
    def may_wait(refusal: Refusal) -> bool:
        """Whether an update read from the topic may still fit once its predecessor comes
        (the engine holds such an update for the reorder tolerance)."""
        return refusal.reason in AWAITS_PREDECESSOR

    def lifecycle(self, facts: CaseFacts, updates: tuple[CaseUpdate, ...]) -> Lifecycle:
        """The lifecycle after ``updates``, every one of which was placed by ``place``."""
        result = fold(facts, updates, self.rules, self.calendar)
        if isinstance(result, FoldFailure):
            # Only updates the same fold accepted are kept: a failure means a bug here.
            raise RuntimeError(f"case {facts.case_id}: kept update {result.index} refused")
        return result

    def holder(self, facts: CaseFacts, updates: tuple[CaseUpdate, ...]) -> str | None:
        """The body the case is with after ``updates``: the one routing chose until a
        transfer or assignment hands it to the body it names (Art. 22); an objection to
        competence hands it back to the petition bureau, which transfers it again (Art. 23)."""
        held = facts.agency_code
        prefixes = self.rules.time_limits.competence_objection.reason_prefixes
        for update in updates:
            if update.to_agency is not None:
                held = update.to_agency.code
            elif is_competence_objection(update, prefixes):
                held = petition_bureau(facts, self.rules)
        return held

    def body_owing(self, facts: CaseFacts, clock: Clock) -> str:
        """The code of the body that owes ``clock``: the one it names, else the petition
        bureau of its level (a review's body is the next-higher one, Art. 35)."""
        if clock.responsible_agency is not None:
            return clock.responsible_agency
        return self.rules.targets.bureau(facts.region_code, clock.responsible_level)

