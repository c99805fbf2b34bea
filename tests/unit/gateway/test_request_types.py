"""The agency's and the petitioner's JSON bodies are typed as strictly as a petition: a
boolean is no count and a string or a float no integer (``"extension_days": true`` was
published as an extension of 1 day, ``"5"`` and ``5.0`` as 5, each answered 202), while
times and the enums are still read from their JSON strings, and the petitioner's page
still reads its form's text fields."""

from __future__ import annotations

import asyncio
import json

import pytest
from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response

from schemas.cases import Rating
from services.gateway.casework_api import read_body
from services.gateway.models import (
    AgencyAction,
    AgencyUpdateRequest,
    RatingRequest,
    ReviewRequest,
)


def _read(body: bytes, model: type[BaseModel]) -> BaseModel | Response:
    scope = {
        "type": "http", "method": "POST", "path": "/v1/agency/cases/XF-1/updates",
        "query_string": b"", "headers": [(b"content-type", b"application/json")],
    }  # fmt: skip

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": body, "more_body": False}

    return asyncio.run(read_body(Request(scope, receive), model))


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (b'{"kind": "extended", "reason": "r", "extension_days": true}',
         "extension_days: Input should be a valid integer"),
        (b'{"kind": "extended", "reason": "r", "extension_days": "5"}',
         "extension_days: Input should be a valid integer"),
        (b'{"kind": "extended", "reason": "r", "extension_days": 5.0}',
         "extension_days: Input should be a valid integer"),
        (b'{"kind": "replied", "reason": 5}', "reason: Input should be a valid string"),
        (b'{"kind": "accepted", "update_id": 12345}', "update_id: Input should be a valid string"),
    ],
    ids=["true", "a string", "a float", "a number for text", "a number for an id"],
)  # fmt: skip
def test_a_value_of_the_wrong_json_type_is_refused_naming_the_field(
    body: bytes, detail: str
) -> None:
    answer = _read(body, AgencyUpdateRequest)
    assert isinstance(answer, Response)
    assert answer.status_code == 400
    assert json.loads(bytes(answer.body)) == {"error": "invalid", "detail": detail}


def test_numbers_times_and_enums_of_their_own_json_types_are_read() -> None:
    body = (b'{"kind": "extended", "reason": "r", "extension_days": 5, '
            b'"occurred_at": "2026-11-20T10:00:00+08:00", "update_id": "ag-1"}')  # fmt: skip
    read = _read(body, AgencyUpdateRequest)
    assert isinstance(read, AgencyUpdateRequest)
    assert read.kind is AgencyAction.EXTENDED
    assert read.extension_days == 5
    assert read.occurred_at is not None
    assert read.occurred_at.isoformat() == "2026-11-20T10:00:00+08:00"
    rated = _read(b'{"rating": "satisfied", "comment": "ok"}', RatingRequest)
    assert isinstance(rated, RatingRequest)
    assert rated.rating is Rating.SATISFIED
    refused = _read(b'{"rating": true}', RatingRequest)
    assert isinstance(refused, Response)
    assert refused.status_code == 400
    assert isinstance(_read(b'{"reason": 1}', ReviewRequest), Response)


def test_the_petitioners_page_still_reads_its_forms_text() -> None:
    # The page validates the form's strings (Python, not JSON): the enum from its text.
    rated = RatingRequest.model_validate({"rating": "dissatisfied", "comment": None})
    assert rated.rating is Rating.DISSATISFIED
    assert ReviewRequest.model_validate({"reason": "不服"}).reason == "不服"
