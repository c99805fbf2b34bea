"""petitions.submitted (what channels publish) and petitions.rejected (the dead letters)."""

from __future__ import annotations

from enum import StrEnum
from typing import Final, Literal

from pydantic import ConfigDict, Field, model_validator

from schemas.base import AwareDatetime, Contract, EmailAddress, Timestamp

# The contract's bounds. Each field has its own below; these two bound the whole message.
# They are chosen so that the largest valid petition gives outputs that fit every topic's
# max.message.bytes (schemas/registry.py): its CaseRegistered and CaseDeduplicated carry the
# masked text, the normalised text and one reference per co-petitioner, and its dead letter
# carries the original bytes in base64 (4/3 of them). tests/unit/test_largest_petition.py
# builds the largest petition these bounds allow and runs it through every service's
# handlers, measuring every output against its topic's limit.
#: The most bytes a petitions.submitted value may have (UTF-8 JSON as sent).
MAX_PETITION_BYTES: Final = 262_144
#: The deepest nesting of objects and arrays a petition may have. The contract itself needs
#: 3 (the petition, its co_petitioners list, a person); the rest is room for later versions.
MAX_NESTING_DEPTH: Final = 8
#: A channel's submission id: letters, digits and ``._:-``, at most 128 characters.
SUBMISSION_ID_PATTERN: Final = r"^[A-Za-z0-9._:-]{1,128}$"
#: Art. 20 allows 5 representatives; more are registered with a flag, up to this many.
MAX_REPRESENTATIVES_LISTED: Final = 100


class Channel(StrEnum):
    """Where a petition came in (Art. 17, plus the mailbox and hotline of local practice)."""

    ONLINE = "online"
    MAILBOX = "mailbox"
    EMAIL = "email"
    LETTER = "letter"
    PHONE = "phone"
    HOTLINE = "hotline"
    VISIT = "visit"
    FAX = "fax"


class Language(StrEnum):
    ZH = "zh"
    EN = "en"


#: The input models (what channels send) are strict: a JSON string is no number and a
#: boolean no count (pydantic would read ``"group_size": "5"`` or ``true`` as a number, and a
#: channel sending them has a bug that would otherwise go unseen). Only what JSON has no
#: type of its own for is read from strings: times (ISO 8601) and the enums.
STRICT: Final = ConfigDict(strict=True)


class Person(Contract):
    """A petitioner or co-petitioner as the channel recorded them, in clear.

    Only intake and the restricted contact topic ever hold these fields in clear.
    """

    model_config = STRICT

    name: str = Field(min_length=1, max_length=100)
    phone: str | None = Field(default=None, max_length=40)
    id_number: str | None = Field(default=None, max_length=40)
    address: str | None = Field(default=None, max_length=300)
    email: EmailAddress | None = None


class Attachment(Contract):
    model_config = STRICT

    filename: str = Field(min_length=1, max_length=255)
    media_type: str = Field(default="application/octet-stream", max_length=100)
    url: str | None = Field(default=None, max_length=2000)
    size_bytes: int | None = Field(default=None, ge=0)


class HotlineCall(Contract):
    """What a 12345-style hotline records about the call that carried the petition."""

    model_config = STRICT

    call_id: str = Field(min_length=1, max_length=64)
    duration_seconds: int = Field(ge=0, le=86_400)
    operator_id: str = Field(min_length=1, max_length=64)


class PetitionSubmitted(Contract):
    """A petition as an intake channel publishes it, before any validation of meaning.

    The minimal form is submission_id, channel, received_at, petitioner, region_code,
    title and content; everything else is optional.
    """

    model_config = ConfigDict(
        strict=True,
        json_schema_extra={"x-max-bytes": MAX_PETITION_BYTES, "x-max-depth": MAX_NESTING_DEPTH},
    )

    schema_version: Literal[1] = 1
    submission_id: str = Field(min_length=1, max_length=128, pattern=SUBMISSION_ID_PATTERN)
    channel: Channel = Field(strict=False)
    received_at: AwareDatetime = Field(strict=False)
    petitioner: Person
    region_code: str = Field(pattern=r"^\d{6}$", description="county-level GB/T 2260 code")
    title: str = Field(min_length=1, max_length=200)
    content: str = Field(min_length=1, max_length=20_000)
    co_petitioners: list[Person] = Field(default_factory=list, max_length=500)
    group_size: int | None = Field(
        default=None, ge=1, le=100_000, description="people present at a visit (Art. 20)"
    )
    representatives: list[Person] = Field(
        default_factory=list,
        max_length=MAX_REPRESENTATIVES_LISTED,
        description=(
            "elected representatives of a group visit (Art. 20: at most 5; more are "
            "registered with a flag)"
        ),
    )
    accused: str | None = Field(
        default=None, max_length=200, description="the unit or person accused, if any"
    )
    attachments: list[Attachment] = Field(default_factory=list, max_length=50)
    language: Language = Field(default=Language.ZH, strict=False)
    hotline_call: HotlineCall | None = None
    address_of_matter: str | None = Field(default=None, max_length=300)

    @model_validator(mode="after")
    def _hotline_has_call(self) -> PetitionSubmitted:
        if self.channel is Channel.HOTLINE and self.hotline_call is None:
            raise ValueError(
                "a hotline petition carries hotline_call (call_id, duration, operator)"
            )
        return self


class RejectReason(StrEnum):
    """Why a message went to a dead-letter topic. Closed: it is also a metric label."""

    INVALID_JSON = "invalid_json"
    INVALID_ENCODING = "invalid_encoding"
    SCHEMA_VIOLATION = "schema_violation"
    MISSING_FIELD = "missing_field"
    WRONG_TYPE = "wrong_type"
    UNKNOWN_CHANNEL = "unknown_channel"
    UNKNOWN_REGION = "unknown_region"
    MISSING_CHANNEL_FIELD = "missing_channel_field"
    RECEIVED_IN_FUTURE = "received_in_future"
    #: received_at before any channel could have received it (EARLIEST_RECEIVED_AT).
    RECEIVED_TOO_EARLY = "received_too_early"
    #: A JSON object names a field twice: which of the two counts is up to each parser.
    DUPLICATE_FIELD = "duplicate_field"
    UNSUPPORTED_SCHEMA_VERSION = "unsupported_schema_version"
    INVALID_TRANSITION = "invalid_transition"
    PROCESSING_ERROR = "processing_error"
    #: The message is larger than the contract allows (MAX_PETITION_BYTES for a petition).
    TOO_LARGE = "too_large"
    #: Objects and arrays nested deeper than the contract allows (MAX_NESTING_DEPTH).
    TOO_DEEP = "too_deep"
    #: A submission_id already registered with other content: the second version is kept
    #: here, the first stays registered; neither is lost, neither replaces the other.
    CONFLICTING_RESUBMISSION = "conflicting_resubmission"
    #: An event id a service has already processed, with other content (a second verdict
    #: for a case, an update_id or escalation_id used again): the first stays in force,
    #: this one is kept here. The same content again is a redelivery, skipped.
    CONFLICTING_DUPLICATE = "conflicting_duplicate"
    #: The input was processed, but its outputs exceed a topic's max.message.bytes.
    OUTPUT_TOO_LARGE = "output_too_large"
    #: An agency system's update names, as its reporter or as the body a transfer hands the
    #: case to, a code no body of the routing table has (the petitioner's included: a
    #: petitioner's update comes only through the gateway's petitioner API).
    UNKNOWN_AGENCY = "unknown_agency"
    #: An agency system's update occurred after now by more than clocks may differ.
    OCCURRED_IN_FUTURE = "occurred_in_future"


class Stage(StrEnum):
    """The service that dead-lettered a message."""

    INTAKE = "intake"
    DEDUP = "dedup"
    ESCALATION = "escalation"
    NOTIFICATION = "notification"
    LEDGER = "ledger"


class DeadLetter(Contract):
    """A message a service could not process, kept so it can be replayed after a fix.

    The original bytes are kept whole when the dead letter fits the topic's
    max.message.bytes with them; a larger original (which no valid message is) is cut to
    the bytes that fit, and ``original_size_bytes`` and ``original_sha256`` tell what it was.
    Version 2 added the size, the hash and ``original_truncated``; a version 1 letter has
    none of them and always holds its original whole.
    """

    schema_version: Literal[1, 2] = 2
    stage: Stage
    reason: RejectReason
    detail: str = Field(max_length=4000, description="what was wrong, for a person to read")
    source_topic: str
    source_partition: int = Field(ge=0)
    source_offset: int = Field(ge=0)
    original_key_b64: str | None = Field(default=None, description="the original key bytes")
    original_value_b64: str = Field(
        description="the original value bytes, base64; only the first bytes if truncated"
    )
    original_size_bytes: int | None = Field(
        default=None, ge=0, description="the size of the whole original value (version 2)"
    )
    original_sha256: str | None = Field(
        default=None,
        pattern=r"^[0-9a-f]{64}$",
        description="SHA-256 of the whole original value, hex (version 2)",
    )
    original_truncated: bool = Field(
        default=False,
        description="the original value was cut to fit the topic; it cannot be replayed",
    )
    submission_id: str | None = Field(default=None, max_length=128)
    rejected_at: Timestamp
