"""Risk-to-life words (Art. 25): read in either script and width, in their context."""

from __future__ import annotations

import pytest

from services.common.casework.risk import RiskHit, risk_form
from services.common.casework.ruleset import load_rules

RISK = load_rules().risk_to_life


def hits(text: str) -> list[str]:
    return [hit.describe() for hit in RISK.hits(text)]


def test_the_form_folds_script_width_case_and_spacing_between_characters() -> None:
    assert risk_form("再不解決我就跳樓") == "再不解决我就跳楼"
    assert risk_form("ＫＩＬＬ　ＭＹＳＥＬＦ") == "kill myself"
    assert risk_form("跳 楼，自.杀、割\u200b腕") == "跳楼自杀割腕"
    # Latin words keep one space between them, also next to Chinese.
    assert risk_form("我要  kill   myself!!") == "我要 kill myself"


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("再不解决我就跳楼", ["self_harm: 跳楼"]),
        ("再不解決我就跳樓", ["self_harm: 跳楼"]),
        ("我不如自殺算了", ["self_harm: 自杀"]),
        ("我 要 跳 楼", ["self_harm: 跳楼"]),
        ("被逼得想自-杀", ["self_harm: 自杀"]),
        ("If this is not fixed I will ｋｉｌｌ ｍｙｓｅｌｆ", ["self_harm: kill myself"]),
        ("He said he would KILL MYSELF if unpaid", ["self_harm: kill myself"]),
        ("我要带着汽油去政府门口泼在身上", ["fire: 汽油 with 泼"]),
        ("拿着一桶汽油說要點火", ["fire: 汽油 with 点火"]),
        ("I will jump off the roof of the bureau", ["jump_from_height: jump off with roof"]),
        ("逼急了就和他们同归于尽，把汽油浇上去", ["violence: 同归于尽", "fire: 汽油 with 浇"]),
        ("不得万不得已谁愿意去走极端呢", ["extreme_action: 走极端"]),
    ],
)
def test_risk_words_are_found_in_either_script_and_width(text: str, found: list[str]) -> None:
    assert hits(text) == found


@pytest.mark.parametrize(
    "text",
    [
        # Fuel prices, a filling station, a quarry's blasting, a homicide case, a skill.
        "加油站的汽油价格比上月贵了一点，柴油也涨价，请物价局查处",
        "小区旁的加油站汽油味很重，居民担心安全",
        "采石场每天用炸药爆破，噪音扰民，房屋开裂",
        "我儿子被杀的杀人案至今未破，请求公安机关督办",
        "对故意杀人罪的判决不服，申请再审",
        "The price of petrol will jump off again next month",
        "I want to improve my skill myself through the training subsidy",
        "小区地下室长期积水",
        # Real wordings that the bare words used to catch.
        "有部分农户为了减轻生产成本还是冒险通行",
        "杀人者获罪，抢劫者判刑，违反消防法的公司难道就可以不了了之",
        "天气变得越来越极端，夏天很热冬天很冷",
    ],
)
def test_ordinary_complaints_do_not_fire(text: str) -> None:
    assert hits(text) == []


def test_a_word_counts_once_per_rule_and_the_hit_names_its_rule() -> None:
    assert RISK.hits("跳楼，跳楼，还是跳楼") == (RiskHit(rule="self_harm", word="跳楼"),)
