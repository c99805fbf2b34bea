"""A title naming its facility by its generic word only, named in its content (issue 13).

Residents title a letter with the problem and the facility's generic word ("饲料厂臭气熏
天", "养猪场污染") and name the facility in the content ("那个金穗饲料厂", "长安村的养猪
场"), as their neighbours' titles do. The title is read as naming the one its content
names of that very word, when the content names one such, by a name the reading of places
finds; else as written.
"""

from __future__ import annotations

from datetime import UTC, datetime

from services.dedup.features import title_naming_its_facility
from tests.unit.dedup.letters import strangers_matters

START = datetime(2022, 6, 1, 9, tzinfo=UTC)
DISTRICT = "430112"


def test_a_titles_generic_word_is_the_facility_its_content_names() -> None:
    assert (
        title_naming_its_facility(
            "饲料厂臭气熏天", "领导您好！我们这边晚上臭得受不了，是那个金穗饲料厂在烘料。"
        )
        == "金穗饲料厂臭气熏天"
    )
    assert (
        title_naming_its_facility("养猪场污染", "长安村那个养猪场太臭了，河也被污染了。")
        == "长安村养猪场污染"
    )
    assert (
        title_naming_its_facility("采石场粉尘污染", "A8县新垅村采石场粉尘太大，衣服都是灰。")
        == "新垅村采石场粉尘污染"
    )
    # A title naming it as one not named, and a content naming it after the word.
    assert (
        title_naming_its_facility(
            "投诉A6区一饲料加工厂废气扰民", "A6区白鹭洲附近一饲料加工厂（金穗），长期夜间排放恶臭。"
        )
        == "投诉A6区金穗饲料加工厂废气扰民"
    )


def test_a_title_is_read_as_written_unless_its_content_names_one_of_its_word() -> None:
    # A title naming a place; a content naming none of the word, or two.
    for title, content in (
        ("金穗饲料厂臭味扰民", "金穗饲料厂晚上排气。"),
        ("饲料厂臭气熏天", "白鹭洲那边的饲料厂每天晚上排气。"),
        ("饲料厂臭气熏天", "金穗饲料厂和丰源饲料厂晚上都排气。"),
        # A facility of another word: where the writer works, not what the title is about.
        ("砖厂黑烟污染", "我在金穗饲料厂上班，家门口的砖厂天天冒黑烟。"),
        # One yet to be built; a square's dance; a word of what it is not.
        ("希望新建一个菜市场", "附近只有四方坪菜市场，太远了。"),
        ("广场舞扰民谁来管", "我住在南湖广场边上，每天晚上放音乐。"),
        ("新开铺一带没有菜市场", "住了上万人，却没有一个正规菜市场。"),
        ("建议在滨湖路区域建一个标准足球场", "附近只有芙蓉足球场，太远了。"),
        # A word of what kind it is, not a name.
        ("汇富中心前的停车场乱收费", "汇富中心前的地面停车场每小时收费十元。"),
        # The title names it already, bare.
        ("沙湾养鸭场还在排污", "沙湾村养鸭场的污水直接排进河里。"),
    ):
        assert title_naming_its_facility(title, content) == title, title


SMELL = (
    "金穗饲料厂臭味扰民",
    "我住在A6区白鹭洲安置小区，离小区不到五百米有一家金穗饲料加工厂，每天晚上十点以后开始"
    "生产，散发出腥臭味，整个小区都能闻到。请环保部门夜间来检查一下，这个厂有没有环评。"
    "我们小区住了两千多户，老人和孩子多。",
)
SMELL_UNNAMED = (
    "饲料厂臭气熏天",
    "领导您好！白鹭洲这边晚上臭得受不了，是那个金穗饲料厂在烘料，臭味一直飘到凌晨四五点。"
    "我家老人有哮喘，这个月去了两次医院。我们也不是要厂子关门，只希望按规定处理好废气。",
)
INSURANCE_UNNAMED = (
    "饲料厂不给员工买社保",
    "我在金穗饲料厂上班三年了，厂里一直不给我们缴纳社会保险，请劳动部门督促厂里补缴。",
)


def test_strangers_letters_one_naming_the_facility_in_its_content_only_meet() -> None:
    first, second = strangers_matters(SMELL, SMELL_UNNAMED, start=START, region=DISTRICT)
    assert first == second


def test_another_problem_at_the_facility_stays_another_matter() -> None:
    for named in (SMELL, SMELL_UNNAMED):
        first, second = strangers_matters(named, INSURANCE_UNNAMED, start=START, region=DISTRICT)
        assert first != second, named[0]
