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

A Faust timer cannot write tables, so the timer only publishes a ``Tick`` to every
partition of the service's own tick topic that this worker holds; the tick is consumed
like any event, inside that partition's context, where the scan may write.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import Field

from schemas.base import AwareDatetime, Contract
from schemas.registry import CASES_DEDUPLICATED, CASES_UPDATES, TopicSpec

#: The wall clock, injectable.
Clock = Callable[[], datetime]

#: The inputs whose event times make the watermark.
WATERMARK_INPUTS: tuple[TopicSpec, ...] = (CASES_DEDUPLICATED, CASES_UPDATES)


class ClockMode(StrEnum):
    """What the timer scan takes as now."""

    WALL = "wall"
    EVENT = "event"


class TickKey(Contract):
    """Key of a tick: the partition it is for."""

    partition: int = Field(ge=0)


class Tick(Contract):
    """Scan your due timers now. ``sent_at`` is the sender's wall clock."""

    schema_version: Literal[1] = 1
    sent_at: AwareDatetime


def watermark_key(spec: TopicSpec, partition: int) -> str:
    """The table key of an input's watermark on a partition."""
    return f"{spec.name}/{partition}"


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
