"""How a letter that links to no letter is read against an open matter's letters as a
whole (issue 13; ``deciding._joined_by_matter``): its place by place agreement, not only
as written, and the matter's place counted so too; of a title naming no kind of problem,
the kinds its opening names; and never another building's lift or leak at the estate.

The fee-rise letters are those of ``test_joined_by_matter`` (the estate probe's T01);
the lift letters are the blind probe's (one building's lift at 万润滨江天著, and a
resident of another building writing of their own lift)."""

from __future__ import annotations

from datetime import UTC, datetime

from services.dedup.config import DedupConfig
from services.dedup.deciding import _subject_of_matter
from services.dedup.decision import DedupDecision
from services.dedup.matcher import Matcher
from services.dedup.state import InMemoryMatchState
from tests.unit.dedup.letters import letter
from tests.unit.dedup.test_joined_by_matter import CITY, LETTERS, START

#: The fee matter: its rise, the typed letter, the lift (another matter), the unlawful rise.
FEE_LETTERS = LETTERS[:4]

#: The resident's short letter, naming the estate by its short name ("东南海小区", as one
#: of the matter's letters does), where most of them write "融科东南海小区".
SHORT_NAME = (
    "物业费涨了服务没跟上",
    "本人是18年在这里落户的，老两口带着孙子，平时就指望安安稳稳过日子。东南海小区的物业今年涨"
    "价了，但是小区垃圾经常两三天没人清，电梯里面贴满小广告，晚上外来人员随便进出也没人问。业主们在"
    "群里讨论了很多次，大家都不愿意按新标准交费。请政府部门出面协调，要么降回原价，要么把服务做上"
    "去，谢谢。望领导们高度重视，切实解决群众的烦恼。",
)
#: A title naming the estate and no kind of problem; its opening says the fee rose.
UNTITLED_FEE = (
    "融科东南海业主的心声",
    "融科东南海小区的物业费今年又涨了，可小区垃圾经常两三天没人清，楼道里贴满小广告，晚上外来人"
    "员随便进出也没人问。业主们在群里讨论了很多次，大家都不愿意按新标准交费。请政府部门出面协调，"
    "要么降回原价，要么把服务做上去，谢谢。",
)
#: The same, its opening also naming the lift ("电梯里面贴满小广告"): a kind none of the
#: matter's titles names.
UNTITLED_FEE_AND_LIFT = (
    "融科东南海业主的心声",
    "融科东南海小区的物业费今年又涨了，可小区垃圾经常两三天没人清，电梯里面贴满小广告，晚上外来"
    "人员随便进出也没人问。业主们在群里讨论了很多次，大家都不愿意按新标准交费。请政府部门出面协"
    "调，要么降回原价，要么把服务做上去，谢谢。",
)

LIFT_START = datetime(2021, 4, 19, 11, tzinfo=UTC)
LIFT_LETTERS: tuple[tuple[int, str, tuple[str, str]], ...] = (
    (
        0,
        "430102",
        (
            "万润滨江天著3栋电梯三天两头坏",
            "A1区万润滨江天著3栋一共32层，两部电梯这个月已经坏了五次，上个礼拜有个老人被关在里面四"
            "十分钟。物业每次都说在修，修好两天又坏。这样的电梯谁敢坐？请质监部门来检测。万分感激！",
        ),
    ),
    (
        4,
        "430100",
        (
            "滨江天著电梯关人",
            "滨江天著3栋电梯昨天又关人了，我女儿放学回来被困在15楼和16楼之间，吓得直哭。物业来了半"
            "个小时才弄开。请问电梯维保到底有没有在做？请不要再互相推诿了。希望政府能为老百姓办实事。",
        ),
    ),
    (
        9,
        "430100",
        (
            "3栋电梯问题请求彻底检修",
            "领导好！我们家是十多年前搬过来的，家里夫妻俩都上班，就指望安安稳稳过日子。我们是滨江天著"
            "3栋的住户，电梯用了才四年就毛病不断，异响、急停、开门不到位。物业推给维保公司，维保公司推"
            "给开发商。要求对3栋电梯进行全面检测，更换有问题的部件。欢迎领导来现场看一看，眼见为实。",
        ),
    ),
    (
        17,
        "430102",
        (
            "滨江天著7栋电梯异响",
            "本人反映一个问题：十多年前搬过来的，老两口带着孙子，第一次在网上写信。A1区万润滨江天著7栋"
            "的电梯最近运行的时候一直有咔咔的异响，下行的时候还会突然抖一下，物业说正常。请特种设备检验"
            "所来检测7栋电梯。大家给12345打过电话，接线员态度倒是挺好，可是到现在也没人来。群里好多人都"
            "很着急，推我出来写这封信。希望领导来现场看一看。老百姓实在是没有办法了才写这封信。",
        ),
    ),
)


def _run(
    letters: tuple[tuple[int, str, tuple[str, str]], ...],
    config: DedupConfig | None = None,
    start: datetime | None = None,
) -> list[DedupDecision]:
    # Each letter a stranger's, `day` days after the first.
    matcher = Matcher(InMemoryMatchState(), config or DedupConfig())
    return [
        matcher.match(
            letter(day, title, content, start=start or START, region=region, ref=f"pr_{day}")
        )
        for day, region, (title, content) in letters
    ]


def test_a_letter_naming_the_estate_by_its_short_name_joins_the_matter() -> None:
    # Most of the matter's letters write "融科东南海小区", one "东南海小区": its place, by
    # agreement, is one, and the short name's letter names it.
    rise, typed, _, unlawful, short = _run((*FEE_LETTERS, (20, CITY, SHORT_NAME)))
    assert typed.matter_id == unlawful.matter_id == rise.matter_id
    assert short.matter_id == rise.matter_id
    assert short.verdict.value == "joint"


def test_without_the_matter_reading_the_short_name_stays_apart() -> None:
    rise, *_, short = _run(
        (*FEE_LETTERS, (20, CITY, SHORT_NAME)), DedupConfig(matter_join_min_letters=0)
    )
    assert short.matter_id != rise.matter_id


def test_a_title_naming_no_kind_is_read_by_its_opening() -> None:
    # "融科东南海业主的心声" names no kind; its opening says the fee rose: the matter's kind.
    rise, *_, untitled = _run((*FEE_LETTERS, (20, CITY, UNTITLED_FEE)))
    assert untitled.matter_id == rise.matter_id
    assert untitled.verdict.value == "joint"


def test_an_opening_naming_a_kind_no_title_of_the_matter_names_stays_apart() -> None:
    # Its opening names the fee and the lift: the matter's titles name no lift.
    rise, *_, untitled = _run((*FEE_LETTERS, (20, CITY, UNTITLED_FEE_AND_LIFT)))
    assert untitled.matter_id != rise.matter_id


def test_another_buildings_lift_does_not_join_the_matter_of_one_buildings_lift() -> None:
    # The matter's letters write "万润滨江天著" and "滨江天著" (one place by agreement), of
    # building 3's lift; building 7's lift is another object of the estate.
    first, second, third, other = _run(LIFT_LETTERS, start=LIFT_START)
    assert second.matter_id == third.matter_id == first.matter_id
    assert other.matter_id != first.matter_id


def test_a_subject_at_an_estate_written_another_way_is_the_matters() -> None:
    # "汀澜小区" and "汀澜雅苑" are one estate by place agreement; the matter's subjects,
    # "汀澜雅苑" and "汀兰雅苑" (a sound-alike), agree among themselves.
    assert _subject_of_matter(
        "汀澜小区〔搅拌站〕", ("汀澜雅苑〔搅拌站〕", "汀兰雅苑〔搅拌站·宏基〕")
    )
    assert _subject_of_matter("汀澜雅苑〔搅拌站〕", ("汀澜雅苑〔搅拌站北〕",))


def test_another_plant_of_the_estate_is_not_the_matters_subject() -> None:
    # Another side, another name, another object, another estate, another organisation.
    assert not _subject_of_matter("汀澜小区〔搅拌站西〕", ("汀澜雅苑〔搅拌站东〕",))
    assert not _subject_of_matter("汀澜小区〔搅拌站·东富〕", ("汀澜雅苑〔搅拌站·华达〕",))
    assert not _subject_of_matter("汀澜小区〔垃圾站〕", ("汀澜雅苑〔搅拌站〕",))
    assert not _subject_of_matter("阳光小区〔搅拌站〕", ("月光小区〔搅拌站〕",))
    assert not _subject_of_matter("宏远〔欠薪〕", ("宏达〔欠薪〕",))
