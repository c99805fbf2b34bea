"""The failures of issue 13, as a user sees them: a prolific writer, a city-level letter,
one matter named with and without its district."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from schemas import examples
from schemas.cases import Verdict
from services.dedup.matcher import CaseFacts, DedupDecision, Matcher
from services.dedup.state import InMemoryMatchState
from services.intake import register as intake

START = datetime(2019, 3, 1, 9, tzinfo=UTC)
CITY, COUNTY, OTHER_COUNTY = "430100", "430121", "430102"
#: One writer's habit, in every letter whatever it is about.
STYLE = "在国家大力倡导民生优先的大背景下，希望市委市政府高度重视，切实为民办实事。"


def _facts(n: int, region: str, title: str, content: str, ref: str = "pr_writer") -> CaseFacts:
    return CaseFacts(
        case_id=f"XF-{n:04d}",
        received_at=START + timedelta(days=n),
        region_code=region,
        petitioner_refs=(ref,),
        title=title,
        content=content,
    )


def _run(cases: list[CaseFacts]) -> list[DedupDecision]:
    matcher = Matcher(InMemoryMatchState())
    return [matcher.match(case) for case in cases]


def test_a_prolific_writers_different_matters_stay_apart() -> None:
    letters = [
        ("建议提高乡村教师待遇", "乡村教师工资偏低，年轻老师留不住，孩子们上课没有保障，"
         "很多家长只好把孩子送进城。"),
        ("建议增设公交站点", "上下班坐车很不方便，等车要半个小时，老人小孩尤其辛苦，"
         "希望增加一个停靠站。"),
        ("建议加快地铁建设", "地铁建设进度太慢，每天堵车两个小时，工地围挡占了半条马路，"
         "希望早日开通。"),
        ("关于城市规划的建议", "城市规划应当多留绿地，少建高楼，给市民留些散步锻炼的空间，"
         "也让城市更美。"),
    ]  # fmt: skip
    decisions = _run([_facts(n, CITY, t, STYLE + c) for n, (t, c) in enumerate(letters)])
    assert [d.verdict for d in decisions if d.verdict is Verdict.REPEAT] == []
    assert len({d.matter_id for d in decisions}) == len(letters)


def test_a_prolific_writers_letter_about_the_same_place_is_a_repeat() -> None:
    first = "星沙204路公交车调整线路后不再经过水岸世景小区，居民出行很不方便。" + STYLE
    again = "水岸世景小区的居民又一次反映：204路调整以后我们出门要走很远。" + STYLE
    decisions = _run(
        [
            _facts(0, COUNTY, "反对204路公交车调整线路", first),
            _facts(1, COUNTY, "再次反映204路公交调整", again),
        ]
    )
    assert decisions[1].verdict is Verdict.REPEAT
    assert decisions[1].matter_id == decisions[0].matter_id


def test_a_matter_named_with_and_without_its_district_is_one() -> None:
    # The same residents' problem: one letter names the county, the other goes to the
    # city's mailbox with the city's code.
    text = "九龙时代广场小区楼下的生活垃圾收集站异味很大，严重影响居民生活，请求撤销。"
    decisions = _run(
        [
            _facts(0, COUNTY, "请求撤销九龙时代广场小区垃圾站", text, ref="pr_a"),
            _facts(1, CITY, "请求撤销九龙时代广场小区垃圾站", text + "谢谢。", ref="pr_b"),
        ]
    )
    assert decisions[1].verdict is Verdict.JOINT
    assert decisions[1].matter_id == decisions[0].matter_id


def test_the_same_text_in_two_counties_of_a_city_is_not_linked() -> None:
    text = "九龙时代广场小区楼下的生活垃圾收集站异味很大，严重影响居民生活，请求撤销。"
    decisions = _run(
        [
            _facts(0, COUNTY, "请求撤销九龙时代广场小区垃圾站", text, ref="pr_a"),
            _facts(1, OTHER_COUNTY, "请求撤销九龙时代广场小区垃圾站", text, ref="pr_b"),
        ]
    )
    assert decisions[1].matter_id != decisions[0].matter_id


def test_intake_registers_a_letter_to_the_citys_or_provinces_mailbox() -> None:
    for code in (CITY, "430000"):
        raw = json.dumps({**examples.MINIMAL_PETITION, "region_code": code}).encode()
        petition = intake.parse(raw)
        case = intake.register(petition, hmac_key=b"k" * 32, now=petition.received_at).case
        assert case.region_code == code
