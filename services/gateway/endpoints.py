"""The gateway's request handlers: HTTP in, a petition or a status view out.

Every write answers only after the broker has acknowledged (see :class:`Publisher`); a
broker that does not answer is a 503 that says the petition was not accepted.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Final, cast

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from schemas.petitions import MAX_PETITION_BYTES, RejectReason
from services.common.dlq import Rejected
from services.common.submitted import check_received_at, parse
from services.gateway import open311
from services.gateway.bodies import (
    FORM,
    PayloadTooLargeError,
    read_limited,
    unsupported,
)
from services.gateway.casework_api import (
    AgencyApi,
    PetitionerApi,
    client_address,
    denied,
    single_header,
)
from services.gateway.desk import CaseDesk, Denied
from services.gateway.geocode import Geocoder
from services.gateway.kafka import (
    BrokerUnavailableError,
    PetitionTooLargeError,
    Publisher,
    StatusFeed,
)
from services.gateway.locks import KeyedLocks
from services.gateway.models import (
    CaseView,
    Health,
    Open311Created,
    Open311Token,
    Problem,
    StatusStep,
    SubmissionAccepted,
    SubmissionRejected,
    echo,
)
from services.gateway.open311 import Format, Open311Problem
from services.gateway.settings import GatewaySettings
from services.gateway.status import (
    OPEN311_PREFIX,
    CaseRecord,
    Status,
    StatusView,
    Step,
    open311_submission_id,
)
from services.gateway.web import QueryPage

log = logging.getLogger(__name__)

API_KEY_HEADER: Final = "X-API-Key"
RETRY_AFTER_SECONDS: Final = "5"
_CONTENT_TYPES: Final = {
    "json": "application/json; charset=utf-8",
    "xml": "text/xml; charset=utf-8",
}


def channel_key_id(api_key: str) -> str:
    """The id of a channel's key that travels with its petitions (never the key itself).

    A channel's key sees the cases of the petitions it submitted (``GET /v1/cases``); the
    id goes on the petition's Kafka record as a header, so the status view finds it again
    after a restart, for as long as petitions.submitted keeps the record.
    """
    return hashlib.sha256(f"xinfang-channel:{api_key}".encode()).hexdigest()[:24]


class Gateway:
    """The handlers, with what they share: settings, clients, the status view, a clock."""

    def __init__(
        self,
        settings: GatewaySettings,
        *,
        view: StatusView,
        publisher: Publisher,
        feed: StatusFeed,
        geocoder: Geocoder,
        registry: CollectorRegistry,
        openapi: Callable[[], dict[str, object]],
        desk: CaseDesk,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        new_id: Callable[[], str] = lambda: uuid.uuid4().hex,
    ) -> None:
        self.settings = settings
        self.view = view
        self.publisher = publisher
        self.feed = feed
        self.geocoder = geocoder
        self.registry = registry
        self._openapi = openapi
        self.clock = clock
        self.new_id = new_id
        self.desk = desk
        self._submitting = KeyedLocks()
        self.petitioner = PetitionerApi(desk)
        self.agency = AgencyApi(desk, settings)
        self.page = QueryPage(desk)

    # --- the native JSON API ---------------------------------------------------------------

    async def submit_petition(self, request: Request) -> Response:
        api_key = single_header(request, API_KEY_HEADER)
        if api_key is None or not self.settings.key_allowed(api_key):
            return _problem(
                403, "forbidden", f"a valid {API_KEY_HEADER} header is required, once"
            )
        unreadable = unsupported(request.headers, "application/json")
        if unreadable is not None:
            return _problem(415, "unsupported_media_type", unreadable)
        try:
            limit = min(self.settings.max_body_bytes, MAX_PETITION_BYTES)
            body = await read_limited(request, limit)
        except PayloadTooLargeError as exc:
            return _rejected(413, RejectReason.TOO_LARGE, str(exc), None)
        try:
            petition = parse(body)
            check_received_at(petition, self.clock())
        except Rejected as rejection:
            status = 413 if rejection.reason is RejectReason.TOO_LARGE else 400
            return _rejected(status, rejection.reason, rejection.detail, rejection.submission_id)
        if petition.submission_id.startswith(OPEN311_PREFIX):
            return _rejected(
                400,
                RejectReason.SCHEMA_VIOLATION,
                f"submission_id: the prefix {OPEN311_PREFIX!r} is the Open311 API's own",
                petition.submission_id,
            )
        channel = channel_key_id(api_key)
        if not self.feed.submissions_caught_up:
            # An earlier version under this submission id may be in what the view has not
            # read yet of petitions.submitted: a conflict cannot be told from a first
            # submission (the other topics tell no conflict, and are not waited for).
            return _problem(503, "loading", _LOADING_SUBMISSIONS, retry=True)
        # Checked and published under the submission id's lock: two versions sent together
        # would both pass the check before either is published.
        async with self._submitting.of(petition.submission_id):
            earlier = self.view.conflicts(petition)
            if earlier is not None:
                # The case id only to the channel that submitted it: to another, a
                # submission id (often predictable) must not open the way to a case id.
                case = f" (case {earlier.case_id})" if earlier.channel_key_id == channel else ""
                return _rejected(
                    409,
                    RejectReason.CONFLICTING_RESUBMISSION,
                    f"submission_id {petition.submission_id} was submitted before with other "
                    f"content{case}; send a new petition under a new id",
                    petition.submission_id,
                )
            try:
                await self.publisher.submit(petition, channel)
            except PetitionTooLargeError as exc:
                return _rejected(413, RejectReason.TOO_LARGE, str(exc), petition.submission_id)
            except BrokerUnavailableError as exc:
                return _problem(503, "broker_unavailable", str(exc), retry=True)
            record = self.view.record_submission(petition, channel)
        accepted = SubmissionAccepted(
            case_id=record.case_id,
            submission_id=petition.submission_id,
            status=Status.SUBMITTED,
            status_url=f"/v1/cases/{record.case_id}",
        )
        log.info(
            "petition accepted", extra={"case_id": record.case_id, "channel": petition.channel}
        )
        response = _json(accepted.model_dump(mode="json"), 202)
        response.headers["Location"] = accepted.status_url
        return response

    async def get_case(self, request: Request) -> Response:
        api_key = single_header(request, API_KEY_HEADER)
        codes = request.query_params.getlist("query_code")
        if len(codes) > 1:
            # Which of them counts would be a guess (and two codes one attempt).
            return _problem(
                400, "invalid", f"query_code: given {len(codes)} times; give it once"
            )
        code = codes[0] if codes else None
        if not code and not self.settings.key_allowed(api_key):
            return _problem(
                403,
                "forbidden",
                f"a channel's {API_KEY_HEADER} header, or the query_code of the petitioner's "
                "receipt, is required",
            )
        case_id = request.path_params["case_id"]
        record = self.view.get(case_id)
        if (
            record is not None
            and api_key is not None
            and self.settings.key_allowed(api_key)
            and record.channel_key_id == channel_key_id(api_key)
        ):
            return _json(case_view(record).model_dump(mode="json"), 200)
        if code:
            # The petitioner's way in: counted and limited like every query-code attempt.
            opened = self.desk.open_with_code(case_id, code, client_address(request))
            if isinstance(opened, Denied):
                return denied(opened, case_id)
            shown = petitioners_record(opened, self.view)
            return _json(case_view(shown).model_dump(mode="json"), 200)
        # The same answers for a case that does not exist and one the caller may not
        # see: a status lookup must not tell whether a case id exists.
        if not self.feed.caught_up:
            return _problem(503, "loading", _LOADING, retry=True)
        return _problem(404, "not_found", f"no case {echo(case_id)} that this key or code opens")

    # --- Open311 GeoReport v2 --------------------------------------------------------------

    async def open311_services(self, request: Request) -> Response:
        fmt = _format(request)
        listed = list(open311.services())
        return _open311(open311.render(listed, fmt, root="services", item="service"), fmt)

    async def open311_service_definition(self, request: Request) -> Response:
        fmt = _format(request)
        definition = open311.service_definition(request.path_params["service_code"])
        return _open311(open311.render(definition, fmt, root="service_definition"), fmt)

    async def open311_create(self, request: Request) -> Response:
        fmt = _format(request)
        # A key in the query string is checked before a byte of the body is read; one in
        # the form only after the body, read up to the size limit and no further.
        in_query = request.query_params.getlist("api_key")
        if in_query and not self.settings.key_allowed(in_query[-1]):
            raise Open311Problem(403, ["api_key: missing or not valid; ask for a key"])
        # A content coding, another media type or a charset other than UTF-8 is refused
        # before the body is read, as at the other doors (the spec requires UTF-8).
        unreadable = unsupported(request.headers, FORM)
        if unreadable is not None:
            raise Open311Problem(400, [unreadable])
        try:
            body = await read_limited(request, self.settings.max_body_bytes)
        except PayloadTooLargeError as exc:
            raise Open311Problem(413, [str(exc)]) from None
        form = _form(request, body)
        open311.check_given_once(form)
        keys = set(form.get("api_key") or [""])
        api_key = keys.pop() if len(keys) == 1 else ""  # two different keys: neither
        if not self.settings.key_allowed(api_key):
            raise Open311Problem(403, ["api_key: missing, not valid or given twice; ask for a key"])
        code = (form.get("service_code") or [""])[-1].strip()
        petition, located = open311.petition_from_form(
            form,
            submission_id=open311_submission_id(code, self.new_id()),
            received_at=self.clock(),
            geocoder=self.geocoder,
        )
        try:
            await self.publisher.submit(petition, channel_key_id(api_key))
        except PetitionTooLargeError as exc:
            raise Open311Problem(413, [str(exc)]) from None
        except BrokerUnavailableError as exc:
            raise Open311Problem(503, [str(exc)]) from None
        case_id = self.view.record_submission(petition, channel_key_id(api_key)).case_id
        log.info(
            "open311 request accepted",
            extra={"case_id": case_id, "service_code": code, "region_source": located.source},
        )
        created = Open311Created(
            service_request_id=case_id,
            token=petition.submission_id,
            service_notice=open311.RECEIVED_NOTICE,
            account_id=None,
        )
        return _open311(_requests([created], fmt), fmt)

    def _open311_reader(self, request: Request) -> str:
        """The channel whose ``api_key`` (query string) reads, or 403: a case's status only
        with a key, as under /v1/cases; the spec leaves GET's api_key to the endpoint."""
        keys = set(request.query_params.getlist("api_key"))
        api_key = keys.pop() if len(keys) == 1 else None  # two different keys: neither
        if api_key is None or not self.settings.key_allowed(api_key):
            raise Open311Problem(403, ["api_key: missing or not valid; a channel reads the "
                                       "requests its own key submitted"])  # fmt: skip
        given: dict[str, list[str]] = {}
        for name, value in open311.form_pairs(_query_string(request), "query string"):
            given.setdefault(name, []).append(value)
        open311.check_given_once(given)
        return channel_key_id(api_key)

    async def open311_requests(self, request: Request) -> Response:
        fmt = _format(request)
        channel = self._open311_reader(request)
        codes = {service.service_code for service in open311.services()}
        open311_records = [
            r for r in self.view.records()
            if r.open311_service_code in codes and r.channel_key_id == channel
        ]  # fmt: skip
        chosen = open311.select_requests(open311_records, request.query_params, self.clock())
        documents = [open311.request_document(record) for record in chosen]
        return _open311(_requests(documents, fmt), fmt)

    async def open311_request(self, request: Request) -> Response:
        fmt = _format(request)
        channel = self._open311_reader(request)
        wanted = request.path_params["service_request_id"]
        record = self._known(self._own(self.view.get(wanted), channel), "service_request_id",
                             wanted)  # fmt: skip
        document = open311.request_document(record)
        return _open311(_requests([document], fmt), fmt)

    async def open311_token(self, request: Request) -> Response:
        fmt = _format(request)
        channel = self._open311_reader(request)
        token = request.path_params["token"]
        record = self._known(self._own(self.view.by_submission(token), channel), "token", token)
        found = Open311Token(service_request_id=record.case_id, token=token)
        return _open311(_requests([found], fmt), fmt)

    @staticmethod
    def _own(record: CaseRecord | None, channel: str) -> CaseRecord | None:
        """The record if the channel submitted it: another's is as unknown as none."""
        return record if record is not None and record.channel_key_id == channel else None

    def _known(self, record: CaseRecord | None, name: str, value: str) -> CaseRecord:
        if record is not None:
            return record
        if not self.feed.caught_up:
            raise Open311Problem(503, [_LOADING])
        raise Open311Problem(404, [f"{name}: {echo(value)} is not known"])

    # --- operations ------------------------------------------------------------------------

    async def health(self, request: Request) -> Response:
        """Liveness: 200 while the producer reaches the broker, loading or not (a long
        replay of the topics must not get the process restarted)."""
        health = await self._health()
        return _json(health.model_dump(mode="json"), 200 if health.broker else 503)

    async def ready(self, request: Request) -> Response:
        """Readiness: 200 only when native submissions are taken ("ok"), else 503."""
        health = await self._health()
        return _json(health.model_dump(mode="json"), 200 if health.status == "ok" else 503)

    async def _health(self) -> Health:
        broker = await self.publisher.reachable()
        submissions = self.feed.submissions_caught_up
        return Health(
            status="unavailable" if not broker else "ok" if submissions else "loading",
            broker=broker,
            status_view_cases=len(self.view),
            status_view_caught_up=self.feed.caught_up,
            submissions_caught_up=submissions,
        )

    async def metrics(self, request: Request) -> Response:
        return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)

    async def openapi(self, request: Request) -> Response:
        return _json(self._openapi(), 200)


_LOADING: Final = "the status view is still reading the pipeline's topics; retry shortly"
_LOADING_SUBMISSIONS: Final = (
    "the gateway is still reading the submissions so far (to tell a conflicting "
    "resubmission); the petition was not accepted: retry shortly"
)


def case_view(record: CaseRecord) -> CaseView:
    return CaseView(
        case_id=record.case_id,
        submission_id=record.submission_id or None,
        status=record.status,
        open311_status="closed" if record.closed else "open",
        status_at=record.status_at,
        detail=record.detail,
        received_at=record.received_at,
        channel=record.channel,
        field=record.field,
        agency_code=record.held_by,
        agency_name=record.name_of(record.held_by) if record.held_by else None,
        verdict=record.verdict,
        open_case_id=record.open_case_id,
        history=[StatusStep(status=s.status, at=s.at, detail=s.detail) for s in record.history],
    )


def petitioners_record(record: CaseRecord, view: StatusView) -> CaseRecord:
    """``record`` as a query code shows it (the petitioner's view, README: Petitioners):
    without the escalations that are not about the handling (risk words, collective
    petitions: ``SHOWN_ESCALATIONS``, the filter of ``/progress`` too), in its history and
    its status, which is the latest step left; and without another petitioner's case (a
    joint or repeat case joins an open case, not whose: its number only when the open
    case is the same petitioner's, as far as the view knows)."""
    shown = record.shown or Step(record.status, record.status_at, record.detail)
    return dataclasses.replace(
        record,
        status=shown.status,
        status_at=shown.at,
        detail=shown.detail,
        history=[s for s in record.history if s.shown_to_petitioner],
        open_case_id=record.open_case_id if _own_case(record, record.open_case_id, view) else None,
    )


def _own_case(record: CaseRecord, other_id: str | None, view: StatusView) -> bool:
    """Whether ``other_id`` is a case of the same petitioner as ``record``'s, by the view."""
    other = view.get(other_id) if other_id is not None else None
    return (
        other is not None
        and record.petitioner_ref is not None
        and other.petitioner_ref == record.petitioner_ref
    )


def open311_format(request: Request) -> Format | None:
    """The format of an Open311 path (``.json`` or ``.xml``), None if it is neither."""
    fmt = request.path_params.get("format")
    return cast(Format, fmt) if fmt in open311.FORMATS else None


def _format(request: Request) -> Format:
    fmt = open311_format(request)
    if fmt is None:
        given = request.path_params.get("format")
        raise Open311Problem(404, [f"format: {echo(str(given))}: use json or xml"])
    return fmt


def _form(request: Request, body: bytes) -> dict[str, list[str]]:
    """The fields of the query string and the form body (its headers already checked), or
    Open311Problem(400) for bytes or percent-escapes that are not UTF-8 in either."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Open311Problem(400, ["body: not UTF-8 (the spec requires UTF-8)"]) from None
    form: dict[str, list[str]] = {}
    for source, where in ((_query_string(request), "query string"), (text, "body")):
        for name, value in open311.form_pairs(source, where):
            form.setdefault(name, []).append(value)
    return form


def _query_string(request: Request) -> str:
    """The request's query string as sent (Starlette's ``query_params`` has already put
    U+FFFD for what was not UTF-8), or Open311Problem(400) for raw bytes not UTF-8."""
    raw: bytes = request.scope.get("query_string", b"")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Open311Problem(400, ["query string: not UTF-8 (the spec requires UTF-8)"]) from None


def _requests(documents: Sequence[BaseModel], fmt: Format) -> bytes:
    return open311.render(list(documents), fmt, root="service_requests", item="request")


def _open311(body: bytes, fmt: Format, status: int = 200) -> Response:
    return Response(body, status_code=status, media_type=_CONTENT_TYPES[fmt])


def open311_error(problem: Open311Problem, fmt: Format) -> Response:
    """The spec's error list for a failed Open311 call (503 with Retry-After)."""
    body = open311.errors(problem.status, problem.descriptions, fmt)
    response = _open311(body, fmt, problem.status)
    if problem.status == 503:
        response.headers["Retry-After"] = RETRY_AFTER_SECONDS
    return response


def _json(document: object, status: int) -> Response:
    return JSONResponse(document, status_code=status)


def _rejected(
    status: int, reason: RejectReason, detail: str, submission_id: str | None
) -> Response:
    rejected = SubmissionRejected(reason=reason, detail=detail, submission_id=submission_id)
    return _json(rejected.model_dump(mode="json"), status)


def _problem(status: int, error: str, detail: str, *, retry: bool = False) -> Response:
    response = _json(Problem(error=error, detail=detail).model_dump(mode="json"), status)
    if retry:
        response.headers["Retry-After"] = RETRY_AFTER_SECONDS
    return response
