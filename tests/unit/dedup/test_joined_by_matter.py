"""A letter that links to no one letter joins the open matter whose letters, as a whole,
are about its place and its problem (issue 13; ``deciding._joined_by_matter``,
``matter_join_min_letters``). The letters are of the estate probe's property-fee rise at
one estate (T01): a resident's short letter names the estate and the rise
("物业费涨了服务没跟上") and shares few words with each neighbour's letter, while three
of them are one matter about that place and that problem. Another problem of the estate
(its lift, N01a) stays apart however many write about the fee."""

from __future__ import annotations

from datetime import UTC, datetime

from services.dedup.config import DedupConfig
from services.dedup.decision import DedupDecision
from services.dedup.matcher import Matcher
from services.dedup.state import InMemoryMatchState
from tests.unit.dedup.letters import letter

START = datetime(2019, 3, 4, 11, tzinfo=UTC)
COUNTY = "430104"
CITY = "430100"

RISE = (
    "融科东南海物业费上涨不合理",
    "我是好几年前搬过来的，夫妻俩都上班，第一次在网上写信。A3区融科东南海小区物业公司最近在每栋"
    "楼下贴出通知，说从下个月起物业费由每平米2.2元涨到2.98元，涨幅超过三成。通知贴出来之前没有开"
    "过业主大会，也没有征求过业主意见。这几年物业服务越来越差，保安经常不在岗，绿化没人修剪，地下"
    "车库灯坏了几个月都没人换。服务不提高，凭什么涨价？请物价局和住建局查一查这个涨价是否合法。很"
    "多邻居都有同样的意见，推我出来写这封信。欢迎领导实地调查一下，眼见为实。",
)
TYPED = (
    "东南海小区物业乱长价谁来管",
    "我是一名普通市民，我是东南海的业住，物业说要长价到2块98，不同意的就不给办门禁卡，还说要停水"
    "停电。请问物业有这个权利吗？小区里面很多老人，每个月退休金就那么点，物业费一下子涨这么多真的"
    "承受不起。希望相关部门管一管，不要让物业想怎么收就怎么收。大家给12345打过电话，都说会处理，"
    "结果问题还是老样子。很多邻居都在议论，只是不会上网留言。",
)
LIFT = (
    "融科东南海8栋电梯老是坏",
    "A3区融科东南海小区8栋的电梯最近老是出故障，上周停了三天，昨天又卡在9楼，里面的人被困了半个"
    "小时。我们楼里有好几个行动不便的老人，电梯一坏就下不了楼。请质监局来检查电梯的安全状况。我们"
    "之前在网上也留过言，回复说已经交办，就是没有结果。这件事已经拖了很久了，没办法了才来写信。街"
    "道办我们都去过了，说要上报。希望能早日得到解决，谢谢！",
)
UNLAWFUL = (
    "关于融科东南海物业服务费调整的投诉",
    "领导好，融科东南海小区物业单方面上调物业服务费，我们认为程序不合法。根据物业管理条例，物业费"
    "调整要经过业主大会表决，但我们小区连业委会都还没有成立。物业还说是开发商前期合同约定好的，我们"
    "翻了合同根本没有这一条。请求住建部门介入，责令物业暂停执行新的收费标准。这件事天天影响我们的生"
    "活，只想要个说法。邻居们前后打了三四次市长热线，每次都说转给相关部门了，就是没有结果。请不要再"
    "互相推诿了。",
)
SERVICE = (
    "物业费涨了服务没跟上",
    "本人是18年在这里落户的，老两口带着孙子，平时就指望安安稳稳过日子。融科东南海小区的物业今年涨"
    "价了，但是小区垃圾经常两三天没人清，电梯里面贴满小广告，晚上外来人员随便进出也没人问。业主们在"
    "群里讨论了很多次，大家都不愿意按新标准交费。请政府部门出面协调，要么降回原价，要么把服务做上"
    "去，谢谢。望领导们高度重视，切实解决群众的烦恼。",
)
LIFT_AGAIN = (
    "融科东南海电梯又坏了",
    "融科东南海小区8栋电梯这个月又停了两次，老人上下楼只能爬楼梯，物业说在等配件。请质监部门督促"
    "维修。",
)

LETTERS: tuple[tuple[int, str, tuple[str, str]], ...] = (
    (0, COUNTY, RISE),
    (5, CITY, TYPED),
    (10, COUNTY, LIFT),
    (12, CITY, UNLAWFUL),
    (20, CITY, SERVICE),
)


def _run(
    letters: tuple[tuple[int, str, tuple[str, str]], ...], config: DedupConfig | None = None
) -> list[DedupDecision]:
    # Each letter a stranger's, `day` days after the first.
    matcher = Matcher(InMemoryMatchState(), config or DedupConfig())
    return [
        matcher.match(letter(day, title, content, start=START, region=region, ref=f"pr_{day}"))
        for day, region, (title, content) in letters
    ]


def test_a_letter_alike_to_no_letter_joins_the_matter_of_its_place_and_problem() -> None:
    rise, typed, lift, unlawful, service = _run(LETTERS)
    # The fee rise's three letters are one matter, letter to letter; the lift is another.
    assert typed.matter_id == unlawful.matter_id == rise.matter_id
    assert lift.matter_id != rise.matter_id
    # The resident's short letter joins it, as another petitioner of it.
    assert service.matter_id == rise.matter_id
    assert service.verdict.value == "joint"
    assert service.matter_petitioners == 4


def test_without_the_matter_reading_the_letter_stays_apart() -> None:
    rise, *_, service = _run(LETTERS, DedupConfig(matter_join_min_letters=0))
    assert service.matter_id != rise.matter_id
    assert service.verdict.value in ("new", "related")


def test_a_matter_of_fewer_letters_than_the_least_says_nothing() -> None:
    # With four letters required, three letters of the fee rise are not yet a matter's
    # reading: the short letter stays apart.
    *_, service = _run(LETTERS, DedupConfig(matter_join_min_letters=4))
    assert service.verdict.value in ("new", "related")


def test_another_problem_of_the_place_does_not_join_the_matter() -> None:
    # The lift told again by another resident: the estate is the fee matter's place, but
    # its problem is not one its titles name.
    decisions = _run((*LETTERS, (25, CITY, LIFT_AGAIN)))
    rise, lift, again = decisions[0], decisions[2], decisions[-1]
    assert again.matter_id != rise.matter_id
    assert again.matter_id == lift.matter_id
