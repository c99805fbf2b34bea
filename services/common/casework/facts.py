"""What the lifecycle keeps of a case: the facts taken from dedup's verdict.

Escalation opens a case with them; the gateway rebuilds them from the same verdict to
check an update against the lifecycle as escalation will judge it.
"""

from __future__ import annotations

from schemas.cases import CaseDeduplicated, Verdict
from services.common.casework.lifecycle import CaseFacts
from services.common.casework.ruleset import EscalationRules


def case_facts(verdict: CaseDeduplicated, rules: EscalationRules) -> CaseFacts:
    """What escalation keeps of dedup's verdict and the registered case it carries."""
    case = verdict.case
    threshold = rules.collective_petition.min_petitioners
    petitioners = len(dict.fromkeys([case.petitioner_ref, *case.co_petitioner_refs]))
    # Art. 20 and DOMAIN.md: 5 or more people about one matter, in one petition (its
    # co-signers, or the group of a visit) or across the petitions of a joint matter.
    # Across petitions it fires on the petition that brings the matter to the threshold;
    # a petitioner who petitioned on the matter before (repeat_count > 0) brings nobody.
    before = verdict.matter_petitioners - (0 if verdict.repeat_count > 0 else petitioners)
    crosses = verdict.matter_petitioners >= threshold > before
    in_one = max(petitioners, case.group_size or 0) >= threshold
    # Art. 19: a repeat of a matter accepted or being handled joins the open case.
    linked = (
        verdict.open_case_id
        if verdict.verdict is Verdict.REPEAT and verdict.open_case_id not in (None, case.case_id)
        else None
    )
    return CaseFacts(
        case_id=verdict.case_id,
        matter_id=verdict.matter_id,
        received_at=case.received_at,
        region_code=case.region_code,
        level=case.agency.level if case.agency else rules.targets.default_level,
        agency_code=case.agency.code if case.agency else None,
        linked_to=linked,
        with_bureau=case.agency is None
        or case.agency.rule.startswith(rules.targets.bureau_routing_rules),
        repeat_count=verdict.repeat_count,
        makes_collective=in_one or crosses,
        risk_hits=rules.risk_to_life.hits(f"{case.title}\n{case.content}"),
    )
