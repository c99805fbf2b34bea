"""The intake service: petitions.submitted -> cases.registered (+ contacts, + DLQ), and
cases.updates.submitted -> cases.updates (masked, + DLQ).

Wiring only; the decisions are in register.py and updates.py.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache

from prometheus_client import Counter

from schemas.identifiers import submission_fingerprint
from schemas.keys import PetitionerKey
from schemas.petitions import RejectReason, Stage
from schemas.registry import (
    CASES_REGISTERED,
    CASES_UPDATES,
    CASES_UPDATES_SUBMITTED,
    PETITIONER_CONTACTS,
    PETITIONS_SUBMITTED,
)
from services.common.dlq import Rejected
from services.common.handler import NOTHING, Effects, Incoming, Output
from services.common.regions import area_key
from services.common.service import Service, build_service
from services.common.submitted import check_key, parse
from services.intake.register import register
from services.intake.settings import IntakeSettings
from services.intake.updates import Relay, relay_update


def build(settings: IntakeSettings) -> Service:
    service = build_service(Stage.INTAKE, settings)
    key = settings.key_bytes()
    case_id_key = settings.case_id_key_bytes()
    m = service.metrics
    received = m.counter("xinfang_intake_petitions_received_total")
    registered = m.counter("xinfang_intake_cases_registered_total")
    rejected = m.counter("xinfang_intake_rejected_total")
    duplicates = m.counter("xinfang_intake_duplicate_submissions_total")
    relayed_as = {relay: m.counter("xinfang_intake_agency_updates_total").labels(text=relay.value)
                  for relay in Relay}  # fmt: skip
    # submission_id -> "case_id fingerprint" of every submission registered: a retry or a
    # redelivery of the same submission yields the same case once (the input is keyed by
    # submission_id), and other content under a registered submission_id is told apart.
    seen = service.table(
        "submissions",
        PETITIONS_SUBMITTED.partitions,
        "submission_id -> case_id and content fingerprint registered",
    )

    # A labelled child is looked up by its label values on every call: keep each one
    # (made on first use, as before, so /metrics lists only the series that occurred).
    @cache
    def received_on(channel: str) -> Counter:
        return received.labels(channel=channel)

    @cache
    def registered_in(field: str, level: str) -> Counter:
        return registered.labels(field=field, level=level)

    def reject(reason: RejectReason) -> None:
        rejected.labels(reason=reason.value).inc()

    async def handle(message: Incoming) -> Effects:
        try:
            petition = parse(message.value)
        except Rejected as rejection:
            received.labels(channel="unknown").inc()
            reject(rejection.reason)
            raise
        received_on(petition.channel.value).inc()
        try:
            check_key(message.key, petition)
        except Rejected as rejection:
            reject(rejection.reason)
            raise
        fingerprint = submission_fingerprint(petition)
        registered_before: str | None = seen.get(petition.submission_id)
        if registered_before is not None:
            # Entries written before fingerprints were kept hold the case id alone: they
            # are taken for the same petition, as they always were.
            case_id, _, known = registered_before.partition(" ")
            if not known or known == fingerprint:
                duplicates.inc()
                return NOTHING
            reject(RejectReason.CONFLICTING_RESUBMISSION)
            raise Rejected(
                RejectReason.CONFLICTING_RESUBMISSION,
                f"submission_id {petition.submission_id} is registered as case {case_id} with "
                "other content; this version is kept here, the registered one is unchanged",
                petition.submission_id,
            )
        registration = register(
            petition, hmac_key=key, now=datetime.now(UTC), case_id_key=case_id_key
        )
        case = registration.case
        ref_key = PetitionerKey(petitioner_ref=case.petitioner_ref).to_json_bytes()
        outputs = [
            Output(PETITIONER_CONTACTS, ref_key, registration.contact.to_json_bytes()),
            # Keyed by its matching area: dedup matches it in that partition, as it comes.
            Output(CASES_REGISTERED, area_key(case.region_code), case.to_json_bytes()),
        ]
        level = case.agency.level.value if case.agency else "county"
        registered_in(case.field, level).inc()

        def remember() -> None:
            seen[petition.submission_id] = f"{case.case_id} {fingerprint}"

        return Effects(outputs, remember, received_at=case.received_at)

    async def relay(message: Incoming) -> Effects:
        # No state: the same record always gives the same update, with the agency's own
        # update_id, and every reader of cases.updates skips an update_id it has handled.
        try:
            relayed = relay_update(message.key, message.value, datetime.now(UTC))
        except Rejected as rejection:
            reject(rejection.reason)
            raise
        relayed_as[relayed.relay].inc()
        return Effects([Output(CASES_UPDATES, relayed.key, relayed.update.to_json_bytes())])

    service.consume(PETITIONS_SUBMITTED, handle)
    service.consume(CASES_UPDATES_SUBMITTED, relay)
    return service
