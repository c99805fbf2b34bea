"""Models of the services' internal topics (named ``<app id>-<suffix>``, not in the registry)."""

from __future__ import annotations

from typing import Literal

from schemas.base import AwareDatetime, Contract


class Tick(Contract):
    """A service's timer nudging one partition of its internal tick topic.

    Faust lets only an agent handling an event write a table (the changelog partition is
    the event's), and a timer has no event. So the timer publishes one Tick to each tick
    partition the worker is assigned, and the agent on the tick topic does the periodic
    work (sweeps, due timers, digests, retries) in that partition's event context.
    """

    schema_version: Literal[1] = 1
    issued_at: AwareDatetime
