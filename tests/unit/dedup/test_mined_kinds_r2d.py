"""Kinds mined from real titles that read none (issue 13, round 2d).

An estate's kindergarten asked to open ("希望A7县恒大翡翠华庭幼儿园早日开学") is its
kindergarten kept from opening; an only child's certificate or allowance is a kind of its
own. A newborn's cover and a kindergarten said missing are not read: read as kinds, they
linked strangers' letters of two families, or of two estates, among the real letters.
"""

from __future__ import annotations

import pytest

from services.dedup import text


def _kinds(title: str) -> frozenset[str]:
    return text.claims(text.topic(text.fold(title)))


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        ("希望A7县恒大翡翠华庭幼儿园早日开学", "estate_kindergarten"),
        ("投诉A5区教育局拖延恒大城公立幼儿园开办", "estate_kindergarten"),
        ("A8县独生子女证领取金的咨询", "only_child_benefit"),
        ("请求解决L1区独生子女费待遇问题", "only_child_benefit"),
    ],
)
def test_a_mined_kind(title: str, kind: str) -> None:
    assert kind in _kinds(title)


@pytest.mark.parametrize(
    "title",
    [
        "咨询B市新生儿落地险问题",
        "反映异地新生儿落地保险问题",
        "反映A市阳光100小区没有公办幼儿园的问题",
    ],
)
def test_left_unread(title: str) -> None:
    assert not _kinds(title)
