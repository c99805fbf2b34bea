"""`xinfang top --once` against a real intake process on the session broker."""

from __future__ import annotations

import time

import pytest
from typer.testing import CliRunner

from services.cli.generate import generate
from services.cli.main import app
from services.cli.pipeline import LocalPipeline
from services.cli.submit import publish_lines
from services.common.dlq import Rejected
from services.common.submitted import parse
from services.devtools.kafka_local import KafkaLocal, free_port
from services.ops.top import DOWN, Labels, parse_exposition

pytestmark = pytest.mark.integration


def intake_samples(pipeline: LocalPipeline) -> dict[str, dict[Labels, float]]:
    return parse_exposition(pipeline.processes["intake"].metrics_text())


def consumed_and_lag_reported(pipeline: LocalPipeline, count: int) -> bool:
    """Intake took ``count`` messages, and its lag exporter (every 5 s) has run."""
    samples = intake_samples(pipeline)
    taken = sum(samples.get("xinfang_messages_received_total", {}).values())
    return taken >= count and "xinfang_consumer_lag_messages" in samples


def refused(line: bytes) -> bool:
    try:
        parse(line)
    except Rejected:
        return True
    return False


def test_top_once_shows_a_running_intake_and_a_down_target(
    kafka: KafkaLocal, prefix: str, pipeline: LocalPipeline
) -> None:
    intake = pipeline.start("intake")
    pipeline.wait_healthy(timeout=120)
    batch = generate(30, seed=5, invalid_share=0.2)
    report = publish_lines(batch.lines, bootstrap=kafka.bootstrap, prefix=prefix)
    assert report.acknowledged == len(batch.lines)
    deadline = time.monotonic() + 90
    while not consumed_and_lag_reported(pipeline, len(batch.lines)):
        assert time.monotonic() < deadline, pipeline.log_tail("intake")
        time.sleep(0.5)
    rejected = sum(1 for line in batch.lines if refused(line))
    assert rejected > 0

    nobody = f"http://127.0.0.1:{free_port()}"
    result = CliRunner().invoke(
        app,
        ["top", "--once", "--interval", "0.5",
         "--target", f"intake={intake.url}", "--target", f"dedup={nobody}"],
        terminal_width=160,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    processes, _, rest = result.output.partition("Consumer lag")
    rows = {
        cells[0]: cells
        for line in processes.splitlines()
        if (cells := [cell.strip() for cell in line.split("│")[1:-1]])
    }
    # process, health, in/s, done/s, failed/s, in, done, failed, lag
    assert rows["intake"][:2] == ["intake", "ok"]
    assert rows["intake"][5:8] == [
        str(len(batch.lines)),
        str(len(batch.lines) - rejected),
        str(rejected),
    ]
    assert rows["dedup"][:2] == ["dedup", DOWN]
    assert "1/2 processes answering" in result.output
    assert f"{prefix}petitions.submitted" in rest
