"""The arithmetic of the bench's figures: rates, windows, percentiles, /proc parsing.

Pure functions over numbers and text; the Kafka and process wiring is in ``probes`` and
``run``. Every rate is a count over a window of wall-clock seconds; a window that has not
closed, or holds nothing, gives no figure (None), never a made-up one.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum


class Window(StrEnum):
    """How a throughput figure's window was taken (said in the table and the JSON)."""

    #: Inside the copying loop: from the first batch received to the last batch committed.
    IN_PROCESS = "first batch in, last commit"
    #: The consumer group's committed offsets on the input: first commit to the last.
    COMMITTED = "committed offsets, first to last"
    #: The output topic's end offsets: first output seen to the last.
    OUTPUT = "output end offsets, first to last"
    #: Record timestamps (broker append time): first petition submitted to the last output.
    RECORDS = "first submitted, last output (broker time)"


@dataclass(frozen=True)
class Sample:
    """A progress count observed at a moment (time.monotonic seconds).

    ``cpu_ticks``: the stage's process's CPU time so far (utime + stime), when watched.
    """

    at: float
    count: int
    cpu_ticks: int = 0


@dataclass(frozen=True)
class Span:
    """What a stage did in its window: messages counted between two moments."""

    first_at: float
    last_at: float
    messages: int
    cpu_ticks: int = 0

    @property
    def seconds(self) -> float:
        return self.last_at - self.first_at


def rate(messages: int, seconds: float) -> float | None:
    """Messages per second, or None when there is no window to divide by."""
    if messages <= 0 or seconds <= 0 or not math.isfinite(seconds):
        return None
    return messages / seconds


def ratio(figure: float | None, ceiling: float | None) -> float | None:
    """A throughput as a share of the ceiling of the same run."""
    if figure is None or ceiling is None or ceiling <= 0:
        return None
    return figure / ceiling


def span_of(samples: Sequence[Sample], total: int) -> Span | None:
    """The window from the first sample that shows progress to the first that shows all.

    The count at the first progress is taken off: those messages were handled before the
    window opened (during start-up and recovery, or before the first commit), so the
    figure counts only what was done inside it. When the first progress is already all of
    it, the window opens at the sample before (a lower bound of the rate). None while
    ``total`` is not reached.
    """
    started: Sample | None = None
    before: Sample | None = None
    for sample in samples:
        if started is None and sample.count > 0:
            started = sample
        if started is not None and sample.count >= total:
            if started is sample and before is not None:
                # Everything came in one step (a backlog done within one commit interval):
                # the window is the step itself, from the last sample that showed nothing.
                started = before
            return Span(
                started.at,
                sample.at,
                total - started.count,
                sample.cpu_ticks - started.cpu_ticks,
            )
        if started is None:
            before = sample
    return None


def span_rate(span: Span | None) -> float | None:
    return None if span is None else rate(span.messages, span.seconds)


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0-100) by linear interpolation between closest ranks.

    The same definition as numpy's default ("linear"); None for no values.
    """
    if not 0 <= q <= 100:
        raise ValueError(f"percentile {q} is not between 0 and 100")
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = math.ceil(position)
    if low == high:
        return float(ordered[low])
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def cpu_ticks(stat: str) -> int:
    """utime + stime, in clock ticks, from the text of /proc/<pid>/stat.

    The command name (field 2) is in parentheses and may hold spaces or parentheses, so
    the fields are counted from the last ")": utime and stime are fields 14 and 15.
    """
    close = stat.rfind(")")
    if close < 0:
        raise ValueError("not a /proc/<pid>/stat line: no ')' after the command name")
    fields = stat[close + 1 :].split()
    # fields[0] is field 3 (state): field n is fields[n - 3].
    if len(fields) < 13:
        raise ValueError(f"/proc/<pid>/stat has {len(fields) + 2} fields, expected 52")
    return int(fields[11]) + int(fields[12])


def peak_rss_bytes(status: str) -> int:
    """VmHWM (the peak resident set size) in bytes, from the text of /proc/<pid>/status."""
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            parts = line.split()
            if len(parts) != 3 or parts[2] != "kB":
                raise ValueError(f"unexpected VmHWM line: {line!r}")
            return int(parts[1]) * 1024
    raise ValueError("/proc/<pid>/status has no VmHWM line (a kernel thread, or not Linux)")


def cpu_per_message(ticks: int, ticks_per_second: int, messages: int) -> float | None:
    """CPU seconds per message from a tick count over the window."""
    if messages <= 0 or ticks_per_second <= 0:
        return None
    return ticks / ticks_per_second / messages
