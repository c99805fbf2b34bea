"""From an event to what must be sent: the notification service's decision, without I/O.

The Faust service calls one method per input event and carries out the returned ``Plan``:
it sends each notice (``retry.deliver``) unless its id is in the sent-ids table, produces
each inbox record to ``agency.<code>.inbox``, adds each routed alert to the
``AlertGrouper`` and records each undeliverable notice on notifications.failed. Nothing
here touches Kafka, a clock or the network: an event in, a decision out.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from pydantic import JsonValue

from schemas.cases import AgencyCase, AgencyLevel, CaseEscalated, CaseUpdate, PetitionerContact
from schemas.identifiers import QueryCodes
from schemas.ledger import HotspotDetected
from schemas.notices import UPDATE_NOTICES, CaseFile, Notice, NoticeKind
from schemas.notifications import (
    DeliveryChannel,
    FailureReason,
    NotificationDelivered,
    NotificationFailed,
    RecipientRole,
)
from services.common.casework.told import LegalDates
from services.common.freetext import unrestricted_text
from services.notification.agency import agency_case
from services.notification.grouping import Digest, RoutedAlert
from services.notification.ids import notification_id
from services.notification.labels import labels_of
from services.notification.policy import (
    Delivery,
    NotificationPolicy,
    PetitionerChannel,
    Receiver,
)
from services.notification.privacy import accused_guard
from services.notification.render import PetitionerFacts, Renderer
from services.notification.senders import LETTER_TRANSPORT, SMTP_TRANSPORT


class MissingFactError(ValueError):
    """An update lacks what its notice must say (a non-acceptance without its reason)."""


class MisroutedError(ValueError):
    """The policy routes a kind of notice to a receiver that cannot take it."""


@dataclass(frozen=True)
class InboxRecord:
    """An AgencyCase to produce to ``agency.<agency_code>.inbox``, keyed by case_id."""

    notification_id: str
    agency_code: str
    case: AgencyCase


@dataclass(frozen=True)
class Undeliverable:
    """A notice that cannot even be attempted, with its named reason (notifications.failed)."""

    notification_id: str
    kind: NoticeKind
    channel: DeliveryChannel
    recipient_role: RecipientRole
    recipient: str
    case_id: str
    reason: FailureReason
    detail: str
    at: datetime


@dataclass
class Plan:
    notices: list[Notice] = field(default_factory=list)
    inbox: list[InboxRecord] = field(default_factory=list)
    alerts: list[RoutedAlert] = field(default_factory=list)
    undeliverable: list[Undeliverable] = field(default_factory=list)


class NotificationPlanner:
    """Decides, per event, who is told what through which channel with which template."""

    def __init__(
        self,
        policy: NotificationPolicy,
        renderer: Renderer,
        query_key: bytes,
        dates: LegalDates | None = None,
    ) -> None:
        if not query_key:
            raise ValueError("the query-code key is empty")
        self.policy = policy
        # The dates a petitioner is told, counted by the escalation service's rules.
        self.dates = dates or LegalDates.shipped()
        self.renderer = renderer
        self._query_code = QueryCodes(query_key)

    # --- events --------------------------------------------------------------------------

    def for_new_case(self, case: CaseFile, contact: PetitionerContact | None) -> Plan:
        """A case has its verdict: the receipt to the petitioner, the case to its agency."""
        plan = Plan()
        terminated = case.terminated_matter
        # Art. 19: a repeat of a matter being handled joins the open case; Art. 36: a repeat
        # of a matter terminated after its re-review joins nothing, it is not accepted again
        # (as the casework decides: a terminated matter is never linked).
        open_case = (
            case.open_case_id if not terminated and case.open_case_id != case.case_id else None
        )
        facts = replace(
            self._facts(case, case.received_at, self._issuer(contact), open_case),
            terminated_matter=terminated,
        )
        self._route_petitioner_notice(plan, NoticeKind.RECEIPT, case.case_id, case, contact, facts)
        if case.agency is not None and not terminated:
            # Art. 36: no body accepts the same facts and reasons again, so the matter's
            # agency is not given the case to handle: its inbox holds cases that owe the
            # petitioner an acceptance notice within 15 days (Art. 23), and the lifecycle
            # refuses every update of this one but the bureau's `closed`
            # (matter_terminated). The petitioner's receipt says why.
            self._route_assignment(plan, case, case.case_id, case.received_at)
        return plan

    def for_update(
        self, update: CaseUpdate, case: CaseFile, contact: PetitionerContact | None
    ) -> Plan:
        """An agency's update: the petitioner's notice for it, if the update has one, and
        for a transfer or assignment the case to the body that receives it.

        Pass the case file as it is *after* the update (``case.after(update)``), so an
        acceptance's 60 days are counted from the acceptance itself.
        """
        plan = Plan()
        if case.terminated_matter:
            # Art. 36: a repeat of a matter terminated after its re-review is handled by no
            # body: the lifecycle refuses every update of it but the bureau's `closed`
            # (matter_terminated), which files it without an opinion to rate. Its receipt
            # told the petitioner all there is; a transfer puts it in no inbox.
            return plan
        if update.to_agency is not None:
            # Art. 22: the body a case is transferred or assigned to is told it has it, as
            # the routed agency was, under the transfer's own id.
            received = case.model_copy(update={"agency": update.to_agency})
            self._route_assignment(plan, received, update.update_id, update.occurred_at)
        kind = UPDATE_NOTICES.get(update.kind)
        if kind is None:
            return plan
        facts = self._update_facts(kind, update, case)
        self._route_petitioner_notice(plan, kind, update.update_id, case, contact, facts)
        return plan

    def for_escalation(self, escalation: CaseEscalated, case: CaseFile | None) -> Plan:
        """An escalation: alerts for the supervisors' and leaders' digests.

        ``case`` (the service's case file, when it has one) lets the privacy guard keep an
        accusation away from a supervising unit that it accuses.
        """
        plan = Plan()
        labels = labels_of(
            kind=NoticeKind.ESCALATION_ALERT,
            matter_kind=case.kind if case else None,
            field=case.field if case else None,
            region=escalation.region_code,
            level=escalation.target_level,
            agency=escalation.target_agency,
            reason=escalation.reason,
            verdict=case.verdict if case else None,
        )
        for delivery in self.policy.route(labels):
            receiver = delivery.receiver
            if receiver.email is None and receiver.webhook is None:
                raise MisroutedError(
                    f"{delivery.route}: escalation alerts go to e-mail or webhook receivers, "
                    f"not to {receiver.name!r}"
                )
            if case is not None:
                suppression = accused_guard(case.kind, case.accused, receiver.units)
                if suppression is not None:
                    plan.undeliverable.append(
                        Undeliverable(
                            notification_id(
                                escalation.escalation_id, NoticeKind.ESCALATION_ALERT, receiver.name
                            ),
                            NoticeKind.ESCALATION_ALERT,
                            _staff_channel(receiver),
                            RecipientRole.SUPERVISOR,
                            receiver.name,
                            escalation.case_id,
                            suppression.reason,
                            suppression.detail,
                            escalation.escalated_at,
                        )
                    )
                    continue
            plan.alerts.append(
                RoutedAlert.of(
                    receiver.name, delivery.template, delivery.grouping, labels, escalation
                )
            )
        return plan

    def for_hotspot(self, hotspot: HotspotDetected) -> Plan:
        """A hotspot from the ledger: alerts for the supervising level's digest (分析研判).

        Routed with ``level`` the level that supervises the hotspot's region (see
        :func:`supervising_level`), ``region`` its region and ``field`` its main field.
        """
        plan = Plan()
        labels = labels_of(
            kind=NoticeKind.HOTSPOT_ALERT,
            field=hotspot.field,
            region=hotspot.region_code,
            level=supervising_level(hotspot.region_code),
        )
        for delivery in self.policy.route(labels):
            receiver = delivery.receiver
            if receiver.email is None and receiver.webhook is None:
                raise MisroutedError(
                    f"{delivery.route}: hotspot alerts go to e-mail or webhook receivers, "
                    f"not to {receiver.name!r}"
                )
            plan.alerts.append(
                RoutedAlert.of(receiver.name, delivery.template, delivery.grouping, labels, hotspot)
            )
        return plan

    def for_digest(self, digest: Digest) -> Notice:
        """The notice for a digest the grouper found due."""
        receiver = self.policy.receivers[digest.receiver]
        rendered = self.renderer.render_digest(
            digest.template, receiver.name, digest.alerts, digest.hotspots, receiver.language
        )
        channel, transport, to = _staff_address(receiver)
        data: dict[str, JsonValue] = {
            "escalations": [alert.model_dump(mode="json") for alert in digest.alerts]
        }
        if digest.hotspots:
            data["hotspots"] = [hotspot.model_dump(mode="json") for hotspot in digest.hotspots]
        return Notice(
            notification_id=notification_id(digest.digest_id, digest.kind, receiver.name),
            kind=digest.kind,
            channel=channel,
            transport=transport,
            recipient_role=RecipientRole.SUPERVISOR,
            recipient=receiver.name,
            to=to,
            case_ids=digest.case_ids,
            language=receiver.language,
            subject=rendered.subject,
            body_text=rendered.body_text,
            body_html=rendered.body_html if channel is DeliveryChannel.EMAIL else None,
            data=data,
            created_at=digest.flushed_at,
        )

    # --- petitioners ---------------------------------------------------------------------

    def _facts(
        self,
        case: CaseFile,
        occurred_at: datetime,
        issuer: str = "",
        open_case_id: str | None = None,
    ) -> PetitionerFacts:
        # The issuer depends on the petitioner's language (``_issuer``): the notice fills it
        # in with the contact when it is not the contact's.
        return PetitionerFacts(
            case_id=case.case_id,
            query_code=self._query_code(case.case_id),
            query_url=str(self.policy.spec.query_url),
            received_at=case.received_at,
            issuer=issuer,
            occurred_at=occurred_at,
            agency_name=case.agency.name if case.agency else None,
            open_case_id=open_case_id,
        )

    def _issuer(self, contact: PetitionerContact | None) -> str:
        """Who signs a notice in the contact's language ("" without a contact)."""
        return "" if contact is None else self.policy.spec.issuer[contact.language.value]

    def _update_facts(
        self, kind: NoticeKind, update: CaseUpdate, case: CaseFile
    ) -> PetitionerFacts:
        # The agency's name is known only for the case's own agency; a review body is
        # named generically by the template ("the next-higher body").
        own_agency = case.agency is not None and case.agency.code == update.agency_code
        facts = replace(self._facts(case, update.occurred_at), reason=update.reason)
        if not own_agency:
            facts = replace(facts, agency_name=None)
        if kind in (NoticeKind.NON_ACCEPTANCE, NoticeKind.EXTENSION) and not update.reason:
            raise MissingFactError(f"{update.update_id}: a {update.kind} update states its reason")
        if kind is NoticeKind.ACCEPTANCE:
            accepted = case.accepted_at or update.occurred_at
            facts = replace(facts, handling_due=self.dates.handling(accepted))
        elif kind is NoticeKind.EXTENSION:
            if update.extension_days is None:
                raise MissingFactError(f"{update.update_id}: an extension states its days")
            due = (
                self.dates.handling(case.accepted_at, update.extension_days)
                if case.accepted_at
                else None
            )
            facts = replace(facts, extension_days=update.extension_days, handling_due=due)
        elif kind in (NoticeKind.REPLY, NoticeKind.REVIEW_DECISION):
            # Art. 35/36 count 30 days from *receipt* of the opinion; counting from its
            # issue gives the petitioner a date that is never later than the legal one.
            window = (
                self.dates.review_request
                if kind is NoticeKind.REPLY
                else self.dates.re_review_request
            )
            facts = replace(facts, review_deadline=window(update.occurred_at))
        elif kind is NoticeKind.RATING_REQUEST:
            facts = replace(facts, rating_deadline=self.dates.rating(update.occurred_at))
        return facts

    def _route_petitioner_notice(
        self,
        plan: Plan,
        kind: NoticeKind,
        event_id: str,
        case: CaseFile,
        contact: PetitionerContact | None,
        facts: PetitionerFacts,
    ) -> None:
        labels = self._case_labels(kind, case)
        for delivery in self.policy.route(labels):
            if delivery.receiver.petitioner is None:
                raise MisroutedError(
                    f"{delivery.route}: {kind} goes to the petitioner, "
                    f"not to {delivery.receiver.name!r}"
                )
            self._petitioner_notice(plan, kind, event_id, case, contact, facts, delivery)

    def _petitioner_notice(
        self,
        plan: Plan,
        kind: NoticeKind,
        event_id: str,
        case: CaseFile,
        contact: PetitionerContact | None,
        facts: PetitionerFacts,
        delivery: Delivery,
    ) -> None:
        assert delivery.receiver.petitioner is not None
        nid = notification_id(event_id, kind, case.petitioner_ref)
        occurred = facts.occurred_at or case.received_at
        channel_choice = _petitioner_channel(delivery.receiver, contact)
        if contact is None or channel_choice is None:
            plan.undeliverable.append(
                Undeliverable(
                    nid,
                    kind,
                    DeliveryChannel.RECORD,
                    RecipientRole.PETITIONER,
                    case.petitioner_ref,
                    case.case_id,
                    FailureReason.NO_CONTACT,
                    "no e-mail, phone or postal address for the channels "
                    + ", ".join(delivery.receiver.petitioner.channels),
                    occurred,
                )
            )
            return
        channel, transport, address = channel_choice
        issuer = self._issuer(contact)
        if facts.issuer != issuer:
            facts = replace(facts, issuer=issuer)
        rendered = self.renderer.render_for_petitioner(delivery.template, contact, facts)
        body, html = rendered.body_text, None
        if channel is DeliveryChannel.EMAIL:
            html = rendered.body_html
        elif channel is DeliveryChannel.LETTER:
            body = self.renderer.letter(rendered, contact, issuer, occurred)
        else:
            body = rendered.sms_text
        plan.notices.append(
            Notice(
                notification_id=nid,
                kind=kind,
                channel=channel,
                transport=transport,
                recipient_role=RecipientRole.PETITIONER,
                recipient=case.petitioner_ref,
                to=(address,),
                case_ids=(case.case_id,),
                language=contact.language,
                subject=rendered.subject,
                body_text=body,
                body_html=html,
                created_at=occurred,
            )
        )

    # --- agencies ------------------------------------------------------------------------

    def _route_assignment(
        self, plan: Plan, case: CaseFile, event_id: str, assigned_at: datetime
    ) -> None:
        """``case.agency`` is told it has the case: the routed agency, with the case's id as
        ``event_id``, or a transfer's recipient, with the transfer's update id."""
        assert case.agency is not None
        agency = case.agency
        inbox_case = agency_case(case)
        for delivery in self.policy.route(self._case_labels(NoticeKind.CASE_ASSIGNED, case)):
            receiver = delivery.receiver
            if receiver.petitioner is not None:
                raise MisroutedError(f"{delivery.route}: case_assigned goes to agencies")
            recipient = agency.code if receiver.agency_inbox else receiver.name
            nid = notification_id(event_id, NoticeKind.CASE_ASSIGNED, recipient)
            names = (agency.code, agency.name, *receiver.units)
            suppression = accused_guard(case.kind, case.accused, names)
            if suppression is not None:
                plan.undeliverable.append(
                    Undeliverable(
                        nid,
                        NoticeKind.CASE_ASSIGNED,
                        DeliveryChannel.RECORD
                        if receiver.agency_inbox
                        else _staff_channel(receiver),
                        RecipientRole.AGENCY,
                        recipient,
                        case.case_id,
                        suppression.reason,
                        suppression.detail,
                        assigned_at,
                    )
                )
                continue
            if receiver.agency_inbox is not None:
                plan.inbox.append(InboxRecord(nid, agency.code, inbox_case))
                continue
            rendered = self.renderer.render_for_agency(inbox_case, agency.name, receiver.language)
            channel, transport, to = _staff_address(receiver)
            plan.notices.append(
                Notice(
                    notification_id=nid,
                    kind=NoticeKind.CASE_ASSIGNED,
                    channel=channel,
                    transport=transport,
                    recipient_role=RecipientRole.AGENCY,
                    recipient=recipient,
                    to=to,
                    case_ids=(case.case_id,),
                    language=receiver.language,
                    subject=rendered.subject,
                    body_text=rendered.body_text,
                    body_html=rendered.body_html if channel is DeliveryChannel.EMAIL else None,
                    data={"agency_code": agency.code, "case": inbox_case.model_dump(mode="json")},
                    created_at=assigned_at,
                )
            )

    @staticmethod
    def _case_labels(kind: NoticeKind, case: CaseFile) -> dict[str, str]:
        return labels_of(
            kind=kind,
            matter_kind=case.kind,
            field=case.field,
            region=case.region_code,
            level=case.agency.level if case.agency else None,
            agency=case.agency.code if case.agency else None,
            verdict=case.verdict,
        )


def supervising_level(region_code: str) -> AgencyLevel:
    """The level above a region, read from its GB/T 2260 code: a county's hotspot goes to
    the city, a city's to the province, a province's to the national bureau.

    A place hotspot is known only to its city (the ledger groups places within a city), so
    it reaches the province; a matter hotspot is in its county, so it reaches the city.
    """
    if region_code.endswith("0000"):
        return AgencyLevel.NATIONAL
    if region_code.endswith("00"):
        return AgencyLevel.PROVINCE
    return AgencyLevel.CITY


def _petitioner_channel(
    receiver: Receiver, contact: PetitionerContact | None
) -> tuple[DeliveryChannel, str, str] | None:
    """The first of the receiver's channels that the contact allows: channel, transport, to."""
    assert receiver.petitioner is not None
    if contact is None:
        return None
    for channel in receiver.petitioner.channels:
        if channel is PetitionerChannel.EMAIL and contact.email:
            return DeliveryChannel.EMAIL, SMTP_TRANSPORT, contact.email
        if channel is PetitionerChannel.SMS and contact.phone_e164:
            assert receiver.petitioner.sms_webhook is not None
            return DeliveryChannel.WEBHOOK, receiver.petitioner.sms_webhook, contact.phone_e164
        if channel is PetitionerChannel.LETTER and contact.address:
            return DeliveryChannel.LETTER, LETTER_TRANSPORT, contact.address
    return None


def _staff_channel(receiver: Receiver) -> DeliveryChannel:
    return DeliveryChannel.EMAIL if receiver.email is not None else DeliveryChannel.WEBHOOK


def _staff_address(receiver: Receiver) -> tuple[DeliveryChannel, str, tuple[str, ...]]:
    if receiver.email is not None:
        return DeliveryChannel.EMAIL, SMTP_TRANSPORT, receiver.email.to
    if receiver.webhook is not None:
        return DeliveryChannel.WEBHOOK, receiver.webhook.webhook, (receiver.name,)
    raise MisroutedError(f"receiver {receiver.name!r} takes no staff notices")


# --- records for notifications.delivered / .failed -------------------------------------------


def delivered_record(notice: Notice, delivered_at: datetime) -> NotificationDelivered:
    """What notifications.delivered says about a delivered notice (no clear address)."""
    return NotificationDelivered(
        notification_id=notice.notification_id,
        kind=notice.kind,
        channel=notice.channel,
        recipient_role=notice.recipient_role,
        recipient=notice.recipient,
        case_id=notice.case_ids[0],
        case_ids=list(notice.case_ids),
        subject=notice.subject,
        delivered_at=delivered_at,
    )


def failed_record(
    notice: Notice, reason: FailureReason, detail: str, attempts: int, failed_at: datetime
) -> NotificationFailed:
    """What notifications.failed says about a notice whose delivery failed.

    ``detail`` is the transport's own words, which often repeat the address ("550 5.1.1
    <zhang@qq.com>: Recipient address rejected"): the topic is not restricted, so the
    personal data in it is masked as in any free text.
    """
    return NotificationFailed(
        notification_id=notice.notification_id,
        kind=notice.kind,
        channel=notice.channel,
        recipient_role=notice.recipient_role,
        recipient=notice.recipient,
        case_id=notice.case_ids[0],
        case_ids=list(notice.case_ids),
        reason=reason,
        detail=unrestricted_text(detail),
        attempts=attempts,
        failed_at=failed_at,
    )


def undeliverable_record(item: Undeliverable) -> NotificationFailed:
    """What notifications.failed says about a notice that was never attempted."""
    return NotificationFailed(
        notification_id=item.notification_id,
        kind=item.kind,
        channel=item.channel,
        recipient_role=item.recipient_role,
        recipient=item.recipient,
        case_id=item.case_id,
        reason=item.reason,
        detail=item.detail,
        attempts=0,
        failed_at=item.at,
    )
