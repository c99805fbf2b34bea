"""The notification topics: what was delivered, and what could not be."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import Field

from schemas.base import Contract, Timestamp


class NotificationKind(StrEnum):
    """Every kind of notice, with the article that requires it."""

    RECEIPT = "receipt"  # Art. 21, 22: registered, with the query code
    ACCEPTANCE = "acceptance"  # Art. 23
    NON_ACCEPTANCE = "non_acceptance"  # Art. 23, with the reason
    EXTENSION = "extension"  # Art. 34, with the reason
    REPLY = "reply"  # Art. 34, 35: the opinion, with the route and deadline for review
    REVIEW_DECISION = "review_decision"  # Art. 35
    RE_REVIEW_DECISION = "re_review_decision"  # Art. 36: final
    TERMINATION = "termination"  # Art. 36: same facts and reasons not accepted again
    RATING_REQUEST = "rating_request"  # Art. 21: satisfied / basically / dissatisfied
    CASE_ASSIGNED = "case_assigned"  # to the competent agency's inbox
    ESCALATION_ALERT = "escalation_alert"  # to supervisors and leaders, as digests
    HOTSPOT_ALERT = "hotspot_alert"  # new hotspots (分析研判) to the supervising level, as digests


class DeliveryChannel(StrEnum):
    RECORD = "record"
    EMAIL = "email"
    WEBHOOK = "webhook"
    LETTER = "letter"


class RecipientRole(StrEnum):
    PETITIONER = "petitioner"
    AGENCY = "agency"
    SUPERVISOR = "supervisor"


class NotificationDelivered(Contract):
    """One notice delivered, exactly once. Keyed by notification_id."""

    schema_version: Literal[1] = 1
    notification_id: str = Field(description="deterministic from the event and the recipient")
    kind: NotificationKind
    channel: DeliveryChannel
    recipient_role: RecipientRole
    recipient: str = Field(description="a petitioner_ref, agency code or level; never in clear")
    case_id: str = Field(description="the (first) case the notice is about")
    case_ids: list[str] = Field(
        default_factory=list, description="every case of a digest (escalation alerts)"
    )
    subject: str
    delivered_at: Timestamp


class FailureReason(StrEnum):
    """Why a notice could not be delivered. Closed: also a metric label."""

    NO_CONTACT = "no_contact"
    PERMANENT_REJECTION = "permanent_rejection"
    RETRIES_EXHAUSTED = "retries_exhausted"
    SUPPRESSED_ACCUSED = "suppressed_accused"


class NotificationFailed(Contract):
    """A notice that could not be delivered, and why. Keyed by notification_id."""

    schema_version: Literal[1] = 1
    notification_id: str
    kind: NotificationKind
    channel: DeliveryChannel
    recipient_role: RecipientRole
    recipient: str
    case_id: str = Field(description="the (first) case the notice is about")
    case_ids: list[str] = Field(
        default_factory=list, description="every case of a digest (escalation alerts)"
    )
    reason: FailureReason
    detail: str = ""
    attempts: int = Field(ge=0)
    failed_at: Timestamp
