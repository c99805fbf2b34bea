"""A batch of a handler that touches no table does not wait for another agent's batch."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry

from schemas.petitions import Stage
from services.common.batch_loop import BatchLoop
from services.common.handler import NOTHING, Effects, Incoming
from services.common.metrics import Metrics
from services.common.service import Service
from services.common.settings import ServiceSettings


@dataclass
class _Message:
    partition: int
    offset: int
    topic: str = "cases.registered"
    key: bytes = b"k"
    value: bytes = b"{}"


@dataclass
class _Event:
    message: _Message


@dataclass
class _Stream:
    """What a batch acknowledges its messages on (Faust's stream)."""

    acked: list[int] = field(default_factory=list)

    async def ack(self, event: _Event) -> None:
        self.acked.append(event.message.offset)


class _App:
    monitor = None


async def _nothing(message: Incoming) -> Effects:
    return NOTHING


def _service() -> Service:
    metrics = Metrics(CollectorRegistry())
    metrics.initialise(Stage.DEDUP.value)
    return Service(
        stage=Stage.DEDUP,
        settings=ServiceSettings(),
        app=_App(),  # type: ignore[arg-type]
        metrics=metrics,
    )


async def test_a_stateless_batch_is_done_while_another_agent_holds_its_partition() -> None:
    service = _service()
    held = service.partition_locks.setdefault(0, asyncio.Lock())
    await held.acquire()  # another agent's batch on partition 0, waiting for the broker
    stateless, locked = _Stream(), _Stream()
    events = [_Event(_Message(partition=0, offset=n)) for n in range(3)]

    await asyncio.wait_for(
        BatchLoop(service, _nothing, locked=False).run(stateless, events), timeout=5
    )
    assert stateless.acked == [0, 1, 2]

    waiting = asyncio.create_task(BatchLoop(service, _nothing).run(locked, events))
    await asyncio.sleep(0.05)
    assert locked.acked == [], "a batch with tables must wait for the partition's lock"
    held.release()
    await asyncio.wait_for(waiting, timeout=5)
    assert locked.acked == [0, 1, 2]
