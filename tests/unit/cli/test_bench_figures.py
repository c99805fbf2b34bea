"""The bench's arithmetic: rates, windows, percentiles, ratios, and what /proc says."""

from __future__ import annotations

import pytest
from rich.console import Console

from services.bench.figures import (
    Sample,
    cpu_per_message,
    cpu_ticks,
    peak_rss_bytes,
    percentile,
    rate,
    ratio,
    span_of,
    span_rate,
)
from services.bench.result import BenchResult, Latency, Throughput, render

# /proc/<pid>/stat of a python process whose name holds a space and a parenthesis.
STAT = (
    "4242 (python (x) 3) S 1 4242 4242 0 -1 4194560 5310 0 0 0 "
    "731 129 0 0 20 0 9 0 123456 812345344 25000 18446744073709551615 "
    "1 1 0 0 0 0 0 16781312 16386 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0"
)
STATUS = "Name:\tpython\nVmPeak:\t  900000 kB\nVmHWM:\t  204800 kB\nVmRSS:\t  100000 kB\n"


def test_a_rate_is_messages_over_seconds_and_nothing_without_a_window() -> None:
    assert rate(6000, 75.0) == 80.0
    assert rate(0, 10.0) is None
    assert rate(100, 0.0) is None
    assert rate(100, float("inf")) is None


def test_a_ratio_is_to_the_ceiling_and_nothing_without_one() -> None:
    assert ratio(80.0, 16_000.0) == 0.005
    assert ratio(None, 16_000.0) is None
    assert ratio(80.0, None) is None
    assert ratio(80.0, 0.0) is None


def test_the_window_opens_at_the_first_progress_and_counts_only_what_follows() -> None:
    samples = [
        Sample(10.0, 0, 100),  # starting up, recovering: not in the window
        Sample(11.0, 0, 250),
        Sample(12.0, 100, 300),  # the first commit: 100 already done before it
        Sample(13.0, 400, 330),
        Sample(14.5, 1000, 390),
        Sample(15.0, 1000, 395),
    ]
    span = span_of(samples, 1000)
    assert span is not None
    assert (span.first_at, span.last_at, span.messages, span.cpu_ticks) == (12.0, 14.5, 900, 90)
    assert span_rate(span) == 900 / 2.5


def test_a_backlog_done_in_one_step_is_timed_from_the_sample_before() -> None:
    samples = [Sample(10.0, 0, 100), Sample(10.2, 0, 120), Sample(10.4, 400, 160)]
    span = span_of(samples, 400)
    assert span is not None
    assert (span.first_at, span.last_at, span.messages, span.cpu_ticks) == (10.2, 10.4, 400, 40)


def test_no_window_before_everything_is_done() -> None:
    assert span_of([Sample(1.0, 0), Sample(2.0, 500)], 1000) is None
    assert span_of([], 10) is None
    assert span_rate(None) is None


def test_percentiles_interpolate_between_ranks_as_numpy_does() -> None:
    values = [float(v) for v in range(1, 101)]  # 1..100
    assert percentile(values, 50) == 50.5
    assert percentile(values, 99) == pytest.approx(99.01)
    assert percentile(values, 100) == 100.0
    assert percentile([7.0], 99) == 7.0
    assert percentile([30.0, 10.0, 20.0], 50) == 20.0  # unordered input
    assert percentile([], 50) is None
    with pytest.raises(ValueError, match="between 0 and 100"):
        percentile(values, 101)


def test_cpu_time_is_utime_plus_stime_counted_from_the_last_parenthesis() -> None:
    assert cpu_ticks(STAT) == 731 + 129
    with pytest.raises(ValueError, match="no '\\)'"):
        cpu_ticks("4242 python S 1")
    with pytest.raises(ValueError, match="fields"):
        cpu_ticks("4242 (python) S 1 2")


def test_peak_rss_is_vmhwm_in_bytes() -> None:
    assert peak_rss_bytes(STATUS) == 204800 * 1024
    with pytest.raises(ValueError, match="no VmHWM"):
        peak_rss_bytes("Name:\tkthreadd\n")
    with pytest.raises(ValueError, match="unexpected VmHWM"):
        peak_rss_bytes("VmHWM:\t 12 MB\n")


def test_cpu_per_message_is_ticks_in_seconds_over_messages() -> None:
    assert cpu_per_message(250, 100, 1000) == 0.0025
    assert cpu_per_message(250, 100, 0) is None


def test_every_throughput_is_a_ratio_to_the_first_ceiling_and_the_table_shows_every_row() -> None:
    result = BenchResult(options={"count": 6000}, machine={"cores": 2, "load_average_at_start": 1})
    result.add(Throughput("ceiling 1: aiokafka batch copy", "records", "w", 6000, 0.5, 12000.0))
    result.add(Throughput("intake", "petitions consumed", "w", 6000, 75.0, 80.0, None, 0.01, 2**27))
    result.add(Throughput("dedup", "verdicts written", "w", 0, 0.0, None))
    result.latency = Latency(100.0, 30.0, 3000, 2800, 120.0, 950.0, 1200.0)
    assert [row.ratio_to_ceiling for row in result.throughput] == [1.0, 80 / 12000, None]
    wide = Console(width=200, record=True)
    wide.print(render(result))
    text = wide.export_text()
    for expected in ("ceiling 1: aiokafka batch copy", "intake", "dedup", "latency p50 ms",
                     "latency p99 ms", "12,000", "0.0067", "10.00", "128", "950"):  # fmt: skip
        assert expected in text, expected
    assert result.to_json()["throughput"][1]["per_second"] == 80.0
