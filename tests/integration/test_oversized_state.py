"""A state write too large for its changelog, on a real broker: the message that made it
becomes a dead letter (reason, original bytes), the service keeps running and handles the
next message, and the state restored from the changelogs after a restart has every write
that was kept and none that was refused. Before, the record reached Faust's producer
buffer, whose send failed in a task of its own: the worker crashed (exit 1) and crashed
again on the redelivered message."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from kafka import KafkaProducer

from schemas.registry import CASES_UPDATES, LEDGER_SNAPSHOTS, PETITIONS_REJECTED
from services.devtools.kafka_local import KafkaLocal, free_port
from tests.waiting import values

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


def _start(
    kafka: KafkaLocal, prefix: str, data: Path, log: Path, *args: str
) -> subprocess.Popen[bytes]:
    env = dict(os.environ)
    env.update(
        XINFANG_BOOTSTRAP_SERVERS=kafka.bootstrap, XINFANG_TOPIC_PREFIX=prefix,
        XINFANG_DATA_DIR=str(data), XINFANG_WEB_PORT=str(free_port()),
        XINFANG_STANDBY_REPLICAS="0", XINFANG_LOG_FORMAT="text",
    )  # fmt: skip
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "tests.integration.state_writer", *args],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip


def _wait(
    kafka: KafkaLocal, topic: str, count: int, log: Path, timeout: float = 90.0
) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    found: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        found = values(kafka.bootstrap, topic)
        if len(found) >= count:
            return found
        time.sleep(0.5)
    tail = "\n".join(log.read_text(errors="replace").splitlines()[-30:])
    raise AssertionError(f"{topic}: {len(found)} of {count}\n{tail}")


def test_a_state_write_too_large_for_its_changelog_is_dead_lettered_not_lost(
    kafka: KafkaLocal, prefix: str, tmp_path: Path
) -> None:
    data, log = tmp_path / "state", tmp_path / "service.log"
    reports, rejected = LEDGER_SNAPSHOTS.full_name(prefix), PETITIONS_REJECTED.full_name(prefix)
    producer = KafkaProducer(bootstrap_servers=kafka.bootstrap, acks="all")
    source = CASES_UPDATES.full_name(prefix)

    def send(key: bytes, size: int) -> None:
        producer.send(source, key=key, value=str(size).encode(), partition=0).get(30)

    service = _start(kafka, prefix, data, log)
    try:
        send(b"small", 100)
        send(b"big", 1_200_000)  # its state record: 1.2 MB, over the 1,000,000 a record takes
        send(b"after", 10)
        _wait(kafka, reports, 2, log)
        letters = _wait(kafka, rejected, 1, log)
        assert sorted(r["key"] for r in values(kafka.bootstrap, reports)) == ["after", "small"]
        [letter] = letters
        assert letter["reason"] == "output_too_large"
        assert letter["detail"].startswith("a record of table written would be 1200")
        assert (letter["source_offset"], letter["original_value_b64"]) == (1, "MTIwMDAwMA==")
        assert service.poll() is None, "the service stopped"
        service.terminate()
        assert service.wait(60) == 0

        # The local store thrown away: the state comes back from the changelog alone.
        shutil.rmtree(data)
        service = _start(kafka, prefix, data, log)
        send(b"small", 1)
        send(b"big", 1)
        found = _wait(kafka, reports, 4, log)
        stored_before = sorted((r["key"], r["stored_before"]) for r in found)
        assert stored_before == [("after", 0), ("big", 0), ("small", 0), ("small", 100)]
        assert service.poll() is None
    finally:
        producer.close()
        service.terminate()
        service.wait(60)


@pytest.mark.parametrize("mode", ["--held", "--later"])
def test_a_held_write_too_large_for_its_changelog_is_dead_lettered_with_its_message(
    kafka: KafkaLocal, prefix: str, tmp_path: Path, mode: str
) -> None:
    """Notification's tables hold a batch's writes until its outputs are acknowledged
    (services.common.held); an oversized one was found only when applied after them, and
    the service exited 74 on it, again on every redelivery. Escalation's due index is
    written once per batch, when it ends (``--later``: services.common.batch_reads): its
    oversized write must refuse its message too, and take back the marker kept before it."""
    data, log = tmp_path / "state", tmp_path / "service.log"
    reports, rejected = LEDGER_SNAPSHOTS.full_name(prefix), PETITIONS_REJECTED.full_name(prefix)
    producer = KafkaProducer(bootstrap_servers=kafka.bootstrap, acks="all")
    source = CASES_UPDATES.full_name(prefix)

    def send(key: bytes, size: int) -> None:
        producer.send(source, key=key, value=str(size).encode(), partition=0).get(30)

    def seen(count: int) -> list[tuple[str, int, bool]]:
        found = _wait(kafka, reports, count, log)
        return sorted((r["key"], r["stored_before"], r["marked_before"]) for r in found)

    service = _start(kafka, prefix, data, log, mode)
    try:
        send(b"small", 100)
        send(b"big", 1_200_000)  # its marker is held, then its bytes are refused
        send(b"big", 10)  # the refused message's marker was taken back with it
        assert seen(2) == [("big", 0, False), ("small", 0, False)]
        [letter] = _wait(kafka, rejected, 1, log)
        assert letter["reason"] == "output_too_large"
        assert letter["detail"].startswith("a record of table written would be 1200")
        assert letter["source_offset"] == 1
        assert service.poll() is None, "the service stopped"
        service.terminate()
        assert service.wait(60) == 0

        # The local store thrown away: the state comes back from the changelog alone.
        shutil.rmtree(data)
        service = _start(kafka, prefix, data, log, mode)
        send(b"small", 1)
        send(b"big", 1)
        assert seen(4) == [
            ("big", 0, False), ("big", 10, True), ("small", 0, False), ("small", 100, True),
        ]  # fmt: skip
        assert service.poll() is None
    finally:
        producer.close()
        service.terminate()
        service.wait(60)
