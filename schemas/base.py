"""Base classes shared by every event model of the contract."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Annotated, Any, ClassVar, Final

import email_validator
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    ValidationInfo,
    WithJsonSchema,
)
from pydantic.networks import validate_email
from pydantic_core import PydanticCustomError

#: China time, in which the contract's bounds of time are written (the legal clocks run in it).
_CHINA: Final = timezone(timedelta(hours=8))
#: The earliest time the contract takes: 1 January 1900, China time. Not a rule of the
#: petition system (intake refuses a petition received before 2000, received_too_early,
#: and the gateway and intake a time in the future): the range in which every time can be
#: written in UTC and in any zone, and have years of deadlines and windows added to it or
#: taken from it, inside Python's datetime (years 1 to 9999). A time outside it (year 1
#: east of UTC, year 9999 west of it: both valid ISO 8601) would raise OverflowError in
#: the first reader that converts it, on every delivery of the record.
EARLIEST_TIME: Final = datetime(1900, 1, 1, tzinfo=_CHINA)
#: The first time after the contract's range: 1 January 2200, China time.
END_OF_TIME: Final = datetime(2200, 1, 1, tzinfo=_CHINA)
#: Validation context under which a time outside the range is read as it is: for a
#: service reading back what it stored itself before the range was enforced (its own
#: state must never become unreadable); never for a record read from a topic.
_STORED_KEY: Final = "xinfang_stored"
STORED: Final[dict[str, bool]] = {_STORED_KEY: True}


def _out_of_range(value: datetime) -> PydanticCustomError:
    return PydanticCustomError(
        "datetime_out_of_range",
        "{time} is outside the times the contract takes, from {earliest} to before {end}",
        {
            "time": value.isoformat(),
            "earliest": EARLIEST_TIME.isoformat(),
            "end": END_OF_TIME.isoformat(),
        },
    )


#: Years whose every time is within the range, in any zone (an offset is under a day):
#: checked first, as ``value.year`` costs a tenth of a comparison of two aware times.
_SURELY_IN_RANGE: Final = range(EARLIEST_TIME.year + 1, END_OF_TIME.year - 1)


def _in_range(value: datetime, info: ValidationInfo) -> datetime:
    """``value`` if it is within [EARLIEST_TIME, END_OF_TIME); a naive one is taken as
    UTC for the comparison (the fields that take one are written by the services)."""
    if value.year in _SURELY_IN_RANGE:
        return value
    # An aware time is compared as an instant: no conversion, which is what overflows.
    moment = value if value.utcoffset() is not None else value.replace(tzinfo=UTC)
    if EARLIEST_TIME <= moment < END_OF_TIME:
        return value
    if info.context is not None and info.context.get(_STORED_KEY):
        return value
    raise _out_of_range(value)


def _require_timezone(value: datetime, info: ValidationInfo) -> datetime:
    # Deadlines are computed from event time (ARCHITECTURE.md, "Time"); a naive time
    # would silently be read in the server's zone, so it is refused at the border.
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("a time zone is required, e.g. 2026-11-20T10:00:00+08:00")
    return _in_range(value, info)


def _refuse_numbers(value: Any) -> Any:
    # pydantic reads a number as Unix seconds; a channel sending 20261120 means a date,
    # and would silently get 1970. Event times are ISO 8601 strings with a zone.
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise PydanticCustomError(
            "datetime_type", "expected an ISO 8601 date-time string with a time zone, not a number"
        )
    return value


#: A time with its zone, within the contract's range (EARLIEST_TIME to END_OF_TIME): what
#: every event time of the contract is.
AwareDatetime = Annotated[
    datetime, BeforeValidator(_refuse_numbers), AfterValidator(_require_timezone)
]
#: A time the services write from their own clocks (``registered_at``, ``rejected_at``...),
#: its zone not required, within the same range: a record that claims year 9999 there is
#: refused by its readers as the event times are.
Timestamp = Annotated[datetime, AfterValidator(_in_range)]


#: An address of the plainest shape: ASCII letters, digits and ``_+-`` in dot-separated
#: words before the @; lower-case letters and digits in labels joined by single dashes after
#: it, the last label letters only. email-validator (pydantic's ``EmailStr``) takes every
#: such address as it is written (its length bounded by ``_PLAIN_EMAIL_LENGTH``, its domain
#: no special-use name, its local part no mailbox name it lower-cases), through some 30 us
#: of Unicode and IDNA checks: that one is checked here, anything else by email-validator.
_PLAIN_EMAIL: Final = re.compile(
    r"[A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*@(?:[a-z0-9]+(?:-[a-z0-9]+)*\.)+[a-z]+"
)
#: No label, local part nor whole address of this length or less is too long for it.
_PLAIN_EMAIL_LENGTH: Final = 63
#: The special-use domains (localhost, test, ...) email-validator refuses, and a domain
#: under them.
_SPECIAL_USE_DOMAINS: Final = frozenset(email_validator.SPECIAL_USE_DOMAIN_NAMES)
#: The mailbox names email-validator writes in lower case (Postmaster → postmaster).
_CASE_INSENSITIVE_MAILBOXES: Final = frozenset(
    email_validator.rfc_constants.CASE_INSENSITIVE_MAILBOX_NAMES
)


def _email_address(value: str) -> str:
    """``value`` as pydantic's ``EmailStr`` reads it (the same normalised address, the same
    error), an address of the plainest shape without email-validator's checks."""
    if len(value) <= _PLAIN_EMAIL_LENGTH and _PLAIN_EMAIL.fullmatch(value):
        local, _, domain = value.partition("@")
        labels = domain.split(".")
        if local.lower() not in _CASE_INSENSITIVE_MAILBOXES and _SPECIAL_USE_DOMAINS.isdisjoint(
            ".".join(labels[i:]) for i in range(len(labels))
        ):
            return value
    return validate_email(value)[1]


#: An e-mail address, checked and normalised as pydantic's ``EmailStr`` does (its JSON
#: schema too), faster for the plain addresses most petitions give.
EmailAddress = Annotated[
    str,
    AfterValidator(_email_address),
    WithJsonSchema({"format": "email", "type": "string"}),
]


class Contract(BaseModel):
    """A frozen event model: unknown fields are an error, never silently dropped.

    Every value model carries ``schema_version``; a change that breaks old readers gets a
    new version and an upcaster, and old events are never rewritten.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=False)

    #: The highest schema_version this model reads.
    SCHEMA_VERSION: ClassVar[int] = 1

    def to_json_bytes(self) -> bytes:
        """The wire form: UTF-8 JSON, fields in declaration order, None left out.

        ``model_dump_json(exclude_none=True).encode()`` without its round trip through
        ``str``: pydantic's serializer writes these bytes, which ``model_dump_json`` decodes
        and ``encode`` would encode again (2 us of a registered case's 9).
        """
        return self.__pydantic_serializer__.to_json(self, exclude_none=True)

    @classmethod
    def from_json_bytes(cls, raw: bytes | str) -> Any:
        """Parse and validate the wire form; raises pydantic.ValidationError."""
        return cls.model_validate_json(raw)

    def content_sha256(self, *, without: frozenset[str] = frozenset()) -> str:
        """SHA-256 of the event's content, leaving out the fields named in ``without`` (set
        when it was produced, so a re-production differs there): an event id seen again
        with another digest is a conflicting duplicate, with the same one a redelivery."""
        canonical = self.model_dump_json(exclude=set(without), exclude_none=True)
        return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class Example:
    """One example message: key and value as JSON objects (value None is a tombstone)."""

    key: dict[str, Any]
    value: dict[str, Any] | None
    summary: str
