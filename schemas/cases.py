"""The case topics: registered, deduplicated, updates from agencies, escalations, inboxes."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Final, Literal

from pydantic import BeforeValidator, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from schemas.base import AwareDatetime, Contract, Timestamp
from schemas.fields import UNCLASSIFIED, CaseField
from schemas.petitions import MAX_NESTING_DEPTH, MAX_REPRESENTATIVES_LISTED, Channel, Language

#: The normalised text is for matching; NFKC can turn one character into up to 18
#: (U+FDFA), so it is cut at twice the most a title and content can hold.
MAX_NORMALISED_CHARS: Final = 2 * (200 + 1 + 20_000)
#: Co-petitioners (at most 500) and listed representatives, each a petitioner_ref.
MAX_CO_PETITIONER_REFS: Final = 500 + MAX_REPRESENTATIVES_LISTED
#: The most bytes a CaseUpdate value may have (UTF-8 JSON as sent). Its one long field, the
#: reason, has 2,000 characters: 24,000 bytes even written as JSON escapes of surrogate
#: pairs; the rest is room for the identifiers and the recipient, far below every topic's
#: max.message.bytes (intake relays what agency systems publish and enforces it).
MAX_UPDATE_BYTES: Final = 65_536


class MatterKind(StrEnum):
    """The three kinds of matter of Art. 31."""

    SUGGESTION = "suggestion"
    ACCUSATION = "accusation"
    COMPLAINT = "complaint"


class AgencyLevel(StrEnum):
    """Levels of government, lowest first; escalation moves one step up."""

    TOWNSHIP = "township"
    COUNTY = "county"
    CITY = "city"
    PROVINCE = "province"
    NATIONAL = "national"


class Agency(Contract):
    """The body a case is routed to, and the routing rule that chose it."""

    code: str = Field(pattern=r"^[a-z0-9_-]{2,64}$", description="also names agency.<code>.inbox")
    name: str
    level: AgencyLevel
    region_code: str = Field(pattern=r"^\d{6}$")
    rule: str = Field(description="the routing rule that chose this agency")


class MaskedPerson(Contract):
    """A person as every downstream topic sees them: masked, never in clear."""

    name_masked: str
    phone_masked: str | None = None


class CaseFlag(StrEnum):
    """Facts intake records on a case without refusing it (a petition is never dropped)."""

    #: A group of 5 or more at a visit without elected representatives (Art. 20).
    GROUP_WITHOUT_REPRESENTATIVES = "group_without_representatives"
    #: More than the 5 representatives Art. 20 allows.
    TOO_MANY_REPRESENTATIVES = "too_many_representatives"
    #: The resident ID number failed its checks; identity falls back to phone or name.
    ID_NUMBER_INVALID = "id_number_invalid"
    #: The phone number cannot be dialled; notices go by e-mail or letter.
    PHONE_INVALID = "phone_invalid"
    #: No contact details at all: notices go by postal letter only if an address exists.
    NO_CONTACT = "no_contact"
    #: Classification found no field above its threshold: a caseworker classifies it.
    UNCLASSIFIED = "unclassified"


class ClassificationEvidence(Contract):
    """One keyword behind a classification decision."""

    rule: str
    term: str
    where: str
    weight: float


class CaseRegistered(Contract):
    """A valid petition registered as a case. Keyed by petitioner_ref (see dedup)."""

    schema_version: Literal[1] = 1
    case_id: str = Field(description="deterministic: the same submission_id gives the same id")
    submission_id: str
    channel: Channel
    received_at: AwareDatetime
    registered_at: Timestamp
    petitioner_ref: str = Field(description="keyed HMAC of the petitioner's best identity")
    co_petitioner_refs: list[str] = Field(
        default_factory=list, max_length=MAX_CO_PETITIONER_REFS
    )
    petitioner: MaskedPerson
    region_code: str = Field(pattern=r"^\d{6}$")
    title: str = Field(
        max_length=200, description="as received, personal data masked, controls removed"
    )
    content: str = Field(
        max_length=20_000, description="as received, personal data masked, controls removed"
    )
    normalised_text: str = Field(
        max_length=MAX_NORMALISED_CHARS, description="title and content normalised for matching"
    )
    kind: MatterKind = MatterKind.COMPLAINT
    field: CaseField = Field(default=UNCLASSIFIED, description="the field of the matter")
    field_score: float = Field(default=0.0, ge=0.0)
    evidence: list[ClassificationEvidence] = Field(
        default_factory=list, description="the keywords behind the field and kind"
    )
    agency: Agency | None = None
    accused: str | None = Field(default=None, max_length=200)
    group_size: int | None = None
    representative_count: int = 0
    attachment_count: int = 0
    language: Language = Language.ZH
    flags: list[CaseFlag] = Field(default_factory=list)


class Verdict(StrEnum):
    NEW = "new"
    REPEAT = "repeat"
    JOINT = "joint"
    RELATED = "related"


class DedupReason(StrEnum):
    """Why dedup decided what it did; also a metric label."""

    FIRST_OF_MATTER = "first_of_matter"
    EXACT_REPEAT = "exact_repeat"
    NEAR_REPEAT = "near_repeat"
    JOINT_MATTER = "joint_matter"
    SIMILAR_BELOW_THRESHOLD = "similar_below_threshold"


class MatterState(StrEnum):
    """Where the matter a petition joins stands (Art. 19, 36)."""

    #: Nothing earlier: a new matter.
    NEW = "new"
    #: Accepted or being handled within its time limit: not accepted again (Art. 19).
    OPEN = "open"
    #: Handled and closed; raised again it may be a new petition on the same facts.
    CLOSED = "closed"
    #: Terminated after re-review: the same facts and reasons are not accepted again (Art. 36).
    TERMINATED = "terminated"


class RelatedCase(Contract):
    """A similar case below the linking threshold: a suggestion for the caseworker."""

    case_id: str
    matter_id: str
    score: float = Field(ge=0.0, le=1.0)


class CaseDeduplicated(Contract):
    """dedup's verdict on one registered case, with the case itself. Keyed by case_id.

    The registered case travels inside the verdict, so escalation and notification see
    the case (masked) without a join on a differently keyed topic.
    """

    schema_version: Literal[1] = 1
    case_id: str
    case: CaseRegistered
    verdict: Verdict
    reason: DedupReason
    matter_id: str = Field(description="shared by every petition about one matter")
    first_case_id: str = Field(description="the first case of the matter")
    open_case_id: str | None = Field(default=None, description="the open case a repeat joins")
    repeat_count: int = Field(
        ge=0, description="earlier petitions of the same petitioner(s) on this matter"
    )
    matter_petitions: int = Field(default=1, ge=1, description="petitions on the matter so far")
    matter_petitioners: int = Field(
        default=1, ge=1, description="distinct petitioners on the matter so far"
    )
    collective: bool = Field(
        default=False, description="5 or more distinct petitioners: a collective petition"
    )
    matter_state: MatterState = MatterState.NEW
    related: list[RelatedCase] = Field(default_factory=list, max_length=20)
    score: float = Field(ge=0.0, le=1.0)
    decided_at: AwareDatetime


class UpdateKind(StrEnum):
    """What an agency reports on cases.updates (the steps of Art. 22-36)."""

    TRANSFERRED = "transferred"
    ASSIGNED = "assigned"
    ACCEPTED = "accepted"
    NOT_ACCEPTED = "not_accepted"
    EXTENDED = "extended"
    REPLIED = "replied"
    REVIEW_REQUESTED = "review_requested"
    REVIEW_DECIDED = "review_decided"
    RE_REVIEW_REQUESTED = "re_review_requested"
    #: The re-reviewing body opens a hearing (听证). Hearing time is not counted in the
    #: re-review limit (Art. 36): the clock pauses until ``hearing_ended``.
    HEARING_STARTED = "hearing_started"
    #: The hearing is over: the re-review limit runs again, later by the hearing's length.
    HEARING_ENDED = "hearing_ended"
    RE_REVIEW_DECIDED = "re_review_decided"
    TERMINATED = "terminated"
    CLOSED = "closed"
    RATED = "rated"


class Rating(StrEnum):
    SATISFIED = "satisfied"
    BASICALLY_SATISFIED = "basically_satisfied"
    DISSATISFIED = "dissatisfied"


#: The updates that hand a case to another body (Art. 22): the only ones with a recipient.
HANDOVERS: Final = frozenset({UpdateKind.TRANSFERRED, UpdateKind.ASSIGNED})
#: An agency system's update id: letters, digits and ``._:+-`` (a time with its offset may
#: be part of one), at most 128 characters. Readers skip an update_id they have handled and
#: it names notices and escalations: no control, format or blank character may make two
#: ids look alike, or one look like another.
UPDATE_ID_PATTERN: Final = r"^[A-Za-z0-9._:+-]{1,128}$"
#: The case an agency system's update is about: the key's bound (``schemas.keys.CaseKey``,
#: at most 64 characters) and the characters ids have.
CASE_ID_PATTERN: Final = r"^[A-Za-z0-9._:-]{1,64}$"
#: The reporter of an agency system's update: the characters and length of an agency code
#: (``Agency.code``); which codes are bodies is the routing table's to say (intake and the
#: gateway check it: ``services.common.agencies``).
AGENCY_CODE_PATTERN: Final = r"^[a-z0-9_-]{2,64}$"


def _exact_int(value: object) -> object:
    """Refuse what is not an int where an int is read, as pydantic's strict mode would: it
    cannot be set on a ``Literal``, and on a field it would type the model's ``__init__``
    more narrowly than the services' callers of ``CaseUpdate`` write it."""
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        kind = type(value).__name__
        raise PydanticCustomError(
            "int_type", "Input should be a valid integer, not {kind}", {"kind": kind}
        )
    return value


class CaseUpdate(Contract):
    """A status change an agency publishes on a case. Keyed by case_id.

    Version 2 added ``to_agency``, the body a transfer or assignment hands the case to
    (Art. 22); only an update that names one is version 2 (it is set for it), so every
    other update still reads as version 1 where a reader has not been upgraded. A version
    1 transfer names no recipient: the case stays with the body routing chose.
    """

    model_config = ConfigDict(
        json_schema_extra={"x-max-bytes": MAX_UPDATE_BYTES, "x-max-depth": MAX_NESTING_DEPTH}
    )

    schema_version: Literal[1, 2] = 1
    update_id: str = Field(min_length=1, max_length=128)
    case_id: str
    kind: UpdateKind
    occurred_at: AwareDatetime
    agency_code: str
    reason: str | None = Field(default=None, max_length=2000)
    extension_days: int | None = Field(default=None, ge=1, le=30)
    rating: Rating | None = None
    to_agency: Agency | None = Field(
        default=None,
        description="transferred or assigned only: the body that receives the case and owes "
        "the acceptance notice from now on (Art. 22, 23); its rule says who handed it over",
    )

    @model_validator(mode="before")
    @classmethod
    def _version_of_recipient(cls, data: object) -> object:
        # An update naming a recipient is version 2 without its producer saying so.
        if isinstance(data, dict) and data.get("to_agency") is not None:
            return {"schema_version": 2, **data}
        return data

    @model_validator(mode="after")
    def _recipient_only_on_handover(self) -> CaseUpdate:
        if self.to_agency is not None and self.kind not in HANDOVERS:
            raise ValueError(
                f"to_agency: only a transfer or an assignment has a recipient, "
                f"not {self.kind.value}"
            )
        if self.to_agency is not None and self.schema_version < 2:
            raise ValueError("to_agency: a version 2 field; schema_version 1 has none")
        return self


class SubmittedUpdate(CaseUpdate):
    """A status change as an agency system publishes it on cases.updates.submitted, keyed by
    case_id: a CaseUpdate, read strictly. Its identifiers are bounded in length and
    characters, its counts are integers (``"extension_days": true``, ``"5"`` or ``5.0`` is
    refused). Version 2 added ``to_agency``, the body a transfer or assignment hands the
    case to (Art. 22)."""

    # The input model is strict, as a channel's petition is. What intake relays from it is
    # a ``CaseUpdate``, as every reader of cases.updates reads it: that topic's history is
    # kept, and was written before these bounds (``CaseRegistered.submission_id`` reads what
    # ``PetitionSubmitted`` bounded the same way), so its readers do not refuse an id now
    # that they took then, nor a service its own state.
    schema_version: Annotated[Literal[1, 2], BeforeValidator(_exact_int)] = 1
    update_id: str = Field(min_length=1, max_length=128, pattern=UPDATE_ID_PATTERN)
    case_id: str = Field(min_length=1, max_length=64, pattern=CASE_ID_PATTERN)
    agency_code: str = Field(
        pattern=AGENCY_CODE_PATTERN, description="who reports it: an agency of the routing table"
    )
    extension_days: Annotated[int | None, BeforeValidator(_exact_int)] = Field(
        default=None, ge=1, le=30
    )

    def relayed(self, **changes: object) -> CaseUpdate:
        """The ``CaseUpdate`` it is on cases.updates, with ``changes`` (masked text): its
        values are validated already, more strictly than a ``CaseUpdate``'s."""
        changed = {name for name, value in changes.items() if value is not None}
        return CaseUpdate.model_construct(
            self.model_fields_set | changed, **{**self.__dict__, **changes}
        )


class EscalationReason(StrEnum):
    """Why a case was escalated; also a metric label."""

    LEADERSHIP_PACKAGE = "leadership_package"
    COLLECTIVE_PETITION = "collective_petition"
    RISK_TO_LIFE = "risk_to_life"
    DEADLINE_BREACH = "deadline_breach"
    DISSATISFIED_RATING = "dissatisfied_rating"
    BACKLOG = "backlog"


class CaseEscalated(Contract):
    """An escalation of a case to a supervising level. Keyed by case_id."""

    schema_version: Literal[1] = 1
    escalation_id: str = Field(description="deterministic: a rescan never escalates twice")
    case_id: str
    matter_id: str | None = None
    reason: EscalationReason
    rule: str = Field(description="the rule that fired")
    target_level: AgencyLevel
    target_agency: str | None = None
    due_at: Timestamp | None = None
    escalated_at: Timestamp
    region_code: str
    detail: str = ""

    def content_digest(self) -> str:
        """The digest a reader compares when the same escalation_id comes again, without
        ``escalated_at`` (when it was produced: a re-production after a crash differs)."""
        return self.content_sha256(without=frozenset({"escalated_at"}))


class AgencyCase(Contract):
    """What an agency receives on agency.<code>.inbox: its case, masked. Keyed by case_id."""

    schema_version: Literal[1] = 1
    case_id: str
    matter_id: str
    received_at: AwareDatetime
    region_code: str
    kind: MatterKind
    field: CaseField
    title: str
    verdict: Verdict
    repeat_count: int
    petitioner: MaskedPerson | None = None


class PetitionerContact(Contract):
    """Clear contact details: only on the restricted, compacted contact topic.

    Keyed by petitioner_ref; a tombstone (null value) erases them.
    """

    schema_version: Literal[1] = 1
    petitioner_ref: str
    name: str
    phone_e164: str | None = None
    email: str | None = None
    address: str | None = None
    language: Language = Language.ZH
    updated_at: Timestamp
