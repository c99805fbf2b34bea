"""The gateway's response documents, as pydantic models: the OpenAPI document is built from
them, and the handlers build their answers with them.

The Open311 models follow GeoReport v2 field for field (wiki.open311.org/GeoReport_v2);
the native ones are this project's own.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from schemas.cases import Verdict
from schemas.petitions import RejectReason
from services.gateway.status import CaseStatus, Status


class _Document(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# --- Open311 GeoReport v2 --------------------------------------------------------------------


class Open311Service(_Document):
    """One entry of GET services: a field of the petition taxonomy."""

    service_code: str
    service_name: str
    description: str
    metadata: bool = Field(description="true: GET services/{service_code} lists attributes")
    type: Literal["realtime", "batch", "blackbox"]
    keywords: str = Field(description="comma-separated")
    group: str


class Open311AttributeValue(_Document):
    key: str
    name: str


class Open311Attribute(_Document):
    variable: bool
    code: str
    datatype: Literal["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"]
    required: bool
    datatype_description: str | None
    order: int
    description: str
    values: list[Open311AttributeValue] = Field(default_factory=list)


class Open311ServiceDefinition(_Document):
    service_code: str
    attributes: list[Open311Attribute]


class Open311Created(_Document):
    """The answer to POST requests: the request id (the case id) once the broker has it."""

    service_request_id: str
    token: str = Field(description="also answered by GET tokens/{token}")
    service_notice: str
    account_id: str | None


class Open311Token(_Document):
    service_request_id: str | None
    token: str


class Open311Request(_Document):
    """One service request. Petitions are not public reports: no text, no personal data."""

    service_request_id: str
    status: Literal["open", "closed"]
    status_notes: str | None
    service_name: str | None
    service_code: str | None
    description: str | None
    agency_responsible: str | None
    service_notice: str | None
    requested_datetime: datetime | None
    updated_datetime: datetime | None
    expected_datetime: datetime | None
    address: str | None
    address_id: str | None
    zipcode: str | None
    lat: float | None
    long: float | None
    media_url: str | None


class Open311Error(_Document):
    code: int = Field(description="the HTTP status")
    description: str


# --- the native JSON API ---------------------------------------------------------------------


class SubmissionAccepted(_Document):
    """202: the broker has the petition (acks=all); the case id is final."""

    case_id: str
    submission_id: str
    status: Status
    status_url: str


class SubmissionRejected(_Document):
    """400: the petition is not valid; the reason codes are intake's."""

    reason: RejectReason
    detail: str = Field(description="which field, and why")
    submission_id: str | None


class StatusStep(_Document):
    status: CaseStatus
    at: datetime
    detail: str | None


class CaseView(_Document):
    """A case's current status from the pipeline's topics, and the steps seen so far."""

    case_id: str
    submission_id: str | None
    status: CaseStatus
    open311_status: Literal["open", "closed"]
    status_at: datetime
    detail: str | None
    received_at: datetime | None
    channel: str | None
    field: str | None
    agency_code: str | None
    agency_name: str | None
    verdict: Verdict | None
    open_case_id: str | None = Field(description="the open case a repeat or joint case joins")
    history: list[StatusStep]


class Problem(_Document):
    """Any other error of the native API (403, 404, 413, 503)."""

    error: str
    detail: str


class Health(_Document):
    status: Literal["ok", "unavailable"]
    broker: bool = Field(description="the producer reaches the broker")
    status_view_cases: int
    status_view_caught_up: bool
