"""Two titles naming one place and agreeing on what is wrong there (issue 13).

Residents of one estate, and a writer telling their problem again ("再次反映…"), word one
problem of one place apart: their letters score below the bar of one kind at a title's
place (``joint_threshold_same_kind``). When both titles name the place as written and
agree on the problem (the same kinds and no other, the same building, a nuisance's
source, a fee's object; the kind named in words of each writer's own), they link at the lower
``joint_threshold_kinds_agree``. One estate's different problems of one broad kind stay
apart: another building's leak, a bar's noise and a gym's, the stall
fees and the management fees or the parking fees of one market.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from services.dedup.config import DedupConfig
from services.dedup.matcher import Matcher
from services.dedup.state import InMemoryMatchState
from tests.unit.dedup.letters import letter

START = datetime(2020, 3, 2, 9, tzinfo=UTC)
REGION = "430104"
#: The new bar switched off: no lower than the bar of one kind, and so the bar of a narrow
#: kind (a building's leak is one, as its lift).
WITHOUT = DedupConfig(
    joint_threshold_kinds_agree=DedupConfig().joint_threshold_same_kind,
    joint_threshold_narrow_kind=DedupConfig().joint_threshold_same_kind,
)
#: Every bar of a kind at a title's place down to 0: only the agreement's guards keep
#: two letters apart.
AT_ZERO = DedupConfig(joint_threshold_narrow_kind=0.0, joint_threshold_kinds_agree=0.0)


def _pair(
    first: tuple[str, str], second: tuple[str, str], config: DedupConfig | None = None
) -> tuple[bool, float]:
    """Whether a stranger's second letter joins the first's matter, and its score."""
    matcher = Matcher(InMemoryMatchState(), config or DedupConfig())
    one = matcher.match(letter(0, *first, start=START, region=REGION, ref="pr_first"))
    two = matcher.match(letter(9, *second, start=START, region=REGION, ref="pr_second"))
    return two.matter_id == one.matter_id, two.score


LEAK = (
    "丹枫苑9栋顶楼漏水",
    "我是A3区丹枫苑9栋顶楼的住户，自从交房以来，每逢下雨客厅和卧室的天花板就往下滴水，"
    "墙面发霉脱落。找过开发商好几次，只派人来打了点胶，根本不管用，请领导督促开发商彻底维修。",
)
LEAK_AGAIN_TEXT = (
    "上个月反映的事情到现在没有人处理，这几天连着下雨，天花板又往下滴水，孩子的房间没法"
    "住人了。物业说要等开发商，开发商电话打不通。恳请有关部门尽快安排人上门看一看。"
)


def test_one_buildings_leak_told_again_links_below_the_bar_of_one_kind() -> None:
    second = ("再次反映丹枫苑9栋漏水", LEAK_AGAIN_TEXT)
    linked, score = _pair(LEAK, second)
    config = DedupConfig()
    assert config.joint_threshold_kinds_agree <= score < config.joint_threshold_same_kind
    assert linked
    # Only the agreement links it.
    assert not _pair(LEAK, second, WITHOUT)[0]


@pytest.mark.parametrize(
    "title",
    [
        # Another building's leak.
        "再次反映丹枫苑3栋漏水",
        # No building named: any building's.
        "丹枫苑家里天花板漏水",
    ],
)
def test_titles_that_do_not_agree_on_the_problem_stay_apart(title: str) -> None:
    linked, score = _pair(LEAK, (title, LEAK_AGAIN_TEXT), AT_ZERO)
    assert score < DedupConfig().joint_threshold_same_kind
    assert not linked


NOISE_TEXT = (
    "我家住A3区丹枫苑，楼下新开了一家酒吧，每天晚上音乐开得震天响，一直闹到凌晨两三点，"
    "老人孩子根本睡不着觉。多次打电话投诉，来人看一下就走了，请有关部门依法处理。"
)
NOISE_AGAIN_TEXT = (
    "这半年来一到夜里就吵，音乐声、喊叫声不断，持续到后半夜，窗户关上也没用。找过物业，"
    "物业说管不了，打电话投诉也没有结果，恳请领导过问，还我们一个安静的夜晚。"
)


def test_a_nuisance_of_another_source_at_one_estate_stays_apart() -> None:
    bar = ("丹枫苑楼下酒吧噪音扰民", NOISE_TEXT)
    # Under one window: where it is says nothing of what makes the noise.
    linked, score = _pair(bar, ("丹枫苑楼下健身房噪音", NOISE_AGAIN_TEXT), AT_ZERO)
    assert score < DedupConfig().joint_threshold_same_kind
    assert not linked
    assert _pair(bar, ("丹枫苑酒吧噪音", NOISE_AGAIN_TEXT))[0]


STALLS = (
    "枣园市场摊位费涨价",
    "A3区枣园市场管理方今年突然把摊位费涨了一倍，我们这些小商贩一年到头赚不了几个钱，"
    "这样下去只能关门。希望市场监管部门过问，让管理方公开收费依据。",
)
STALLS_AGAIN_TEXT = (
    "枣园市场的商户都对这次涨价意见很大，管理方没有和大家商量就贴了通知，不交就不让进场"
    "经营。我们做小生意不容易，恳请有关部门调查处理，给我们一个说法。"
)


def test_one_markets_stall_fees_in_two_traders_words_are_one_matter() -> None:
    linked, score = _pair(STALLS, ("枣园市场摊位费又涨价", STALLS_AGAIN_TEXT))
    config = DedupConfig()
    assert config.joint_threshold_kinds_agree <= score < config.joint_threshold_same_kind
    assert linked


@pytest.mark.parametrize("title", ["枣园市场管理费涨价", "枣园市场停车费涨价"])
def test_another_fee_of_one_market_stays_apart(title: str) -> None:
    linked, score = _pair(STALLS, (title, STALLS_AGAIN_TEXT), AT_ZERO)
    assert score < DedupConfig().joint_threshold_same_kind
    assert not linked


def test_the_bar_lies_between_the_narrow_kinds_and_one_kinds() -> None:
    DedupConfig(joint_threshold_kinds_agree=0.05)
    with pytest.raises(ValidationError):
        DedupConfig(joint_threshold_kinds_agree=0.01)
    with pytest.raises(ValidationError):
        DedupConfig(joint_threshold_kinds_agree=0.2)


BUS_STOP = (
    "丹枫苑公交站被撤",
    "我是A3区丹枫苑的住户，小区门口原来有一个公交站，上个月突然被撤了，现在老人去医院、"
    "孩子上学都要走两公里去坐车。请公交公司恢复这个站，方便群众出行。",
)
BUS_STOP_AGAIN = (
    "丹枫苑站点取消不合理",
    "我们那边住了几千户人家，好多退休的人每天靠坐车去买菜看病，现在车不停了只能打的，"
    "一个月多花好几百。希望交通部门听听大家的意见，把停靠点加回来。",
)


def test_one_kind_in_each_writers_own_words_at_one_place_agrees() -> None:
    # The titles share no word besides the place: "公交站被撤" and "站点取消不合理" both
    # name the estate's bus stop, and that is what they say alike.
    linked, score = _pair(BUS_STOP, BUS_STOP_AGAIN)
    config = DedupConfig()
    assert config.joint_threshold_kinds_agree <= score < config.joint_threshold_same_kind
    assert linked
    assert not _pair(BUS_STOP, BUS_STOP_AGAIN, WITHOUT)[0]
