"""What the headers alone say about a body, and JSON objects that give a field twice."""

from __future__ import annotations

import pytest

from services.gateway.bodies import FORM, JSON, ambiguous_framing, duplicate_json_field, unsupported


@pytest.mark.parametrize(
    "headers",
    [
        {},  # no Content-Type: taken as what the endpoint reads
        {"content-type": "application/json"},
        {"content-type": "Application/JSON; charset=UTF-8"},
        {"content-type": 'application/json; charset="utf-8"'},
        {"content-type": "application/json", "content-encoding": "identity"},
    ],
)
def test_json_as_the_endpoint_reads_it_is_taken(headers: dict[str, str]) -> None:
    assert unsupported(headers, JSON) is None


@pytest.mark.parametrize(
    ("headers", "why"),
    [
        ({"content-type": "text/plain"}, "content-type 'text/plain': send application/json"),
        ({"content-type": FORM}, f"content-type '{FORM}': send application/json"),
        ({"content-type": ";"}, "content-type '': send application/json"),
        ({"content-type": "application/json; charset=latin-1"}, "charset 'latin-1': send UTF-8"),
        ({"content-type": "application/json", "content-encoding": "gzip"},
         "content-encoding 'gzip': send the body unencoded"),
    ],
)  # fmt: skip
def test_another_media_type_charset_or_coding_is_named(headers: dict[str, str], why: str) -> None:
    assert unsupported(headers, JSON) == why


def test_a_form_is_read_only_as_a_form() -> None:
    assert unsupported({"content-type": FORM + "; charset=utf-8"}, FORM) is None
    assert unsupported({"content-type": "multipart/form-data; boundary=x"}, FORM) == (
        f"content-type 'multipart/form-data': send {FORM}"
    )


@pytest.mark.parametrize(
    ("body", "twice"),
    [
        (b'{"rating": "satisfied"}', None),
        (b'{"rating": "satisfied", "comment": null}', None),
        (b'{"rating": "satisfied", "rating": "dissatisfied"}', "rating"),
        (b'{"a": {"b": 1, "b": 2}}', "b"),
        (b'[{"kind": 1}, {"kind": 2}]', None),  # the same name in two objects is not twice
        (b'{"r\\u0061ting": 1, "rating": 2}', "rating"),  # an escape names the same field
    ],
)
def test_a_field_given_twice_is_found(body: bytes, twice: str | None) -> None:
    assert duplicate_json_field(body) == twice


@pytest.mark.parametrize(
    ("headers", "ambiguous"),
    [
        ([(b"content-length", b"10")], False),
        ([(b"transfer-encoding", b"chunked")], False),
        ([(b"content-length", b"10"), (b"transfer-encoding", b"chunked")], True),
        ([(b"Transfer-Encoding", b"chunked"), (b"Content-Length", b"0")], True),
        ([], False),
    ],
)
def test_a_body_framed_both_ways_is_ambiguous(
    headers: list[tuple[bytes, bytes]], ambiguous: bool
) -> None:
    assert (ambiguous_framing(headers) is not None) is ambiguous
