"""An estate named in the forms residents give it, round two (issue 13).

Residents write their estate with the brand of one of the country's large developers
("建发央誉", "新希望锦麟府", "越秀琴湾", "万达溪岸里") and without it; a name of two
characters after its brand they write alone ("央誉物业费涨价", "檀悦划片"). A title glues
a request to its estate ("请求治理沁园广场夜间噪音", "讨要宏图南园项目工钱") or its problem
after it ("翡翠湾高层电梯故障"). Each form is read so that the letters meet; a short name
is one place only where one title names the estate whole and the other the short name,
one kind of problem in both.
"""

from __future__ import annotations

from datetime import UTC, datetime

from services.common.places import developer_brand, places, problem_at, without_developer
from services.dedup import text
from services.dedup.names import (
    bare_names,
    bare_place,
    held_names,
    named_whole,
    probes,
    short_head,
)
from tests.unit.dedup.letters import strangers_matters

START = datetime(2021, 4, 12, 9, tzinfo=UTC)
DISTRICT = "430111"


def _topic(title: str) -> str:
    return text.topic(text.fold(title))


def test_more_developers_brands_begin_an_estates_name() -> None:
    assert places("建发央誉物业费上涨不合理") == frozenset({"建发央誉"})
    assert places("万达溪岸里车库再次进水") == frozenset({"万达溪岸里"})
    assert developer_brand("新希望锦麟府") == "新希望"
    assert without_developer("新希望锦麟府") == "锦麟府"
    assert without_developer("越秀琴湾") == "越秀琴湾"
    # A word, not a brand before a name: no estate.
    assert places("为我们县做出的卓越贡献") == frozenset()
    assert places("万达广场里停车收费") == frozenset({"万达广场"})
    assert places("万科家里漏水") == frozenset()


def test_a_requests_words_are_no_part_of_the_name() -> None:
    assert places("请求治理沁园广场夜间噪音") == frozenset({"沁园广场"})
    assert places("希望沁园广场安装噪声显示屏") == frozenset({"沁园广场"})
    assert places("希望沁园小区安装路灯") == frozenset({"沁园小区"})
    assert places("讨要宏图南园项目工钱") == frozenset({"宏图南园"})
    assert places("反应央玉小区物业强行涨价") == frozenset({"央玉小区"})
    # Names that begin with such words stay whole.
    assert places("建设北路") == frozenset({"建设北路"})
    assert places("希望小学") == frozenset({"希望小学"})
    assert places("希望家园") == frozenset({"希望家园"})


def test_gardening_and_a_sentences_word_before_a_kind_name_no_place() -> None:
    assert places("1到6栋主体都封顶了，就差外墙、水电和园林") == frozenset()
    assert places("投诉市园林局") == frozenset()
    assert places("小区门口有学校却不能读") == frozenset()
    assert places("严重影响本小区居民休息") == frozenset()
    # One character of a name is kept with the words before it, as before.
    assert places("就在隔壁太悦城的旁边") == frozenset({"隔壁太悦城"})
    assert places("江南园林小区") == frozenset({"江南园林小区"})


def test_a_titles_bare_place_without_its_problem_or_losing_its_brand() -> None:
    assert problem_at("翡翠湾高层") == 3
    assert bare_place(_topic("翡翠湾高层电梯故障")) == "翡翠湾"
    assert bare_place(_topic("君兰江山开发商强卖车位")) == "君兰江山"
    assert bare_place(_topic("建发央誉物业费上涨")) == "建发央誉"


def test_two_characters_after_a_brand_are_a_short_name() -> None:
    assert bare_names("建发央誉小区") == ("建发央誉", "央誉")
    assert bare_names("阳光城檀悦") == ("檀悦",)
    # A kind of estate after a brand is no estate's own name; nor is a name without one.
    assert bare_names("恒大华府") == ()
    assert bare_names("恒大绿洲小区") == ("恒大绿洲",)
    # A series' own name is one ("碧桂园天玺": residents write "天玺交房遥遥无期").
    assert bare_names("碧桂园天玺") == ("天玺",)
    assert bare_names("万达广场") == ()
    assert bare_names("央誉小区") == ()


def test_a_title_beginning_with_a_short_name_before_a_problem() -> None:
    assert short_head(_topic("央誉物业停门禁卡逼交涨价后的物业费")) == "央誉"
    assert short_head(_topic("檀悦划片问题")) == "檀悦"
    for title in ("小区物业乱收费", "我们业主要求公开账目", "物业费凭什么涨", "电梯坏了没人管"):
        assert short_head(_topic(title)) == "", title
    topic = _topic("央誉物业停门禁卡逼交涨价后的物业费")
    assert "央誉" in held_names([], topic)
    assert "央誉" in probes(topic, [])
    # Held only by a title naming a kind of problem.
    assert held_names([], _topic("央誉业主")) == []


_WHOLE = (
    "建发央誉房产证迟迟办不下来",
    "我是建发央誉小区的业主，交房三年了房产证还办不下来，开发商一直拖着，请相关部门督促。",
)


def test_a_title_naming_a_branded_estate_without_its_estate_word_names_it_whole() -> None:
    topic = _topic(_WHOLE[0])
    assert named_whole(("建发央誉小区",), topic) == (("建发央誉", ("央誉",)),)
    assert named_whole(("建发央誉小区",), _topic("央誉房产证办不了")) == ()


def test_strangers_naming_an_estate_whole_and_short_are_one_matter() -> None:
    short = ("央誉房产证办不了", "交房好几年了，房产证一直办不了，开发商说在走流程，请领导过问。")
    first, second = strangers_matters(_WHOLE, short, start=START, region=DISTRICT)
    assert second == first


def test_a_short_name_with_another_kind_of_problem_is_no_place() -> None:
    other = ("央誉燃气迟迟不通", "入住一年了燃气还没开通，每天只能用电磁炉做饭，请领导过问。")
    first, second = strangers_matters(_WHOLE, other, start=START, region=DISTRICT)
    assert second != first
