"""The figures of a bench run: its rows, its JSON and the table it prints."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Final

from rich.table import Table

from services.bench.figures import Span, Window, cpu_per_message, ratio, span_rate
from services.bench.probes import TICKS_PER_SECOND, ProcessProbe

#: The row every throughput is a ratio to.
CEILING_1: Final = "ceiling 1: aiokafka batch copy"
#: Wide enough for the table's rows on one line each, when the output is not a terminal.
TABLE_WIDTH: Final = 180


@dataclass
class Throughput:
    """One row of the table: a throughput, its window, and what the process used."""

    name: str
    counted: str
    window: str
    messages: int
    seconds: float
    per_second: float | None
    ratio_to_ceiling: float | None = None
    #: Summed over the row's processes (its workers).
    cpu_seconds_per_message: float | None = None
    #: The largest of its processes' peaks: per worker.
    peak_rss_bytes: int | None = None
    #: Processes of each service measured together, in one consumer group per service.
    workers: int = 1
    #: Whether the window opened only once every group had its workers and its input's
    #: partitions split (False: it drained before that, which the stages no longer can:
    #: their backlog is written once the workers are ready), and the rebalances seen
    #: inside the window. The stages set both for any number of workers (the table
    #: shows them only with several); the pipeline phase's rows only with several.
    group_settled: bool | None = None
    rebalances: int | None = None
    #: A stage's: from its workers' start to all of them ready (assigned, tables
    #: recovered, consuming), outside the window; then its backlog was written, which
    #: took ``backlog_seconds`` (inside the window's first moments).
    ready_seconds: float | None = None
    backlog_seconds: float | None = None
    #: The machine's 1-minute load average when the window closed (a shared machine's
    #: figures are read with it).
    load_average: float | None = None


@dataclass
class Latency:
    """Submitted to verdict, in broker append times, of the petitions offered at a rate."""

    offered_per_second: float
    seconds: float
    petitions: int
    measured: int
    p50_ms: float | None
    p99_ms: float | None
    max_ms: float | None
    workers: int = 1
    rebalances: int | None = None


@dataclass
class BenchResult:
    """Every figure of a run, in the order measured; ceiling 1 first when it was run."""

    options: dict[str, Any]
    machine: dict[str, Any]
    throughput: list[Throughput] = field(default_factory=list)
    latency: Latency | None = None

    def ceiling(self) -> float | None:
        """Ceiling 1's rate; None (no ratios) in a run without the ceilings (``--only``)."""
        first = self.throughput[0] if self.throughput else None
        return first.per_second if first is not None and first.name == CEILING_1 else None

    def add(self, row: Throughput) -> None:
        self.throughput.append(row)
        ceiling = self.ceiling()
        for each in self.throughput:
            each.ratio_to_ceiling = ratio(each.per_second, ceiling)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def throughput_row(
    name: str,
    counted: str,
    window: Window,
    span: Span | None,
    probe: ProcessProbe | Sequence[ProcessProbe] | None,
) -> Throughput:
    """The row of a span of messages (none counted when None), with the processes' use:
    the span's CPU ticks are theirs together, the peak RSS the largest of theirs."""
    probes = [probe] if isinstance(probe, ProcessProbe) else list(probe or ())
    if span is None:
        return Throughput(name, counted, window.value, 0, 0.0, None, workers=max(len(probes), 1))
    return Throughput(
        name,
        counted,
        window.value,
        span.messages,
        round(span.seconds, 3),
        span_rate(span),
        cpu_seconds_per_message=(
            cpu_per_message(span.cpu_ticks, TICKS_PER_SECOND, span.messages) if probes else None
        ),
        peak_rss_bytes=max(each.peak_rss_bytes() for each in probes) if probes else None,
        workers=max(len(probes), 1),
    )


def render(result: BenchResult) -> Table:
    """The final table: every throughput with its ratio to ceiling 1, then the latency."""
    options = result.options
    table = Table(
        title=f"xinfang bench: {options['count']:,} petitions, one local broker, "
        f"commit {result.machine.get('commit') or '?'}, "
        f"{result.machine['cores']} cores (load {result.machine['load_average_at_start']} "
        f"at the start, {result.machine.get('load_average_at_end', '?')} at the end)"
    )
    # A column of workers only when some row had more than one: one worker's table is
    # the table of a run without --workers.
    several = any(row.workers != 1 for row in result.throughput) or (
        result.latency is not None and result.latency.workers != 1
    )
    table.add_column("figure", no_wrap=True)
    if several:
        table.add_column("workers", justify="right")
    table.add_column("counted")
    for column in ("per second", "x ceiling 1", "CPU ms / message", "peak RSS MiB"):
        table.add_column(column, justify="right", no_wrap=True)
    table.add_column("window")
    for row in result.throughput:
        table.add_row(
            row.name,
            *([str(row.workers)] if several else []),
            row.counted,
            _number(row.per_second, "{:,.0f}"),
            _number(row.ratio_to_ceiling, "{:.4f}"),
            _number(_scaled(row.cpu_seconds_per_message, 1000), "{:.2f}"),
            _number(_scaled(row.peak_rss_bytes, 1 / 2**20), "{:,.0f}"),
            row.window + _group_note(row.workers, row.group_settled, row.rebalances),
        )
    if result.latency is not None:
        latency = result.latency
        what = (f"{latency.measured} verdicts, {latency.offered_per_second:g}/s offered "
                f"for {latency.seconds:.0f}s")  # fmt: skip
        for name, value in (("latency p50 ms", latency.p50_ms), ("latency p99 ms", latency.p99_ms)):
            table.add_row(name, *([str(latency.workers)] if several else []), what,
                          _number(value, "{:,.0f}"), "", "", "",
                          "submitted to verdict (broker time)"
                          + _group_note(latency.workers, True, latency.rebalances))  # fmt: skip
    return table


def _group_note(workers: int, settled: bool | None, rebalances: int | None) -> str:
    """What the window of several workers was: opened on a settled group or not, and the
    rebalances inside it."""
    if workers == 1:
        return ""
    if settled is False:
        return "; drained before the group settled"
    if rebalances is None:
        return ""
    return f"; {rebalances} rebalance{'' if rebalances == 1 else 's'} inside"


def _scaled(value: float | None, factor: float) -> float | None:
    return None if value is None else value * factor


def _number(value: float | None, pattern: str) -> str:
    return "-" if value is None else pattern.format(value)
