"""Where "now" comes from for the timers, and the tick that carries it to each partition.

Deadlines are computed from event time (ARCHITECTURE.md, "Time"); only the moment the
scan asks "what is due by now?" needs a clock, and that clock is injected:

* ``wall``: now is the injected wall clock (``datetime.now(UTC)`` in production).
* ``event``: now is the event-time watermark of the partition being scanned. Each input
  (cases.deduplicated and cases.updates) keeps its highest event time per partition in a
  table; now is the lower of the two, so a timer fires only when both inputs have passed
  it, whatever order the worker read them in. An input that has seen nothing on a
  partition holds that partition's clock. Tests and replays drive time with the event
  times they publish: a year of history runs in seconds. Set with
  ``XINFANG_ESCALATION_CLOCK=event``.

The tick that asks each partition to scan is the common one (``Service.tick``, see
``schemas.internal.Tick``): a Faust timer cannot write tables, an event can.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from enum import StrEnum

from schemas.cases import CaseDeduplicated, CaseUpdate
from schemas.registry import CASES_DEDUPLICATED, CASES_UPDATES, TopicSpec

#: The wall clock, injectable.
Clock = Callable[[], datetime]

#: The inputs whose event times make the watermark.
WATERMARK_INPUTS: tuple[TopicSpec, ...] = (CASES_DEDUPLICATED, CASES_UPDATES)


class ClockMode(StrEnum):
    """What the timer scan takes as now."""

    WALL = "wall"
    EVENT = "event"


def event_time(event: CaseDeduplicated | CaseUpdate) -> datetime:
    """When an event happened: a verdict's case was received, an update occurred.

    A verdict's ``decided_at`` is dedup's wall clock, which says nothing about the time
    of the history being processed.
    """
    if isinstance(event, CaseDeduplicated):
        return event.case.received_at
    return event.occurred_at


def watermark_key(spec: TopicSpec, partition: int) -> str:
    """The table key of an input's watermark on a partition (see ``tables``)."""
    return f"{_WATERMARK}{spec.name}/{partition}"


def is_watermark_key(key: str) -> bool:
    """Whether ``key`` is a watermark's (``watermark_key``)."""
    return key.startswith(_WATERMARK)


_WATERMARK = "watermark/"


def advance(current: str | None, event_time: datetime) -> str:
    """The watermark after an event: never moves back (an out-of-order event leaves it)."""
    if current is not None and datetime.fromisoformat(current) >= event_time:
        return current
    return event_time.isoformat()


def event_now(watermarks: Mapping[str, str | None], partition: int) -> datetime | None:
    """The lower of the inputs' watermarks on ``partition``; None until both have one."""
    times = [watermarks.get(watermark_key(spec, partition)) for spec in WATERMARK_INPUTS]
    if any(t is None for t in times):
        return None
    return min(datetime.fromisoformat(t) for t in times if t is not None)
