"""Strangers asking one policy question in their own words (issue 13, ``policies``).

Many residents ask the city's mailbox about one policy for one group: the same benefit for
the same people in the same county or city is one matter, whoever asks. A different
benefit of the group, another group's, another county's is another matter.
"""

from __future__ import annotations

from datetime import UTC, datetime

from services.dedup import policies
from services.dedup.config import DedupConfig
from services.dedup.facts import CaseFacts
from services.dedup.features import extract_features
from tests.unit.dedup.letters import letter, run

START = datetime(2022, 10, 3, 9, tzinfo=UTC)
CITY, COUNTY, OTHER_COUNTY = "430100", "430121", "430182"

#: What both veterans write about the payment they wait for.
PAYMENT = "地方一次性经济补助要等年底统一发放，请问具体什么时候能到账？"


def _facts(n: int, region: str, title: str, content: str) -> CaseFacts:
    # Every letter its own writer's: strangers asking.
    return letter(n, title, content, start=START, region=region, ref=f"pr_{n}")


def _facets(region: str, title: str, content: str) -> frozenset[str]:
    return extract_features(_facts(0, region, title, content), DedupConfig()).facets


def test_strangers_asking_one_benefit_of_one_group_are_one_matter() -> None:
    decisions = run(
        [
            _facts(
                0,
                CITY,
                "咨询退役士兵自主就业一次性补助",
                "您好，我是今年九月退役的士兵，服役两年，选择了自主就业。退役军人事务局的同志说"
                + PAYMENT
                + "我回来以后一直在找工作，也想自己开个小店，家里老人身体不好，经济比较紧张，"
                "想问一下标准是不是按服役年限计算，义务兵和士官是否一样。",
            ),
            _facts(
                1,
                CITY,
                "退役士兵地方经济补助什么时候发",
                "领导好，我儿子今年退役回A市，自主就业安置，去街道办登记时听说"
                + PAYMENT
                + "他在部队立过一次三等功，请问立功的退役士兵补助有没有上浮，上浮多少？"
                "需不需要本人去现场确认？谢谢领导。",
            ),
        ]
    )
    assert decisions[1].matter_id == decisions[0].matter_id


def test_a_benefit_of_one_group_is_no_other_benefit_or_county() -> None:
    # One group, the same words: the subsidy is not the loan, one county's is not another's.
    subsidy = _facets(COUNTY, "A7县乡村教师生活补助停发", "A7县乡村学校教师的生活补助半年没发。")
    again = _facets(CITY, "乡村教师生活补助什么时候发", "我在A7县一所乡镇中学任教，补助还发吗？")
    other = _facets(OTHER_COUNTY, "A8县乡村教师生活补助标准", "A8县的乡村教师补助分档不合理。")
    rent = _facets(CITY, "多子女家庭租房提取公积金", "我家三个孩子，想问提取公积金付房租。")
    loan = _facets(CITY, "多子女家庭公积金贷款额度", "我家三个孩子，想问公积金贷款额度。")
    assert policies.same_policy(subsidy, again, COUNTY, CITY)
    assert not policies.same_policy(subsidy, other, COUNTY, OTHER_COUNTY)
    assert not policies.same_policy(rent, loan, CITY, CITY)


def test_a_title_naming_no_group_asks_no_policy() -> None:
    # "补贴" alone is a kind of question, not one policy.
    assert policies.read(_facets(CITY, "咨询补贴发放问题", "请问补贴什么时候发？")) is None


def test_a_city_letter_is_of_the_county_its_content_names() -> None:
    # A teacher writing to the city's mailbox about their county's subsidy, naming the
    # county only in the content; a city letter naming none is not that county's.
    county = _facets(COUNTY, "A7县乡村教师生活补助停发", "A7县乡村学校教师的生活补助半年没发。")
    named = _facets(CITY, "乡村教师生活补助什么时候发", "我在A7县一所乡镇中学任教，补助还发吗？")
    unnamed = _facets(CITY, "乡村教师生活补助什么时候发", "我在一所乡镇中学任教，补助还发吗？")
    assert policies.same_policy(county, named, COUNTY, CITY)
    assert not policies.same_policy(county, unnamed, COUNTY, CITY)


def test_a_fund_for_rent_is_a_policy_its_loan_is_not() -> None:
    # The housing fund withdrawn for rent is one policy whoever rents; its loan to buy a
    # home is every question on the fund.
    rent = _facets(CITY, "咨询公积金提取支付房租", "我在A市租房，想问提取公积金付房租的额度。")
    again = _facets(CITY, "租房提取公积金的标准", "请问租房每个月能提取多少公积金？")
    loan = _facets(CITY, "咨询公积金贷款买房问题", "我想用公积金贷款买房，请问流程。")
    assert policies.same_policy(rent, again, CITY, CITY)
    assert policies.read(loan) is None


def test_letters_sharing_few_words_find_each_other_by_their_policy() -> None:
    # Two parents' letters on registering a newborn share hardly a sentence, nor a place.
    decisions = run(
        [
            _facts(
                0,
                CITY,
                "咨询新生儿落户需要哪些材料",
                "您好，我和爱人都是外地户口，前年在A市买了房，孩子上个月刚出生，请问孩子能不能"
                "直接把户口落在A市？需要准备出生医学证明、房产证还是别的材料？去哪个派出所办？",
            ),
            _facts(
                1,
                CITY,
                "父母非本地户籍新生儿能否在A市落户",
                "请问夫妻双方都不是本市户籍，但在本市有自有产权住房，宝宝可以随房子上户吗？"
                "还是只能随父母回老家上户？老家离这里一千多公里，来回跑一趟很不方便。",
            ),
        ]
    )
    assert decisions[1].matter_id == decisions[0].matter_id


def test_a_policy_level_asked_is_not_a_writers_own_unpaid_payment() -> None:
    # Who asks what a subsidy is and who says theirs is unpaid: a question of policy and
    # one teacher's case.
    decisions = run(
        [
            _facts(
                0,
                COUNTY,
                "A7县乡村教师生活补助标准是多少",
                "领导好，我刚考上A7县的特岗教师，分到一所村小，请问乡村教师生活补助标准是多少？"
                "按什么分档？",
            ),
            _facts(
                1,
                COUNTY,
                "A7县乡村教师生活补助一直没发",
                "领导好，我是A7县一所村小的老师，我的乡村教师生活补助从去年九月到现在还没发，"
                "请问什么时候补发？",
            ),
        ]
    )
    assert decisions[1].matter_id != decisions[0].matter_id


def test_groups_residents_commonly_ask_for() -> None:
    # Migrant workers' children at school, the bereaved parents' support, one question
    # each however asked; a group's other benefit is another.
    school = _facets(CITY, "随迁子女入学需要什么条件", "我们在A市打工五年，孩子明年上小学。")
    again = _facets(CITY, "关于随迁子女就近入学的咨询", "孩子户口在老家，能在A市上公办小学吗？")
    support = _facets(CITY, "失独家庭扶助金标准", "请问失独家庭每月扶助金多少？")
    support_again = _facets(CITY, "咨询失独家庭扶助金发放", "失独家庭的扶助金什么时候发？")
    hukou = _facets(CITY, "随迁子女落户", "孩子能不能随我们落户A市？")
    assert policies.same_policy(school, again, CITY, CITY)
    assert policies.same_policy(support, support_again, CITY, CITY)
    assert not policies.same_policy(school, hukou, CITY, CITY)
