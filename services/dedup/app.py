"""The dedup service: cases.registered -> cases.deduplicated.

Wiring only. The input is keyed by petitioner_ref, so all petitions of one person meet in
one partition, and the fingerprint table of that partition sees every earlier petition
of theirs.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from pydantic import Field, ValidationError
from pydantic_settings import SettingsConfigDict

from schemas.cases import CaseDeduplicated, CaseRegistered, DedupReason, Verdict
from schemas.keys import CaseKey
from schemas.petitions import RejectReason, Stage
from schemas.registry import CASES_DEDUPLICATED, CASES_REGISTERED
from services.common.dlq import Rejected
from services.common.service import Effects, Incoming, Output, Service, build_service
from services.common.settings import ServiceSettings


class DedupSettings(ServiceSettings):
    """Dedup: repeat and joint petitions (prefix XINFANG_DEDUP_)."""

    model_config = SettingsConfigDict(frozen=True, extra="ignore", env_prefix="XINFANG_DEDUP_")

    web_port: int = Field(default=6067, ge=1, le=65535)


def fingerprint(case: CaseRegistered) -> str:
    """Same petitioner, same normalised text: an exact repeat."""
    material = f"{case.petitioner_ref}\x1f{case.normalised_text}".encode()
    return hashlib.sha256(material).hexdigest()[:32]


def decide(case: CaseRegistered, earlier: dict[str, Any] | None, now: datetime) -> CaseDeduplicated:
    """The verdict on a case given the matter its fingerprint points to, if any."""
    if earlier is None:
        return CaseDeduplicated(
            case_id=case.case_id, submission_id=case.submission_id,
            petitioner_ref=case.petitioner_ref, received_at=case.received_at,
            region_code=case.region_code, kind=case.kind, field=case.field, agency=case.agency,
            language=case.language, verdict=Verdict.NEW, reason=DedupReason.FIRST_OF_MATTER,
            matter_id=f"MT-{case.case_id}", first_case_id=case.case_id,
            open_case_id=case.case_id, repeat_count=0, score=1.0, decided_at=now,
        )  # fmt: skip
    return CaseDeduplicated(
        case_id=case.case_id, submission_id=case.submission_id,
        petitioner_ref=case.petitioner_ref, received_at=case.received_at,
        region_code=case.region_code, kind=case.kind, field=case.field, agency=case.agency,
        language=case.language, verdict=Verdict.REPEAT, reason=DedupReason.EXACT_REPEAT,
        matter_id=earlier["matter_id"], first_case_id=earlier["first_case_id"],
        open_case_id=earlier["first_case_id"], repeat_count=int(earlier["count"]),
        score=1.0, decided_at=now,
    )  # fmt: skip


def build(settings: DedupSettings) -> Service:
    service = build_service(Stage.DEDUP, settings)
    verdicts = service.metrics.counter("xinfang_dedup_verdicts_total")
    # fingerprint -> {matter_id, first_case_id, count}: the matters of this partition.
    matters = service.table("fingerprints", CASES_REGISTERED.partitions, "fingerprint -> matter")
    # case_id -> verdict already published: a redelivered case gets the same verdict again.
    decided = service.table("decided", CASES_REGISTERED.partitions, "case_id -> verdict")

    async def handle(message: Incoming) -> Effects:
        try:
            case = CaseRegistered.model_validate_json(message.value or b"")
        except ValidationError as exc:
            raise Rejected(RejectReason.SCHEMA_VIOLATION, str(exc)[:2000]) from None
        key = CaseKey(case_id=case.case_id).to_json_bytes()
        previous = decided.get(case.case_id)
        if previous is not None:
            return Effects([Output(CASES_DEDUPLICATED, key, previous.encode())])
        print_ = fingerprint(case)
        earlier = matters.get(print_)
        verdict = decide(case, earlier, datetime.now(UTC))
        verdicts.labels(verdict=verdict.verdict.value, reason=verdict.reason.value).inc()
        value = verdict.to_json_bytes()

        def remember() -> None:
            count = 1 if earlier is None else int(earlier["count"]) + 1
            matters[print_] = {
                "matter_id": verdict.matter_id,
                "first_case_id": verdict.first_case_id,
                "count": count,
            }
            decided[case.case_id] = value.decode()

        return Effects([Output(CASES_DEDUPLICATED, key, value)], remember)

    service.consume(CASES_REGISTERED, handle)
    return service
