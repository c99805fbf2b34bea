"""The status feed against records no view can fold, on a fake broker: a petition stamped
by its producer in year 10000, an agency update dated 9999-12-31, a record whose folding
fails in a way nobody foresaw. Each is skipped (logged with its place, counted) and the
feed reads on; an interruption of the broker reads on from where it was, not from the
beginning. Before, each of them stopped the feed and started it again from offset 0 every
2 s, for ever: the view never caught up, and native submissions were refused 503 for good."""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiokafka.structs import TopicPartition  # type: ignore[import-untyped]

from schemas import examples
from schemas.cases import CaseUpdate, UpdateKind
from schemas.keys import CaseKey, SubmissionKey
from schemas.registry import CASES_DEDUPLICATED, CASES_UPDATES, PETITIONS_SUBMITTED
from services.gateway import kafka
from services.gateway.kafka import StatusFeed, record_time
from services.gateway.status import SOURCES, StatusView
from tests.unit.gateway.test_casework import CASE_ID, CASE_ID_KEY, T0, _update, _verdict

PREFIX = "t."
#: A record timestamp in year 10000: 10000-01-01T00:00:00Z in ms.
YEAR_10000_MS = 253_402_300_800_000
FAR = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)


@dataclass
class Record:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    timestamp: int
    headers: tuple[tuple[str, bytes], ...] = ()


@dataclass
class Broker:
    """The topics' records by partition, and the consumers made on them."""

    logs: dict[TopicPartition, list[Record]] = field(default_factory=dict)
    #: Every record in the order appended: a consumer gets them in that order.
    order: list[Record] = field(default_factory=list)
    consumers: list[FakeConsumer] = field(default_factory=list)
    #: getmany raises this many times (the broker going away), once per consumer.
    interruptions: int = 0

    def append(self, topic: str, key: bytes | None, value: bytes | None, ms: int) -> None:
        tp = TopicPartition(PREFIX + topic, 0)
        log = self.logs.setdefault(tp, [])
        log.append(Record(tp.topic, 0, len(log), key, value, ms))
        self.order.append(log[-1])


class _Cluster:
    def __init__(self, broker: Broker) -> None:
        self._broker = broker

    def partitions_for_topic(self, name: str) -> set[int] | None:
        found = {tp.partition for tp in self._broker.logs if tp.topic == name}
        return found or None


class _Client:
    def __init__(self, broker: Broker) -> None:
        self._broker = broker

    async def fetch_all_metadata(self) -> _Cluster:
        return _Cluster(self._broker)


class FakeConsumer:
    """What the status feed asks of AIOKafkaConsumer, over ``Broker``."""

    def __init__(self, broker: Broker) -> None:
        self.broker = broker
        self._client = _Client(broker)
        self.positions: dict[TopicPartition, int] = {}
        self.sought: dict[TopicPartition, int] = {}
        self.delivered = 0

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass

    def assign(self, partitions: list[TopicPartition]) -> None:
        self.positions = dict.fromkeys(partitions, 0)

    async def seek_to_beginning(self, *partitions: TopicPartition) -> None:
        for tp in partitions:
            self.positions[tp] = 0

    def seek(self, tp: TopicPartition, offset: int) -> None:
        self.positions[tp] = self.sought[tp] = offset

    async def end_offsets(self, partitions: list[TopicPartition]) -> dict[TopicPartition, int]:
        return {tp: len(self.broker.logs[tp]) for tp in partitions}

    async def position(self, tp: TopicPartition) -> int:
        return self.positions[tp]

    async def getmany(self, timeout_ms: int, max_records: int) -> dict[Any, list[Record]]:
        await asyncio.sleep(0)
        if self.delivered and self.broker.interruptions:
            self.broker.interruptions -= 1
            raise ConnectionError("the broker went away")
        batches: dict[Any, list[Record]] = {}
        for record in self.broker.order:
            tp = TopicPartition(record.topic, record.partition)
            if tp in self.positions and record.offset == self.positions[tp]:
                batches.setdefault(tp, []).append(record)
                self.positions[tp] += 1
                self.delivered += 1
                if self.delivered % 2 == 0:  # small batches
                    break
        return batches


@pytest.fixture
def broker(monkeypatch: pytest.MonkeyPatch) -> Broker:
    made = Broker()

    def consumer(**_: object) -> FakeConsumer:
        made.consumers.append(FakeConsumer(made))
        return made.consumers[-1]

    monkeypatch.setattr(kafka, "AIOKafkaConsumer", consumer)
    monkeypatch.setattr(kafka, "RETRY_SECONDS", 0.01)
    # Every source topic exists (an empty one is caught up at once).
    for spec in SOURCES:
        made.logs.setdefault(TopicPartition(spec.full_name(PREFIX), 0), [])
    return made


def _petition(submission_id: str) -> bytes:
    return json.dumps({**examples.MINIMAL_PETITION, "submission_id": submission_id}).encode()


def _submission(broker: Broker, submission_id: str, ms: int) -> None:
    key = SubmissionKey(submission_id=submission_id).to_json_bytes()
    broker.append(PETITIONS_SUBMITTED.name, key, _petition(submission_id), ms)


def _case_update(broker: Broker, update: CaseUpdate) -> None:
    key = CaseKey(case_id=update.case_id).to_json_bytes()
    broker.append(CASES_UPDATES.name, key, update.to_json_bytes(), _ms(update.occurred_at))


def _ms(at: datetime) -> int:
    return int(min(at, datetime.now(UTC)).timestamp() * 1000)


async def _follow(broker: Broker, view: StatusView) -> tuple[StatusFeed, list[str]]:
    """Run a feed until it has read every record on the broker (or some 5 s)."""
    skipped: list[str] = []
    feed = StatusFeed("fake:9092", PREFIX, view, on_skip=skipped.append)
    feed.start()
    total = sum(len(log) for log in broker.logs.values())
    try:
        for _ in range(500):
            if feed.caught_up and sum(c.delivered for c in broker.consumers) >= total:
                break
            await asyncio.sleep(0.01)
    finally:
        await feed.stop()
    return feed, skipped


async def test_a_petition_stamped_in_year_10000_is_read_as_one_without_a_time(
    broker: Broker, caplog: pytest.LogCaptureFixture
) -> None:
    now = _ms(datetime.now(UTC))
    _submission(broker, "before-1", now)
    _submission(broker, "stamped-10000", YEAR_10000_MS)
    _submission(broker, "after-1", now)
    view = StatusView(CASE_ID_KEY)
    with caplog.at_level(logging.WARNING):
        feed, skipped = await _follow(broker, view)
    assert feed.submissions_caught_up
    assert feed.caught_up
    for submission_id in ("before-1", "stamped-10000", "after-1"):
        assert view.by_submission(submission_id) is not None, submission_id
    assert skipped == []
    assert len(broker.consumers) == 1  # read once, never started again
    assert "status feed interrupted" not in caplog.text


@pytest.mark.parametrize("verdict_first", [True, False], ids=["verdict first", "update first"])
async def test_an_update_dated_9999_12_31_is_skipped_and_the_case_and_feed_go_on(
    broker: Broker, caplog: pytest.LogCaptureFixture, verdict_first: bool
) -> None:
    verdict = _verdict()
    key = CaseKey(case_id=CASE_ID).to_json_bytes()
    accepted = _update(UpdateKind.ACCEPTED, T0 + timedelta(days=1))
    # Written before the contract bounded its times (1900 to 2200 China time), as records
    # kept on the topic for ever were: the model as it was, unvalidated.
    far = _update(UpdateKind.ACCEPTED, T0).model_copy(
        update={"occurred_at": FAR, "update_id": "u-far"}
    )
    if not verdict_first:
        _case_update(broker, far)
    broker.append(CASES_DEDUPLICATED.name, key, verdict.to_json_bytes(), _ms(T0))
    if verdict_first:
        _case_update(broker, far)
    _case_update(broker, accepted)
    _submission(broker, "after-1", _ms(datetime.now(UTC)))
    view = StatusView(CASE_ID_KEY, clock=lambda: T0 + timedelta(days=2))
    with caplog.at_level(logging.WARNING):
        feed, skipped = await _follow(broker, view)
    assert feed.caught_up
    assert len(broker.consumers) == 1
    record = view.get(CASE_ID)
    assert record is not None  # the case is known (it answered 404 before)
    assert record.facts is not None
    assert record.updates == (accepted,)
    assert far not in record.held
    assert view.by_submission("after-1") is not None
    assert "status feed interrupted" not in caplog.text
    # The update itself is skipped, whichever came first: the contract refuses its time
    # (1900 to 2200 China time); counted, logged once with its place.
    assert skipped == [CASES_UPDATES.name]
    [logged] = [r for r in caplog.records if r.getMessage() == "status view skipped an event"]
    assert (logged.topic, logged.partition) == (  # type: ignore[attr-defined]
        CASES_UPDATES.full_name(PREFIX), 0
    )
    assert "outside the times the contract takes" in logged.error  # type: ignore[attr-defined]
    assert [s.status for s in record.history][-1] is UpdateKind.ACCEPTED
    assert FAR not in [s.at for s in record.history]


async def test_a_record_that_fails_unforeseen_is_skipped_and_counted(
    broker: Broker, caplog: pytest.LogCaptureFixture
) -> None:
    now = _ms(datetime.now(UTC))
    for submission_id in ("one", "poison", "two"):
        _submission(broker, submission_id, now)

    class Failing(StatusView):
        def apply(self, topic: str, value: bytes | None, *args: Any, **kwargs: Any) -> bool:
            if value is not None and b'"poison"' in value:
                raise RuntimeError("a bug in folding")
            return super().apply(topic, value, *args, **kwargs)

    view = Failing(CASE_ID_KEY)
    with caplog.at_level(logging.WARNING):
        feed, skipped = await _follow(broker, view)
    assert feed.submissions_caught_up
    assert view.by_submission("one") is not None
    assert view.by_submission("two") is not None
    assert skipped == [PETITIONS_SUBMITTED.name]
    [logged] = [r for r in caplog.records if r.getMessage() == "status feed skipped a record"]
    assert logged.offset == 1  # type: ignore[attr-defined]
    assert len(broker.consumers) == 1


async def test_after_the_broker_went_away_the_feed_reads_on_from_where_it_was(
    broker: Broker,
) -> None:
    now = _ms(datetime.now(UTC))
    for n in range(6):
        _submission(broker, f"s-{n}", now)
    broker.interruptions = 1
    view = StatusView(CASE_ID_KEY)
    feed, _ = await _follow(broker, view)
    assert feed.submissions_caught_up
    assert all(view.by_submission(f"s-{n}") is not None for n in range(6))
    first, second = broker.consumers
    submitted = TopicPartition(PETITIONS_SUBMITTED.full_name(PREFIX), 0)
    assert second.sought[submitted] == first.delivered  # not 0: nothing read twice
    assert first.delivered + second.delivered == 6


@pytest.mark.parametrize(
    ("timestamp_ms", "expected"),
    [
        (0, datetime(1970, 1, 1, tzinfo=UTC)),
        (1_795_000_000_000, datetime.fromtimestamp(1_795_000_000, UTC)),
        (-1, None),  # Kafka's "no timestamp"
        (YEAR_10000_MS, None),
        (2**63 - 1, None),
        (None, None),
    ],
)
def test_a_record_time_no_datetime_holds_is_no_time(
    timestamp_ms: int | None, expected: datetime | None
) -> None:
    assert record_time(timestamp_ms) == expected
