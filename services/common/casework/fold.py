"""The public entry of the lifecycle: replay a case's updates into its ``Lifecycle``.

An update the current status does not allow stops the fold with a named refusal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from schemas.cases import CaseUpdate
from services.common.casework.facts import CaseFacts
from services.common.casework.holidays import HolidayCalendar, shipped_calendar
from services.common.casework.lifecycle import Lifecycle
from services.common.casework.machine import Machine
from services.common.casework.refusals import Refusal
from services.common.casework.ruleset import EscalationRules, OpenStage
from services.common.casework.transitions import (
    apply_update,
    start_acceptance,
    start_transfer,
    terminated_on_receipt,
)


@dataclass(frozen=True)
class FoldFailure:
    """``fold`` stopped at ``updates[index]``."""

    index: int
    refusal: Refusal


def petition_bureau(facts: CaseFacts, rules: EscalationRules) -> str:
    """The petition bureau of the case's region and level, which transfers or assigns it
    (Art. 22) and receives it back after an objection to competence (Art. 23): the routed
    agency when routing chose the bureau (its own code, e.g. a 信访办), else the rule
    file's bureau code."""
    if facts.with_bureau and facts.agency_code is not None:
        return facts.agency_code
    return rules.targets.bureau(facts.region_code, facts.level)


def fold(
    facts: CaseFacts,
    updates: Sequence[CaseUpdate],
    rules: EscalationRules,
    calendar: HolidayCalendar | None = None,
) -> Lifecycle | FoldFailure:
    """The lifecycle after ``updates``, which must be in event-time order.

    Stops at the first update the lifecycle refuses. Deterministic: the same facts,
    updates and holiday calendar (the shipped one by default) always give the same
    clocks, so deadlines and their ids never drift.
    """
    bureau = petition_bureau(facts, rules)
    machine = Machine(
        facts=facts,
        limits=rules.time_limits,
        objection_prefixes=rules.time_limits.competence_objection.reason_prefixes,
        roll_over=rules.clocks.roll_over_rest_days,
        calendar=calendar or shipped_calendar(),
    )
    if facts.terminated_matter:
        terminated_on_receipt(machine, facts.received_at)
    elif facts.linked_to is None:
        machine.enter(OpenStage.HANDLING, facts.received_at)
        if facts.with_bureau:
            start_transfer(machine, facts.received_at, bureau)
        else:
            start_acceptance(machine, facts.received_at, facts.agency_code)
    for index, update in enumerate(updates):
        refusal = apply_update(machine, update, bureau)
        if refusal is not None:
            return FoldFailure(index, refusal)
    return Lifecycle(
        status=machine.status,
        clocks=tuple(machine.clocks),
        ratings=tuple(machine.ratings),
        extensions_used=machine.extensions_used,
        settled_at=machine.settled_at,
        last_event_at=max([facts.received_at, *(u.occurred_at for u in updates)]),
        hearings=tuple(machine.hearings),
        stages=tuple(machine.stages),
        transferred_level=machine.transferred_level,
    )
