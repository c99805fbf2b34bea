"""Kinds of problem as residents write them (issue 13, the twenty-sixth session).

Residents type words by sound ("燥音" for 噪音, "机站" for 基站), shorten them ("一直用临时
电"), ask when ("何时能交房"), or put a word of the kind beside the topic's noise ("又淹了",
"麻将馆扰民"); before, a title so written named no kind, or its kind words were never read.
Each test holds a title read and a title of another thing the words must not read.
"""

from __future__ import annotations

import pytest

from services.dedup import organisations, text


def _kinds(title: str) -> frozenset[str]:
    return text.claims(text.topic(text.fold(title)))


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        # Typed by sound (``text._TYPOS``).
        ("变电所燥音饶民", "noise"),
        ("高架桥躁音太大了", "noise"),
        ("A3区楚腾琴岛夜间施工扰名", "building_works"),
        ("嘉和苑小区物业擅自同意在楼顶建机站", "mast"),
        ("黄今村搅伴厂污染", "mixing_plant"),
        ("东南海小区物业乱长价谁来管", "fees"),
        ("碧桂园天喜延期交方，业主苦不堪言", "late_handover"),
        # Said short or plainly.
        ("湘江豪庭一直用临时电", "power_resale"),
        ("万科紫台孩子被划到五公里外上学", "school_admission"),
        ("桐木村孩子上不了丁字湾小学", "school_admission"),
        ("站北新村被火车站广播吵得睡不着", "noise"),
        ("反映D12市红黄蓝亲子园早教课程退费的问题", "fees"),
        ("举报F市金色摇篮幼儿园乱涨价！", "fees"),
        ("C4市农民工年底讨薪无处求助", "wages"),
        ("A市地铁4号线罐子岭站出入口咨询", "metro_exit"),
        ("白沙小区周边废品站占道经营", "scrap_yard"),
        ("希望给B2区枫溪学校通公交车", "bus_course"),
        ("同仁村没有公交车", "bus_course"),
        # Words a topic holds otherwise than written: folded ("什么" is "什幺"), without
        # the topic's noise ("了", "将", "何时").
        ("G4县香溪美地二期何时能交房？", "late_handover"),
        ("碧桂园天玺什么时候能交房", "late_handover"),
        ("融桥悦城二期什么时候交房", "late_handover"),
        ("江山壹号何时交房", "late_handover"),
        ("劳动路下穿又淹了", "flooding"),
        ("再次举报G市永安东路附近一麻将馆扰民", "noise"),
        ("兴华苑物业不作为", "property_service"),
    ],
)
def test_a_kind_as_residents_write_it_is_read(title: str, kind: str) -> None:
    assert kind in _kinds(title)


@pytest.mark.parametrize(
    ("title", "not_kind"),
    [
        # A machinery's or a pump's station is no base station.
        ("原农机站下岗职工的生活补助", "mast"),
        ("村里的抽水机站年久失修", "mast"),
        # Lines drawn for a car park, a household's registration: no school's placement.
        ("小区划到停车位的绿地", "school_admission"),
        ("孩子上不了户口", "school_admission"),
        # "交方" is a word's end elsewhere.
        ("开通新的公交方便学生", "late_handover"),
        # A stop is no route.
        ("同仁村没有公交站台", "bus_course"),
        # A quarrel is no noise.
        ("车上争吵得很厉害", "noise"),
        # A train's or a coach's station.
        ("火车站出入口拥堵", "metro_exit"),
        # What comes after a hand-over is no late one.
        ("交房后发现质量问题", "late_handover"),
    ],
)
def test_a_word_of_another_thing_is_not_the_kind(title: str, not_kind: str) -> None:
    assert not_kind not in _kinds(title)


def test_a_typo_is_read_in_the_kinds_not_in_the_topic() -> None:
    # The title's character pairs and the names before its kind stay as written: a title
    # read right is alike other titles at its estate that the likeness cannot tell apart.
    topic = text.topic(text.fold("变电所燥音饶民"))
    assert topic == "变电所燥音饶民"
    assert text.claims(topic) == frozenset({"noise", "substation"})
    assert text.first_claim_at(topic) == 0
    assert text.as_meant("楼顶建机站，农机站") == "楼顶建基站，农机站"


def test_a_base_station_typed_by_sound_and_a_slaughterhouse_are_facilities() -> None:
    assert text.SUBJECT_BASE_STATION in text._objects_in("嘉和苑小区物业擅自同意在楼顶建机站")
    assert text.SUBJECT_BASE_STATION not in text._objects_in("原农机站下岗职工")
    assert text.SUBJECT_FARM in text._objects_in("新港小区旁屠宰场臭味大")


def test_a_scrap_yard_is_an_object_beside_an_estate() -> None:
    assert "scrap_yard" in text.OBJECTS


@pytest.mark.parametrize(
    ("title", "content", "subject"),
    [
        # A platform's lenders on its overdue repayments, its "orderly exit".
        (
            "鑫利贷平台逾期",
            "我在鑫利贷平台出借了五万元，平台三月开始逾期，说是良性退出，每个月只还百分之一。"
            "请求监管部门督促平台兑付。",
            "鑫利贷〔集资〕",
        ),
        (
            "鑫利贷良性退出是骗局",
            "鑫利贷所谓的良性退出就是拖延时间，出借人的本金遥遥无期。请经侦介入调查。",
            "鑫利贷〔集资〕",
        ),
        # A college asked of plainly: the request's words are not its name.
        (
            "请查一下湘中职业技术学院的实习安排",
            "湘中职业技术学院把学生整班送到工厂，每天工作十几个小时，不去就不给毕业证。",
            "湘中职院〔实习〕",
        ),
        # A closed school's refund asked: fees paid.
        (
            "启航教育退费问题",
            "A3区启航教育关门，家长们建了群有三百多人，涉及金额几百万。我们已经去派出所报案。",
            "启航教育〔退费〕",
        ),
    ],
)
def test_an_organisations_wrong_as_its_victims_write_it(
    title: str, content: str, subject: str
) -> None:
    assert organisations.organisation_subject(title, content) == subject


def test_a_borrowers_overdue_loan_is_no_platforms_collapse() -> None:
    assert (
        organisations.organisation_subject(
            "鑫利贷逾期了怎么办",
            "我在鑫利贷借了两万元，逾期了三个月，现在暴力催收，天天打电话给我家人。本金早就还了。",
        )
        == ""
    )
