"""The notification service's decisions over its state, without Kafka.

``NotificationEngine`` is what the Faust agents call, one method per input: a verdict, an
agency update, an escalation, a hotspot, an alert for a receiver's digest, a timer tick. Its
state is five mappings that the service backs with Faust tables (plain dicts in unit tests), all
partitioned like the event being handled:

* ``cases``: case_id -> CaseFile (updates and escalations need the case);
* ``sent``: notification_id -> SentEntry, the sent log that makes effects exactly-once;
* ``retries``: notification_id -> RetryEntry, notices waiting for their next attempt;
* ``waiting``: event id -> WaitingEntry, petitioner notices waiting for a contact;
* ``groups``: group key -> GroupEntry, the pending digests (escalations, hotspots).

A method returns a ``Step``: the records to publish and the state to write once the broker
has acknowledged them. The single exception is the sent log's ``sent`` mark, written the
moment the other side has taken a notice, before anything is published: a crash after that
publishes the missing delivered record on redelivery instead of sending the notice twice.
Entries written from a tick carry the event's partition, because only that tick partition
may change them again (a Faust table write goes to the partition of the event in hand).

Sending never holds a partition for long: each send runs in its own task
(``services.notification.inflight``), and an event waits for its sends at most ``handoff``.
A send still under way then is written to the retry table, marked ``unconfirmed``, and its
outcome is recorded by a later tick of the same partition; it is not sent again meanwhile.
A new notice whose transport is failing, or has ``sends_in_flight`` sends under way, goes
straight to the retry table, for the next tick; from the table, a notice gets one attempt
per turn.

A notice is sent a second time only after an attempt whose outcome is unknown (the other
side never answered, or the service stopped during the send): that re-send is logged as
"may arrive twice", and the notice carries the same id (Message-ID, Idempotency-Key) both
times, so the other side can recognise it.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from functools import partial
from typing import Any, Final

from prometheus_client import Counter, Histogram
from pydantic import BaseModel, ConfigDict, TypeAdapter

from schemas.base import STORED
from schemas.cases import CaseDeduplicated, CaseEscalated, CaseUpdate, PetitionerContact
from schemas.ledger import HotspotDetected
from schemas.notices import UPDATE_NOTICES, CaseFile, Notice, NoticeKind
from schemas.notifications import (
    DeliveryChannel,
    FailureReason,
    NotificationDelivered,
    NotificationFailed,
    RecipientRole,
)
from schemas.petitions import RejectReason
from services.common.dlq import Rejected
from services.common.held import write_later, write_now
from services.common.metrics import DeliveryOutcome, Metrics
from services.notification.grouping import (
    AlertGrouper,
    GroupingState,
    PendingGroup,
    RoutedAlert,
    overflow_key,
)
from services.notification.ids import notification_id
from services.notification.inflight import Flight, Flights, TransportGate
from services.notification.plan import (
    InboxRecord,
    NotificationPlanner,
    Plan,
    Undeliverable,
    delivered_record,
    failed_record,
    undeliverable_record,
)
from services.notification.retry import Delivered, RetryPolicy
from services.notification.senders import RECORD_TRANSPORT, Sender

State = MutableMapping[str, Any]
Contacts = Callable[[str], PetitionerContact | None]

log = logging.getLogger(__name__)


class SentStatus(StrEnum):
    #: A send began and its outcome is not known: written at once, before the send, so
    #: that a process that dies during it knows, when it starts again, that the notice
    #: may have arrived (it is sent again, logged "may arrive twice", with the same id).
    SENDING = "sending"
    #: The other side took the notice; its delivered record is not yet acknowledged.
    SENT = "sent"
    #: Delivered and recorded on notifications.delivered (or produced to an inbox).
    RECORDED = "recorded"
    #: Recorded on notifications.failed.
    FAILED = "failed"


class _Row(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SentEntry(_Row):
    status: SentStatus
    at: datetime


class _SentRows:
    """``SentEntry(status=..., at=...).model_dump(mode="json")``, with the JSON form of the
    last ``at`` kept: one event writes its marks (sending, sent, recorded) at the same
    ``now``, and building and dumping a model for each was most of writing them."""

    def __init__(self) -> None:
        self._at: datetime | None = None
        self._at_json: Any = None

    def __call__(self, status: SentStatus, at: datetime) -> dict[str, Any]:
        if at is not self._at:
            row = SentEntry(status=status, at=at).model_dump(mode="json")
            self._at, self._at_json = at, row["at"]
            return row
        return {"status": status.value, "at": self._at_json}


sent_row = _SentRows()


class RetryEntry(_Row):
    """A notice not delivered yet: its last attempt failed but may succeed later, it waits for
    its transport, or it is being sent right now. RESTRICTED: holds ``to``."""

    notice: Notice
    attempts: int
    due_at: datetime
    first_attempt_at: datetime
    last_error: str
    partition: int
    #: The other side may have the notice already: its last attempt was never answered,
    #: or was under way when this was written. Sending it again may deliver it twice.
    unconfirmed: bool = False


class WaitingEntry(_Row):
    """A petitioner's notice waiting for the contact (or, for an update, the case)."""

    case_id: str
    petitioner_ref: str | None
    update: CaseUpdate | None = None
    since: datetime
    partition: int


class GroupEntry(_Row):
    group: PendingGroup
    partition: int


#: The most groups whose model ``_GroupModels`` keeps (each up to ~180 KB).
_KEPT_GROUP_MODELS = 32

#: A group's escalations and hotspots, dumped one by one as ``PendingGroup`` dumps them.
_ALERTS: Final = TypeAdapter(CaseEscalated)
_HOTSPOTS: Final = TypeAdapter(HotspotDetected)
#: The fields of a group dumped item by item (``_GroupModels.row``), with their adapters.
_LISTED: Final[dict[str, TypeAdapter[Any]]] = {"alerts": _ALERTS, "hotspots": _HOTSPOTS}
_LISTED_NAMES: Final[set[str]] = set(_LISTED)


class _Dumped:
    """The items of one list of a group as dumped last: the models and their JSON forms.

    The models are frozen (``Contract``), so an item that is the very object dumped last
    time dumps the same again.
    """

    __slots__ = ("forms", "items")

    def __init__(self) -> None:
        self.items: list[object] = []
        self.forms: list[Any] = []

    def dump(self, items: Sequence[BaseModel], adapter: TypeAdapter[Any]) -> list[Any]:
        """``[adapter.dump_python(item, mode="json") for item in items]``, reusing the forms
        of the leading items that are the ones dumped last time."""
        kept, same = self.items, 0
        for item, before in zip(items, kept, strict=False):
            if item is not before:
                break
            same += 1
        forms = self.forms[:same]
        forms += [adapter.dump_python(item, mode="json") for item in items[same:]]
        self.items, self.forms = list(items), forms
        return list(forms)


class _GroupModels:
    """The model of each group row written last, for the next read of that very row.

    A group's row holds its alerts (up to ``MAX_DIGEST_ALERTS``), and every alert of the
    group reads and rewrites the whole row: validating it again each time was a third of
    an alert's handling under a backlog. A row read back is the one written (the same
    object) while its batch holds it, or equal to it when read from the store after the
    commit; any other row read from the store is validated anew.

    Dumping the whole row again for each alert was, in turn, 5% of the stage's CPU under
    the bench's backlog: the row is dumped as ``GroupEntry.model_dump(mode="json")`` would,
    but the alerts (and hotspots) it held when it was last written reuse their JSON forms
    (``_Dumped``); only the new ones and the group's few other fields are dumped. A row is
    never changed once made (rows share their items' forms).
    """

    def __init__(self) -> None:
        self._kept: dict[str, tuple[object, PendingGroup]] = {}
        self._dumped: dict[str, dict[str, _Dumped]] = {}

    def group(self, key: str, row: Any) -> PendingGroup:
        """The group of ``row``, the row now stored under ``key``."""
        # Taken out: the caller may change the model, which then no longer is the row.
        kept = self._kept.pop(key, None)
        if kept is not None and (kept[0] is row or kept[0] == row):
            # The row written, or that row read back from the store once its batch has
            # committed (decoded anew: equal, not the same object). Comparing the decoded
            # JSON costs a small part of validating a row of up to 400 alerts again.
            return kept[1]
        return GroupEntry.model_validate(row).group

    def keep(self, key: str, row: Any, group: PendingGroup) -> None:
        """``group`` (taken by ``group``, left unchanged) still is ``row``: keep it again."""
        self._kept.pop(key, None)
        self._kept[key] = (row, group)
        if len(self._kept) > _KEPT_GROUP_MODELS:
            del self._kept[next(iter(self._kept))]

    def row(self, key: str, group: PendingGroup, partition: int) -> dict[str, Any]:
        """The row to store ``group`` under ``key``; its model kept for the next read."""
        dumped = self._dumped.pop(key, None)
        if dumped is None:
            dumped = {name: _Dumped() for name in _LISTED}
        self._dumped[key] = dumped
        if len(self._dumped) > _KEPT_GROUP_MODELS:
            del self._dumped[next(iter(self._dumped))]
        rest = group.model_dump(mode="json", exclude=_LISTED_NAMES)
        fields: dict[str, Any] = {}
        for name in PendingGroup.model_fields:
            if name in _LISTED:
                fields[name] = dumped[name].dump(getattr(group, name), _LISTED[name])
            else:
                fields[name] = rest[name]
        row = {"group": fields, "partition": partition}
        self._kept[key] = (row, group)
        if len(self._kept) > _KEPT_GROUP_MODELS:
            del self._kept[next(iter(self._kept))]
        return row


@dataclass
class Step:
    """What handling one event does: records to publish, then state to remember."""

    delivered: list[NotificationDelivered] = field(default_factory=list)
    failed: list[NotificationFailed] = field(default_factory=list)
    inbox: list[InboxRecord] = field(default_factory=list)
    alerts: list[RoutedAlert] = field(default_factory=list)
    writes: list[Callable[[], None]] = field(default_factory=list)

    def remember(self) -> None:
        for write in self.writes:
            write()


def _rows(state: State, partition: int) -> Iterator[tuple[str, dict[str, Any]]]:
    for key, value in list(state.items()):
        if isinstance(value, dict) and value.get("partition") == partition:
            yield key, value


class NotificationEngine:
    """Plans notices for events and delivers them exactly once (see the module's doc)."""

    def __init__(
        self,
        *,
        planner: NotificationPlanner,
        senders: Mapping[str, Sender],
        record_only: bool,
        retry: RetryPolicy,
        inline_attempts: int,
        inline_delay: timedelta,
        handoff: timedelta,
        sends_in_flight: int,
        retries_per_tick: int,
        contact_wait: timedelta,
        contacts: Contacts,
        metrics: Metrics,
        cases: State,
        sent: State,
        retries: State,
        waiting: State,
        groups: State,
        draw: Callable[[], float] = random.random,
        ensure_inbox: Callable[[str], Awaitable[None]] | None = None,
    ) -> None:
        if retries_per_tick < 1:
            raise ValueError("at least one retry per tick")
        self.planner = planner
        self.senders = senders
        self.record_only = record_only
        self.retry = retry
        # The quick attempts of a new notice's first send: short, fixed pauses.
        self.inline = RetryPolicy(inline_delay, inline_delay, 1.0, inline_attempts, 0.0)
        self.handoff = handoff
        self.retries_per_tick = retries_per_tick
        self.flights = Flights(senders, limit=sends_in_flight, gate=TransportGate(retry), draw=draw)
        self.contact_wait = contact_wait
        self.contacts = contacts
        self.cases, self.sent, self.retries = cases, sent, retries
        self.waiting, self.groups = waiting, groups
        self._group_models = _GroupModels()
        self.draw = draw
        #: Makes an agency's inbox topic on its first use; awaited before anything of the
        #: event is sent or written, so that a broker that does not answer then stops the
        #: service with nothing done (UnavailableError), not half-way after a send.
        self.ensure_inbox = ensure_inbox
        self._notifications = metrics.counter("xinfang_notifications_total")
        self._seconds = metrics.histogram("xinfang_notification_delivery_seconds")
        # A labelled child is looked up by its label values on every call (some 3 µs):
        # each one is kept, made on first use as before, so /metrics lists the same series.
        self._counted: dict[tuple[DeliveryChannel, NoticeKind, DeliveryOutcome], Counter] = {}
        self._timed: dict[DeliveryChannel, Histogram] = {}
        self._retried = metrics.counter("xinfang_notification_retries_total")
        self._unconfirmed = metrics.counter("xinfang_notification_unconfirmed_resends_total")
        self._failures = metrics.counter("xinfang_notification_failures_total")

    # --- events --------------------------------------------------------------------------

    async def on_verdict(self, verdict: CaseDeduplicated, partition: int, now: datetime) -> Step:
        """Every registered case: the receipt to its petitioner, the case to its agency."""
        stored = self.cases.get(verdict.case_id)
        case = CaseFile.of(verdict)
        if stored:
            known = CaseFile.model_validate(stored, context=STORED)
            compared = known.model_copy(update={"accepted_at": None, "events": {}})
            if "terminated_matter" not in stored:
                # Stored before the case file knew it: the verdict again is no conflict,
                # and the case keeps what its petitioner and agency were told (as the
                # casework keeps a case stored before then: not terminated).
                compared = compared.model_copy(update={"terminated_matter": case.terminated_matter})
            if compared != case:
                # Another verdict for a case with one: its petitioner and agency were told
                # of the first, which stays in force.
                raise Rejected(
                    RejectReason.CONFLICTING_DUPLICATE,
                    f"case {verdict.case_id} has a verdict already and this one says "
                    "otherwise: the first is kept",
                )
            case = known
        step = Step()
        if stored is None:
            step.writes.append(lambda: self._store_case(case))
        contact = self.contacts(case.petitioner_ref)
        plan = self.planner.for_new_case(case, contact)
        if contact is None:
            self._wait(step, plan, verdict.case_id, case, None, partition, now)
        await self._carry_out(step, plan, partition, now)
        return step

    async def on_update(self, update: CaseUpdate, partition: int, now: datetime) -> Step:
        """An agency's update: the petitioner's notice for it, if it has one."""
        step = Step()
        stored = self.cases.get(update.case_id)
        if stored is None and update.kind in UPDATE_NOTICES:
            # The verdict is behind the update (another topic): wait for the case file.
            self._wait(step, Plan(), update.update_id, None, update, partition, now)
            return step
        if stored is None:
            return step
        known = CaseFile.model_validate(stored, context=STORED)
        if known.conflicts_with(update):
            # Its notice (for the first version) is sent or on its way: this one is kept.
            raise Rejected(
                RejectReason.CONFLICTING_DUPLICATE,
                f"update {update.update_id} of case {update.case_id} was handled already "
                "with other content: the first is kept",
            )
        case = known.after(update)
        step.writes.append(lambda: self._store_case(case))
        contact = self.contacts(case.petitioner_ref)
        plan = self.planner.for_update(update, case, contact)
        if contact is None:
            self._wait(step, plan, update.update_id, case, update, partition, now)
        await self._carry_out(step, plan, partition, now)
        return step

    def on_escalation(self, escalation: CaseEscalated) -> Step:
        """An escalation: one routed alert per receiver, for its receiver's digest."""
        stored = self.cases.get(escalation.case_id)
        case = CaseFile.model_validate(stored, context=STORED) if stored else None
        if case is not None and case.conflicts_with(escalation):
            # Its alerts (for the first version) are held or sent: this one is kept.
            raise Rejected(
                RejectReason.CONFLICTING_DUPLICATE,
                f"escalation {escalation.escalation_id} was handled already with other "
                "content: the first is kept",
            )
        plan = self.planner.for_escalation(escalation, case)
        step = Step(alerts=list(plan.alerts))
        if case is not None and escalation.escalation_id not in case.events:
            noted = case.noting(escalation)
            step.writes.append(lambda: self._store_case(noted))
        self._record_undeliverable(step, plan.undeliverable)
        return step

    def on_hotspot(self, hotspot: HotspotDetected) -> Step:
        """A hotspot from the ledger: one routed alert per receiver, for its digest."""
        return Step(alerts=list(self.planner.for_hotspot(hotspot).alerts))

    def on_alert(self, alert: RoutedAlert, partition: int, now: datetime) -> Step:
        """Hold an alert in its receiver's group; a redelivered alert is held once."""
        # One alert per escalation or hotspot and receiver, ever: a hotspot republished as
        # it grows (same id), or an alert redelivered after its digest went, adds nothing.
        marker = notification_id(alert.alert_id, alert.kind, alert.receiver)
        step = Step()
        if self.sent.get(marker) is not None:
            return step
        # The alert's group, and its overflow groups while they are full (``grouping``).
        state = GroupingState()
        rows: dict[str, Any] = {}
        key, number = alert.group_key, 0
        while (stored := self.groups.get(key)) is not None:
            state.groups[key] = self._group_models.group(key, stored)
            rows[key] = stored
            if not state.groups[key].full:
                break
            number += 1
            key = overflow_key(alert.group_key, number)
        held_in = AlertGrouper(state).add(alert, now)
        group = state.groups[held_in]
        for other, model in state.groups.items():
            if other != held_in and other in rows:
                # A full group passed over: read, not changed, not written. Its model still
                # is its row (taken out above, each alert after it would validate its 400
                # alerts again).
                self._group_models.keep(other, rows[other], model)

        def remember() -> None:
            self.groups[held_in] = self._group_models.row(held_in, group, partition)
            self._mark(marker, SentStatus.RECORDED, now)

        step.writes.append(remember)
        return step

    async def on_tick(self, partition: int, now: datetime) -> Step:
        """The timer's turn for ``partition``: waiting notices, due digests, due retries."""
        step = Step()
        await self._tick_waiting(step, partition, now)
        await self._tick_digests(step, partition, now)
        await self._tick_retries(step, partition, now)
        return step

    # --- waiting for a contact -----------------------------------------------------------

    def _wait(
        self,
        step: Step,
        plan: Plan,
        event_id: str,
        case: CaseFile | None,
        update: CaseUpdate | None,
        partition: int,
        now: datetime,
    ) -> None:
        # The petitioner's part of the plan waits; the rest (agencies) goes ahead.
        plan.undeliverable[:] = [
            u for u in plan.undeliverable if u.recipient_role is not RecipientRole.PETITIONER
        ]
        if self.waiting.get(event_id) is not None:
            return
        entry = WaitingEntry(
            case_id=case.case_id if case else (update.case_id if update else event_id),
            petitioner_ref=case.petitioner_ref if case else None,
            update=update,
            since=now,
            partition=partition,
        )
        step.writes.append(lambda: self._put(self.waiting, event_id, entry))

    async def _tick_waiting(self, step: Step, partition: int, now: datetime) -> None:
        notices: list[Notice] = []
        for event_id, row in _rows(self.waiting, partition):
            entry = WaitingEntry.model_validate(row, context=STORED)
            stored = self.cases.get(entry.case_id)
            case = CaseFile.model_validate(stored, context=STORED) if stored else None
            contact = self.contacts(case.petitioner_ref) if case else None
            expired = now - entry.since >= self.contact_wait
            if contact is None and not expired:
                continue
            step.writes.append(partial(self._drop, self.waiting, event_id))
            if case is None:
                assert entry.update is not None
                kind = UPDATE_NOTICES[entry.update.kind]
                step.failed.append(_never_seen(entry.update, kind, now))
                self._failures.labels(reason=FailureReason.NO_CONTACT.value).inc()
                continue
            if entry.update is None:
                plan = self.planner.for_new_case(case, contact)
            else:
                case = case.after(entry.update)
                plan = self.planner.for_update(entry.update, case, contact)
            notices += [n for n in plan.notices if n.recipient_role is RecipientRole.PETITIONER]
            self._record_undeliverable(
                step,
                [u for u in plan.undeliverable if u.recipient_role is RecipientRole.PETITIONER],
            )
        await self._dispatch(step, notices, partition, now)

    # --- digests ---------------------------------------------------------------------------

    async def _tick_digests(self, step: Step, partition: int, now: datetime) -> None:
        state = GroupingState()
        rows: dict[str, Any] = {}
        for key, row in _rows(self.groups, partition):
            state.groups[key] = self._group_models.group(key, row)
            rows[key] = row
        if not state.groups:
            return
        before = set(state.groups)
        digests = AlertGrouper(state).due_digests(now)
        changed = {key: group for key, group in state.groups.items()}
        notices = [self.planner.for_digest(digest) for digest in digests]
        await self._dispatch(step, notices, partition, now)

        def remember() -> None:
            for key in before - set(changed):
                self._drop(self.groups, key)
            for key, group in changed.items():
                self.groups[key] = self._group_models.row(key, group, partition)

        if digests or before != set(changed):
            step.writes.append(remember)
        else:
            # Nothing due and no group dropped: the grouper changed no group, and each
            # model is still its row (taken out above, it would be validated again at the
            # next alert: most ticks find nothing due).
            for key, group in state.groups.items():
                self._group_models.keep(key, rows[key], group)

    # --- delivery ------------------------------------------------------------------------

    async def _carry_out(self, step: Step, plan: Plan, partition: int, now: datetime) -> None:
        if self.ensure_inbox is not None:
            for record in plan.inbox:
                await self.ensure_inbox(record.agency_code)
        for record in plan.inbox:
            if self.sent.get(record.notification_id) is None:
                step.inbox.append(record)
                step.writes.append(
                    partial(self._mark, record.notification_id, SentStatus.RECORDED, now)
                )
        self._record_undeliverable(step, plan.undeliverable)
        await self._dispatch(step, plan.notices, partition, now)

    def _record_undeliverable(self, step: Step, items: list[Undeliverable]) -> None:
        for item in items:
            if self.sent.get(item.notification_id) is not None:
                continue
            outcome = (
                DeliveryOutcome.SUPPRESSED
                if item.reason is FailureReason.SUPPRESSED_ACCUSED
                else DeliveryOutcome.FAILED
            )
            self._count(item.channel, item.kind, outcome)
            self._failures.labels(reason=item.reason.value).inc()
            step.failed.append(undeliverable_record(item))
            step.writes.append(
                partial(self._mark, item.notification_id, SentStatus.FAILED, item.at)
            )

    async def _dispatch(
        self, step: Step, notices: Sequence[Notice], partition: int, now: datetime
    ) -> None:
        """Send each notice the sent log, the retry table and the sends under way lack."""
        started: list[Flight] = []
        for notice in notices:
            if self.record_only:
                notice = notice.model_copy(
                    update={"channel": DeliveryChannel.RECORD, "transport": RECORD_TRANSPORT}
                )
            nid = notice.notification_id
            row = self.sent.get(nid)
            status = SentEntry.model_validate(row).status if row else None
            if status is SentStatus.SENT:
                # Sent before a crash, its record never acknowledged: record it, do not resend.
                self._delivered(step, notice, now)
                continue
            under_way = self.flights.get(nid) is not None
            lost_send = (
                status is SentStatus.SENDING and not under_way and self.retries.get(nid) is None
            )
            if lost_send:
                # A send of an earlier life of this process, which died during it.
                self._unconfirmed.labels(channel=notice.channel.value).inc()
                log.warning(
                    "sending again a notice whose send was cut short by a stop: it may "
                    "arrive twice, with the same id",
                    extra={"notification_id": nid, "transport": notice.transport},
                )
            elif status is not None or self.retries.get(nid) is not None or under_way:
                self._count(notice.channel, notice.kind, DeliveryOutcome.DUPLICATE)
                continue
            transport = notice.transport
            if self.flights.resting(transport, now) or not self.flights.has_room(transport):
                # The transport is failing or busy: the timer sends it at its next turn.
                entry = RetryEntry(
                    notice=notice,
                    attempts=0,
                    due_at=now,
                    first_attempt_at=now,
                    last_error=f"waiting for {notice.transport}: failing or busy",
                    partition=partition,
                )
                step.writes.append(partial(self._put, self.retries, nid, entry))
                continue
            if not self.flights.reaches_no_one(transport):
                # Written before the send begins (see ``SentStatus.SENDING``). A send that
                # reaches no one (the record transport) has nothing a stop could cut in
                # two: its only mark is "recorded", with its delivered record.
                write_now(self.sent, nid, sent_row(SentStatus.SENDING, now))
            started.append(self.flights.start(notice, self.inline, partition, 0, now))
        await self._hand_off(step, started, partition, now)

    async def _tick_retries(self, step: Step, partition: int, now: datetime) -> None:
        entries = sorted(
            (RetryEntry.model_validate(row) for _, row in _rows(self.retries, partition)),
            key=lambda entry: entry.due_at,
        )
        single = RetryPolicy(timedelta(0), timedelta(0), 1.0, 1, 0.0)
        started: list[Flight] = []
        for entry in entries:
            nid = entry.notice.notification_id
            flight = self.flights.get(nid)
            if flight is not None:
                if flight.ended:
                    self._land(step, flight, now)
                continue  # under way: never two sends of one notice at once
            if entry.due_at > now or len(started) >= self.retries_per_tick:
                continue
            if not self.flights.has_room(entry.notice.transport):
                continue
            if entry.attempts:
                self._retried.labels(channel=entry.notice.channel.value).inc()
            if entry.unconfirmed:
                self._unconfirmed.labels(channel=entry.notice.channel.value).inc()
                log.warning(
                    "sending again a notice whose last attempt may have reached the other "
                    "side: it may arrive twice, with the same id",
                    extra={
                        "notification_id": nid,
                        "transport": entry.notice.transport,
                        "attempts": entry.attempts,
                        "last_error": entry.last_error,
                    },
                )
            started.append(
                self.flights.start(
                    entry.notice, single, partition, entry.attempts, entry.first_attempt_at
                )
            )
        await self._hand_off(step, started, partition, now)

    async def _hand_off(
        self, step: Step, flights: list[Flight], partition: int, now: datetime
    ) -> None:
        """Wait for the sends at most ``handoff``; leave the rest to the timer, marked."""
        if not flights:
            return
        # A send that waits for nothing (the record transport, a refusal before any I/O)
        # has ended in its first step (``Flights.start``), and is landed, its sent mark
        # written, at once. For the others, one turn of the event loop first: one that
        # ends in it is landed right after that turn, before this event's handling goes
        # on; the mark callback, a timer and the waiter's future are for the sends still
        # under way.
        if any(not flight.ended for flight in flights):
            await asyncio.sleep(0)
        running = [flight for flight in flights if not flight.ended]
        for flight in running:
            self._mark_when_taken(flight)
        if running:
            await self.flights.wait(running, self.handoff.total_seconds())
        for flight in flights:
            if flight.ended:
                self._land(step, flight, now)
                continue
            notice = flight.notice
            entry = RetryEntry(
                notice=notice,
                attempts=flight.attempts_before + 1,
                due_at=now,
                first_attempt_at=flight.first_attempt_at,
                last_error="under way",
                partition=partition,
                unconfirmed=True,
            )
            step.writes.append(partial(self._put, self.retries, notice.notification_id, entry))

    def _mark_when_taken(self, flight: Flight) -> None:
        """Write the sent mark the moment the other side takes the notice.

        ``_land`` writes it too, but only when the event's handoff or a later tick gets to
        the ended send: a send that outlasts the handoff would leave a window of up to a
        tick between the mail server's "taken" and the mark, and a crash in it sends the
        notice again. This closes the window to the callback's turn of the event loop.
        """
        write = write_later(self.sent)
        nid = flight.notice.notification_id

        def taken(task: asyncio.Future[Any]) -> None:
            if task.cancelled() or task.exception() is not None:
                return
            if isinstance(task.result(), Delivered) and self.flights.has(flight):
                write(nid, sent_row(SentStatus.SENT, datetime.now(UTC)))

        flight.task.add_done_callback(taken)

    def _land(self, step: Step, flight: Flight, now: datetime) -> None:
        """Record the outcome of an ended send."""
        result = self.flights.land(flight, now)
        notice = flight.notice
        nid = notice.notification_id
        attempts = flight.attempts_before + result.attempts
        if result.attempts > 1:
            self._retried.labels(channel=notice.channel.value).inc(result.attempts - 1)
        if isinstance(result, Delivered):
            # The other side has it: write it down before anything else can fail, in the
            # local store at once (services.common.held), not after the batch's outputs.
            # Unless no one has it (the record transport): its delivered record, below, is
            # all there is, and a redelivery that finds no mark sends it again, harmlessly.
            if not self.flights.reaches_no_one(notice.transport):
                write_now(self.sent, nid, sent_row(SentStatus.SENT, now))
            elapsed = (
                (now - flight.first_attempt_at).total_seconds()
                if flight.attempts_before
                else time.monotonic() - flight.started
            )
            seconds = self._timed.get(notice.channel)
            if seconds is None:
                seconds = self._seconds.labels(channel=notice.channel.value)
                self._timed[notice.channel] = seconds
            seconds.observe(max(0.0, elapsed))
            self._delivered(step, notice, now)
            step.writes.append(partial(self._drop, self.retries, nid))
            return
        if result.reason is FailureReason.RETRIES_EXHAUSTED and attempts < self.retry.max_attempts:
            entry = RetryEntry(
                notice=notice,
                attempts=attempts,
                due_at=now + timedelta(seconds=self.retry.delay(attempts, self.draw())),
                first_attempt_at=flight.first_attempt_at,
                last_error=result.detail,
                partition=flight.partition,
                unconfirmed=result.unconfirmed,
            )
            step.writes.append(partial(self._put, self.retries, nid, entry))
            return
        self._count(notice.channel, notice.kind, DeliveryOutcome.FAILED)
        self._failures.labels(reason=result.reason.value).inc()
        step.failed.append(failed_record(notice, result.reason, result.detail, attempts, now))

        def remember() -> None:
            self._mark(nid, SentStatus.FAILED, now)
            self._drop(self.retries, nid)

        step.writes.append(remember)

    def _delivered(self, step: Step, notice: Notice, now: datetime) -> None:
        self._count(notice.channel, notice.kind, DeliveryOutcome.DELIVERED)
        step.delivered.append(delivered_record(notice, now))
        step.writes.append(lambda: self._mark(notice.notification_id, SentStatus.RECORDED, now))

    # --- lifecycle -----------------------------------------------------------------------

    def keep_partitions(self, partitions: set[int]) -> None:
        """After a rebalance: forget the sends of partitions this worker no longer owns."""
        self.flights.keep_only(partitions)

    async def close(self) -> None:
        """On shutdown, once no event is in hand: cut the sends short, close the senders.

        A send cut short stays in the retry table, marked unconfirmed, for the next start.
        """
        await self.flights.close()
        for sender in self.senders.values():
            await sender.aclose()

    # --- state ---------------------------------------------------------------------------

    def _count(self, channel: DeliveryChannel, kind: NoticeKind, outcome: DeliveryOutcome) -> None:
        counter = self._counted.get((channel, kind, outcome))
        if counter is None:
            counter = self._notifications.labels(
                channel=channel.value, kind=kind.value, outcome=outcome.value
            )
            self._counted[channel, kind, outcome] = counter
        counter.inc()

    def _store_case(self, case: CaseFile) -> None:
        self.cases[case.case_id] = case.model_dump(mode="json")

    def _mark(self, nid: str, status: SentStatus, at: datetime) -> None:
        self.sent[nid] = sent_row(status, at)

    @staticmethod
    def _put(state: State, key: str, row: _Row) -> None:
        state[key] = row.model_dump(mode="json")

    @staticmethod
    def _drop(state: State, key: str) -> None:
        if state.get(key) is not None:
            del state[key]


def _never_seen(update: CaseUpdate, kind: NoticeKind, now: datetime) -> NotificationFailed:
    """An update about a case whose verdict never arrived: no petitioner to tell."""
    return NotificationFailed(
        notification_id=notification_id(update.update_id, kind, "unknown-case"),
        kind=kind,
        channel=DeliveryChannel.RECORD,
        recipient_role=RecipientRole.PETITIONER,
        recipient="unknown",
        case_id=update.case_id,
        reason=FailureReason.NO_CONTACT,
        detail="no verdict for this case arrived: the petitioner is unknown",
        attempts=0,
        failed_at=now,
    )
