"""The fields of petitions: the closed list every topic, rule file and dashboard keys on.

Intake's classifier chooses one (its rule file may not invent others), routing tables and
the notification policy match on them, the gateway lists them as Open311 services with
their descriptions (``FIELD_DESCRIPTIONS``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Literal, get_args

#: The fields of DOMAIN.md "Typical fields"; the rules may not invent others, because
#: routing, ledgers and dashboards key on these codes.
FieldCode = Literal[
    "housing.demolition",
    "housing.property_management",
    "housing.quality",
    "housing.title_certificate",
    "housing.delayed_delivery",
    "housing.other",
    "land_rural",
    "labour_social_security",
    "medical",
    "education",
    "environment",
    "transport",
    "public_security",
    "civil_affairs",
    "urban_management",
    "litigation",
    "discipline",
]
FIELDS: Final[tuple[FieldCode, ...]] = get_args(FieldCode)
#: The field of a petition that no rule recognises.
UNCLASSIFIED: Final = "unclassified"
#: The field a case carries: one of the taxonomy, or unclassified.
CaseField = Literal[FieldCode, "unclassified"]


@dataclass(frozen=True)
class FieldDescription:
    """How a field is shown to those who choose it: an Open311 client, a channel's form."""

    #: The short name comes first, up to a colon or a parenthesis.
    description: str
    #: Words a person looking for the field would type (the classification rule's
    #: strongest keywords, stems of its ``prefix`` words as they are).
    keywords: tuple[str, ...]


#: What each field is about, in the words of the classification rules' descriptions.
FIELD_DESCRIPTIONS: Final[Mapping[FieldCode, FieldDescription]] = {
    "housing.demolition": FieldDescription(
        description="征收拆迁与安置补偿 (expropriation, demolition, resettlement)",
        keywords=("强拆", "demolish", "demolition", "回迁", "回迁房", "城中村改造"),
    ),
    "housing.property_management": FieldDescription(
        description="物业服务、物业费、公共维修资金、业委会",
        keywords=(
            "property management",
            "owners committee",
            "property manager",
            "业主委员会",
            "业委会",
            "物业公司",
        ),
    ),
    "housing.quality": FieldDescription(
        description="房屋质量：漏水、开裂、渗水、空鼓、面积缩水",
        keywords=("房屋质量", "construction quality", "空鼓", "面积缩水", "crack", "leak"),
    ),
    "housing.title_certificate": FieldDescription(
        description="不动产权证（房产证）办理",
        keywords=(
            "ownership certificate",
            "property certificate",
            "property title",
            "title certificate",
            "title deed",
            "不动产权证",
        ),
    ),
    "housing.delayed_delivery": FieldDescription(
        description="逾期交房、烂尾楼、停工",
        keywords=("delayed delivery", "保交楼", "延期交付", "延期交房", "烂尾", "烂尾楼"),
    ),
    "housing.other": FieldDescription(
        description="其他住房问题：租赁、保障性住房、住房公积金、违建在住房中的纠纷",
        keywords=("public housing", "保障性住房", "保障房", "公租房", "廉租房", "经济适用房"),
    ),
    "land_rural": FieldDescription(
        description="土地与农村事务：征地、宅基地、承包地、集体经济、村务",
        keywords=("farmland", "homestead", "land acquisition", "土地承包", "土地流转", "基本农田"),
    ),
    "labour_social_security": FieldDescription(
        description="劳动与社会保障：欠薪、劳动合同、工伤、社保、养老金、失业",
        keywords=("unpaid wage", "拖欠工资", "欠薪", "讨薪", "social insurance", "work injur"),
    ),
    "medical": FieldDescription(
        description="医疗卫生：医疗纠纷、医保报销、医德医风、药品",
        keywords=("misdiagnos", "医疗事故", "误诊", "过度医疗", "health insurance", "hospital"),
    ),
    "education": FieldDescription(
        description="教育：入学、学位、学校收费、校园安全、教师",
        keywords=("kindergarten", "school", "入学", "孩子上学", "幼儿园", "校车"),
    ),
    "environment": FieldDescription(
        description="生态环境：污染、排污、噪声、油烟、异味、垃圾焚烧、扬尘",
        keywords=("pollut", "偷排", "排污", "waste water", "wastewater", "垃圾焚烧"),
    ),
    "transport": FieldDescription(
        description="交通运输：道路、公交、出租车、网约车、停车、违章、交通设施",
        keywords=("bus", "buses", "metro", "pothole", "subway", "taxi"),
    ),
    "public_security": FieldDescription(
        description="公安与治安：治安案件、户籍、报警、诈骗、赌博、出入境证件",
        keywords=("burglar", "gambling", "household registration", "hukou", "police", "scam"),
    ),
    "civil_affairs": FieldDescription(
        description="民政：低保、特困、残疾人补贴、养老服务、婚姻登记、殡葬、救助",
        keywords=(
            "subsistence allowance",
            "低保",
            "最低生活保障",
            "cemetery",
            "funeral",
            "marriage registration",
        ),
    ),
    "urban_management": FieldDescription(
        description="城市管理：占道经营、违章建筑、市容、路灯、绿化、垃圾清运、广告牌",
        keywords=(
            "illegal construction",
            "illegal structure",
            "占道经营",
            "私搭乱建",
            "违章建筑",
            "chengguan",
        ),
    ),
    "litigation": FieldDescription(
        description=(
            "涉法涉诉：判决、执行、立案、审判、检察监督、司法不公"
            "（转政法机关处理，Art. 20/31）"
        ),
        keywords=("retrial", "wrongful conviction", "再审", "冤案", "执行难", "错案"),
    ),
    "discipline": FieldDescription(
        description="纪检监察：公职人员贪污受贿、滥用职权、违反八项规定（检举控告，Art. 31）",
        keywords=("bribe", "bribery", "corrupt", "embezzl", "以权谋私", "优亲厚友"),
    ),
}
