"""Estates' bare names, learned from the case records (issue 13).

A resident writes "融科东南海小区" in one letter, and another names it in a title without
its estate word ("东南海垃圾站选址"): the reading of places finds no place in the second.
The first letter's record keeps the estate's full name (among its places) and its title
(its topic), so each case is also indexed under the bare names of its estates (the name
without its estate word, and without its developer's brand: ``held_names``; a title's own
bare place also by the shorter names residents give it: ``trailing_runs``), and a new
letter looks up the words of its title that may be one (``probed_names``, a bounded few).
A case found so is the letter's place only as ``shares_learned_name`` says, and only when
both titles name one kind of problem (``scoring``): a bare name may be a common word
("商品房" of an estate "商品房小区" read from a text).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Final

from services.common.places import DEVELOPER_BRANDS, developer_brand, problem_at, without_developer
from services.dedup import text

#: The words an estate's name ends with that a writer leaves off ("佳园星城小区",
#: "佳园星城"), one or two of them ("锦绣花园小区"). Not one character's ("苑", "园",
#: "府"): "丽景新苑" is the name itself.
_ESTATE_WORDS_RE: Final = re.compile("(?:小区|花园|家园|公寓|新村|新城|庄园|公馆|雅筑|华庭)+$")
#: Places named with such a word that are no estate (a park, a kindergarten's garden).
_NOT_ESTATE_RE: Final = re.compile("(?:公园|幼儿园|工业园|产业园|科技园|物流园|园区|校园)")
#: The least and most characters of a bare name: two are as often a word as a name.
MIN_NAME_CHARS: Final = 3
MAX_NAME_CHARS: Final = 6
#: The characters of an estate's name after its developer's brand that residents name it
#: by alone (``branded_short``: "央誉" of "建发央誉"), fewer than a bare name's least.
SHORT_NAME_CHARS: Final = 2
#: Words of a kind of housing, no estate's name ("商品房小区", "经济适用房小区", "安置小区").
_HOUSING_RE: Final = re.compile("(?:房|安置|拆迁|回迁|老旧|周边|附近|整个|所在|我们|我家)")
#: Characters no name begins or ends with: words around a name ("的", "请", "了").
_EDGE_CHARS: Final = frozenset("的了是在我你他她们请问吗呢吧啊与及和对被把将为由从到向给让不没有要")
#: The most words of a title a letter looks up as bare names: a long title's first ones.
MAX_PROBES: Final = 64
#: What is not a name's character: anything but a Chinese character.
_NOT_NAME_RE: Final = re.compile("[^\u4e00-\u9fff]+")


@lru_cache(maxsize=16_384)
def bare_names(place: str) -> tuple[str, ...]:
    """The bare names of an estate: its name without its estate word ("佳园星城" of
    "佳园星城小区"), and that without its developer's brand ("东南海" of "融科东南海小
    区"), each of ``MIN_NAME_CHARS`` to ``MAX_NAME_CHARS`` Chinese characters and no kind
    of housing; of an estate named without such a word, its name without its developer's
    brand ("集美郡" of "金科集美郡"); none for another place."""
    if "〔" in place or _NOT_ESTATE_RE.search(place):
        return ()
    word = _ESTATE_WORDS_RE.search(place)
    if word is None:
        # An estate named without such a word, after its developer's brand ("金科集美郡"):
        # its name without the brand ("集美郡").
        name = without_developer(place)
        if name != place and _may_be_name(name):
            return (name,)
        return (short,) if (short := branded_short(place)) else ()
    name = place[: word.start()]
    return tuple(
        bare
        for bare in dict.fromkeys((name, without_developer(name)))
        if _may_be_name(bare) and not _HOUSING_RE.search(bare)
    ) + ((short,) if (short := branded_short(name)) else ())


#: The two characters after a developer's brand that are a kind of estate, or words of
#: many estates' names, not one estate's own ("恒大华府", "万科城市花园": "华府" and "城市"
#: name estates of other brands in one city too), or a word no name is ("物业", "业主").
_GENERIC_SHORT: Final = frozenset(
    {
        "华府", "华庭", "豪庭", "名城", "名都", "花都", "丽都", "华都", "花园", "家园", "公馆",
        "首府", "天地", "中心", "广场", "新城", "新村", "公园", "国际", "一号", "壹号", "世家",
        "山水", "城市", "江山", "滨江", "湖畔", "江畔", "春天", "山庄", "庄园", "府邸", "公寓",
        "雅苑", "名苑", "嘉园", "雅居", "御府", "学府", "悦府", "华苑", "中央", "未来", "时代",
        "城邦", "天街", "云天", "悦城", "一品", "壹品", "御园", "御景", "尚城", "新都", "华城",
        "名邸", "东方", "西城", "东城", "南城", "北城", "新区", "商城", "大厦", "广厦", "物业",
        "地产", "集团", "公司", "置业", "项目", "楼盘", "开发", "小区", "社区", "业主",
        # Words of many estates' names and of other places ("恒大绿洲", "绿洲小区"; "保利
        # 香槟国际", "香槟小镇"). Not a series' name of one developer ("碧桂园天玺": "天玺").
        "绿洲", "半岛", "星城", "翡翠", "公元", "印象", "书院", "湖山", "江湾", "滨湖", "香槟",
    }
)  # fmt: skip


def branded_short(name: str) -> str:
    """The two characters of an estate's name after its developer's brand ("央誉" of
    "建发央誉", "檀悦" of "阳光城檀悦"), which residents name it by without the brand
    ("央誉物业费涨价"); "" for another name, or two that are a kind of estate or a word of
    many estates' names (``_GENERIC_SHORT``: "恒大华府"). Held and looked up (``names``)
    as the other bare names are; only a title naming the estate whole and another naming
    these two, one kind of problem in both, are one place by it (``shares_learned_name``)."""
    rest = name[len(developer_brand(name)) :]
    if rest == name or not short_name(rest):
        return ""
    return rest


def short_name(words: str) -> bool:
    """Whether two characters may be an estate's own name ("央誉", "檀悦"): not a kind of
    estate or a word of many estates' names (``_GENERIC_SHORT``), of housing, or with a
    character no name begins or ends with."""
    return (
        len(words) == SHORT_NAME_CHARS
        and words not in _GENERIC_SHORT
        and _HOUSING_RE.search(words) is None
        and _NOT_NAME_RE.search(words) is None
        and words[0] not in _EDGE_CHARS
        and words[-1] not in _EDGE_CHARS
    )


def _may_be_name(words: str) -> bool:
    return (
        MIN_NAME_CHARS <= len(words) <= MAX_NAME_CHARS
        and _NOT_NAME_RE.search(words) is None
        and words[0] not in _EDGE_CHARS
        and words[-1] not in _EDGE_CHARS
    )


def held_names(places: Iterable[str], topic: str) -> list[str]:
    """The bare names a case is indexed under: its estates' (``bare_names``) and its
    title's own bare place (``bare_place``) with its trailing runs (``trailing_runs``),
    when its title names a kind of problem (``text.claims``: without one, no letter joins
    it by a bare name), each once."""
    names = [name for place in places for name in bare_names(place)]
    if place := bare_place(topic):
        names.append(place)
        names.extend(trailing_runs(place))
    if head := short_head(topic):
        names.append(head)
    if not names or not text.claims(topic):
        return []
    return list(dict.fromkeys(names))


#: The least characters a resident leaves off the front of an estate's name: a word, its
#: developer's or its series' ("万润", "新城"), not one character ("佳园星城", "园星城").
_LEFT_OFF_CHARS: Final = 2


def trailing_runs(place: str) -> tuple[str, ...]:
    """The shorter names a title's bare place (``bare_place``) is also held under: its
    trailing runs of ``MIN_NAME_CHARS`` to ``MAX_NAME_CHARS`` characters without
    ``_LEFT_OFF_CHARS`` or more before them, not beginning with a word around a name.
    Residents leave off an estate's first words, its developer's or its series'
    ("万润滨江天著", "滨江天著"; "新城国际花都", "国际花都"): a later letter naming it so
    looks the shorter name up among its title's words (``probed_names``), as an earlier
    one naming it so is found by the longer's. Whether the two are one place is
    ``bare_place_agrees``'s to say."""
    return tuple(
        run
        for start in range(_LEFT_OFF_CHARS, len(place) - MIN_NAME_CHARS + 1)
        if len(run := place[start:]) <= MAX_NAME_CHARS and run[0] not in _EDGE_CHARS
    )


def probes(topic: str, places: Iterable[str]) -> tuple[str, ...]:
    """The bare names a letter whose title names a kind of problem looks up: the words of
    its title that may be one (``probed_names``), its title's bare place
    (``bare_place``: longer ones than those) and its estates' bare names (``bare_names``:
    a letter naming "融科东南海小区" finds the titles naming "东南海" before their kind)."""
    found = dict.fromkeys(probed_names(topic))
    if place := bare_place(topic):
        found[place] = None
    if head := short_head(topic):
        found[head] = None
    for estate in places:
        for name in bare_names(estate):
            found[name] = None
    return tuple(found)


@lru_cache(maxsize=8_192)
def probed_names(topic: str) -> tuple[str, ...]:
    """The words of a title (its ``text.topic``) a letter looks up as bare names: each run
    of ``MIN_NAME_CHARS`` to ``MAX_NAME_CHARS`` Chinese characters not beginning or ending
    with a word around a name, at most ``MAX_PROBES`` of them, the title's first."""
    found: dict[str, None] = {}
    for part in _NOT_NAME_RE.split(_without_kept(topic)):
        for start in range(len(part) - MIN_NAME_CHARS + 1):
            if part[start] in _EDGE_CHARS:
                continue
            for end in range(start + MIN_NAME_CHARS, min(start + MAX_NAME_CHARS, len(part)) + 1):
                if part[end - 1] not in _EDGE_CHARS:
                    found[part[start:end]] = None
                    if len(found) == MAX_PROBES:
                        return tuple(found)
    return tuple(found)


def shares_learned_name(
    our_topic: str,
    our_wholes: Wholes,
    their_topic: str,
    their_places: tuple[str, ...],
) -> bool:
    """Whether either title (``text.topic``) names bare (``bare_names``) the estate the
    other letter's title names whole (``our_wholes``: this letter's, ``named_whole``):
    "佳园星城垃圾站" and "佳园星城小区垃圾站选址". Not an estate the other names only in its
    text (a letter about another estate naming it as a neighbour), nor when the title
    names the estate whole too: that is a place of its own, compared as such."""
    return _named_bare(our_topic, named_whole(their_places, their_topic)) or _named_bare(
        their_topic, our_wholes
    )


#: Estates a title names whole, each with its bare names (``named_whole``).
Wholes = tuple[tuple[str, tuple[str, ...]], ...]


@lru_cache(maxsize=16_384)
def named_whole(places: tuple[str, ...], topic: str) -> Wholes:
    """The estates among a letter's ``places`` that its title (``topic``) names whole,
    each with its bare names (``bare_names``); kept per letter, as a candidate's places
    are the same tuple each time its record is read from the cache."""
    title = _without_kept(topic)
    found = [(place, names) for place in places if (names := bare_names(place)) and place in title]
    for place in places:
        # An estate the title names with its brand, without its estate word ("建发央誉" of
        # "建发央誉小区"): whole as its short name is concerned (``branded_short``).
        word = _ESTATE_WORDS_RE.search(place)
        if word is None or place in title:
            continue
        name = place[: word.start()]
        if (short := branded_short(name)) and name in title:
            found.append((name, (short,)))
    return tuple(found)


def _named_bare(topic: str, wholes: Wholes) -> bool:
    # Whether ``topic`` names bare one of the estates another title names whole.
    if not wholes:
        return False
    title = _without_kept(topic)
    return any(name in title and place not in title for place, names in wholes for name in names)


def _without_kept(topic: str) -> str:
    # A topic without its kept facets (``aboutness.with_kept``).
    at = topic.find("〔")
    return topic if at < 0 else topic[:at]


# -- A title's own place: the name before its kind of problem ---------------------------

#: The most characters of a title's bare place (``bare_place``): an estate's name with its
#: developer's brand ("新城国际花都", "保利麓谷林语").
MAX_PLACE_CHARS: Final = 8
#: A region named before the estate ("长沙市", "岳麓区"): the anonymised units are gone
#: from a topic already (``text.topic``).
_REGION_RE: Final = re.compile(
    "^(?:[\u4e00-\u9fff]{2,4}?[省市](?!场))?(?:[\u4e00-\u9fff]{2,4}?[区县](?<!小区))?"
)
#: What a writer puts between the estate's name and its problem: a building, a unit, a
#: phase ("3栋", "二期"), who writes ("业主", "居民"), the estate word itself.
_TRAILING_RE: Final = re.compile(
    "(?:(?:[0-9]+|[一二三四五六七八九十]+)(?:栋|幢|号楼|座|单元|期|区|号)|全体|业主|居民|住户|小区|社区)+$"
)
#: Words that make a run a sentence or a generic thing, never an estate's name: who
#: (我们, 本), where it is (楼下, 门口, 附近, 对面, 旁边), a shop or a road (店, 路, 街),
#: an institution (学校, 医院, 政府, 物业, 开发商), and what a sentence says (不, 没, 又, 还,
#: 什么, 怎么, 长期, 一直).
_NOT_PLACE_RE: Final = re.compile(
    "我|你|他|她|们|咱|本|该|此|这|那|某|每|各|些|个|都[没不是在要会有]|也|还|又|再|就|才|已|太|很|更|最"
    "|不|没|无|未|有|是|要|能|会|可|被|把|让|给|请|吗|呢|吧|啊|谁|哪|何|么|啥|怎|为"
    "|楼下|楼上|门口|门前|附近|对面|旁|边|周边|周围|隔壁|家里|家门|邻居|店|铺|馆|厅|厂|站|场|路|街|道|巷|桥"
    "|学校|小学|中学|医院|政府|单位|公司|物业|开发商|业委会|居委会|村委|社区|街道办|城管"
    "|小区|业主|居民|住户|市民|老人|孩子|学生|家长|乱|私自|违规|违法|非法|长期|一直|经常|总是|多次"
    "|天天|每天|晚上|夜间|半夜|凌晨|今年|去年|现在|目前|至今|新建|建设|施工|电|水|气|楼"
    # What is done: a run holding a verb is a clause ("修建一座人行", "公共位置增加").
    "|增加|安装|修建|建立|取消|督促|疏通|[画划]定|设|搞|发|想|承诺|强制|强行|擅自|改|排放"
    "|开采|补|消纳|埋|收|占|拆|停|办|缴|骗|欠|拖|扣|罚|扰|倒|烧|砍|毁|填|挖|卖|买|租"
    # Generic things and people of many places: a bus, a school's year, an office, a
    # holiday, a town or a village (read as places when named: ``places``).
    "|车|线|高速|公交|地铁|园区|公园|幼儿园|工业园|学|[一二三四五六七八九十]中|高[一二三]|年级"
    "|局|所|院|中心|政策|儿童|子女|军人|假|周末|手机|驾校|交通|辅警|民警|部门|员工|位置"
    "|公共|地下|门面|垃圾|生活|饮用|城区|出租|煤|矿|村民|工地|房产|房屋|镇|乡|(?<!新)村|依法|取缔|升|工程"
    # What a writer says of the letter or asks ("一封来自", "严重质疑", "关注一下").
    "|一封|来自|严厉|严重|查处|质疑|关注|一下|网友|户口|残疾|开通|期间|高峰|上下班|高考|增开|存|服务|刹住|区上"
)


#: Words a clause about the place begins with ("和泓梅溪四季擅自把绿地改成"): the name is
#: what comes before them.
_CLAUSE_RE: Final = re.compile(
    "擅自|私自|违规|违法|非法|强行|强制|长期|一直|经常|总是|多次|屡次|把|被|又|还|不|没|未|乱|拒绝"
)
#: How a district's, a town's or a road's name ends ("高新区", "星沙镇"): no estate's.
_AREA_ENDS: Final = ("省", "市", "区", "县", "镇", "乡", "村", "路", "街", "道", "片区", "新区")


@lru_cache(maxsize=16_384)
def bare_place(topic: str) -> str:
    """What a title (its ``text.topic``) names before its kind of problem ("新城国际花都" of
    "新城国际花都物业费乱涨", "保利天悦" of "保利天悦车位只售不租"): the words before the
    first kind word (``text.claims``), without the region before them and the building,
    the residents or the estate word after them, when they are ``MIN_NAME_CHARS`` to
    ``MAX_PLACE_CHARS`` Chinese characters and no sentence's or generic thing's words
    (``_NOT_PLACE_RE``); "" if none. It may still be a word of the sentence: it is a place
    only where another letter names it too (``bare_place_agrees``)."""
    title = _without_kept(topic)
    # The first kind word's place: ``text.claims`` reads the same words.
    at = text.first_claim_at(title)
    if at < 0:
        return ""
    before = title[:at].split()
    if not before:
        return ""
    # The words right before the kind word ("新城国际花都的物业费": the 的 left a space),
    # else the title's first ("和泓梅溪四季擅自把绿地改成停车位": the name, then a clause).
    return _name_like(before[-1]) or _name_like(before[0])


def _name_like(run: str) -> str:
    # ``run`` as a bare place: cut at a clause's first word, without the building, the
    # residents or the estate word after it and the region before it; "" if no name.
    if (said := _CLAUSE_RE.search(run)) is not None:
        run = run[: said.start()]
    # A word of its residents' problems after the name ("翡翠湾高层", "君兰江山开发商").
    if (problem := problem_at(run, MIN_NAME_CHARS)) >= 0:
        run = run[:problem]
    run = _TRAILING_RE.sub("", run).lstrip("省市县区")
    if len(cut := _REGION_RE.sub("", run, count=1)) >= MIN_NAME_CHARS:
        run = cut
    if (
        not MIN_NAME_CHARS <= len(run) <= MAX_PLACE_CHARS
        or _NOT_NAME_RE.search(run) is not None
        or run[0] in _EDGE_CHARS
        or run[-1] in _EDGE_CHARS
        # Its developer's brand is no word of a sentence ("建发央誉": not "发").
        or _NOT_PLACE_RE.search(_without_brand(run)) is not None
        # A district, a town, a road: read as places where they are ones (``places``).
        or run.endswith(_AREA_ENDS)
    ):
        return ""
    return run


@lru_cache(maxsize=16_384)
def short_head(topic: str) -> str:
    """The two characters a title (its ``text.topic``) begins with right before a word of
    an estate's residents' problems ("央誉" of "央誉物业停门禁卡", "檀悦" of "檀悦划片问
    题"): an estate named by the two characters after its developer's brand
    (``branded_short``), as another title names it whole ("建发央誉物业费上涨"); "" if
    none, or two a kind of estate or a sentence's words ("小区物业", "我们业主")."""
    title = _without_kept(topic)
    first = _NOT_NAME_RE.split(title, maxsplit=1)[0]
    head = first[:SHORT_NAME_CHARS]
    if (
        len(first) <= SHORT_NAME_CHARS
        or problem_at(first, SHORT_NAME_CHARS) != SHORT_NAME_CHARS
        or head in _GENERIC_SHORT
        or head[0] in _EDGE_CHARS
        or head[-1] in _EDGE_CHARS
        or _HOUSING_RE.search(head) is not None
        or _NOT_PLACE_RE.search(head) is not None
    ):
        return ""
    return head


def _without_brand(run: str) -> str:
    # ``run`` without the developer's brand it begins with, when a name is left.
    for brand in DEVELOPER_BRANDS:
        if run.startswith(brand) and len(run) > len(brand) + 1:
            return run[len(brand) :]
    return run


def bare_place_agrees(
    our_place: str,
    our_topic: str,
    our_content: str,
    our_places: Iterable[str],
    their_topic: str,
    their_places: tuple[str, ...],
) -> bool:
    """Whether one letter's ``bare_place`` is named by the other: this title's in the
    other's title or among its places (an estate whose name holds it, "和泓西雅韵小区"
    holding "西雅韵"), or the other title's in this title, this letter's content or its
    places. The other letter's content is not kept: only its places are."""
    if our_place and (
        our_place in _without_kept(their_topic) or any(our_place in p for p in their_places)
    ):
        return True
    their_place = bare_place(their_topic)
    return bool(their_place) and (
        their_place in _without_kept(our_topic)
        or their_place in our_content
        or any(their_place in p for p in our_places)
    )
