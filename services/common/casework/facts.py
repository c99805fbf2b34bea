"""What the lifecycle keeps of a case: the facts taken from dedup's verdict.

Escalation opens a case with them; the gateway rebuilds them from the same verdict to
check an update against the lifecycle as escalation will judge it.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from schemas.base import AwareDatetime
from schemas.cases import AgencyLevel, CaseDeduplicated, MatterState, Verdict
from services.common.casework.risk import RiskHit
from services.common.casework.ruleset import EscalationRules


class CaseFacts(BaseModel):
    """What the engine knows of a case from dedup's verdict (and the registered case)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    case_id: str
    matter_id: str
    received_at: AwareDatetime = Field(description="the verdict's event time")
    region_code: str
    level: AgencyLevel = Field(description="level of the competent agency, or the default")
    agency_code: str | None = None
    linked_to: str | None = Field(default=None, description="the open case a repeat joins")
    terminated_matter: bool = Field(
        default=False,
        description=(
            "a repeat of a matter terminated after its re-review: the same facts and reasons "
            "are not accepted again (Art. 36), so the case runs no clock and is terminated "
            "from its receipt. A case stored before this was known has False"
        ),
    )
    with_bureau: bool = Field(
        default=True,
        description=(
            "routing left the case with the region's petition bureau, which registers and "
            "transfers or assigns it (Art. 22); False: routed straight to the competent body "
            "``agency_code``, which owes the petitioner the acceptance notice (Art. 23). A "
            "case stored before this was known started with the bureau's clock, so True"
        ),
    )
    repeat_count: int = Field(
        ge=0, description="earlier petitions of the same petitioner(s) on the matter"
    )
    makes_collective: bool = False
    risk_hits: tuple[RiskHit, ...] = Field(
        default=(), description="risk-to-life words found, with their rule (Art. 25)"
    )

    @model_validator(mode="before")
    @classmethod
    def _upcast_risk_terms(cls, data: Any) -> Any:
        # Cases stored before risk rules had names carry the bare words of the one keyword
        # list as risk_terms; they read as hits of a rule named "keywords".
        if isinstance(data, dict) and "risk_terms" in data:
            upcast = {key: value for key, value in data.items() if key != "risk_terms"}
            upcast["risk_hits"] = [{"rule": "keywords", "word": w} for w in data["risk_terms"]]
            return upcast
        return data


def raises_terminated_matter(verdict: CaseDeduplicated) -> bool:
    """Whether dedup's ``verdict`` is a repeat of a matter terminated after its re-review,
    which is not accepted again (Art. 36): ``CaseFacts.terminated_matter``."""
    # Art. 36: after the re-review (three-level termination: handling, review, re-review)
    # the same facts and reasons are not accepted again by any body. Dedup says so of the
    # matter a repeat raises (matter_state, with no open case to join); a repeat of a
    # closed matter is a new petition on an answered matter, handled anew, and a joint
    # petitioner's (another person's) letter is their own petition.
    return verdict.verdict is Verdict.REPEAT and verdict.matter_state is MatterState.TERMINATED


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
    repeat = verdict.verdict is Verdict.REPEAT
    terminated = raises_terminated_matter(verdict)
    # Art. 19: a repeat of a matter accepted or being handled joins the open case.
    linked = (
        verdict.open_case_id
        if repeat and not terminated and verdict.open_case_id not in (None, case.case_id)
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
        terminated_matter=terminated,
        with_bureau=case.agency is None
        or case.agency.rule.startswith(rules.targets.bureau_routing_rules),
        repeat_count=verdict.repeat_count,
        makes_collective=in_one or crosses,
        risk_hits=rules.risk_to_life.hits(f"{case.title}\n{case.content}"),
    )
