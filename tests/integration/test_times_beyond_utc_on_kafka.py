"""An update whose occurred_at is valid ISO 8601 but beyond Python's datetime once in UTC,
for a case with no verdict yet, on a real broker: escalation dead-letters it and goes on.

Before the contract bounded its times, escalation's remember() raised OverflowError on such
an update (indexing the orphan at its due time), the service left with exit 74, and left
again on the same record at every restart: every escalation stopped.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import pytest

from schemas.cases import Verdict
from schemas.keys import CaseKey
from schemas.registry import CASES_DEDUPLICATED, CASES_ESCALATED, CASES_UPDATES, PETITIONS_REJECTED
from services.cli.pipeline import LocalPipeline
from services.common.producer import make_producer
from services.devtools.kafka_local import KafkaLocal
from tests.integration.test_petitioner_and_agency import _verdict
from tests.waiting import values, wait_for_count

pytestmark = pytest.mark.integration

BEYOND_UTC = ("9999-12-31T23:00:00-05:00", "0001-01-01T00:00:00+14:00")


def _update(case_id: str, occurred_at: str, n: int) -> bytes:
    return json.dumps(
        {"update_id": f"{case_id}-u{n}", "case_id": case_id, "kind": "accepted",
         "occurred_at": occurred_at, "agency_code": "610302-housing"}
    ).encode()  # fmt: skip


def test_an_orphan_update_beyond_utc_is_dead_lettered_and_escalation_goes_on(
    kafka: KafkaLocal, prefix: str, pipeline: LocalPipeline
) -> None:
    pipeline.start("escalation")
    pipeline.wait_healthy()
    now = datetime.now(UTC)
    # The fourth petition of a matter: escalation packages it to a leader at once.
    fourth = _verdict("portal-beyond-utc", now - timedelta(hours=2))
    fourth = fourth.model_copy(update={"verdict": Verdict.REPEAT, "repeat_count": 3})
    producer = make_producer(kafka.bootstrap)
    records = [
        # Orphans (no verdict has come, nor will), then one for a case whose verdict follows.
        *[(CASES_UPDATES, f"XF-ORPHAN{n}", _update(f"XF-ORPHAN{n}", at, n))
          for n, at in enumerate(BEYOND_UTC)],
        (CASES_UPDATES, fourth.case_id, _update(fourth.case_id, BEYOND_UTC[0], 9)),
        (CASES_DEDUPLICATED, fourth.case_id, fourth.to_json_bytes()),
    ]  # fmt: skip
    for spec, case_id, value in records:
        key = CaseKey(case_id=case_id).to_json_bytes()
        producer.send(spec.full_name(prefix), key=key, value=value)
    producer.flush()
    producer.close()

    def tail() -> str:
        return pipeline.log_tail("escalation")

    letters = wait_for_count(kafka.bootstrap, PETITIONS_REJECTED.full_name(prefix), 3,
                             log_tail=tail)  # fmt: skip
    assert {letter["stage"] for letter in letters} == {"escalation"}
    assert {letter["reason"] for letter in letters} == {"schema_violation"}
    for letter in letters:
        assert "is outside the times the contract takes" in letter["detail"], letter["detail"]
    # Every record is read and the verdict behind them escalated: the service goes on.
    [escalated] = wait_for_count(kafka.bootstrap, CASES_ESCALATED.full_name(prefix), 1,
                                 log_tail=tail)  # fmt: skip
    assert (escalated["case_id"], escalated["reason"]) == (fourth.case_id, "leadership_package")
    time.sleep(3)
    process = pipeline.processes["escalation"].process
    assert process is not None
    assert process.poll() is None, tail()
    assert '"critical"' not in tail()
    assert len(values(kafka.bootstrap, PETITIONS_REJECTED.full_name(prefix))) == 3
