"""The escalation service: cases.deduplicated -> cases.escalated. Wiring only."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import Field, ValidationError
from pydantic_settings import SettingsConfigDict

from schemas.cases import AgencyLevel, CaseDeduplicated, CaseEscalated, EscalationReason
from schemas.keys import CaseKey
from schemas.petitions import RejectReason, Stage
from schemas.registry import CASES_DEDUPLICATED, CASES_ESCALATED
from services.common.dlq import Rejected
from services.common.service import NOTHING, Effects, Incoming, Output, Service, build_service
from services.common.settings import ServiceSettings


class EscalationSettings(ServiceSettings):
    """Escalation: the legal clocks and the escalation rules (prefix XINFANG_ESCALATION_)."""

    model_config = SettingsConfigDict(frozen=True, extra="ignore", env_prefix="XINFANG_ESCALATION_")

    web_port: int = Field(default=6068, ge=1, le=65535)
    leadership_package_repeats: int = Field(
        default=3, ge=1, description="repeat count that makes a leadership package case"
    )


_LEVELS = list(AgencyLevel)


def one_level_up(level: AgencyLevel) -> AgencyLevel:
    return _LEVELS[min(_LEVELS.index(level) + 1, len(_LEVELS) - 1)]


def leadership_package(
    verdict: CaseDeduplicated, threshold: int, now: datetime
) -> CaseEscalated | None:
    """The case whose repeat count reaches ``threshold`` becomes a leadership package case (包案).

    Only the case that reaches the threshold escalates: the leader then owns the matter, and
    later repeats join it instead of escalating again.
    """
    if verdict.repeat_count != threshold:
        return None
    level = verdict.agency.level if verdict.agency else AgencyLevel.COUNTY
    return CaseEscalated(
        escalation_id=f"ESC-{verdict.case_id}-leadership_package",
        case_id=verdict.case_id,
        matter_id=verdict.matter_id,
        reason=EscalationReason.LEADERSHIP_PACKAGE,
        rule=f"repeat_count>={threshold}",
        target_level=one_level_up(level),
        escalated_at=now,
        region_code=verdict.region_code,
        detail=f"raised {verdict.repeat_count + 1} times by the same petitioner",
    )


def build(settings: EscalationSettings) -> Service:
    service = build_service(Stage.ESCALATION, settings)
    escalations = service.metrics.counter("xinfang_escalations_total")
    emitted = service.table(
        "escalations", CASES_DEDUPLICATED.partitions, "escalation_id -> case_id published"
    )

    async def handle(message: Incoming) -> Effects:
        try:
            verdict = CaseDeduplicated.model_validate_json(message.value or b"")
        except ValidationError as exc:
            raise Rejected(RejectReason.SCHEMA_VIOLATION, str(exc)[:2000]) from None
        escalation = leadership_package(
            verdict, settings.leadership_package_repeats, datetime.now(UTC)
        )
        if escalation is None or emitted.get(escalation.escalation_id) is not None:
            return NOTHING
        escalations.labels(
            reason=escalation.reason.value, level=escalation.target_level.value
        ).inc()
        key = CaseKey(case_id=escalation.case_id).to_json_bytes()

        def remember() -> None:
            emitted[escalation.escalation_id] = escalation.case_id

        return Effects([Output(CASES_ESCALATED, key, escalation.to_json_bytes())], remember)

    service.consume(CASES_DEDUPLICATED, handle)
    return service
