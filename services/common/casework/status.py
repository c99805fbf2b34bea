"""Where a case stands: its status in the lifecycle, and the petitioner's rating."""

from __future__ import annotations

from enum import StrEnum


class CaseStatus(StrEnum):
    """Where a case stands in its lifecycle."""

    REGISTERED = "registered"
    TRANSFERRED = "transferred"
    ACCEPTED = "accepted"
    NOT_ACCEPTED = "not_accepted"
    EXTENDED = "extended"
    REPLIED = "replied"
    REVIEW_REQUESTED = "review_requested"
    REVIEW_DECIDED = "review_decided"
    RE_REVIEW_REQUESTED = "re_review_requested"
    RE_REVIEW_DECIDED = "re_review_decided"
    TERMINATED = "terminated"
    CLOSED = "closed"


class RatingStatus(StrEnum):
    """The petitioner's rating of the latest opinion, as of a given time."""

    NO_OPINION_YET = "no_opinion_yet"
    AWAITING = "awaiting"
    SATISFIED = "satisfied"
    BASICALLY_SATISFIED = "basically_satisfied"
    DISSATISFIED = "dissatisfied"
    OVERDUE_NOT_RATED = "overdue_not_rated"
