"""Sending a service's outputs: straight to the producer, then waiting for the broker.

An output is handed to the producer without waiting (``Sender.send``); a batch then waits
for all its acknowledgements at once (``Sender.acknowledged``), sending again what the
broker does not acknowledge in time.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter, abc
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, cast

import faust
from aiokafka.errors import KafkaError  # type: ignore[import-untyped]
from faust.exceptions import ProducerSendError
from faust.transport.drivers.aiokafka import Producer as FaustProducer
from mode.signals import BaseSignal

from schemas.registry import TopicSpec
from services.common.diagnostics import producer_state
from services.common.handler import Output

log = logging.getLogger(__name__)

#: An output the broker has not acknowledged after this long is sent again (``acknowledged``).
ACK_WAIT_SECONDS: Final = 10.0


@dataclass
class Sender:
    """The outputs of one service, sent with its Faust app's producer."""

    app: faust.App
    #: The service's Faust topic of a registry entry (and agency code).
    topic: Callable[[TopicSpec, str | None], faust.TopicT]
    #: (spec name, agency code) -> the full topic name, so a send does not rebuild it.
    topic_names: dict[tuple[str, str | None], str] = field(default_factory=dict)

    async def publish(self, outputs: Sequence[Output]) -> None:
        """Send every output and wait until the broker has acknowledged all of them."""
        sends = {}
        for output in outputs:
            sends[await self.send(output)] = output
        await self.acknowledged(sends)

    async def acknowledged(self, waiting: dict[asyncio.Future[Any], Output]) -> None:
        """Wait until the broker has acknowledged every send of ``waiting``.

        An output not acknowledged within ``ACK_WAIT_SECONDS`` is sent again (ids are
        deterministic, so a second copy is the same record, which downstream skips):
        acknowledgements take milliseconds, and a send the client has lost must not hold
        the partition. What still does not come ends with the handler watch's exit.
        """
        waiting = dict(waiting)
        while waiting:
            done, _ = await asyncio.wait(waiting, timeout=ACK_WAIT_SECONDS)
            for future in done:
                future.result()  # a send that failed raises here
                del waiting[future]
            if not waiting:
                return
            log.warning(
                "no acknowledgement from the broker: sending again",
                extra={"seconds": ACK_WAIT_SECONDS,
                       "topics": sorted({self.topic(o.spec, o.agency_code).get_topic_name()
                                         for o in waiting.values()}),
                       "producer": producer_state(self.app)},
            )  # fmt: skip
            for future, output in list(waiting.items()):
                # The first copy may still end: keep its outcome from being reported unread.
                future.add_done_callback(_ignore_outcome)
                del waiting[future]
                waiting[await self.send(output)] = output

    def topic_name(self, output: Output) -> str:
        """The full name of an output's topic (declared as a Faust topic on first use)."""
        slot = (output.spec.name, output.agency_code)
        name = self.topic_names.get(slot)
        if name is None:
            name = self.topic_names[slot] = self.topic(
                output.spec, output.agency_code
            ).get_topic_name()
        return name

    async def send(self, output: Output) -> asyncio.Future[Any]:
        """Hand ``output`` to the producer; the future ends with the broker's answer."""
        # Straight to the producer, past Faust's Topic.send: its channel, FutureMessage
        # and per-record sensor calls cost more than the send itself. What the sensor
        # counted is counted per batch instead (``count_sent``); the producer and its
        # default partitioner (the key's murmur2) are the ones Topic.send uses.
        sent = await send_record(
            self.app.producer, self.topic_name(output), output.key, output.value, None, None
        )
        return cast("asyncio.Future[Any]", sent)

    def count_sent(self, outputs: Iterable[Output], waited_seconds: float) -> None:
        """Count acknowledged outputs in Faust's send metrics, as its Topic.send would.

        The send latency is observed once per batch: how long its acknowledgements took.
        """
        self.count_by_topic(Counter(self.topic_name(output) for output in outputs), waited_seconds)

    def count_by_topic(self, by_topic: Counter[str], waited_seconds: float) -> None:
        """Count acknowledged records, by full topic name, as ``count_sent`` does."""
        monitor = self.app.monitor
        metrics = getattr(monitor, "_metrics", None)
        if metrics is None:  # not the Prometheus monitor: nothing to count into
            return
        for name, count in by_topic.items():
            metrics.topic_messages_sent.labels(topic=f"topic.{name}").inc(count)
        if by_topic:
            metrics.total_sent_messages.inc(sum(by_topic.values()))
            metrics.producer_send_latency.observe(waited_seconds * 1000)


def too_large(outputs: Sequence[Output]) -> Output | None:
    """The first output larger than its topic takes (the producer would refuse it)."""
    return next((o for o in outputs if not o.spec.fits(o.key, o.value)), None)


def _ignore_outcome(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()


#: Faust's ``Producer.send`` of its aiokafka driver (``send_record`` does what it does).
_FAUST_PRODUCER_SEND: Final = FaustProducer.send


async def send_record(
    producer: Any,
    topic: str,
    key: bytes | None,
    value: bytes | None,
    partition: int | None,
    headers: Any,
) -> Any:
    """``await producer.send(topic, key, value, partition=partition, timestamp=None,
    headers=headers)``: the record handed to the producer, its future returned.

    Faust's ``Producer.send`` (faust-streaming 0.15, aiokafka driver) only passes the
    record on to aiokafka's ``AIOKafkaProducer.send`` after a signal (``on_produce_message``)
    that nothing here listens to, its headers made a list (and dropped for a broker that
    takes none), and turns aiokafka's errors into ``ProducerSendError``: that layer cost
    an output or a changelog record some 2 us, a few per cent of a stage. Here the same
    is done without it; with anyone listening to the signal, or another producer, the
    producer's own ``send`` is awaited as it is.
    """
    if type(producer).send is not _FAUST_PRODUCER_SEND:
        return await producer.send(
            topic, key, value, partition=partition, timestamp=None, headers=headers
        )
    signal = getattr(producer._send_on_produce_message, "__self__", None)
    if not isinstance(signal, BaseSignal) or signal._receivers or signal._filter_receivers:
        return await producer.send(
            topic, key, value, partition=partition, timestamp=None, headers=headers
        )
    aiokafka_producer = producer._ensure_producer()
    if headers is not None:
        if type(headers) is dict or isinstance(headers, abc.Mapping):
            headers = list(headers.items())
        if not producer.allow_headers:
            headers = None
    try:
        return await aiokafka_producer.send(
            topic, value, key=key, partition=partition, timestamp_ms=None, headers=headers
        )
    except KafkaError as exc:
        raise ProducerSendError(f"Error while sending: {exc!r}") from exc
