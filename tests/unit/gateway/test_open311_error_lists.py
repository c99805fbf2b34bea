"""An Open311 error list is at most 20 problems and one saying how many more, in JSON and
XML, however many the form has: 40,000 unknown ``attribute[aN]`` fields (a 0.9 MB form)
were answered with a 5.4 MB list, 30,000 names given twice with 4.0 MB (4.7 MB as XML)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from urllib.parse import urlencode

import pytest

from services.gateway import open311
from services.gateway.endpoints import open311_error
from services.gateway.open311 import MAX_ERRORS, Open311Problem
from tests.unit.gateway.test_open311_input import _base, _post


def _unknown_attributes(count: int) -> bytes:
    many = b"&".join(b"attribute%%5Ba%d%%5D=" % i for i in range(count))
    return urlencode(_base()).encode() + b"&" + many


def _names_twice(count: int) -> bytes:
    many = b"&".join(b"n%d=1&n%d=2" % (i, i) for i in range(count))
    return urlencode(_base()).encode() + b"&" + many


@pytest.mark.parametrize(
    ("body", "fmt", "more"),
    [
        (_unknown_attributes(40_000), "json", 40_000 - MAX_ERRORS),
        (_names_twice(30_000), "json", 30_000 - MAX_ERRORS),
        (_names_twice(30_000), "xml", 30_000 - MAX_ERRORS),
    ],
    ids=["40,000 unknown attributes", "30,000 names twice", "30,000 names twice, XML"],
)
def test_an_error_list_is_the_first_20_problems_and_how_many_more(
    body: bytes, fmt: str, more: int
) -> None:
    problem = _post(body, fmt=fmt)
    assert problem.status == 400
    assert len(problem.descriptions) == MAX_ERRORS + 1
    assert problem.descriptions[-1] == f"... and {more} more problems not listed"
    rendered = bytes(open311_error(problem, "json" if fmt == "json" else "xml").body)
    assert len(rendered) < 10_000  # 4 to 5.4 MB before
    if fmt == "json":
        listed = json.loads(rendered)
        assert len(listed) == MAX_ERRORS + 1
        assert {entry["code"] for entry in listed} == {400}
    else:
        assert len(ET.fromstring(rendered).findall("error")) == MAX_ERRORS + 1


def test_an_error_list_of_20_or_fewer_is_listed_whole() -> None:
    problem = Open311Problem(400, [f"p{i}" for i in range(MAX_ERRORS)])
    assert problem.descriptions == tuple(f"p{i}" for i in range(MAX_ERRORS))
    assert open311.errors(400, ["a", "b"], "json") == (
        b'[{"code": 400, "description": "a"}, {"code": 400, "description": "b"}]'
    )
