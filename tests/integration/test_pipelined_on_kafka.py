"""A pipelined batch loop (``pipeline_depth`` 2: a batch handled while the one before it
commits) on a real broker yields the same outputs and the same state as one batch at a
time (depth 1): intake and dedup over one generated backlog, in small batches."""

from __future__ import annotations

import json
import time
import uuid
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from schemas.registry import (
    CASES_DEDUPLICATED,
    CASES_REGISTERED,
    PETITIONS_REJECTED,
    PETITIONS_SUBMITTED,
)
from services.cli.generate import generate
from services.cli.pipeline import LocalPipeline
from services.cli.submit import submission_key
from services.common.producer import make_producer
from services.common.readback import end_offsets, read_all
from services.common.topics import create_topics
from services.devtools.kafka_local import KafkaLocal
from services.intake.routing import agency_codes

pytestmark = pytest.mark.integration

PETITIONS = 400
#: Before any service of the test runs (its clock's stamps are later).
STARTED = datetime.now(UTC) - timedelta(minutes=1)
OUTPUTS = (CASES_REGISTERED, CASES_DEDUPLICATED, PETITIONS_REJECTED)

#: Per topic: each partition's records, (key, value) in offset order.
Topics = dict[str, dict[int, list[tuple[bytes | None, bytes | None]]]]


def _settled(bootstrap: str, topics: list[str], seconds: float = 6.0) -> None:
    """Wait until no record has been added to ``topics`` for ``seconds``."""
    deadline = time.monotonic() + 240
    last, since = None, time.monotonic()
    while time.monotonic() < deadline:
        now = end_offsets(bootstrap, topics)
        if now != last:
            last, since = now, time.monotonic()
        elif any(now.values()) and time.monotonic() - since >= seconds:
            return
        time.sleep(1)
    raise AssertionError(f"the outputs never settled: {last}")


def _run(kafka: KafkaLocal, work: Path, depth: int, lines: list[bytes]) -> tuple[Topics, Topics]:
    prefix = f"t{uuid.uuid4().hex[:10]}."
    create_topics(kafka.bootstrap, prefix, agency_codes())
    # The backlog first, so that the batches follow one another without a pause; all of
    # it on one partition, so that intake's outputs come in one order in both runs (from
    # several, their interleaving would depend on the fetches).
    producer = make_producer(kafka.bootstrap)
    for line in lines:
        producer.send(
            PETITIONS_SUBMITTED.full_name(prefix), key=submission_key(line), value=line,
            partition=0,
        )  # fmt: skip
    producer.flush()
    producer.close()
    pipeline = LocalPipeline(kafka.bootstrap, prefix, work / f"depth-{depth}")
    pipeline.extra_env.update(XINFANG_PIPELINE_DEPTH=str(depth), XINFANG_BATCH_MAX_MESSAGES="16")
    try:
        pipeline.start("intake")
        pipeline.start("dedup")
        pipeline.wait_healthy()
        names = [spec.full_name(prefix) for spec in OUTPUTS]
        _settled(kafka.bootstrap, names)
        outputs = {
            name[len(prefix) :]: _by_partition(kafka.bootstrap, name, prefix) for name in names
        }
        assert pipeline.stop("dedup") == 0
        assert pipeline.stop("intake") == 0
    finally:
        pipeline.stop_all()
    state = {
        topic[len(prefix) :]: _by_partition(kafka.bootstrap, topic, prefix)
        for topic in _changelog_topics(kafka, prefix)
    }
    return outputs, state


def _changelog_topics(kafka: KafkaLocal, prefix: str) -> list[str]:
    from kafka import KafkaAdminClient

    admin = KafkaAdminClient(bootstrap_servers=kafka.bootstrap)
    try:
        return sorted(
            topic for topic in admin.list_topics()
            if topic.startswith(prefix) and topic.endswith("-changelog")
        )  # fmt: skip
    finally:
        admin.close()


def _by_partition(
    bootstrap: str, topic: str, prefix: str
) -> dict[int, list[tuple[bytes | None, bytes | None]]]:
    """Each partition's records; the run's topic prefix (a dead letter names its source
    topic, in its key too) made one, as the clock's moments (``_timeless``)."""
    records: dict[int, list[tuple[bytes | None, bytes | None]]] = defaultdict(list)
    for record in sorted(read_all(bootstrap, topic), key=lambda r: (r.partition, r.offset)):
        value = None if record.value is None else record.value.replace(prefix.encode(), b"<p>.")
        key = None if record.key is None else record.key.replace(prefix.encode(), b"<p>.")
        records[record.partition].append((key, _timeless(value)))
    return dict(records)


def _timeless(value: bytes | None) -> bytes | None:
    """``value`` with the moments the services stamp from their clock (a case's
    ``registered_at``, a verdict's time) made one: every other byte must be the same.
    The generated petitions are all received before the test starts."""
    if value is None:
        return None
    try:
        document = json.loads(value)
    except ValueError:
        return value
    return json.dumps(_stamped(document), sort_keys=True).encode()


def _stamped(node: Any) -> Any:
    if isinstance(node, dict):
        return {key: _stamped(item) for key, item in node.items()}
    if isinstance(node, list):
        return [_stamped(item) for item in node]
    if isinstance(node, str) and len(node) >= 19 and node[4:5] == "-" and node[10:11] == "T":
        try:
            moment = datetime.fromisoformat(node)
        except ValueError:
            return node
        if moment.tzinfo is not None and moment >= STARTED:
            return "<clock>"
    return node


def _by_key(
    records: dict[int, list[tuple[bytes | None, bytes | None]]],
) -> dict[bytes | None, list[bytes | None]]:
    """Each key's values in order (a key naming its run's topic, as a dead letter's key
    may, lands on another partition in the other run)."""
    keyed: dict[bytes | None, list[bytes | None]] = defaultdict(list)
    for partition_records in records.values():
        for key, value in partition_records:
            keyed[key].append(value)
    return dict(keyed)


def _final(records: dict[int, list[tuple[bytes | None, bytes | None]]]) -> dict[bytes, bytes]:
    """A compacted changelog's state: each key's last value (tombstones drop it)."""
    state: dict[bytes, bytes] = {}
    for partition in records.values():
        for key, value in partition:
            assert key is not None
            if value is None:
                state.pop(key, None)
            else:
                state[key] = value
    return state


def test_a_pipelined_run_gives_the_outputs_and_state_of_one_batch_at_a_time(
    kafka: KafkaLocal, tmp_path: Path
) -> None:
    lines = generate(PETITIONS, seed=12).lines
    one_outputs, one_state = _run(kafka, tmp_path, 1, lines)
    two_outputs, two_state = _run(kafka, tmp_path, 2, lines)
    assert sum(len(p) for p in one_outputs["cases.deduplicated"].values()) > PETITIONS // 2
    # No output lost or doubled, and each partition's in the same order.
    for topic, partitions in one_outputs.items():
        everything = Counter(r for records in partitions.values() for r in records)
        again = Counter(r for records in two_outputs[topic].values() for r in records)
        assert again == everything, topic
        # Each key's records in the same order (the order of keys from two input
        # partitions of a stage may interleave otherwise from run to run).
        assert _by_key(two_outputs[topic]) == _by_key(partitions), topic
    assert two_outputs["cases.registered"] == one_outputs["cases.registered"]
    # The state the changelogs restore is the same.
    assert one_state.keys() == two_state.keys()
    assert one_state
    for topic, records in one_state.items():
        assert _final(two_state[topic]) == _final(records), topic
