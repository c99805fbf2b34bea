"""A broker that stops answering mid-stream: handlers waiting on it leave, and come back.

The broker process is frozen (SIGSTOP) while intake and dedup work through a backlog, so
their handlers wait on acknowledgements that do not come. After
``XINFANG_HANDLER_TIMEOUT_SECONDS`` each leaves with exit 75 and nothing committed; the
local supervisor starts it again (as ``restart: unless-stopped`` does in Compose), and
once the broker answers again every petition has its case and its verdict: none lost, and
a message done twice gives the same decision.
"""

from __future__ import annotations

import os
import signal
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from kafka.errors import KafkaError

from schemas.registry import CASES_DEDUPLICATED, CASES_REGISTERED
from services.cli.generate import generate
from services.cli.offline import registered_cases
from services.cli.pipeline import LocalPipeline
from services.cli.submit import publish_lines
from services.common.keys import DEMO_HMAC_KEY
from services.common.worker import EXIT_HANDLER_STUCK
from services.devtools.kafka_local import KafkaLocal
from tests.waiting import values, wait_for_count

pytestmark = pytest.mark.integration

FROZEN_SECONDS = 25
HANDLER_TIMEOUT = 10


def test_handlers_stuck_on_a_frozen_broker_leave_and_their_restarts_lose_nothing(
    kafka: KafkaLocal, prefix: str, pipeline: LocalPipeline
) -> None:
    pid = kafka.running_pid()
    assert pid is not None
    # About 15 hours of petitions, all received by now and no legal clock run out.
    batch = generate(1_500, seed=29, start=datetime.now(UTC) - timedelta(days=1))
    cases, _ = registered_cases(batch.lines, DEMO_HMAC_KEY.encode())
    pipeline.extra_env["XINFANG_HANDLER_TIMEOUT_SECONDS"] = str(HANDLER_TIMEOUT)
    pipeline.start("intake")
    pipeline.start("dedup")
    pipeline.supervise()
    pipeline.wait_healthy()
    publish_lines(batch.lines, bootstrap=kafka.bootstrap, prefix=prefix)
    registered_topic = CASES_REGISTERED.full_name(prefix)
    verdict_topic = CASES_DEDUPLICATED.full_name(prefix)
    wait_for_count(kafka.bootstrap, verdict_topic, 20, log_tail=lambda: pipeline.log_tail("dedup"))

    os.kill(pid, signal.SIGSTOP)  # mid-backlog: intake and dedup wait on their acks
    try:
        time.sleep(FROZEN_SECONDS)
    finally:
        os.kill(pid, signal.SIGCONT)

    def tails() -> str:
        return "\n".join(f"--- {n}\n{pipeline.log_tail(n, 30)}" for n in ("intake", "dedup"))

    expected = {case.case_id for case in cases}
    # Every case, not only as many records: a batch done again after a restart puts its
    # records on a topic twice, so a count can be reached with some cases still missing.
    # A case still missing after 240 s (as before, per topic) fails the asserts below.
    for topic in (registered_topic, verdict_topic):
        _wait_for_case_ids(kafka.bootstrap, topic, expected, time.monotonic() + 240)
    time.sleep(3)  # anything still in flight would show up below
    registered = values(kafka.bootstrap, registered_topic)
    found = values(kafka.bootstrap, verdict_topic)

    stuck = [r for r in pipeline.restarts if r.code == EXIT_HANDLER_STUCK]
    assert stuck, f"no handler left while the broker was frozen: {pipeline.restarts}\n{tails()}"
    assert all("a handler is stuck" in r.reason for r in stuck), stuck
    assert {c["case_id"] for c in registered} == expected, f"a case was lost\n{tails()}"
    per_case = Counter(verdict["case_id"] for verdict in found)
    assert set(per_case) == expected, f"a verdict was lost\n{tails()}"
    for case_id, count in per_case.items():
        if count > 1:  # done twice: the same decision both times
            decisions = {(v["verdict"], v["matter_id"]) for v in found if v["case_id"] == case_id}
            assert len(decisions) == 1, (case_id, decisions)


def _wait_for_case_ids(bootstrap: str, topic: str, expected: set[str], deadline: float) -> None:
    """Poll ``topic`` until its records name every case of ``expected``, or ``deadline``
    (``time.monotonic``) has passed; a broker not serving yet counts as not there yet."""
    while time.monotonic() < deadline:
        try:
            if expected <= {record["case_id"] for record in values(bootstrap, topic)}:
                return
        except KafkaError:
            pass
        time.sleep(1.0)
