"""A street's or an underpass's lights out are its street lights' kind (issue 13), not a
traffic light's, a stairwell's or a lift's."""

from __future__ import annotations

import pytest

from services.dedup import text


@pytest.mark.parametrize(
    ("title", "kinds"),
    [
        ("劳动路下穿隧道里的灯不亮", {"street_lights"}),
        ("劳动路下穿隧道的灯不亮了", {"street_lights"}),
        ("红绿灯不亮", {"traffic_lights"}),
        ("楼道灯不亮", set()),
        ("声控灯不亮了", set()),
        ("电梯灯不亮", {"lifts"}),
    ],
)
def test_lights_out(title: str, kinds: set[str]) -> None:
    assert text.claims(text.topic(title)) == frozenset(kinds)
