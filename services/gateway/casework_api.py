"""The petitioner's and the agencies' JSON API (issue 16).

Petitioner: authorised by the case number and the query code of the receipt (header
``X-Query-Code``), no channel key; a wrong code and an unknown case are the same 404, and
failed attempts are limited per case and per client address (429). Agency: authorised by
the agency's own key (``X-Agency-Key``), only on cases with it (routed to it, or transferred
to it: a transfer names its recipient, and the transferring agency loses the case),
escalated to it, or whose running clock it owes (a review body); another agency's case is
a 404 like an unknown one. The handling is the body's the case is with; a body it was
only escalated to supervises it and sees it (Art. 38-40), and a review body reviews.
Every write is a ``CaseUpdate`` on cases.updates, checked first against the lifecycle:
409 with the lifecycle's reason when it cannot apply.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from datetime import datetime
from typing import Final, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from schemas.cases import Agency, CaseUpdate, UpdateKind
from schemas.deadlines import DeadlineStep
from services.common.accused import names_match
from services.common.agencies import AGENCY_CLOCK_SKEW, PETITIONER
from services.common.casework.refusals import Refusal
from services.common.freetext import unrestricted_note
from services.gateway.bodies import (
    JSON,
    PayloadTooLargeError,
    duplicate_json_field,
    read_limited,
    unsupported,
)
from services.gateway.casework import Casework
from services.gateway.desk import CaseDesk, Denial, Denied, Unavailable, new_update_id
from services.gateway.models import (
    AgencyAction,
    AgencyUpdateRequest,
    Problem,
    RatingRequest,
    ReviewRequest,
    UpdateAccepted,
    UpdateRefused,
    echo,
)
from services.gateway.progress import agency_case_state, case_progress, review_kind
from services.gateway.settings import GatewaySettings
from services.gateway.status import CaseRecord

QUERY_CODE_HEADER: Final = "X-Query-Code"
AGENCY_KEY_HEADER: Final = "X-Agency-Key"
#: The most a JSON body of these endpoints holds (a reason of 2,000 characters and more).
MAX_BODY_BYTES: Final = 16_384
RETRY_AFTER_SECONDS: Final = "5"

M = TypeVar("M", bound=BaseModel)


def client_address(request: Request) -> str:
    """The caller's address as the query-code limits count it: the connection's, or
    behind a reverse proxy named in ``XINFANG_GATEWAY_TRUSTED_PROXIES`` the client's it
    names in X-Forwarded-For; an IPv6 address as its /64, the least a host is given (a
    client with a /64 has 2**64 addresses, one for each guess)."""
    host = request.client.host if request.client is not None else "unknown"
    return address_counted(host)


def address_counted(host: str) -> str:
    """``host`` as an attempt is counted against: an IPv6 address's /64 network (an IPv4
    address written as IPv6, ::ffff:a.b.c.d, as that IPv4 address), anything else as it
    is."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def problem(status: int, error: str, detail: str, retry_after: int | None = None) -> Response:
    response = JSONResponse(Problem(error=error, detail=detail).model_dump(mode="json"), status)
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


def denied(denial: Denied, case_id: str) -> Response:
    if denial.denial is Denial.LIMITED:
        return problem(
            429,
            "too_many_attempts",
            "too many wrong query codes for this case or from this address; try again later",
            denial.retry_after_seconds,
        )
    if denial.denial is Denial.LOADING:
        return problem(503, "loading", "the status view is still reading the pipeline's topics", 5)
    return problem(404, "not_found", f"no case {echo(case_id)} with this query code")


def outcome(result: CaseUpdate | Refusal | Unavailable) -> Response:
    """202 with the update, 409 with the lifecycle's reason, or 503."""
    if isinstance(result, Refusal):
        refused = UpdateRefused(reason=result.reason, detail=result.detail)
        return JSONResponse(refused.model_dump(mode="json"), 409)
    if isinstance(result, Unavailable):
        return problem(503, "broker_unavailable", result.detail, int(RETRY_AFTER_SECONDS))
    accepted = UpdateAccepted(
        update_id=result.update_id,
        case_id=result.case_id,
        kind=result.kind,
        occurred_at=result.occurred_at,
    )
    return JSONResponse(accepted.model_dump(mode="json"), 202)


async def read_body(request: Request, model: type[M]) -> M | Response:
    """The JSON body as ``model``; or a 415 for another media type or a content coding, a
    413 past the size limit, a 400 naming the field and the problem (a field given twice
    too)."""
    unreadable = unsupported(request.headers, JSON)
    if unreadable is not None:
        return problem(415, "unsupported_media_type", unreadable)
    try:
        body = await read_limited(request, MAX_BODY_BYTES)
    except PayloadTooLargeError as exc:
        return problem(413, "too_large", str(exc))
    try:
        parsed = model.model_validate_json(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        return problem(400, "invalid", f"{where}: {first['msg']}")
    twice = duplicate_json_field(body)
    if twice is not None:
        return problem(400, "invalid", f"{twice}: given twice")
    return parsed


def single_header(request: Request, name: str) -> str | None:
    """The header ``name`` when given exactly once, else None: a credential sent twice is
    no credential (which of the two a proxy and the gateway would read may differ)."""
    values = request.headers.getlist(name)
    return values[0] if len(values) == 1 else None


def rating_update(case_id: str, rating: RatingRequest) -> Callable[[datetime], CaseUpdate]:
    """The petitioner's rating of the latest opinion, as a CaseUpdate at ``now``."""
    return lambda now: CaseUpdate(
        update_id=new_update_id("PT"),
        case_id=case_id,
        kind=UpdateKind.RATED,
        occurred_at=now,
        agency_code=PETITIONER,
        rating=rating.rating,
        reason=unrestricted_note(rating.comment),
    )


def review_update(
    record: CaseRecord, request: ReviewRequest, casework: Casework
) -> Callable[[datetime], CaseUpdate]:
    """The petitioner's request for review or re-review, whichever is next (Art. 35, 36)."""

    def make(now: datetime) -> CaseUpdate:
        facts = record.facts
        kind = (
            review_kind(casework.lifecycle(facts, record.updates))
            if facts is not None
            else UpdateKind.REVIEW_REQUESTED
        )
        return CaseUpdate(
            update_id=new_update_id("PT"),
            case_id=record.case_id,
            kind=kind,
            occurred_at=now,
            agency_code=PETITIONER,
            reason=unrestricted_note(request.reason),
        )

    return make


class PetitionerApi:
    """GET progress, POST rating, POST review request."""

    def __init__(self, desk: CaseDesk) -> None:
        self.desk = desk

    def _open(self, request: Request) -> CaseRecord | Response:
        case_id = request.path_params["case_id"]
        code = (single_header(request, QUERY_CODE_HEADER) or "").strip()
        if not code:
            return problem(403, "forbidden", f"the {QUERY_CODE_HEADER} header of the receipt "
                           "is required, once")  # fmt: skip
        opened = self.desk.open_with_code(case_id, code, client_address(request))
        return denied(opened, case_id) if isinstance(opened, Denied) else opened

    async def progress(self, request: Request) -> Response:
        record = self._open(request)
        if isinstance(record, Response):
            return record
        shown = case_progress(record, self.desk.view.casework, self.desk.clock())
        return JSONResponse(shown.model_dump(mode="json"), 200)

    async def rate(self, request: Request) -> Response:
        record = self._open(request)
        if isinstance(record, Response):
            return record
        body = await read_body(request, RatingRequest)
        if isinstance(body, Response):
            return body
        return outcome(await self.desk.publish(record, rating_update(record.case_id, body)))

    async def request_review(self, request: Request) -> Response:
        record = self._open(request)
        if isinstance(record, Response):
            return record
        body = await read_body(request, ReviewRequest)
        if isinstance(body, Response):
            return body
        return outcome(
            await self.desk.publish(record, review_update(record, body, self.desk.view.casework))
        )


class AgencyApi:
    """An agency reads and updates the cases routed or escalated to it."""

    def __init__(self, desk: CaseDesk, settings: GatewaySettings) -> None:
        self.desk = desk
        self.settings = settings

    def _open(self, request: Request, authors: bool = False) -> tuple[str, CaseRecord] | Response:
        """The key's agency and the case, if the agency may act on it; with ``authors``, also
        a case it has published an update on (a retry of a transfer comes from an agency that
        no longer has the case, and is answered as the first time)."""
        agency = self.settings.agency_of_key(single_header(request, AGENCY_KEY_HEADER))
        if agency is None:
            return problem(
                403, "forbidden", f"a valid {AGENCY_KEY_HEADER} header is required, once"
            )
        case_id = request.path_params["case_id"]
        record = self.desk.view.get(case_id)
        if record is None and not self.desk.feed.caught_up:
            return problem(503, "loading", "the status view is still reading the topics", 5)
        if record is None or not (
            agency in agencies_of(record, self.desk)
            or (authors and any(u.agency_code == agency for u in record.updates))
        ):
            return self._not_found(case_id, agency)
        return agency, record

    @staticmethod
    def _not_found(case_id: str, agency: str) -> Response:
        return problem(
            404,
            "not_found",
            f"no case {echo(case_id)} with, escalated to or owed by agency {agency}",
        )

    async def case(self, request: Request) -> Response:
        opened = self._open(request)
        if isinstance(opened, Response):
            return opened
        _, record = opened
        state = agency_case_state(record, self.desk.view.casework, self.desk.clock())
        return JSONResponse(state.model_dump(mode="json"), 200)

    async def update(self, request: Request) -> Response:
        opened = self._open(request, authors=True)
        if isinstance(opened, Response):
            return opened
        agency, record = opened
        body = await read_body(request, AgencyUpdateRequest)
        if isinstance(body, Response):
            return body
        if body.agency_code is not None and body.agency_code != agency:
            return problem(
                403, "forbidden", f"this key is agency {agency}'s, not {body.agency_code}'s"
            )
        now = self.desk.clock()
        if body.occurred_at is not None and body.occurred_at > now + AGENCY_CLOCK_SKEW:
            return problem(400, "invalid", "occurred_at: in the future")
        recipient = self._recipient(agency, body, record)
        if isinstance(recipient, Response):
            return recipient
        prefixes = self.desk.view.casework.rules.time_limits.competence_objection.reason_prefixes
        known = next((u for u in record.updates if u.update_id == body.update_id), None)
        if known is not None and _same_request(known, body, agency, prefixes[0], recipient):
            return outcome(known)  # the agency's retry of an update already published
        if agency not in agencies_of(record, self.desk):
            return self._not_found(record.case_id, agency)
        other = _not_for(record, agency, body.kind, self.desk) or _decided_by_another(
            record, agency, body.kind, self.desk.view.casework
        )
        if other is not None:
            return other

        def make(at: datetime) -> CaseUpdate:
            return agency_update(
                record.case_id, agency, body, body.occurred_at or at, prefixes[0], recipient
            )

        return outcome(await self.desk.publish(record, make))

    def _recipient(
        self, agency: str, body: AgencyUpdateRequest, record: CaseRecord
    ) -> Agency | Response | None:
        """The body a transfer or assignment hands the case to, from the routing table; a
        400 for a code no body has, the transferring agency's own, or the unit an
        accusation accuses (DOMAIN.md: never disclosed to the accused)."""
        if body.to_agency is None:
            return None
        if body.to_agency == agency:
            return problem(400, "invalid", f"to_agency: the case is with {agency} already")
        directory = self.desk.view.casework.directory
        recipient = directory.agency(body.to_agency, f"{body.kind.value}_by:{agency}")
        if recipient is None:
            return problem(
                400, "invalid", f"to_agency: no body has the agency code {echo(body.to_agency)}"
            )
        if record.accused is not None and names_match(record.accused, recipient.name):
            return problem(
                400,
                "invalid",
                f"to_agency: the accusation accuses {recipient.name}; it never goes to the "
                "unit it accuses (Art. 31)",
            )
        return recipient


def agency_update(
    case_id: str,
    agency: str,
    body: AgencyUpdateRequest,
    at: datetime,
    objection_prefix: str,
    recipient: Agency | None = None,
) -> CaseUpdate:
    """The CaseUpdate an agency's request stands for. An objection to competence is a
    not_accepted update whose reason starts with the rule file's first prefix (Art. 23);
    a transfer or assignment carries its ``recipient``."""
    reason = unrestricted_note(body.reason)
    kind = (
        UpdateKind(body.kind.value)
        if body.kind is not AgencyAction.OUTSIDE_COMPETENCE
        else (UpdateKind.NOT_ACCEPTED)
    )
    if body.kind is AgencyAction.OUTSIDE_COMPETENCE:
        reason = f"{objection_prefix}: {reason}"
    return CaseUpdate(
        update_id=body.update_id or new_update_id("AG"),
        case_id=case_id,
        kind=kind,
        occurred_at=at,
        agency_code=agency,
        reason=reason,
        extension_days=body.extension_days,
        to_agency=recipient,
    )


def _same_request(
    known: CaseUpdate,
    body: AgencyUpdateRequest,
    agency: str,
    objection_prefix: str,
    recipient: Agency | None,
) -> bool:
    again = agency_update(
        known.case_id,
        agency,
        body,
        body.occurred_at or known.occurred_at,
        objection_prefix,
        recipient,
    )
    return again == known


#: The opinions (and the hearing) that only the body owing their clock gives: the review by
#: the next-higher body (Art. 35), the re-review by the one above it (Art. 36).
DECIDED_BY_OWING_BODY: Final = {
    AgencyAction.REVIEW_DECIDED: DeadlineStep.REVIEW_DECISION,
    AgencyAction.RE_REVIEW_DECIDED: DeadlineStep.RE_REVIEW_DECISION,
    AgencyAction.HEARING_STARTED: DeadlineStep.RE_REVIEW_DECISION,
    AgencyAction.HEARING_ENDED: DeadlineStep.RE_REVIEW_DECISION,
}


def _decided_by_another(
    record: CaseRecord, agency: str, action: AgencyAction, casework: Casework
) -> Response | None:
    """A 403 when ``action`` is a review or re-review step that another body owes: the
    body that handled the matter does not review its own opinion (Art. 35, 36)."""
    step = DECIDED_BY_OWING_BODY.get(action)
    if step is None or record.facts is None:
        return None
    clock = casework.lifecycle(record.facts, record.updates).latest(step)
    if clock is None:
        return None  # nothing requested: the lifecycle's 409 says so
    owing = casework.body_owing(record.facts, clock)
    if owing == agency:
        return None
    return problem(
        403,
        "forbidden",
        f"{action.value} is for {owing}, the body that owes the {step.value} ({clock.article})",
    )


#: The handling of the matter (Art. 22-34): only the body the case is with does it (routing's,
#: or a transfer's recipient), never a body it was escalated to or a review body.
HANDLED_BY_HOLDER: Final = frozenset(
    {
        AgencyAction.ACCEPTED,
        AgencyAction.NOT_ACCEPTED,
        AgencyAction.OUTSIDE_COMPETENCE,
        AgencyAction.TRANSFERRED,
        AgencyAction.ASSIGNED,
        AgencyAction.EXTENDED,
        AgencyAction.REPLIED,
        AgencyAction.CLOSED,
    }
)


def _not_for(
    record: CaseRecord, agency: str, action: AgencyAction, desk: CaseDesk
) -> Response | None:
    """A 403 naming the body that may, when ``agency`` sees the case but may not do
    ``action``: a body the case was only escalated to supervises it (督办, Art. 38-40: it
    chases the handling body, it does not take the case over), and the handling steps are
    the body's the case is with. Without it a supervising bureau accepted and replied, and
    then reviewed its own opinion (Art. 35)."""
    holder = record.held_by
    if action in HANDLED_BY_HOLDER and holder is not None and agency != holder:
        return problem(
            403,
            "forbidden",
            f"{action.value} is for {holder}, the body the case is with (Art. 22-34); "
            f"{agency} may not handle it",
        )
    if agency not in acting_agencies(record, desk):
        return problem(
            403,
            "forbidden",
            f"{agency} supervises this case (escalated to it, Art. 38-40): it may see it, "
            f"not act on it; the case is with {holder}",
        )
    return None


def agencies_of(record: CaseRecord, desk: CaseDesk) -> set[str]:
    """The agencies that may see a case: those that act on it (``acting_agencies``) and
    every one it was escalated to, which supervises it (Art. 38-40)."""
    found = acting_agencies(record, desk)
    found.update(e.target_agency for e in record.escalations if e.target_agency is not None)
    return found


def acting_agencies(record: CaseRecord, desk: CaseDesk) -> set[str]:
    """The agencies that may act on a case: the one it is with (routing's, until a transfer
    hands it to another body: then that body's, and no longer the transferring one's),
    and every body that owes one of its running clocks (the next-higher body while a
    review waits for its opinion, Art. 35). Which steps each may take: ``_not_for``,
    ``_decided_by_another``."""
    found: set[str] = set()
    if record.held_by is not None:
        found.add(record.held_by)
    if record.facts is None:
        return found
    casework = desk.view.casework
    lifecycle = casework.lifecycle(record.facts, record.updates)
    now = desk.clock()
    found.update(
        casework.body_owing(record.facts, clock)
        for clock in lifecycle.clocks
        if clock.running_at(now)
    )
    paused = lifecycle.latest(DeadlineStep.RE_REVIEW_DECISION)
    if lifecycle.hearings and lifecycle.hearings[-1].ended_at is None and paused is not None:
        # A hearing pauses the re-review clock (Art. 36); the re-reviewing body still owes
        # the opinion and ends the hearing.
        found.add(casework.body_owing(record.facts, paused))
    return found
