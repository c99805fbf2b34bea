"""Every route of the gateway, declared once: the app is wired and the OpenAPI document
generated from this list."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from pydantic import BaseModel

from schemas.petitions import PetitionSubmitted
from services.gateway.models import (
    AgencyCaseState,
    AgencyUpdateRequest,
    CaseProgress,
    CaseView,
    Health,
    Open311Created,
    Open311Error,
    Open311Request,
    Open311Service,
    Open311ServiceDefinition,
    Open311Token,
    Problem,
    RatingRequest,
    ReviewRequest,
    SubmissionAccepted,
    SubmissionRejected,
    UpdateAccepted,
    UpdateRefused,
)


@dataclass(frozen=True)
class Answer:
    """One documented response: its status, meaning, model and whether it is a list."""

    status: int
    description: str
    model: type[BaseModel] | None = None
    many: bool = False
    #: An HTML page (the petitioner's web page) rather than a JSON document.
    html: bool = False


@dataclass(frozen=True)
class Operation:
    """One route: method, path template, the Gateway method that serves it, its documents."""

    method: str
    path: str
    handler: str
    summary: str
    answers: tuple[Answer, ...]
    tag: str
    query: tuple[tuple[str, str], ...] = ()
    json_body: type[BaseModel] | None = None
    form_body: dict[str, str] = field(default_factory=dict)
    open311: bool = False
    #: Takes an optional X-API-Key header (one with a json_body requires it).
    optional_api_key: bool = False
    #: Required headers other than X-API-Key, with their meaning (no X-API-Key then).
    headers: tuple[tuple[str, str], ...] = ()
    form_required: tuple[str, ...] = ("api_key", "service_code", "description")
    #: Query parameters that must be given (the others are optional).
    query_required: tuple[str, ...] = ()


def _open311_errors(*statuses: int) -> tuple[Answer, ...]:
    meanings = {
        400: "the request is not valid: every problem listed",
        403: "api_key missing or not valid",
        404: "no such service, request, token or format",
        413: "the body is too large",
        503: "the broker did not acknowledge (nothing accepted), or the status view is loading",
    }
    return tuple(Answer(s, meanings[s], Open311Error, many=True) for s in statuses)


_OPEN311: Final = "/open311/v2"
#: Open311 reads: a channel sees the requests its own key submitted, as under /v1/cases.
_READ_KEY: Final = ("api_key", "the channel's key (required): its own requests only")
_FORM_FIELDS: Final = {
    "api_key": "the channel's key (required)",
    "service_code": "a service_code of GET services (required)",
    "lat": (
        "WGS84 latitude; with long (alone enough where the operator configured county "
        "boundaries), or address_string or address_id"
    ),
    "long": "WGS84 longitude",
    "address_string": "the place of the matter; names the county unless region_code is given",
    "address_id": "a place id of the configured place table",
    "email": "the petitioner's e-mail",
    "device_id": "accepted, not stored",
    "account_id": "accepted, not stored",
    "first_name": "the petitioner's given name (first_name or last_name required)",
    "last_name": "the petitioner's family name",
    "phone": "the petitioner's phone",
    "description": "the facts and the request (required)",
    "media_url": "a picture or document of the matter",
    "attribute[region_code]": "see GET services/{service_code}",
    "attribute[title]": "see GET services/{service_code}",
    "attribute[accused]": "see GET services/{service_code}",
    "attribute[language]": "zh or en",
}

_TOO_MANY: Final = Answer(
    429,
    "too many wrong query codes for this case or from this address (Retry-After); the "
    "right code too is refused until then",
    Problem,
)
_QUERY_CODE: Final = (("X-Query-Code", "the query code of the petitioner's receipt"),)
_AGENCY_KEY: Final = (("X-Agency-Key", "the agency's own key"),)
_PETITIONER_OPENS: Final = (
    Answer(403, "no X-Query-Code header, or more than one", Problem),
    Answer(404, "no case with this query code (a wrong code and an unknown case alike)", Problem),
    _TOO_MANY,
)
_AGENCY_OPENS: Final = (
    Answer(403, "X-Agency-Key missing, given twice or not an agency's, or not the agency_code "
           "given; or a review or re-review step that another body owes (Art. 35, 36)",
           Problem),
    Answer(404, "no case with this agency (routed or transferred to it), escalated to it or "
           "owing it a clock", Problem),
)
_WRITE_ANSWERS: Final = (
    Answer(202, "on cases.updates (acks=all): escalation and notification act on it",
           UpdateAccepted),
    Answer(400, "the body is not valid: the field and why (a transfer's to_agency: a body of "
           "the routing table, not the transferring agency)", Problem),
    Answer(409, "the lifecycle does not allow it now: its reason (the escalation service's); "
           "nothing was published", UpdateRefused),
    Answer(413, "the body is too large", Problem),
    Answer(415, "not a JSON body: another Content-Type, a charset other than UTF-8, or a "
           "Content-Encoding", Problem),
    Answer(503, "the status view is loading, or the broker did not acknowledge: nothing "
           "was published", Problem),
)
_PAGE_FIELDS: Final = {
    "lang": "zh or en (default: the browser's Accept-Language)",
    "case_id": "the case number of the receipt",
    "query_code": "the query code of the receipt",
}


def _page_answers(*statuses: int) -> tuple[Answer, ...]:
    meanings = {
        200: "the page: the case's progress, with the outcome when something was sent",
        400: "the form is not complete or not valid (not URL-encoded UTF-8, or a field "
             "given twice): the page says what",
        404: "the case number or query code is not right",
        409: "the lifecycle does not allow it now: the page says why",
        413: "the form is too large",
        429: "too many wrong query codes (Retry-After)",
        503: "the status view is loading, or nothing could be sent",
    }
    return tuple(Answer(status, meanings[status], html=True) for status in statuses)


OPERATIONS: Final[tuple[Operation, ...]] = (
    Operation(
        "POST", "/v1/petitions", "submit_petition",
        "Submit a petition (the petitions.submitted contract); 202 once the broker has it",
        (
            Answer(202, "acknowledged by the broker (acks=all); the case id is final",
                   SubmissionAccepted),
            Answer(400, "not valid (too_deep: nested too deeply): intake's reason code, the "
                   "field and why", SubmissionRejected),
            Answer(403, "X-API-Key missing, not valid, or given twice", Problem),
            Answer(409, "conflicting_resubmission: the submission_id was submitted before with "
                   "other content; nothing was accepted", SubmissionRejected),
            Answer(413, "too_large: larger than the contract's 262,144 bytes, or than the "
                   "topic takes; sending it again cannot help", SubmissionRejected),
            Answer(415, "not a JSON body: another Content-Type, a charset other than UTF-8, "
                   "or a Content-Encoding; nothing was accepted", Problem),
            Answer(503, "the broker did not acknowledge: the petition was NOT accepted", Problem),
        ),
        "native", json_body=PetitionSubmitted,
    ),
    Operation(
        "GET", "/v1/cases/{case_id}", "get_case",
        "A case's current status from the pipeline, with the steps seen so far: for the "
        "channel whose X-API-Key submitted it, or with the query_code of the receipt",
        (
            Answer(200, "the case", CaseView),
            Answer(400, "query_code given more than once", Problem),
            Answer(403, "neither X-API-Key nor query_code given", Problem),
            Answer(404, "no case that this key or query code opens", Problem),
            _TOO_MANY,
            Answer(503, "the status view is still reading the topics", Problem),
        ),
        "native",
        query=(("query_code", "the query code of the petitioner's receipt, e.g. 7KQ4-M2ZX"),),
        optional_api_key=True,
    ),
    Operation(
        "GET", "/v1/cases/{case_id}/progress", "petitioner.progress",
        "The petitioner's view of their case: steps with dates and reasons, the body it waits "
        "on, the next legal deadline, the opinion's text, rating and review windows",
        (Answer(200, "the progress", CaseProgress), *_PETITIONER_OPENS,
         Answer(503, "the status view is still reading the topics", Problem)),
        "petitioner", headers=_QUERY_CODE,
    ),
    Operation(
        "POST", "/v1/cases/{case_id}/rating", "petitioner.rate",
        "The petitioner rates the latest opinion within its window (a rated update)",
        (*_PETITIONER_OPENS, *_WRITE_ANSWERS),
        "petitioner", json_body=RatingRequest, headers=_QUERY_CODE,
    ),
    Operation(
        "POST", "/v1/cases/{case_id}/review-request", "petitioner.request_review",
        "The petitioner requests a review (after the reply, Art. 35) or a re-review (after "
        "the review opinion, Art. 36) within its window",
        (*_PETITIONER_OPENS, *_WRITE_ANSWERS),
        "petitioner", json_body=ReviewRequest, headers=_QUERY_CODE,
    ),
    Operation(
        "GET", "/v1/agency/cases/{case_id}", "agency.case",
        "A case routed or escalated to the agency: its status, next deadline and updates",
        (Answer(200, "the case", AgencyCaseState), *_AGENCY_OPENS,
         Answer(503, "the status view is still reading the topics", Problem)),
        "agency", headers=_AGENCY_KEY,
    ),
    Operation(
        "POST", "/v1/agency/cases/{case_id}/updates", "agency.update",
        "The agency accepts, refuses with a reason, objects to competence, extends with a "
        "reason, replies with the opinion's text, transfers, ...: checked against the case's "
        "lifecycle, then published to cases.updates",
        (*_AGENCY_OPENS, *_WRITE_ANSWERS),
        "agency", json_body=AgencyUpdateRequest, headers=_AGENCY_KEY,
    ),
    Operation(
        "GET", "/query", "page.form",
        "The petitioner's web page: the form for case number and query code (zh, en)",
        _page_answers(200), "petitioner-web", query=(("lang", "zh or en"),),
    ),
    Operation(
        "POST", "/query", "page.look_up", "The petitioner's web page: a case's progress",
        _page_answers(200, 400, 404, 413, 429, 503), "petitioner-web",
        form_body=_PAGE_FIELDS, form_required=("case_id", "query_code"),
    ),
    Operation(
        "POST", "/query/rating", "page.rate", "The petitioner's web page: rate the opinion",
        _page_answers(200, 400, 404, 409, 413, 429, 503), "petitioner-web",
        form_body={**_PAGE_FIELDS,
                   "rating": "satisfied, basically_satisfied or dissatisfied",
                   "comment": "optional, at most 500 characters"},
        form_required=("case_id", "query_code", "rating"),
    ),
    Operation(
        "POST", "/query/review", "page.request_review",
        "The petitioner's web page: request a review or re-review",
        _page_answers(200, 400, 404, 409, 413, 429, 503), "petitioner-web",
        form_body={**_PAGE_FIELDS, "reason": "optional, at most 500 characters"},
        form_required=("case_id", "query_code"),
    ),
    Operation(
        "GET", _OPEN311 + "/services.{format}", "open311_services",
        "GET Service List: the fields of the petition taxonomy",
        (Answer(200, "the services", Open311Service, many=True), *_open311_errors(404)),
        "open311", open311=True,
    ),
    Operation(
        "GET", _OPEN311 + "/services/{service_code}.{format}", "open311_service_definition",
        "GET Service Definition: the attributes of a service",
        (Answer(200, "the definition", Open311ServiceDefinition), *_open311_errors(404)),
        "open311", open311=True,
    ),
    Operation(
        "POST", _OPEN311 + "/requests.{format}", "open311_create",
        "POST Service Request: a petition; answered once the broker has it",
        (
            Answer(200, "the request id (the case id) and its token", Open311Created, many=True),
            *_open311_errors(400, 403, 404, 413, 503),
        ),
        "open311", form_body=_FORM_FIELDS, open311=True,
    ),
    Operation(
        "GET", _OPEN311 + "/requests.{format}", "open311_requests",
        "GET Service Requests: Open311 requests by id, service, dates and status",
        (
            Answer(200, "newest first, at most 1000, of this key's requests", Open311Request,
                   many=True),
            *_open311_errors(400, 403, 404),
        ),
        "open311",
        query=(
            _READ_KEY,
            ("service_request_id", "comma-separated ids; overrides the other filters"),
            ("service_code", "comma-separated service codes"),
            ("start_date", "ISO 8601 with a zone; default end_date minus 90 days"),
            ("end_date", "ISO 8601 with a zone; default now"),
            ("status", "open, closed or both, comma-separated"),
        ),
        open311=True, query_required=("api_key",),
    ),
    Operation(
        "GET", _OPEN311 + "/requests/{service_request_id}.{format}", "open311_request",
        "GET Service Request: one request's current status, to the key that submitted it",
        (Answer(200, "the request", Open311Request, many=True),
         *_open311_errors(400, 403, 404, 503)),
        "open311", query=(_READ_KEY,), open311=True, query_required=("api_key",),
    ),
    Operation(
        "GET", _OPEN311 + "/tokens/{token}.{format}", "open311_token",
        "GET request_id from a token, to the key that submitted it",
        (Answer(200, "the request id", Open311Token, many=True),
         *_open311_errors(400, 403, 404, 503)),
        "open311", query=(_READ_KEY,), open311=True, query_required=("api_key",),
    ),
    Operation(
        "GET", "/health", "health",
        "Liveness: 200 while the producer reaches the broker (loading or not), else 503",
        (Answer(200, "alive", Health), Answer(503, "the broker is unavailable", Health)),
        "operations",
    ),
    Operation(
        "GET", "/ready", "ready",
        "Readiness: 200 when native submissions are taken, else 503 (loading or no broker)",
        (Answer(200, "ready", Health),
         Answer(503, "the broker is unavailable, or petitions.submitted is being read", Health)),
        "operations",
    ),
    Operation(
        "GET", "/metrics", "metrics", "Prometheus metrics (text exposition format)",
        (Answer(200, "the metrics"),), "operations",
    ),
    Operation(
        "GET", "/openapi.json", "openapi", "This document",
        (Answer(200, "the OpenAPI 3.1 document"),), "operations",
    ),
)  # fmt: skip
