"""The batch loop's per-message bookkeeping done once per batch, with the same results:
a histogram's observations counted per batch, Faust's acknowledgement as a plain call,
the handler's Incoming and Output made in one step."""

from __future__ import annotations

import asyncio
import dataclasses
import random
from types import SimpleNamespace
from typing import Any

import pytest
from faust.streams import Stream
from prometheus_client import CollectorRegistry, Histogram, generate_latest

from schemas.registry import PETITIONS_REJECTED
from services.common.batch_loop import _acknowledger
from services.common.handler import Incoming, Output
from services.common.metrics import observe_many

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def _histograms() -> tuple[Any, Any, CollectorRegistry, CollectorRegistry]:
    one, many = CollectorRegistry(), CollectorRegistry()
    a = Histogram("latency_seconds", "h", ["service"], registry=one, buckets=BUCKETS)
    b = Histogram("latency_seconds", "h", ["service"], registry=many, buckets=BUCKETS)
    return a.labels(service="s"), b.labels(service="s"), one, many


def _exposed(registry: CollectorRegistry) -> dict[str, float]:
    samples = {}
    for line in generate_latest(registry).decode().splitlines():
        if line.startswith("latency_seconds_") and "_created" not in line:
            name, value = line.rsplit(" ", 1)
            samples[name] = float(value)
    return samples


def test_observing_a_batch_at_once_gives_the_series_of_one_observe_each() -> None:
    rng = random.Random(12)
    one, many, one_registry, many_registry = _histograms()
    for size in (0, 1, 7, 500):
        amounts = [rng.choice([rng.random() * 12, *BUCKETS, 0.0, 11.5]) for _ in range(size)]
        for amount in amounts:
            one.observe(amount)
        observe_many(many, amounts)
    exposed_one, exposed_many = _exposed(one_registry), _exposed(many_registry)
    assert exposed_one.keys() == exposed_many.keys()
    # The very same figures, the sum included (the amounts added in the same order).
    assert exposed_one == exposed_many
    assert one._sum.get() == many._sum.get()


def test_a_labelled_child_takes_the_one_add_per_bucket_path() -> None:
    # The batch loop's histograms are labelled children (``.labels(service=...)``).
    one, many, one_registry, many_registry = _histograms()
    amounts = [0.001 * k for k in range(1, 300)]
    calls: list[float] = []
    many.observe = calls.append
    observe_many(many, amounts)
    assert calls == []  # not one observe() per amount
    for amount in amounts:
        one.observe(amount)
    assert _exposed(one_registry) == _exposed(many_registry)
    assert _exposed(many_registry)['latency_seconds_count{service="s"}'] == len(amounts)


def test_a_parent_of_labelled_series_is_refused_as_observe_refuses_it() -> None:
    parent = Histogram("latency_seconds", "h", ["service"], registry=CollectorRegistry())
    with pytest.raises(ValueError, match="missing label values"):
        observe_many(parent, [0.1])


def test_a_histogram_of_another_shape_is_observed_one_amount_at_a_time() -> None:
    seen: list[float] = []
    observe_many(SimpleNamespace(observe=seen.append), [0.1, 0.2])  # type: ignore[arg-type]
    assert seen == [0.1, 0.2]


class _FaustStream(Stream[Any]):
    """Faust's Stream with only what its ack reads: the two sensor calls."""

    def __init__(self, log: list[Any]) -> None:
        self._on_stream_event_out = lambda *args: log.append(("event out", *args[:2]))
        self._on_message_out = lambda *args: log.append(("message out", *args[:2]))


class _Event:
    def __init__(self, log: list[Any], offset: int, last: bool) -> None:
        self.message = SimpleNamespace(tp=("t", 0), offset=offset)
        self.log, self.last = log, last

    def ack(self) -> bool:
        self.log.append(("ack", self.message.offset))
        return self.last


@pytest.mark.parametrize("last", [True, False])
def test_faust_s_ack_as_a_plain_call_does_what_it_does(last: bool) -> None:
    awaited: list[Any] = []
    stream = _FaustStream(awaited)
    event: Any = _Event(awaited, 7, last)
    asyncio.run(Stream.ack(stream, event))
    called: list[Any] = []
    stream = _FaustStream(called)
    ack = _acknowledger(stream)
    assert ack is not None
    ack(_Event(called, 7, last))
    assert called == awaited
    assert called[0] == ("ack", 7)
    assert len(called) == (3 if last else 2)


def test_a_stream_with_its_own_ack_is_awaited() -> None:
    class Own(_FaustStream):
        async def ack(self, event: Any) -> bool:
            return True

    assert _acknowledger(Own([])) is None
    assert _acknowledger(SimpleNamespace(ack=lambda event: None)) is None


def test_incoming_and_output_are_frozen_dataclasses_as_before() -> None:
    incoming = Incoming("t", 1, 2, b"k", b"v")
    assert incoming == Incoming(topic="t", partition=1, offset=2, key=b"k", value=b"v", spec=None)
    assert hash(incoming) == hash(Incoming("t", 1, 2, b"k", b"v", None))
    assert dataclasses.replace(incoming, offset=3).offset == 3
    assert [f.name for f in dataclasses.fields(Incoming)] == [
        "topic", "partition", "offset", "key", "value", "spec",
    ]  # fmt: skip
    with pytest.raises(dataclasses.FrozenInstanceError):
        incoming.offset = 4  # type: ignore[misc]
    output = Output(PETITIONS_REJECTED, b"k", None)
    assert output.agency_code is None
    assert output == Output(spec=PETITIONS_REJECTED, key=b"k", value=None, agency_code=None)
    assert repr(output).startswith("Output(spec=")
    with pytest.raises(dataclasses.FrozenInstanceError):
        output.key = b"j"  # type: ignore[misc]
