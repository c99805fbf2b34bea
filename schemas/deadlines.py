"""Deadline warnings of the escalation service: a clock has used most of its time.

A warning is the early notice before a breach: the responsible body still has time to
act. Breaches themselves are escalations (``schemas.cases.CaseEscalated`` with reason
``deadline_breach``). Keyed by case_id (``schemas.keys.CaseKey``).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import Field

from schemas.base import AwareDatetime, Contract, Example
from schemas.cases import AgencyLevel


class DeadlineStep(StrEnum):
    """A time limit of the Regulations on Letters and Calls Work that a clock measures."""

    #: The petition bureau transfers or assigns the matter within 15 days of receipt (Art. 22).
    TRANSFER = "transfer"
    #: The competent body tells the petitioner whether it accepts within 15 days (Art. 23).
    ACCEPTANCE = "acceptance"
    #: The body objects that the matter is outside its competence within 5 working days
    #: (Art. 23). A window, not an obligation: it bounds objections, it never escalates.
    COMPETENCE_OBJECTION = "competence_objection"
    #: Handling finished with a written opinion within 60 days of acceptance, extendable
    #: once by at most 30 days (Art. 34).
    HANDLING = "handling"
    #: The petitioner may request a review within 30 days of the reply (Art. 35). A window.
    REVIEW_REQUEST = "review_request"
    #: The review opinion within 30 days of the request (Art. 35).
    REVIEW_DECISION = "review_decision"
    #: The petitioner may request a re-review within 30 days of the review (Art. 36). A window.
    RE_REVIEW_REQUEST = "re_review_request"
    #: The re-review opinion within 30 days of the request (Art. 36).
    RE_REVIEW_DECISION = "re_review_decision"
    #: The petitioner may rate an opinion within the rating window (Art. 21, local
    #: practice); after it the opinion is "overdue, not rated". A window.
    RATING = "rating"


class DeadlineWarning(Contract):
    """A running clock has used ``share_used`` of its time. Keyed by case_id.

    ``warning_id`` is deterministic (case, step and due time), so a rescan after a crash,
    or a replay, never warns twice about one deadline; an extension (Art. 34) moves the
    due time and so earns a new warning.
    """

    schema_version: Literal[1] = 1
    warning_id: str = Field(description="deterministic: WRN-<case>-<step>-<due, UTC>")
    case_id: str
    matter_id: str | None = None
    step: DeadlineStep
    article: str = Field(description="where the limit comes from, e.g. 'Art. 34'")
    started_at: AwareDatetime = Field(description="event time the clock started")
    due_at: AwareDatetime
    share_used: float = Field(gt=0.0, lt=1.0, description="the configured warning share")
    warned_at: AwareDatetime = Field(description="event time the share was reached")
    region_code: str = Field(pattern=r"^\d{6}$")
    responsible_level: AgencyLevel = Field(description="the level that must act in time")
    responsible_agency: str | None = Field(default=None, description="agency code, if known")


EXAMPLES: tuple[Example, ...] = (
    Example(
        key={"case_id": "XF-7K2M9Q4T8W1Z"},
        value={
            "warning_id": "WRN-XF-7K2M9Q4T8W1Z-handling-20270125T160000Z",
            "case_id": "XF-7K2M9Q4T8W1Z",
            "matter_id": "MT-XF-2B8D6F0H3J5L",
            "step": "handling",
            "article": "Art. 34",
            "started_at": "2026-11-25T16:00:00+08:00",
            "due_at": "2027-01-26T00:00:00+08:00",
            "share_used": 0.8,
            "warned_at": "2027-01-13T17:36:00+08:00",
            "region_code": "610302",
            "responsible_level": "county",
            "responsible_agency": "610302-housing",
        },
        summary=(
            "80% of the 60-day handling limit used (Art. 34); its last day, Sunday "
            "24 January, rolls over to Monday 25 January"
        ),
    ),
)
