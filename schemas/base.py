"""Base classes shared by every event model of the contract."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, ClassVar

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict
from pydantic_core import PydanticCustomError


def _require_timezone(value: datetime) -> datetime:
    # Deadlines are computed from event time (ARCHITECTURE.md, "Time"); a naive time
    # would silently be read in the server's zone, so it is refused at the border.
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("a time zone is required, e.g. 2026-11-20T10:00:00+08:00")
    return value


def _refuse_numbers(value: Any) -> Any:
    # pydantic reads a number as Unix seconds; a channel sending 20261120 means a date,
    # and would silently get 1970. Event times are ISO 8601 strings with a zone.
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise PydanticCustomError(
            "datetime_type", "expected an ISO 8601 date-time string with a time zone, not a number"
        )
    return value


AwareDatetime = Annotated[
    datetime, BeforeValidator(_refuse_numbers), AfterValidator(_require_timezone)
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
        """The wire form: UTF-8 JSON, fields in declaration order, None left out."""
        return self.model_dump_json(exclude_none=True).encode()

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
