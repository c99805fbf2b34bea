"""Open311 POST requests as a careless or hostile client sends them, through the handler
without a broker: text that is not UTF-8 (percent-escapes of Latin-1 in the body or the
query string, a charset other than UTF-8, a gzip body) is refused 400 naming the field,
as the native API (415) and the petitioner's page (400) refuse it, instead of being
published with U+FFFD for each byte."""

from __future__ import annotations

import asyncio
from urllib.parse import urlencode

import pytest
from starlette.requests import Request

from services.gateway.app import build
from services.gateway.endpoints import Gateway, open311_error
from services.gateway.open311 import Open311Problem
from services.gateway.settings import GatewaySettings

KEY = "a-channel-key-of-sixteen+"
KEYED = urlencode({"api_key": KEY}).encode()
FORM_TYPE = "application/x-www-form-urlencoded"
URL_PATH = "/open311/v2/requests.json"


def _gateway() -> Gateway:
    settings = GatewaySettings(api_keys=KEY, case_id_key="c" * 16, bootstrap_servers="127.0.0.1:1")
    # Built as the app builds it, never started: a petition that passes every check is
    # refused 503 by the producer that never connected.
    return build(settings).gateway


def _base(**changes: str | None) -> dict[str, str]:
    form: dict[str, str | None] = {
        "api_key": KEY, "service_code": "housing.property_management",
        "description": "电梯坏了三个月没人修", "first_name": "三", "last_name": "张",
        "attribute[region_code]": "610302", "address_string": "清姜路1号",
    }  # fmt: skip
    form.update(changes)
    return {name: value for name, value in form.items() if value is not None}


def _post(
    body: bytes,
    query: bytes = b"",
    headers: dict[str, str] | None = None,
    fmt: str = "json",
    read: list[bytes] | None = None,
) -> Open311Problem:
    """The problem ``open311_create`` answers ``body`` with (503: it passed every check)."""
    headers = {"content-type": FORM_TYPE} if headers is None else headers
    scope = {
        "type": "http", "method": "POST", "path": URL_PATH, "query_string": query,
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "path_params": {"format": fmt},
    }  # fmt: skip
    chunks = read if read is not None else []

    async def receive() -> dict[str, object]:
        chunks.append(body)
        return {"type": "http.request", "body": body, "more_body": False}

    with pytest.raises(Open311Problem) as answered:
        asyncio.run(_gateway().open311_create(Request(scope, receive)))
    return answered.value


def test_a_good_form_passes_every_check() -> None:
    assert _post(urlencode(_base()).encode()).status == 503  # only the broker is missing


@pytest.mark.parametrize(
    ("body", "query", "where"),
    [
        (urlencode(_base(description=None)).encode() + b"&description=%C3%A9t%E9%FF%FE", b"",
         "'description': percent-escapes that are not UTF-8 in the body"),
        (urlencode(_base(description=None)).encode(), b"description=%FF%FEbad",
         "'description': percent-escapes that are not UTF-8 in the query string"),
        (urlencode(_base()).encode(), KEYED + b"&first_name=%E9",
         "'first_name': percent-escapes that are not UTF-8 in the query string"),
        (urlencode(_base(description=None)).encode() + b"&descr%E9ption=x", b"",
         "'descr%E9ption': percent-escapes that are not UTF-8 in the body"),
    ],
    ids=["body", "query string", "query string, another field", "a field's name"],
)  # fmt: skip
def test_percent_escapes_that_are_not_utf8_are_refused_naming_the_field(
    body: bytes, query: bytes, where: str
) -> None:
    # Before: 200, and the petition published with 'ét\ufffd\ufffd\ufffd' for 'ét' + 3 bytes.
    problem = _post(body, query)
    assert problem.status == 400
    [description] = problem.descriptions
    assert description.startswith(where)
    rendered = bytes(open311_error(problem, "json").body)
    assert "\ufffd" not in rendered.decode("utf-8")


def test_raw_bytes_that_are_not_utf8_are_refused_in_the_body_and_the_query() -> None:
    body = urlencode(_base(description=None)).encode() + b"&description=caf\xe9"
    assert _post(body).descriptions == ("body: not UTF-8 (the spec requires UTF-8)",)
    query = _post(urlencode(_base()).encode(), b"description=caf\xe9")
    assert query.descriptions == ("query string: not UTF-8 (the spec requires UTF-8)",)


@pytest.mark.parametrize(
    ("headers", "why"),
    [
        ({"content-type": FORM_TYPE + "; charset=iso-8859-1"}, "charset 'iso-8859-1': send UTF-8"),
        ({"content-type": FORM_TYPE, "content-encoding": "gzip"},
         "content-encoding 'gzip': send the body unencoded"),
        ({"content-type": "application/json"},
         f"content-type 'application/json': send {FORM_TYPE}"),
    ],
    ids=["latin-1", "gzip", "json"],
)  # fmt: skip
def test_a_charset_or_coding_other_than_utf8_is_refused_before_the_body_is_read(
    headers: dict[str, str], why: str
) -> None:
    read: list[bytes] = []
    problem = _post(urlencode(_base()).encode(), headers=headers, read=read)
    assert (problem.status, problem.descriptions) == (400, (why,))
    assert read == []


def test_a_form_without_a_content_type_is_still_read_as_a_form() -> None:
    assert _post(urlencode(_base()).encode(), headers={}).status == 503


def test_a_get_whose_query_string_is_not_utf8_is_refused() -> None:
    scope = {
        "type": "http", "method": "GET", "path": URL_PATH, "headers": [],
        "query_string": KEYED + b"&status=%FFopen",
        "path_params": {"format": "json"},
    }  # fmt: skip
    with pytest.raises(Open311Problem) as answered:
        asyncio.run(_gateway().open311_requests(Request(scope)))
    assert answered.value.status == 400
    assert "'status': percent-escapes that are not UTF-8" in answered.value.descriptions[0]
