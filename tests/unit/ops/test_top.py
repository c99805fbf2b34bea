"""`xinfang top`'s pure steps: an exposition into a snapshot, two snapshots into rates, and
snapshots into what the operator reads, DOWN processes included."""

from __future__ import annotations

import httpx
import pytest
from rich.console import Console, RenderableType
from rich.table import Table

from services.ops.top import (
    DEFAULT_TARGETS,
    DOWN,
    Rates,
    Target,
    Throughput,
    dead_letters_table,
    parse_target,
    rates_by,
    render,
    scrape,
    snapshot,
    stage_rates,
    stages_table,
)
from tests.ops.prometheus_config import DEFAULT_PORTS

INTAKE = Target("intake", "http://127.0.0.1:6066")
ESCALATION = Target("escalation", "http://127.0.0.1:6068")
GATEWAY = Target("gateway", "http://127.0.0.1:8080")


def intake_exposition(received: int, processed: int, dead: int, lag: int) -> str:
    return f"""\
# HELP xinfang_messages_received_total Messages consumed from the service's input topics.
# TYPE xinfang_messages_received_total counter
xinfang_messages_received_total{{service="intake"}} {received}.0
# HELP xinfang_messages_processed_total Consumed messages by what became of them.
# TYPE xinfang_messages_processed_total counter
xinfang_messages_processed_total{{outcome="processed",service="intake"}} {processed}.0
xinfang_messages_processed_total{{outcome="dead_lettered",service="intake"}} {dead}.0
xinfang_messages_processed_total{{outcome="skipped_redelivery",service="intake"}} 0.0
# HELP xinfang_messages_failed_total Messages that could not be processed.
# TYPE xinfang_messages_failed_total counter
xinfang_messages_failed_total{{reason="invalid_json",service="intake"}} {dead}.0
xinfang_messages_failed_total{{reason="missing_field",service="intake"}} 0.0
# HELP xinfang_consumer_lag_messages Messages not yet consumed.
# TYPE xinfang_consumer_lag_messages gauge
xinfang_consumer_lag_messages{{partition="0",service="intake",topic="petitions.submitted"}} {lag}.0
xinfang_consumer_lag_messages{{partition="1",service="intake",topic="petitions.submitted"}} 1.0
# HELP xinfang_processing_latency_seconds Time to process.
# TYPE xinfang_processing_latency_seconds histogram
xinfang_processing_latency_seconds_bucket{{le="0.5",service="intake"}} {processed}.0
xinfang_processing_latency_seconds_bucket{{le="+Inf",service="intake"}} {processed}.0
xinfang_processing_latency_seconds_count{{service="intake"}} {processed}.0
xinfang_processing_latency_seconds_sum{{service="intake"}} 1.5
"""


ESCALATION_EXPOSITION = """\
# TYPE xinfang_escalations_total counter
xinfang_escalations_total{level="city",reason="deadline_breach"} 4.0
xinfang_escalations_total{level="province",reason="deadline_breach"} 2.0
xinfang_escalations_total{level="city",reason="repeat_petition"} 0.0
"""

GATEWAY_EXPOSITION = """\
# TYPE xinfang_gateway_requests_total counter
xinfang_gateway_requests_total{endpoint="/v1/petitions",status="202"} 8.0
xinfang_gateway_requests_total{endpoint="/v1/petitions",status="503"} 2.0
"""


def test_an_exposition_becomes_a_snapshot_of_sums_by_label() -> None:
    snap = snapshot(INTAKE, 10.0, metrics_text=intake_exposition(120, 110, 7, 5), health="ok")
    assert not snap.down
    assert snap.total("xinfang_messages_received_total") == 120
    assert snap.total("xinfang_consumer_lag_messages") == 6
    assert snap.by("xinfang_consumer_lag_messages", "topic") == {"petitions.submitted": 6}
    assert snap.by("xinfang_messages_failed_total", "reason") == {
        "invalid_json": 7,
        "missing_field": 0,
    }
    # Histogram samples keep their suffixes.
    assert snap.total("xinfang_processing_latency_seconds_count") == 110
    assert Throughput.of(snap) == Throughput(received=120, processed=110, failed=7)


def test_gateway_requests_count_as_received_and_5xx_as_failed() -> None:
    snap = snapshot(GATEWAY, 0.0, metrics_text=GATEWAY_EXPOSITION, health="ok")
    assert Throughput.of(snap) == Throughput(received=10, processed=8, failed=2)


def test_rates_are_counter_increases_per_second_between_two_scrapes() -> None:
    before = snapshot(INTAKE, 100.0, metrics_text=intake_exposition(100, 90, 4, 0), health="ok")
    after = snapshot(INTAKE, 102.0, metrics_text=intake_exposition(150, 136, 8, 0), health="ok")
    assert stage_rates(before, after) == Rates(received=25.0, processed=23.0, failed=2.0)


def test_a_restarted_process_counts_from_zero_not_negative() -> None:
    before = snapshot(INTAKE, 100.0, metrics_text=intake_exposition(500, 500, 0, 0), health="ok")
    after = snapshot(INTAKE, 104.0, metrics_text=intake_exposition(20, 16, 0, 0), health="ok")
    assert stage_rates(before, after) == Rates(received=5.0, processed=4.0, failed=0.0)


def test_no_rate_when_a_scrape_failed() -> None:
    up = snapshot(INTAKE, 1.0, metrics_text=intake_exposition(1, 1, 0, 0), health="ok")
    down = snapshot(INTAKE, 2.0, metrics_text=None, health=DOWN, error="connection refused")
    assert stage_rates(up, down) is None
    assert stage_rates(down, up) is None


def test_rates_by_label_are_summed_over_processes() -> None:
    zero = ESCALATION_EXPOSITION.replace(" 4.0", " 0.0").replace(" 2.0", " 0.0")
    before = [snapshot(ESCALATION, 0.0, metrics_text=zero, health="ok")]
    after = [snapshot(ESCALATION, 2.0, metrics_text=ESCALATION_EXPOSITION, health="ok")]
    rates = rates_by(before, after, "xinfang_escalations_total", "reason")
    assert rates == {"deadline_breach": 3.0, "repeat_petition": 0.0}


def test_an_unreadable_exposition_is_a_down_process_not_a_crash() -> None:
    snap = snapshot(INTAKE, 0.0, metrics_text="this is { not prometheus", health="ok")
    assert snap.down
    assert snap.health == DOWN
    assert "unreadable /metrics" in snap.error


def _text(renderable: RenderableType) -> str:
    console = Console(record=True, width=140, color_system=None)
    console.print(renderable)
    return console.export_text()


def _rows(table: Table) -> dict[str, list[str]]:
    """The cells of each row of a table, by its first cell."""
    rows = {}
    for line in _text(table).splitlines():
        cells = [cell.strip() for cell in line.split("│")[1:-1]]
        if cells:
            rows[cells[0]] = cells
    return rows


def test_the_view_shows_numbers_per_process_and_down_targets() -> None:
    down = snapshot(
        Target("dedup", "http://127.0.0.1:6067"),
        2.0,
        metrics_text=None,
        health=DOWN,
        error="connection refused",
    )
    before = [
        snapshot(INTAKE, 0.0, metrics_text=intake_exposition(100, 90, 4, 0), health="ok"),
        down,
        snapshot(ESCALATION, 0.0, metrics_text=ESCALATION_EXPOSITION, health="starting"),
    ]
    after = [
        snapshot(INTAKE, 2.0, metrics_text=intake_exposition(150, 136, 8, 3), health="ok"),
        down,
        snapshot(ESCALATION, 2.0, metrics_text=ESCALATION_EXPOSITION, health="starting"),
    ]
    text = _text(render(before, after))
    assert "2/3 processes answering" in text
    assert "dedup (http://127.0.0.1:6067): DOWN: connection refused" in text
    rows = _rows(stages_table(before, after))
    assert rows["intake"] == ["intake", "ok", "25.0", "23.0", "2.0", "150", "136", "8", "4"]
    assert rows["dedup"] == ["dedup", DOWN, *["–"] * 7]
    assert rows["escalation"][1] == "starting"
    assert _rows(dead_letters_table(after))["intake"] == ["intake", "invalid_json", "8"]
    assert "deadline_breach" in text


def test_every_target_down_still_renders() -> None:
    targets = [Target(name, url) for name, url in DEFAULT_TARGETS.items()]
    down = [snapshot(t, 0.0, metrics_text=None, health=DOWN, error="timed out") for t in targets]
    text = _text(render(down, down))
    assert f"0/{len(targets)} processes answering" in text
    assert text.count(DOWN) >= 2 * len(targets)


def test_scrape_reads_metrics_and_the_health_status() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/metrics":
            return httpx.Response(200, text=intake_exposition(3, 3, 0, 0))
        return httpx.Response(503, json={"status": "starting", "service": "intake"})

    with httpx.Client(transport=httpx.MockTransport(answer)) as client:
        snap = scrape(client, INTAKE)
    assert snap.health == "starting"
    assert snap.total("xinfang_messages_received_total") == 3


def test_scrape_of_a_process_that_refuses_is_down() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with httpx.Client(transport=httpx.MockTransport(refuse)) as client:
        snap = scrape(client, INTAKE)
    assert snap.down
    assert snap.error == "connection refused"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("intake=http://10.0.0.5:6066/", Target("intake", "http://10.0.0.5:6066")),
        ("gateway=127.0.0.1:8080", Target("gateway", "http://127.0.0.1:8080")),
    ],
)
def test_targets_are_name_equals_url(given: str, expected: Target) -> None:
    assert parse_target(given) == expected


@pytest.mark.parametrize("given", ["intake", "=http://x", "intake="])
def test_a_target_without_name_or_url_is_refused(given: str) -> None:
    with pytest.raises(ValueError, match="name=URL"):
        parse_target(given)


def test_default_targets_are_the_processes_default_ports() -> None:
    assert {
        name: f"http://127.0.0.1:{port}" for name, port in DEFAULT_PORTS.items()
    } == DEFAULT_TARGETS
