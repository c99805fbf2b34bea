"""A town named bare in one letter and with its unit word in another ("安沙", "安沙镇"):
both titles about one town, saying the same of it, are one matter; a town's different
matters, and one writer's different matters about their town, are not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from schemas.cases import Verdict
from services.common.places import towns_named
from services.dedup.decision import DedupDecision
from services.dedup.facts import CaseFacts
from services.dedup.matcher import Matcher
from services.dedup.state import InMemoryMatchState

START = datetime(2019, 3, 1, 9, tzinfo=UTC)
CITY, COUNTY = "430100", "430121"


def _facts(n: int, region: str, title: str, content: str, ref: str) -> CaseFacts:
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


def test_towns_named_with_their_unit_word_and_not_common_nouns() -> None:
    assert "安沙" in towns_named("请问安沙镇近期的发展规划")
    assert "朱良桥" in towns_named("公开朱良桥乡罗巷集镇规划图")
    assert "罗巷" in towns_named("公开朱良桥乡罗巷集镇规划图")
    assert "榔梨" in towns_named("在榔梨街道八字槽门一带")
    # "城镇", "乡镇", "家乡", "全镇" name no town; nor does a name across a stop word.
    assert towns_named("推进新型城镇化，乡镇干部回到家乡，全镇人民") == frozenset()
    assert towns_named("在镇上") == frozenset()


def test_a_towns_plan_asked_bare_at_the_county_and_with_its_unit_word_at_the_city() -> None:
    decisions = _run(
        [
            _facts(0, COUNTY, "关于A7县洪山城北片区发展规划的咨询",
                   "请问洪山今年的总体规划修编进度如何，北横线洪山段走向定了吗。", "pr_a"),
            _facts(1, CITY, "咨询A市洪山发展规划",
                   "洪山镇近期有哪些重点建设项目，集镇片区怎样建设，赛车场建在哪里。", "pr_b"),
        ]
    )  # fmt: skip
    assert decisions[1].verdict is Verdict.JOINT
    assert decisions[1].matter_id == decisions[0].matter_id


def test_a_towns_different_matters_are_not_one_for_one_word_in_common() -> None:
    decisions = _run(
        [
            _facts(0, COUNTY, "咨询A7县洪山镇规划问题",
                   "请问洪山今年的总体规划修编进度如何，什么时候公布。", "pr_a"),
            _facts(1, COUNTY, "咨询A7县洪山交通干线规划",
                   "洪山镇的高速出口和主干道什么时候动工，走向是怎样的。", "pr_b"),
        ]
    )  # fmt: skip
    assert decisions[1].matter_id != decisions[0].matter_id


def test_two_villages_of_one_town_are_not_one_matter() -> None:
    decisions = _run(
        [
            _facts(0, COUNTY, "A7县洪山镇大塘村请求硬化道路",
                   "我们村的路一下雨就全是泥，孩子上学很不方便。", "pr_a"),
            _facts(1, COUNTY, "A7县洪山镇小塘村请求硬化道路",
                   "小塘村到镇上的道路坑洼不平，车辆无法通行。", "pr_b"),
        ]
    )  # fmt: skip
    assert decisions[1].matter_id != decisions[0].matter_id


def test_one_writers_different_matters_about_their_town_stay_apart() -> None:
    # The follow-up rule of the seventh session merged these: "某公司" in both titles.
    pairs = [
        ("投诉洪山镇某公司拖欠工资", "公司拖欠我们三个月工资，老板一直推脱。",
         "投诉洪山镇某公司虚假宣传", "公司广告说包就业，交了钱以后什么都没有。"),
        ("举报洪山镇村干部贪污", "村干部把修路的钱挪作他用，账目不公开。",
         "举报洪山镇村干部违建", "村干部在基本农田上建房，没有任何审批。"),
        ("申请洪山镇公租房", "我家住房困难，符合条件，想申请公租房。",
         "洪山镇公租房租金上涨", "公租房租金一年涨了两次，住户负担太重。"),
    ]  # fmt: skip
    for first_title, first, second_title, second in pairs:
        decisions = _run(
            [
                _facts(0, COUNTY, first_title, first, "pr_writer"),
                _facts(30, COUNTY, second_title, second, "pr_writer"),
            ]
        )
        assert decisions[1].matter_id != decisions[0].matter_id, second_title


def test_a_writers_style_about_two_estates_of_their_town_is_still_vetoed() -> None:
    # Both titles name the town, and say different things of it: the estates the letters
    # name contradict each other, and the writer's style (text score 0.67) links nothing.
    style = (
        "我是洪山镇的老居民，多年来一直关心家乡建设，希望镇政府和有关部门高度重视，"
        "切实为群众办实事。"
    )
    decisions = _run(
        [
            _facts(0, COUNTY, "咨询洪山镇阳光小区改造",
                   style + "阳光小区是八十年代的老房子，外墙脱落，管网老化，"
                   "什么时候列入老旧小区改造？",
                   "pr_writer"),
            _facts(10, COUNTY, "咨询洪山镇绿化建设",
                   style + "金桂苑旁边那块空地荒了好几年，长满杂草，能否建成街心花园，种些树木？",
                   "pr_writer"),
        ]
    )  # fmt: skip
    assert decisions[1].score > 0.6
    assert decisions[1].verdict is Verdict.RELATED
    assert decisions[1].matter_id != decisions[0].matter_id
