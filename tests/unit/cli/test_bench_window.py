"""When a stage's window opens in `xinfang bench`: only once every worker is assigned, has
recovered its tables and consumes, and before any of the backlog is done (issue 12: with
two workers, dedup's window held the second worker's table restore after the rebalance).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from schemas.registry import CASES_DEDUPLICATED, PETITIONER_CONTACTS, PETITIONS_SUBMITTED
from services.bench.probes import Membership, worker_health
from services.bench.window import (
    STAGE_INPUTS,
    WRITTEN_BY,
    BacklogDrainedEarlyError,
    ReadyGate,
    WorkerHealth,
)

READY = WorkerHealth("ok", rebalancing=False, assigned_partitions=6)
#: Between a revocation and the end of its tables' recovery ("Worker ready").
RECOVERING = WorkerHealth("starting", rebalancing=True, assigned_partitions=6)
#: Up, its consumer made, not yet in the group: Faust is not rebalancing yet.
UNASSIGNED = WorkerHealth("ok", rebalancing=False, assigned_partitions=0)


def test_a_worker_is_ready_only_when_assigned_recovered_and_consuming() -> None:
    assert READY.ready
    assert not RECOVERING.ready
    assert not UNASSIGNED.ready
    assert not WorkerHealth("stopping", rebalancing=False, assigned_partitions=4).ready


def test_the_health_page_is_read_from_its_200_and_503_bodies() -> None:
    body = {"status": "starting", "service": "dedup", "started_at": "2026-12-06T10:00:00+00:00",
            "rebalancing": True, "assigned_partitions": 8}  # fmt: skip
    assert WorkerHealth.from_body(json.dumps(body).encode()) == WorkerHealth("starting", True, 8)
    assert WorkerHealth.from_body(b"<html>not found</html>") is None
    assert WorkerHealth.from_body(b'{"detail": "no status"}') is None


def test_the_window_stays_shut_on_a_settled_group_while_a_worker_restores_its_tables() -> None:
    # The coordinator already says Stable with both members holding their partitions
    # (what the window used to open on), but dedup#2 is still restoring the tables of
    # the partitions it was given.
    settled = Membership("Stable", (("a", (0, 2)), ("b", (1, 3))))
    assert settled.settled(2, 4)
    gate = ReadyGate(["dedup", "dedup#2"])
    assert not gate.observe(True, [READY, RECOVERING], progress=0)
    assert "dedup#2" in gate.waiting_for
    assert not gate.observe(True, [READY, None], progress=0)  # its page not answering
    assert not gate.observe(True, [READY, READY], progress=0)  # one poll is not enough
    assert gate.observe(True, [READY, READY], progress=0)
    # Open for good: a rebalance inside the window is counted, it does not shut it.
    assert gate.observe(False, [READY, RECOVERING], progress=1200)


def test_every_worker_ready_is_not_enough_while_the_group_has_not_settled() -> None:
    gate = ReadyGate(["escalation", "escalation#2"])
    # The first worker is ready with every partition; the second has not joined yet.
    assert not gate.observe(False, [READY, UNASSIGNED], progress=0)
    assert not gate.observe(False, [READY, READY], progress=0)
    assert gate.waiting_for == "the group to settle"
    assert not gate.observe(True, [READY, READY], progress=0)
    assert gate.observe(True, [READY, READY], progress=0)


def test_a_rebalance_between_two_ready_polls_starts_the_count_again() -> None:
    gate = ReadyGate(["notification", "notification#2"])
    assert not gate.observe(True, [READY, READY], progress=0)
    assert not gate.observe(True, [RECOVERING, READY], progress=0)
    assert not gate.observe(True, [READY, READY], progress=0)
    assert gate.observe(True, [READY, READY], progress=0)


def test_the_inputs_written_before_the_start_must_be_consumed_first() -> None:
    gate = ReadyGate(["notification"])
    for _ in range(3):
        assert not gate.observe(True, [READY], progress=0, earlier_inputs_done=False)
    assert "inputs written before the start" in gate.waiting_for
    assert not gate.observe(True, [READY], progress=0, earlier_inputs_done=True)
    assert gate.observe(True, [READY], progress=0, earlier_inputs_done=True)


def test_progress_before_every_worker_is_ready_is_refused_not_timed() -> None:
    # What the window used to hold: the first worker working alone on the backlog while
    # the second joined and restored.
    gate = ReadyGate(["dedup", "dedup#2"])
    assert not gate.observe(True, [READY, RECOVERING], progress=0)
    with pytest.raises(BacklogDrainedEarlyError, match=r"1500 messages done .*dedup#2"):
        gate.observe(True, [READY, RECOVERING], progress=1500)


def test_each_stage_starts_on_empty_inputs_fed_by_the_stages_before_it() -> None:
    stages = list(STAGE_INPUTS)
    assert stages == ["intake", "dedup", "escalation", "notification"]
    for position, (stage, inputs) in enumerate(STAGE_INPUTS.items()):
        for spec in (*inputs.before, *inputs.backlog):
            if spec == PETITIONS_SUBMITTED:
                continue  # the generated petitions
            assert stages.index(WRITTEN_BY[spec.name]) < position, (stage, spec.name)
    # What each row counts: the petitions, then what dedup reads, then the verdicts.
    # Notification's contact directory is there before its workers start, its verdicts
    # only once they are ready.
    assert [inputs.backlog[-1].name for inputs in STAGE_INPUTS.values()] == [
        "petitions.submitted",
        "cases.registered",
        CASES_DEDUPLICATED.name,
        CASES_DEDUPLICATED.name,
    ]
    assert STAGE_INPUTS["notification"].before == (PETITIONER_CONTACTS,)
    others = [inputs for stage, inputs in STAGE_INPUTS.items() if stage != "notification"]
    assert all(not inputs.before for inputs in others)


class _Health(BaseHTTPRequestHandler):
    answers: ClassVar[list[tuple[int, bytes]]] = []

    def do_GET(self) -> None:
        status, body = self.answers.pop(0)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def health_page() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Health)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_workers_503_page_says_it_is_still_starting(health_page: str) -> None:
    starting = {"status": "starting", "rebalancing": True, "assigned_partitions": 0}
    ok = {"status": "ok", "rebalancing": False, "assigned_partitions": 5}
    _Health.answers = [(503, json.dumps(starting).encode()), (200, json.dumps(ok).encode())]
    assert worker_health(health_page) == WorkerHealth("starting", True, 0)
    assert worker_health(health_page) == WorkerHealth("ok", False, 5)
    assert worker_health("http://127.0.0.1:9") is None  # nothing listening
