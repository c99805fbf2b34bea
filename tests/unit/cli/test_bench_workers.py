"""`xinfang bench --workers N`: the option, the workers' names, when their consumer group
has settled, the rebalances counted, and the rows and table of several workers."""

from __future__ import annotations

import struct

import pytest
from rich.console import Console
from typer.testing import CliRunner

from services.bench.figures import Span, Window
from services.bench.probes import (
    TICKS_PER_SECOND,
    GroupWatch,
    Membership,
    ProcessProbe,
    _decode_assignment,
)
from services.bench.result import BenchResult, Latency, Throughput, render, throughput_row
from services.bench.run import BenchOptions, workers_of
from services.cli.main import app


def test_workers_are_one_to_four_and_named_as_local_pipeline_names_them() -> None:
    assert workers_of("dedup", 1) == ["dedup"]
    assert workers_of("dedup", 3) == ["dedup", "dedup#2", "dedup#3"]
    assert BenchOptions(workers=4).workers == 4
    for wrong in (0, 5):
        with pytest.raises(ValueError, match="workers must be 1 to 4"):
            BenchOptions(workers=wrong)


@pytest.mark.parametrize("wrong", ["0", "5", "two"])
def test_the_command_refuses_workers_out_of_range_before_starting_anything(wrong: str) -> None:
    outcome = CliRunner().invoke(app, ["bench", "--workers", wrong])
    assert outcome.exit_code == 2
    assert "--workers" in outcome.output


def test_a_group_has_settled_when_each_worker_holds_partitions_and_every_one_is_held() -> None:
    two = Membership("Stable", (("a", (0, 2)), ("b", (1, 3))))
    assert two.settled(2, 4)
    assert not two.settled(3, 4)
    assert not Membership("PreparingRebalance", two.members).settled(2, 4)
    assert not Membership("Stable", (("a", (0, 1, 2, 3)), ("b", ()))).settled(2, 4)
    assert not Membership("Stable", (("a", (0, 1)), ("b", (1, 3)))).settled(2, 4)


def test_a_consumer_protocol_assignment_is_decoded() -> None:
    topic = b"p.cases.registered"
    raw = struct.pack(">hih", 0, 1, len(topic)) + topic + struct.pack(">i2i", 2, 1, 3)
    assert _decode_assignment(raw) == {"p.cases.registered": {1, 3}}
    assert _decode_assignment(b"") == {}


class _Described:
    """Offsets answering each poll with the next membership of one group (None: no answer)."""

    def __init__(self, answers: list[Membership | None]) -> None:
        self.answers = answers

    def membership(self, group: str, topic: str) -> Membership | None:
        return self.answers.pop(0)

    def partitions(self, topic: str) -> list[int]:
        return [0, 1, 2, 3]


def test_rebalances_are_counted_only_after_the_group_first_settled_once_each() -> None:
    first = Membership("Stable", (("a", (0, 1, 2, 3)),))
    split = Membership("Stable", (("a", (0, 2)), ("b", (1, 3))))
    moving = Membership("PreparingRebalance", ())
    other = Membership("Stable", (("a", (0, 2)), ("c", (1, 3))))
    answers = [first, moving, split, None, split, moving, moving, split, other]
    watch = GroupWatch(_Described(answers), {"g": "t"}, 2)  # type: ignore[arg-type]
    seen = [watch.poll() for _ in range(len(answers))]
    assert seen == [False, False, True, True, True, False, False, True, True]
    # The joining (one member, then moving) is before the first settle: not counted. Then
    # the group moving and back, and another member in b's place: two rebalances.
    assert watch.rebalances == 2


class _Probe(ProcessProbe):
    """A process whose peak RSS is its pid in MiB."""

    def peak_rss_bytes(self) -> int:
        return self.pid * 2**20


def test_a_row_of_several_workers_sums_their_cpu_and_gives_the_largest_peak_rss() -> None:
    probes = [_Probe(120), _Probe(150)]
    span = Span(0.0, 2.0, 100, 50)  # the ticks of both workers over the window
    row = throughput_row("dedup", "verdicts written", Window.OUTPUT, span, probes)
    assert row.workers == 2
    assert row.peak_rss_bytes == 150 * 2**20
    assert row.cpu_seconds_per_message == 50 / TICKS_PER_SECOND / 100
    assert throughput_row("intake", "c", Window.COMMITTED, None, probes).workers == 2


def _text(result: BenchResult) -> str:
    wide = Console(width=250, record=True)
    wide.print(render(result))
    return wide.export_text()


def test_the_table_says_how_many_workers_only_when_a_row_had_several() -> None:
    result = BenchResult(options={"count": 6000}, machine={"cores": 2, "load_average_at_start": 1})
    result.add(Throughput("intake", "petitions consumed", "w", 6000, 5.0, 1200.0))
    assert "workers" not in _text(result)
    assert result.to_json()["throughput"][0]["workers"] == 1
    result.add(Throughput("dedup", "verdicts written", "w", 6000, 5.0, 1200.0, workers=2,
                          group_settled=True, rebalances=1))  # fmt: skip
    result.add(Throughput("escalation", "verdicts consumed", "w", 6000, 1.0, 6000.0, workers=2,
                          group_settled=False, rebalances=0))  # fmt: skip
    result.latency = Latency(100.0, 30.0, 3000, 2800, 120.0, 950.0, 1200.0, workers=2,
                             rebalances=0)  # fmt: skip
    text = _text(result)
    assert "workers" in text
    assert "w; 1 rebalance inside" in text
    assert "w; drained before the group settled" in text
    assert "0 rebalances inside" in text
    rows = result.to_json()["throughput"]
    assert [row["workers"] for row in rows] == [1, 2, 2]
    assert result.to_json()["latency"]["workers"] == 2
