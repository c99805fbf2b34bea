"""Two matters whose letters, as a whole, say they are one: a big matter's two parts,
which greedy letter-to-letter linking left apart, joined by a letter alike to both
(issue 13; ``deciding._one_by_matters``, ``matter_merge_min_letters``). The letters are
of the blind4 probe's estate whose handover is a year late (T03): residents write about
it under many titles ("什么时候交房", "保交楼", "消防验收未过就交房")."""

from __future__ import annotations

from datetime import UTC, datetime

from services.dedup.config import DedupConfig
from services.dedup.decision import DedupDecision
from services.dedup.facts import CaseFacts
from services.dedup.matcher import Matcher
from services.dedup.state import InMemoryMatchState
from tests.unit.dedup.letters import letter

START = datetime(2024, 4, 21, 7, tzinfo=UTC)
CITY = "430100"

WHEN = (
    # 御苑 typed for 御园 (yuàn, not yuán: not the same sound, so not one estate typed two
    # ways by place agreement): the letter's own part stays apart letter to letter.
    "枫澜御苑什么时候交房",
    "上个月几十户业主一起去工地，看到楼里还是毛坯，电梯井都是空的，开发商却在业主群里说月底就"
    "能交房。我们实在不敢相信他们了。按合同去年六月就该交房了，开发商一直在拖。我们业主去工地看"
    "过，基本是停工状态，塔吊都不动。外墙保温层已经开始脱落，地下车库一下雨就积水。开发商要求先"
    "签收房确认书才给钥匙，不签就算业主自己不收房。多户业主的房子天花板有裂缝，阳台一下雨就往里"
    "灌水。县住建局说已经约谈开发商，但一直没有实质进展。希望政府把枫澜御园列入保交楼项目。谢谢！",
)
LATE = (
    "逾期交房一年多无人管",
    "枫澜御园逾期交房快一年了，开发商一直拖，业主还在还房贷，请政府管一管。",
)
UNFINISHED = (
    "枫澜御园消防验收未过就交房",
    "我是枫澜御园小区11栋的业主，上个月刚去验了房。开发商要求先签收房确认书才给钥匙，不签就算业主"
    "自己不收房。多户业主的房子天花板有裂缝，阳台一下雨就往里灌水。要求开发商整改质量问题，给业主"
    "一个说法。谢谢！",
)
RESCUE = (
    "枫澜御园保交楼",
    "各位领导好，我家为了孩子上学在锦润枫澜御园买房，现在还租房住。外墙保温层已经开始脱落，地下车库"
    "一下雨就积水。小区消防验收还没通过，水电都是临时接的，就让业主收房。希望政府把枫澜御园列入保交楼"
    "项目。",
)
BOTH = (
    "枫澜延期交房",
    "各位领导好，我家为了孩子上学在锦润枫澜御园买房，现在还租房住。我们业主去工地看过，基本是停工状态，"
    "塔吊都不动。开发商说资金紧张，逾期交房的违约金一分也没给。后来开发商通知部分楼栋交房，业主去验房"
    "发现墙体开裂、卫生间渗水、窗户关不严。外墙保温层已经开始脱落，地下车库一下雨就积水。小区消防验收"
    "还没通过，水电都是临时接的，就让业主收房。开发商要求先签收房确认书才给钥匙，不签就算业主自己不收房。"
    "县住建局说已经约谈开发商，但一直没有实质进展。请领导为我们一百多户业主做主。恳请领导百忙之中过问一下。",
)


def _run(
    letters: list[tuple[int, tuple[str, str]]], config: DedupConfig | None = None
) -> list[DedupDecision]:
    # Each letter a stranger's, `day` days after the first; the matters at the end.
    matcher = Matcher(InMemoryMatchState(), config or DedupConfig())
    cases: list[CaseFacts] = [
        letter(day, title, content, start=START, region=CITY, ref=f"pr_{day}")
        for day, (title, content) in letters
    ]
    return [matcher.match(case) for case in cases]


def _final(decisions: list[DedupDecision]) -> list[str]:
    # Each letter's matter at the end, merges followed.
    into: dict[str, str] = {}
    for decision in decisions:
        for merged in decision.merged:
            into[merged.matter_id] = decision.matter_id

    def follow(matter_id: str) -> str:
        while matter_id in into:
            matter_id = into[matter_id]
        return matter_id

    return [follow(decision.matter_id) for decision in decisions]


def test_a_big_matters_two_parts_are_joined_by_a_letter_alike_to_both() -> None:
    # {WHEN, UNFINISHED} and {LATE, RESCUE} link letter to letter; BOTH links one part
    # and is alike to the other below a strong link: fails before (two matters).
    decisions = _run([(0, WHEN), (44, LATE), (45, UNFINISHED), (47, RESCUE), (52, BOTH)])
    final = _final(decisions)
    assert final[0] == final[2]
    assert final[1] == final[3]
    assert len(set(final)) == 1
    assert decisions[4].merged
    # Without the matters read as a whole (no matter holds 40 letters) the parts stay two.
    final = _final(
        _run(
            [(0, WHEN), (44, LATE), (45, UNFINISHED), (47, RESCUE), (52, BOTH)],
            DedupConfig(matter_merge_min_letters=40),
        )
    )
    assert len(set(final)) == 2


def test_a_matter_of_one_letter_is_not_merged_so() -> None:
    # WHEN alone: what most of one letter names is that letter's, not a matter's.
    letters = [(0, WHEN), (44, LATE), (47, RESCUE), (52, BOTH)]
    final = _final(_run(letters))
    assert final[0] != final[1]
    # With a matter of one letter allowed it would be: the bound is what keeps it apart.
    final = _final(_run(letters, DedupConfig(matter_merge_min_letters=1)))
    assert len(set(final)) == 1


def test_a_matter_too_big_to_read_is_not_merged_so() -> None:
    letters = [(0, WHEN), (44, LATE), (45, UNFINISHED), (47, RESCUE), (52, BOTH)]
    config = DedupConfig(matter_merge_min_letters=1, matter_merge_max_letters=1)
    assert len(set(_final(_run(letters, config)))) == 2


PARKING = (
    "枫澜御园强制捆绑销售车位",
    "我是锦润枫澜御园的业主，开发商要求先买车位才给钥匙，不买车位就不让收房，一个车位要十八万。"
    "外墙保温层已经开始脱落，地下车库一下雨就积水。开发商要求先签收房确认书才给钥匙。请领导管一管。",
)
PARKING_TOO = (
    "枫澜御园不买车位不给钥匙",
    "各位领导好，我家在锦润枫澜御园买房，开发商说不买车位就不给钥匙，车位十八万一个，强买强卖。"
    "地下车库一下雨就积水，这样的车位也要强制购买。请政府查处开发商捆绑销售车位。",
)


def test_two_matters_of_one_estate_of_different_kinds_stay_apart() -> None:
    # The estate's forced parking sale and its late handover: a letter about the handover
    # is alike to the parking letters (the estate, its developer, the keys), and the two
    # matters' letters name one place, but their titles no kind in common.
    letters = [(0, PARKING), (3, PARKING_TOO), (44, LATE), (47, RESCUE), (52, BOTH)]
    decisions = _run(letters)
    final = _final(decisions)
    assert final[0] == final[1]
    assert final[2] == final[3] == final[4]
    assert final[0] != final[2]
    assert not decisions[4].merged
