"""One writer's different matters under nested or equal titles, told apart by what their
contents are about, and a title saying it is a repeat (``services.dedup.aboutness``)."""

from __future__ import annotations

from datetime import UTC, datetime

from schemas.cases import Verdict
from services.dedup import aboutness, text
from services.dedup.decision import DedupDecision
from services.dedup.facts import CaseFacts
from tests.unit.dedup.letters import letter, run

START = datetime(2019, 3, 4, 9, tzinfo=UTC)
COUNTY = "430121"
HEAD = "领导您好："
TAIL = "谢谢！"


def _facts(day: int, title: str, content: str, ref: str = "pr_writer") -> CaseFacts:
    return letter(day, title, HEAD + content + TAIL, start=START, region=COUNTY, ref=ref)


_run = run


def _facets(title: str, content: str) -> frozenset[str]:
    return aboutness.facets(text.fold(f"{title}。{content}"))


def test_the_facets_are_kept_after_the_topic_and_left_out_of_its_pairs() -> None:
    found = _facets("咨询母亲的养老金领取", "我母亲今年满六十了，请问怎么申请领取？")
    assert found == {"r.mo", "c.apply"}
    kept = aboutness.with_kept("母亲 养老金领取", found)
    assert aboutness.kept_facets(kept) == found
    assert aboutness.without_kept(kept) == "母亲 养老金领取"
    assert text.topic_grams(kept) == text.topic_grams("母亲 养老金领取")
    assert aboutness.with_kept("养老金领取", frozenset()) == "养老金领取"
    assert aboutness.kept_facets("养老金领取") == frozenset()


def test_two_relatives_are_two_matters_one_relative_named_once_is_not() -> None:
    father = _facets("咨询养老金领取", "我父亲今年五月满六十周岁")
    mother = _facets("咨询母亲养老金领取", "我母亲今年满六十了")
    assert aboutness.differ(father, mother)
    # Silence in one letter is no evidence of another matter.
    assert not aboutness.differ(father, _facets("养老金何时发放", "上次问的养老金还没有收到"))
    # One relative named in both, whatever else each names, is no difference.
    assert not aboutness.differ(father, _facets("养老金", "我父亲和我母亲都满六十了"))


def test_a_level_asked_about_and_the_writers_own_payment_differ() -> None:
    own = _facets("咨询耕地地力补贴", "我家八亩地2018年的耕地地力保护补贴到现在没到账")
    level = _facets("咨询耕地地力补贴标准", "我们县每亩补贴为什么比邻县低？")
    assert aboutness.differ(own, level)
    assert not aboutness.differ(own, _facets("再次咨询耕地地力补贴", "补贴还是没有到账"))
    # Both at once: no difference.
    both = _facets("补贴", "补贴标准是多少，为什么还没发？")
    assert not aboutness.differ(own, both)


def test_a_refund_of_a_fund_and_its_use_differ() -> None:
    use = _facets("咨询房屋维修基金", "楼顶漏水两年了，物业说要动用维修基金，请问流程怎么走？")
    refund = _facets("咨询房屋维修基金退还", "旧房卖了，当初交的维修基金能不能退回来？")
    assert aboutness.differ(use, refund)


def test_wages_of_two_workplaces_differ() -> None:
    site = _facets("拖欠工资", "我在县城某建筑工地干了四个月木工，包工头拖欠工资一万二。")
    cook = _facets("拖欠工资", "我现在在一家饭店当厨师，老板两个月没发工资了。")
    assert aboutness.differ(site, cook)
    # Of a letter not on wages, a workplace named says nothing.
    assert not any(f.startswith("w.") for f in _facets("咨询医保", "我在饭店上班，想问医保怎么交"))


def test_one_writers_nested_titles_on_two_relatives_are_not_linked() -> None:
    # Fails before aboutness: the titles (0.67 alike) linked them as a repeat.
    decisions = _run(
        [
            _facts(
                0,
                "咨询养老金领取",
                "我父亲今年五月满六十周岁，交了十五年城乡居民养老保险，请问要去哪里办理领取手续？",
            ),
            _facts(
                45,
                "咨询母亲养老金领取",
                "我母亲今年满六十了，但她年轻时在外地交过几年，请问能不能合并计算后领取养老金？",
            ),
        ]
    )
    assert decisions[1].matter_id != decisions[0].matter_id


def test_one_writers_equal_titles_on_two_employers_are_not_linked() -> None:
    # Fails before aboutness: "拖欠工资" twice linked them as a repeat.
    decisions = _run(
        [
            _facts(
                0,
                "拖欠工资",
                "我在县城某建筑工地干了四个月木工，包工头拖欠工资一万二，过年前一直不给。",
            ),
            _facts(
                70,
                "拖欠工资",
                "我现在在一家饭店当厨师，老板两个月没发工资了，说生意不好，请劳动监察部门帮忙。",
            ),
        ]
    )
    assert decisions[1].matter_id != decisions[0].matter_id


def test_a_place_cut_from_an_asking_word_is_no_title_place() -> None:
    # Fails before: "咨询村" was the place of both titles, and the two villages the
    # contents name (李家村, 王家湾村) were excused.
    decisions = _run(
        [
            _facts(
                0,
                "咨询村道硬化",
                "我们李家村到三组的村道还是泥巴路，下雨天孩子上学很难走，请问什么时候能硬化？",
            ),
            _facts(
                35,
                "咨询村道硬化进度",
                "我岳父住的王家湾村去年就说要硬化进村道路，测量完了一直没开工，请问进度如何？",
            ),
        ]
    )
    assert decisions[1].matter_id != decisions[0].matter_id


def test_a_writers_true_repeats_stay_linked() -> None:
    decisions = _run(
        [
            _facts(
                0,
                "咨询高龄津贴",
                "我父亲今年满八十周岁，听说有高龄津贴，村里说已经报上去了，请问多久能领到？",
            ),
            _facts(
                50,
                "高龄津贴何时发放",
                "我父亲八十岁的高龄津贴报上去快两个月了，还没有领到，请问到底何时发放？",
            ),
        ]
    )
    assert decisions[1].verdict is Verdict.REPEAT
    assert decisions[1].matter_id == decisions[0].matter_id


def test_a_repeat_goes_with_the_earlier_letter_about_the_same_thing() -> None:
    # The s15 scenario: fails before (the level's letter joined the first, and the repeat
    # joined them both).
    decisions = _run(
        [
            _facts(
                0,
                "咨询耕地地力补贴",
                "我家承包的八亩地，2018年的耕地地力保护补贴到现在没到账，请问是什么原因？",
            ),
            _facts(
                30,
                "咨询耕地地力补贴标准",
                "听说各县耕地地力补贴每亩标准不一样，我们县为什么比邻县低？",
            ),
            _facts(
                60,
                "再次咨询耕地地力补贴",
                "我家八亩地2018年的补贴还是没有到账，村里说报上去了，请问卡在哪里？",
            ),
        ]
    )
    first, level, again = decisions
    assert level.matter_id != first.matter_id
    assert again.verdict is Verdict.REPEAT
    assert again.matter_id == first.matter_id


def test_the_titles_words_of_a_repeat() -> None:
    for title in (
        "再次咨询耕地地力补贴",
        "第二次请求在萍州小学正大门设置人行横道线",
        "第3次反映村道问题",
        "又来反映公租房申请",
        "咨询又一次停电",
        "重新反映拆迁补偿问题",
        "多次反映无果",
        "屡次投诉噪音扰民",
        "重新反映拆迁补偿问题",
    ):
        assert aboutness.says_repeat(text.fold(title)), title
    # "至今未", "仍未", "反复" describe the problem, not the writer's letters; "多次",
    # "第N次" only before an asking or letter word.
    for title in (
        "请求重新丈量土地",
        "咨询耕地地力补贴",
        "又快又好建设新城",
        "补贴至今未发放",
        "护林员补贴仍未到位",
        "独生子女证至今未补办",
        "小区反复停水",
        "多次停电影响生活",
        "第二次人口普查数据",
    ):
        assert not aboutness.says_repeat(text.fold(title)), title


_SOCIAL = "我在县城打工五年了，没有住房，请问外地户口能不能申请公租房，需要满足什么条件？"


def test_a_title_saying_repeat_links_its_writers_letter_at_a_lower_bar() -> None:
    # Titles 0.5 alike, texts below the bar without a place: without "再次" no link.
    first = _facts(0, "咨询公租房申请条件", _SOCIAL)
    again_words = "上次的问题没有答复，外地户口的公租房到底怎么申请？"
    plain = _run([first, _facts(40, "咨询公租房申请进度", again_words)])
    assert plain[1].matter_id != plain[0].matter_id
    said = _run([first, _facts(40, "再次咨询公租房申请进度", again_words)])
    assert said[1].verdict is Verdict.REPEAT
    assert said[1].matter_id == said[0].matter_id


def test_a_title_saying_repeat_does_not_link_another_writers_letter() -> None:
    first = _facts(0, "咨询公租房申请条件", _SOCIAL, ref="pr_someone")
    again = _facts(
        40, "再次咨询公租房轮候时间", "上次的问题没有答复，外地户口的公租房到底怎么申请？"
    )
    decisions = _run([first, again])
    assert decisions[1].matter_id != decisions[0].matter_id


def _pair(first: tuple[str, str], days: int, second: tuple[str, str]) -> list[DedupDecision]:
    return _run([_facts(0, *first), _facts(days, *second)])


def _linked(decisions: list[DedupDecision]) -> bool:
    return decisions[1].matter_id == decisions[0].matter_id


def test_relatives_named_in_passing_do_not_split_a_repeat() -> None:
    # The review's w01 and w03: fail before (a father, then a mother or a daughter, named
    # as the story's background, read as whose matter it is).
    assert _linked(
        _pair(
            (
                "宅基地被邻居侵占",
                "我家在李家村三组的宅基地，东边被邻居张某砌墙占了两米多，"
                "我父亲在世时就找村里调解过，一直没有结果，请求镇里处理。",
            ),
            30,
            (
                "宅基地被邻居侵占问题",
                "我家宅基地东边被邻居张某砌墙占了两米多，村里调解几次都不了了之，"
                "我母亲七十多岁了天天为这事睡不着觉，请求镇里尽快处理。",
            ),
        )
    )
    assert _linked(
        _pair(
            (
                "拖欠工资",
                "我在城南新城小区工地干了五个月木工，包工头拖欠工资两万三，"
                "我儿子下个月要交学费，请劳动监察部门帮忙追讨。",
            ),
            20,
            (
                "再次反映拖欠工资",
                "城南新城小区工地的包工头还是不给我们发工资，两万三一分没拿到，"
                "我女儿生病还等着用钱，请求尽快处理。",
            ),
        )
    )


def test_titles_sharing_their_place_are_not_split_by_relatives() -> None:
    # The review's w02: fails before (the son named in the second letter).
    assert _linked(
        _pair(
            (
                "李家村宅基地被侵占",
                "我家在李家村三组的宅基地，东边被邻居张某砌墙占了两米多，"
                "我父亲找村里调解过，一直没有结果，请求镇里处理。",
            ),
            25,
            (
                "李家村宅基地纠纷",
                "邻居张某砌墙占我家宅基地两米多的事，村里一直拖着不处理，"
                "我儿子明年要结婚急着建房，请求镇里尽快解决。",
            ),
        )
    )


def test_both_parents_and_a_spouses_mother_are_one_relative_each_way() -> None:
    # The review's w33 and w32: fail before ("我爸妈" read as the father alone; "我老公的
    # 母亲" as the husband).
    both = _facets("危房改造", "我爸妈住的土坯房是五十年前建的，墙体裂缝很大")
    assert {"r.fa", "r.mo"} <= both
    assert _facets("高龄津贴", "我老公的母亲今年八十岁") == _facets(
        "高龄津贴", "我婆婆今年满八十周岁"
    )
    assert _linked(
        _pair(
            (
                "危房改造",
                "我爸妈住的土坯房是五十年前建的，墙体裂缝很大，去年鉴定为C级危房，"
                "请问危房改造补助怎么申请？",
            ),
            30,
            (
                "危房改造补助申请",
                "我母亲七十多岁了还住在那栋土坯房里，墙裂得能塞进手指，去年就鉴定为C级危房，"
                "危房改造补助到底怎么申请？",
            ),
        )
    )
    assert _linked(
        _pair(
            (
                "咨询高龄津贴",
                "我婆婆今年满八十周岁，听说有高龄津贴，村里说已经报上去了，请问多久能领到？",
            ),
            40,
            (
                "高龄津贴何时发放",
                "我老公的母亲今年八十岁，高龄津贴报上去快两个月了，请问到底何时发放？",
            ),
        )
    )


def test_no_reply_received_is_no_payment_unpaid() -> None:
    # The review's w40: fails before ("至今没有收到回复" read as an unpaid subsidy, against
    # the first letter's level).
    assert "c.unpaid" not in _facets("再次反映", "上次反映的问题，至今没有收到回复")
    assert "c.unpaid" not in _facets("反映", "交了钱至今没有收到发票")
    assert "c.unpaid" in _facets("补贴", "补贴至今没有收到")
    assert _linked(
        _pair(
            (
                "护林员补贴偏低",
                "我们县护林员每月补贴标准比隔壁县低了两百元，巡山任务一样重，"
                "建议县里研究提高标准。",
            ),
            30,
            (
                "再次反映护林员补贴问题",
                "上次反映我们县护林员补贴的问题，至今没有收到回复，巡山任务这么重，请领导重视。",
            ),
        )
    )


def test_a_repeat_with_alike_titles_is_not_split_by_what_is_claimed() -> None:
    # The review's w31 and w34: fail before (a level named in passing, a refund said in
    # anger, against the first letter's unpaid subsidy and use of the fund).
    assert _linked(
        _pair(
            (
                "护林员补贴没发",
                "我是村里的生态护林员，2018年下半年的补贴到现在还没发到卡上，请问是什么原因？",
            ),
            30,
            (
                "再次反映护林员补贴",
                "我是生态护林员，每月八百元的补贴标准，去年七月到十二月一分钱都没见到，"
                "村里推乡里，乡里推县里，请领导过问。",
            ),
        )
    )
    assert _linked(
        _pair(
            (
                "维修基金问题",
                "我们小区3栋楼顶漏水两年了，物业说要动用维修基金，需要三分之二业主签字，"
                "请问具体流程怎么走？",
            ),
            30,
            (
                "再次反映维修基金问题",
                "3栋楼顶漏水的事物业还是推，说维修基金要业主签字才能用，我们交的钱用不了，"
                "那还不如退还给我们，请住建局督促。",
            ),
        )
    )


def test_a_standard_is_a_claim_only_where_it_is_asked() -> None:
    assert "c.std" not in _facets("护林员补贴", "每月八百元的补贴标准，一分钱都没见到")
    assert "c.std" in _facets("咨询护林员补贴标准", "巡山任务重")
    assert "c.std" in _facets("医保", "请问标准是怎么定的？")
    assert "c.std" not in _facets("医保", "比较麻烦的是报销少")


def test_mineral_water_is_no_mine() -> None:
    assert "w.mine" not in _facets("拖欠工资", "我在饮用水公司送矿泉水，老板拖欠工资")
    assert "w.mine" in _facets("拖欠工资", "我在煤矿下井，老板拖欠工资")


def test_a_problem_still_unsolved_is_no_repeat_of_another_matter() -> None:
    # The review's w37: fails before ("至今未补办" read as a repeat, linking the writer's
    # lost certificate to their earlier question on the only-child award).
    greeting = "尊敬的领导：您好！我是城关镇居民，"
    tail = "请领导百忙之中帮忙过问，"
    decisions = _pair(
        (
            "咨询独生子女父母奖励",
            f"{greeting}我和爱人只有一个女儿，今年我满六十周岁了，"
            f"请问独生子女父母奖励扶助金怎么申请？{tail}",
        ),
        30,
        (
            "独生子女证至今未补办",
            f"{greeting}我女儿的独生子女证搬家时弄丢了，去社区问了几次，至今没有给补办，"
            f"请问到哪里补办？{tail}",
        ),
    )
    assert not _linked(decisions)


def test_a_repeat_about_another_village_stays_apart() -> None:
    # The review's w16: fails before ("咨询村" was a place of both letters).
    decisions = _pair(
        (
            "咨询村道硬化",
            "我们李家村到三组的村道还是泥巴路，下雨天孩子上学很难走，请问什么时候能硬化？",
        ),
        35,
        (
            "再次咨询村道硬化",
            "我岳父住的王家湾村去年就说要硬化进村道路，测量完了一直没开工，请问进度如何？",
        ),
    )
    assert not _linked(decisions)
