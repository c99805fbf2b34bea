"""The notification service's own models: the case file it keeps, and the notices it sends.

None of these is the value of a public topic. ``Notice`` holds clear contact details (an
e-mail address, a phone number, a postal address) and so may only live in the notification
service's own state and in its senders, like ``PetitionerContact``; ``CaseFile`` is the
service's table row per case, joined from the registered case and dedup's verdict.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, JsonValue

from schemas.base import AwareDatetime, Contract, Timestamp
from schemas.cases import (
    Agency,
    CaseDeduplicated,
    CaseEscalated,
    CaseUpdate,
    MaskedPerson,
    MatterKind,
    MatterState,
    UpdateKind,
    Verdict,
)
from schemas.fields import CaseField
from schemas.notifications import DeliveryChannel, NotificationKind, RecipientRole
from schemas.petitions import Language

#: Every kind of notice the service sends: the contract's own enum, so a notice's kind is
#: the kind of its record on notifications.delivered / .failed without any conversion.
NoticeKind = NotificationKind


#: The notice each agency update gives the petitioner; updates not listed notify nobody.
UPDATE_NOTICES: dict[UpdateKind, NoticeKind] = {
    UpdateKind.ACCEPTED: NoticeKind.ACCEPTANCE,
    UpdateKind.NOT_ACCEPTED: NoticeKind.NON_ACCEPTANCE,
    UpdateKind.EXTENDED: NoticeKind.EXTENSION,
    UpdateKind.REPLIED: NoticeKind.REPLY,
    UpdateKind.REVIEW_DECIDED: NoticeKind.REVIEW_DECISION,
    UpdateKind.RE_REVIEW_DECIDED: NoticeKind.RE_REVIEW_DECISION,
    UpdateKind.TERMINATED: NoticeKind.TERMINATION,
    UpdateKind.CLOSED: NoticeKind.RATING_REQUEST,
}


class CaseFile(Contract):
    """What the notification service keeps per case (a table keyed by case_id).

    Built from the registered case and dedup's verdict: the verdict alone carries neither
    the title (for the agency) nor the accused (for the privacy guard). Holds no clear
    personal data: contact details are looked up by ``petitioner_ref`` when needed.
    """

    schema_version: Literal[1] = 1
    case_id: str
    matter_id: str
    petitioner_ref: str
    received_at: AwareDatetime
    region_code: str
    kind: MatterKind
    field: CaseField
    title: str
    agency: Agency | None = None
    accused: str | None = None
    petitioner: MaskedPerson
    language: Language = Language.ZH
    verdict: Verdict
    repeat_count: int = Field(ge=0)
    open_case_id: str | None = None
    terminated_matter: bool = Field(
        default=False,
        description="a repeat of a matter terminated after its re-review: the same facts and "
        "reasons are not accepted again (Art. 36), so it is told so and handled by no body. "
        "A case file stored before this was known has False",
    )
    accepted_at: AwareDatetime | None = Field(
        default=None, description="set by the agency's acceptance; starts the 60 days (Art. 34)"
    )
    events: dict[str, str] = Field(
        default_factory=dict,
        description="ids of the updates and escalations handled -> digest of their content: "
        "the same id with other content is a conflicting duplicate",
    )

    @classmethod
    def of(cls, verdict: CaseDeduplicated) -> CaseFile:
        """The case file of a verdict and the registered case it carries."""
        registered = verdict.case
        return cls(
            case_id=registered.case_id,
            matter_id=verdict.matter_id,
            petitioner_ref=registered.petitioner_ref,
            received_at=registered.received_at,
            region_code=registered.region_code,
            kind=registered.kind,
            field=registered.field,
            title=registered.title,
            agency=registered.agency,
            accused=registered.accused,
            petitioner=registered.petitioner,
            language=registered.language,
            verdict=verdict.verdict,
            repeat_count=verdict.repeat_count,
            open_case_id=verdict.open_case_id,
            # Art. 36: the casework's own test (services/common/casework/facts.py,
            # ``terminated``): a repeat whose matter dedup says is terminated, whatever
            # open case it names; a repeat of a closed matter, or another person's joint
            # letter on a terminated one, is a petition handled anew.
            terminated_matter=verdict.verdict is Verdict.REPEAT
            and verdict.matter_state is MatterState.TERMINATED,
        )

    def after(self, update: CaseUpdate) -> CaseFile:
        """The case file once ``update`` has happened: noted, and an acceptance's time."""
        changes: dict[str, object] = {
            "events": {**self.events, update.update_id: update.content_sha256()}
        }
        if update.kind is UpdateKind.ACCEPTED and self.accepted_at is None:
            changes["accepted_at"] = update.occurred_at
        return self.model_copy(update=changes)

    def noting(self, escalation: CaseEscalated) -> CaseFile:
        """The case file with ``escalation`` handled."""
        events = {**self.events, escalation.escalation_id: escalation.content_digest()}
        return self.model_copy(update={"events": events})

    def conflicts_with(self, event: CaseUpdate | CaseEscalated) -> bool:
        """Whether the case has handled other content under the update's or escalation's id."""
        if isinstance(event, CaseUpdate):
            event_id, digest = event.update_id, event.content_sha256()
        else:
            event_id, digest = event.escalation_id, event.content_digest()
        known = self.events.get(event_id)
        return known is not None and known != digest


class Notice(Contract):
    """One rendered notice for one recipient, ready for a sender. RESTRICTED: ``to`` is clear.

    ``notification_id`` is deterministic (event, kind, recipient), so a redelivered event
    renders the same notice with the same id and the service's sent-ids table skips it.
    """

    schema_version: Literal[1] = 1
    notification_id: str = Field(min_length=1, max_length=128)
    kind: NoticeKind
    channel: DeliveryChannel
    transport: str = Field(description="the sender: 'smtp', 'letters' or a webhook's name")
    recipient_role: RecipientRole
    recipient: str = Field(description="petitioner_ref, agency code or receiver; never clear")
    to: tuple[str, ...] = Field(min_length=1, description="addresses, phone or postal address")
    case_ids: tuple[str, ...] = Field(min_length=1, description="one, or a digest's cases")
    language: Language
    subject: str
    body_text: str
    body_html: str | None = None
    data: dict[str, JsonValue] = Field(
        default_factory=dict, description="structured content for webhook receivers"
    )
    created_at: Timestamp


class ReceiverKey(Contract):
    """Key of the service's internal alert topic: every alert for one receiver in one place."""

    receiver: str = Field(min_length=1, max_length=64)
