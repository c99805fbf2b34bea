"""Each service on a real broker: topics, intake's dead letters, dedup's state on restart."""

from __future__ import annotations

import base64
import json
import time

import pytest
from typer.testing import CliRunner

from schemas import examples
from schemas.registry import (
    CASES_DEDUPLICATED,
    CASES_REGISTERED,
    PETITIONER_CONTACTS,
    PETITIONS_REJECTED,
    TOPICS,
)
from services.cli.main import app as cli
from services.cli.pipeline import LocalPipeline
from services.cli.submit import publish_lines, submission_key
from services.common.producer import make_producer
from services.common.readback import read_all
from services.common.topics import create_topics
from services.common.worker import CLEAN_STOP_MARKER
from services.devtools.kafka_local import KafkaLocal
from services.intake.routing import agency_codes
from tests.waiting import values, wait_for_count

pytestmark = pytest.mark.integration


def _line(document: dict[str, object]) -> bytes:
    return json.dumps(document, ensure_ascii=False).encode()


def test_topics_create_is_safe_to_repeat(kafka: KafkaLocal) -> None:
    first = create_topics(kafka.bootstrap, "idem.", agency_codes())
    again = create_topics(kafka.bootstrap, "idem.", agency_codes())
    assert all(result.created for result in first)
    assert not any(result.created or result.error for result in again)
    plain_topics = [spec for spec in TOPICS if not spec.per_agency]
    assert len(first) == len(plain_topics) + len(agency_codes())


def test_intake_registers_valid_and_dead_letters_invalid_input(
    kafka: KafkaLocal, prefix: str, pipeline: LocalPipeline
) -> None:
    pipeline.start("intake")
    broken = b'{"submission_id": "portal-9", "channel": '
    lines = [_line(examples.MINIMAL_PETITION), broken, _line(examples.MINIMAL_PETITION)]
    report = publish_lines(lines, bootstrap=kafka.bootstrap, prefix=prefix)
    assert report.acknowledged == 3

    tail = lambda: pipeline.log_tail("intake")  # noqa: E731
    rejected = wait_for_count(
        kafka.bootstrap, PETITIONS_REJECTED.full_name(prefix), 1, log_tail=tail
    )
    registered = wait_for_count(
        kafka.bootstrap, CASES_REGISTERED.full_name(prefix), 1, log_tail=tail
    )
    time.sleep(2)  # the retried submission must not make a second case
    assert len(values(kafka.bootstrap, CASES_REGISTERED.full_name(prefix))) == 1

    letter = rejected[0]
    assert letter["reason"] == "invalid_json"
    assert base64.b64decode(letter["original_value_b64"]) == broken
    source = [r for r in read_all(kafka.bootstrap, f"{prefix}petitions.submitted")
              if r.value == broken]  # fmt: skip
    assert (letter["source_partition"], letter["source_offset"]) == (
        source[0].partition,
        source[0].offset,
    )
    case = registered[0]
    assert case["petitioner"]["name_masked"] == "张*"
    assert "13800138000" not in json.dumps(case)
    contacts = values(kafka.bootstrap, PETITIONER_CONTACTS.full_name(prefix))
    assert contacts[0]["phone_e164"] == "+8613800138000"


def test_dedup_state_survives_a_restart(
    kafka: KafkaLocal, prefix: str, pipeline: LocalPipeline
) -> None:
    pipeline.start("intake")
    pipeline.start("dedup")
    deduplicated = CASES_DEDUPLICATED.full_name(prefix)
    first = _line(examples.MINIMAL_PETITION)
    publish_lines([first], bootstrap=kafka.bootstrap, prefix=prefix)
    wait_for_count(kafka.bootstrap, deduplicated, 1, log_tail=lambda: pipeline.log_tail("dedup"))

    assert pipeline.stop("dedup") == 0  # SIGTERM: a graceful stop exits 0
    # ... and marks its local state as complete, so the restart keeps it (no full restore).
    markers = list((pipeline.work_dir / "state").rglob(CLEAN_STOP_MARKER))
    assert len(markers) == 1, markers
    pipeline.start("dedup")
    again = _line({**examples.MINIMAL_PETITION, "submission_id": "portal-000999"})
    publish_lines([again], bootstrap=kafka.bootstrap, prefix=prefix)
    verdicts = wait_for_count(
        kafka.bootstrap, deduplicated, 2, timeout=90, log_tail=lambda: pipeline.log_tail("dedup")
    )
    by_submission = {verdict["case"]["submission_id"]: verdict for verdict in verdicts}
    assert by_submission["portal-000123"]["verdict"] == "new"
    repeat = by_submission["portal-000999"]
    assert repeat["verdict"] == "repeat"
    assert repeat["repeat_count"] == 1
    assert repeat["first_case_id"] == by_submission["portal-000123"]["case_id"]


def test_a_run_of_invalid_messages_is_dead_lettered_and_does_not_stop_intake(
    kafka: KafkaLocal, prefix: str, pipeline: LocalPipeline
) -> None:
    # Input refused with a reason is intake working: a channel sending only broken records
    # must not stop it for every other channel. The failure limit (here 3) counts
    # processing errors (exceptions in a handler, a bad deploy's), not refusals
    # (tests/unit/common/test_failure_limit.py).
    pipeline.extra_env["XINFANG_MAX_CONSECUTIVE_FAILURES"] = "3"
    rejected_topic = PETITIONS_REJECTED.full_name(prefix)
    # One partition, so the order of the run is the order published.
    broken = [b'{"submission_id": "bad-%d", ' % i for i in range(6)]
    producer = make_producer(kafka.bootstrap)
    for line in [*broken, _line(examples.MINIMAL_PETITION)]:
        producer.send(f"{prefix}petitions.submitted", key=submission_key(line), value=line,
                      partition=0)  # fmt: skip
    producer.flush()
    producer.close()

    proc = pipeline.start("intake")
    assert proc.process is not None

    def tail() -> str:
        return pipeline.log_tail("intake")

    wait_for_count(kafka.bootstrap, CASES_REGISTERED.full_name(prefix), 1, log_tail=tail)
    letters = wait_for_count(kafka.bootstrap, rejected_topic, 6, log_tail=tail)
    assert sorted(letter["source_offset"] for letter in letters) == list(range(6))
    assert {letter["reason"] for letter in letters} == {"invalid_json"}
    assert proc.process.poll() is None, tail()
    assert "in a row" not in tail()


def test_dead_letters_are_replayed_to_their_source(
    kafka: KafkaLocal, prefix: str, pipeline: LocalPipeline
) -> None:
    pipeline.start("intake")
    letter_topic = PETITIONS_REJECTED.full_name(prefix)
    unknown_region = {**examples.MINIMAL_PETITION, "region_code": "999999"}
    publish_lines([_line(unknown_region), b"not json"], bootstrap=kafka.bootstrap, prefix=prefix)
    wait_for_count(kafka.bootstrap, letter_topic, 2, log_tail=lambda: pipeline.log_tail("intake"))

    result = CliRunner().invoke(
        cli,
        ["dlq", "replay", "--bootstrap", kafka.bootstrap, "--prefix", prefix,
         "--reason", "unknown_region"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "replayed 1" in result.output
    letters = wait_for_count(kafka.bootstrap, letter_topic, 3)
    replayed = [letter for letter in letters if letter["reason"] == "unknown_region"]
    assert len(replayed) == 2
    assert replayed[0]["original_value_b64"] == replayed[1]["original_value_b64"]
    assert replayed[1]["source_offset"] > replayed[0]["source_offset"]

    refused = CliRunner().invoke(cli, ["dlq", "replay", "--bootstrap", kafka.bootstrap])
    assert refused.exit_code == 2
    assert "choose what to replay" in refused.output
