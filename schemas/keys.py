"""Message keys. The key decides the partition, and so which worker sees an event."""

from __future__ import annotations

from pydantic import Field

from schemas.base import Contract


class SubmissionKey(Contract):
    """Key of petitions.submitted: a channel's own id, so a retry lands on one partition."""

    submission_id: str = Field(min_length=1, max_length=128)


class PetitionerKey(Contract):
    """Key by the petitioner's keyed hash: all petitions of one person meet in one partition."""

    petitioner_ref: str = Field(min_length=8, max_length=128)


class CaseKey(Contract):
    """Key by case id: every event about one case stays in order on one partition."""

    case_id: str = Field(min_length=1, max_length=64)


class NotificationKey(Contract):
    """Key of the notification topics: the deterministic notification id."""

    notification_id: str = Field(min_length=1, max_length=128)
