"""The four services as separate OS processes on a real broker: exact counts everywhere."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from collections import Counter

import pytest

from schemas.registry import (
    CASES_DEDUPLICATED,
    CASES_ESCALATED,
    CASES_REGISTERED,
    NOTIFICATIONS_DELIVERED,
    PETITIONS_REJECTED,
)
from services.cli.demo import wait_drained
from services.cli.generate import generate
from services.cli.pipeline import LocalPipeline
from services.cli.submit import make_producer, publish_lines
from services.common.dlq import Rejected
from services.common.kafka_local import KafkaLocal
from services.common.readback import read_all
from services.intake.register import parse
from tests.waiting import values

pytestmark = pytest.mark.e2e


def expected_outcome(lines: list[bytes]) -> dict[str, int]:
    """What the pipeline must produce, computed independently of the services."""
    registered: dict[str, tuple[str, str]] = {}
    rejected = 0
    for line in lines:
        try:
            petition = parse(line)
        except Rejected:
            rejected += 1
            continue
        if petition.submission_id in registered:
            continue
        identity = json.dumps(petition.petitioner.model_dump(mode="json"), sort_keys=True)
        registered[petition.submission_id] = (identity, petition.title + petition.content)
    raised = Counter(registered.values())
    return {
        "registered": len(registered),
        "rejected": rejected,
        "new": len(raised),
        "repeat": sum(n - 1 for n in raised.values()),
        # The petition that reaches a repeat count of 3 makes a leadership package case.
        "escalated": sum(1 for n in raised.values() if n >= 4),
    }


def test_the_pipeline_processes_every_petition_exactly_once(
    kafka: KafkaLocal, prefix: str, pipeline: LocalPipeline
) -> None:
    pipeline.start_all()
    pipeline.wait_healthy()
    batch = generate(400, seed=11, start=datetime.now(UTC) - timedelta(hours=12))
    report = publish_lines(batch.lines, bootstrap=kafka.bootstrap, prefix=prefix)
    assert report.acknowledged == len(batch.lines)
    want = expected_outcome(batch.lines)
    assert want["escalated"] > 0, "the generated batch must plant a leadership package case"

    result = wait_drained(kafka.bootstrap, prefix, len(batch.lines), timeout=240)
    assert result.problems() == []
    assert result.registered == want["registered"]
    assert result.rejected_total == want["rejected"]
    assert result.verdicts == Counter(new=want["new"], repeat=want["repeat"])
    assert sum(result.escalated.values()) == want["escalated"]
    # One receipt per verdict (a repeat is told which open case it joined, Art. 19); every
    # escalated case is in at least one digest to a supervising recipient (problems()).
    assert result.delivered["receipt"] == want["registered"]
    assert result.delivered["escalation_alert"] >= 1

    # A redelivered verdict (an upstream replay) never yields a second notice.
    verdicts = read_all(kafka.bootstrap, CASES_DEDUPLICATED.full_name(prefix))
    producer = make_producer(kafka.bootstrap)
    for record in verdicts[:20]:
        producer.send(CASES_DEDUPLICATED.full_name(prefix), key=record.key, value=record.value)
    producer.flush()
    producer.close()
    again = wait_drained(kafka.bootstrap, prefix, len(batch.lines), timeout=60)
    assert again.delivered["receipt"] == result.delivered["receipt"]
    notices = values(kafka.bootstrap, NOTIFICATIONS_DELIVERED.full_name(prefix))
    assert len({n["notification_id"] for n in notices}) == len(notices)

    # Exact counts on every output topic.
    counts = {
        spec.name: len(read_all(kafka.bootstrap, spec.full_name(prefix)))
        for spec in (CASES_REGISTERED, PETITIONS_REJECTED, CASES_ESCALATED)
    }
    assert counts == {
        "cases.registered": want["registered"],
        "petitions.rejected": want["rejected"],
        "cases.escalated": want["escalated"],
    }
    assert all(code == 0 for code in pipeline.stop_all().values())
