"""The petitioner's and the agencies' door to a case: who may open it, and how an update
is checked and published.

Both doors end the same way: a ``CaseUpdate`` checked against the status view (the
escalation service's lifecycle, ``services.gateway.casework``), published to
cases.updates with acks=all, and folded into the view at once, so the next request sees
it. One case's updates are checked and published one at a time (a lock per case): two
ratings sent at once cannot both pass the check.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from schemas.cases import CaseUpdate
from schemas.identifiers import verify_query_code
from services.common.casework.refusals import Refusal, RejectionReason
from services.gateway.attempts import Blocked, QueryAttempts
from services.gateway.kafka import BrokerUnavailableError, Publisher, StatusFeed
from services.gateway.locks import KeyedLocks
from services.gateway.status import CaseRecord, StatusView


class Denial(StrEnum):
    """Why a case was not opened; the same for a wrong code and an unknown case."""

    NOT_FOUND = "not_found"
    LIMITED = "limited"
    LOADING = "loading"


@dataclass(frozen=True)
class Denied:
    denial: Denial
    retry_after_seconds: int | None = None


@dataclass(frozen=True)
class Unavailable:
    """The broker did not acknowledge: nothing was published."""

    detail: str


class CaseDesk:
    """Opens cases by query code (rate limited) and publishes checked updates."""

    def __init__(
        self,
        view: StatusView,
        feed: StatusFeed,
        publisher: Publisher,
        attempts: QueryAttempts,
        query_key: bytes | None,
        clock: Callable[[], datetime],
        on_refusal: Callable[[str], None],
    ) -> None:
        self.view = view
        self.feed = feed
        self.publisher = publisher
        self.attempts = attempts
        self.query_key = query_key
        self.clock = clock
        self._on_refusal = on_refusal
        self._locks = KeyedLocks()

    def open_with_code(self, case_id: str, code: str, address: str) -> CaseRecord | Denied:
        """The case if ``code`` is its query code; a wrong code and an unknown case are the
        same ``NOT_FOUND`` and count against the case id and the address alike."""
        now = self.clock()
        blocked: Blocked | None = self.attempts.blocked(case_id, address, now)
        if blocked is not None:
            self._on_refusal(blocked.reason.value)
            return Denied(Denial.LIMITED, blocked.retry_after_seconds)
        record = self.view.get(case_id)
        if (
            record is not None
            and self.query_key is not None
            and code
            and verify_query_code(case_id, code, self.query_key)
        ):
            return record
        if not self.feed.caught_up:
            # The view may not have read the case yet: not a failure of the caller's, and
            # the same answer whether the case exists or not.
            return Denied(Denial.LOADING, None)
        self.attempts.failed(case_id, address, now)
        self._on_refusal("wrong_code_or_unknown_case")
        return Denied(Denial.NOT_FOUND)

    async def publish(
        self, record: CaseRecord, make: Callable[[datetime], CaseUpdate]
    ) -> CaseUpdate | Refusal | Unavailable:
        """Check the update ``make(now)`` builds against the view, publish it, fold it in.

        Built under the case's lock, so it is checked against every update published
        before it; the same update again (an agency's retry) is answered alike.
        """
        async with self._locks.of(record.case_id):
            update = make(self.clock())
            if record.facts is None:
                return Refusal(
                    RejectionReason.UNKNOWN_CASE,
                    "the case has no verdict from dedup yet; try again in a moment",
                )
            placed = self.view.casework.place(record.facts, record.updates, record.held, update)
            if isinstance(placed, Refusal):
                return placed
            if placed.already_known:
                return update
            try:
                await self.publisher.publish_update(update)
            except BrokerUnavailableError as exc:
                return Unavailable(str(exc))
            self.view.record_update(update)
            return update


def new_update_id(prefix: str) -> str:
    """An update id of the gateway's own: ``PT-`` for a petitioner's, ``AG-`` an agency's."""
    return f"{prefix}-{uuid.uuid4().hex}"
