"""The gateway's response documents, as pydantic models: the OpenAPI document is built from
them, and the handlers build their answers with them.

The Open311 models follow GeoReport v2 field for field (wiki.open311.org/GeoReport_v2);
the native ones are this project's own.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Final, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from schemas.base import AwareDatetime
from schemas.cases import AgencyLevel, Rating, UpdateKind, Verdict
from schemas.deadlines import DeadlineStep
from schemas.petitions import RejectReason
from services.common.casework.refusals import RejectionReason
from services.common.casework.status import RatingStatus
from services.common.casework.workdays import CHINA_TZ
from services.gateway.status import CaseStatus, Status


def in_china_time(moment: datetime) -> datetime:
    """``moment`` as the gateway shows it: at +08:00, as the pipeline writes its times. The
    times the gateway stamps itself (a rating, the supervision it triggers, a ``closed``
    without a time: its clock's now, in UTC) came back as ``...Z`` among the +08:00 ones."""
    return moment.astimezone(CHINA_TZ) if moment.tzinfo is not None else moment


#: A time of a case as a petitioner, a channel or an agency is shown it (``in_china_time``).
ShownTime = Annotated[datetime, AfterValidator(in_china_time)]


class _Document(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class _Request(_Document):
    """A body a client sends: strict, as the petition contract's input models are
    (``schemas.petitions.STRICT``): a JSON string is no number and a boolean no count
    (``"extension_days": true`` was read as 1, ``"5"`` and ``5.0`` as 5). Only what JSON
    has no type of its own for is read from strings: times and the enums
    (``Field(strict=False)``)."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)


#: The most characters of a client's own input an error answer quotes: a 100 KB path or
#: parameter is quoted by its start and its length, not sent back whole.
MAX_ECHO_CHARS: Final = 100
#: The longest error text an answer carries, whatever it quotes.
MAX_DETAIL_CHARS: Final = 2000


def echo(value: str) -> str:
    """``value`` as an error answer quotes it (``repr``), cut to MAX_ECHO_CHARS."""
    if len(value) <= MAX_ECHO_CHARS:
        return repr(value)
    return f"{value[:MAX_ECHO_CHARS]!r}... ({len(value)} characters)"


def bounded(text: str) -> str:
    """An error text cut to MAX_DETAIL_CHARS: the last guard, whatever it quotes."""
    if len(text) <= MAX_DETAIL_CHARS:
        return text
    return f"{text[:MAX_DETAIL_CHARS]}... ({len(text)} characters)"


#: An error text: cut to MAX_DETAIL_CHARS.
Detail = Annotated[str, AfterValidator(bounded)]


# --- Open311 GeoReport v2 --------------------------------------------------------------------


class Open311Service(_Document):
    """One entry of GET services: a field of the petition taxonomy."""

    service_code: str
    service_name: str
    description: str
    metadata: bool = Field(description="true: GET services/{service_code} lists attributes")
    type: Literal["realtime", "batch", "blackbox"]
    keywords: str = Field(description="comma-separated")
    group: str


class Open311AttributeValue(_Document):
    key: str
    name: str


class Open311Attribute(_Document):
    variable: bool
    code: str
    datatype: Literal["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"]
    required: bool
    datatype_description: str | None
    order: int
    description: str
    values: list[Open311AttributeValue] = Field(default_factory=list)


class Open311ServiceDefinition(_Document):
    service_code: str
    attributes: list[Open311Attribute]


class Open311Created(_Document):
    """The answer to POST requests: the request id (the case id) once the broker has it."""

    service_request_id: str
    token: str = Field(description="also answered by GET tokens/{token}")
    service_notice: str
    account_id: str | None


class Open311Token(_Document):
    service_request_id: str | None
    token: str


class Open311Request(_Document):
    """One service request. Petitions are not public reports: no text, no personal data."""

    service_request_id: str
    status: Literal["open", "closed"]
    status_notes: str | None
    service_name: str | None
    service_code: str | None
    description: str | None
    agency_responsible: str | None
    service_notice: str | None
    requested_datetime: datetime | None
    updated_datetime: datetime | None
    expected_datetime: datetime | None
    address: str | None
    address_id: str | None
    zipcode: str | None
    lat: float | None
    long: float | None
    media_url: str | None


class Open311Error(_Document):
    code: int = Field(description="the HTTP status")
    description: Detail


# --- the native JSON API ---------------------------------------------------------------------


class SubmissionAccepted(_Document):
    """202: the broker has the petition (acks=all); the case id is final."""

    case_id: str
    submission_id: str
    status: Status
    status_url: str


class SubmissionRejected(_Document):
    """400: the petition is not valid; the reason codes are intake's."""

    reason: RejectReason
    detail: Detail = Field(description="which field, and why")
    submission_id: str | None


class StatusStep(_Document):
    status: CaseStatus
    at: ShownTime
    detail: str | None


class CaseView(_Document):
    """A case's current status from the pipeline's topics, and the steps seen so far."""

    case_id: str
    submission_id: str | None
    status: CaseStatus
    open311_status: Literal["open", "closed"]
    status_at: ShownTime
    detail: str | None
    received_at: ShownTime | None
    channel: str | None
    field: str | None
    agency_code: str | None = Field(
        description="the agency the case is with now: routing's, or the last transfer's recipient"
    )
    agency_name: str | None
    verdict: Verdict | None
    open_case_id: str | None = Field(description="the open case a repeat or joint case joins")
    history: list[StatusStep]


class Problem(_Document):
    """Any other error of the native API (403, 404, 413, 503)."""

    error: str
    detail: Detail


class Health(_Document):
    status: Literal["ok", "loading", "unavailable"] = Field(
        description=(
            "unavailable: the broker is not reached; loading: petitions.submitted is still "
            "being read (native submissions get 503 loading); ok: both"
        )
    )
    broker: bool = Field(description="the producer reaches the broker")
    status_view_cases: int
    status_view_caught_up: bool = Field(description="every topic of the view read to its end")
    submissions_caught_up: bool = Field(description="petitions.submitted read to its end")


# --- the petitioner's API ----------------------------------------------------------------------

#: The longest comment a petitioner may add to a rating or a review request.
MAX_COMMENT_CHARS: Final = 500


class ProgressStepKind(StrEnum):
    """A step of a case as the petitioner sees it (Art. 22-36)."""

    RECEIVED = "received"
    REGISTERED = "registered"
    JOINED = "joined"
    #: A repeat of a matter terminated after its re-review: not accepted again (Art. 36).
    NOT_ACCEPTED_AGAIN = "not_accepted_again"
    TRANSFERRED = "transferred"
    ASSIGNED = "assigned"
    ACCEPTED = "accepted"
    NOT_ACCEPTED = "not_accepted"
    RETURNED_FOR_TRANSFER = "returned_for_transfer"
    EXTENDED = "extended"
    REPLIED = "replied"
    RATED = "rated"
    REVIEW_REQUESTED = "review_requested"
    REVIEW_DECIDED = "review_decided"
    RE_REVIEW_REQUESTED = "re_review_requested"
    HEARING_STARTED = "hearing_started"
    HEARING_ENDED = "hearing_ended"
    RE_REVIEW_DECIDED = "re_review_decided"
    TERMINATED = "terminated"
    CLOSED = "closed"
    SUPERVISED = "supervised"


class ProgressStep(_Document):
    step: ProgressStepKind
    at: ShownTime
    detail: str | None = Field(
        description="why (a refusal, an extension), the opinion's text, the rating, the body "
        "a transfer went to, or the level a supervision went to"
    )
    extension_days: int | None = Field(
        default=None, description="extended: the days added to the handling limit (Art. 34)"
    )


class Body(_Document):
    """A public body: its code, its name when the routing table gives it, its level."""

    code: str
    name: str | None
    level: AgencyLevel


class Deadline(_Document):
    step: DeadlineStep
    due_at: ShownTime
    article: str
    owed_by: Body


class ReviewRoute(_Document):
    """Where and until when the petitioner may ask for a review (Art. 35) or re-review (36)."""

    request: Literal["review", "re_review"]
    to: Body
    due_at: ShownTime
    article: str


class RatingState(_Document):
    status: RatingStatus
    due_at: ShownTime | None = Field(
        description="the end of the rating window while it is open"
    )


class CaseProgress(_Document):
    """A case as its petitioner may see it: nothing about other petitioners, no text of the
    petition, nothing that names the petitioner or the accused."""

    case_id: str
    received_at: ShownTime | None
    status: str = Field(description="submitted, rejected, or the lifecycle's status")
    steps: list[ProgressStep]
    responsible: Body | None = Field(description="the body the case waits on now")
    next_deadline: Deadline | None
    reply: str | None = Field(description="the latest written opinion's text")
    review: ReviewRoute | None = Field(description="open while a review may be requested")
    rating: RatingState
    can_rate: bool


class RatingRequest(_Request):
    rating: Rating = Field(strict=False)
    comment: str | None = Field(default=None, max_length=MAX_COMMENT_CHARS)


class ReviewRequest(_Request):
    reason: str | None = Field(
        default=None, max_length=MAX_COMMENT_CHARS, description="why the opinion is not accepted"
    )


class UpdateAccepted(_Document):
    """202: the update is on cases.updates (acks=all); escalation and notification act on it."""

    update_id: str
    case_id: str
    kind: UpdateKind
    occurred_at: ShownTime


class UpdateRefused(_Document):
    """409: the lifecycle does not allow the update now; nothing was published."""

    reason: RejectionReason
    detail: str


# --- the agency API ------------------------------------------------------------------------


class AgencyAction(StrEnum):
    """What an agency reports through the gateway. ``outside_competence`` is a not_accepted
    update whose reason objects to competence (Art. 23): the matter goes back to the
    petition bureau."""

    TRANSFERRED = "transferred"
    ASSIGNED = "assigned"
    ACCEPTED = "accepted"
    NOT_ACCEPTED = "not_accepted"
    OUTSIDE_COMPETENCE = "outside_competence"
    EXTENDED = "extended"
    REPLIED = "replied"
    REVIEW_DECIDED = "review_decided"
    HEARING_STARTED = "hearing_started"
    HEARING_ENDED = "hearing_ended"
    RE_REVIEW_DECIDED = "re_review_decided"
    TERMINATED = "terminated"
    CLOSED = "closed"


#: Actions whose reason the petitioner must be told (Art. 23, 34) or which carry the opinion.
REASON_REQUIRED: Final = frozenset(
    {
        AgencyAction.NOT_ACCEPTED,
        AgencyAction.OUTSIDE_COMPETENCE,
        AgencyAction.EXTENDED,
        AgencyAction.REPLIED,
        AgencyAction.REVIEW_DECIDED,
        AgencyAction.RE_REVIEW_DECIDED,
    }
)


class AgencyUpdateRequest(_Request):
    kind: AgencyAction = Field(strict=False)
    agency_code: str | None = Field(
        default=None,
        description="optional: the agency the caller means to act as; another key's is a 403",
    )
    reason: str | None = Field(
        default=None,
        max_length=2000,
        description=(
            "required for not_accepted, outside_competence and extended (told to the "
            "petitioner), and the opinion's text for replied, review_decided, "
            "re_review_decided"
        ),
    )
    extension_days: int | None = Field(
        default=None, ge=1, le=30, description="extended only: at most 30 days (Art. 34)"
    )
    occurred_at: AwareDatetime | None = Field(
        default=None,
        strict=False,
        description="when it happened, with a zone; default now; not in the future",
    )
    update_id: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9._:-]{1,100}$",
        description="the agency's own id: the same request sent again is answered alike",
    )
    to_agency: str | None = Field(
        default=None,
        pattern=r"^[a-z0-9_-]{2,64}$",
        description=(
            "transferred and assigned only, and required there: the agency code of the body "
            "that receives the case (Art. 22), a body of the routing table; from then on its "
            "key acts on the case and the transferring agency's no longer does"
        ),
    )

    @model_validator(mode="after")
    def _complete(self) -> AgencyUpdateRequest:
        handover = self.kind in (AgencyAction.TRANSFERRED, AgencyAction.ASSIGNED)
        if handover and self.to_agency is None:
            raise ValueError(f"to_agency: {self.kind.value} names the body that receives the case")
        if not handover and self.to_agency is not None:
            raise ValueError("to_agency: given with transferred or assigned, and only with them")
        if self.kind in REASON_REQUIRED and not (self.reason or "").strip():
            opinion = self.kind in (
                AgencyAction.REPLIED,
                AgencyAction.REVIEW_DECIDED,
                AgencyAction.RE_REVIEW_DECIDED,
            )
            what = "the opinion's text" if opinion else "the reason the petitioner is told"
            raise ValueError(f"reason: {self.kind.value} needs {what}")
        if (self.extension_days is None) == (self.kind is AgencyAction.EXTENDED):
            raise ValueError("extension_days: given with extended, and only with it")
        return self


class AgencyCaseState(_Document):
    """A case as an agency sees it through the gateway: where it stands, what is owed."""

    case_id: str
    status: str
    routed_to: str | None
    held_by: str | None = Field(
        description="the body the case is with now: routing's, or the last transfer's recipient"
    )
    next_deadline: Deadline | None
    updates: list[ProgressStep]
