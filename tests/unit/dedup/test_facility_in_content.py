"""A title naming its facility by its generic word only, or its town only, named in its
content (issue 13).

Residents title a letter with the problem and the facility's generic word ("饲料厂臭气熏
天", "养猪场污染") and name the facility in the content ("那个金穗饲料厂", "长安村的养猪
场"), as their neighbours' titles do. The title is read as naming the one its content
names of that very word, when the content names one such, by a name the reading of places
finds; else as written. So is a title naming a town ("榔梨镇至县城公交班次太少") whose
content names the one village of the town it is about ("我们是榔梨镇杏坛村的村民").
"""

from __future__ import annotations

from datetime import UTC, datetime

from services.dedup.features import title_naming_its_facility, title_naming_its_village
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


def test_a_titles_town_is_narrowed_to_the_one_village_of_it_its_content_names() -> None:
    assert (
        title_naming_its_village(
            "请求解决A7县榔梨镇至县城公交班次太少的问题",
            "我们是A7县榔梨镇杏坛村的村民，到县城只有一趟乡村公交。",
        )
        == "请求解决A7县榔梨镇杏坛村至县城公交班次太少的问题"
    )
    assert (
        title_naming_its_village(
            "反映A9市集里街道养猪场污染", "A9市集里街道长安村有一个养猪场，粪水直排小河。"
        )
        == "反映A9市集里街道长安村养猪场污染"
    )
    for title, content in (
        # Two villages of the town; none right after it; a village the title names.
        ("榔梨镇公交班次太少", "榔梨镇杏坛村和榔梨镇东山村都只有四班车。"),
        ("榔梨镇公交班次太少", "我住在杏坛村，榔梨镇的公交一天四班。"),
        ("咨询加义镇三村空心房拆除补偿", "我是加义镇三村村民，想问空心房拆除补偿。"),
        ("榔梨镇杏坛村公交太少", "榔梨镇杏坛村到县城只有四班车。"),
        # Many villages, a former one, two towns in the title.
        ("黄花镇路灯安装", "黄花镇各村的路灯都不亮。"),
        ("高桥镇白鹭湖移民问题", "高桥镇原桐仁村的移民至今未安置。"),
        ("含浦镇含浦街道发展缓慢", "含浦镇之字港村一带发展缓慢。"),
        # The town's own institution, not the village's.
        ("投诉井头圩镇供电所砍树", "我是井头圩镇廖家村村民，供电所砍了我家的树。"),
    ):
        assert title_naming_its_village(title, content) == title, title


TOWNS_FARM = (
    "反映A9市集里街道养猪场污染",
    "尊敬的领导您好：A9市集里街道长安村有一个养猪场，存栏上千头，猪粪水直接排到旁边的小河"
    "里，河水发黑发臭，下游村民都受到影响。请环保部门查处。",
)


def _villages_farm(village: str) -> tuple[str, str]:
    return (
        f"{village}养猪场臭气熏天",
        f"我是A9市{village}村民，村里的养猪场离住户不到两百米，整个村子都是猪粪味，粪水排到"
        "河里，河里的鱼都死了。请求政府依法关停。",
    )


def test_a_letter_titled_by_its_town_meets_its_villages_neighbours_not_another_villages() -> None:
    for village, together in (("长安村", True), ("东山村", False)):
        first, second = strangers_matters(
            _villages_farm(village), TOWNS_FARM, start=START, region="430181"
        )
        assert (first == second) is together, village
