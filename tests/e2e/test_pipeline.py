"""The five services as separate OS processes on a real broker: exact counts everywhere."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from schemas.registry import (
    CASES_DEADLINES,
    CASES_DEDUPLICATED,
    CASES_ESCALATED,
    CASES_REGISTERED,
    NOTIFICATIONS_DELIVERED,
    PETITIONS_REJECTED,
)
from services.cli.demo import wait_drained
from services.cli.generate import generate
from services.cli.pipeline import LocalPipeline
from services.cli.submit import publish_lines
from services.common.dlq import Rejected
from services.common.producer import make_producer
from services.common.readback import read_all
from services.common.submitted import parse
from services.devtools.kafka_local import KafkaLocal
from tests.e2e.recoveries import warn_of_recoveries
from tests.waiting import values

pytestmark = pytest.mark.e2e


def expected_intake(lines: list[bytes]) -> tuple[int, int, list[list[str]]]:
    """Registered and rejected counts, and the submission ids of each planted repeat group,
    computed independently of the services."""
    registered: dict[str, tuple[str, str]] = {}
    rejected = 0
    for line in lines:
        try:
            petition = parse(line)
        except Rejected:
            rejected += 1
            continue
        identity = json.dumps(petition.petitioner.model_dump(mode="json"), sort_keys=True)
        registered.setdefault(petition.submission_id, (identity, petition.content))
    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    for submission_id, raised in registered.items():
        groups[raised].append(submission_id)
    return len(registered), rejected, [ids for ids in groups.values() if len(ids) > 1]


def test_the_pipeline_processes_every_petition_exactly_once(
    kafka: KafkaLocal, prefix: str, pipeline: LocalPipeline
) -> None:
    pipeline.start_all()
    pipeline.supervise()
    pipeline.wait_healthy()
    batch = generate(400, seed=11, start=datetime.now(UTC) - timedelta(hours=12))
    report = publish_lines(batch.lines, bootstrap=kafka.bootstrap, prefix=prefix)
    assert report.acknowledged == len(batch.lines)
    registered, rejected, repeat_groups = expected_intake(batch.lines)
    assert repeat_groups, "the generated batch must plant repeats"

    result = wait_drained(kafka.bootstrap, prefix, len(batch.lines), timeout=240)
    warn_of_recoveries(pipeline)
    # submitted = registered + rejected + retries; registered = deduplicated; a receipt
    # per verdict; every escalated case in an alert digest.
    assert result.problems() == []
    assert result.registered == registered
    assert result.rejected_total == rejected
    assert sum(result.verdicts.values()) == registered
    assert result.delivered["receipt"] + result.failed["receipt"] == registered

    verdicts = {
        v["case_id"]: v for v in values(kafka.bootstrap, CASES_DEDUPLICATED.full_name(prefix))
    }
    by_submission = {v["case"]["submission_id"]: v for v in verdicts.values()}
    # Same person, same words: one matter, and all but one of them repeats.
    for group in repeat_groups:
        linked = [by_submission[submission_id] for submission_id in group]
        assert len({v["matter_id"] for v in linked}) == 1, group
        assert sum(v["verdict"] == "repeat" for v in linked) == len(group) - 1, group

    escalations = values(kafka.bootstrap, CASES_ESCALATED.full_name(prefix))
    by_reason: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for escalation in escalations:
        by_reason[escalation["reason"]].append(escalation)
    # A leadership package case exactly for each case whose repeat count reaches 3 ...
    assert by_reason["leadership_package"], "the batch plants persistent petitioners"
    assert {e["case_id"] for e in by_reason["leadership_package"]} == {
        case_id for case_id, v in verdicts.items() if v["repeat_count"] == 3
    }
    # ... one collective petition for each matter of 5 or more petitioners ...
    crowded = {v["matter_id"] for v in verdicts.values() if v["matter_petitioners"] >= 5}
    collective = Counter(e["matter_id"] for e in by_reason["collective_petition"])
    assert crowded <= set(collective)
    # ... and, the petitions being hours old, no legal clock has run out.
    assert not by_reason["deadline_breach"]
    assert values(kafka.bootstrap, CASES_DEADLINES.full_name(prefix)) == []
    assert len({e["escalation_id"] for e in escalations}) == len(escalations)

    # A redelivered verdict (an upstream replay) never yields a second notice.
    replayed = read_all(kafka.bootstrap, CASES_DEDUPLICATED.full_name(prefix))[:20]
    producer = make_producer(kafka.bootstrap)
    for record in replayed:
        producer.send(CASES_DEDUPLICATED.full_name(prefix), key=record.key, value=record.value)
    producer.flush()
    producer.close()
    again = wait_drained(kafka.bootstrap, prefix, len(batch.lines), timeout=60)
    assert again.delivered["receipt"] == result.delivered["receipt"]
    notices = values(kafka.bootstrap, NOTIFICATIONS_DELIVERED.full_name(prefix))
    by_id: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for notice in notices:
        by_id[notice["notification_id"]].append(notice)
    # One record per notice, except an output the broker was slow to acknowledge, sent
    # again (logged) as the very same record, which consumers count once by its id.
    copies = [same for same in by_id.values() if len(same) > 1]
    assert all(all(copy == same[0] for copy in same) for same in copies), copies
    if copies:
        assert "sending again" in pipeline.log_tail("notification", 2000), copies

    # Exact counts on the intake topics.
    assert len(read_all(kafka.bootstrap, CASES_REGISTERED.full_name(prefix))) == registered
    assert len(read_all(kafka.bootstrap, PETITIONS_REJECTED.full_name(prefix))) == rejected
    assert all(code == 0 for code in pipeline.stop_all().values())
