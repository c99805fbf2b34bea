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


def without_estate_word(place: str) -> str:
    """An estate's name without "小区" ("锦绣江南" of "锦绣江南小区"), the word residents
    leave off in a title, when that is a bare name (``bare_names``: three to six
    characters, no kind of housing); "" for another place: one named without it
    ("绿地海外滩": its name without its developer's brand may be a series' or a
    neighbour's), or with another word of a name or of a kind of housing ("锦绣花园",
    "残疾人公寓": "残疾人" is who lives there, no estate)."""
    if not place.endswith(_ESTATE_WORD):
        return ""
    name = place[: -len(_ESTATE_WORD)]
    return name if name in bare_names(place) else ""


#: The word of an estate a title leaves off (``without_estate_word``).
_ESTATE_WORD: Final = "小区"


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
    # Speed: a title naming no kind holds none, and its names are not read (pure).
    if not text.claims(topic):
        return []
    names = [name for place in places for name in bare_names(place)]
    if place := bare_place(topic):
        names.append(place)
        names.extend(trailing_runs(place))
    if head := short_head(topic):
        names.append(head)
    if (lead := leading_name(topic)) and lead != place:
        names.append(lead)
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
    a letter naming "融科东南海小区" finds the titles naming "东南海" before their kind)
    and the brands its title names (``brand_keys``)."""
    found = dict.fromkeys(probed_names(topic))
    if place := bare_place(topic):
        found[place] = None
    if head := short_head(topic):
        found[head] = None
    for estate in places:
        for name in bare_names(estate):
            found[name] = None
    # The brands its title names before a trade word (``brand_keys``: "宏基混凝土公司").
    found.update(dict.fromkeys(brand_keys(topic)))
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


#: A road a title names before the estate on it ("雨桐路云锦台房位一体销售").
_LEADING_ROAD_RE: Final = re.compile("^[\u4e00-\u9fff]{1,5}?(?:大道|路|街)")


@lru_cache(maxsize=16_384)
def leading_name(topic: str) -> str:
    """The name a title (its ``text.topic``) begins with, after a road it names first, up
    to its first sentence's or generic thing's word (``_NOT_PLACE_RE``) or its first kind
    word ("云锦台" of "云锦台买房必须买车位", of "雨桐路云锦台房位一体销售"), when it is
    ``MIN_NAME_CHARS`` to ``MAX_NAME_CHARS`` characters no region's, town's or road's name;
    "" if none. Held as a bare name (``held_names``) and looked up by the other titles'
    words (``probed_names``): whether the two are one place is ``bare_place_agrees``'s,
    and the title's kind must be one for either to be held."""
    title = _without_kept(topic)
    first = _NOT_NAME_RE.split(title, maxsplit=1)[0]
    if (at := text.first_claim_at(first)) >= 0:
        first = first[:at]
    if (road := _LEADING_ROAD_RE.match(first)) is not None:
        first = first[road.end() :]
    if (word := _NOT_PLACE_RE.search(first)) is not None:
        first = first[: word.start()]
    if _may_be_name(first) and not first.endswith(_AREA_ENDS):
        return first
    return ""


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


# -- A business's or a plant's brand: its letters' candidates by it ---------------------

#: The words of a business's, a school's, a plant's or a market's trade or kind that
#: residents write after its brand ("童趣星早教", "宏基混凝土公司", "恒居物业", "华晟置业",
#: "金穗饲料厂", "恒锐电子公司", "枣园农贸市场"). The longer first: "房地产" before "地产".
_TRADE_WORDS_RE: Final = re.compile(
    "早教|培训|教育|艺术|英语|舞蹈|琴行|幼儿园|学校|学院|职院|职校|技校|健身|瑜伽|游泳|美容|美发|美甲|养生|足浴"
    "|超市|商场|商贸|商行|4S店|汽车|车行|物业|置业|房地产|地产|混凝土|搅拌站|建材|建筑|建设|工程"
    "|有限|公司|集团|电子|科技|饲料|化工|食品|制药|塑料|钢铁|铸造|水泥|砖厂|石场|砂场|养殖|猪场|屠宰"
    "|医院|诊所|口腔|药店|药房|酒店|宾馆|饭店|餐饮|火锅|烧烤|酒吧|网吧|驾校|银行|农贸|菜市场|市场"
    "|物流|快递|家政|装饰|装修|中介|厂"
)
#: What ends the words before a brand: a road's, an area's or a place's word, where it
#: lies, words of a sentence ("沩水东路宏基": "宏基"; "一家叫童趣星": "童趣星").
_BEFORE_BRAND_RE: Final = re.compile(
    "[省路街道区县镇乡村旁边的叫在是了和与及对被把给向从说]|市(?!场)|大道|旁边|后面|附近|对面|隔壁|名叫|投诉|举报"
)
#: A "的" right before a trade word.
_OF_TRADE_RE: Final = re.compile(f"的(?=(?:{_TRADE_WORDS_RE.pattern}))")
#: The least and most characters of the words before a trade word read as a brand.
_MIN_BRAND_CHARS: Final = 2
_MAX_BRAND_CHARS: Final = 6
#: The most characters of a property firm's brand ("恒居物业"): longer words before
#: "物业" are an estate's name.
_MAX_FIRM_CHARS: Final = 3
#: What a brand's key is written as: never an estate's bare name.
BRAND_MARK: Final = "商:"
#: Words before a trade word that are no brand: a sentence's, a kind's, a region's or
#: where it lies ("小区物业", "本地超市", "黑心商家", "楼下饭店", "要求搅拌站"), who writes
#: or is written to ("业主", "家长", "城管", "教育局").
_NOT_BRAND_RE: Final = re.compile(
    "我|你|他|她|们|咱|这|那|某|每|各|该|此|本|不|没|无|未|有|是|要|能|会|可|请|吗|呢|吧|啊|谁"
    "|哪|何|么|啥|怎|为|也|还|又|再|就|才|已|太|很|更|最|都|被|把|让|给|将|对|向|从|在|到|去"
    "|擅自|私自|违规|违法|非法|强行|强制|长期|一直|经常|总是|多次|乱|拒|拖|欠|退|收|涨|停|关|跑"
    "|投诉|举报|反映|反应|查处|要求|请求|督促|核查|关于|咨询|求助|整治|取缔|搬迁|建设"
    "|楼下|楼上|门口|门前|附近|对面|旁|周边|周围|隔壁|小区|业主|居民|住户|市民|老人|孩子|学生|家长"
    "|本地|当地|城区|县城|市区|黑心|无良|私人|民营|国有|新开|大型|小型|正规|知名|连锁|全市|全省|全国"
    "|领导|部门|政府|城管|街道|社区|环保|住建|公安|税务|人社|卫健|监管|执法|局|委|厅|办|所|队"
    "|工地|项目|楼盘|机构|单位|商家|老板|员工|工人|司机|夜间|晚上|凌晨|半夜|每天|今年|去年|现在"
    # A kind of a business, of its owner or of what it serves, never its own name
    # ("自来水厂", "人民医院", "公立幼儿园", "公交公司", "茶叶市场", "移动营业厅").
    "|自来|公交|人民|公立|私立|公办|民办|普惠|配套|违章|职业|第[一二三四五六七八九十]|移动|联通|电信"
    "|电力|供电|供水|燃气|管理|规划|原来|以后|以前|中国|重点|毕业|引进|信息|利用|招标|发现|加强"
    "|国家|中心|社会|服务|技术|商业|工业|农业|医疗|卫生|文化|体育|旅游|交通|房屋|城市|农村|乡村"
    "|县级|市级|省级|地方|附属|附[一二三]|中医|妇幼|保健|儿童|少儿|成人|数学|美术|音乐|钢琴|幼儿"
    "|学前|校外|课外|网上|线上|网络|电商|外卖|生猪|养猪|茶叶|石材|搅拌|二手|新能源|股份|分公司"
    "|营业|售楼|销售|开发|施工|监理|劳务|保安|保洁|绿化|环卫|废品|回收|维修|汽修|洗车|停车|加油"
)
#: The most characters of words before a trade word whose last two are a brand's too:
#: "童趣星" ("一家叫童趣星的早教中心" may be read "趣星教育"), not "花桥污水处理".
_MAX_TAILED_CHARS: Final = 3


@lru_cache(maxsize=16_384)
def brand_keys(words: str) -> tuple[str, ...]:
    """The keys of the brands ``words`` (a title's ``text.topic``, or a place) name before a
    trade or kind word (``_TRADE_WORDS_RE``): the first two and the last two characters of
    the words before it ("童趣星早教": "童趣", "趣星"; "沩水东路宏基混凝土搅拌站": "宏基"; the
    first two only of words longer than ``_MAX_TAILED_CHARS``: "花桥污水处理厂": "花桥"),
    each marked (``BRAND_MARK``). One business is written "童趣星早教", "童趣星早教中心",
    "童趣星教育", "〔退费〕趣星教育", a plant "宏基混凝土公司" and "宏基混凝土搅拌站", a
    market "枣园农贸市场" and "枣园菜市场": letters naming it so are candidates of each
    other by it. Only a lookup: whether two are one is scoring's (one brand's two trades
    are two businesses, "启迪健身" and "启迪英语")."""
    found: dict[str, None] = {}
    # "的" before a trade word is the brand's ("叫童趣星的早教中心", "宏基的混凝土搅拌站").
    words = _OF_TRADE_RE.sub("", _without_kept(words))
    for part in _NOT_NAME_RE.split(words):
        for segment in _BEFORE_BRAND_RE.split(part):
            # The first trade word of the segment, after its words: later ones follow a
            # trade ("宏基混凝土搅拌站") or a clause ("恒居物业强行涨物业费").
            trade = _TRADE_WORDS_RE.search(segment, _MIN_BRAND_CHARS)
            if trade is None:
                continue
            run = segment[: trade.start()]
            if (
                len(run) > _MAX_BRAND_CHARS
                or _TRADE_WORDS_RE.search(run) is not None
                # Only the words the keys are of: "湘中职业技术学院" is "湘中"'s.
                or _NOT_BRAND_RE.search(run[:_MAX_TAILED_CHARS]) is not None
                or run[0] in _EDGE_CHARS
                or run[-1] in _EDGE_CHARS
            ):
                continue
            if trade.group() == "物业" and len(run) > _MAX_FIRM_CHARS:
                # An estate's property manager ("嘉禾丰园物业"): the estate's own keys
                # find its letters.
                continue
            tail = run[-_MIN_BRAND_CHARS:] if len(run) <= _MAX_TAILED_CHARS else ""
            for key in filter(None, (run[:_MIN_BRAND_CHARS], tail)):
                if (
                    key not in _GENERIC_SHORT
                    and key not in DEVELOPER_BRANDS
                    and _HOUSING_RE.search(key) is None
                ):
                    found[BRAND_MARK + key] = None
    return tuple(found)


def held_brands(places: Iterable[str], topic: str) -> list[str]:
    """The brand keys (``brand_keys``) a case is indexed under: its title's and its
    places' (a subject's facet left off: "童趣星教育〔退费〕"), each once."""
    found = dict.fromkeys(brand_keys(topic))
    for place in places:
        found.update(dict.fromkeys(brand_keys(_without_facet(place))))
    return list(found)


def place_brands(places: Iterable[str]) -> list[str]:
    """The brand keys of a letter's places (``brand_keys``), each once: what it looks up
    whatever its title says."""
    return list(dict.fromkeys(key for place in places for key in brand_keys(_without_facet(place))))


def _without_facet(place: str) -> str:
    # A place without a subject's facet ("童趣星教育〔退费〕", "〔退费〕趣星教育"). Most
    # places hold none, and need no pattern (looked up in ``re``'s cache each time).
    if "〔" not in place:
        return place
    return _FACET_RE.sub("", place)


_FACET_RE: Final = re.compile("〔[^〕]*〕")


# -- A place's name without its kind: its letters' candidates by it ----------------------

#: The kind words a place's name ends with that residents write another one of, or none
#: ("澜岸小区", "澜岸家园"; "桂花坪社区", "桂花坪小区"; "北辰三角洲小区", "北辰三角洲幼儿
#:园"; "鑫城国际项目", "鑫城国际小区"; "东塘菜市场", "东塘小区"), the longer first.
_PLACE_KIND_RE: Final = re.compile(
    "(?:小区|社区|家园|花园|公寓|新村|雅苑|幼儿园|项目|楼盘|工地|广场|农贸市场|菜市场|市场)"
    "(?:[一二三四五六七八九十]期)?$"
)
#: Words of a site's or a works' kind, not its name ("地铁工地", "扩建工地", "希望项目").
_NOT_STEM_RE: Final = re.compile("地铁|扩建|改建|在建|新建|希望|施工|建筑|中心|公共|配套|普惠|回迁")
#: What a name stem is written as: never an estate's bare name nor a brand.
STEM_MARK: Final = "名:"


@lru_cache(maxsize=16_384)
def place_stem(place: str) -> str:
    """The key of a place's name without its kind word (``_PLACE_KIND_RE``: "名:澜岸" of
    "澜岸小区" and of "澜岸家园"), of two characters or more, no kind of estate, housing
    or sentence's word (``_GENERIC_SHORT``, ``_HOUSING_RE``, ``_NOT_BRAND_RE``) and no
    region's, town's or road's name; "" for another place, or a subject ("〔"). Only a
    lookup: whether "东塘菜市场" and "东塘小区" are one place is ``place_agreement``'s, and
    its bar is scoring's."""
    if "〔" in place or (kind := _PLACE_KIND_RE.search(place)) is None:
        return ""
    stem = place[: kind.start()]
    if (
        not _MIN_BRAND_CHARS <= len(stem) <= MAX_NAME_CHARS
        or _NOT_NAME_RE.search(stem) is not None
        or stem in _GENERIC_SHORT
        or stem in DEVELOPER_BRANDS
        or _HOUSING_RE.search(stem) is not None
        or _NOT_BRAND_RE.search(stem[:_MAX_TAILED_CHARS]) is not None
        or stem[0] in _EDGE_CHARS
        or stem[-1] in _EDGE_CHARS
        or stem.endswith(_AREA_ENDS)
        or _NOT_STEM_RE.search(stem) is not None
    ):
        return ""
    return STEM_MARK + stem


def place_stems(places: Iterable[str]) -> list[str]:
    """The stem keys of a letter's places (``place_stem``), each once: held and looked up
    whatever its title says."""
    return list(dict.fromkeys(stem for place in places if (stem := place_stem(place))))
