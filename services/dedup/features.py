"""What matching computes from a case's text, once (``extract_features``).

Its sketch and LSH bands, the places it names and what its title says.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Final, NamedTuple

import numpy as np

from schemas.petitions import Language
from services.common.places import (
    DEVELOPER_BRANDS,
    folded_places,
    with_qualifiers,
    without_developer,
)
from services.common.script import fold_script_and_width, occurrences
from services.dedup import aboutness, claim_words, names, organisations, text
from services.dedup import sketch as sk
from services.dedup.areas import match_area, region_names, unit_names
from services.dedup.config import DedupConfig
from services.dedup.facts import CaseFacts
from services.dedup.index_keys import U64

NO_BANDS: Final = np.empty(0, dtype=np.uint64)
#: A title's "place" that is an asking word before a unit word ("咨询村道硬化": "咨询村"),
#: a fragment the place heuristic cuts from a title naming no place.
_ASKING_UNIT_RE: Final = re.compile("^(?:咨询|反映|请求|投诉|举报|关于|建议|要求|申请)[村镇乡组]$")
#: How much of the content is its opening: a greeting and the writer's first sentence
#: ("尊敬的领导：您好！我们是丽发新城小区的业主，"). 60 and 100 find the same links among
#: the development letters; at 100 one more, wrong: a list of questions whose second item
#: names another letter's road.
OPENING_CHARS: Final = 60
#: Words that put a letter's plant elsewhere than by the estate its opening names, in the
#: content before it names the plant: the writer's workplace, school, hometown or another
#: place ("我单位附近有一搅拌站", "老家门口建起搅拌站", "我们这边是另一家").
_ELSEWHERE_RE: Final = re.compile("单位|公司|上班|路过|老家|家乡|学校|工业园|开发区|镇|村|另一")
_PLANT_RE: Final = re.compile("|".join(text.CLAIM_KINDS["mixing_plant"]))


#: What ends a sentence: the plant's own sentence is what follows the last before it.
_SENTENCE_END_RE: Final = re.compile("[。！？!?；;\n]")


def _plant_elsewhere(content: str) -> bool:
    """Whether a letter's plant is elsewhere than by the estate its opening names: the
    plant's own sentence (the opening's last, when the content names no plant), before
    the plant, names a workplace, a school, a hometown, a town, a village or "another"
    (``_ELSEWHERE_RE``), not as part of a place it names ("建设新村", "电力公司宿舍",
    "A7县城关镇丽景新苑") or of the estate's management (物业公司)."""
    plant = _PLANT_RE.search(content)
    before = _SENTENCE_END_RE.split(content[: plant.start() if plant else OPENING_CHARS])[-1]
    for place in sorted(folded_places(before), key=len, reverse=True):
        before = before.replace(place, "")
    return _ELSEWHERE_RE.search(before.replace("物业公司", "")) is not None


class CaseFeatures(NamedTuple):
    """What matching computes from a case's text, once.

    A NamedTuple, as the other values made for every lookup: a frozen dataclass costs
    several times as much to build.
    """

    sketch: sk.TextSketch
    places: frozenset[str]
    #: LSH band keys (``sketch.band_keys``); none for a text without shingles.
    bands: U64
    #: The places the title names: a title names the matter's place, the content also
    #: names others, and fragments of sentences the heuristic takes for places.
    title_places: frozenset[str] = frozenset()
    #: What the title says about the matter (``text.topic``), and its bigrams. With what
    #: the content is about (``aboutness``) as a last piece, which the bigrams leave out:
    #: the case record keeps the topic, and no content.
    topic: str = ""
    topic_grams: frozenset[str] = frozenset()
    #: The places named where the content begins (``OPENING_CHARS``): where a letter says
    #: who writes and about what ("我们是丽发新城小区的业主"), when its title does not.
    opening_places: frozenset[str] = frozenset()
    #: Whether the title names a plant and the plant's own sentence, before it names the
    #: plant, puts it elsewhere than by the estate the opening names (``_plant_elsewhere``):
    #: read only by the rule that takes such a title to be about that estate.
    opening_elsewhere: bool = False
    #: The kinds the title names in the clause naming its first (``text.main_clause_claims``).
    main_clause_claims: frozenset[str] = frozenset()
    #: What the letter is mainly about, one object at one estate (``letter_subject``) or
    #: one organisation's one wrong (``organisations.organisation_subject``), as the
    #: place-like key it is kept and looked up by among ``places``; "" for none.
    subject: str = ""
    #: What the content is about (``aboutness.facets``): whose matter, which workplace,
    #: what is claimed of a payment.
    facets: frozenset[str] = frozenset()
    #: Of a title naming no place: the estate (or village) its writer names where the
    #: content begins, bare or whole (``opening_name``: "我们是滨江天著3栋的住户"), which
    #: the reading of places may not find; "" for none or a title naming a place.
    opening_name: str = ""


#: ``folded_places`` of a title or an opening (a pure function of the text), cached: many
#: letters share a title ("关于噪音扰民的投诉") or an opening's words.
_short_places: Final = lru_cache(maxsize=8_192)(folded_places)


def extract_features(
    case: CaseFacts, config: DedupConfig, known_title_places: frozenset[str] = frozenset()
) -> CaseFeatures:
    """Normalise, shingle and sketch a case's text; find the places it names.

    ``known_title_places``: words of a title the reading finds no place in that earlier
    titles of its area named as their place (``title_places_known``), read as its places.
    """
    # Folding is character by character: fold each part once, for sentences and places.
    fold = fold_script_and_width
    title, content = fold(case.title), fold(case.content)
    sentences = text.folded_sentences(f"{title}。{content}".lower())
    latin = case.language is Language.EN or text.is_mostly_latin(" ".join(sentences))
    size = config.shingle_size_latin if latin else config.shingle_size_zh
    sketch = sk.sketch_text(sentences, size, config.sketch_size)
    accused = fold(case.accused) if case.accused else ""
    named = " 。".join([part for part in (title, content, accused) if part])
    bands = (
        sk.case_band_keys(
            sketch.signature, config.lsh_bands, config.lsh_rows, match_area(case.region_code)
        )
        if sketch.shingle_count
        else NO_BANDS
    )
    # A title naming its town where its content names the town's village ("榔梨镇至县城
    # 公交", "我们是榔梨镇杏坛村的村民"), or its facility by its generic word only ("饲料厂
    # 臭气熏天", "那个金穗饲料厂"), read as naming them so: the sketch keeps what was written.
    title = title_naming_its_facility(title_naming_its_village(title, content), content)
    # An institution the title or opening names bare ("二中") is the one the letter names.
    places = frozenset(
        p
        for p in folded_places(named, unit_names(case.region_code))
        if not _ASKING_UNIT_RE.match(p)
    )
    # And a title naming its estate bare ("锦绣江南夏天天天停电"), its letter naming it whole
    # ("锦绣江南小区"), read as naming it whole.
    title = title_naming_its_estate(title, places)
    lowered, regions = title.lower(), region_names(case.region_code)
    found = aboutness.facets(f"{title}。{content}")
    title_topic = text.topic(lowered, regions)
    if not text.claims(title_topic) and not _KIND_WORD_RE.search(lowered):
        # A title naming no kind of problem ("枫桥湾的问题"): the kinds its opening names,
        # kept with its facets (``aboutness.OPENING_KIND``). Not of a title holding a
        # kind's word read as none ("业委会私自续签物业合同", "自来水安装费太高"): its
        # writer named the matter, and the reading found it another than that kind.
        found = found | {aboutness.OPENING_KIND + k for k in opening_kinds(content, regions)}
    topic = aboutness.with_kept(title_topic, found)
    # Of a letter whose title names a plant: where the content says it is, before it
    # names the plant (its opening, when it names none).
    elsewhere = _PLANT_RE.search(title) is not None and _plant_elsewhere(content)
    title_places = frozenset(
        p for p in with_qualifiers(_short_places(title), places) if not _ASKING_UNIT_RE.match(p)
    )
    if known_title_places and not title_places:
        title_places = known_title_places
        places = places | known_title_places
    opening_places = with_qualifiers(_short_places(content[:OPENING_CHARS]), places)
    name = "" if title_places else opening_name(content)
    if name and not any(name in place for place in places):
        # The estate its opening names bare, among its places as an estate's name, so
        # that it is held by its bare name (``names.held_names``) and a later letter whose
        # title names the estate finds it (its opening is not kept).
        places = places | {name + OPENING_ESTATE_WORD}
    subject = letter_subject(
        title, content, text.claims(topic), title_places, opening_places, places
    ) or organisations.organisation_subject(title, content)
    return CaseFeatures(
        sketch,
        places | {subject, subject_key(subject)} if subject else places,
        bands,
        title_places,
        topic,
        text.topic_grams(topic),
        opening_places,
        bool(elsewhere),
        text.main_clause_claims(lowered, regions),
        subject,
        found,
        name,
    )


#: How many sentences of the content, past a greeting, may say what is wrong: who writes,
#: then the problem ("我们是枫桥湾小区的业主。小区南门的垃圾站臭气熏天").
OPENING_KIND_SENTENCES: Final = 2
#: How much of the content they may take: a passing mention later is not the matter.
OPENING_KIND_CHARS: Final = 120
#: What ends a sentence of the opening, and a clause.
_OPENING_SENTENCE_RE: Final = re.compile("[。！？!?；;\n]")
_OPENING_CLAUSE_RE: Final = re.compile("[，,、：:]")
#: A greeting: a sentence of it alone ("尊敬的领导：您好！", "市长您好").
_GREETING_RE: Final = re.compile("^[^，,]{0,16}(?:您好|你好|领导|市长|书记|主任)[:：]?$|[:：]$")


#: Every word of a kind of problem (``text.CLAIM_KINDS``, ``claim_words``), folded.
_KIND_WORD_RE: Final = re.compile(
    "|".join(
        re.escape(w)
        for w in sorted(
            {
                *(text.fold(w) for words in text.CLAIM_KINDS.values() for w in words),
                *(text.fold(w) for w in claim_words.KIND_OF_WORD),
            },
            key=lambda w: (-len(w), w),
        )
    )
)


def opening_kinds(content: str, regions: tuple[str, ...] = ()) -> frozenset[str]:
    """The kinds of problem (``text.claims``, read clause by clause as a title's topic is)
    the first sentence of the content's opening that names any names, of its first
    ``OPENING_KIND_SENTENCES`` past a greeting within ``OPENING_KIND_CHARS``: what a letter
    whose title names none says is wrong ("枫桥湾小区业主的诉求": "小区门口的烧烤摊油烟
    很大"). Its objects (a plant) are left to its subject (``letter_subject``)."""
    head = content[:OPENING_KIND_CHARS].lower()
    # A greeting ends at its colon ("尊敬的领导：我们是…"): the rest is a sentence.
    greeting = re.match("^[^，,。！!？?]{0,16}[:：]", head)
    if greeting is not None:
        head = head[greeting.end() :]
    taken = 0
    for sentence in _OPENING_SENTENCE_RE.split(head):
        sentence = sentence.strip()
        if not sentence or _GREETING_RE.search(sentence):
            continue
        found = frozenset(
            kind
            for clause in _OPENING_CLAUSE_RE.split(sentence)
            for kind in text.claims(text.topic(clause, regions))
        )
        if found:
            return found - text.OBJECTS
        taken += 1
        if taken >= OPENING_KIND_SENTENCES:
            break
    return frozenset()


#: A clause saying who writes, and nothing else ("我是湘府华庭8栋业主", "我们是丽发新城的居民").
_WHO_WRITES_RE: Final = re.compile(
    "^(?:我|我们|本人)(?:是|都是|系)?[^，,]{0,20}(?:业主|居民|住户|村民|市民|群众|家长)(?:们)?$"
)


#: Words adding another thing to what a sentence says is wrong ("…低音炮震得窗户响，加上
#: 搅拌站的罐车"): what follows is named beside it, in passing.
_ADDING_RE: Final = re.compile("加上|还有|另外|以及|而且|再加上|同时|除了")


@lru_cache(maxsize=4_096)
def opening_clause(content: str) -> str:
    """The first sentence of the content past a greeting and who writes, up to a word
    adding another thing (``_ADDING_RE``): what the letter says first is wrong ("我们丽发新
    城小区旁边的混凝土搅拌站每天晚上轰鸣不停，粉尘漫天"; of "市长您好！我是湘府华庭8栋业主，
    楼后正在建设的变电站距我家卧室窗户不到25米", the substation). A thing named after such
    a word ("…KTV每天唱到凌晨，低音炮震得窗户响，加上搅拌站的罐车") or in a later sentence is
    named in passing. "" if none within ``OPENING_KIND_CHARS``."""
    head = content[:OPENING_KIND_CHARS].lower()
    greeting = re.match("^[^，,。！!？?]{0,16}[:：]", head)
    if greeting is not None:
        head = head[greeting.end() :]
    for sentence in _OPENING_SENTENCE_RE.split(head):
        clauses = [c.strip() for c in _OPENING_CLAUSE_RE.split(sentence)]
        while clauses and (
            not clauses[0] or _GREETING_RE.search(clauses[0]) or _WHO_WRITES_RE.match(clauses[0])
        ):
            clauses.pop(0)
        if clauses:
            said = "，".join(clauses)
            adding = _ADDING_RE.search(said)
            return said[: adding.start()] if adding else said
    return ""


#: The words an estate's name ends with (``places._PLACE_SUFFIXES``): a place residents
#: live in, one of its kind, not a road, a village or a town (which hold several plants).
_ESTATE_RE: Final = re.compile(
    "(?:小区|花园|家园|新村|新城|之城|公寓|苑|园|府|湾|邸|公馆|雅筑|华庭|庄园|半岛)$"
)
#: Places named with "园" that are no estate: a park, a school, an industrial park.
_NOT_ESTATE_RE: Final = re.compile(
    "(?:公园|幼儿园|工业园|产业园|科技园|物流园|园区|校园|陵园|果园|菜园|茶园|动物园|植物园"
    "|游乐园|墓园|苗圃园)$"
)
#: Places a title may name that are about something else than an estate's object: a
#: building site or project, a village, a town, a subdistrict (several plants).
_OTHER_PLACE_RE: Final = re.compile("(?:工地|项目|(?<!新)村|镇|乡|街道|社区|新区|集镇)$")
#: What an estate's name ends with when it names none ("本小区", "我们小区", "该小区",
#: "小区"): every estate's residents write so.
_NO_NAME_RE: Final = re.compile("(?:^|[本我该此这那们个的边近整其全各])$")
#: How a subject is kept among a letter's places: "丽景新苑〔搅拌站西〕", of a named plant
#: "丽景新苑〔搅拌站·鑫磊〕". It holds the estate, so it agrees with every letter naming
#: the estate (``place_agreement``).
SUBJECT_RE: Final = re.compile(
    "^(.+)〔("
    + "|".join(
        (
            text.SUBJECT_PLANT,
            text.SUBJECT_FUMES,
            text.SUBJECT_FORCED_PARKING,
            text.SUBJECT_SITE,
            text.SUBJECT_REFUSE,
            text.SUBJECT_SUBSTATION,
            text.SUBJECT_POWER_LINE,
            text.SUBJECT_BASE_STATION,
            text.SUBJECT_RAIL,
            text.SUBJECT_FACTORY,
            text.SUBJECT_FARM,
            text.SUBJECT_SEWAGE,
            text.SUBJECT_ROAD,
            *organisations.WRONGS,
        )
    )
    + ")([东西南北]*)(?:·(.+))?〕$"
)


#: How many characters of an estate's name its subject is looked up by: a name found
#: with the words before it ("谁来管管枫林雅筑", "查一查丽景新苑") ends as the name does.
_SUBJECT_KEY_CHARS: Final = 4


def subject_key(subject: str) -> str:
    """The key a subject (``SUBJECT_RE``) is also kept and looked up by among a letter's
    places: its object, then the last ``_SUBJECT_KEY_CHARS`` of its estate's name
    ("〔油烟〕枫林雅筑"), which the estate's name found with other words before it ends
    with too. Not itself a subject (``place_agreement.same_subject`` compares those)."""
    found = SUBJECT_RE.match(subject)
    assert found is not None
    chars = organisations.KEY_CHARS.get(found.group(2), _SUBJECT_KEY_CHARS)
    name = area_and_estate(found.group(1))[1]
    if found.group(2) not in organisations.WRONGS:
        # An estate's name with "小区" or without ("恒大华府小区", "恒大华府") is one key.
        name = _NEIGHBOURHOOD_RE.sub("", name)
        # With its developer's brand before it or not ("金地悦江府", "悦江府") too.
        name = without_developer(name)
    return f"〔{found.group(2)}〕{name[-chars:]}"


#: The word a writer may add to an estate's name or leave off (``subject_key``).
_NEIGHBOURHOOD_RE: Final = re.compile("(?<=..)小区$")


def _plant_by_another_place(content: str) -> bool:
    """Whether the sentence where the content first names its plant names a village, a
    town, a subdistrict or a site too ("老家枫树坪村旁的搅拌站"), not as an estate's
    address: the plant may be by that."""
    plant = _PLANT_RE.search(content)
    if plant is None:
        return False
    ends = _SENTENCE_END_RE.finditer(content, 0, plant.start())
    start = max((m.end() for m in ends), default=0)
    end = _SENTENCE_END_RE.search(content, plant.end())
    sentence = content[start : end.start() if end else len(content)]
    named = folded_places(sentence)
    # Not the subdistrict or town the sentence names right before an estate: the estate's
    # address ("我们是洋湖街道伊景园·滨河苑的住户，小区旁边那个搅拌厂").
    return any(
        _OTHER_PLACE_RE.search(p) and not _before_estate(p, named, sentence.lower()) for p in named
    )


#: What may stand between a series' name and its estate's ("伊景园·滨河苑", "伊景园-滨河苑",
#: "伊景园 滨河苑"): one mark, or none ("伊景园滨河苑").
_JOINED_BY: Final = r"[\s·・.．\-－—_/]?"
#: The marks of ``_JOINED_BY`` but white space.
_JOINING_MARKS: Final = frozenset("·・.．-－—_/")


def _named_joined(first: str, second: str, text: str) -> bool:
    """Whether the ``text`` names ``first`` right before ``second``, one mark of
    ``_JOINED_BY`` or none between: what ``re.search(re.escape(first) + _JOINED_BY +
    re.escape(second), text)`` finds, by ``str.find`` (a pattern compiled for each pair
    of names cost ~0.2 ms, and most pairs are new: ``re`` keeps 512)."""
    at = text.find(first)
    while at >= 0:
        end = at + len(first)
        if text.startswith(second, end) or (
            end < len(text)
            and (text[end] in _JOINING_MARKS or text[end].isspace())
            and text.startswith(second, end + 1)
        ):
            return True
        at = text.find(first, at + 1)
    return False


def _joined(estates: list[str], text: str) -> list[str]:
    """``estates`` with each two the ``text`` names one right after the other as one
    name (a developer's series and its estate: "伊景园滨河苑" is read as "伊景园" and
    "滨河苑", and written "伊景园·滨河苑" too): "伊景园滨河苑"."""
    if len(estates) < 2 or not text:
        return estates
    # In one order whatever the order of the places read (a set's): shorter names first.
    ordered = sorted(estates, key=lambda e: (len(e), e))
    for first in ordered:
        for second in ordered:
            if (
                first != second
                and first not in second
                and second not in first
                and _named_joined(first, second, text)
            ):
                rest = [e for e in estates if e not in (first, second)]
                return _joined([*rest, first + second], text)
    return estates


#: An area whose name may stand right before an estate's as its address ("暮云街道丽发新城",
#: "黄花镇金色家园"): not a building site, a project or a village.
_AREA_RE: Final = re.compile("(?:街道|镇|乡|新区|社区)$")


def _before_estate(place: str, places: frozenset[str], text: str) -> bool:
    """Whether ``place`` is an area the ``text`` names right before an estate among
    ``places``: the estate's address, not another place the text is about."""
    return _AREA_RE.search(place) is not None and any(
        _ESTATE_RE.search(estate)
        and not _OTHER_PLACE_RE.search(estate)
        and _named_joined(place, estate, text)
        for estate in places
    )


def _area_before(estate: str, text: str) -> str:
    """The area the ``text`` names right before ``estate`` ("东塘社区丽景新苑", "黄花镇
    刘家湾": a town's name the places' reading keeps as the estate's qualifier), with
    ``AREA_MARK`` after it; "" for none."""
    # (By ``occurrences``: a pattern compiled for each estate's name cost ~0.2 ms.)
    for start in occurrences(estate, text):
        before = re.sub(_JOINED_BY + "$", "", text[:start])
        area = _AREA_NAME_RE.search(before)
        if area is not None:
            return area.group(1) + AREA_MARK
    return ""


#: An area's name ending the words before an estate's, after its county or district.
_AREA_NAME_RE: Final = re.compile(
    "(?:^|[县市]|(?<![新社])区)([^县市区\\s，。、；：！？的在旁边]{1,5}?(?:街道|镇|乡|新区|社区))$"
)


#: What ends an area kept before its estate in a subject ("东塘社区｜丽景新苑").
AREA_MARK: Final = "｜"


#: A developer's brand a letter says its estate is not of ("滨河苑小区（老小区，不是中建
#: 那个）"): its estate of the same name is another.
_NOT_BRAND_RE: Final = re.compile(
    "(?:不是|并非|并不是|而非)(" + "|".join(DEVELOPER_BRANDS) + ")(?:那个|那边|的|开发|建的)"
)
#: What stands before a brand the letter says its estate is not of, in a subject's area
#: ("坪塘街道≠中建｜滨河苑").
NOT_BRAND_MARK: Final = "≠"


def _not_brands(estate: str, text: str) -> str:
    """``estate`` (a subject's, with its area) with the brand the ``text`` says it is not
    of kept in its area (``NOT_BRAND_MARK``), when its name does not hold that brand."""
    found = _NOT_BRAND_RE.search(text)
    if found is None:
        return estate
    area, name = area_and_estate(estate)
    if name.startswith(found.group(1)):
        return estate
    return f"{area}{NOT_BRAND_MARK}{found.group(1)}{AREA_MARK}{name}"


def area_and_estate(name: str) -> tuple[str, str]:
    """A subject's estate name as its area ("" for none) and the estate's own name."""
    area, mark, estate = name.rpartition(AREA_MARK)
    return (area, estate) if mark else ("", name)


def _one_estate(places: frozenset[str], text: str = "") -> str:
    """The one estate among ``places`` (``_ESTATE_RE``), its shortest form when the
    others hold it ("紧挨着丽景新苑", "丽景新苑"); "" for none or two. Two the ``text``
    names joined are one (``_joined``: "伊景园滨河苑")."""
    estates = sorted(
        _joined(
            [
                p
                for p in places
                if _ESTATE_RE.search(p)
                and not _NOT_ESTATE_RE.search(p)
                and not _NO_NAME_RE.search(_ESTATE_RE.sub("", p))
            ],
            text,
        ),
        key=lambda p: (len(p), p),
    )
    if not estates or any(estates[0] not in other for other in estates[1:]):
        return ""
    return _with_brand(estates[0], text)


#: A developer's brand the text names right before an estate, apart from it by a mark
#: ("中建·滨河苑"), which the places' reading leaves off.
_BRAND_BEFORE_RE: Final = re.compile("(" + "|".join(DEVELOPER_BRANDS) + ")" + _JOINED_BY + "$")


def _with_brand(estate: str, text: str) -> str:
    """``estate`` with the developer's brand the ``text`` names right before it ("中建·滨河苑":
    "中建滨河苑"), as a letter naming it without a mark is read: one brand's estate, not
    another series' one of the same name ("伊景园滨河苑")."""
    if not text or without_developer(estate) != estate:
        return estate
    at = text.find(estate)
    brand = _BRAND_BEFORE_RE.search(text, 0, at) if at > 0 else None
    return brand.group(1) + estate if brand is not None else estate


def letter_subject(
    title: str,
    content: str,
    title_kinds: frozenset[str],
    title_places: frozenset[str],
    opening_places: frozenset[str],
    places: frozenset[str],
) -> str:
    """What a letter is mainly about, one object at one estate, as the key it is kept by
    (``SUBJECT_RE``); "" for none.

    The object: ``text.subject_object`` (a mixing plant, restaurants' fumes, parking
    spaces forced on buyers). The estate: the one the title names; else, of a title
    naming no place, the one its opening names, else the one the whole letter names
    ("我们丽景新苑几千户人家"). A title naming another place (a road, a building site) is
    not about an estate's object; an opening or letter naming two estates says none; a
    plant the content puts elsewhere (``_plant_elsewhere``: "我单位附近有一搅拌站") is
    none either.
    """
    obj, side = text.subject_object(title, content, title_kinds, bool(title_places))
    if not obj:
        return ""
    village = _works_village(obj, title, title_places, opening_places)
    named_works = _line_place(obj, title, title_places, content)
    if named_works and not village:
        village = _village_of(named_works, places)
        named_works = "" if village else named_works
    if village and not named_works:
        # A factory or a farm beside a village, named by its kind ("新桥村养猪场臭气熏天"):
        # the village's, whose villagers write of it.
        # Its kind the title names ("石材厂", "化工厂"; "养鸡场", "养牛场") is its name: one
        # village's stone works is not its chemical works.
        kind = _works_kind(obj, title)
        return f"{village}〔{obj}{side}{'·' + kind if kind else ''}〕"
    if any(
        _OTHER_PLACE_RE.search(p)
        and not _before_estate(p, title_places, title.lower())
        and not (obj == text.SUBJECT_SITE and _UNNAMED_SITE_RE.match(p))
        for p in title_places
    ):
        # The title is about a place of other problems (a building site, a village), not
        # the subdistrict an estate it names right after is in ("暮云街道丽发新城").
        return ""
    estate = _line_place(obj, title, title_places, content)
    if not estate:
        estate = _one_estate(title_places, title.lower())
    if not estate and obj in text.FACILITIES:
        estate = _estate_beside(title) or _park(obj, title_places)
    if estate:
        # The subdistrict, town or community the title names right before it
        # ("东塘社区丽景新苑"): two letters naming one estate's name in two areas are about
        # two estates (``place_agreement._same_estate``).
        estate = _area_before(estate, title.lower()) + estate
    if not estate:
        estate = _one_estate(opening_places, content[:OPENING_CHARS].lower()) or _one_estate(
            places, content.lower()
        )
        if not estate and obj in text.FACILITIES:
            estate = (
                _estate_beside(content[:OPENING_CHARS], writers=True)
                or _line_name(obj, title_places)
                # Or the estate its writer names first, bare ("碧水云天南边那个变电站").
                or _opening_estate_name(content)
            )
        if not estate or (
            obj == text.SUBJECT_PLANT
            and (_plant_elsewhere(content) or _plant_by_another_place(content))
        ):
            return ""
        if _someone_elses(estate, content):
            # "我朋友住在丽景新苑": the estate is a friend's, not the writer's.
            return ""
    if obj == text.SUBJECT_SITE and _site_named(estate, places, f"{title}。{content}".lower()):
        return ""
    if obj in text.FACILITIES:
        estate = _after_verb(estate, f"{title}。{content}")
    if (
        obj in text.FACILITIES
        and _FACILITY_IN_NAME_RE.search(estate)
        and not _LINE_NAME_RE.match(estate)
        and not (obj in _WORKS_OBJECTS and _WORKS_NAME_RE.match(estate))
    ):
        # A name read across the facility's own words ("收集站直接关系小区"): no estate.
        return ""
    if estate.endswith("小区") and len(estate) >= 5:
        # A name read with its estate's word ("碧海外滩小区") is the one written without it.
        estate = estate[:-2]
    name = (
        _plant_name(places)
        if obj == text.SUBJECT_PLANT
        else _restaurant_building(f"{title}。{content}")
        if obj == text.SUBJECT_FUMES
        else ""
    )
    return (
        f"{_not_brands(estate, f'{title}。{content}')}〔{obj}{side}{'·' + name if name else ''}〕"
    )


#: A site a title names by its side of the estate alone ("青秀城小区北侧工地": "北侧工地"):
#: no named site, the estate's.
_UNNAMED_SITE_RE: Final = re.compile(
    "^(?:[东西南北]{1,2}(?:侧|边|面)|旁边|旁|对面|隔壁|附近|周边|门口|后面|背后)?(?:的)?工地$"
)
#: An estate named right before the site or station beside it, by a name the places'
#: reading may leave ("A4区中铁青秀城旁工地", "青秀城对面工地半夜还在打桩"): a name of
#: two to eight characters ending as estates' do, then where the facility is.
_ESTATE_BESIDE_RE: Final = re.compile(
    "([\\w·]{2,12}?[城园苑府湾庭邸居墅]|[\\w·]{2,12}?(?=小区))(?:小区)?(?:的)?"
    "(?:[东西南北]{1,2}(?:侧|边|面)|旁边|旁|对面|隔壁|附近|周边|门口|后面|背后"
    "|(?:距离?|离|紧邻|紧挨着?|挨着|靠近)[^，。,；;！!？?\\d]{0,6}?)(?:的)?"
    "(?:一个|一处|一座|新建的|在建的|要建的|拟建的)?(?:工地|建筑工地|垃圾站|垃圾中转站|中转站|垃圾收集站"
    "|垃圾转运站|压缩站|变电站|变电所|配电房|高压线|高压电线|高压电塔|高压铁塔|基站|信号塔|发射塔"
    "|铁路|高铁|轻轨|工厂|厂房|化工厂|养殖场|养猪场|猪场|污水处理厂)"
)
#: The words a title or a sentence may put before an estate's name.
_BEFORE_NAME_RE: Final = re.compile(
    "^.*(?:[区县市的]|关于|反映|投诉|举报|请求|希望|我们|我家|家住|住在|业主|居民|位于|就在"
    "|部门|治理|整治|处理|解决|查处|管管|一下|街道|社区|[镇乡村])"
)
#: The longest estate's name kept of the words before a site (a brand and a name:
#: "中铁青秀城").
_BESIDE_NAME_CHARS: Final = 6


#: The estate a writer says they live in, its name ending as estates' do, then a building,
#: a mark or the end of the sentence ("我家住圭塘街道中铁·青秀城，", "我是青秀城7栋住户").
_WRITER_ESTATE_RE: Final = re.compile(
    "(?:家住|住在|我是|我们是)[^，。,；;！!？?]{0,10}?(?:([\\w·]{2,12}?[城园苑府湾庭邸居墅])(?:小区)?"
    "(?=[，。,；;0-9一二三四五六七八九十]|的业主|的居民|业主|居民)"
    # of a name not ending as estates' do ("绿地海外滩"), the estate said so
    "|([\\w·]{2,12}?)(?=小区|的业主|的居民))"
    # or named as the writer's estate ("我们小区是绿地海外滩，")
    "|(?:我们|我家|我住的)小区(?:是|叫)([\\w·]{2,12}?)(?=[，。,；;！!？?])"
)


def _estate_beside(part: str, writers: bool = False) -> str:
    """The estate ``part`` names right before a site or a station beside it
    (``_ESTATE_BESIDE_RE``), or, ``writers``, the one its writer says they live in
    (``_WRITER_ESTATE_RE``); "" for none."""
    found = _ESTATE_BESIDE_RE.search(part.lower())
    if found is None and writers:
        found = _WRITER_ESTATE_RE.search(part.lower())
    if found is None:
        return ""
    named = next(group for group in found.groups() if group)
    name = _BEFORE_NAME_RE.sub("", named.replace("·", ""))[-_BESIDE_NAME_CHARS:]
    if len(name) < 3 or _NOT_ESTATE_RE.search(name) or _NO_NAME_RE.search(name[:-1]):
        return ""
    return name


#: A facility's words in what was read as an estate's name.
_FACILITY_IN_NAME_RE: Final = re.compile("站|工地|垃圾|高压|铁路|高铁|工厂|厂房|养殖|猪场")
#: A road as a place names it ("月亮岛路", "黄星大道"): a line of towers or poles along it
#: is the road's, whose neighbours of several estates write of it.
_ROAD_RE: Final = re.compile("(?:路|大道|大街|街)$")
#: A railway's own name ("石长铁路", "长赣高铁", "鲤鱼江铁路"), of two characters or more.
_LINE_NAME_RE: Final = re.compile(
    "^[^的在旁边近和与及视续望要对于关请求反映投诉建修]{2,6}(?:铁路|高铁|轻轨|城际)$"
)
#: A factory, a farm or a sewage plant a title names by its own name ("升振铝材工厂",
#: "德山污水处理厂"): the place its neighbours of several estates write of.
_WORKS_NAME_RE: Final = re.compile(
    "^[^的在旁边近和与及对面附一个家座那这该我们里]{2,8}(?:工厂|厂|养殖场|养猪场|猪场)$"
)
#: A works' kind's words, which are no name of it ("化工", "加工", "小").
_WORKS_KIND_RE: Final = re.compile("化工|加工|养殖|生猪|畜禽|小|大型|非法|无证|违法|黑")
_WORKS_OBJECTS: Final = frozenset({text.SUBJECT_FACTORY, text.SUBJECT_FARM, text.SUBJECT_SEWAGE})
#: A village's name ("新桥村", "A8县新桥村"), not an estate named as a new village ("新村").
_VILLAGE_RE: Final = re.compile("^[^的在旁边近和与及对面附一个家座那这该我们里]{2,6}(?<!新)村$")


def _village_of(works: str, places: frozenset[str]) -> str:
    """The one village a letter names whose name a works named after it starts with
    ("长塘化工厂" of "长塘村"): the works its villagers write of as the village's; "" for
    none or two."""
    villages = {
        v
        for p in places
        if _VILLAGE_RE.match(v := _REGION_PREFIX_RE.sub("", p)) and works.startswith(v[:-1])
    }
    return next(iter(villages)) if len(villages) == 1 else ""


#: A works' own kind in a title: what a factory makes ("石材厂", "化工厂", "塑料加工厂"), the
#: animal a farm keeps ("养鸡场", "养牛场", "猪场"); not a factory's words alone ("工厂").
_FACTORY_KIND_RE: Final = re.compile("([\\u4e00-\\u9fff]{2})(?:加工)?厂")
#: Where a village or a word of the sentence ends before a works' kind ("新塘村石材厂").
_BEFORE_KIND_RE: Final = re.compile("^.*[村镇乡组的个家座旁边近那这该]")
_FARM_KIND_RE: Final = re.compile("养?([鸡鸭鹅猪牛羊兔鱼蛙])(?:场|厂)|养([鸡鸭鹅猪牛羊兔鱼蛙])")
_NOT_FACTORY_KIND_RE: Final = re.compile("(?<!化)工$|[的个家座旁边近那这该]|^加工$|非法|无证|违法")


def _works_kind(obj: str, title: str) -> str:
    """The kind of works a title names (``_FACTORY_KIND_RE``, ``_FARM_KIND_RE``); ""."""
    if obj == text.SUBJECT_FARM:
        found = _FARM_KIND_RE.search(title)
        return (found.group(1) or found.group(2)) if found else ""
    if obj == text.SUBJECT_FACTORY:
        found = _FACTORY_KIND_RE.search(title)
        kind = _BEFORE_KIND_RE.sub("", found.group(1)) if found else ""
        if kind and not _NOT_FACTORY_KIND_RE.search(kind):
            return kind
    return ""


def _works_village(
    obj: str, title: str, title_places: frozenset[str], opening_places: frozenset[str]
) -> str:
    """The one village a factory or a farm stands by, as its letters name it: the one the
    title names, besides the works' own kind ("新桥村有机肥厂臭味": "新桥村"), or, of a title
    naming no place, the one the opening names; "" for none, two, or another object."""
    if obj not in (text.SUBJECT_FACTORY, text.SUBJECT_FARM):
        return ""
    named = title_places if title_places else opening_places
    villages = {v for p in named if _VILLAGE_RE.match(v := _REGION_PREFIX_RE.sub("", p))}
    others = [
        p
        for p in named
        if _REGION_PREFIX_RE.sub("", p) not in villages
        and not (title_places and text.subject_words(obj).search(p))
    ]
    if len(villages) != 1 or others:
        return ""
    return next(iter(villages))


#: What a park's name may be said with or without ("星沙文化公园", "星沙公园").
_PARK_KIND_RE: Final = re.compile("文化|森林|湿地|生态|体育|休闲|城市|市民|中心|主题|广场")


#: Words before a place whose last character the reading of places may keep as the
#: place's first ("请求月亮岛路…": "求月亮岛路"; "停建北辰小区旁的变电站": "建北辰小区").
_VERBS_BEFORE: Final = (
    "请求",
    "要求",
    "恳求",
    "停建",
    "新建",
    "修建",
    "兴建",
    "拟建",
    "要建",
    "反对",
    "关于",
    "反映",
    "投诉",
    "举报",
    "希望",
    "架设",
)


def _after_verb(name: str, letter: str) -> str:
    """``name`` (a subject's place, with its area) without the last character of a verb the
    ``letter`` names right before the rest of it ("求月亮岛路": "月亮岛路")."""
    area, own = area_and_estate(name)
    for verb in _VERBS_BEFORE:
        if len(own) > 3 and own[0] == verb[-1] and verb[:-1] + own in letter.lower():
            return f"{area}{AREA_MARK}{own[1:]}" if area else own[1:]
    return name


#: What follows a road named as an address, not as where a line runs: a number, or an
#: estate's name right after it ("家住芙蓉路丹桂苑", "芙蓉路88号").
_ADDRESS_AFTER_RE: Final = re.compile(
    "(?:的)?(?:[0-9一二三四五六七八九十百]+号|[^，。,；;！!？?旁边侧沿两上段线]{1,8}?"
    "(?:小区|花园|家园|新村|公寓|苑|园|府|湾|城|庭|邸))"
)


def _address(road: str, part: str) -> bool:
    """Whether every mention of ``road`` in ``part`` is an address (``_ADDRESS_AFTER_RE``)."""
    lowered = part.lower()
    found = [at + len(road) for at in occurrences(road, lowered)]
    return bool(found) and all(_ADDRESS_AFTER_RE.match(lowered, at) for at in found)


def _line_place(obj: str, title: str, title_places: frozenset[str], content: str) -> str:
    """The factory, farm or sewage plant the title names by its name; the road a
    high-voltage line runs along, which the letters of its neighbours of
    several estates name ("A6区月亮岛路沿线架设110千伏高压电线杆", "月亮岛路旁的碧桂园
    小区门口新立了高压电塔"): the one road the title names, else the one the content's
    sentence first naming the line names; "" for none or two, or of another object."""
    if obj in _WORKS_OBJECTS:
        names = sorted(
            n
            for p in title_places
            if _WORKS_NAME_RE.match(n := _REGION_PREFIX_RE.sub("", p))
            and text.subject_words(obj).search(n)
            # a name of its own besides its kind ("升振" of "升振铝材工厂"; not "化工厂")
            and len(_WORKS_KIND_RE.sub("", text.subject_words(obj).sub("", n))) >= 2
        )
        return names[0] if names and all(names[0] in n for n in names[1:]) else ""
    if obj != text.SUBJECT_POWER_LINE:
        return ""
    roads = sorted(p for p in title_places if _ROAD_RE.search(p) and not _address(p, title))
    if not roads:
        line = text.subject_words(obj).search(content)
        if line is None:
            return ""
        starts = [m.end() for m in _SENTENCE_END_RE.finditer(content, 0, line.start())]
        end = _SENTENCE_END_RE.search(content, line.end())
        sentence = content[max(starts, default=0) : end.start() if end else len(content)]
        roads = sorted(
            p for p in folded_places(sentence) if _ROAD_RE.search(p) and not _address(p, sentence)
        )
    if not roads or any(roads[0] not in road for road in roads[1:]):
        return ""
    return roads[0]


def _line_name(obj: str, title_places: frozenset[str]) -> str:
    """The one railway the title names by its name, of a railway's letter naming no
    estate ("投诉石长铁路火车夜晚鸣笛扰民"); "" for none."""
    if obj != text.SUBJECT_RAIL:
        return ""
    lines = sorted(p for p in title_places if _LINE_NAME_RE.match(p))
    return lines[0] if len(lines) == 1 else ""


def _park(obj: str, title_places: frozenset[str]) -> str:
    """The one park a title names a power facility or a base station in ("反对将星沙公园改作
    变电站"), its name without its kind's words ("星沙文化公园": "星沙公园"); "" for none."""
    if obj not in (text.SUBJECT_SUBSTATION, text.SUBJECT_POWER_LINE, text.SUBJECT_BASE_STATION):
        return ""
    parks = sorted(
        {_PARK_KIND_RE.sub("", p) for p in title_places if p.endswith("公园") and len(p) > 3}
    )
    return parks[0] if len(parks) == 1 and len(parks[0]) > 3 else ""


#: A site named as a project ("蓝光项目", "A1区新城项目", "中茂城项目工地"): the place
#: itself, whose neighbours of several estates write of it.
_SITE_PROJECT_RE: Final = re.compile("项目(?:工地)?$")
#: Of a phase or a building of the estate: "月光小区二期工地".
_SITE_PART: Final = "(?:[一二三四五六七八九十0-9]{1,2}(?:期|号地块|地块))?"


def _site_named(estate: str, places: frozenset[str], letter: str) -> bool:
    """Whether a letter about a building site names the site itself: a project
    (``_SITE_PROJECT_RE``), or the estate it puts the site in ("月光小区工地", "月光小区
    二期工地": the estate being built is the site, not the estate beside it)."""
    if any(_SITE_PROJECT_RE.search(p) for p in places):
        return True
    name = area_and_estate(estate)[1].lower()
    return re.search(re.escape(name) + _SITE_PART + "(?:工地|项目)", letter) is not None


#: A plant named by what it is made of or how many, not by its own name ("水泥搅拌厂",
#: "A6区一搅拌站", "有一家搅拌站"), nor by the words before it ("加上搅拌站", "·加上"):
#: a name is a proper name of two characters or more, of letters and no punctuation.
#: Nor by a sentence's words that run into it: a demand ("强烈要求搬迁搅拌站"), the
#: writers, how often or how many ("每天几百趟搅拌站的罐车"), when.
_NO_PLANT_NAME_RE: Final = re.compile(
    "[一个家的座那这该旁边侧面方对近周起了在是有到里外上和与及跟比还也把被从向每几趟辆]|水泥"
    "|混凝土|砂石|沥青|商砼|要求|请求|希望|强烈|搬迁|搬走|关停|取缔|整改|反映|投诉|举报|业主"
    "|居民|天天|晚上|夜间|半夜|^.?$|[^\\w]"
)
#: The people whose estate a writer may name that is not theirs ("我朋友住在丽景新苑").
_SOMEONE_ELSE_RE: Final = re.compile("朋友|亲戚|同事|同学|父母|爸妈|老人家|亲友|熟人|邻居家")


def _someone_elses(estate: str, content: str) -> bool:
    """Whether the sentence where the content first names ``estate`` says it is someone
    else's (a friend's, a relative's, a colleague's)."""
    at = content.find(estate)
    if at < 0:
        return False
    starts = [m.end() for m in _SENTENCE_END_RE.finditer(content, 0, at)]
    return _SOMEONE_ELSE_RE.search(content[max(starts, default=0) : at]) is not None


#: The building a restaurant is under, named right before it ("2栋楼下的烧烤店", "6栋一楼
#:新开的火锅店", "芙蓉华府6栋楼下火锅店"): two restaurants of one estate under two
#: buildings are two matters.
_RESTAURANT_BUILDING_RE: Final = re.compile(
    "(?<![0-9一二三四五六七八九十])([0-9]{1,3}|[一二三四五六七八九十]{1,3})(?:栋|幢|号楼)"
    "[^，。,；;！!？?]{0,8}?(?:" + text.RESTAURANT_WORDS + ")"
)
_BUILDING_NUMERALS: Final = str.maketrans("一二三四五六七八九", "123456789")


def _restaurant_building(letter: str) -> str:
    """The building the letter's first restaurant named after one is under ("2栋"), ""
    for none."""
    found = _RESTAURANT_BUILDING_RE.search(letter)
    if found is None:
        return ""
    number = found.group(1)
    if not number.isdigit():
        number = "10" if number == "十" else number.translate(_BUILDING_NUMERALS)
        if not number.isdigit():
            return ""  # "十二": left unsaid, as a building no other names
    return f"{number}栋"


_PLANT_WORD_RE: Final = re.compile("(?:搅拌站|搅伴站|搅拌厂|搅拌场)$")
_REGION_PREFIX_RE: Final = re.compile("^.*[区县市]")


def _plant_name(places: frozenset[str]) -> str:
    """The one name a letter gives its plant ("东富" of "东富搅拌站", "鑫磊建材" of
    "鑫磊建材搅拌站"; the shortest when one holds the others), "" for none or two: two
    plants named apart by one estate are two."""
    names = sorted(
        {
            name
            for p in places
            if (word := _PLANT_WORD_RE.search(p))
            and not _NO_PLANT_NAME_RE.search(name := _REGION_PREFIX_RE.sub("", p[: word.start()]))
        },
        key=lambda n: (len(n), n),
    )
    if not names or any(names[0] not in other for other in names[1:]):
        return ""
    return names[0]


# -- The estate a letter's opening names, bare or whole ----------------------------------

#: How much of the content the estate its writer names may begin in: past a greeting and
#: a sentence or two of who writes ("本人是2016年住进来的，一家三代五口人，第一次在网上
#: 写信。碧水云天南边那个变电站，…"), which many residents put first.
OPENING_NAME_CHARS: Final = 100
#: A name as residents write an estate's (or a village's): Chinese characters only.
_NAME: Final = "([\u4e00-\u9fff]{2,8}?)"
#: A building, a floor, a unit after the name ("3栋", "2栋25楼", "6栋7栋").
_UNITS: Final = "(?:(?:[0-9]+|[一二三四五六七八九十]+)(?:栋|幢|号楼|座|单元|期|楼|层|号)){0,3}"
#: Who the writer says they are of the estate.
_RESIDENTS: Final = "(?:全体)?(?:业主|住户|居民|业住|租户)"
#: A district or county before the name ("A2区").
_AREA: Final = "(?:[A-Z][0-9]*[区县市])?"
#: Where a writer says they live or whom they write for, then the name: "我们是滨江天著3栋
#: 的住户", "我是国际花都的业主", "我住江南雅苑3栋，", "我们是水岸春天的，", "我们盛世华章的
#: 业主"; or a sentence (not a clause: "，方便居民") beginning with the estate's residents
#: ("碧水云天6栋7栋的业住反应", "紫台业主强烈反对"); or a sentence beginning with the
#: estate as what it is about ("碧水云天南边那个变电站", "新城花都的物业说涨就涨", "湘江豪庭
#: 的用电问题").
_OPENING_NAME_RES: Final = (
    re.compile(
        "(?:我是|我们是|我家是)" + _AREA + _NAME + "(?:小区)?" + _UNITS
        + "(?:的?" + _RESIDENTS + "|的(?=[，。,；;！!]))"
    ),
    re.compile(
        "(?:我家住|我住在?|家住|住在)" + _AREA + _NAME + "(?:小区)?" + _UNITS
        + "(?:的?" + _RESIDENTS + "|的?(?=[，。,；;！!]))"
    ),
    re.compile("我们" + _AREA + _NAME + "(?:小区)?" + _UNITS + "的?" + _RESIDENTS),
    re.compile(
        "(?:^|[。；;！!？?：:])" + _AREA + _NAME + "(?:小区)?" + _UNITS + "的?" + _RESIDENTS
    ),
    _ABOUT_RE := re.compile(
        "(?:^|[。；;！!？?：:])" + _AREA + _NAME + "(?:小区)?"
        + "(?:的(?![^，。,；;！!？?]{0,8}(?:小区|花园|家园|苑|府|城|湾))"
        + "|那个|(?:[东西南北]|旁)边那个)"
    ),
    # Where the writer bought their home: "我替父母在云锦台买了一套养老房", "我前不久在云锦台
    # 小区认购了一套", "贷款买了锦汀府的房子".
    re.compile(
        "在" + _AREA + _NAME + "(?:小区)?(?:买了|购买了|认购了|买的|购买的|认购的|买房|购房)"
    ),
    re.compile("(?:买了|购买了|认购了)" + _AREA + _NAME + "(?:小区)?的房"),
)  # fmt: skip


def _claimed_after(opening: str, at: int) -> bool:
    """Whether the sentence ``opening`` goes on with from ``at`` names a kind of problem
    (``text.claims``): a sentence beginning with the estate is about it ("碧水云天南边那个
    变电站，声音越来越大"), not a closing's words ("期待您的回复")."""
    end = _SENTENCE_END_RE.search(opening, at)
    return bool(text.claims(opening[at : end.start() if end else len(opening)]))


#: Words no estate's name holds: who, where, when, what a sentence says, generic people,
#: institutions and things ("我们是普通老百姓的", "我是十多年前搬过来的", "物业的").
_NOT_NAME_RE: Final = re.compile(
    "[我你他她们咱这那该此本某每各个些了是在有没不也还又再就已很太更最要能会可被把让给请"
    "吗呢吧谁哪么怎为您才逼里人口门头几钱费年月日前后时搬来去过住户全经位按符当但据临造沿严比现栋期]|的|所谓|工资|上万|新架|安置"
    "|都[没不是在要会有]|国家|老家|脚下|幼儿园|政策|高速|村(?=.)"
    "|楼|路|街|道|巷|桥|镇|县|市|区|站|厂|场|店|司|物业|开发|政府|学|医院|社区|领导|市长"
    "|业主|居民|小区|附近|对面|旁|边|门口|周边|周围|隔壁|最近|现在|目前|老百姓|普通|市民"
    "|群众|工薪|家长|职工|员工|农民|网友|平台|公交|地铁|铁路|火车|高架|电梯|垃圾|污水"
    # Where else a home is bought from or with ("在银行贷款买了", "在网上购买").
    "|银行|贷款|网上|外地|城里|当地|中介|首付|全款|一套|二手|手上|手里|亲戚|朋友"
)


def _opening_estate_name(content: str) -> str:
    """``opening_name`` when it is an estate's, not a village's or a town's (their works
    are read as such: ``_works_village``); "" if not."""
    name = opening_name(content)
    return "" if not name or _OTHER_PLACE_RE.search(name) else name


#: The estate word an opening's bare estate is kept with among a letter's places.
OPENING_ESTATE_WORD: Final = "小区"


@lru_cache(maxsize=8_192)
def opening_name(content: str) -> str:
    """The estate (or village) a letter's writer names where the content begins
    (``OPENING_NAME_CHARS``), as they live there or write of it first
    (``_OPENING_NAME_RES``), its name bare or whole ("滨江天著", "碧水云天"): what a letter
    whose title names no place is about. "" for none: a name in passing (a neighbour
    named for direction, "离碧水云天不远"; an estate after another's side, "碧水云天东边
    的锦绣花园") is in none of those forms."""
    opening = content[:OPENING_NAME_CHARS]
    for pattern in _OPENING_NAME_RES:
        for found in pattern.finditer(opening):
            name = found.group(1)
            if (
                _NOT_NAME_RE.search(name) is None
                and (len(name) >= 3 or found.group(0).endswith(("业主", "住户", "居民", "小区")))
                and (pattern is not _ABOUT_RE or _claimed_after(opening, found.end()))
            ):
                return name
    return _reported_name(opening)


#: What a writer says others or they themselves reported ("上个月就有人反映新城国际花都物业费
#: 上涨的问题", "再次反映江南雅苑的臭味"): the matter follows, its estate first.
_REPORTED_RE: Final = re.compile("反映(?:过|了)?")
#: What may stand between the reported estate's name and its kind of problem.
_NAME_TAIL_RE: Final = re.compile("(?:小区)?" + _UNITS + "的?$")


def _reported_name(opening: str) -> str:
    """The estate named right after the words of a report, right before the kind of
    problem reported (``text.first_claim_at``), as ``opening_name`` takes a name; ""
    for none."""
    for said in _REPORTED_RE.finditer(opening):
        end = _SENTENCE_END_RE.search(opening, said.end())
        clause = opening[said.end() : end.start() if end else len(opening)]
        at = text.first_claim_at(clause)
        if at <= 0:
            continue
        name = _NAME_TAIL_RE.sub("", clause[:at])
        if re.fullmatch("[一-鿿]{3,8}", name) and _NOT_NAME_RE.search(name) is None:
            return name
    return ""


# -- The facility a title names by its generic word, named in the content -----------------

#: How a generic word of a facility, a works or a firm ends, as residents title a letter
#: about one by the word alone ("饲料厂臭气熏天", "养猪场污染", "采石场粉尘污染", "驾校练车
#: 场扰民") and name it in the content ("那个金穗饲料厂", "长安村的养猪场"). Not an estate's
#: own facility (its estate's name is no facility's: ``_FACILITY_NAME_RE``), a shop (a
#: street has many), a school or a hospital (named by many ways).
_FACILITY_WORD_RE: Final = re.compile("(?:厂|场|驾校|公司)$")
#: Whether a title holds a facility's generic word anywhere (``_FACILITY_WORD_RE`` ends it).
_FACILITY_WORD_IN_RE: Final = re.compile("厂|场|驾校|公司")
#: The shortest and longest generic word read: "砖厂", "养猪场", "饲料加工厂".
_FACILITY_WORD_CHARS: Final = (2, 5)
#: What may stand between a facility's name and its word in the content ("长安村那个
#: 养猪场", "长安村的养猪场", "长安村有一个养猪场").
_FACILITY_LINK_RE: Final = re.compile(
    "(?:那个|这个|那家|这家|有一个|有一家|有个|的|一家|一个|一座|一处|一)$"
)
#: A facility's name as residents write it before its word: two to five Chinese
#: characters, a brand ("金穗") or the village it is in ("长安村", "新垅村").
_FACILITY_NAME_RE: Final = re.compile("[\u4e00-\u9fff]{2,5}$")
#: Words no facility's name ends with besides those no estate's does (``_NOT_NAME_RE``):
#: what kind it is ("一个大的养猪场", "地面停车场", "露天烧烤场").
_NOT_FACILITY_NAME_RE: Final = re.compile(
    "(?:大|小|新建|违建|违法|非法|私人|附近|正规|正式|像样|合格|黑|无证|露天|临时"
    "|地面|地下|立体|公共|收费|免费|简易|废弃|老|旧|新)$"
)
#: Generic words of a place, not a facility: a square ("广场舞扰民" is about a dance), a
#: market as a whole ("市场监管").
_NOT_FACILITY_WORD_RE: Final = re.compile("广场$|^市场$")
#: A title's words before the generic word saying it is one yet to be ("希望新建一个菜市
#: 场", "建立一个夜市场", "没有菜市场"): none the content names.
_NOT_YET_RE: Final = re.compile(
    "(?:建|规划|没有|缺少?|增设|增加|新增|设立|开设)[\u4e00-\u9fff]{0,4}$"
)
#: How a title names a facility as one not named ("投诉A6区一饲料加工厂废气扰民", "麓谷一家
#: 工地"): what the reading of places takes for a place, and no name.
_INDEFINITE: Final = "(?:一家|一个|一座|一处|某|一)"
#: A title's place that is a facility not named: an area's, a word of indefiniteness,
#: then the generic word.
_INDEFINITE_PLACE_RE: Final = re.compile("^[\u4e00-\u9fff]{0,4}?" + _INDEFINITE)


def _facility_name(before: str) -> str:
    """The name written right before a facility's word (past a linking word: "那个"),
    the longest run of the last characters that holds no word no name holds; "" for none."""
    before = _FACILITY_LINK_RE.sub("", before)
    found = _FACILITY_NAME_RE.search(before)
    if found is None:
        return ""
    run = found.group(0)
    for start in range(len(run) - 1):
        name = run[start:]
        if _NOT_NAME_RE.search(name) is None and _NOT_FACILITY_NAME_RE.search(name) is None:
            return name
    return ""


def title_naming_its_facility(title: str, content: str) -> str:
    """The folded ``title`` with the facility it names by its generic word alone named as
    its content names it ("饲料厂臭气熏天" → "金穗饲料厂臭气熏天"; "养猪场污染" → "长安村养猪
    场污染"): the place a title leaves out, which its neighbours' titles name. Only of a
    title naming no place, and a content naming one facility of that very word, by a name
    the reading of places finds (the facility's or its village's): a content names many
    places (where its writer lives or works), and a facility of another word, or two of
    this one, say nothing of which one the title is about. The title as it is otherwise."""
    if _FACILITY_WORD_IN_RE.search(title) is None:
        # No facility's word at all (most titles): nothing to read, and cheaply so.
        return title
    if not all(
        _INDEFINITE_PLACE_RE.search(place) and _FACILITY_WORD_RE.search(place)
        for place in _short_places(title)
    ):
        return title
    low, high = _FACILITY_WORD_CHARS
    words = sorted(
        {
            title[start:end]
            for end in range(low, len(title) + 1)
            for start in range(max(0, end - high), end - low + 1)
            if _FACILITY_WORD_RE.search(title[start:end])
            and not _NOT_FACILITY_WORD_RE.search(title[start:end])
            and not re.search("[^\u4e00-\u9fff]", title[start:end])
        },
        key=len,
        reverse=True,
    )
    for word in words:
        if word not in content:
            continue
        named = {
            name + word
            for at in occurrences(word, content)
            if (name := _facility_name(content[max(0, at - 9) : at]))
        } | {
            name + word
            for name in _named_in_brackets(word, content)
            if _NOT_NAME_RE.search(name) is None
        }
        if not named:
            # The title's word, named by none: not a shorter word of it ("停车场", "车场").
            return title
        # Read here, rarely: a content is no key of the cache of titles' places.
        places = folded_places(content)
        known = {
            facility
            for facility in named
            if facility in places
            or any(facility[: -len(word)].endswith(place) for place in places)
            or re.search(re.escape(word) + "[（(]" + facility[: -len(word)] + "[）)]", content)
        }
        if len(named) != 1 or not known:
            return title
        at = title.index(word)
        if _NOT_YET_RE.search(title[:at]) or any(facility[:2] in title for facility in known):
            # One to be built, or one the title names already, as the reading of
            # places did not take it ("沙湾养鸭场还在排污" of "沙湾村养鸭场").
            return title
        article = re.search(_INDEFINITE + "$", title[:at])
        return title[: article.start() if article else at] + known.pop() + title[at + len(word) :]
    return title


def title_naming_its_estate(title: str, places: frozenset[str]) -> str:
    """The folded ``title`` with the estate it names bare ("锦绣江南夏天天天停电") named
    whole as its letter names it (``places``, read from title and content: "锦绣江南小
    区") → "锦绣江南小区夏天天天停电". Residents title their estate's problem by its name
    alone and give its estate word where they say who writes ("我是锦绣江南小区的业主"); a
    reader takes the title to be about that estate, and the matcher, which compares what
    titles are about (``place_agreement``), does so now: before, such a title was about no
    place, and a neighbour's letter on the estate's one problem met it only as a stranger's
    letter with nothing in common (at ``joint_threshold``).

    Only of a title in which the reading finds no place, and of one estate of the letter's
    whose name without "小区" (``names.without_estate_word``: a bare name of three to six
    characters) the title holds: two such estates say nothing of which it is about, and an
    estate named without that word ("绿地海外滩", "海外滩" in the title) may be one of its
    developer's series or a neighbour. The title as it is otherwise."""
    if _short_places(title):
        return title
    found: dict[str, str] = {}
    for place in places:
        bare = names.without_estate_word(place)
        if bare and bare in title and place not in title:
            found[place] = bare
    if len(found) != 1:
        return title
    ((place, bare),) = found.items()
    return title.replace(bare, place, 1)


# Speed: a pattern made of a word a title holds is compiled anew for most letters (a CJK
# range costs a compilation a millisecond); the words are found as strings instead.


#: A name in brackets right after a facility's word ("养猪场（长安）").
_BRACKETED_NAME_RE: Final = re.compile("[（(]([\u4e00-\u9fff]{2,5})[）)]")


def _named_in_brackets(word: str, text: str) -> list[str]:
    """The names in brackets right after ``word`` in ``text`` (``_BRACKETED_NAME_RE``):
    what ``re.finditer(re.escape(word) + _BRACKETED_NAME_RE.pattern, text)`` finds."""
    found = []
    at = text.find(word)
    while at >= 0:
        bracketed = _BRACKETED_NAME_RE.match(text, at + len(word))
        if bracketed is not None:
            found.append(bracketed.group(1))
            at = text.find(word, bracketed.end())
        else:
            at = text.find(word, at + 1)
    return found


# -- The village of the town a title names, named in the content --------------------------

#: A town's or a subdistrict's word ending what a title names ("榔梨镇", "集里街道").
_TOWN_WORD_RE: Final = re.compile("(?:镇|乡|街道)$")
#: The shortest and longest town's name read with its word.
_TOWN_CHARS: Final = (3, 6)
#: A village named right after its town in the content ("榔梨镇杏坛村的村民"): its name.
_VILLAGE_AFTER_RE: Final = re.compile("([\u4e00-\u9fff]{2,3}?)村")


def title_naming_its_village(title: str, content: str) -> str:
    """The folded ``title`` with the town it names narrowed to the one village of the town
    its content names ("请求解决A7县榔梨镇至县城公交班次太少的问题", "我们是A7县榔梨镇杏坛村
    的村民" → "…榔梨镇杏坛村至县城…"): a writer titles the village's problem by its town,
    the neighbours' titles by the village. Only of a title naming no village, and a content
    naming one village right after that town (two say the town's); else as written."""
    if len(re.findall("镇|乡|街道", title)) != 1 or any(
        place.endswith("村") for place in _short_places(title)
    ):
        # One town only: of two ("含浦镇含浦街道"), which the village is of is not read.
        return title
    low, high = _TOWN_CHARS
    towns = sorted(
        {
            title[start:end]
            for end in range(low, len(title) + 1)
            for start in range(max(0, end - high), end - low + 1)
            if _TOWN_WORD_RE.search(title[start:end])
            and not re.search("[^\u4e00-\u9fff]", title[start:end])
            and title[start:end] in content
        },
        key=len,
    )
    for town in towns:
        villages = {
            found.group(1)
            for at in (start + len(town) for start in occurrences(town, content))
            if (found := _VILLAGE_AFTER_RE.match(content, at)) is not None
        }
        if not villages:
            continue
        if len(villages) != 1:
            return title
        (village,) = villages
        at = title.index(town) + len(town)
        if (
            _NOT_NAME_RE.search(village)
            or _NOT_VILLAGE_RE.search(village)
            or "村" in title[at : at + _VILLAGE_CHARS]
            or _TOWNS_OWN_RE.match(title, at)
        ):
            # Not a village's name, a village the title names after its town already
            # ("加义镇三村"), or the town's own institution or area the title is about
            # ("井头圩镇供电所", "长春镇工业园"), not the village's.
            return title
        return title[:at] + village + "村" + title[at:]
    return title


#: Words of a village's name no village has: many villages, or the town's own ("各村",
#: "几个村", "所有村").
_NOT_VILLAGE_RE: Final = re.compile("各|几|所有|全|多个|两个|三个|周边|附近|农|原")
#: A town's own institution or area right after it in a title: of the town, not of the
#: village its writer lives in ("井头圩镇供电所", "长春镇工业园", "安沙镇安置区").
_TOWNS_OWN_RE: Final = re.compile(
    "[\u4e00-\u9fff]{0,4}?(?:所|院|站|中心|政府|工业园|园区|安置区|集镇|中学|小学|学校)"
)
#: How far after its town a title naming a village names it.
_VILLAGE_CHARS: Final = 5


def title_places_known(
    features: CaseFeatures, known: Callable[[Sequence[str]], list[str]]
) -> frozenset[str]:
    """Of a title naming no place the reading finds ("请查处云锦台捆绑销售"), the words
    (``names.probed_names``) that ``known`` says an earlier title of its area named as its
    place ("A5区云锦台业主要求停止车位捆绑销售"), each not within a longer one found: a
    reader of the board knows the estate by then. None for a title naming a place."""
    if features.title_places:
        return frozenset()
    found = known(names.probed_names(features.topic))
    return frozenset(
        word for word in found if not any(word != other and word in other for other in found)
    )
