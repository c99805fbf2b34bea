"""One named organisation's one wrong as a letter's subject (issue 13, the thirteenth session).

A city's message board holds big matters of many writers about one organisation and one
wrong it did, where no estate or road is shared: the victims of one collapsed lending
platform asking the police for their money ("58车贷案件何时能有进展", "请求严惩58车贷平台负责人",
"58车贷受害人的心声"), the students and parents of one college that sends them to factories
("A市经济学院组织学生外出打工合理吗？", "经济学院强制学生去工厂实习"), the workers of one
employer whose wages are unpaid ("宏远建筑工程有限公司恶意欠薪", "农民工讨薪难 … 宏远公司一直
拖欠工资不给"). Their words share little beyond the name; the name and the wrong say they are
one matter (DOMAIN.md: the same concrete problem about the same object).

The subject is kept as the estates' subjects are (``features.SUBJECT_RE``): the
organisation's name, then the wrong ("58车贷〔集资〕", "经济学院〔实习〕", "宏远〔欠薪〕"), among
the letter's places, so it survives restarts and is the same in the service and in
``xinfang dedup-batch``. Precision first: a letter wrongly joined to a big matter costs as
many pairs as the matter has letters, so a name must be distinctive (a proper name of two
characters or more before the organisation's word, never a government body, the addressee
of such letters: 公安局, 教育局, 人社局), the wrong must be the letter's own (a title naming
the organisation and another problem, "A市经济学院食堂饭菜价格太贵", "58车贷门店招牌摇摇欲坠",
is about that), and a letter naming two organisations of one kind has none.
"""

from __future__ import annotations

import re
from typing import Final

#: The wrongs, as kept in a subject ("58车贷〔集资〕").
PLATFORM_COLLAPSE: Final = "集资"
FORCED_INTERNSHIP: Final = "实习"
UNPAID_WAGES: Final = "欠薪"
#: Every organisation's wrong, in the order a letter is searched for them.
WRONGS: Final = (PLATFORM_COLLAPSE, FORCED_INTERNSHIP, UNPAID_WAGES)

#: The organisation's word each wrong's names end with: a lending or investment platform
#: ("58车贷", "惠民金服", "鑫盛理财"); a college or vocational school ("A市经济学院",
#: "星城职业技术学院"); an employer ("宏远建筑工程有限公司", "华泰电子厂", "龙盛矿业").
#: Longest first, so a word is not cut short by a shorter one it holds.
_KIND_WORDS: Final[dict[str, tuple[str, ...]]] = {
    PLATFORM_COLLAPSE: ("车贷", "理财", "金服", "金融", "财富", "网贷", "资本", "普惠", "钱包"),
    FORCED_INTERNSHIP: (
        "职业技术学院", "职业学院", "技师学院", "技术学院", "职业学校", "职院", "学院", "大学",
        "技校", "职校", "中专",
    ),
    UNPAID_WAGES: (
        "有限责任公司", "股份有限公司", "有限公司", "分公司", "公司", "集团", "电子厂", "工厂",
        "厂", "矿业", "项目部", "建筑", "建设", "劳务", "会所", "酒店",
    ),
}  # fmt: skip
#: One college written in several ways is one: "星城职业技术学院", "星城职院".
_COLLEGE_FORMS: Final = {
    "职业技术学院": "职院", "职业学院": "职院", "技术学院": "职院", "职业学校": "职校",
    "技校": "职校",
}  # fmt: skip
#: What an employer's name holds after its own (its trade, its legal form): "宏远建筑工程
#: 有限公司", "宏远建筑" and "宏远公司" are one employer, "宏远".
_EMPLOYER_TAIL_RE: Final = re.compile(
    "(?:有限责任公司|股份有限公司|有限公司|分公司|公司|集团|工程|建筑|建设|劳务|电子|科技|实业"
    "|装修|装饰|房地产|开发|置业|物业|工厂|厂|矿业|项目部|包装|印务|会所|酒店)$"
)
#: Characters no organisation's own name holds (function words, the writer, verbs of
#: writing and going), where a name found by walking back from its word stops: "我是58车贷
#: 的出借人", "孩子在星城职业技术学院读书", "被鑫盛理财的业务员拉去".
_STOP_CHARS: Final = frozenset(
    "的了在是我你他她它们和与及或被把将对向从给让为到于这那个些有没不也都就还又再请求问"
    "关于映诉报询去过里等家投买借说找叫要跟比已曾该此某其各每称原管"
)
#: Words of a request or of a victim that end where a name begins ("恳请加快侦办58车贷",
#: "严惩鑫盛理财", "受骗于惠民金服").
_BEFORE_NAME_RE: Final = re.compile(
    "加快|侦办|侦破|严惩|查处|打击|举报|投诉|反映|请求|恳请|要求|希望|呼吁|督促|尽快|严查|彻查"
    "|追究|处理|解决|整治|调查|受害|受骗|起诉|立案|关注|帮助|帮忙|就读|读书|入职|进入|不管"
    "|为何|为什么|公开|注意|公布|通报|查询|查清|冻结|查封|追回|追讨|讨要"
)
#: Characters before an organisation's word that make it a kind ("某物流公司", "一家装修公司").
_A_KIND_BEFORE: Final = frozenset("某家个所")
#: Of a college, a title naming an intern's injury or a fee is about that, not the sending.
_NOT_SENDING_RE: Final = re.compile("受伤|工伤|伤残|死亡|身亡|事故|费")
#: Words no organisation's own name holds, a clause's before its word ("平台跑路后公司").
_NOT_A_NAME_RE: Final = re.compile("跑路|拖欠|欠|说|做|干|拿|问|谁|让|后")
#: Words after an organisation's word that make it a body overseeing its kind.
_BODY_AFTER_RE: Final = re.compile("办|局|监|委|厅|中心|协会|部门|管理[局办委处]")
#: Words before an organisation named as an example of its kind ("像58车贷这样的平台",
#: "比如惠民金服").
_AN_EXAMPLE_RE: Final = re.compile("像|如|例如|诸如|类似|包括|之类")
#: How many characters of an organisation's own name are read before its word.
_MAX_NAME_CHARS: Final = 12
#: An anonymised or real region before a name ("A市", "A4区", "西地省"): the name is the
#: same without it ("A市经济学院", "经济学院").
_REGION_PREFIX_RE: Final = re.compile("^(?:[a-zA-Z]\\d*[省市区县]|西地省|\\w{2}省)+")
#: Names that are no one organisation: a kind of platform or school, a government body (the
#: addressee: "A市人社局", "教育局"), a bank, a street office, a village.
_GENERIC_RE: Final = re.compile(
    "^(?:互联网|网络|民间|小额|非法|个人|消费|供应链|科技|农村|正规|合法|其他|别的|各种|相关"
    "|p2p|P2P|私募|一家|一所|这家|那家|这所|那所|一个|几家|多家|本|该|某|我们|民办|公办|高职"
    "|中职|大专|本科|职业|技术|普通|重点|一些|部分|大型|小型|一般|城市|工程|市政|国有|私营"
    "|地方)$"
    "|局|厅|委|政府|街道|办事处|社区|居委|村|镇|乡|法院|检察|公安|派出所|部门|中心|监察|人社"
    "|教育|财政|税务|银行|证券|保险|医院|卫健|住建|城管|国资|机关"
)

#: Each wrong, by the words a letter names it with. A platform's collapse and the criminal
#: case after it; a college's sending its students to factories or to posts unrelated to
#: their studies; an employer's not paying its workers.
_WRONG_RES: Final[dict[str, re.Pattern[str]]] = {
    PLATFORM_COLLAPSE: re.compile(
        "暴雷|爆雷|跑路|卷款|非法集资|集资诈骗|非法吸收|吸收公众存款|诈骗|立案|案件|案子|侦办"
        "|侦查|清退|兑付|提现|出借人|投资人|受害人|受害者|报案|人去楼空|失联|血本无归|本金"
        "|退钱|追回|追缴|严惩|负责人|控制人|嫌疑人|逾期|追赃|退赔|结案|能退|事件|资产|资金|财产"
        "|处置|兑现|回款|钱|(?<=[车贷财服融富])案"
    ),
    FORCED_INTERNSHIP: re.compile("实习|顶岗|进厂|工厂|打工|做工|流水线|普工|廉价劳动力"),
    UNPAID_WAGES: re.compile(
        "欠薪|讨薪|拖欠[^，。,；;！!？?]{0,8}(?:工资|薪|血汗钱)|(?:工资|血汗钱)[^，。,；;！!？?]{0,6}"
        "(?:拖欠|不发|未发|没发|没有发|未结清|未支付|拿不到|没拿到|没有拿到)|不发工资|讨要工资"
        "|克扣[^，。,；;！!？?]{0,4}工资|(?:欠|不结)[^，。,；;！!？?]{0,6}工资"
        "|不给[^，。,；;！!？?]{0,3}(?:发|结|付)[^，。,；;！!？?]{0,3}工资"
        "|工资[^，。,；;！!？?]{0,4}克扣"
    ),
}
#: Of a college, that the students are sent, not that they look for a post or are hurt in
#: one: the school's forcing, arranging or ordering it.
_SENT_RE: Final = re.compile(
    "强制|强迫|强行|逼|必须|不去|否则|要挟|扣学分|学分|毕业证|不能毕业|影响毕业|安排|组织"
    "|要求|通知|被迫|强令|变相|硬性|统一|(?:让|叫|派|送|带)学生"
)
#: A writer who borrowed from the platform (its debt collection, how to repay), not a
#: victim of its collapse.
_BORROWER_RE: Final = re.compile("我是[^，。,；;！!？?]{0,10}借款人|我[^，。,；;！!？?]{0,10}借了")
#: What a title says besides the organisation that is about it and nothing else: the
#: speech act and the organisation's own words ("平台", "公司", "案件", "问题").
_TITLE_NOISE_RE: Final = re.compile(
    "关于|反映|投诉|举报|咨询|请求|恳请|强烈|再次|问题|情况|一事|的|平台|公司|有限|[^\\w]"
)


def _kind_re(wrong: str) -> re.Pattern[str]:
    return re.compile("|".join(_KIND_WORDS[wrong]))


_KIND_RES: Final = {wrong: _kind_re(wrong) for wrong in WRONGS}
#: A character each wrong's organisation words hold: a letter without any is not searched.
_MARKS: Final[dict[str, str]] = {
    PLATFORM_COLLAPSE: "贷财服融富资惠钱",
    FORCED_INTERNSHIP: "学院职校专",
    UNPAID_WAGES: "公司团厂矿部建设劳所店",
}


def _name_at(part: str, start: int, word: str, wrong: str) -> str:
    """The organisation whose word ``word`` starts at ``start``: the name characters
    before it (``_STOP_CHARS`` end them), without a region before, as one spelling of the
    organisation ("经济学院", "星城职院", "58车贷", "宏远"); "" when no distinctive name."""
    at = start
    while at > 0 and start - at < _MAX_NAME_CHARS:
        char = part[at - 1]
        if char in _STOP_CHARS or not (char.isalnum()):
            break
        at -= 1
    # Words before a name that are the writer's ("恳请加快侦办58车贷", "严惩鑫盛理财").
    # Looked for from a few characters before where the name stopped: a word a stop
    # character begins ("关注58车贷": "关" ends the walk, "注" is no name's).
    own = _BEFORE_NAME_RE.split(part[max(0, at - 3) : start])[-1]
    if len(own) > start - at:
        own = part[at:start]
    if own == part[at:start] and at > 0 and part[at - 1] in _A_KIND_BEFORE:
        # "某物流公司", "一家装修公司", "这所学院": a kind, not a name.
        return ""
    stripped = _REGION_PREFIX_RE.sub("", own)
    if wrong == FORCED_INTERNSHIP:
        # "L市职业技术学院": the city's name is the college's own when nothing else is.
        own = stripped if len(stripped) >= 2 else own
        name = own + _COLLEGE_FORMS.get(word, word)
    elif wrong == UNPAID_WAGES:
        own = stripped
        while True:
            shorter = _EMPLOYER_TAIL_RE.sub("", own)
            if shorter == own:
                break
            own = shorter
        name = own
    else:
        own = stripped
        name = own + word
    if len(own) < 2 or _GENERIC_RE.search(own) or _NOT_A_NAME_RE.search(own):
        return ""
    return name


def _names(part: str, wrong: str) -> list[tuple[str, int]]:
    """The organisations of ``wrong``'s kind a title or content names, with where, in order."""
    if not any(mark in part for mark in _MARKS[wrong]):
        return []
    found = []
    for match in _KIND_RES[wrong].finditer(part):
        if _BODY_AFTER_RE.match(part, match.end()):
            # A body overseeing the kind, not one of it ("地方金融监督管理局", "金融办").
            continue
        name = _name_at(part, match.start(), match.group(), wrong)
        if name:
            found.append((name, match.start()))
    return found


def same_organisation(ours: str, theirs: str) -> bool:
    """Whether two kept organisations' names are one: the same, or one ending with the
    other, words before it that a name was found with ("关注58车贷", "A市国际经济学院");
    never two names of one kind ("宏远", "宏达"), nor one brand's two trades ("华泰" of
    "华泰电子厂", "华泰服装")."""
    if ours == theirs:
        return True
    return min(len(ours), len(theirs)) >= 2 and (ours.endswith(theirs) or theirs.endswith(ours))


def _one(names: list[tuple[str, int]]) -> str:
    """The one organisation ``names`` name (the shortest when every other ends with it, or
    begins with it: "经济学院体育学院" is a school of "经济学院"), "" for none or two."""
    distinct = sorted({name for name, _ in names}, key=lambda n: (len(n), n))
    if not distinct or any(
        not (same_organisation(distinct[0], n) or n.startswith(distinct[0]))
        for n in distinct[1:]
    ):
        return ""
    return distinct[0]


def organisation_subject(title: str, content: str) -> str:
    """One organisation's one wrong a letter is about, as kept ("58车贷〔集资〕"), "" for none.

    Of each wrong in turn (``WRONGS``): the one organisation of its kind the title names,
    when the title names the wrong too or nothing else ("关于58车贷的投诉") and the letter
    names the wrong; else, of a title naming the wrong and no organisation of its kind
    ("农民工讨薪难", "请问学校组织学生去工厂实习是否合法"), the one the content names, not
    as an example of its kind ("像58车贷这样的平台"). A title naming the organisation and
    another problem ("A市经济学院食堂饭菜价格太贵") is about that. Of a platform, not a
    borrower's letter (its debt collection, how to repay); of a college, its students sent
    (a factory, a line, forced or arranged: ``_SENT_RE``).
    """
    letter = f"{title}。{content}"
    found = ""
    for wrong in WRONGS:
        subject = _subject_of(title, content, letter, wrong)
        if subject:
            if found:
                return ""  # two wrongs of two kinds: none is the letter's one
            found = subject
    return found


def _subject_of(title: str, content: str, letter: str, wrong: str) -> str:
    wrong_re = _WRONG_RES[wrong]
    in_title = _names(title, wrong)
    if in_title:
        name = _one(in_title)
        if not name:
            return ""
        if wrong_re.search(title) is None:
            # The title names the organisation alone ("关于58车贷的投诉"), or the
            # organisation and another problem of it ("58车贷门店招牌摇摇欲坠").
            rest = _REGION_PREFIX_RE.sub("", _TITLE_NOISE_RE.sub("", _without_names(title, wrong)))
            if rest or wrong_re.search(content) is None:
                return ""
    else:
        if wrong_re.search(title) is None:
            return ""
        in_content = _names(content, wrong)
        name = _one(in_content)
        first = in_content[0][1] if in_content else 0
        if not name or _AN_EXAMPLE_RE.search(content, max(0, first - 8), first):
            # None, two, or one named as an example of a kind ("像58车贷这样的平台").
            return ""
    if wrong == PLATFORM_COLLAPSE and _BORROWER_RE.search(letter):
        return ""
    if wrong == FORCED_INTERNSHIP and (
        _SENT_RE.search(letter) is None or _NOT_SENDING_RE.search(title) is not None
    ):
        return ""
    if wrong == UNPAID_WAGES and wrong_re.search(letter) is None:
        return ""
    return f"{name}〔{wrong}〕"


def _without_names(title: str, wrong: str) -> str:
    """``title`` without its organisations of ``wrong``'s kind, their words and regions."""
    spans = []
    for match in _KIND_RES[wrong].finditer(title):
        at = match.start()
        while at > 0 and match.start() - at < _MAX_NAME_CHARS:
            char = title[at - 1]
            if char in _STOP_CHARS or not char.isalnum():
                break
            at -= 1
        spans.append((at, match.end()))
    out, last = [], 0
    for start, end in spans:
        out.append(title[last:start])
        last = end
    out.append(title[last:])
    return "".join(out)


_KEPT: Final = tuple(f"〔{wrong}〕" for wrong in WRONGS)


def is_organisation(subject: str) -> bool:
    """Whether a kept subject is an organisation's wrong (not an estate's object)."""
    return subject.endswith(_KEPT)


def is_kept(place: str) -> bool:
    """Whether a place (as kept among a letter's) is an organisation's subject or its
    lookup key ("58车贷〔集资〕", "〔集资〕58车贷")."""
    return place.endswith(_KEPT) or place.startswith(_KEPT)


#: How many characters of an organisation's name its subject is looked up by
#: (``features.subject_key``): a name found with words before it ends as the name does. An
#: employer's name is its own part alone ("宏远"), the others' hold their kind ("58车贷").
KEY_CHARS: Final = {PLATFORM_COLLAPSE: 4, FORCED_INTERNSHIP: 4, UNPAID_WAGES: 2}
