"""What a letter's content is about, beyond its title: whose matter, which employer, which
claim (issue 13, one writer's different matters under nested or equal titles).

A writer's titles are short and their own summaries: "咨询养老金领取" (their father's) and
"咨询母亲的养老金领取" (their mother's), "拖欠工资" twice (a building site's carpenter, then
a restaurant's cook), "咨询护林员补贴" (their own unpaid subsidy) and "咨询护林员补贴标准"
(the county's level against the next county's). The titles are alike, the texts of one
writer score as alike as their style makes them; what tells the matters apart is what the
contents say the matter is about:

- *whose* (``亲``): the relatives the writer names as theirs ("我父亲", "我家儿子", "我爱人")
  where a letter says whose matter it is: its title and its content's first clause after the
  greeting (a relative named later is the story's: "我女儿生病还等着用钱"); "我爸妈" both
  parents, "我婆婆" and "我老公的母亲" one relative;
- *where they work* (``业``), of a letter on wages: the kinds of workplace it names (工地,
  饭店, 工厂, 学校, ...);
- *what is claimed* (``诉``) of a payment or a fund: a level or standard ("标准", "比邻县
  低", "提高"), the writer's own payment not made ("没到账", "还没发"), how to apply or pay
  ("怎么申请", "怎么缴费"), a refund ("退回"), using a fund ("动用");
- *which house* (``h.``) a letter on a home or its loan is about: the first ("首套房",
  "第一套房"), the second ("二套房"), the third; not a count ("十二套房", "两套房");
- *the estate where* (``e.``): the estate the content's first clause says the writer or their
  family lives in or owns a home in ("我住在A4区阳光小区", "我父母住在月光小区", "我们是丽发
  新城小区的业主"); an estate named later is the story's ("我父母住的月光小区也不收"). Its
  name exactly: one character tells "阳光小区" from "月光小区" (``place_agreement`` forgives
  it between one writer's letters as a typo);
- *another one of a kind* (``n.``, with the objects of a kind the title and first clause
  name, ``o.``: an app, a platform, a company, a shop, a training body, a school, a hospital,
  a bank, a site, a game, a parcel service): "另一个音乐APP", "另外一家培训机构" say the letter
  is about another object than the writer's letter on one of that kind that says no such
  thing; not "另一个问题", "另一方面", "另外，".

They are kept as a last piece of the title's topic in the case record (``with_kept``), which
keeps no content. Two letters of one writer whose facets of a kind are both said and share none
(``differ``) are not linked by their titles alone: they are another matter unless their
texts are alike as one writer's must be with no place in common. A facet both letters name
is no evidence of one matter (a writer's own habit: their mother named in every letter);
silence in either is none of another. So a case recorded before a kind was read (none of its
facets kept) is never split from a new letter by that kind: "another" splits only from a
letter whose kept facets name the object of that kind (``o.``) without saying "another".
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable
from functools import lru_cache
from typing import Final

from services.common.places import folded_places
from services.dedup import policies

#: How the facets are kept: a last piece of the title's topic kept in the case record
#: ("咨询养老金领取" of a letter on the writer's mother: "养老金领取 〔述r.mo〕"), its values
#: ASCII so that no word searched in a topic (kinds of problem, places) is found in it, and
#: left out of the topic's character pairs (``text.topic_grams``) and questions.
KEPT_START: Final = "〔述"
KEPT_END: Final = "〕"
_SEP: Final = ","

WHO: Final = "r."
WORK: Final = "w."
CLAIM: Final = "c."
HOUSE: Final = "h."
ESTATE: Final = "e."
OBJECT: Final = "o."
ANOTHER: Final = "n."
#: A kind of problem (``text.CLAIM_KINDS``) the opening of a letter whose title names none
#: says is wrong (``features.opening_kinds``): what it is about, as its title would say.
OPENING_KIND: Final = "k."
#: The estate where with one character masked, each way ("阳?小区", ...): two names one
#: character apart (a typo, "锦绣家园" and "锦秀家园") share one.
ESTATE_NEAR: Final = "m."

#: The writer's relatives, each as one word whichever way it is written. A relative named
#: as the writer's: after 我, 我的, 我家, 我们家 or 本人的 ("我父亲", "我家儿子").
_RELATIVES: Final[dict[str, str]] = {
    "父亲": "fa", "爸爸": "fa", "老父亲": "fa", "老爸": "fa", "爸": "fa",
    "母亲": "mo", "妈妈": "mo", "老母亲": "mo", "老妈": "mo", "妈": "mo",
    "儿子": "so", "女儿": "da", "闺女": "da",
    "爱人": "sp", "妻子": "sp", "老婆": "sp", "丈夫": "sp", "老公": "sp",
    "哥哥": "eb", "弟弟": "yb", "姐姐": "es", "妹妹": "ys",
    "爷爷": "gf", "奶奶": "gm", "外公": "mgf", "外婆": "mgm",
    # A spouse's parents, whichever spouse ("我婆婆", "我老公的母亲": ``_subject_part``).
    "岳父": "sfa", "岳母": "smo", "公公": "sfa", "婆婆": "smo",
    "叔叔": "un", "伯伯": "uo", "舅舅": "um", "姑姑": "au", "阿姨": "at",
    "侄子": "ne", "侄女": "ni", "孙子": "gs", "孙女": "gd", "外孙": "dgs",
}  # fmt: skip
_RELATIVE_RE: Final = re.compile(
    "(?:我们家|我家|我的|本人的|我)("
    + "|".join(sorted(_RELATIVES, key=lambda w: (-len(w), w)))
    + ")"
)

#: Of a letter on wages, the kinds of workplace it names (one employer's crew names its
#: site and its company: both kept, so that naming either again agrees).
_WAGES_RE: Final = re.compile("工资|欠薪|薪水|工钱|劳务费|薪酬|拖欠")
_WORKPLACES: Final[dict[str, str]] = {
    "工地": "site", "建筑": "site", "包工头": "site", "项目部": "site",
    "饭店": "food", "餐馆": "food", "餐厅": "food", "酒店": "food", "饭馆": "food",
    "工厂": "factory", "厂里": "factory", "车间": "factory",
    "超市": "shop", "商场": "shop", "门店": "shop",
    "学校": "school", "幼儿园": "school", "培训": "school",
    "医院": "hospital", "诊所": "hospital",
    "物业": "property", "保安": "property",
    "快递": "delivery", "外卖": "delivery", "物流": "delivery",
    # Mine words, not "矿" alone ("矿泉水").
    "矿山": "mine", "煤矿": "mine", "矿上": "mine", "矿区": "mine", "矿井": "mine",
    "矿场": "mine", "农场": "farm", "养殖": "farm",
}  # fmt: skip
_WORKPLACE_RE: Final = re.compile("|".join(sorted(_WORKPLACES, key=lambda w: (-len(w), w))))

#: What is claimed of a payment or fund. A level or standard is a question of policy for
#: everyone; the writer's own payment, application, refund or use of a fund is their case.
_STANDARD: Final = "std"
_UNPAID: Final = "unpaid"
_APPLY: Final = "apply"
_REFUND: Final = "refund"
_USE: Final = "use"
_CLAIMS: Final = (
    # Not "提高" alone ("提高教育质量"), nor "没发现", "未发生", "未发布".
    (
        _STANDARD,
        re.compile(
            # A standard only where it is asked: the title's last word, or "…标准是多少".
            "^[^。]*标准(?:问题)?。|标准(?:是多少|是怎[么幺]|怎[么幺]定|如何定|偏低|太低|过低)"
            "|提高标准|比(?!较)[^，。！？,.!?]{0,8}[低少]|上涨|涨了|又涨"
            "|提高(?:补贴|补助|待遇|金额)"
        ),
    ),
    (
        _UNPAID,
        re.compile(
            # Not "没有收到回复" (the writer's letter unanswered), nor "没发票".
            "[没未]有?(?:发(?![现生展布挥言票])|到账"
            "|收到(?!回复|答复|回音|回信|结果|通知|处理|发票)|领到|兑现)"
            "|迟迟不|一直没给|还没给|拖欠"
        ),
    ),
    (_APPLY, re.compile("怎幺申请|如何申请|怎样申请|怎幺缴|如何缴|怎幺交|怎幺办理|如何办理")),
    (_REFUND, re.compile("退回|退还|退款|退费|退钱")),
    (_USE, re.compile("动用|使用维修")),
)
#: The writer's own case's claims: a payment not made follows an application.
_OWN: Final = frozenset({_UNPAID, _APPLY})
#: Claims each naming a different use of one fund or payment.
_PRINCIPAL: Final = frozenset({_STANDARD, _REFUND, _USE})


#: The characters each claim's words begin with: a pattern is searched only in a letter
#: holding one of them (a character's test costs a fraction of a pattern's scan).
_CLAIM_STARTS: Final = {
    _STANDARD: "标比上涨又提",
    _UNPAID: "没未迟一还拖",
    _APPLY: "怎如",
    _REFUND: "退",
    _USE: "动使",
}
#: Any of those characters: one scan of a letter finds which it holds (a test of each
#: character with ``in`` costs a call of its own, some twenty a letter).
_CLAIM_START_RE: Final = re.compile(
    "[" + "".join(sorted(set("".join(_CLAIM_STARTS.values())))) + "]"
)


#: Both parents named together ("我爸妈", "我父母", "我父亲和母亲"): the matter is theirs.
_BOTH_PARENTS_RE: Final = re.compile("爸妈|父母|双亲|父亲和母亲|母亲和父亲|爸爸妈妈")
_SPOUSES: Final = "(?:老公|爱人|丈夫|妻子|老婆|媳妇)的"
_SPOUSE_MOTHER_RE: Final = re.compile(_SPOUSES + "(?:母亲|妈妈|老母亲)")
_SPOUSE_FATHER_RE: Final = re.compile(_SPOUSES + "(?:父亲|爸爸|老父亲)")
#: Where a letter says whose matter it is: its title and its content's first clause after
#: the greeting; a relative named later is the story's ("我女儿生病还等着用钱").
_GREETING_END_RE: Final = re.compile("[:：]")
_CLAUSE_RE: Final = re.compile("[，。！？；,!?;]")


def _subject_part(text: str) -> str:
    """Of a folded "title。content", where it says whose matter it is: the title and the
    content's first clause after the greeting, a spouse's parent written as one word."""
    title, _, content = text.partition("。")
    colon = _GREETING_END_RE.search(content, 0, 30)
    body = content[colon.end() :] if colon else content
    end = _CLAUSE_RE.search(body)
    first = body[: end.start()] if end else body
    # A spouse's parent is the writer's parent-in-law ("我老公的母亲": "我婆婆"). (Both
    # patterns hold "的": a clause without one is not searched.)
    if "的" in first:
        first = _SPOUSE_FATHER_RE.sub("公公", _SPOUSE_MOTHER_RE.sub("婆婆", first))
    return f"{title}。{first}"


#: Which house a letter on a home or its loan asks about: the first ("首套房", "第一套住房"),
#: the second ("二套房", "第二套房"), the third. Not a count ("十二套房", "两套房").
_HOUSE_RE: Final = re.compile(
    # Not a count: "十二套房", "两套房", "有三套房", "共二套房".
    "(?<![一二三四五六七八九十百千两0-9有共])(首|第一|第二|二|第三)套"
    "(?=住房|房|商品房|住宅|公积金|贷款|房贷)"
)
#: A house the writer says is paid off ("还清了首套房的贷款", "首套房贷款已还清") is their
#: past one, not the one the letter asks about.
_PAID_BEFORE_RE: Final = re.compile("(?:还清|还完|结清)了?的?$")
_PAID_AFTER_RE: Final = re.compile("^[^，。！？；,!?;]{0,8}?(?:已经?|早就?|都)?(?:还清|还完|结清)")
_HOUSES: Final[dict[str, str]] = {
    "首": "1", "第一": "1", "第二": "2", "二": "2", "第三": "3"
}  # fmt: skip

#: Where the first clause says the writer or their family lives or owns a home: the
#: estate there is where the matter is ("我住在A4区阳光小区", "我父母住在月光小区",
#: "我们是丽发新城小区的业主").
#: Not 住建局, 住院, 住房 (a housing word, not living there).
_RESIDES_RE: Final = re.compile("住(?![建院房])|业主")
#: The words an estate's name ends with (``features._ESTATE_RE``), not a park's, a
#: school's or an industrial park's.
_ESTATE_RE: Final = re.compile("(?:小区|花园|家园|新村|新城|公寓|苑|园|邸|公馆|雅筑|华庭|庄园)$")
_NOT_ESTATE_RE: Final = re.compile(
    "(?:公园|幼儿园|工业园|产业园|科技园|物流园|园区|校园|陵园|果园|菜园|茶园|动物园|植物园"
    "|游乐园|墓园)$"
)

#: Objects a letter may be about, one of a kind among many ("某视频APP", "某培训机构"),
#: each as one word whichever way it is written: what a letter saying "另一个音乐APP" is
#: about is another of that kind than the writer's letter about one.
_OBJECTS: Final[dict[str, str]] = {
    "app": "app", "软件": "app", "应用": "app",
    "平台": "pf", "网站": "pf", "网店": "pf",
    "公司": "co", "企业": "co",
    "商家": "shop", "商店": "shop", "门店": "shop", "店铺": "shop", "超市": "shop",
    "商场": "shop", "饭店": "shop", "餐馆": "shop",
    "机构": "org", "培训班": "org",
    "学校": "school", "幼儿园": "school",
    "医院": "hospital", "诊所": "hospital", "药店": "hospital",
    "银行": "bank", "工地": "site",
    "游戏": "game", "快递": "parcel",
}  # fmt: skip
_OBJECT_RE: Final = re.compile("|".join(sorted(_OBJECTS, key=lambda w: (-len(w), w))))
#: "Another" one of a kind ("另一个音乐APP", "另一家培训机构", "另外一家公司"): the object
#: after at most a few words of what it is, within the clause; not "另一个问题", "另一方面"
#: (no object's word), nor "另外" alone ("另外，…": besides).
_ANOTHER_RE: Final = re.compile(
    "另(?:外)?一(?!方面)(?:个|家|款|所|间|座|处|位)?([^，。！？；,!?;：:是]{0,6}?)("
    + _OBJECT_RE.pattern
    + ")"
)


def _named_before(subject: str, at: int, kind: str) -> bool:
    # The part (title or first clause) names one of the kind before "another" ("从某学校
    # 转到另一所学校", "物业公司换成另外一家公司"): a move from one to another, the first's
    # story, not a letter about another one.
    start = subject.rfind("。", 0, at) + 1
    return any(_OBJECTS[o.group(0)] == kind for o in _OBJECT_RE.finditer(subject, start, at))


def estate_keys(places: Iterable[str]) -> frozenset[str]:
    """The ``e.`` facets the named ``places`` would be (to tell an estate a letter names
    anywhere)."""
    # A place read with a word before it ("隔壁月光小区", "每天去月光小区"): its ends too.
    return frozenset(ESTATE + _estate_key(p[i:]) for p in places for i in range(max(1, len(p) - 2)))


def _estate_key(name: str) -> str:
    # An estate's name as ASCII (kept facets are: ``KEPT_START``), one way however written.
    return f"{zlib.crc32(name.encode()):08x}"


def facets(content: str) -> frozenset[str]:
    """The facets a letter names (the module's doc), as kind + value: ``content`` is its
    folded title and content (``fold_script_and_width``)."""
    found: set[str] = set()
    subject = _subject_part(content)
    if "我" in content or "本人" in content:
        found.update(WHO + _RELATIVES[m.group(1)] for m in _RELATIVE_RE.finditer(subject))
        if _BOTH_PARENTS_RE.search(subject):
            found.update((WHO + "fa", WHO + "mo"))
        if "公婆" in subject:
            found.update((WHO + "sfa", WHO + "smo"))
    if _WAGES_RE.search(content):
        found.update(WORK + _WORKPLACES[m.group(0)] for m in _WORKPLACE_RE.finditer(content))
    starts = set(_CLAIM_START_RE.findall(content))
    for claim, pattern in _CLAIMS:
        if not starts.isdisjoint(_CLAIM_STARTS[claim]) and pattern.search(content):
            found.add(CLAIM + claim)
    if "套" in content:
        found.update(
            HOUSE + _HOUSES[m.group(1)]
            for m in _HOUSE_RE.finditer(content)
            if not _PAID_BEFORE_RE.search(content, max(0, m.start() - 4), m.start())
            and not _PAID_AFTER_RE.search(content[m.end() : m.end() + 14])
        )
    first = subject.partition("。")[2]
    if _RESIDES_RE.search(first):
        for p in folded_places(first):
            if _ESTATE_RE.search(p) and not _NOT_ESTATE_RE.search(p):
                found.add(ESTATE + _estate_key(p))
                found.update(
                    ESTATE_NEAR + _estate_key(f"{p[:i]}?{p[i + 1 :]}") for i in range(len(p))
                )
    subject = subject.lower()
    objects = {_OBJECTS[m.group(0)] for m in _OBJECT_RE.finditer(subject)}
    if objects:
        found.update(OBJECT + o for o in objects)
        if "另" in subject:
            found.update(
                ANOTHER + _OBJECTS[m.group(2)]
                for m in _ANOTHER_RE.finditer(subject)
                if not _named_before(subject, m.start(), _OBJECTS[m.group(2)])
            )
    title, _, body = content.partition("。")
    policy = policies.policy_facet(title, body)
    if policy:
        found.add(policy)
    return frozenset(found)


def with_kept(topic: str, found: frozenset[str]) -> str:
    """The topic as the case record keeps it: ``topic`` and, when the content names any,
    its facets as a last piece ("养老金领取 〔述r.mo〕")."""
    if not found:
        return topic
    token = f"{KEPT_START}{_SEP.join(sorted(found))}{KEPT_END}"
    return f"{topic} {token}" if topic else token


def without_kept(topic: str) -> str:
    """A kept topic (``with_kept``) without its facets: the title's topic alone."""
    at = topic.find(KEPT_START)
    return topic if at < 0 else topic[:at].rstrip()


@lru_cache(maxsize=16_384)
def kept_facets(topic: str) -> frozenset[str]:
    """The facets kept in a topic (``with_kept``); none for a record written without."""
    at = topic.find(KEPT_START)
    if at < 0:
        return frozenset()
    return frozenset(topic[at + len(KEPT_START) : topic.index(KEPT_END, at)].split(_SEP))


@lru_cache(maxsize=16_384)
def opening_kinds(topic: str) -> frozenset[str]:
    """The kinds of problem a kept topic's opening says (``OPENING_KIND``); none for a
    title naming a kind, or a record written without."""
    return _of(kept_facets(topic), OPENING_KIND)


def estates_shared(
    ours: frozenset[str],
    theirs: frozenset[str],
    our_places: Iterable[str],
    their_places: Iterable[str],
) -> bool:
    """Whether either letter's estate where (``e.``) is among the places the other names."""
    a, b = _of(ours, ESTATE), _of(theirs, ESTATE)
    return bool(a and b) and bool(
        a & _of(estate_keys(their_places), ESTATE) or b & _of(estate_keys(our_places), ESTATE)
    )


def without_estates(found: frozenset[str]) -> frozenset[str]:
    """``found`` without its estates where."""
    return frozenset(f for f in found if not f.startswith((ESTATE, ESTATE_NEAR)))


def _of(found: frozenset[str], kind: str) -> frozenset[str]:
    return frozenset(f[len(kind) :] for f in found if f.startswith(kind))


def differ(ours: frozenset[str], theirs: frozenset[str], *, claims: bool = True) -> bool:
    """Whether two letters' facets say they are about different things: relatives both
    name and none in common ("我父亲", "我母亲"); workplaces of a wages letter both name
    and none in common (a building site, a restaurant); different uses of one fund or
    payment (its refund, its use), or its level against the writer's own case (a
    standard asked about, the writer's subsidy unpaid); houses, estates both name and
    none in common; one saying it is about another object of a kind (``n.``) the other is
    about (``o.``) and does not say so of. Without ``claims``, all but what is claimed."""
    if not ours or not theirs:
        return False
    for kind in (WHO, WORK, HOUSE, ESTATE):
        a, b = _of(ours, kind), _of(theirs, kind)
        if a and b and a.isdisjoint(b):
            # Estates one character apart, of the same people: a typo of one estate
            # ("锦绣家园", "锦秀家园"); of the writer's and their parents': two.
            if (
                kind == ESTATE
                and not _of(ours, ESTATE_NEAR).isdisjoint(_of(theirs, ESTATE_NEAR))
                and _of(ours, WHO) == _of(theirs, WHO)
            ):
                continue
            return True
    # One letter says it is about another of a kind ("另一个音乐APP") the other is about
    # and does not say so of: another object.
    na, nb = _of(ours, ANOTHER), _of(theirs, ANOTHER)
    # Only the new letter's "another" (``ours``): a repeat of a letter on another one
    # need not say "another" again ("再次投诉音乐APP…" after "另一个音乐APP…").
    if na and not na.isdisjoint(_of(theirs, OBJECT) - nb):
        return True
    a, b = _of(ours, CLAIM), _of(theirs, CLAIM)
    if not claims or not a or not b:
        return False
    pa, pb = a & _PRINCIPAL, b & _PRINCIPAL
    if pa and pb and pa.isdisjoint(pb):
        return True
    # The level asked about, and the writer's own case, each without the other.
    return (a == {_STANDARD} and b <= _OWN) or (b == {_STANDARD} and a <= _OWN)


def level_and_own_payment(ours: frozenset[str], theirs: frozenset[str]) -> bool:
    """Whether one letter asks a payment's level and nothing else of it (``c.std``) and the
    other says the writer's own payment is not made (``c.unpaid``): a question of policy
    and one resident's case, two matters even of one policy ("护林员补贴标准", "我的护林员
    补贴还没发")."""
    a, b = _of(ours, CLAIM), _of(theirs, CLAIM)
    return (a == {_STANDARD} and _UNPAID in b) or (b == {_STANDARD} and _UNPAID in a)


#: Words by which a title says the letter is a repeat of the writer's own earlier one
#: ("再次咨询…", "第二次请求…", "又来反映…", "重新反映…", "多次反映…"): the writer refers
#: to a letter they wrote before. "第N次", "多次", "屡次", "又一次", "重新" only before an
#: asking or letter word ("请求重新丈量" asks a new measurement, "多次停电" is the problem);
#: "又" only where the title begins, before or after an asking word ("又快又好" is none).
#: Not "仍未", "至今未", "迟迟未", "反复": they describe the problem ("独生子女证至今未补办").
_SAYS_REPEAT_RE: Final = re.compile(
    "再次|再一次|再度|再问|再咨询|再反映|再请求|再投诉|再申请"
    "|(?:第[二三四五六七八九十两0-9]+次|又一次|多次|屡次|重新)"
    "(?:咨询|反映|请求|投诉|申请|举报|来信|留言|询问)"
    "|^(?:关于)?(?:(?:咨询|反映|请求|投诉|举报)又|又(?:一次|来|问|咨询|反映|请求|投诉|举报|申请))"
)


def says_repeat(title: str) -> bool:
    """Whether a title says its letter is a repeat of the writer's earlier one."""
    return _SAYS_REPEAT_RE.search(title) is not None
