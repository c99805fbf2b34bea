"""An agency system's update published straight to Kafka, on a real broker with the five
services: its text reaches cases.updates masked, and no topic that is not RESTRICTED, the
services' own and Faust's changelogs included, ever holds the personal data in clear."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Final

import pytest
from kafka import KafkaAdminClient, KafkaConsumer

from schemas import examples
from schemas.cases import CaseUpdate, UpdateKind
from schemas.keys import CaseKey, SubmissionKey
from schemas.registry import (
    CASES_DEDUPLICATED,
    CASES_UPDATES,
    CASES_UPDATES_SUBMITTED,
    PETITIONS_REJECTED,
    PETITIONS_SUBMITTED,
    TOPICS,
)
from services.cli.pipeline import LocalPipeline
from services.common.producer import make_producer
from services.common.readback import end_offsets, read_all
from services.devtools.kafka_local import KafkaLocal
from tests.waiting import values, wait_for_count

pytestmark = pytest.mark.integration

SERVICES: Final = ("intake", "dedup", "escalation", "notification", "ledger")
PHONE: Final = "13912345678"
ID_NUMBER: Final = "11010519491231002X"
REPLY: Final = f"已约谈开发商，月底前办证。信访人王某（身份证{ID_NUMBER}）请回电经办人{PHONE}。"
MASKED_REPLY: Final = (
    "已约谈开发商，月底前办证。信访人王某（身份证110105********002X）请回电经办人139****5678。"
)


def _send(kafka: KafkaLocal, records: list[tuple[str, bytes, bytes]]) -> None:
    producer = make_producer(kafka.bootstrap)
    try:
        futures = [producer.send(topic, key=key, value=value) for topic, key, value in records]
        producer.flush()
        for future in futures:
            future.get(timeout=30)
    finally:
        producer.close()


def _lagging_groups(kafka: KafkaLocal, prefix: str) -> list[str]:
    """The services' consumer groups with input they have not committed past yet: their
    registry inputs and every topic they committed on (the ticks' topics left out: they
    get new ticks all the time)."""
    admin = KafkaAdminClient(bootstrap_servers=kafka.bootstrap)
    try:
        lagging = []
        for service in SERVICES:
            group = f"{prefix}xinfang-{service}"
            committed: dict[str, int] = {}
            for tp, meta in admin.list_group_offsets({group: None})[group].items():
                committed[tp.topic] = committed.get(tp.topic, 0) + max(meta.offset, 0)
            inputs = {spec.full_name(prefix) for spec in TOPICS
                      if service in spec.consumers and not spec.per_agency}  # fmt: skip
            topics = [topic for topic in inputs | set(committed) if "tick" not in topic]
            ends = end_offsets(kafka.bootstrap, topics)
            lagging += [f"{group} on {t}" for t in topics if committed.get(t, 0) < ends[t]]
        return lagging
    finally:
        admin.close()


def test_an_agency_systems_update_is_masked_before_any_unrestricted_topic_holds_it(
    kafka: KafkaLocal, prefix: str, pipeline: LocalPipeline
) -> None:
    for service in SERVICES:
        pipeline.start(service)
    pipeline.wait_healthy(timeout=240)

    def tails() -> str:
        return "\n".join(pipeline.log_tail(service, 20) for service in SERVICES)

    now = datetime.now(UTC)
    submission_id = f"portal-{uuid.uuid4().hex[:8]}"
    petition = {**examples.MINIMAL_PETITION, "submission_id": submission_id,
                "received_at": (now - timedelta(hours=1)).isoformat()}  # fmt: skip
    _send(kafka, [(PETITIONS_SUBMITTED.full_name(prefix),
                   SubmissionKey(submission_id=submission_id).to_json_bytes(),
                   json.dumps(petition, ensure_ascii=False).encode())])  # fmt: skip
    [verdict] = wait_for_count(
        kafka.bootstrap, CASES_DEDUPLICATED.full_name(prefix), 1, 120, tails
    )
    case_id, agency = verdict["case_id"], verdict["case"]["agency"]["code"]

    # The agency's system accepts, then replies with two numbers written in its text.
    accepted = CaseUpdate(
        update_id=f"{agency}-1", case_id=case_id, kind=UpdateKind.ACCEPTED,
        occurred_at=now - timedelta(minutes=30), agency_code=agency,
    )  # fmt: skip
    replied = accepted.model_copy(
        update={"update_id": f"{agency}-2", "kind": UpdateKind.REPLIED,
                "occurred_at": now - timedelta(minutes=10), "reason": REPLY}
    )  # fmt: skip
    key = CaseKey(case_id=case_id).to_json_bytes()
    raw_topic = CASES_UPDATES_SUBMITTED.full_name(prefix)
    _send(kafka, [(raw_topic, key, accepted.to_json_bytes()),
                  (raw_topic, key, replied.to_json_bytes())])  # fmt: skip

    relayed = wait_for_count(kafka.bootstrap, CASES_UPDATES.full_name(prefix), 2, 120, tails)
    assert [(u["update_id"], u["kind"]) for u in relayed] == [
        (accepted.update_id, "accepted"), (replied.update_id, "replied")
    ]
    assert relayed[1]["reason"] == MASKED_REPLY
    assert [r.key for r in read_all(kafka.bootstrap, CASES_UPDATES.full_name(prefix))] == [key] * 2

    # Every service has read the updates and published what it derives from them.
    deadline = time.monotonic() + 120
    while (lagging := _lagging_groups(kafka, prefix)) and time.monotonic() < deadline:
        time.sleep(1)
    assert lagging == [], tails()
    # The lifecycle took both: nothing was refused anywhere.
    assert values(kafka.bootstrap, PETITIONS_REJECTED.full_name(prefix)) == []

    restricted = {spec.full_name(prefix) for spec in TOPICS if spec.restricted}
    consumer = KafkaConsumer(bootstrap_servers=kafka.bootstrap)
    try:
        topics = sorted(t for t in consumer.topics() if t.startswith(prefix))
    finally:
        consumer.close()
    open_topics = [topic for topic in topics if topic not in restricted]
    # The services' own topics and Faust's changelogs are among them.
    assert any(topic.endswith("-changelog") for topic in open_topics), open_topics
    clear = (PHONE.encode(), ID_NUMBER.encode())
    holding = {
        record.topic
        for topic in open_topics
        for record in read_all(kafka.bootstrap, topic)
        if any(c in (record.key or b"") or c in (record.value or b"") for c in clear)
    }
    assert holding == set()
    # The clear text is where the registry says it may be, so the search above can find it.
    assert any(PHONE.encode() in (r.value or b"") for r in read_all(kafka.bootstrap, raw_topic))
