"""The failures of issue 13, as a user sees them: a prolific writer, a city-level letter,
one matter named with and without its district."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from schemas import examples
from schemas.cases import Verdict
from services.common.submitted import parse
from services.dedup import text
from services.dedup.decision import DedupDecision
from services.dedup.facts import CaseFacts
from services.intake import register as intake
from tests.unit.dedup.letters import letter as _letter
from tests.unit.dedup.letters import run

START = datetime(2019, 3, 1, 9, tzinfo=UTC)
CITY, COUNTY, OTHER_COUNTY = "430100", "430121", "430102"
#: The district the letters on an estate's mixing plant name ("A6区").
DISTRICT_A6 = "430112"
#: One writer's habit, in every letter whatever it is about.
STYLE = "在国家大力倡导民生优先的大背景下，希望市委市政府高度重视，切实为民办实事。"


def _facts(n: int, region: str, title: str, content: str, ref: str = "pr_writer") -> CaseFacts:
    return _letter(n, title, content, start=START, region=region, ref=ref)


_run = run


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
        petition = parse(raw)
        case = intake.register(petition, hmac_key=b"k" * 32, now=petition.received_at).case
        assert case.region_code == code


def test_residents_letters_about_the_estate_their_titles_name_are_one_matter() -> None:
    # Three residents, three wordings, one problem at the estate every title names.
    letters = [
        ("请求撤销九龙时代广场小区垃圾站",
         "设在九龙时代广场小区居民楼下的生活垃圾收集站异味越来越浓，严重影响居民生活。"),
        ("九龙时代广场小区的垃圾收集站问题依然如旧",
         "时间到了九月底，九龙时代广场小区中心的垃圾站和垃圾处理房问题依然如旧，臭味难闻。"),
        ("再次反映九龙时代广场小区垃圾站扰民",
         "我们九龙时代广场小区的垃圾收集站每天早上清运噪音很大，夏天臭气熏天，请求搬走。"),
    ]  # fmt: skip
    cases = [
        _facts(n, COUNTY, title, content, ref=f"pr_{n}")
        for n, (title, content) in enumerate(letters)
    ]
    decisions = _run(cases)
    assert [d.verdict for d in decisions] == [Verdict.NEW, Verdict.JOINT, Verdict.JOINT]
    assert len({d.matter_id for d in decisions}) == 1


def test_strangers_who_both_mention_a_hospital_are_not_one_matter() -> None:
    # The place is in neither title: a hospital both letters pass by is not their matter.
    first = (
        "母亲患帕金森综合征六年，病情越来越重，在第一人民医院住院治疗，"
        "医保报销比例太低，家里已经负担不起，希望政府给予救助。"
    )
    second = (
        "妻子怀孕出血，送到第一人民医院却说不能接收，只好转院，"
        "居民医保在外地医院治疗报销比例太低，希望政府给予解释。"
    )
    decisions = _run(
        [
            _facts(0, CITY, "一个病人的请求", first, ref="pr_a"),
            _facts(1, CITY, "咨询居民医保报销问题", second, ref="pr_b"),
        ]
    )
    assert decisions[1].matter_id != decisions[0].matter_id


def test_a_writers_habitual_place_and_phrases_do_not_make_later_letters_repeats() -> None:
    # Every letter names the same road and opens with the same phrases. The first letters
    # cannot tell a habit from a matter; once a phrase recurs in two earlier letters, what
    # a new letter shares with them is the writer's habit, and it is no repeat.
    style = "在国家大力倡导民生优先的大背景下，希望市委市政府高度重视星沙大道沿线的发展，"
    letters = [
        ("建议提高星沙大道旁学校教师待遇",
         "乡村教师工资偏低，年轻老师留不住，孩子们上课没有保障，很多家长只好把孩子送进城。"),
        ("建议在星沙大道增设公交站点",
         "上下班坐车很不方便，等车要半个小时，老人小孩尤其辛苦，希望增加一个停靠站。"),
        ("建议加快星沙大道地铁建设",
         "地铁建设进度太慢，每天堵车两个小时，工地围挡占了半条马路，希望早日开通。"),
        ("关于星沙大道城市规划的建议",
         "城市规划应当多留绿地，少建高楼，给市民留些散步锻炼的空间，也让城市更美。"),
        ("建议整治星沙大道夜宵摊",
         "夜宵摊占道经营到凌晨，油烟噪音扰民，垃圾满地，希望城管部门加强管理。"),
    ]  # fmt: skip
    decisions = _run([_facts(n, CITY, t, style + c) for n, (t, c) in enumerate(letters)])
    later = decisions[3:]
    assert [d.verdict for d in later if d.verdict is Verdict.REPEAT] == []
    assert len({d.matter_id for d in later}) == len(later)


def test_a_writers_reworded_letters_about_one_matter_stay_repeats() -> None:
    style = "在国家大力倡导民生优先的大背景下，希望市委市政府高度重视，切实为民办实事。"
    about_bus = [
        "星沙204路公交车调整线路，我们住在水岸世景小区，居民出行很不方便，请恢复原线路。",
        "204路公交调整以后，住在水岸世景小区的居民出门要走两公里，请求恢复原来的线路。",
        "再次反映：204路改线后，住在水岸世景小区的居民出行太难，至今没有恢复原线路。",
    ]
    other = "城市规划应当多留绿地，少建高楼，给市民留些散步锻炼的空间，也让城市更美。"
    cases = [
        _facts(0, COUNTY, "反对204路公交车调整线路", style + about_bus[0]),
        _facts(1, COUNTY, "关于城市规划的建议", style + other),
        _facts(2, COUNTY, "204路公交改线问题", style + about_bus[1]),
        _facts(3, COUNTY, "再次反映204路改线", style + about_bus[2]),
    ]
    decisions = _run(cases)
    assert decisions[1].matter_id != decisions[0].matter_id
    assert [d.verdict for d in decisions[2:]] == [Verdict.REPEAT, Verdict.REPEAT]
    assert {d.matter_id for d in decisions[2:]} == {decisions[0].matter_id}


def test_residents_titles_about_one_bus_route_change_link_however_their_letters_differ() -> None:
    # Three residents, one problem (a route change), letters that share few words; a
    # fourth complains about the same route's drivers: another matter.
    letters = [
        ("强烈反对星沙204路公交线的调整",
         "听说下个月起公交线路要改，以后从小区门口到汽车站再没有直达车，上班的人怎么办。"),
        ("反对星沙204路公交车调整线路运行",
         "我们这一片住着几千户人家，新线路绕开了我们，老人去医院要转两次车，请三思。"),
        ("强烈反对星沙204路调整线路",
         "本来就只有这一趟车经过，改了以后走到最近的站要二十分钟，孩子上学也不方便。"),
        ("投诉星沙204路公交车甩客",
         "司机经常不进站，站台上等车的人招手也不停，昨天晚上我等了四十分钟。"),
    ]  # fmt: skip
    decisions = _run([_facts(n, COUNTY, t, c, ref=f"pr_{n}") for n, (t, c) in enumerate(letters)])
    assert [d.verdict for d in decisions[:3]] == [Verdict.NEW, Verdict.JOINT, Verdict.JOINT]
    assert len({d.matter_id for d in decisions[:3]}) == 1
    assert decisions[3].matter_id != decisions[0].matter_id


def test_a_writers_letters_with_one_title_are_repeats_and_with_others_are_not() -> None:
    # The same person: the second letter says the same in its title and little the same
    # in its words; the third asks about another policy in the same words of a request.
    cases = [
        _facts(0, CITY, "咨询A市计划生育政策的几个问题",
               "我家二孩出生时间在政策调整前后，想知道能不能办理准生证，社会抚养费怎么算。"),
        _facts(1, CITY, "再次咨询A市计划生育政策问题",
               "上次留言没有得到明确答复，我再问一遍：孩子的户口现在能不能上，要交多少钱。"),
        _facts(2, CITY, "咨询A市公积金贷款政策的几个问题",
               "我想用公积金贷款买二手房，想知道最多能贷多少，首付比例是多少，要多久放款。"),
    ]  # fmt: skip
    decisions = _run(cases)
    assert decisions[1].verdict is Verdict.REPEAT
    assert decisions[1].matter_id == decisions[0].matter_id
    assert decisions[2].matter_id != decisions[0].matter_id


def test_a_writers_titles_saying_the_same_of_one_village_link_across_fields() -> None:
    # The same person twice about one village group's road, in other words, and the
    # keyword fields of the two letters differ: the titles, once the village they share
    # is left out, say the same, and that is the matter.
    first, second = (
        replace(
            _facts(n, COUNTY, title, content),
            field=field,
        )
        for n, (title, content, field) in enumerate([
            ("界首镇大新村15组（爱花冲）请求进行道路硬化",
             "我组三十多户人家出行只有一条泥巴路，下雨天车子进不来，农产品运不出去。",
             "transport"),
            ("界首镇大新村爱花冲组请求硬化道路",
             "村里其他组早就通了水泥路，只有我们组还没有，老人孩子雨天摔跤是常事。",
             "agriculture"),
        ])
    )  # fmt: skip
    decisions = _run([first, second])
    assert decisions[1].verdict is Verdict.REPEAT
    assert decisions[1].matter_id == decisions[0].matter_id


def test_a_long_letter_naming_one_more_place_than_the_others_is_the_same_matter() -> None:
    # One writer twice about a bus line to a township: the letters name the same routes
    # and bridges, and each one stray place the other does not.
    shared = "现在102路、105路、109路都到不了，大成桥那边也没有车，群众出行非常不便。"
    cases = [
        _facts(0, COUNTY, "请求开通乡里的公交车",
               "请求开通县城到朱良桥的公交车。" + shared + "白马桥一带的居民也盼着通车。"),
        _facts(1, COUNTY, "呼吁开通乡里的公交车",
               "呼吁开通县城到朱良桥的公交车。" + shared + "宁朱公路早已修好，只差一趟车。"),
    ]  # fmt: skip
    decisions = _run(cases)
    assert decisions[1].verdict is Verdict.REPEAT
    assert decisions[1].matter_id == decisions[0].matter_id


def test_the_same_template_about_the_estate_up_the_road_is_another_matter() -> None:
    # Half the places shared is not most: the other estate on the same road.
    text = "{}地下室长期积水，水深已超过30厘米，夏天蚊虫滋生，请督促尽快排水，人民路旁。"
    cases = [
        _facts(0, COUNTY, "阳光小区地下室积水", text.format("阳光小区")),
        _facts(1, COUNTY, "月光小区地下室积水", text.format("月光小区"), ref="pr_other"),
    ]
    decisions = _run(cases)
    assert decisions[1].matter_id != decisions[0].matter_id


def test_strangers_asking_for_lights_at_two_different_crossroads_are_not_one_matter() -> None:
    # "交叉路口" is any crossroads, not a place: the roads that cross are the places.
    cases = [
        _facts(0, COUNTY, "希望在栖凤路与佳园路交叉路口设置交通信号灯",
               "栖凤路与佳园路交叉路口车流量大，行人过斑马线时车辆速度很快，"
               "给过往行人带来安全隐患，希望交通部门设置信号灯。", ref="pr_a"),
        _facts(1, COUNTY, "反映万家丽南路与港子河路交叉路口红绿灯设置问题",
               "港子河路临时通车后，从港子河路驶向万家丽南路的交叉路口没有左转红绿灯，"
               "车辆横冲直撞，事故频繁，带来严重的安全隐患，希望尽快设置信号灯。", ref="pr_b"),
    ]  # fmt: skip
    decisions = _run(cases)
    assert decisions[1].matter_id != decisions[0].matter_id


def test_a_strangers_letter_about_the_road_an_estates_letter_mentions_is_another_matter() -> None:
    # The estate's letter names the road beside its land; the other letter is about that
    # road's noise barriers: each title is about its own place.
    cases = [
        _facts(0, COUNTY, "关于潇楚花园私改住宅用地为摊贩经营点的投诉",
               "我们是潇楚花园二期的业主。按开发商公示的规划，大道与旺龙路交汇处以北的"
               "地块应是潇楚花园的住宅用地和商业广场，现在却改成了摊贩经营点，"
               "噪音非常大，严重影响生活质量，请求按规划建设。", ref="pr_a"),
        _facts(1, COUNTY, "希望在旺龙路交界处安装隔音屏",
               "大道是东西交通要道，车流不息，凌晨都车水马龙，噪音非常大，严重影响生活"
               "质量。政府在两侧安装了部分隔音屏，但在旺龙路交界处停止了安装，"
               "请求继续安装。", ref="pr_b"),
    ]  # fmt: skip
    decisions = _run(cases)
    assert decisions[1].matter_id != decisions[0].matter_id


def test_a_writers_market_named_with_its_former_in_two_places_is_one_matter() -> None:
    # "原杨家田农贸市场" and "杨家田原农贸市场": the same former market, a word moved.
    cases = [
        _facts(0, COUNTY, "请求继续解决原杨家田农贸市场旁居民的生存环境问题",
               "政府对原杨家田农贸市场进行了整治，好景只维持了两天，现在小商贩又占道"
               "经营，鸡鸭毛满天飞，污水横流，请求政府坚持治理一两个月。"),
        _facts(6, COUNTY, "请求解决杨家田原农贸市场旁居民生存环境问题",
               "市场拆了，却没有治理，小摊依然如故，堵住了消防通道。乡里回复说安排两支"
               "队伍日常管理，我们居民没看到过，请求政府重视。"),
    ]  # fmt: skip
    decisions = _run(cases)
    assert decisions[1].verdict is Verdict.REPEAT
    assert decisions[1].matter_id == decisions[0].matter_id


def test_residents_letters_about_one_firm_named_by_its_trade_are_one_matter() -> None:
    # One title names the firm, the other only its kind; the first letter names the firm,
    # and what the second title says besides the firm ("扰民") the first title says too.
    cases = [
        _facts(0, COUNTY, "投诉物流公司扰民",
               "同兴物流晚上九点半开始装卸货，一直到十二点多才结束，严重影响周边居民休息。"
               "打电话给相关部门，说会解决，但依然没有解决。", ref="pr_a"),
        _facts(27, COUNTY, "投诉同兴物流扰民",
               "到底还能不能处理？反映了两三个月了，每次回复都是那几句话，"
               "今天晚上又吵到凌晨一点钟。", ref="pr_b"),
    ]  # fmt: skip
    decisions = _run(cases)
    assert decisions[1].verdict is Verdict.JOINT
    assert decisions[1].matter_id == decisions[0].matter_id


def test_a_resident_writing_again_after_four_years_about_the_estates_street_is_a_repeat() -> None:
    # Past three years only the place the title names links: the same estate's night
    # market again is the old matter; a letter alike in words about no place is new.
    market = (
        "我是板桥小区27栋的业主，楼下开了十多家夜宵店，占道经营屡禁不止，噪音和油烟"
        "严重影响居民休息，多次反映仍未解决。"
    )
    cases = [
        _facts(0, COUNTY, "反映星沙镇板桥小区夜宵一条街占道经营和噪音扰民", market),
        _facts(4 * 365, COUNTY, "反映泉塘街道板桥小区夜宵一条街噪音扰民、店外占道经营",
               "近年来我多次反映板桥小区内夜宵一条街噪音扰民、店外占道经营，迟迟得不到解决，"
               "一到晚上划拳吵闹，整夜无法入睡。"),
        _facts(4 * 365 + 1, COUNTY, "反映夜宵店噪音扰民",
               "楼下开了十多家夜宵店，占道经营屡禁不止，噪音和油烟严重影响居民休息，"
               "多次反映仍未解决。", ref="pr_other"),
    ]  # fmt: skip
    decisions = _run(cases)
    assert decisions[1].verdict is Verdict.REPEAT
    assert decisions[1].matter_id == decisions[0].matter_id
    assert decisions[2].matter_id != decisions[0].matter_id


def test_a_one_line_question_about_a_school_is_not_a_long_letter_about_its_building() -> None:
    # The question's every pair of characters is in the long letter: containment of a
    # one-line text says nothing of the matter.
    cases = [
        _facts(0, COUNTY, "咨询星沙城区的天达中学、天华小学的具体选址地点",
               "请问星沙城区的天达中学、天华小学的具体选址地点", ref="pr_a"),
        _facts(30, COUNTY, "希望拔除银河宿舍，搞好天达中学建设工程",
               "星沙城区的银河基地早就规划建设天达中学，但是东北角一栋银河宿舍至今没有拔除，"
               "影响了天达中学的建设。请问天达中学什么时候能建好？泉塘街道楼盘增多，人口迅速"
               "增加，小孩读初中要跑很远，希望早日建好天达中学，具体选址地点也请公开。",
               ref="pr_b"),
    ]  # fmt: skip
    decisions = _run(cases)
    assert decisions[1].matter_id != decisions[0].matter_id


def test_residents_letters_link_by_the_estate_either_title_names_in_either_order() -> None:
    # One resident's title names the estate, the other's only the plant; the second
    # names the estate where its letter begins. Which came first changes nothing.
    named = ("投诉丽发新城小区旁搅拌站噪音扰民",
             "丽发新城小区旁边的混凝土搅拌站日夜施工，机器轰鸣，"
             "粉尘满天，居民无法休息。")  # fmt: skip
    unnamed = ("搅拌站半夜还在作业，请求搬迁",
               "我们是丽发新城小区的业主，旁边的混凝土搅拌站半夜还在打料，大车进进出出，"
               "粉尘满天，窗户都不敢开，居民无法休息。")  # fmt: skip
    for order in ((named, unnamed), (unnamed, named)):
        cases = [
            _facts(n, COUNTY, title, content, ref=f"pr_{n}")
            for n, (title, content) in enumerate(order)
        ]
        decisions = _run(cases)
        assert decisions[1].verdict is Verdict.JOINT
        assert decisions[1].matter_id == decisions[0].matter_id


def test_a_letter_naming_the_others_title_place_only_in_passing_is_another_matter() -> None:
    # The quarry's letter names the hospital far into its text, not as what it is about,
    # though the two share a sentence or two (a text score of 0.5).
    quarry = (
        "永安村的采石场常年放炮开采，村民房屋被震裂，粉尘污染严重，几百亩农田无法耕种，"
        "村民多次向镇政府反映，一直没有结果，采石场反而越开越大，运石车把村道全部压坏，"
        "老人小孩出门都不安全。去年一位村民被飞石砸伤，送到人民医院花了几万元，"
        "采石场至今没有赔偿，非常危险，请求尽快关闭。"
    )
    cases = [
        _facts(0, COUNTY, "人民医院围墙开裂，影响过往行人安全",
               "人民医院靠马路一侧的围墙开裂倾斜，随时可能倒塌，过往行人很多，"
               "非常危险，请求尽快维修。村民多次向镇政府反映，一直没有结果。", ref="pr_a"),
        _facts(1, COUNTY, "请求关闭采石场", quarry, ref="pr_b"),
    ]  # fmt: skip
    decisions = _run(cases)
    assert decisions[1].matter_id != decisions[0].matter_id


def test_titles_saying_mostly_the_same_of_one_estate_link_and_a_bus_alone_does_not() -> None:
    # Besides the estate, most of what the shorter title says ("不动产证办理") is in the
    # other: one matter, two years apart, however little the letters share. Two titles
    # sharing only "公交车" besides their road are not.
    cases = [
        _facts(0, COUNTY, "咨询峥嵘家园不动产证办理的相关问题",
               "我家2011年买的房，当时交了代办的钱，五年过去了证还没下来，请问什么时候能办好？",
               ref="pr_a"),
        _facts(2 * 365, COUNTY, "投诉峥嵘家园开发商不提供不动产证地契税票",
               "峥嵘家园开发商收了我们一万元，说好了交房后办理，现在以各种理由拖着，税票也不给。",
               ref="pr_b"),
        _facts(2 * 365 + 1, COUNTY, "请求恢复开元路的公交车",
               "开元东路沿线的小区都属于松雅湖中学学区，学生人数众多，原来的公交车停了。",
               ref="pr_c"),
        _facts(2 * 365 + 2, COUNTY, "反映开元路公交车的两个现象",
               "开元路的公交车经常不按站停靠，司机态度差，请求整改。", ref="pr_d"),
    ]  # fmt: skip
    decisions = _run(cases)
    assert decisions[1].matter_id == decisions[0].matter_id
    assert decisions[3].matter_id != decisions[2].matter_id


def test_a_writers_estate_in_the_opening_of_a_letter_about_another_place_links_nothing() -> None:
    # The writer's first title names their estate; the second letter opens with the
    # estate too, as every letter of theirs does, but its title is about another place.
    cases = [
        _facts(0, COUNTY, "请求在丽发新城小区门口增设公交站",
               "我是丽发新城小区的业主，小区门口没有公交站，居民出行要走两公里，老人小孩很不"
               "方便。附近的公交线路都从大路经过，下雨天更是寸步难行，上班族每天要早起半小时。"
               "请公交公司在小区门口设一个站点，方便附近三千户居民出行。"),
        _facts(30, COUNTY, "建议在暮云街道增设地铁站",
               "我是丽发新城小区的业主，地铁规划经过暮云街道却不设站，附近几万居民只能绕行。"
               "暮云片区这几年人口增长很快，学校医院商场都在建设，地铁站是片区发展的关键。"
               "建议轨道交通集团重新论证，在暮云街道中心增设一个站点。"),
    ]  # fmt: skip
    decisions = _run(cases)
    assert decisions[1].matter_id != decisions[0].matter_id


def test_strangers_letters_on_different_problems_of_one_market_are_different_matters() -> None:
    # Both titles name the market and both letters tell of its ring road and blocked fire
    # lanes, but one reports stalls encroaching on the road, the other a stall-holder's
    # illegal extension of their shop: two problems of the market, each its own remedy.
    ring_road = "消防通道被堵塞，请有关部门整治。"
    cases = [
        _facts(0, COUNTY, "举报南大门市场个体户占道经营",
               "南大门市场环道部分摊位占道经营严重，随意乱摆摊，造成诸多不公平。" + ring_road,
               ref="pr_a"),
        _facts(9, COUNTY, "举报南大门市场一经营户私搭乱建",
               "南大门市场环道桥下3号门面的经营户私自对门面进行改造延伸，影响周边摊位。"
               + ring_road,
               ref="pr_b"),
        _facts(20, COUNTY, "南大门市场摊贩占道，消防通道被堵",
               "南大门市场环道上摊贩天天占道摆摊，没人管。" + ring_road, ref="pr_c"),
    ]  # fmt: skip
    decisions = _run(cases)
    assert decisions[1].verdict is not Verdict.JOINT
    assert decisions[1].matter_id != decisions[0].matter_id
    # A third stranger on the stalls' encroachment, worded apart, is the first's matter.
    assert decisions[2].verdict is Verdict.JOINT
    assert decisions[2].matter_id == decisions[0].matter_id


def test_strangers_letters_on_a_routes_course_and_on_its_timetable_are_different_matters() -> None:
    # Both about one route and the commuters of one estate: one asks that it run further,
    # the other that it run more often. A third on the extension, worded apart, joins the
    # first.
    riders = "我们住在星城国际小区，每天坐63路公交车上下班，请公交公司考虑。"
    cases = [
        _facts(0, COUNTY, "请求63路公交车线路延伸至云田学校",
               "63路现在只到火车站，希望延伸到云田学校，孩子上学方便。" + riders, ref="pr_a"),
        _facts(5, COUNTY, "能否增开63路公交车班次",
               "63路早晚高峰要等半个小时，车上挤不下，希望增加发车。" + riders, ref="pr_b"),
        _facts(9, COUNTY, "希望63路公交车延伸到云田学校",
               "孩子在云田学校读书，63路能不能往前开一段。" + riders, ref="pr_c"),
    ]  # fmt: skip
    decisions = _run(cases)
    assert decisions[1].verdict is not Verdict.JOINT
    assert decisions[1].matter_id != decisions[0].matter_id
    assert decisions[2].verdict is Verdict.JOINT
    assert decisions[2].matter_id == decisions[0].matter_id


def test_the_same_kind_of_problem_at_one_place_links_across_keyword_fields() -> None:
    # One writer, a month apart, on the works' pollution: the keyword classifier files the
    # first under land (the fields), the second under environment.
    first = replace(
        _facts(0, COUNTY, "反映城南化工厂废水直排稻田",
               "我是东塘村村民，城南化工厂的废水直接排进我们的稻田，几十亩田不能种了，"
               "井水也不能喝了，请领导重视。"),
        field="land_rural",
    )  # fmt: skip
    again = replace(
        _facts(30, COUNTY, "反映城南化工厂污染环境一事",
               "城南化工厂污染的事情反映了很久，村里的田和井水都被污染了，政府只说修管道，"
               "不谈补偿，希望领导来现场看看。"),
        field="environment",
    )  # fmt: skip
    decisions = _run([first, again])
    assert decisions[1].verdict is Verdict.REPEAT
    assert decisions[1].matter_id == decisions[0].matter_id
    # Another kind of problem of the works, filed under another field, stays apart.
    other = replace(again, case_id="XF-0031", title="反映城南化工厂拖欠工人工资一事")
    assert _run([first, other])[1].matter_id != decisions[0].matter_id


def test_strangers_letters_on_one_kind_of_problem_of_one_place_link_worded_apart() -> None:
    # Two residents, two months apart, on the town's idle car park: the second title
    # names no place, its opening names the car park the first title names, and both
    # titles ask about parking (a text score of 0.25 against the first: a link).
    first = _facts(0, COUNTY, "请求启用石星停车场和石星农贸市场",
                   "我们是石星大道的住户。石星停车场建好了一直不用，客运车辆都停在石星大道两边，"
                   "乱摆乱放，赶集的百姓没有地方站，请领导督促尽快启用。", ref="pr_a")  # fmt: skip
    second = _facts(60, COUNTY, "请求合理利用新建的停车场",
                    "镇上的老市场破旧不堪，新市场建好却闲置。石星停车场又平又宽，被政府闲置，"
                    "石星大道两边却停满客运车，乱摆乱放，城管形同虚设，百姓苦不堪言。",
                    ref="pr_b")  # fmt: skip
    decisions = _run([first, second])
    assert decisions[1].verdict is Verdict.JOINT
    assert decisions[1].matter_id == decisions[0].matter_id
    # The same words under a title on another kind of problem of the road stay apart.
    noise = replace(second, title="石星大道客运车辆噪音扰民")
    assert _run([first, noise])[1].matter_id != decisions[0].matter_id


def test_residents_letters_on_a_factorys_pollution_link_however_little_they_share() -> None:
    # Two neighbours: one on its waste water, one on its fumes; the factory in both
    # titles, pollution both (a text score of 0.19: below the same-place 0.25).
    water = _facts(0, COUNTY, "恒通机械厂偷排污水",
                   "恒通机械厂经常在晚上偷偷排放废水，还向附近河道排放污水，周围几十户群众饱受"
                   "困扰，希望环保部门检查。", ref="pr_a")  # fmt: skip
    fumes = _facts(9, COUNTY, "投诉恒通机械厂污染环境",
                   "恒通机械厂每天夜里排出刺鼻的气体，居民出现头晕咳嗽，河里的鱼也死了，要求"
                   "环保部门查处。", ref="pr_b")  # fmt: skip
    decisions = _run([water, fumes])
    assert decisions[1].verdict is Verdict.JOINT
    assert decisions[1].matter_id == decisions[0].matter_id


def test_letters_about_two_counties_numbered_schools_are_different_matters() -> None:
    # Two parents write to the city's mailbox about extra classes at their county's No. 1
    # middle school, in the same words: two schools, two matters.
    text = "高三年级寒假强制补课，每名学生收取补课费八百元，学生苦不堪言，请教育局查处。"
    for ours, theirs in (("浏阳一中", "宁乡一中"), ("L5县一中", "L7县一中")):
        decisions = _run(
            [
                _facts(0, CITY, f"投诉{ours}寒假补课", ours + text, ref="pr_a"),
                _facts(1, CITY, f"投诉{theirs}寒假补课", theirs + text, ref="pr_b"),
            ]
        )
        assert decisions[1].matter_id != decisions[0].matter_id
    # The same school, named bare in one letter filed under the county that has it.
    decisions = _run(
        [
            _facts(0, COUNTY, "投诉L5县一中寒假补课", "L5县一中" + text, ref="pr_a"),
            _facts(1, COUNTY, "投诉一中寒假补课", "一中" + text, ref="pr_b"),
        ]
    )
    assert decisions[1].matter_id == decisions[0].matter_id


def test_parents_letters_on_one_school_are_one_matter_whatever_word_comes_before_it() -> None:
    # "孩子就读浏阳市一中": the county's two characters take the verb before them as a third
    # ("读浏阳市"); it is the school the other parent names, and its matter.
    text = "高三年级寒假强制补课，每名学生收取补课费八百元，学生苦不堪言，请教育局查处。"
    for region in (COUNTY, CITY):
        for verb in "和跟入进读上看找问告":
            decisions = _run(
                [
                    _facts(0, region, "投诉浏阳市一中寒假补课", "浏阳市一中" + text, ref="pr_a"),
                    _facts(1, region, f"孩子{verb}浏阳市一中寒假补课",
                           f"孩子{verb}浏阳市一中，" + text, ref="pr_b"),
                ]
            )  # fmt: skip
            assert decisions[1].matter_id == decisions[0].matter_id, verb
    # The city's school is still not the county's, whatever comes before either.
    decisions = _run(
        [
            _facts(0, CITY, "投诉长沙县一中寒假补课", "长沙县一中" + text, ref="pr_a"),
            _facts(1, CITY, "孩子读长沙市一中寒假补课", "孩子读长沙市一中，" + text, ref="pr_b"),
        ]
    )
    assert decisions[1].matter_id != decisions[0].matter_id


def test_parents_questions_on_one_countys_school_are_one_matter_whatever_they_ask() -> None:
    # "请问宁乡一中何时招生" and "宁乡一中招生划片": one school (the question's "问" is no
    # part of its county), and a letter naming both counties' schools is about both.
    text = "孩子今年中考，想知道宁乡一中今年的招生计划和划片范围，请教育局答复。"
    for region in (COUNTY, CITY):
        for title in ("请问宁乡一中今年何时招生", "咨询宁乡一中招生", "浏阳一中和宁乡一中招生"):
            decisions = _run(
                [
                    _facts(0, region, "宁乡一中招生划片问题", text, ref="pr_a"),
                    _facts(1, region, title, text, ref="pr_b"),
                ]
            )
            assert decisions[1].matter_id == decisions[0].matter_id, title
        decisions = _run(
            [
                _facts(0, region, "宁乡一中招生划片问题", text, ref="pr_a"),
                _facts(1, region, "请问浏阳一中何时招生", text.replace("宁乡", "浏阳"), ref="pr_b"),
            ]
        )
        assert decisions[1].matter_id != decisions[0].matter_id


def test_residents_letters_on_one_mixing_plants_noise_and_dust_are_one_matter() -> None:
    # Two neighbours of one mixing plant: one on its noise at night, one on its dust; the
    # plant in both titles. Its nuisances are one matter about it.
    noise = _facts(0, COUNTY, "东富搅拌站夜间噪音扰民",
                   "我们是翠湖小区的住户，东富搅拌站每天晚上机器轰鸣到凌晨，搅拌车进进出出，"
                   "老人孩子根本睡不着，请求环保部门管一管。", ref="pr_a")  # fmt: skip
    dust = _facts(20, COUNTY, "东富搅拌站粉尘污染严重",
                  "东富搅拌站离居民楼不到一百米，刮风天到处是灰，窗台上一层水泥灰，衣服不敢"
                  "晒在外面，请求环保部门管一管。", ref="pr_b")  # fmt: skip
    decisions = _run([noise, dust])
    assert decisions[1].verdict is Verdict.JOINT
    assert decisions[1].matter_id == decisions[0].matter_id
    # Another kind of problem of the plant (its workers' wages) stays apart.
    wages = replace(dust, title="东富搅拌站拖欠工人工资")
    assert _run([noise, wages])[1].matter_id != decisions[0].matter_id
    # And an estate's noise is not its parking, as before: no facility there.
    estate_noise = replace(noise, title="翠湖小区广场舞噪音扰民")
    estate_parking = replace(dust, title="翠湖小区停车难")
    assert _run([estate_noise, estate_parking])[1].matter_id != _run([estate_noise])[0].matter_id


def test_residents_letters_on_an_estates_mixing_plant_link_whatever_each_stresses() -> None:
    # Residents of one estate on the mixing plant beside it, months apart: one on its noise
    # at night, one asking that it be shut (a text score of 0.21, below the same-place
    # 0.25), one writing again about it (0.14 against the first). The plant is the object
    # of every title, the estate its place: one matter, whatever each letter stresses.
    shut = _facts(0, COUNTY, "丽景新苑业主联名要求关停违规搅拌站",
                  "尊敬的领导：我们是丽景新苑三百多户业主，联名反映小区西侧搅拌站违规生产的问题。"
                  "该站未批先建，无证经营，长期夜间作业，粉尘噪音严重超标，运输车辆带泥上路。"
                  "我们多次向街道、区环保局反映，均未得到有效处理。现恳请市领导督办，依法关停该"
                  "搅拌站，并对相关责任人进行追责。", ref="pr_a")  # fmt: skip
    noise = _facts(30, COUNTY, "丽景新苑旁搅拌站夜间噪音扰民",
                   "尊敬的领导：您好！我是A6区丽景新苑小区的业主，小区西侧去年底建起了一个混凝土"
                   "搅拌站，白天黑夜不停生产，尤其是晚上十点以后搅拌机、装载机的声音轰隆隆响到"
                   "凌晨三四点，家里老人心脏不好，孩子第二天要上学，整夜整夜睡不着。我们打过12345"
                   "也找过街道，一直没有结果。恳请领导派人来实地看一看，晚上来听一听，还我们一个"
                   "安静的夜晚！", ref="pr_b")  # fmt: skip
    again = _facts(60, COUNTY, "再次反映丽景新苑搅拌站问题",
                   "领导您好，今年三月我已经在这里反映过丽景新苑旁边鑫磊搅拌站的问题，当时回复说"
                   "已责令整改，夜间不得生产。可是整改了不到半个月，又恢复原样了，晚上照样开工，"
                   "而且还新增了一条生产线。请问整改结果是怎么监督的？希望不要只做表面文章，真正"
                   "把问题解决。", ref="pr_c")  # fmt: skip
    for later in (noise, again):
        decisions = _run([shut, later])
        assert decisions[1].verdict is Verdict.JOINT
        assert decisions[1].matter_id == decisions[0].matter_id
    # The estate's property fees, under the same words, are another problem of it.
    fees = replace(noise, title="丽景新苑物业费上涨不合理")
    assert _run([shut, fees])[1].matter_id != _run([shut])[0].matter_id


def test_buyers_letters_on_an_estate_named_with_yuan_link_on_its_forced_parking_sales() -> None:
    # Two buyers at an estate whose name ends with "园" (not "花园" or "家园"), four months
    # apart, on the developer's forcing parking spaces on them: the estate is a place.
    first = _facts(0, COUNTY, "A市滨江御景园业主反映车位强卖问题",
                   "尊敬的A市领导：我们是滨江御景园的业主，现在开发商捆绑销售车位，不买车位不给"
                   "钥匙，不给办证，很多业主已经搬不进新房只能继续租房住，每月多出几千块租金。"
                   "恳请领导关注，督促开发商停止强制搭售车位，尽快交房。", ref="pr_a")  # fmt: skip
    second = _facts(130, COUNTY, "滨江御景园开发商强制捆绑销售车位",
                    "尊敬的领导：您好！我是A2区滨江御景园的业主，2017年购买的房子，今年通知交房，"
                    "可开发商在交房时要求我们必须购买一个车位，价格十八万，不买车位就不给钥匙。"
                    "车位是另外的商品，凭什么强制我们买？这明显是捆绑销售。恳请住建部门介入调查，"
                    "保护我们购房者的合法权益。", ref="pr_b")  # fmt: skip
    decisions = _run([first, second])
    assert decisions[1].verdict is Verdict.JOINT
    assert decisions[1].matter_id == decisions[0].matter_id


#: Three buyers' letters on one estate's forced parking sales (the first two name the
#: estate only in their openings, and do not link: a text score of 0.15 with no title's
#: place); and a letter on its property certificates, another problem of the estate.
_NETSIGN = ("网签时被要求绑定车位",
            "领导好！我在滨江御景园买了一套房，准备网签的时候销售告诉我必须同时签一个车位合同，"
            "不然不给网签备案。我说不想要车位，她说那就不能保证交房时间。这种车位绑定的做法是否"
            "违法？我们该向哪个部门投诉？")  # fmt: skip
_VOLUNTARY = ("说好的自愿购买车位变成了强制消费",
              "您好，我是滨江御景园的购房者，买房的时候置业顾问说车位是自愿购买的，结果收房前一周"
              "开发商打电话说必须先交车位款才能拿钥匙，一个地下车位十五万，还不能按揭只能全款。"
              "我们很多业主都不同意，开发商就拖着不交房。希望政府出面协调。")  # fmt: skip
_FORCED = ("A市滨江御景园业主反映车位强卖问题",
           "尊敬的A市领导：我们是滨江御景园的业主，现在开发商捆绑销售车位，不买车位不给钥匙，"
           "不给办证，很多业主已经搬不进新房只能继续租房住，每月多出几千块租金。恳请领导关注，"
           "督促开发商停止强制搭售车位，尽快交房。")  # fmt: skip
_CERTIFICATE = ("滨江御景园交房两年仍未办理房产证",
                "您好！滨江御景园一期2017年就交房了，到现在两年了房产证还没办下来。开发商说是因为"
                "项目的规划验收没有完成，还有土地出让金没有缴清。我们业主小孩上学、落户都要用"
                "房产证，非常着急。请问相关部门能否督促开发商尽快完善手续，为业主办理不动产"
                "权证书？")  # fmt: skip


def test_a_letter_raising_two_kinds_of_problem_of_a_place_merges_neither_into_the_other() -> None:
    # Parking and the property certificates of one estate: a letter on certificates held
    # back from those who bought no parking space names both kinds, and links to a letter
    # on each; they share no kind with each other, and stay two matters.
    both = ("滨江御景园不买车位就不给办房产证",
            "我们滨江御景园一期去年已经交房，房产证迟迟办不下来。去问开发商，工作人员私下说只有"
            "买了车位的业主才优先办证，没买的要等。这不就是变相强迫我们买车位吗？房产证是我们的"
            "合法权利，凭什么和车位挂钩？希望领导督促开发商尽快为全体业主办理不动产"
            "权证。")  # fmt: skip
    decisions = _run([_facts(n, COUNTY, *letter, ref=f"pr_{n}")
                      for n, letter in enumerate((_FORCED, _CERTIFICATE, both))])  # fmt: skip
    assert decisions[1].matter_id != decisions[0].matter_id
    assert decisions[2].verdict is Verdict.JOINT
    assert decisions[2].merged == ()


def test_a_city_level_matter_and_a_county_matter_of_one_problem_are_merged() -> None:
    # Two residents word one problem apart, the first to the city's mailbox naming no
    # district (the city's code), the second naming it: two matters, of the city and of
    # the county. A third letter says what both say: they are one.
    basement = "阳光小区3号楼地下室长期积水，水深已超过30厘米，夏天蚊虫滋生气味难闻。"
    reworded = "阳光小区物业不管，楼下的水一直排不出去，已经泡了两个月，楼道里全是臭味。"
    decisions = _run([
        _facts(0, CITY, "地下室积水", basement, ref="pr_a"),
        _facts(1, COUNTY, "地下室积水问题", reworded, ref="pr_b"),
        _facts(2, COUNTY, "地下室积水", basement + reworded, ref="pr_c"),
    ])  # fmt: skip
    assert decisions[1].matter_id != decisions[0].matter_id
    third = decisions[2]
    assert {third.matter_id, *(m.matter_id for m in third.merged)} == {
        decisions[0].matter_id, decisions[1].matter_id
    }
    # Two counties' matters are never merged: the third letter cannot link the other's.
    decisions = _run([
        _facts(0, OTHER_COUNTY, "地下室积水", basement, ref="pr_a"),
        _facts(1, COUNTY, "地下室积水问题", reworded, ref="pr_b"),
        _facts(2, COUNTY, "地下室积水", basement + reworded, ref="pr_c"),
    ])  # fmt: skip
    assert decisions[2].merged == ()


def test_a_named_plant_by_an_estate_and_another_unnamed_one_stay_apart() -> None:
    # Two plants by one estate: one named ("东富搅拌站", the place itself), the other not:
    # the plant is no object in common between them (a text score of 0.21).
    named = _facts(0, COUNTY, "丽景新苑旁东富搅拌站夜间噪音扰民",
                   "尊敬的领导：A7县丽景新苑南面的东富搅拌站每天晚上十点以后还在生产，搅拌机和罐车的"
                   "声音一直响到凌晨，小区居民无法入睡。请环保部门查处。", ref="pr_a")  # fmt: skip
    other = _facts(20, COUNTY, "丽景新苑附近商砼站何时搬迁",
                   "您好！A7县丽景新苑北边两公里的华达商砼站，砂石露天堆放，刮风时粉尘漫天，小区"
                   "阳台上全是灰，孩子老是咳嗽。请有关部门督促整改。", ref="pr_b")  # fmt: skip
    decisions = _run([named, other])
    assert decisions[1].matter_id != decisions[0].matter_id


#: The joint-matter probe's letters (``tests/data/dedup_joint_probe.jsonl``), by number.
_PROBE = {
    int(row["submission_id"].removeprefix("mb-")): (row["title"], row["content"])
    for row in map(
        json.loads,
        (Path(__file__).parents[2] / "data" / "dedup_joint_probe.jsonl")
        .read_text(encoding="utf-8")
        .splitlines(),
    )
}


def _probe_run(numbers: list[int]) -> list[DedupDecision]:
    return _run([_facts(n, COUNTY, *_PROBE[number], ref=f"pr_{n}")
                 for n, number in enumerate(numbers)])  # fmt: skip


_FORCED_TOO = ("滨江御景园开发商强制捆绑销售车位",
               "您好！我是A2区滨江御景园的业主，今年通知交房，开发商要求必须购买一个车位，价格十八万，"
               "不买就不给钥匙。这明显是捆绑销售，请住建部门调查。")  # fmt: skip
_BOTH = ("滨江御景园不买车位就不给办房产证",
         "我们滨江御景园一期去年已交房，房产证迟迟办不下来。开发商私下说只有买了车位的业主才优先"
         "办证。房产证是我们的合法权利，凭什么和车位挂钩？")  # fmt: skip


def test_a_letter_naming_two_kinds_does_not_join_a_letter_of_its_second_to_its_matter() -> None:
    # Two buyers on the forced parking sales, a third on certificates held back from those
    # who bought none (parking and certificates): a fourth on the certificates alone is
    # not the parking matter, though it shares a kind with the third (a score of 0.19).
    letters = (_FORCED, _FORCED_TOO, _BOTH, _CERTIFICATE)
    decisions = _run([_facts(n, COUNTY, *letter, ref=f"pr_{n}")
                      for n, letter in enumerate(letters)])  # fmt: skip
    assert decisions[1].matter_id == decisions[0].matter_id
    assert decisions[2].matter_id == decisions[0].matter_id
    assert decisions[3].matter_id != decisions[0].matter_id


_FUMES_AND_NOISE = ("油烟、污水、噪音，楼下餐馆让我们苦不堪言",
                    "领导您好，枫林雅筑楼下餐馆除了油烟，还把泔水倒在小区下水道里，加上油烟机的轰鸣声，"
                    "住户苦不堪言。")  # fmt: skip
_KTV = ("枫林雅筑楼下KTV噪音扰民",
        "领导您好，枫林雅筑小区临街商铺新开了一家KTV，每天晚上唱到凌晨两三点，楼上住户根本无法"
        "入睡。")  # fmt: skip
_FUMES = ("枫林雅筑楼下餐馆油烟扰民",
          "尊敬的领导：我家住枫林雅筑2栋3楼，楼下门面开了好几家餐馆，油烟直接从排风口往上排，家里"
          "窗户根本不能开。")  # fmt: skip


def test_a_title_mainly_about_another_kind_is_not_joined_by_a_kind_it_adds() -> None:
    # A restaurant's fumes, its waste water and its fans' noise (the fumes first) are not
    # a KTV's noise below the same homes (a score of 0.24), and a letter on the
    # certificates and parking (parking first) does not join the certificates' letter.
    decisions = _run([_facts(n, COUNTY, *letter, ref=f"pr_{n}")
                      for n, letter in enumerate((_KTV, _FUMES_AND_NOISE))])  # fmt: skip
    assert decisions[1].matter_id != decisions[0].matter_id
    letters = (_CERTIFICATE, _BOTH, _FORCED, _FORCED_TOO)
    decisions = _run([_facts(n, COUNTY, *letter, ref=f"pr_{n}")
                      for n, letter in enumerate(letters)])  # fmt: skip
    assert decisions[1].matter_id != decisions[0].matter_id
    assert decisions[3].matter_id == decisions[2].matter_id != decisions[0].matter_id
    # The fumes still join the letter naming them first.
    decisions = _run([_facts(n, COUNTY, *letter, ref=f"pr_{n}")
                      for n, letter in enumerate((_FUMES, _FUMES_AND_NOISE))])  # fmt: skip
    assert decisions[1].matter_id == decisions[0].matter_id


def test_an_estates_late_hand_over_is_not_its_forced_parking_sales() -> None:
    late = ("滨江御景园三期逾期交房",
            "您好，滨江御景园三期合同约定2018年12月31日交房，现在已经逾期半年多了，工地还在施工，"
            "开发商也没有给出明确的交房时间和违约赔偿方案。请住建部门督促。")  # fmt: skip
    decisions = _run([_facts(n, COUNTY, *letter, ref=f"pr_{n}")
                      for n, letter in enumerate((_FORCED, _FORCED_TOO, late))])  # fmt: skip
    assert decisions[2].matter_id != decisions[0].matter_id


def test_buyers_letters_on_one_estates_forced_parking_sales_are_one_matter_from_the_first() -> None:
    # Five buyers, worded apart (until the twelfth session a pair and a pair, merged by
    # the fifth): each is about parking forced on the buyers of the estate (its subject),
    # and joins the first's matter at once, however little the words share (0.205).
    for numbers in ([900039, 900040, 900042, 900066, 900070], [900039, 900040, 900042, 900043]):
        decisions = _probe_run(numbers)
        assert {d.matter_id for d in decisions} == {decisions[0].matter_id}
        assert all(not d.merged for d in decisions)


def test_forced_parking_sales_merge_no_other_parking_matter_nor_another_estates() -> None:
    fees = ("滨江御景园物业强制收取停车费",
            "滨江御景园物业公司今年起对地面停车位每月收费三百元，没有经过业主大会表决，请物价部门"
            "查处。")  # fmt: skip
    other = ("江湾壹号小区开发商强卖车位",
             "您好，A2区江湾壹号小区开发商现在交房要求业主必须购买车位，价格比公示的高了三万。我们"
             "认为这是侵害消费者权益，请市场监管部门查处。")  # fmt: skip
    both = ("滨江御景园和江湾壹号开发商都强卖车位",
            "滨江御景园和江湾壹号两个楼盘的开发商都在捆绑销售车位，不买车位不给钥匙，请住建部门"
            "一并查处。")  # fmt: skip
    for letters in ((_FORCED, fees, _FORCED_TOO), (_FORCED, other, both)):
        decisions = _run([_facts(n, COUNTY, *letter, ref=f"pr_{n}")
                          for n, letter in enumerate(letters)])  # fmt: skip
        assert decisions[1].matter_id != decisions[0].matter_id
        assert all(d.merged == () for d in decisions)


def test_residents_letters_on_an_estates_mixing_plant_are_one_matter_from_the_first() -> None:
    # "请A市环保部门查一查丽景新苑旁的搅拌站", the removal request (its plant north-west of
    # the estate), its noise (west) and its waste water (west): until the twelfth session
    # two matters, linked weakly (0.18) and kept apart. One plant beside one estate, what
    # each letter is mainly about (its subject): one matter.
    decisions = _probe_run([900007, 900014, 900020, 900024])
    assert {d.matter_id for d in decisions} == {decisions[0].matter_id}


_PLANT_NOISE = ("丽景新苑旁搅拌站夜间噪音扰民",
                "尊敬的领导：我是A7县丽景新苑的业主，小区西侧建起了一个混凝土搅拌站，晚上十点以后"
                "搅拌机的声音响到凌晨，无法入睡。")  # fmt: skip
_SECOND_PLANT = ("丽景新苑东侧又建搅拌站粉尘污染",
                 "您好，丽景新苑东边最近又建了一个搅拌站，砂石露天堆放，刮风时粉尘漫天，阳台上全"
                 "是灰。")  # fmt: skip
_PLANT_WHEN = ("丽景新苑旁搅拌站何时搬迁",
               "您好！请问丽景新苑旁边的搅拌站什么时候搬迁？居民们都在等。")  # fmt: skip


def test_a_letter_on_an_estates_plant_merges_no_plant_whose_other_wrong_differs() -> None:
    # A plant's noise and a (second) plant's dust by one estate stay two matters whatever
    # letter on "the plant" links to both; a plant's noise and its workers' wages too.
    # (A named plant and a letter on "the plant" beside the estate, naming none, were
    # kept apart until the twelfth session: now one, as residents write of their one
    # plant by its name and without, "鑫磊搅拌站" and "丽景新苑旁的搅拌站"; two plants
    # named apart, or on two sides of the estate, stay two:
    # ``test_two_plants_by_one_estate_named_or_sided_apart_stay_two``.)
    named = ("丽景新苑旁东富搅拌站夜间噪音扰民",
             "尊敬的领导：A7县丽景新苑南面的东富搅拌站每天晚上十点以后还在生产，搅拌机和罐车的"
             "声音一直响到凌晨，小区居民无法入睡。请环保部门查处。")  # fmt: skip
    wages = ("丽景新苑旁搅拌站拖欠工资",
             "我在丽景新苑旁边的搅拌站开罐车，老板拖欠我们三个月工资，请劳动监察部门"
             "帮忙。")  # fmt: skip
    del named
    for letters in ((_PLANT_NOISE, _SECOND_PLANT, _PLANT_WHEN),
                    (_PLANT_NOISE, wages, _PLANT_WHEN)):  # fmt: skip
        decisions = _run([_facts(n, COUNTY, *letter, ref=f"pr_{n}")
                          for n, letter in enumerate(letters)])  # fmt: skip
        assert decisions[1].matter_id != decisions[0].matter_id
        assert all(d.merged == () for d in decisions)


def test_a_letter_naming_the_estate_only_in_its_opening_links_on_its_mixing_plant() -> None:
    # "投诉搅拌站灰尘太大" ("我家住A6区丽景新苑8栋") and "一个老业主的心声：搅拌站让我们的
    # 家不再是家" ("在丽景新苑买了一套房子") are about the plant beside the estate the
    # other titles name. ("A6区一搅拌站深夜施工" is not joined: "一搅拌站" read as "a
    # mixing plant" let a letter about a plant by the writer's workplace join, "A6区一搅拌
    # 站深夜施工", "我是丽景新苑业主，我上班路过的A6区开发区有一搅拌站", in either order.)
    for first, later in ((900069, 900044), (900020, 900017)):
        decisions = _probe_run([first, later])
        assert decisions[1].matter_id == decisions[0].matter_id, (first, later)


def test_an_opening_naming_another_estate_a_village_or_a_named_plant_links_no_plant() -> None:
    other_estate = ("搅拌站噪音太大睡不着",
                    "我是锦绣家园的业主，小区旁边的搅拌站天天晚上作业，噪音太大，根本"
                    "睡不着。")  # fmt: skip
    village = ("搅拌站灰尘太大",
               "我是丽景新苑业主，老家枫树坪村旁的搅拌站灰尘太大，父母天天咳嗽。")  # fmt: skip
    named = ("搅拌站噪音扰民何时休",
             "我们丽景新苑旁边的东富搅拌站每天晚上作业，噪音很大，请环保部门查处。")  # fmt: skip
    farmland = ("搅拌站违规占用基本农田",
                "尊敬的领导：A7县青山镇枫树坪村附近新建了一个搅拌站，占用了村里的基本农田，请国土"
                "部门查处。")  # fmt: skip
    # (The named plant, "我们丽景新苑旁边的东富搅拌站", joins the estate's unnamed plant
    # since the twelfth session: ``test_a_letter_on_an_estates_plant_merges_no_plant...``.)
    del named
    for letter in (other_estate, village, farmland):
        for letters in ((_PLANT_WHEN, letter), (letter, _PLANT_WHEN)):
            decisions = _run([_facts(n, COUNTY, *one, ref=f"pr_{n}")
                              for n, one in enumerate(letters)])  # fmt: skip
            assert decisions[1].matter_id != decisions[0].matter_id, letter[0]


def test_a_mixing_plant_misspelt_is_the_plant() -> None:
    assert "mixing_plant" in text.claims(text.topic("丽景新苑业主反应搅伴站扰民问题"))
    decisions = _probe_run([900020, 900003])
    assert decisions[1].matter_id == decisions[0].matter_id


def _a6(letters: tuple[tuple[str, str], ...]) -> list[DedupDecision]:
    return _run([_facts(3 * n, COUNTY, *letter, ref=f"pr_{n}")
                 for n, letter in enumerate(letters)])  # fmt: skip


_EAST_NOISE = ("丽景新苑东边搅拌站噪音扰民",
               "尊敬的领导：我是A6区丽景新苑的业主，小区东边的搅拌站每天夜里都在生产，机器轰鸣，噪音"
               "很大，老人孩子无法休息，请环保部门查处。")  # fmt: skip
_EAST_NOISE_TOO = ("丽景新苑东边搅拌站夜间噪音严重",
                   "尊敬的领导：我是A6区丽景新苑的业主，东边那个搅拌站晚上十一点以后还在运转，噪音吵得"
                   "人睡不着，希望相关部门管一管。")  # fmt: skip
_WEST_DUST = ("丽景新苑西边新建搅拌站粉尘污染",
              "尊敬的领导：我是A6区丽景新苑的业主，小区西边今年新建了一个搅拌站，砂石料露天堆放，"
              "粉尘满天飞，阳台上都是灰，请求查处。")  # fmt: skip
_WEST_WHEN = ("丽景新苑西边新建搅拌站何时拆除",
              "尊敬的领导：我是A6区丽景新苑的业主，小区西边今年新建的搅拌站砂石料露天堆放，满天飞灰，"
              "阳台上都是灰，何时拆除？")  # fmt: skip


def test_a_plant_letter_naming_no_wrong_does_not_merge_two_plants_of_one_estate() -> None:
    # Two plants by one estate: the east one's noise, the west one's dust, two matters. A
    # letter naming neither wrong links to both as the plant beside the estate: weakly
    # (0.22 to the west, below a place's 0.25), or above it but the matters name wrongs
    # of their own (noise, dust), so neither merges them.
    for generic in (
        ("丽景新苑业主要求关停违规搅拌站", "业主们联名要求关停违规搅拌站，希望政府重视。"),
        ("丽景新苑搅拌站何时关停",
         "您好，本人丽景新苑住户，想问一下这个搅拌站到底有没有环评和规划手续，什么时候能关停？"),
    ):  # fmt: skip
        decisions = _a6((_EAST_NOISE, _EAST_NOISE_TOO, _WEST_DUST, _WEST_WHEN, generic))
        assert decisions[1].matter_id == decisions[0].matter_id
        assert decisions[3].matter_id == decisions[2].matter_id != decisions[0].matter_id
        assert not decisions[4].merged


_FORCED_Q = (
    ("滨江御景园开发商强卖车位",
     "尊敬的领导：我是A1区滨江御景园的业主，开发商交房时强卖车位，不买不给钥匙，请求查处。"),
    ("滨江御景园开发商捆绑销售车位",
     "尊敬的领导：我是A1区滨江御景园的业主，开发商捆绑销售车位，不买不交房，请求查处。"),
)  # fmt: skip
_PARKING_FEES = (
    ("滨江御景园物业乱收费",
     "尊敬的领导：我是A1区滨江御景园的业主，物业乱收费，地面停车费每月三百元，不交就拦车，"
     "请求物价局查处。"),
    ("滨江御景园物业强迫业主交停车费",
     "尊敬的领导：我是A1区滨江御景园的业主，物业强迫业主交地面停车费每月三百元，不交就拦车，"
     "请求查处。"),
)  # fmt: skip


def test_forcing_owners_to_pay_a_parking_fee_is_not_forcing_a_parking_sale() -> None:
    assert text.one_matter_kind(frozenset({"parking"}), ("强迫业主买车位", "强卖车位")) != ""
    for fee in ("物业强迫业主交停车费", "物业强制消费，停车费每月三百", "强迫办停车卡",
                "车位只租不售还强迫购买"):  # fmt: skip
        assert text.one_matter_kind(frozenset({"parking"}), (fee, "强卖车位")) == ""
    # A forced sale's matter and a parking fee's: a letter forcing a purchase does not
    # merge them by the fee letter's "强迫".
    forced_too = ("滨江御景园强迫业主买车位",
                  "尊敬的领导：我是A1区滨江御景园的业主，开发商强迫业主买车位，"
                  "请领导关注。")  # fmt: skip
    letters = (*_FORCED_Q, *_PARKING_FEES, forced_too)
    decisions = _run([_facts(3 * n, COUNTY, *letter, ref=f"pr_{n}")
                      for n, letter in enumerate(letters)])  # fmt: skip
    assert decisions[1].matter_id == decisions[0].matter_id
    assert decisions[3].matter_id == decisions[2].matter_id != decisions[0].matter_id
    assert decisions[4].matter_id == decisions[0].matter_id
    assert not decisions[4].merged


_BY_THE_ESTATE = (
    ("丽景新苑旁搅拌站扰民",
     "尊敬的领导：我是A6区丽景新苑的业主，小区旁边的搅拌站日夜生产，严重扰民，请求查处。"),
    ("丽景新苑业主要求关停违规搅拌站",
     "尊敬的领导：我是A6区丽景新苑的业主，搅拌站没有手续违规生产，请求关停。"),
)  # fmt: skip


def test_a_plant_the_letter_puts_elsewhere_is_not_the_one_by_the_estate_it_opens_with() -> None:
    # Each writer opens with the estate and writes of a plant by their workplace, their
    # hometown, or their own estate beside it ("另一家"): not the estate's plant.
    for elsewhere in (
        ("A6区一搅拌站深夜生产",
         "尊敬的领导：我是丽景新苑业主，我单位附近有一搅拌站深夜生产，车辆进出频繁，请求处理。"),
        ("A6区一搅拌站深夜施工",
         "尊敬的领导：我是丽景新苑业主，我上班路过的A6区开发区有一搅拌站深夜施工，车辆进出"
         "频繁，请求处理。"),
        ("我们的老家旁边也建起搅拌站",
         "尊敬的领导：我是A6区丽景新苑的业主，老家在A7县东山镇，老家门口建起搅拌站，粉尘很大，"
         "请求处理。"),
        ("家门口建起搅拌站谁来管",
         "尊敬的领导：我家住锦绣花园，隔壁丽景新苑的业主也在反映搅拌站的事，我们这边是另一家，"
         "家门口建起搅拌站谁来管。"),
    ):  # fmt: skip
        decisions = _a6((*_BY_THE_ESTATE, elsewhere))
        assert decisions[1].matter_id == decisions[0].matter_id
        assert decisions[2].matter_id != decisions[0].matter_id, elsewhere[0]
    # A resident whose title names no place, by the estate the opening names, still joins.
    child = ("搅拌站粉尘影响孩子健康，恳请关停",
             "我是一名宝妈，孩子刚满两岁，我们家住A6区丽景新苑12栋，正对着搅拌站。自从搅拌站开工，"
             "孩子反复咳嗽、过敏，请求关停。")  # fmt: skip
    decisions = _a6((*_BY_THE_ESTATE, child))
    assert decisions[2].matter_id == decisions[0].matter_id


def _by(estate: str, third: str) -> tuple[tuple[str, str], ...]:
    # Two residents' letters on the plant beside `estate`, then a third, titled with no
    # place, whose content is `third`.
    return (
        (f"{estate}旁搅拌站噪音扰民",
         f"尊敬的领导：我是A6区{estate}的业主，小区旁边的搅拌站日夜生产，噪音很大，老人孩子无法"
         "休息，请求查处。"),
        (f"{estate}搅拌站夜间生产噪音大",
         f"尊敬的领导：我是A6区{estate}的业主，搅拌站晚上还在生产，噪音吵得人睡不着，请求查处。"),
        ("搅拌站夜间噪音扰民，恳请关停", third),
    )  # fmt: skip


def test_words_of_elsewhere_in_an_estates_name_or_another_sentence_leave_the_plant_by_it() -> None:
    # What puts a plant elsewhere is read in the plant's own sentence, not in the name of
    # the estate (建设新村: 村; 电力公司宿舍: 公司), nor of the estate's management; and it
    # never takes back the link on the opening naming the estate the others' titles name
    # (a plant "between the east gate and the school" is still the estate's).
    for estate, third in (
        ("建设新村", "尊敬的领导：我家住A6区建设新村12栋，小区旁边的搅拌站晚上还在生产，噪音很大，"
                     "孩子睡不着，恳请关停。"),
        ("工人新村", "尊敬的领导：我家住A6区工人新村12栋，小区旁边的搅拌站晚上还在生产，噪音很大，"
                     "孩子睡不着，恳请关停。"),
        ("电力公司宿舍", "尊敬的领导：我家住A6区电力公司宿舍12栋，小区旁边的搅拌站晚上还在生产，"
                         "噪音很大，孩子睡不着，恳请关停。"),
        ("丽景新苑", "您好，本人家住A6区丽景新苑，找物业公司说过多次，东边那个搅拌站罐车整夜进出，"
                     "轰隆隆的，老人心脏不好受不了，希望尽快关掉。"),
        ("丽景新苑", "您好，本人家住A6区丽景新苑，每天上班出门就看到东边那个搅拌站，罐车整夜进出，"
                     "轰隆隆的，老人心脏不好受不了，希望尽快关掉。"),
        ("丽景新苑", "您好，本人家住A6区丽景新苑，小区东门和实验学校之间有个搅拌站，罐车整夜进出，"
                     "轰隆隆的，老人心脏不好受不了，希望尽快关掉。"),
    ):  # fmt: skip
        decisions = _a6(_by(estate, third))
        assert decisions[1].matter_id == decisions[0].matter_id, estate
        assert decisions[2].matter_id == decisions[0].matter_id, third


def test_a_title_naming_parking_first_joins_a_matter_on_the_stalls_it_names_second() -> None:
    # A kind other than a nuisance named second is still the title's: the market's stalls.
    decisions = _a6((
        ("金桥市场周边占道经营严重",
         "尊敬的领导：A3区金桥市场周边商贩占道经营，把人行道和车道都占了，行人车辆通行困难，"
         "请城管整治。"),
        ("金桥市场门口摆摊占道",
         "尊敬的领导：金桥市场门口每天早上摆摊的占满了马路，车辆无法通行，请城管部门管一管。"),
        ("金桥市场停车难，商贩占道经营",
         "您好，每天早上金桥市场两边被小贩的三轮车和菜摊堵得严严实实，汽车根本过不去，"
         "希望城管来管管。"),
    ))  # fmt: skip
    assert decisions[1].matter_id == decisions[0].matter_id
    assert decisions[2].matter_id == decisions[0].matter_id


def test_a_developers_late_penalty_owed_is_its_late_hand_over_not_wages() -> None:
    assert not text.claims("滨江御景园开发商拖欠违约金")
    assert text.claims("滨江御景园拖欠工资") == {"wages"}
    decisions = _a6((
        ("滨江御景园逾期交房",
         "尊敬的领导：我是A1区滨江御景园的业主，合同约定2018年6月交房，至今已逾期半年仍未交房，"
         "开发商也不给说法，请求督促。"),
        ("滨江御景园延期交房一年",
         "尊敬的领导：滨江御景园购房合同写明去年六月交付，现在工地还在停工，业主们月供房租两头"
         "压力大，请住建部门督促开发商尽快复工交房。"),
        ("滨江御景园开发商拖欠违约金",
         "您好，滨江御景园晚交了半年多，按购房合同开发商应按日支付违约金，现在一分没给，"
         "售楼部推来推去，请住建局主持公道。"),
    ))  # fmt: skip
    assert decisions[1].matter_id == decisions[0].matter_id
    assert decisions[2].matter_id == decisions[0].matter_id


def test_a_plant_letter_merges_no_matter_naming_the_plant_alone_into_one_on_its_noise() -> None:
    # An east plant's noise, then a west plant named alone (its permit, its removal): the
    # west plant's second letter, naming the plant alone, links to both matters and merges
    # neither; nor does a letter on both wrongs of a plant beside the estate.
    # (In the district the letters name: there the link to the noise is strong.)
    letters = (
        ("丽景新苑搅拌站噪音扰民",
         "尊敬的领导：我是A6区丽景新苑的业主，小区东边的搅拌站每天夜里都在生产，机器轰鸣，噪音"
         "很大，老人孩子无法休息，请环保部门查处。"),
        ("丽景新苑搅拌站夜间噪音严重",
         "尊敬的领导：我是A6区丽景新苑的业主，东边那个搅拌站晚上十一点以后还在运转，噪音吵得"
         "人睡不着，希望相关部门管一管。"),
        ("丽景新苑搅拌站无证经营",
         "您好！丽景新苑西侧去年底新建一处搅拌站，据了解未取得规划许可和环评批复，属于违法建设，"
         "请国土和规划部门依法拆除。"),
        ("丽景新苑搅拌站何时拆除",
         "您好！请问丽景新苑西侧那处未批先建的搅拌站，规划部门认定违法建设后什么时候依法拆除？"),
        ("丽景新苑业主要求关停违规搅拌站",
         "尊敬的领导：我是A6区丽景新苑的业主，小区旁边新建一处搅拌站，未取得规划许可和环评批复，"
         "属于违法建设，每天夜里都在生产，机器轰鸣，噪音很大，请依法拆除。"),
    )  # fmt: skip
    decisions = _run([_facts(3 * n, DISTRICT_A6, *letter, ref=f"pr_{n}")
                      for n, letter in enumerate(letters)])  # fmt: skip
    assert decisions[1].matter_id == decisions[0].matter_id
    assert decisions[3].matter_id == decisions[2].matter_id != decisions[0].matter_id
    assert decisions[4].matter_id == decisions[0].matter_id
    assert not any(decision.merged for decision in decisions)
