"""Scaling out, proven: two workers of every service in one consumer group each.

The partitions of every input are split between a service's two workers; one worker of
each service is killed with SIGKILL in the middle of a large backlog, and the survivors
take its partitions over (standby replicas hold its tables). When the pipeline has
drained, every petition is accounted for once at every stage: each case registered, each
case given a verdict, each receipt sent, and an id written twice (a batch redone after the
kill) is the same record both times. A second scenario kills the broker itself with
SIGKILL mid-run and starts it again on the same data directory.
"""

from __future__ import annotations

import json
import logging
import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from kafka import KafkaAdminClient
from kafka.errors import CoordinatorLoadInProgressError, CoordinatorNotAvailableError

from schemas.registry import (
    CASES_DEDUPLICATED,
    CASES_ESCALATED,
    CASES_REGISTERED,
    NOTIFICATIONS_DELIVERED,
    NOTIFICATIONS_FAILED,
    PETITIONS_SUBMITTED,
)
from services.bench.probes import assigned_partitions
from services.cli.demo import wait_drained
from services.cli.generate import generate
from services.cli.offline import registered_cases
from services.cli.pipeline import WORKER_MARK, LocalPipeline
from services.cli.submit import publish_lines
from services.common.keys import DEMO_HMAC_KEY
from services.common.topics import create_topics
from services.devtools.kafka_local import KafkaLocal, free_port
from services.intake.routing import agency_codes
from tests.e2e.recoveries import warn_of_recoveries
from tests.waiting import values, wait_for_count

pytestmark = [pytest.mark.e2e, pytest.mark.kill]

SERVICES = ("intake", "dedup", "escalation", "notification")
#: The input whose partitions show how a service's group is split.
INPUTS = {
    "intake": PETITIONS_SUBMITTED,
    "dedup": CASES_REGISTERED,
    "escalation": CASES_DEDUPLICATED,
    "notification": CASES_DEDUPLICATED,
}
COUNT = int(os.environ.get("XINFANG_SCALE_OUT_PETITIONS", "20000"))


def _assignments(bootstrap: str, group: str) -> list[dict[str, set[int]]]:
    """Each member's assigned partitions per topic, from the group coordinator."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    # kafka-python cannot read Faust's member metadata and says so for every member.
    quiet = logging.getLogger("kafka.admin")
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        described: Any = admin.describe_groups([group])
    finally:
        quiet.setLevel(level)
        admin.close()
    assignments = [
        member.get("member_assignment") for member in described[group].get("members", [])
    ]
    # A member whose assignment is none of kafka-python's forms is not counted, as before.
    return [assigned_partitions(a) for a in assignments if isinstance(a, dict | str | bytes)]


def _wait_split(bootstrap: str, prefix: str, timeout: float = 180.0) -> None:
    """Until each service's two workers both hold input partitions, and none twice."""
    deadline = time.monotonic() + timeout
    last: dict[str, list[dict[str, set[int]]]] = {}
    while time.monotonic() < deadline:
        split = True
        for service in SERVICES:
            topic = INPUTS[service].full_name(prefix)
            try:
                members = _assignments(bootstrap, f"{prefix}xinfang-{service}")
            except (CoordinatorNotAvailableError, CoordinatorLoadInProgressError):
                # The broker has not taken the group's coordination up yet: ask again.
                members = []
            last[service] = members
            held = [m.get(topic, set()) for m in members]
            every = [p for partitions in held for p in partitions]
            if len(held) != 2 or not all(held) or sorted(every) != list(range(4)):
                split = False
        if split:
            return
        time.sleep(2.0)
    raise AssertionError(f"the partitions were not split between two workers: {last}")


def _same_copies(
    records: list[dict[str, Any]], id_field: str, *decisive: str
) -> dict[str, dict[str, Any]]:
    """The records by id, after checking that copies of one id make the same decision:
    the same ``decisive`` fields, or the same record but for its moments when none are
    named. (A verdict redone after the kill sees its own case in the matter already, so
    its counts may differ; its verdict and matter may not.)"""
    by_id: dict[str, dict[str, Any]] = {}
    for record in records:
        key = str(record[id_field])
        if key in by_id:
            assert _decision(by_id[key], decisive) == _decision(record, decisive), (
                key, by_id[key], record)  # fmt: skip
        by_id[key] = record
    return by_id


def _decision(record: dict[str, Any], decisive: tuple[str, ...]) -> str:
    if decisive:
        return json.dumps([record.get(name) for name in decisive], ensure_ascii=False)
    stable = {k: v for k, v in record.items() if not k.endswith("_at") or k == "received_at"}
    return json.dumps(stable, sort_keys=True, ensure_ascii=False)


def _check_accounting(bootstrap: str, prefix: str, lines: list[bytes]) -> None:
    cases, _ = registered_cases(lines, DEMO_HMAC_KEY.encode())
    expected = {case.case_id for case in cases}
    registered = _same_copies(values(bootstrap, CASES_REGISTERED.full_name(prefix)), "case_id")
    assert set(registered) == expected, "a case was lost or invented"
    verdicts = _same_copies(
        values(bootstrap, CASES_DEDUPLICATED.full_name(prefix)), "case_id", "verdict", "matter_id"
    )
    assert set(verdicts) == expected, "a verdict was lost or invented"
    _same_copies(
        values(bootstrap, CASES_ESCALATED.full_name(prefix)), "escalation_id", "case_id", "reason"
    )
    notices = values(bootstrap, NOTIFICATIONS_DELIVERED.full_name(prefix))
    notices += values(bootstrap, NOTIFICATIONS_FAILED.full_name(prefix))
    by_id = _same_copies(notices, "notification_id", "case_id", "kind")
    receipts = {n["case_id"] for n in by_id.values() if n.get("kind") == "receipt"}
    assert receipts == expected, "a receipt was lost"


def _petitions(count: int, seed: int) -> list[bytes]:
    # Received over the last hours: no legal clock has run out, no breach to wait for.
    start = datetime.now(UTC) - timedelta(hours=count * 10 // 1000 + 2)
    return generate(count, seed=seed, start=start).lines


def test_two_workers_of_each_service_split_the_partitions_and_survive_a_kill(
    kafka: KafkaLocal, prefix: str, tmp_path: Path
) -> None:
    names = [*SERVICES, *(f"{service}{WORKER_MARK}2" for service in SERVICES)]
    pipeline = LocalPipeline(
        kafka.bootstrap,
        prefix,
        tmp_path,
        services=tuple(names),
        extra_env={"XINFANG_STANDBY_REPLICAS": "1"},
    )
    lines = _petitions(COUNT, seed=41)
    try:
        pipeline.start_all()
        pipeline.supervise()
        pipeline.wait_healthy(timeout=240)
        _wait_split(kafka.bootstrap, prefix)
        report = publish_lines(lines, bootstrap=kafka.bootstrap, prefix=prefix)
        assert report.acknowledged == len(lines)
        # Mid-run: a quarter of the verdicts are out.
        wait_for_count(
            kafka.bootstrap, CASES_DEDUPLICATED.full_name(prefix), COUNT // 4, timeout=600,
            log_tail=lambda: pipeline.log_tail("dedup"),
        )  # fmt: skip
        for service in SERVICES:
            pipeline.kill(f"{service}{WORKER_MARK}2")
        result = wait_drained(kafka.bootstrap, prefix, len(lines), timeout=900, ledger=False)
        warn_of_recoveries(pipeline)
        # The four services a petition passes through run here; the ledger's restart
        # safety has its own kill test (tests/integration/test_ledger_on_kafka.py).
        assert result.problems(ledger=False) == []
        _check_accounting(kafka.bootstrap, prefix, lines)
    finally:
        pipeline.stop_all()


def test_a_broker_killed_and_started_again_mid_run_loses_nothing(tmp_path: Path) -> None:
    broker = KafkaLocal(tmp_path / "kafka", port=free_port(), controller_port=free_port())
    broker.up()
    prefix = "restart."
    create_topics(broker.bootstrap, prefix, agency_codes())
    pipeline = LocalPipeline(broker.bootstrap, prefix, tmp_path / "pipeline")
    count = max(2_000, COUNT // 4)
    lines = _petitions(count, seed=43)
    try:
        pipeline.start_all()
        pipeline.supervise()
        pipeline.wait_healthy(timeout=240)
        publish_lines(lines, bootstrap=broker.bootstrap, prefix=prefix)
        wait_for_count(
            broker.bootstrap, CASES_DEDUPLICATED.full_name(prefix), count // 4, timeout=600,
            log_tail=lambda: pipeline.log_tail("dedup"),
        )  # fmt: skip
        pid = broker.running_pid()
        assert pid is not None
        os.kill(pid, 9)
        time.sleep(5)
        broker.up()
        result = wait_drained(broker.bootstrap, prefix, len(lines), timeout=900)
        warn_of_recoveries(pipeline)
        assert result.problems() == []  # the ledger too: LocalPipeline runs all five
        _check_accounting(broker.bootstrap, prefix, lines)
    finally:
        pipeline.stop_all()
        broker.down()
