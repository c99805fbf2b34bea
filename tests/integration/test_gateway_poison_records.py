"""The gateway's status feed on a real broker against records no view can fold, found on the
topics when it starts (as after a restart: the topics keep them): a valid petition whose
record timestamp is in year 10000, and an agency update dated 9999-12-31T23:59:59Z on a
case the gateway knows. Before, the feed failed on each, read every topic again from
offset 0 every 2 s for ever, the case answered 404, and /ready stayed 503 with every
native submission refused 503 `loading`. Now the petition is read as one without a record
time, the update is skipped (logged with its place, counted), and the gateway is ready."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from kafka import KafkaProducer

from schemas import examples
from schemas.cases import CaseUpdate, UpdateKind
from schemas.keys import CaseKey, SubmissionKey
from schemas.registry import CASES_UPDATES, PETITIONS_SUBMITTED
from services.devtools.kafka_local import KafkaLocal
from tests.integration.test_gateway import KEY, Running, _settings, wait_until
from tests.integration.test_petitioner_and_agency import (
    AGENCY_KEYS,
    HOUSING_KEY,
    _publish_verdicts,
    _verdict,
)

pytestmark = pytest.mark.integration

#: 10000-01-01T00:00:00Z in ms: a channel's clock gone wrong, or a hostile channel.
YEAR_10000_MS = 253_402_300_800_000


def _update(case_id: str, at: datetime, update_id: str) -> CaseUpdate:
    return CaseUpdate(
        update_id=update_id,
        case_id=case_id,
        kind=UpdateKind.ACCEPTED,
        occurred_at=at,
        agency_code="610302-housing",
    )


def test_records_no_view_can_fold_are_skipped_and_the_gateway_is_ready(
    kafka: KafkaLocal, prefix: str
) -> None:
    now = datetime.now(UTC)
    stamped = f"ts-10000-{uuid.uuid4().hex[:8]}"
    far, fine = (_verdict(f"far-{uuid.uuid4().hex[:8]}", now - timedelta(hours=2)),
                 _verdict(f"fine-{uuid.uuid4().hex[:8]}", now - timedelta(hours=2)))  # fmt: skip
    _publish_verdicts(kafka.bootstrap, prefix, far, fine)
    producer = KafkaProducer(bootstrap_servers=kafka.bootstrap, acks="all")
    petition = {**examples.MINIMAL_PETITION, "submission_id": stamped}
    producer.send(
        PETITIONS_SUBMITTED.full_name(prefix),
        key=SubmissionKey(submission_id=stamped).to_json_bytes(),
        value=json.dumps(petition).encode(),
        timestamp_ms=YEAR_10000_MS,
    ).get(30)
    # Written before the contract bounded its times (1900 to 2200 China time), as records
    # kept on the topic for ever were: the model as it was, unvalidated.
    late = _update(far.case_id, now, "u-9999").model_copy(
        update={"occurred_at": datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)}
    )
    accepted = _update(fine.case_id, now - timedelta(hours=1), "u-fine")
    for update in (late, accepted):
        producer.send(
            CASES_UPDATES.full_name(prefix),
            key=CaseKey(case_id=update.case_id).to_json_bytes(),
            value=update.to_json_bytes(),
        ).get(30)
    producer.close()

    settings = _settings(kafka.bootstrap, prefix, agency_keys=AGENCY_KEYS)
    with Running(settings) as running:
        ready = wait_until(
            lambda: httpx.get(f"{running.url}/ready", timeout=10).status_code == 200,
            "the gateway did not become ready",
            timeout=60,
        )
        assert ready
        view = running.built.gateway.view
        wait_until(lambda: running.built.gateway.feed.caught_up, "the view did not catch up")
        assert view.by_submission(stamped) is not None
        for case in (far, fine):
            state = httpx.get(f"{running.url}/v1/agency/cases/{case.case_id}",
                              headers={"X-Agency-Key": HOUSING_KEY}, timeout=30)  # fmt: skip
            assert state.status_code == 200, state.text
        record = view.get(fine.case_id)
        assert record is not None
        assert record.updates == (accepted,)
        record = view.get(far.case_id)
        assert record is not None
        assert record.updates == ()
        # The case the far update was for still takes an acceptance.
        taken = httpx.post(
            f"{running.url}/v1/agency/cases/{far.case_id}/updates",
            json={"kind": "accepted"},
            headers={"X-Agency-Key": HOUSING_KEY},
            timeout=30,
        )
        assert taken.status_code == 202, taken.text
        submitted = httpx.post(
            f"{running.url}/v1/petitions",
            json={**examples.MINIMAL_PETITION, "submission_id": f"after-{uuid.uuid4().hex[:8]}",
                  "received_at": datetime.now(UTC).isoformat()},
            headers={"X-API-Key": KEY},
            timeout=30,
        )  # fmt: skip
        assert submitted.status_code == 202, submitted.text
        metrics = httpx.get(f"{running.url}/metrics", timeout=30).text
        assert 'xinfang_gateway_status_feed_skipped_total{topic="cases.updates"} 1.0' in metrics
        assert 'xinfang_gateway_status_feed_skipped_total{topic="petitions.submitted"} 0.0' in (
            metrics
        )
