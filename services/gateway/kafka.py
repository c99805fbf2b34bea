"""The gateway's two Kafka clients: the producer of petitions.submitted and the status feed.

Both run on the web server's event loop and are started in the background: the gateway
serves (health 503, petitions 503) while the broker is away, and connects when it comes back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Final

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer  # type: ignore[import-untyped]
from aiokafka.errors import MessageSizeTooLargeError  # type: ignore[import-untyped]
from aiokafka.structs import TopicPartition  # type: ignore[import-untyped]

from schemas.cases import CaseUpdate
from schemas.keys import CaseKey, SubmissionKey
from schemas.petitions import PetitionSubmitted
from schemas.registry import CASES_UPDATES, PETITIONS_SUBMITTED
from services.gateway.status import SOURCES, StatusView

log = logging.getLogger(__name__)

RETRY_SECONDS: Final = 2.0
HEALTH_TIMEOUT_SECONDS: Final = 2.0
#: How long the broker's answer to a health probe stands: /health and /ready, asked as
#: often as any client likes, ask the broker for its metadata once a second at most.
HEALTH_ANSWER_SECONDS: Final = 1.0
POLL_MS: Final = 500
#: How often the status feed looks again for a topic that did not exist.
RECHECK_SECONDS: Final = 10.0


#: The Kafka record header that carries the id of the channel key behind a petition.
CHANNEL_KEY_HEADER: Final = "xinfang-channel-key-id"


class BrokerUnavailableError(RuntimeError):
    """The broker did not acknowledge: the petition is NOT accepted; the client retries."""


class PetitionTooLargeError(RuntimeError):
    """The record is larger than the topic takes: the petition is NOT accepted, and sending
    it again cannot help (a 413, never a 503 with Retry-After)."""


class Publisher:
    """Publishes petitions with acks=all and an idempotent producer.

    :meth:`submit` returns only once every in-sync replica has the petition, or raises
    BrokerUnavailableError within ``ack_timeout`` seconds. After a timeout the message may
    still arrive later: a retry of the same submission id makes no second case (intake
    keys cases by submission id), and a retried Open311 request is a repeat for dedup.
    """

    def __init__(
        self,
        bootstrap: str,
        prefix: str,
        ack_timeout: float,
        on_ack: Callable[[float], None] | None = None,
    ) -> None:
        self._on_ack = on_ack
        self._bootstrap = bootstrap
        self._topic = PETITIONS_SUBMITTED.full_name(prefix)
        self._updates_topic = CASES_UPDATES.full_name(prefix)
        self._ack_timeout = ack_timeout
        self._producer: Any = None
        self._connecting: asyncio.Task[None] | None = None
        #: The probe of the broker under way, and the last answer with when it came.
        self._probe: asyncio.Future[bool] | None = None
        self._probed: tuple[float, bool] | None = None

    @property
    def started(self) -> bool:
        return self._producer is not None

    def start(self) -> None:
        """Connect in the background, retrying until the broker answers."""
        self._connecting = asyncio.get_running_loop().create_task(self._connect())

    async def _connect(self) -> None:
        while True:
            producer = AIOKafkaProducer(
                bootstrap_servers=self._bootstrap,
                acks="all",
                enable_idempotence=True,
                client_id="xinfang-gateway",
                request_timeout_ms=int(self._ack_timeout * 1000),
            )
            try:
                await producer.start()
            except Exception as exc:  # the broker is away: say so, try again
                log.warning("broker unavailable", extra={"bootstrap": self._bootstrap,
                                                          "error": str(exc)})  # fmt: skip
                with contextlib.suppress(Exception):
                    await producer.stop()
                await asyncio.sleep(RETRY_SECONDS)
                continue
            self._producer = producer
            log.info("producer connected", extra={"bootstrap": self._bootstrap})
            return

    async def submit(self, petition: PetitionSubmitted, channel_key_id: str) -> float:
        """Publish and wait for the acknowledgement; returns the seconds it took."""
        if self._producer is None:
            raise BrokerUnavailableError(
                f"the broker at {self._bootstrap} is unavailable; the petition was not accepted"
            )
        key = SubmissionKey(submission_id=petition.submission_id).to_json_bytes()
        value = petition.to_json_bytes()
        if not PETITIONS_SUBMITTED.fits(key, value):
            raise PetitionTooLargeError(
                f"the petition is {len(value)} bytes, more than {PETITIONS_SUBMITTED.name} "
                f"takes ({PETITIONS_SUBMITTED.max_message_bytes} bytes a record)"
            )
        headers = [(CHANNEL_KEY_HEADER, channel_key_id.encode())]
        try:
            return await self._send(self._topic, key, value, headers)
        except MessageSizeTooLargeError as exc:
            raise PetitionTooLargeError(
                f"the broker refused the petition as too large ({exc}); it was not accepted"
            ) from exc
        except BrokerUnavailableError:
            log.warning("not acknowledged", extra={"submission_id": petition.submission_id})
            raise

    async def publish_update(self, update: CaseUpdate) -> float:
        """Publish a petitioner's or an agency's update to cases.updates and wait for the
        acknowledgement (a CaseUpdate is bounded far below the topic's record limit)."""
        if self._producer is None:
            raise BrokerUnavailableError(
                f"the broker at {self._bootstrap} is unavailable; the update was not published"
            )
        key = CaseKey(case_id=update.case_id).to_json_bytes()
        try:
            return await self._send(self._updates_topic, key, update.to_json_bytes(), [])
        except BrokerUnavailableError:
            log.warning("not acknowledged", extra={"update_id": update.update_id})
            raise

    async def _send(
        self, topic: str, key: bytes, value: bytes, headers: list[tuple[str, bytes]]
    ) -> float:
        """Send one record and wait for acks=all; BrokerUnavailableError after the timeout
        (MessageSizeTooLargeError passes through: sending again cannot help)."""
        started = time.perf_counter()
        try:
            await asyncio.wait_for(
                self._producer.send_and_wait(topic, value, key=key, headers=headers),
                timeout=self._ack_timeout,
            )
        except MessageSizeTooLargeError:
            raise
        except Exception as exc:
            raise BrokerUnavailableError(
                f"the broker did not acknowledge within {self._ack_timeout:g} s ({exc!r}); "
                "it was not accepted"
            ) from exc
        seconds = time.perf_counter() - started
        if self._on_ack is not None:
            self._on_ack(seconds)
        return seconds

    async def reachable(self) -> bool:
        """True when the producer is connected and the broker answers a metadata request.

        One probe answers every request that asks while it is under way and for
        ``HEALTH_ANSWER_SECONDS`` after: each unauthenticated /health or /ready asked the
        broker for all its metadata, so a flood of them was as large a flood of metadata
        requests on the broker.
        """
        if self._producer is None:
            return False
        probed = self._probed
        if probed is not None and time.monotonic() - probed[0] < HEALTH_ANSWER_SECONDS:
            return probed[1]
        if self._probe is None:
            self._probe = asyncio.ensure_future(self._ask_broker(self._producer))
        # Shielded: a client that leaves cancels its own wait, not the others' probe.
        return await asyncio.shield(self._probe)

    async def _ask_broker(self, producer: Any) -> bool:
        try:
            await asyncio.wait_for(producer.client.fetch_all_metadata(), HEALTH_TIMEOUT_SECONDS)
        except Exception:
            answer = False
        else:
            answer = True
        self._probed = (time.monotonic(), answer)
        self._probe = None
        return answer

    async def stop(self) -> None:
        """Stop connecting; flush what is in flight and close (graceful shutdown)."""
        if self._connecting is not None:
            self._connecting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._connecting
        if self._probe is not None:
            self._probe.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._probe
            self._probe = None
        if self._producer is not None:
            await self._producer.stop()
            self._producer = None


def _channel_key_id(headers: Any) -> str | None:
    for name, value in headers or ():
        if name == CHANNEL_KEY_HEADER and isinstance(value, bytes):
            return value.decode("ascii", "replace")
    return None


def record_time(timestamp_ms: int | None) -> datetime | None:
    """A record's broker timestamp as an aware time; None for a record without one (-1)
    and for one no ``datetime`` can hold: a producer may stamp a record in year 10000
    (``timestamp_ms=253402300800000``), and the broker keeps it as written."""
    if timestamp_ms is None or timestamp_ms < 0:
        return None
    try:
        return datetime.fromtimestamp(timestamp_ms / 1000, UTC)
    except (ValueError, OverflowError, OSError):
        return None


class StatusFeed:
    """Reads the status view's topics from the beginning, without a consumer group.

    No group: every gateway instance reads every partition and commits nothing, so a
    restart reads the topics again (see :mod:`services.gateway.status` for the cost).
    A topic is caught up once the view has read its partitions up to their end offsets at
    assignment: ``submissions_caught_up`` for ``petitions.submitted`` (all a native
    submission waits for, to tell a conflict), ``caught_up`` for all of them. A topic that
    does not exist (or may not be read) is looked for again every ``RECHECK_SECONDS``; the
    others are read meanwhile, so a missing ``cases.*`` topic holds up no submission.

    A record the view cannot fold is skipped, logged once with its topic, partition and
    offset, and counted (``on_skip``, with the topic's short name); the feed reads on. Only
    the broker (away, or a topic appearing) interrupts the feed, which then reads on from
    where each partition was, not from the beginning: a record that failed is not read
    again, and a long history is not read twice.
    """

    def __init__(
        self,
        bootstrap: str,
        prefix: str,
        view: StatusView,
        on_skip: Callable[[str], None] | None = None,
    ) -> None:
        self._bootstrap = bootstrap
        self._view = view
        self._on_skip = on_skip
        self._names = {spec.full_name(prefix): spec.name for spec in SOURCES}
        self._task: asyncio.Task[None] | None = None
        #: The topics (their short names) read to their end offsets: only ever grows, as
        #: the view keeps what it has read across an interruption.
        self._caught: set[str] = set()
        #: The next offset to read of each partition read so far (kept across interruptions).
        self._positions: dict[Any, int] = {}

    @property
    def caught_up(self) -> bool:
        return self._caught >= set(self._names.values())

    @property
    def submissions_caught_up(self) -> bool:
        return PETITIONS_SUBMITTED.name in self._caught

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        while True:
            consumer = AIOKafkaConsumer(
                bootstrap_servers=self._bootstrap,
                group_id=None,
                enable_auto_commit=False,
                auto_offset_reset="earliest",
                client_id="xinfang-gateway-status",
            )
            try:
                await consumer.start()
                ends, missing = await self._assign(consumer)
                await self._follow(consumer, ends, missing)
            except asyncio.CancelledError:
                await consumer.stop()
                raise
            except Exception as exc:  # broker away or a topic appeared: connect again
                log.warning("status feed interrupted", extra={"error": repr(exc)})
                with contextlib.suppress(Exception):
                    await consumer.stop()
                await asyncio.sleep(RETRY_SECONDS)

    async def _existing(self, consumer: Any) -> tuple[list[Any], set[str]]:
        """The partitions of the topics that exist, and the names of those that do not."""
        # consumer.topics() fetches the metadata but keeps only the names; the partitions
        # come from the same request through the client (partitions may have been added).
        cluster = await consumer._client.fetch_all_metadata()
        partitions, missing = [], set()
        for name in self._names:
            found = cluster.partitions_for_topic(name)
            if found:
                partitions += [TopicPartition(name, p) for p in sorted(found)]
            else:
                missing.add(name)
        return partitions, missing

    async def _assign(self, consumer: Any) -> tuple[dict[Any, int], set[str]]:
        partitions, missing = await self._existing(consumer)
        if missing:
            log.warning(
                "status feed topics missing: run `xinfang topics create`",
                extra={"topics": sorted(missing)},
            )
        if not partitions:
            return {}, missing
        consumer.assign(partitions)
        new = [tp for tp in partitions if tp not in self._positions]
        if new:
            await consumer.seek_to_beginning(*new)
        for tp in partitions:
            if tp in self._positions:
                # Read on from where the interruption left it (a position no longer on the
                # broker, its topic made again, is read from the beginning: "earliest").
                consumer.seek(tp, self._positions[tp])
        ends: dict[Any, int] = await consumer.end_offsets(partitions)
        return ends, missing

    async def _follow(self, consumer: Any, ends: dict[Any, int], missing: set[str]) -> None:
        pending = {tp for tp, end in ends.items() if end > 0}
        self._mark_caught(pending, missing)
        recheck = time.monotonic() + RECHECK_SECONDS
        while True:
            if not ends:  # nothing to read yet: getmany without an assignment raises
                await asyncio.sleep(POLL_MS / 1000)
                batches = {}
            else:
                batches = await consumer.getmany(timeout_ms=POLL_MS, max_records=1000)
            for tp, messages in batches.items():
                topic = self._names[tp.topic]
                for message in messages:
                    self._fold(topic, tp, message)
                    self._positions[tp] = message.offset + 1
            if pending:
                for tp in list(pending):
                    if await consumer.position(tp) >= ends[tp]:
                        pending.discard(tp)
                self._mark_caught(pending, missing)
            if missing and time.monotonic() >= recheck:
                recheck = time.monotonic() + RECHECK_SECONDS
                _, still = await self._existing(consumer)
                if still != missing:
                    # Assigning again would lose the positions of the others: start over.
                    raise RuntimeError(f"topics appeared: {sorted(missing - still)}")

    def _fold(self, topic: str, tp: Any, message: Any) -> None:
        """Fold one record into the view; one the view cannot fold is skipped (logged with
        its place, counted), never allowed to stop the feed: any error here is the record's
        (the view is memory only), and raising it would read the record again for ever."""
        where = {"topic": tp.topic, "partition": tp.partition, "offset": message.offset}
        try:
            folded = self._view.apply(
                topic,
                message.value,
                _channel_key_id(message.headers),
                record_time(message.timestamp),
                # Checked against the value: b"" for none, which no case's key is.
                key=message.key or b"",
                where=where,
            )
        except Exception as exc:
            log.error(
                "status feed skipped a record",
                extra={**where, "error": repr(exc)},
                exc_info=True,
            )
            folded = False
        if not folded and message.value is not None and self._on_skip is not None:
            self._on_skip(topic)

    def _mark_caught(self, pending: set[Any], missing: set[str]) -> None:
        """Mark the topics none of whose partitions is pending (and that exist) caught up."""
        behind = {tp.topic for tp in pending} | missing
        caught = {short for name, short in self._names.items() if name not in behind}
        if caught - self._caught:
            self._caught |= caught
            log.info("status view caught up", extra={"topics": sorted(caught),
                                                      "cases": len(self._view)})  # fmt: skip

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
