"""Escalation digests (group_wait / group_interval) and the retry schedule."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from schemas.cases import AgencyLevel, CaseEscalated, EscalationReason
from schemas.notices import Notice
from schemas.notifications import FailureReason
from services.notification.engine import _GroupModels
from services.notification.grouping import (
    AlertGrouper,
    GroupingState,
    RoutedAlert,
    overflow_key,
)
from services.notification.inflight import TransportGate
from services.notification.labels import labels_of
from services.notification.policy import Grouping
from services.notification.retry import Delivered, Failed, RetryPolicy, deliver
from services.notification.senders import (
    PermanentDeliveryError,
    RetryableDeliveryError,
    UnconfirmedDeliveryError,
)
from tests.unit.notification.test_plan import email_notice

T0 = datetime(2027, 1, 1, 0, 0, tzinfo=UTC)
GROUPING = Grouping(("level",), timedelta(seconds=30), timedelta(minutes=5))


def _alert(i: int, receiver: str = "city-supervision", level: str = "city") -> RoutedAlert:
    escalation = CaseEscalated(
        escalation_id=f"ESC-XF-{i:04d}-deadline_breach",
        case_id=f"XF-{i:04d}",
        reason=EscalationReason.DEADLINE_BREACH,
        rule="handling_due",
        target_level=AgencyLevel(level),
        escalated_at=T0,
        region_code="610302",
    )
    labels = labels_of(kind="escalation_alert", level=level)
    return RoutedAlert.of(receiver, "escalation_alert", GROUPING, labels, escalation)


def test_two_hundred_breaches_at_once_make_one_digest() -> None:
    grouper = AlertGrouper()
    for i in range(200):
        grouper.add(_alert(i), T0 + timedelta(milliseconds=i))
    assert grouper.due_digests(T0 + timedelta(seconds=29)) == []
    assert grouper.next_flush_at() == T0 + timedelta(seconds=30)
    (digest,) = grouper.due_digests(T0 + timedelta(seconds=30))
    assert len(digest.alerts) == 200
    assert digest.receiver == "city-supervision"
    assert grouper.due_digests(T0 + timedelta(hours=1)) == []


def test_a_thousand_breaches_at_once_make_digests_of_a_bounded_size() -> None:
    # A group's row is one changelog record: it must stay well under 1,000,000 bytes.
    grouper = AlertGrouper()
    held_in = [grouper.add(_alert(i), T0) for i in range(1_000)]
    key = held_in[0]
    assert held_in == [key] * 400 + [overflow_key(key, 1)] * 400 + [overflow_key(key, 2)] * 200
    rows = [group.model_dump_json() for group in grouper.state.groups.values()]
    assert max(map(len, rows)) < 250_000
    # A redelivered alert of a full group stays where it is.
    assert grouper.add(_alert(7), T0) == key
    digests = grouper.due_digests(T0 + timedelta(seconds=30))
    assert [len(d.alerts) for d in digests] == [400, 400, 200]
    held = [a.escalation_id for d in digests for a in d.alerts]
    assert sorted(held) == sorted(_alert(i).alert_id for i in range(1_000))
    assert len({d.digest_id for d in digests}) == 3
    assert {d.receiver for d in digests} == {"city-supervision"}


def test_groups_are_per_receiver_and_group_labels() -> None:
    grouper = AlertGrouper()
    grouper.add(_alert(1), T0)
    grouper.add(_alert(2, level="province"), T0)
    grouper.add(_alert(3, receiver="city-leaders"), T0)
    digests = grouper.due_digests(T0 + timedelta(seconds=30))
    assert sorted(d.group_key for d in digests) == [
        "city-leaders/escalation_alert{level=city}",
        "city-supervision/escalation_alert{level=city}",
        "city-supervision/escalation_alert{level=province}",
    ]


def test_alerts_after_a_flush_wait_for_the_group_interval() -> None:
    grouper = AlertGrouper()
    grouper.add(_alert(1), T0)
    assert len(grouper.due_digests(T0 + timedelta(seconds=30))) == 1
    grouper.add(_alert(2), T0 + timedelta(seconds=40))
    grouper.add(_alert(3), T0 + timedelta(minutes=2))
    assert grouper.due_digests(T0 + timedelta(minutes=5)) == []
    (digest,) = grouper.due_digests(T0 + timedelta(minutes=5, seconds=30))
    assert [a.case_id for a in digest.alerts] == ["XF-0002", "XF-0003"]


def test_a_redelivered_escalation_is_held_once() -> None:
    grouper = AlertGrouper()
    grouper.add(_alert(1), T0)
    grouper.add(_alert(1), T0 + timedelta(seconds=1))
    (digest,) = grouper.due_digests(T0 + timedelta(seconds=30))
    assert len(digest.alerts) == 1


def test_the_pending_state_survives_a_json_round_trip() -> None:
    grouper = AlertGrouper()
    for i in range(3):
        grouper.add(_alert(i), T0)
    saved = grouper.state.model_dump_json()
    restored = AlertGrouper(GroupingState.model_validate_json(saved))
    original = grouper.due_digests(T0 + timedelta(seconds=30))
    again = restored.due_digests(T0 + timedelta(seconds=30))
    assert [d.digest_id for d in original] == [d.digest_id for d in again]
    assert original[0].alerts == again[0].alerts


POLICY = RetryPolicy(
    initial_delay=timedelta(seconds=1),
    max_delay=timedelta(seconds=10),
    multiplier=2.0,
    max_attempts=6,
    jitter=0.5,
)


def test_the_backoff_doubles_up_to_its_cap_and_jitter_only_shortens() -> None:
    assert [POLICY.delay(n, 0.0) for n in range(1, 7)] == [1, 2, 4, 8, 10, 10]
    assert POLICY.delay(3, 0.999) > 2.0
    assert POLICY.delay(3, 0.5) == 3.0


class _Scripted:
    """A sender that fails as scripted, then succeeds; counts attempts."""

    def __init__(self, *failures: Exception) -> None:
        self.failures = list(failures)
        self.attempts = 0

    async def send(self, notice: Notice) -> None:
        self.attempts += 1
        if self.failures:
            raise self.failures.pop(0)

    async def aclose(self) -> None:
        return None


def _notice() -> Notice:
    return email_notice()


async def test_retryable_failures_are_retried_with_the_schedule() -> None:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    sender = _Scripted(RetryableDeliveryError("421"), RetryableDeliveryError("timeout"))
    result = await deliver(sender, _notice(), POLICY, sleep=sleep, draw=lambda: 0.0)
    assert result == Delivered(attempts=3)
    assert slept == [1.0, 2.0]


async def test_a_permanent_failure_stops_at_once() -> None:
    async def sleep(seconds: float) -> None:
        raise AssertionError("no retry after a permanent failure")

    sender = _Scripted(PermanentDeliveryError("550 no such user"))
    result = await deliver(sender, _notice(), POLICY, sleep=sleep)
    assert result == Failed(FailureReason.PERMANENT_REJECTION, "550 no such user", 1)


async def test_exhausted_retries_are_named() -> None:
    async def sleep(seconds: float) -> None:
        return None

    sender = _Scripted(*[RetryableDeliveryError("451") for _ in range(10)])
    result = await deliver(sender, _notice(), POLICY, sleep=sleep)
    assert isinstance(result, Failed)
    assert result.reason is FailureReason.RETRIES_EXHAUSTED
    assert result.attempts == 6
    assert sender.attempts == 6


async def test_an_unanswered_attempt_stops_the_quick_retries() -> None:
    async def sleep(seconds: float) -> None:
        raise AssertionError("an unanswered notice is not sent again at once")

    sender = _Scripted(UnconfirmedDeliveryError("no reply to the message"))
    result = await deliver(sender, _notice(), POLICY, sleep=sleep)
    assert result == Failed(
        FailureReason.RETRIES_EXHAUSTED, "no reply to the message (1 attempts)", 1, True
    )


def test_a_failing_transport_rests_once_per_outage_and_a_delivery_ends_it() -> None:
    gate = TransportGate(POLICY)
    failure = Failed(FailureReason.RETRIES_EXHAUSTED, "451", 1)
    gate.record("smtp", failure, T0)
    gate.record("smtp", failure, T0)  # a burst of sends hitting the same outage
    assert not gate.is_open("smtp", T0 + timedelta(seconds=0.9))
    assert gate.is_open("webhook", T0)
    assert gate.is_open("smtp", T0 + timedelta(seconds=1))  # the 1st delay, not the 2nd
    gate.record("smtp", failure, T0 + timedelta(seconds=1))
    assert not gate.is_open("smtp", T0 + timedelta(seconds=2.9))  # then the 2nd: 2 s
    gate.record("smtp", Failed(FailureReason.PERMANENT_REJECTION, "550", 1), T0)
    assert gate.is_open("smtp", T0)  # a definite answer: the relay is there
    gate.record("smtp", failure, T0)
    gate.record("smtp", Delivered(1), T0)
    assert gate.is_open("smtp", T0)


def test_a_group_read_back_is_the_row_stored_even_after_a_change_not_stored() -> None:
    # The engine keeps the model of each group row it wrote (``_GroupModels``): a model
    # changed by a message whose write was taken back must not stand for the row.
    models = _GroupModels()
    grouper = AlertGrouper()
    key = grouper.add(_alert(1), T0)
    row = models.row(key, grouper.state.groups[key], partition=2)
    group = models.group(key, row)
    assert group is grouper.state.groups[key]  # the row just written: its own model
    group.alerts.append(_alert(2).escalation)  # type: ignore[arg-type]  # never stored
    again = models.group(key, row)
    assert [a.case_id for a in again.alerts] == ["XF-0001"]
    assert models.group(key, dict(row)).model_dump() == again.model_dump()


def test_a_group_row_read_back_from_the_store_is_its_model_and_another_row_is_read() -> None:
    # Once its batch has committed, the row is read from the store: decoded anew, equal
    # to the row written, and its kept model stands for it (not validated again). A row
    # the store holds that is not the last one written (a write taken back) is read.
    models = _GroupModels()
    grouper = AlertGrouper()
    key = grouper.add(_alert(1), T0)
    first = models.row(key, grouper.state.groups[key], partition=2)
    group = models.group(key, json.loads(json.dumps(first)))
    assert group is grouper.state.groups[key]
    grouper.add(_alert(2), T0)
    models.row(key, group, partition=2)  # written, then taken back: the store has ``first``
    older = models.group(key, json.loads(json.dumps(first)))
    assert older is not group
    assert [a.case_id for a in older.alerts] == ["XF-0001"]


def test_a_group_row_is_the_whole_dump_of_its_entry_as_the_group_changes() -> None:
    # ``_GroupModels.row`` reuses the JSON forms of the items it dumped last time; each
    # row must still be ``GroupEntry.model_dump(mode="json")``, key order included.
    from schemas.ledger import HOTSPOT_EXAMPLES, HotspotDetected
    from services.notification.engine import GroupEntry

    def whole(group: object, partition: int) -> str:
        entry = GroupEntry.model_validate({"group": group, "partition": partition})
        return json.dumps(entry.model_dump(mode="json"))

    value = HOTSPOT_EXAMPLES[0].value
    assert value is not None
    models = _GroupModels()
    grouper = AlertGrouper()
    rows: list[tuple[str, str]] = []
    for i in range(1, 8):  # alerts added one by one: each row one item longer
        key = grouper.add(_alert(i), T0 + timedelta(seconds=i))
        group = grouper.state.groups[key]
        rows.append((json.dumps(models.row(key, group, partition=3)), whole(group, 3)))
    # The same group with an item in the middle replaced by an equal-looking other one,
    # then one taken out, then a flush and new alerts: no stale form may stay.
    group.alerts[2] = _escalation(_alert(90))
    rows.append((json.dumps(models.row(key, group, partition=3)), whole(group, 3)))
    del group.alerts[1]
    rows.append((json.dumps(models.row(key, group, partition=4)), whole(group, 4)))
    grouper.due_digests(T0 + timedelta(minutes=1))
    rows.append((json.dumps(models.row(key, group, partition=4)), whole(group, 4)))
    for i in (91, 92):
        key = grouper.add(_alert(i), T0 + timedelta(minutes=7))
        group = grouper.state.groups[key]
        rows.append((json.dumps(models.row(key, group, partition=4)), whole(group, 4)))
    group.hotspots.append(HotspotDetected.model_validate(value))
    rows.append((json.dumps(models.row(key, group, partition=4)), whole(group, 4)))
    group.hotspots.append(HotspotDetected.model_validate({**value, "hotspot_id": "HS-2"}))
    rows.append((json.dumps(models.row(key, group, partition=4)), whole(group, 4)))
    for made, expected in rows:
        assert made == expected
    # A row read back is its group; its items are still its own after later rows.
    assert (
        models.group(key, json.loads(rows[-1][0])).model_dump(mode="json")
        == json.loads(rows[-1][1])["group"]
    )


def _escalation(alert: RoutedAlert) -> CaseEscalated:
    assert alert.escalation is not None
    return alert.escalation
