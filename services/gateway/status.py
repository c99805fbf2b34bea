"""The status of every case as the pipeline reports it: events in, a view out. No Kafka here.

The gateway reads petitions.submitted, petitions.rejected, cases.registered,
cases.deduplicated, cases.updates and cases.escalated from the beginning and folds them into
one record per case, keyed by case id, with an index by submission id.

The topics are on different partitions, so their events arrive in no common order: an
agency's "accepted" may be read before the case's registration. Each event therefore has a
rank (submitted < registered or rejected < dedup verdict < agency updates and escalations)
and, within the last rank, its event time; a record's status only moves to an event ranked
at least as high as the one it shows. The history keeps every event in the order read.

Each record also keeps what the escalation engine keeps of the case (the verdict's facts,
the accepted updates, the updates waiting for a predecessor) and its escalations, so that
the petitioner's and agencies' updates are checked against the lifecycle before they are
published (``services.gateway.casework``). Memory, measured with tracemalloc over 5,000
cases: 2.2 KB per case after its verdict (ids, agency, timestamps, history, facts), 4.9 KB
with an acceptance and a reply, so a million cases take some 5 GB: pydantic models of
facts and updates are heavy. The view lives in the process: a restart reads the topics
again from the beginning (petitions.submitted keeps 30 days, the case topics forever). A
bounded view (recent cases only) or a compacted status topic would be the next step.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Final, TypeAlias

from pydantic import ValidationError

from schemas.base import Contract
from schemas.cases import (
    AgencyLevel,
    CaseDeduplicated,
    CaseEscalated,
    CaseRegistered,
    CaseUpdate,
    EscalationReason,
    MatterKind,
    UpdateKind,
    Verdict,
)
from schemas.identifiers import case_id_for, submission_fingerprint
from schemas.petitions import DeadLetter, PetitionSubmitted, RejectReason, Stage
from schemas.registry import (
    CASES_DEDUPLICATED,
    CASES_ESCALATED,
    CASES_REGISTERED,
    CASES_UPDATES,
    PETITIONS_REJECTED,
    PETITIONS_SUBMITTED,
    TopicSpec,
)
from services.common.casework.facts import CaseFacts, raises_terminated_matter
from services.common.casework.holidays import shipped_calendar
from services.common.casework.ruleset import load_rules
from services.common.dlq import Rejected
from services.common.handler import check_subject_key
from services.gateway.casework import Casework, Placed

log = logging.getLogger(__name__)

#: The topics the view is built from.
SOURCES: Final[tuple[TopicSpec, ...]] = (
    PETITIONS_SUBMITTED,
    PETITIONS_REJECTED,
    CASES_REGISTERED,
    CASES_DEDUPLICATED,
    CASES_UPDATES,
    CASES_ESCALATED,
)


class Status(StrEnum):
    """Where the pipeline has a case, before and besides the agencies' steps."""

    SUBMITTED = "submitted"
    REJECTED = "rejected"
    REGISTERED = "registered"
    REPEAT = "repeat"
    JOINT = "joint"
    #: A repeat of a matter terminated after its re-review: the same facts and reasons are
    #: not accepted again (Art. 36); the casework terminates it at its receipt.
    NOT_ACCEPTED_AGAIN = "not_accepted_again"
    ESCALATED = "escalated"


#: Where a case stands: a step of the pipeline, or the latest step its agency reported
#: (the contract's ``UpdateKind`` itself, so a new kind of update is a status at once).
CaseStatus: TypeAlias = Status | UpdateKind


#: Statuses after which nothing more is done on the petition: Open311 "closed". A repeat
#: joins an open case (Art. 19) and a reply may still be reviewed (Art. 35): both are open.
#: A repeat of a terminated matter is not accepted again (Art. 36): closed from its receipt.
CLOSED_STATUSES: Final = frozenset(
    {
        Status.REJECTED,
        Status.NOT_ACCEPTED_AGAIN,
        UpdateKind.NOT_ACCEPTED,
        UpdateKind.TERMINATED,
        UpdateKind.CLOSED,
    }
)
#: What the channel's status, the Open311 request and the petitioner's page say of a repeat
#: of a matter terminated after its re-review.
NOT_ACCEPTED_AGAIN_DETAIL: Final = (
    "the matter was terminated after its re-review: the same facts and reasons are not "
    "accepted again (Art. 36)"
)
OPEN311_PREFIX: Final = "open311:"

#: Escalations that are about the handling of the petitioner's own case (a missed limit, a
#: backlog, a dissatisfied rating): the petitioner is shown these and no other (not who
#: escalated on which words, nor a collective petition), on every door (README,
#: Petitioners).
SHOWN_ESCALATIONS: Final = frozenset(
    {
        EscalationReason.DEADLINE_BREACH,
        EscalationReason.BACKLOG,
        EscalationReason.DISSATISFIED_RATING,
    }
)

_RANK_SUBMITTED: Final = 0
_RANK_INTAKE: Final = 1
_RANK_DEDUP: Final = 2
_RANK_AGENCY: Final = 3


@dataclass(frozen=True, slots=True)
class Step:
    """One status a case went through, with the event time the pipeline gave it."""

    status: CaseStatus
    at: datetime
    detail: str | None = None
    #: Why, for an escalation: whether the petitioner is shown it (``SHOWN_ESCALATIONS``).
    escalation: EscalationReason | None = None

    @property
    def shown_to_petitioner(self) -> bool:
        return self.escalation is None or self.escalation in SHOWN_ESCALATIONS


@dataclass(frozen=True, slots=True)
class EscalationSeen:
    """An escalation of the case: who it went to, and why."""

    reason: EscalationReason
    target_level: AgencyLevel
    target_agency: str | None
    at: datetime


@dataclass(slots=True)
class CaseRecord:
    """What the gateway knows of one case."""

    case_id: str
    submission_id: str
    status: CaseStatus
    status_at: datetime
    received_at: datetime | None = None
    channel: str | None = None
    field: str | None = None
    #: The agency routing chose (the registered case's).
    agency_code: str | None = None
    agency_name: str | None = None
    #: The agency the case is with after its accepted updates (known with the verdict):
    #: routing's until a transfer names another (Art. 22), the petition bureau again after
    #: an objection to competence (Art. 23).
    holder: str | None = None
    #: An accusation's accused (masked as on every topic): a transfer never goes to it.
    accused: str | None = None
    verdict: Verdict | None = None
    open_case_id: str | None = None
    #: The petitioner's keyed reference (``CaseRegistered.petitioner_ref``): whether a
    #: repeat's open case is the same person's, whose number a query code may show.
    petitioner_ref: str | None = None
    detail: str | None = None
    #: What the submission held (``submission_fingerprint``): a resubmission under the same
    #: id with other content is a conflict. None while only an unreadable version is known.
    fingerprint: str | None = None
    #: The id of the channel key that submitted the petition through the gateway (the
    #: record's header), None for a petition published to Kafka directly.
    channel_key_id: str | None = None
    history: list[Step] = dataclasses.field(default_factory=list)
    rank: tuple[int, datetime] = (_RANK_SUBMITTED, datetime.min.replace(tzinfo=UTC))
    #: What the escalation engine keeps of the verdict; None until the verdict is read.
    facts: CaseFacts | None = None
    #: Updates the lifecycle accepted, in event-time order (as the engine keeps them).
    updates: tuple[CaseUpdate, ...] = ()
    #: Updates waiting for their predecessor or for the verdict (the engine holds them).
    held: tuple[CaseUpdate, ...] = ()
    escalations: list[EscalationSeen] = dataclasses.field(default_factory=list)
    #: The status as the petitioner is shown it: the latest step by the same ranks, the
    #: escalations they are not shown left out (None: the status itself).
    shown: Step | None = None
    shown_rank: tuple[int, datetime] = (_RANK_SUBMITTED, datetime.min.replace(tzinfo=UTC))

    @property
    def closed(self) -> bool:
        return self.status in CLOSED_STATUSES

    @property
    def held_by(self) -> str | None:
        """The code of the agency the case is with now (routing's until a transfer)."""
        return self.holder if self.facts is not None else self.agency_code

    def name_of(self, code: str) -> str | None:
        """The name of a body of the case, when the case names it: routing's agency, or a
        transfer's recipient."""
        if code == self.agency_code:
            return self.agency_name
        return next(
            (u.to_agency.name for u in reversed(self.updates)
             if u.to_agency is not None and u.to_agency.code == code),
            None,
        )  # fmt: skip

    @property
    def open311_service_code(self) -> str | None:
        """The service code an Open311 client asked for (kept in the submission id)."""
        if not self.submission_id.startswith(OPEN311_PREFIX):
            return None
        return self.submission_id[len(OPEN311_PREFIX) :].rsplit(":", 1)[0]


def open311_submission_id(service_code: str, unique: str) -> str:
    """The submission id of an Open311 request: its service code stays readable in it."""
    return f"{OPEN311_PREFIX}{service_code}:{unique}"


class StatusView:
    """Every case's current status, folded from the pipeline's events. Not thread-safe:
    one event loop owns it."""

    def __init__(
        self,
        case_id_key: bytes,
        casework: Casework | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._case_id_key = case_id_key
        #: The escalation rules updates are judged by (the shipped ones unless given).
        self.casework = casework or Casework(load_rules(), shipped_calendar())
        self._clock = clock
        #: The broker time of the record being applied, None for the gateway's own writes.
        self._appended_at: datetime | None = None
        #: The key of the record being applied (None: not checked, as for the gateway's own
        #: writes); a case's event under another case's key is skipped, as every service
        #: refuses it (``handler.check_subject_key``).
        self._key: bytes | None = None
        self._cases: dict[str, CaseRecord] = {}
        self._by_submission: dict[str, str] = {}
        self._appliers: dict[str, Callable[[bytes], None]] = {
            PETITIONS_REJECTED.name: self._rejected,
            CASES_REGISTERED.name: self._registered,
            CASES_DEDUPLICATED.name: self._deduplicated,
            CASES_UPDATES.name: self._update,
            CASES_ESCALATED.name: self._escalated,
        }

    def __len__(self) -> int:
        return len(self._cases)

    def get(self, case_id: str) -> CaseRecord | None:
        return self._cases.get(case_id)

    def by_submission(self, submission_id: str) -> CaseRecord | None:
        case_id = self._by_submission.get(submission_id)
        return self._cases.get(case_id) if case_id is not None else None

    def records(self) -> Iterator[CaseRecord]:
        return iter(self._cases.values())

    def apply(
        self,
        topic: str,
        value: bytes | None,
        channel_key_id: str | None = None,
        appended_at: datetime | None = None,
        key: bytes | None = None,
        where: Mapping[str, object] | None = None,
    ) -> bool:
        """Fold one event of ``topic`` (its unprefixed name) in; False if it was unreadable.

        ``channel_key_id`` is the header the gateway puts on the petitions it publishes.
        ``appended_at`` is the record's broker timestamp: when the escalation service could
        first have seen it, which decides whether an update held for it had expired there
        (a view reading the topics again after a restart must not judge by today's clock).
        ``where`` says where the record is (topic, partition, offset) for the log.

        An event that cannot be folded leaves the view as it was: a valid update dated
        9999-12-31 is readable, but no deadline can be counted from it (a date past year
        9999), and it is skipped before any record changes.
        """
        if value is None:
            return False
        self._appended_at = appended_at
        self._key = key
        try:
            if topic == PETITIONS_SUBMITTED.name:
                self._submitted(value, channel_key_id)
            else:
                self._appliers[topic](value)
        except (
            ValidationError,
            ValueError,
            OverflowError,
            KeyError,
            TypeError,
            RecursionError,
            Rejected,
        ) as exc:
            # The view is a reader: a malformed event is the producer's DLQ business (a
            # deeply nested one too, which would otherwise stop the feed for good).
            log.warning(
                "status view skipped an event",
                extra={"topic": topic, **(where or {}), "error": str(exc) or repr(exc)},
            )
            return False
        finally:
            self._appended_at = None
            self._key = None
        return True

    def case_id_for(self, submission_id: str) -> str:
        """The case id intake gives this submission (the same key as intake's)."""
        return case_id_for(submission_id, self._case_id_key)

    def record_submission(
        self, petition: PetitionSubmitted, channel_key_id: str | None = None
    ) -> CaseRecord:
        """The petition the gateway has just seen acknowledged: read-your-writes."""
        record = self._note(
            petition.submission_id,
            Step(Status.SUBMITTED, petition.received_at),
            (_RANK_SUBMITTED, petition.received_at),
            received_at=petition.received_at,
            channel=petition.channel.value,
        )
        record.fingerprint = record.fingerprint or submission_fingerprint(petition)
        record.channel_key_id = record.channel_key_id or channel_key_id
        return record

    def conflicts(self, petition: PetitionSubmitted) -> CaseRecord | None:
        """The record of an earlier, different petition under this submission id, if any.

        The first version read is the one intake registers (the topic is keyed by
        submission id, so both meet in one partition in the order published).
        """
        record = self.by_submission(petition.submission_id)
        if record is None or record.fingerprint is None:
            return None
        return record if record.fingerprint != submission_fingerprint(petition) else None

    # --- one method per source topic -------------------------------------------------------

    def _submitted(self, value: bytes, channel_key_id: str | None) -> None:
        try:
            petition = PetitionSubmitted.from_json_bytes(value)
        except ValidationError:
            petition = None  # intake rejects it: not a version a conflict is measured against
        if petition is not None:
            self.record_submission(petition, channel_key_id)
            return
        # Read leniently: an invalid petition is still "submitted" until intake rejects it.
        document = json.loads(value)
        submission_id = document["submission_id"]
        if not isinstance(submission_id, str) or not submission_id:
            raise ValueError("no submission_id")
        received_at = _time(document.get("received_at"))
        channel = document.get("channel")
        record = self._note(
            submission_id,
            Step(Status.SUBMITTED, received_at),
            (_RANK_SUBMITTED, received_at),
            received_at=received_at,
            channel=channel if isinstance(channel, str) else None,
        )
        record.channel_key_id = record.channel_key_id or channel_key_id

    def _rejected(self, value: bytes) -> None:
        letter = DeadLetter.from_json_bytes(value)
        # Only intake rejects a petition; a later stage's dead letter is an operator matter
        # on a case that stays registered.
        if letter.stage is not Stage.INTAKE or letter.submission_id is None:
            return
        at = _aware(letter.rejected_at)
        detail = f"{letter.reason.value}: {letter.detail}"
        step = Step(Status.REJECTED, at, detail)
        record = self.by_submission(letter.submission_id)
        if letter.reason is RejectReason.CONFLICTING_RESUBMISSION and record is not None:
            # The first version stays registered; the refused one enters the history only.
            # A channel answered 202 by a gateway whose view had not seen the first version
            # yet learns here (GET /v1/cases/{id}) that its version was refused, and why.
            if step not in record.history:
                record.history.append(step)
            return
        self._note(letter.submission_id, step, (_RANK_INTAKE, at))

    def _registered(self, value: bytes) -> None:
        case = CaseRegistered.from_json_bytes(value)
        self._check_key(CASES_REGISTERED, case)
        at = _aware(case.registered_at)
        record = self._note(
            case.submission_id,
            Step(Status.REGISTERED, at),
            (_RANK_INTAKE, at),
            received_at=case.received_at,
            channel=case.channel.value,
            registered=True,
        )
        self._describe_case(record, case)

    def _deduplicated(self, value: bytes) -> None:
        verdict = CaseDeduplicated.from_json_bytes(value)
        self._check_key(CASES_DEDUPLICATED, verdict)
        known = self._cases.get(self.case_id_for(verdict.case.submission_id))
        # The facts first: a verdict whose limits cannot be counted (a date near year 9999)
        # raises here, before the record changes.
        facts = self.casework.facts(verdict) if known is None or known.facts is None else None
        status = {Verdict.REPEAT: Status.REPEAT, Verdict.JOINT: Status.JOINT}.get(
            verdict.verdict, Status.REGISTERED
        )
        detail = f"{verdict.verdict.value}: {verdict.reason.value}"
        if raises_terminated_matter(verdict):
            # Art. 36: the casework terminates it at its receipt (CaseFacts.terminated_matter,
            # the same test); the channel is told so, and which matter it repeats.
            status = Status.NOT_ACCEPTED_AGAIN
            detail = (
                f"{status.value}: a {verdict.verdict.value} ({verdict.reason.value}) of matter "
                f"{verdict.matter_id}; {NOT_ACCEPTED_AGAIN_DETAIL}"
            )
        record = self._note(
            verdict.case.submission_id,
            Step(status, verdict.decided_at, detail),
            (_RANK_DEDUP, verdict.decided_at),
            received_at=verdict.case.received_at,
            channel=verdict.case.channel.value,
            registered=True,
        )
        self._describe_case(record, verdict.case)
        record.verdict = verdict.verdict
        record.open_case_id = verdict.open_case_id
        if record.facts is None and facts is not None:
            record.facts = facts
            self._release_held(record)
            self._hand_over(record)
        self._not_accepted_again(record)

    def _update(self, value: bytes) -> None:
        update = CaseUpdate.from_json_bytes(value)
        self._check_key(CASES_UPDATES, update)
        self.record_update(update)

    def _check_key(self, spec: TopicSpec, value: Contract) -> None:
        if self._key is not None:
            check_subject_key(spec, value, self._key)

    def record_update(self, update: CaseUpdate) -> None:
        """Fold an update in: the one the gateway has just published (read-your-writes), or
        one read from cases.updates. Kept as the engine keeps it: accepted, held for its
        predecessor, or left out (the engine dead-letters it)."""
        detail = update.reason
        if update.extension_days is not None:
            detail = f"extended by {update.extension_days} days" + (f": {detail}" if detail else "")
        if update.rating is not None:
            detail = f"rated {update.rating.value}"
        if update.to_agency is not None:
            detail = f"to {update.to_agency.code}" + (f": {detail}" if detail else "")
        known = self._cases.get(update.case_id)
        # Placed first: an update whose limits cannot be counted (9999-12-31) raises here,
        # before the record changes.
        placed = (
            self.casework.place(known.facts, known.updates, known.held, update)
            if known is not None and known.facts is not None
            else None
        )
        record = self._note_case(
            update.case_id,
            Step(update.kind, update.occurred_at, detail),
            (_RANK_AGENCY, update.occurred_at),
        )
        if record.facts is None or placed is None:
            if all(u.update_id != update.update_id for u in record.held):
                record.held = (*record.held, update)
            return
        if isinstance(placed, Placed):
            record.updates = placed.updates
            self._release_held(record)
        elif self.casework.may_wait(placed):
            record.held = (*record.held, update)
        self._hand_over(record)
        self._not_accepted_again(record)

    @staticmethod
    def _not_accepted_again(record: CaseRecord) -> None:
        """A repeat of a matter terminated after its re-review stays not accepted again
        (Art. 36) until the bureau files it (``closed``, the one update its lifecycle takes):
        an escalation its content still draws (risk to life, a leadership package) and an
        update the lifecycle refuses (matter_terminated) go to its history only, so the
        channel's status says what the petitioner's page says, whatever order the events
        were read in."""
        if record.facts is None or not record.facts.terminated_matter:
            return
        shown = next((s for s in record.history if s.status is Status.NOT_ACCEPTED_AGAIN), None)
        filed = next((u for u in record.updates if u.kind is UpdateKind.CLOSED), None)
        if filed is not None:
            shown = Step(UpdateKind.CLOSED, filed.occurred_at, filed.reason)
        if shown is not None:
            record.status, record.status_at, record.detail = shown.status, shown.at, shown.detail
            record.shown = shown  # and so with a query code (the petitioner's own view)

    def _hand_over(self, record: CaseRecord) -> None:
        """Note whom the case is with after its accepted updates."""
        assert record.facts is not None
        record.holder = self.casework.holder(record.facts, record.updates)

    def _release_held(self, record: CaseRecord) -> None:
        """Place every held update that now fits, earliest first, until none does.

        An update held past the reorder tolerance (and the timer grace) by the time the
        record in hand reached the broker is dropped, as the engine's scan refuses it then:
        a predecessor arriving later must not revive it here when the escalation service
        has dead-lettered it.
        """
        assert record.facts is not None
        clocks = self.casework.rules.clocks
        now = self._appended_at or self._clock()
        cutoff = now - clocks.timer_grace - clocks.reorder_tolerance
        record.held = tuple(u for u in record.held if u.occurred_at > cutoff)
        progress = True
        while progress:
            progress = False
            for update in sorted(record.held, key=lambda u: u.occurred_at):
                others = tuple(u for u in record.held if u.update_id != update.update_id)
                try:
                    placed = self.casework.place(record.facts, record.updates, others, update)
                except (ValueError, OverflowError) as exc:
                    # Its limits cannot be counted (a date near year 9999, or past the
                    # holiday calendar's years): it fits neither now nor later. Dropped, so
                    # it holds up no other event of the case.
                    log.warning(
                        "status view dropped a held update",
                        extra={"case_id": record.case_id, "update_id": update.update_id,
                               "error": str(exc)},
                    )  # fmt: skip
                    record.held = others
                    progress = True
                    break
                if isinstance(placed, Placed):
                    record.updates = placed.updates
                    record.held = others
                    progress = True
                    break
                if not self.casework.may_wait(placed):
                    record.held = others  # the engine refuses it for good
                    progress = True
                    break

    def _escalated(self, value: bytes) -> None:
        escalation = CaseEscalated.from_json_bytes(value)
        self._check_key(CASES_ESCALATED, escalation)
        at = _aware(escalation.escalated_at)
        detail = f"{escalation.reason.value} to {escalation.target_level.value} level"
        record = self._note_case(
            escalation.case_id,
            Step(Status.ESCALATED, at, detail, escalation.reason),
            (_RANK_AGENCY, at),
        )
        seen = EscalationSeen(
            escalation.reason, escalation.target_level, escalation.target_agency, at
        )
        if seen not in record.escalations:
            record.escalations.append(seen)
        self._not_accepted_again(record)

    # --- folding ---------------------------------------------------------------------------

    def _note(
        self,
        submission_id: str,
        step: Step,
        rank: tuple[int, datetime],
        *,
        received_at: datetime | None = None,
        channel: str | None = None,
        registered: bool = False,
    ) -> CaseRecord:
        """Fold ``step`` into the submission's record. The case's time of receipt and
        channel come from its registration (``registered``) or else from the first version
        submitted: a later version under the same submission id is refused by intake and
        must not rewrite what the registered case says."""
        case_id = self.case_id_for(submission_id)
        self._by_submission[submission_id] = case_id
        record = self._fold(case_id, submission_id, step, rank)
        if received_at is not None and (registered or record.received_at is None):
            record.received_at = received_at
        if channel is not None and (registered or record.channel is None):
            record.channel = channel
        return record

    def _note_case(self, case_id: str, step: Step, rank: tuple[int, datetime]) -> CaseRecord:
        record = self._cases.get(case_id)
        if record is None:
            # An update on a case this view has not seen (its registration not read yet, or
            # before petitions.submitted's retention): kept, its submission id unknown.
            record = CaseRecord(case_id, "", step.status, step.at)
            self._cases[case_id] = record
        self._advance(record, step, rank)
        return record

    def _fold(
        self, case_id: str, submission_id: str, step: Step, rank: tuple[int, datetime]
    ) -> CaseRecord:
        record = self._cases.get(case_id)
        if record is None:
            record = CaseRecord(case_id, submission_id, step.status, step.at)
            self._cases[case_id] = record
        record.submission_id = submission_id
        self._advance(record, step, rank)
        return record

    @staticmethod
    def _advance(record: CaseRecord, step: Step, rank: tuple[int, datetime]) -> None:
        if step in record.history:
            return  # a redelivered event, or the gateway's own submission read back
        record.history.append(step)
        if rank >= record.rank:
            record.rank = rank
            record.status = step.status
            record.status_at = step.at
            record.detail = step.detail
        if step.shown_to_petitioner and rank >= record.shown_rank:
            record.shown_rank = rank
            record.shown = step

    @staticmethod
    def _describe_case(record: CaseRecord, case: CaseRegistered) -> None:
        record.field = case.field
        record.petitioner_ref = case.petitioner_ref
        record.accused = case.accused if case.kind is MatterKind.ACCUSATION else None
        if case.agency is not None:
            record.agency_code = case.agency.code
            record.agency_name = case.agency.name


def _aware(value: datetime) -> datetime:
    # Pipeline timestamps are written in UTC; an old event without a zone is read as UTC
    # so that it still compares with the aware event times.
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _time(value: object) -> datetime:
    if isinstance(value, str):
        try:
            return _aware(datetime.fromisoformat(value))
        except ValueError:
            pass
    return datetime.now(UTC)
