"""The notification service: verdicts and escalations -> notices, exactly once. Wiring only."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import Field, ValidationError
from pydantic_settings import SettingsConfigDict

from schemas.cases import CaseDeduplicated, CaseEscalated, Verdict
from schemas.keys import NotificationKey
from schemas.notifications import (
    DeliveryChannel,
    NotificationDelivered,
    NotificationKind,
    RecipientRole,
)
from schemas.petitions import RejectReason, Stage
from schemas.registry import CASES_DEDUPLICATED, CASES_ESCALATED, NOTIFICATIONS_DELIVERED
from services.common.dlq import Rejected
from services.common.service import NOTHING, Effects, Incoming, Output, Service, build_service
from services.common.settings import ServiceSettings


class NotificationSettings(ServiceSettings):
    """Notification: petitioners, agencies, supervisors (prefix XINFANG_NOTIFICATION_)."""

    model_config = SettingsConfigDict(
        frozen=True, extra="ignore", env_prefix="XINFANG_NOTIFICATION_"
    )

    web_port: int = Field(default=6069, ge=1, le=65535)


def receipt(verdict: CaseDeduplicated, now: datetime) -> NotificationDelivered:
    return NotificationDelivered(
        notification_id=f"NT-receipt-{verdict.case_id}-petitioner",
        kind=NotificationKind.RECEIPT,
        channel=DeliveryChannel.RECORD,
        recipient_role=RecipientRole.PETITIONER,
        recipient=verdict.petitioner_ref,
        case_id=verdict.case_id,
        subject=f"信访事项登记回执 / Petition received: {verdict.case_id}",
        delivered_at=now,
    )


def escalation_alert(escalation: CaseEscalated, now: datetime) -> NotificationDelivered:
    return NotificationDelivered(
        notification_id=f"NT-alert-{escalation.escalation_id}-supervisor",
        kind=NotificationKind.ESCALATION_ALERT,
        channel=DeliveryChannel.RECORD,
        recipient_role=RecipientRole.SUPERVISOR,
        recipient=escalation.target_agency
        or f"{escalation.target_level.value}:{escalation.region_code}",
        case_id=escalation.case_id,
        subject=f"Escalation {escalation.reason.value}: {escalation.case_id}",
        delivered_at=now,
    )


def build(settings: NotificationSettings) -> Service:
    service = build_service(Stage.NOTIFICATION, settings)
    notifications = service.metrics.counter("xinfang_notifications_total")
    # notification_id -> delivered_at: a redelivered event never yields a second delivery.
    sent = service.table("sent", CASES_DEDUPLICATED.partitions, "notification_id -> delivered_at")

    def deliver(notice: NotificationDelivered) -> Effects:
        labels = {"channel": notice.channel.value, "kind": notice.kind.value}
        if sent.get(notice.notification_id) is not None:
            notifications.labels(**labels, outcome="duplicate").inc()
            return NOTHING
        notifications.labels(**labels, outcome="delivered").inc()
        key = NotificationKey(notification_id=notice.notification_id).to_json_bytes()

        def remember() -> None:
            sent[notice.notification_id] = notice.delivered_at.isoformat()

        return Effects([Output(NOTIFICATIONS_DELIVERED, key, notice.to_json_bytes())], remember)

    async def on_verdict(message: Incoming) -> Effects:
        try:
            verdict = CaseDeduplicated.model_validate_json(message.value or b"")
        except ValidationError as exc:
            raise Rejected(RejectReason.SCHEMA_VIOLATION, str(exc)[:2000]) from None
        if verdict.verdict is not Verdict.NEW:
            return NOTHING
        return deliver(receipt(verdict, datetime.now(UTC)))

    async def on_escalation(message: Incoming) -> Effects:
        try:
            escalation = CaseEscalated.model_validate_json(message.value or b"")
        except ValidationError as exc:
            raise Rejected(RejectReason.SCHEMA_VIOLATION, str(exc)[:2000]) from None
        return deliver(escalation_alert(escalation, datetime.now(UTC)))

    service.consume(CASES_DEDUPLICATED, on_verdict)
    service.consume(CASES_ESCALATED, on_escalation)
    return service
