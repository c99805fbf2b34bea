"""`xinfang bench` on a tiny backlog prints every row and writes every figure;
`xinfang simulate` sends its petitions and agencies' updates to a real broker."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from schemas.cases import CaseUpdate
from schemas.identifiers import case_id_for
from schemas.registry import CASES_UPDATES_SUBMITTED, PETITIONS_SUBMITTED
from services.cli.main import app
from services.common.dlq import Rejected
from services.common.keys import DEMO_CASE_ID_KEY
from services.common.readback import read_all
from services.common.submitted import parse
from services.devtools.kafka_local import KafkaLocal

pytestmark = pytest.mark.integration

ROWS = (
    "ceiling 1: aiokafka batch copy",
    "ceiling 2: simplest Faust agent",
    "intake",
    "dedup",
    "escalation",
    "notification",
    "whole pipeline, end to end",
)


def test_bench_prints_every_figure_and_writes_them_as_json(tmp_path: Path) -> None:
    figures = tmp_path / "bench.json"
    command = [sys.executable, "-m", "services.cli.main", "bench", "--count", "400",
               "--rate", "20", "--seconds", "2", "--json", str(figures),
               "--work", str(tmp_path / "work")]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=400, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    for row in (*ROWS, "latency p50 ms", "latency p99 ms"):
        assert row in done.stdout, f"{row!r} missing from:\n{done.stdout}"
    result = json.loads(figures.read_text())
    rows = {row["name"]: row for row in result["throughput"]}
    assert list(rows) == list(ROWS)
    for name, row in rows.items():
        assert row["per_second"] > 0, name
        assert row["ratio_to_ceiling"] > 0, name
        assert row["messages"] > 0, name
    for stage in ("ceiling 2: simplest Faust agent", "intake", "dedup", "escalation",
                  "notification"):  # fmt: skip
        assert rows[stage]["peak_rss_bytes"] > 20 * 2**20, stage
        assert rows[stage]["cpu_seconds_per_message"] is not None, stage
    assert rows["whole pipeline, end to end"]["cpu_seconds_per_message"] > 0
    latency = result["latency"]
    assert latency["petitions"] == 40
    # Every valid petition of the latency phase got its verdict (the rest intake rejects).
    assert 30 <= latency["measured"] <= 40
    assert 0 < latency["p50_ms"] <= latency["p99_ms"] <= latency["max_ms"]


def test_simulate_sends_petitions_and_updates_on_cases_of_those_petitions(
    kafka: KafkaLocal, prefix: str
) -> None:
    outcome = CliRunner().invoke(
        app,
        ["simulate", "--rate", "25", "--duration", "8", "--seed", "3",
         "--bootstrap", kafka.bootstrap, "--prefix", prefix],
    )  # fmt: skip
    assert outcome.exit_code == 0, outcome.output
    assert "petitions sent: 200" in outcome.output
    submitted = read_all(kafka.bootstrap, PETITIONS_SUBMITTED.full_name(prefix))
    assert len(submitted) == 200
    cases = set()
    for record in submitted:
        try:
            cases.add(case_id_for(parse(record.value).submission_id, DEMO_CASE_ID_KEY.encode()))
        except Rejected:
            continue
    updates = [
        CaseUpdate.model_validate_json(record.value or b"")
        for record in read_all(kafka.bootstrap, CASES_UPDATES_SUBMITTED.full_name(prefix))
    ]
    assert updates, "no update was due in 8 s"
    assert {update.case_id for update in updates} <= cases
    assert f"agency updates sent: {len(updates)}" in outcome.output


def test_bench_runs_only_the_latency_phase_when_asked(tmp_path: Path) -> None:
    figures = tmp_path / "bench.json"
    command = [sys.executable, "-m", "services.cli.main", "bench", "--only", "latency",
               "--rate", "20", "--seconds", "2", "--json", str(figures)]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=400, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "latency p99 ms" in done.stdout
    for row in ROWS:
        assert row not in done.stdout, f"{row!r} printed by a latency-only run"
    result = json.loads(figures.read_text())
    assert result["throughput"] == []
    assert result["options"]["phases"] == ["latency"]
    latency = result["latency"]
    assert latency["petitions"] == 40
    assert 30 <= latency["measured"] <= 40


def test_bench_runs_the_stages_with_two_workers_each_and_says_so(tmp_path: Path) -> None:
    figures = tmp_path / "bench.json"
    command = [sys.executable, "-m", "services.cli.main", "bench", "--count", "300",
               "--only", "stages", "--workers", "2", "--json", str(figures)]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=400, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "workers" in done.stdout
    result = json.loads(figures.read_text())
    assert result["options"]["workers"] == 2
    rows = {row["name"]: row for row in result["throughput"]}
    assert list(rows) == ["intake", "dedup", "escalation", "notification"]
    for name, row in rows.items():
        assert row["workers"] == 2, name
        assert row["messages"] > 0, name
        assert row["cpu_seconds_per_message"] is not None, name
        # The backlog is written only once every worker is assigned and recovered: the
        # window always opens on the settled, ready group.
        assert row["group_settled"] is True, name
        assert row["ready_seconds"] > 0, name
        assert row["backlog_seconds"] is not None, name
        assert row["rebalances"] >= 0, name
