"""Why the lifecycle refuses an update: a named reason, closed, and the refusal carrying it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class RejectionReason(StrEnum):
    """Why an update was refused. Closed: it is also a metric label and the DLQ detail."""

    UNKNOWN_CASE = "unknown_case"
    LINKED_TO_OPEN_CASE = "linked_to_open_case"
    UPDATE_ID_REUSED = "update_id_reused"
    BEFORE_RECEIPT = "before_receipt"
    TOO_LATE = "too_late"
    CONFLICTS_WITH_LATER_UPDATE = "conflicts_with_later_update"
    NOT_ALLOWED_IN_STATUS = "not_allowed_in_status"
    CASE_CLOSED = "case_closed"
    OBJECTION_WINDOW_CLOSED = "objection_window_closed"
    EXTENSION_WITHOUT_REASON = "extension_without_reason"
    EXTENSION_WITHOUT_DAYS = "extension_without_days"
    EXTENSION_TOO_LONG = "extension_too_long"
    EXTENSION_ALREADY_USED = "extension_already_used"
    EXTENSION_AFTER_DEADLINE = "extension_after_deadline"
    REVIEW_WINDOW_CLOSED = "review_window_closed"
    RE_REVIEW_WINDOW_CLOSED = "re_review_window_closed"
    MATTER_TERMINATED = "matter_terminated"
    TERMINATION_BEFORE_RE_REVIEW = "termination_before_re_review"
    CLOSE_WHILE_DISSATISFIED = "close_while_dissatisfied"
    RATING_MISSING = "rating_missing"
    NOTHING_TO_RATE = "nothing_to_rate"
    ALREADY_RATED = "already_rated"
    RATING_WINDOW_CLOSED = "rating_window_closed"
    HEARING_NOT_STARTED = "hearing_not_started"
    HEARING_IN_PROGRESS = "hearing_in_progress"
    HEARING_AFTER_DEADLINE = "hearing_after_deadline"


#: Refusals that an earlier update, still on its way, may cure: such an update is held
#: for the reorder tolerance rather than refused at once. A hearing's end may overtake its
#: start, a second hearing the end of the first, and a hearing that earlier hearings make
#: fall within the re-review limit may overtake them.
AWAITS_PREDECESSOR: frozenset[RejectionReason] = frozenset(
    {
        RejectionReason.NOT_ALLOWED_IN_STATUS,
        RejectionReason.NOTHING_TO_RATE,
        RejectionReason.TERMINATION_BEFORE_RE_REVIEW,
        RejectionReason.HEARING_NOT_STARTED,
        RejectionReason.HEARING_IN_PROGRESS,
        RejectionReason.HEARING_AFTER_DEADLINE,
    }
)


@dataclass(frozen=True)
class Refusal:
    """An update the lifecycle does not allow, and why."""

    reason: RejectionReason
    detail: str
