"""A conflicting resubmission a lagging gateway accepted (202): nothing is lost, and the
channel learns from the case's status that its version was refused."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

from schemas import examples
from schemas.identifiers import case_id_for
from schemas.petitions import DeadLetter, PetitionSubmitted, RejectReason, Stage
from services.gateway.status import Status, StatusView

CASE_ID_KEY = b"k" * 16


def test_the_refused_version_is_in_the_history_and_the_registered_one_keeps_its_status() -> None:
    view = StatusView(CASE_ID_KEY)
    first = PetitionSubmitted.model_validate(examples.MINIMAL_PETITION)
    second = {**examples.MINIMAL_PETITION, "content": "另一位信访人写的另一件事。"}
    case_id = case_id_for(first.submission_id, CASE_ID_KEY)
    view.apply("petitions.submitted", first.to_json_bytes())
    registered = dict(examples.REGISTERED[0].value or {})
    registered.update(case_id=case_id, submission_id=first.submission_id)
    view.apply("cases.registered", json.dumps(registered).encode())
    letter = DeadLetter(
        stage=Stage.INTAKE, reason=RejectReason.CONFLICTING_RESUBMISSION,
        detail=f"submission_id {first.submission_id} is registered as case {case_id} with "
        "other content; this version is kept here, the registered one is unchanged",
        source_topic="petitions.submitted", source_partition=0, source_offset=1,
        original_value_b64=base64.b64encode(json.dumps(second).encode()).decode(),
        submission_id=first.submission_id, rejected_at=datetime(2026, 11, 21, tzinfo=UTC),
    )  # fmt: skip
    assert view.apply("petitions.rejected", letter.to_json_bytes())
    assert view.apply("petitions.rejected", letter.to_json_bytes())  # read again: once
    record = view.get(case_id)
    assert record is not None
    assert record.status is Status.REGISTERED
    refused = [step for step in record.history if step.status is Status.REJECTED]
    assert len(refused) == 1
    assert refused[0].detail is not None
    assert refused[0].detail.startswith("conflicting_resubmission: ")


def test_a_later_version_does_not_rewrite_when_and_how_the_case_was_received() -> None:
    # A channel publishing straight to Kafka sends another version under a registered
    # submission id; intake refuses it, and the case's status must still say what the
    # registered version said, not what the refused one claims.
    view = StatusView(CASE_ID_KEY)
    first = PetitionSubmitted.model_validate(examples.MINIMAL_PETITION)
    case_id = case_id_for(first.submission_id, CASE_ID_KEY)
    later = {**examples.MINIMAL_PETITION, "received_at": "9999-01-01T00:00:00+00:00",
             "channel": "letter"}  # fmt: skip
    view.apply("petitions.submitted", first.to_json_bytes())
    view.apply("petitions.submitted", json.dumps(later).encode())
    record = view.get(case_id)
    assert record is not None
    assert (record.received_at, record.channel) == (first.received_at, "online")
    # Not even before the registration is read; the registration is what counts after.
    registered = dict(examples.REGISTERED[0].value or {})
    registered.update(case_id=case_id, submission_id=first.submission_id)
    view.apply("cases.registered", json.dumps(registered).encode())
    assert record.received_at == datetime.fromisoformat(registered["received_at"])
    assert record.channel == registered["channel"]
