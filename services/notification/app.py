"""The notification service: cases and escalations -> notices, exactly once. Wiring only.

Inputs, all keyed by case_id with the same partition count (co-partitioned):
cases.deduplicated (receipts and assignments), cases.updates (acceptance, reply, ...),
cases.escalated (alerts). Also hotspots.detected (the ledger's new hotspots, keyed by
hotspot id; no state of their own: each becomes routed alerts). Two internal topics named
from the app id: ``<id>-alerts`` (routed alerts keyed by receiver, so each receiver's
digest groups live in one partition) and ``<id>-ticks`` (the timer's nudges, see
``schemas.notices.Tick``). Contacts come from petitioners.contacts through
``contacts.ContactDirectory``; the service's group reads that topic too, only to
dead-letter, once, a record the directory cannot read (what the directory's follower found
of a record it has read already is taken, not checked again). The decisions are in ``engine``,
``plan`` and ``grouping``; this module parses, publishes and wires.

Agencies without an inbox topic: ``xinfang topics create`` makes one per agency of the
routing table; a code that appears later (a new routing rule) gets its topic created on
first use, with the registry's settings, instead of being re-routed, so no case ever lands
in another body's inbox.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from faust.types import TP

from schemas.cases import CaseDeduplicated, CaseEscalated, CaseUpdate
from schemas.internal import Tick
from schemas.keys import CaseKey, NotificationKey
from schemas.ledger import HotspotDetected
from schemas.notices import ReceiverKey
from schemas.petitions import RejectReason, Stage
from schemas.registry import (
    AGENCY_INBOX,
    CASES_DEDUPLICATED,
    CASES_ESCALATED,
    CASES_UPDATES,
    HOTSPOTS_DETECTED,
    NOTIFICATIONS_DELIVERED,
    NOTIFICATIONS_FAILED,
    PETITIONER_CONTACTS,
)
from services.common.agencies import shipped_directory
from services.common.dlq import Rejected
from services.common.handler import NOTHING, Effects, Incoming, Output, parse_value
from services.common.held import HeldTable
from services.common.service import Service, build_service
from services.common.topics import internal_topic
from services.notification.contacts import ContactDirectory, check_contact, follow
from services.notification.engine import NotificationEngine, Step
from services.notification.grouping import RoutedAlert
from services.notification.inboxes import InboxTopics
from services.notification.keys import KeyBytes
from services.notification.plan import MissingFactError, NotificationPlanner
from services.notification.policy import NotificationPolicy
from services.notification.retry import RetryPolicy
from services.notification.senders import RECORD_TRANSPORT, RecordSender, Sender, build_senders
from services.notification.settings import NotificationSettings, load_checked_policy

__all__ = ["NotificationSettings", "build"]

log = logging.getLogger(__name__)

ALERTS: Final = internal_topic(
    Stage.NOTIFICATION, "alerts", ReceiverKey, RoutedAlert,
    "escalation alerts routed to a receiver, by receiver",
)  # fmt: skip
TICKS: Final = internal_topic(
    Stage.NOTIFICATION, "ticks", ReceiverKey, Tick, "the timer's nudges, one per partition"
)


def _senders(settings: NotificationSettings, policy: NotificationPolicy) -> dict[str, Sender]:
    if settings.record_only:
        return {RECORD_TRANSPORT: RecordSender()}
    return build_senders(policy.spec)


def build(settings: NotificationSettings) -> Service:
    policy, renderer = load_checked_policy(settings)
    service = build_service(Stage.NOTIFICATION, settings)
    # The sent log is what stops a second copy, and after a kill -9 the local store may
    # hold a send whose changelog record had not left: keep it. (Faust re-applies the
    # changelog's tail over it, so a retry, waiting or digest row can come back one write
    # older; that costs at most an attempt that the sent log then skips.)
    service.discard_state_after_crash = False
    app = service.app
    prefix = settings.topic_prefix
    # Created before the worker subscribes, so the first assignment includes them.
    service.create_internal_topics(ALERTS, TICKS)
    partitions = CASES_DEDUPLICATED.partitions
    contacts = ContactDirectory()

    def held(name: str, about: str) -> HeldTable:
        # The local store outlives a crash, so writes wait for the batch's outputs.
        return HeldTable(service.table(name, partitions, about))

    # Every inbox of the shipped routing table made or checked now, in one call; another
    # agency's (a county's fallback bureau, another table) on first use (``inboxes``).
    inbox_topic = InboxTopics(settings.bootstrap_servers, prefix, settings.replication_factor)
    inbox_topic.prepare(shipped_directory().agency_codes())

    engine = NotificationEngine(
        planner=NotificationPlanner(
            policy, renderer, settings.query_key_bytes(), settings.legal_dates()
        ),
        senders=_senders(settings, policy),
        record_only=settings.record_only,
        retry=RetryPolicy.of(policy.spec.retry),
        inline_attempts=settings.inline_attempts,
        inline_delay=timedelta(seconds=settings.inline_retry_seconds),
        handoff=timedelta(seconds=settings.handoff_seconds),
        sends_in_flight=settings.sends_in_flight,
        retries_per_tick=settings.retries_per_tick,
        contact_wait=timedelta(seconds=settings.contact_wait_seconds),
        contacts=contacts.get,
        metrics=service.metrics,
        cases=held("cases", "case_id -> case file"),
        sent=held("sent", "notification_id -> sent log entry"),
        retries=held("retries", "notification_id -> next attempt"),
        waiting=held("waiting", "event id -> notice waiting for contact"),
        groups=held("groups", "group key -> pending digest"),
        ensure_inbox=inbox_topic,
    )

    notification_key = KeyBytes(NotificationKey)
    case_key = KeyBytes(CaseKey)
    receiver_key = KeyBytes(ReceiverKey)

    async def effects(step: Step) -> Effects:
        outputs: list[Output] = []
        for done in step.delivered:
            key = notification_key(done.notification_id)
            outputs.append(Output(NOTIFICATIONS_DELIVERED, key, done.to_json_bytes()))
        for failed in step.failed:
            key = notification_key(failed.notification_id)
            outputs.append(Output(NOTIFICATIONS_FAILED, key, failed.to_json_bytes()))
        for record in step.inbox:
            key = case_key(record.case.case_id)
            outputs.append(
                Output(AGENCY_INBOX, key, record.case.to_json_bytes(), record.agency_code)
            )
        for alert in step.alerts:
            key = receiver_key(alert.receiver)
            outputs.append(Output(ALERTS, key, alert.to_json_bytes()))
        received = next((record.case.received_at for record in step.inbox), None)
        return Effects(outputs, step.remember if step.writes else None, received_at=received)

    def handler(
        run: Callable[[Incoming], Awaitable[Step]],
    ) -> Callable[[Incoming], Awaitable[Effects]]:
        async def handle(message: Incoming) -> Effects:
            return await effects(await run(message))

        return handle

    async def on_verdict(message: Incoming) -> Step:
        verdict = parse_value(CaseDeduplicated, message)
        return await engine.on_verdict(verdict, message.partition, datetime.now(UTC))

    async def on_update(message: Incoming) -> Step:
        update = parse_value(CaseUpdate, message)
        try:
            return await engine.on_update(update, message.partition, datetime.now(UTC))
        except MissingFactError as exc:
            raise Rejected(RejectReason.MISSING_FIELD, str(exc)) from None

    async def on_escalation(message: Incoming) -> Step:
        return engine.on_escalation(parse_value(CaseEscalated, message))

    async def on_hotspot(message: Incoming) -> Step:
        return engine.on_hotspot(parse_value(HotspotDetected, message))

    async def on_alert(message: Incoming) -> Step:
        alert = parse_value(RoutedAlert, message)
        return engine.on_alert(alert, message.partition, datetime.now(UTC))

    async def on_tick(message: Incoming) -> Step:
        # The tick's time is not used (sends are due by the clock), but what is not a tick
        # is a dead letter, as on every input, not a nudge.
        parse_value(Tick, message)
        return await engine.on_tick(message.partition, datetime.now(UTC))

    service.consume(CASES_DEDUPLICATED, handler(on_verdict))
    service.consume(CASES_UPDATES, handler(on_update))
    service.consume(CASES_ESCALATED, handler(on_escalation))
    service.consume(HOTSPOTS_DETECTED, handler(on_hotspot))

    async def on_contact(message: Incoming) -> Effects:
        # The directory follows every partition in every worker; in the group, each record
        # is dead-lettered once if the directory skips it. The follower has usually read
        # and checked the record already: its finding is taken, not checked again.
        found = contacts.checked(message.partition, message.offset)
        if found is False:
            check_contact(message.key, message.value)
        elif found is not True:
            raise Rejected(found.reason, found.detail, found.submission_id)
        return NOTHING

    service.consume(PETITIONER_CONTACTS, on_contact)
    service.consume(ALERTS, handler(on_alert))
    service.consume(TICKS, handler(on_tick))

    @app.task  # type: ignore[untyped-decorator]
    async def follow_contacts() -> None:
        topic = PETITIONER_CONTACTS.full_name(prefix)
        await follow(contacts, settings.bootstrap_servers, topic, lambda: bool(app.should_stop))

    service.tick(TICKS, settings.tick_interval_seconds)

    ticks = TICKS.full_name(prefix)

    async def keep_assigned_sends(sender: Any, /, *args: Any, signal: Any, **kwargs: Any) -> None:
        # Faust sends the new assignment; retry entries live in their tick's partition.
        assigned: set[TP] = args[0]
        engine.keep_partitions({tp.partition for tp in assigned if tp.topic == ticks})

    async def stop_sending(sender: Any, /, *args: Any, signal: Any, **kwargs: Any) -> None:
        # Faust sends this after the consumer has stopped and every event in hand is done.
        await engine.close()
        log.info("sends stopped, senders closed")

    app.on_partitions_assigned.connect(keep_assigned_sends)
    app.on_before_shutdown.connect(stop_sending)

    return service
