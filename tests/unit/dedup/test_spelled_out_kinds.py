"""Kinds residents spell out with other words between (issue 13, round 2d).

A hand-over an authority is asked to press the developer for ("请求县住建局督促枫澜御园交房")
is the homes not handed over: a late hand-over, as "尽快交房" is. A concrete firm's noise or
dust ("关于宏基混凝土公司噪音污染的投诉") is its plant's, as "搅拌站噪音" is; the firm's
drivers' wages are not. Asking an authority to press a developer for something else (its
filings, a canteen closed) is no hand-over.
"""

from __future__ import annotations

import pytest

from services.dedup import text


def _kinds(title: str) -> frozenset[str]:
    return text.claims(text.topic(text.fold(title)))


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        ("请求县住建局督促枫澜御园交房", "late_handover"),
        ("请督促开发商交付房屋", "late_handover"),
        ("责令锦润地产按合同交房", "late_handover"),
        ("关于宏基混凝土公司噪音污染的投诉", "mixing_plant"),
        ("宏基商砼有限公司粉尘太大", "mixing_plant"),
    ],
)
def test_a_kind_spelled_out(title: str, kind: str) -> None:
    assert kind in _kinds(title)


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        # The developer pressed for other things (real titles).
        ("希望督促A7县东方美地楼盘开发商给业主办备案手续和开具购房发票", "late_handover"),
        ("请求督促L4县楚谢丽都小区内的大酉食堂进行停业整改", "late_handover"),
        # The firm's drivers' wages, not its plant.
        ("宏基混凝土公司拖欠罐车司机工资", "mixing_plant"),
        # A firm named alone, no nuisance.
        ("宏基混凝土公司招工信息", "mixing_plant"),
    ],
)
def test_not_the_kind(title: str, kind: str) -> None:
    assert kind not in _kinds(title)


def test_the_firms_wages_stay_wages() -> None:
    assert _kinds("宏基混凝土公司拖欠罐车司机工资") == frozenset({"wages"})
