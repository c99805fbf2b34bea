"""The intake service: petitions.submitted -> cases.registered (+ contacts, + DLQ).

Wiring only; the decisions are in register.py.
"""

from __future__ import annotations

from datetime import UTC, datetime

from schemas.keys import PetitionerKey
from schemas.petitions import Stage
from schemas.registry import CASES_REGISTERED, PETITIONER_CONTACTS, PETITIONS_SUBMITTED
from services.common.dlq import Rejected
from services.common.handler import NOTHING, Effects, Incoming, Output
from services.common.service import Service, build_service
from services.intake.register import parse, register
from services.intake.settings import IntakeSettings


def build(settings: IntakeSettings) -> Service:
    service = build_service(Stage.INTAKE, settings)
    key = settings.key_bytes()
    m = service.metrics
    received = m.counter("xinfang_intake_petitions_received_total")
    registered = m.counter("xinfang_intake_cases_registered_total")
    rejected = m.counter("xinfang_intake_rejected_total")
    duplicates = m.counter("xinfang_intake_duplicate_submissions_total")
    # submission_id -> case_id of every submission registered: a retry or a redelivery of
    # the same submission yields the same case once (the input is keyed by submission_id).
    seen = service.table(
        "submissions", PETITIONS_SUBMITTED.partitions, "submission_id -> case_id registered"
    )

    async def handle(message: Incoming) -> Effects:
        try:
            petition = parse(message.value)
        except Rejected as rejection:
            received.labels(channel="unknown").inc()
            rejected.labels(reason=rejection.reason.value).inc()
            raise
        received.labels(channel=petition.channel.value).inc()
        if seen.get(petition.submission_id) is not None:
            duplicates.inc()
            return NOTHING
        registration = register(petition, hmac_key=key, now=datetime.now(UTC))
        case = registration.case
        ref_key = PetitionerKey(petitioner_ref=case.petitioner_ref).to_json_bytes()
        outputs = [
            Output(PETITIONER_CONTACTS, ref_key, registration.contact.to_json_bytes()),
            Output(CASES_REGISTERED, ref_key, case.to_json_bytes()),
        ]
        level = case.agency.level.value if case.agency else "county"
        registered.labels(field=case.field, level=level).inc()

        def remember() -> None:
            seen[petition.submission_id] = case.case_id

        return Effects(outputs, remember, received_at=case.received_at)

    service.consume(PETITIONS_SUBMITTED, handle)
    return service
