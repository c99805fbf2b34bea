"""Choosing dead letters and putting them back where they came from, after a fix."""

from __future__ import annotations

import base64
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from pydantic import ValidationError

from schemas.petitions import DeadLetter, RejectReason, Stage
from services.common.readback import Record


@dataclass(frozen=True)
class DeadLetterFilter:
    """Which dead letters to replay; an empty criterion matches everything."""

    reasons: frozenset[RejectReason] = frozenset()
    stages: frozenset[Stage] = frozenset()
    submission_ids: frozenset[str] = frozenset()
    since: datetime | None = None

    def matches(self, letter: DeadLetter) -> bool:
        return (
            (not self.reasons or letter.reason in self.reasons)
            and (not self.stages or letter.stage in self.stages)
            and (not self.submission_ids or letter.submission_id in self.submission_ids)
            and (self.since is None or letter.rejected_at >= self.since)
        )


@dataclass(frozen=True)
class Replay:
    """One dead letter to put back: the original bytes and the topic they came from."""

    letter: DeadLetter
    topic: str
    key: bytes | None
    value: bytes

    @property
    def whole(self) -> bool:
        """False for a letter whose original was cut to fit the topic: it cannot be replayed."""
        return not self.letter.original_truncated


def choose(records: Iterable[Record], chosen: DeadLetterFilter) -> tuple[list[Replay], int]:
    """The replays the filter selects, and how many records were unreadable."""
    replays: list[Replay] = []
    unreadable = 0
    for record in records:
        try:
            letter = DeadLetter.model_validate_json(record.value or b"")
        except ValidationError:
            unreadable += 1
            continue
        if not chosen.matches(letter):
            continue
        key = base64.b64decode(letter.original_key_b64) if letter.original_key_b64 else None
        value = base64.b64decode(letter.original_value_b64)
        replays.append(Replay(letter, letter.source_topic, key, value))
    return replays, unreadable
