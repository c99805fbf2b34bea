"""The phases of a bench run, in the order a run takes them (``xinfang bench --only``)."""

from __future__ import annotations

from enum import StrEnum


class Phase(StrEnum):
    """A phase of ``xinfang bench`` (see ``services.bench.run``)."""

    CEILINGS = "ceilings"
    STAGES = "stages"
    PIPELINE = "pipeline"
    LATENCY = "latency"
