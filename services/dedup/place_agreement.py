"""Whether two letters name the same place, and whether their titles say the same of it."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from functools import lru_cache
from typing import Final

from services.common.places import (
    UNIT_CHARS,
    institution,
    region_name_start,
    without_developer,
)
from services.dedup import organisations, sounds, text
from services.dedup.features import NOT_BRAND_MARK, SUBJECT_RE, CaseFeatures, area_and_estate


@lru_cache(maxsize=16384)
def _ours_without_kept(places: frozenset[str]) -> frozenset[str]:
    """``places`` without an organisation's subject (``organisations.is_kept``); kept per
    set, since a letter's places are compared with each of its candidates'."""
    if not any("〔" in place and organisations.is_kept(place) for place in places):
        return places
    return frozenset(place for place in places if not organisations.is_kept(place))


@lru_cache(maxsize=65536)
def _theirs_without_kept(places: tuple[str, ...]) -> tuple[str, ...]:
    """A candidate's places without an organisation's subject: a candidate's places are
    the same tuple each time its record is read from the cache."""
    if not any("〔" in place and organisations.is_kept(place) for place in places):
        return places
    return tuple(place for place in places if not organisations.is_kept(place))


def places_agree(ours: frozenset[str], theirs: tuple[str, ...], lenient: bool) -> bool | None:
    """Whether two petitions name the same place: True, False (a contradiction) or None
    (``places_reading``)."""
    return places_reading(ours, theirs, lenient)[0]


# Cached: a letter's places are compared with each of its candidates', and a candidate's
# are the same tuple each time its record is read (pure in its arguments).
@lru_cache(maxsize=4_096)
def places_reading(
    ours: frozenset[str], theirs: tuple[str, ...], lenient: bool
) -> tuple[bool | None, bool]:
    """Whether two petitions name the same place (``places_agree``: True, False or None),
    and whether they are apart: every place of ``theirs`` was compared with every place of
    ``ours`` but an organisation's subject, and no two are one place (``_same_place``).

    Whether ``apart`` is read from the comparisons made for the agreement, at no cost:
    ``scoring`` skips ``place_of_either_title`` of a candidate so apart, which is False
    when no place of this title, its full names or its opening is one of the other's and
    all of them are among the places compared here (``title_places_compared``).

    None when either names no place: silence is no evidence either way. False when each
    names a place the other does not: the same template about another estate or road (a
    petition naming the estate and its road, another only the estate, still agree). A name
    contained in the other counts as the same ("阳光小区" in "阳光小区三期"), and so does a
    road's name before another road word ("花卉路", "花卉大道"). ``lenient``
    (same petitioner) also forgives one wrong character, a typo, in names of equal length;
    between two strangers one character is what tells "阳光小区" from "月光小区".
    """
    # An organisation's subject is no place: a letter about 58车贷 names none, and says
    # nothing against a letter naming one (its subject is compared as such).
    whole = len(theirs)
    ours = _ours_without_kept(ours)
    theirs = _theirs_without_kept(theirs)
    if not ours or not theirs:
        return None, False
    # Every place of theirs is compared below when none was an organisation's subject.
    compared = len(theirs) == whole
    if len(ours) == 1 and len(theirs) == 1:
        # The common case, and the rule below for it.
        (mine,) = ours
        same = _same_place(mine, theirs[0], lenient)
        return same, compared and not same
    # Each pair compared once.
    matched_ours = 0
    matched_theirs: set[int] = set()
    for mine in ours:
        matched = [j for j, other in enumerate(theirs) if _same_place(mine, other, lenient)]
        if matched:
            matched_ours += 1
            matched_theirs.update(matched)
    if not matched_ours:
        return False, compared
    # Some of ours unmatched is fine unless some of theirs is unmatched too, or unless
    # most of the places of either are shared: a long letter names many places (routes,
    # roads, villages on the way), and one the other does not name is a stray mention,
    # not another matter. Half is not most: "阳光小区" and "人民路" against "月光小区"
    # and "人民路" is the template about the estate up the road.
    return (
        matched_ours == len(ours)
        or len(matched_theirs) == len(theirs)
        or 2 * matched_ours > len(ours)
        or 2 * len(matched_theirs) > len(theirs)
    ), False


def title_places_compared(features: CaseFeatures) -> bool:
    """Whether every place ``place_of_either_title`` compares of this letter (its title's
    places, their full names, its opening's places) is one ``places_reading`` compares of
    its places: then a candidate ``apart`` from them is apart from those too, and no place
    of either title is named in the other."""
    return (
        _with_full_names(features.title_places, features.places) | features.opening_places
    ) <= _ours_without_kept(features.places)


def same_subject(ours: str, theirs: tuple[str, ...]) -> str:
    """The other letter's subject (``features.letter_subject``, kept among its places)
    when it is this letter's subject ``ours``: one object at one estate, and of a plant
    no two sides of the estate ("西" and "东": two plants; "西北" and "西" or one side
    unsaid: one) nor two names ("东富", "华达"); or one organisation's one wrong
    (``organisations.same_organisation``: "宏远〔欠薪〕", not "宏达〔欠薪〕"); "" when not."""
    if not ours:
        return ""
    mine = SUBJECT_RE.match(ours)
    if mine is None:
        return ""
    for place in theirs:
        if not place.endswith("〕"):
            continue
        other = SUBJECT_RE.match(place)
        if (
            other is not None
            and other.group(2) == mine.group(2)
            and (
                organisations.same_organisation(mine.group(1), other.group(1), mine.group(2))
                if mine.group(2) in organisations.WRONGS
                else _same_estate(
                    mine.group(1),
                    other.group(1),
                    _FACILITY_TYPED_CHARS
                    if mine.group(2) in sounds.FACILITY_OBJECTS
                    else _TYPED_CHARS,
                )
            )
            and _sides_agree(mine.group(3), other.group(3))
            and _names_agree(mine.group(4), other.group(4))
        ):
            return place
    return ""


def kept_subject(places: tuple[str, ...]) -> str:
    """The subject kept among a letter's places (``features.letter_subject``), "" for none."""
    for place in places:
        if place.endswith("〕") and SUBJECT_RE.match(place):
            return place
    return ""


def subjects_agree(ours: str, theirs: str) -> bool:
    """Whether two kept subjects are one object at one estate (``same_subject``)."""
    return bool(ours) and same_subject(ours, (theirs,)) == theirs


#: Words a name found with the words before it holds there ("谁来管管枫林雅筑",
#: "查一查丽景新苑"), which a longer name of another estate does not ("东方锦绣花园").
_WORDS_BEFORE_RE: Final = re.compile("[的在住是管请查问给让向对找把被为了我们]")


#: A series' name that may stand before its estate's ("伊景园" of "伊景园滨河苑"): a name of
#: its own, of two characters or more, ending with an estate's word.
_SERIES_RE: Final = re.compile(
    "^[^的在住是管请查问给让向对找把被为了我们]{1,}(?:园|苑|城|府|庭|居|湾)$"
)


#: The word a writer may add to an estate's name or leave off ("恒大华府小区", "恒大华府"),
#: when a name of two characters or more is left.
_NEIGHBOURHOOD_RE: Final = re.compile("(?<=..)小区$")


#: The least characters of two estates' names one character apart, that character typed
#: by its sound, for the two to be one estate of two letters' one object (a subject):
#: "丽发新成", "丽发新城"; "春华小区", "春花小区".
_TYPED_CHARS: Final = 4
#: So of a facility at the estate (``sounds.FACILITY_OBJECTS``: a base station, a refuse
#: station, a building site), which the estate has one of: three ("嘉和苑", "家和苑").
_FACILITY_TYPED_CHARS: Final = 3


def _typed_alike(mine: str, other: str, least: int = _TYPED_CHARS) -> bool:
    """Whether two estates' names of ``least`` characters or more differ in one character
    typed by its sound, tone and all ("丽发新成", "丽发新城"): of two letters' one object
    (a subject), one estate."""
    if len(mine) != len(other) or len(mine) < least:
        return False
    differ = [(a, b) for a, b in zip(mine, other, strict=True) if a != b]
    return len(differ) == 1 and _sound_alike(*differ[0])


#: The characters of an estate's name, its estate word with them, from which one more
#: before it is a fragment of a name the reading of places cut (``_same_estate``).
_CUT_NAME_CHARS: Final = 6


def _typed_in_tail(mine: str, other: str) -> tuple[str, str] | None:
    """Of two estates' names of three characters or more, one shorter than the other: the
    longer with its tail typed as the shorter, and the shorter, when that tail differs from
    the shorter in one character typed by its sound, tone and all, and the longer is of
    four characters or more ("伊景园滨和苑", "滨河苑": "伊景园滨河苑", "滨河苑"); None
    otherwise."""
    shorter, longer = sorted((mine, other), key=len)
    if len(shorter) < 3 or len(shorter) == len(longer):
        return None
    tail = longer[-len(shorter) :]
    differ = [(a, b) for a, b in zip(tail, shorter, strict=True) if a != b]
    if len(differ) != 1 or not _sound_alike(*differ[0]):
        return None
    return longer[: -len(shorter)] + shorter, shorter


def _same_estate(mine: str, other: str, least_typed: int = _TYPED_CHARS) -> bool:
    # One estate's name: the same, or one with words before it (not another estate's
    # longer name: "锦绣花园" and "东方锦绣花园" are two estates), or typed by its sound
    # (``_typed_alike``, names of ``least_typed`` characters or more).
    if mine == other:
        return True
    (my_area, mine), (their_area, other) = area_and_estate(mine), area_and_estate(other)
    (my_area, _, my_not), (their_area, _, their_not) = (
        my_area.partition(NOT_BRAND_MARK),
        their_area.partition(NOT_BRAND_MARK),
    )
    if (my_not and other.startswith(my_not)) or (their_not and mine.startswith(their_not)):
        # A letter saying its estate is not the brand's ("不是中建那个"), the other naming
        # the brand's ("中建滨河苑"): two estates of one name.
        return False
    if my_area and their_area and my_area != their_area:
        # One name in two subdistricts, towns or communities ("东塘社区丽景新苑", "雨花亭
        # 社区丽景新苑"; "黄花镇刘家湾", "安沙镇刘家湾"): two places.
        return False
    if mine == other or (least_typed < _TYPED_CHARS and _typed_alike(mine, other, least_typed)):
        # A facility's estate typed by its sound with its estate word ("春华小区", "春花小区").
        return True
    mine, other = _NEIGHBOURHOOD_RE.sub("", mine), _NEIGHBOURHOOD_RE.sub("", other)
    if mine == other or _typed_alike(mine, other, least_typed):
        return True
    typed = _typed_in_tail(mine, other)
    if typed:
        # One writer typed the estate's last name by its sound after its series, the other
        # named it alone ("伊景园滨和苑", "滨河苑"): read as typed right.
        return _same_estate(*typed, least_typed)
    # A developer's brand before one writer's name of the estate ("金地悦江府", "悦江府").
    if without_developer(mine) == without_developer(other):
        return True
    shorter, longer = sorted((mine, other), key=len)
    if (
        len(shorter) >= _CUT_NAME_CHARS
        and len(longer) == len(shorter) + 1
        and longer.endswith(shorter)
    ):
        # A long name the reading of places cut (``places._MAX_NAME_CHARS``) begins where
        # the cut fell: one character before a name of six is a fragment of the words
        # before it ("湘江世纪城金华苑" read "江世纪城金华苑", "世纪城金华苑").
        return True
    if (
        longer.startswith(shorter)
        and _SERIES_RE.search(shorter)
        and _SERIES_RE.search(longer[len(shorter) :])
    ):
        # The series named alone, the other letter naming its estate too ("伊景园",
        # "伊景园滨河苑"; a writer whose estate's name the reading cut: "伊景园滨河院").
        return True
    common = 0
    for a, b in zip(reversed(mine), reversed(other), strict=False):
        if a != b:
            break
        common += 1
    befores = (mine[:-common], other[:-common])
    return common >= 2 and (
        all(not before or _WORDS_BEFORE_RE.search(before) is not None for before in befores)
        # A developer's series before its estate's name, the other naming the estate
        # alone ("伊景园滨河苑", "滨河苑"); not two series' estates of one name, nor a name
        # whose first words are its own ("金色滨河苑").
        or (not all(befores) and _SERIES_RE.search(befores[0] or befores[1]) is not None)
    )


def subjects_all_agree(subjects: Iterable[str]) -> bool:
    """Whether every two of ``subjects`` (kept subjects) agree (``subjects_agree``): no
    two sides of the estate, no two names of its plant among them. Agreement is not
    transitive (an unsided plant agrees with both sides), so a matter is one plant only
    when all its letters' subjects agree."""
    found = list(dict.fromkeys(subjects))
    return all(
        subjects_agree(a, b) or _parts_of_one(a, b, found)
        for n, a in enumerate(found)
        for b in found[n + 1 :]
    )


def _parts_of_one(ours: str, theirs: str, found: list[str]) -> bool:
    """Whether two subjects name the two parts of an estate's name that a third among
    ``found`` names whole, each agreeing with it: "伊景园" (its series) and "滨河苑" with
    "伊景园滨河苑"."""
    mine, other = SUBJECT_RE.match(ours), SUBJECT_RE.match(theirs)
    if mine is None or other is None:
        return False
    ours_name, their_name = area_and_estate(mine.group(1))[1], area_and_estate(other.group(1))[1]
    wholes = {ours_name + their_name, their_name + ours_name}
    return any(
        (whole := SUBJECT_RE.match(third)) is not None
        and area_and_estate(whole.group(1))[1] in wholes
        and subjects_agree(ours, third)
        and subjects_agree(theirs, third)
        for third in found
    )


def _names_agree(ours: str | None, theirs: str | None) -> bool:
    # A plant's name, unsaid in either or one holding the other ("鑫磊", "鑫磊建材").
    return not ours or not theirs or ours in theirs or theirs in ours


def _sides_agree(ours: str, theirs: str) -> bool:
    return not ours or not theirs or not set(ours).isdisjoint(theirs)


def same_places(ours: frozenset[str], theirs: tuple[str, ...]) -> bool:
    """Whether two letters are about the same places and no other: each of either names
    one of the other's (``places_agree``, between strangers), none left over. A letter
    about two estates' parking is not the matter of either one."""
    return (
        bool(ours)
        and all(any(_same_place(mine, other, False) for other in theirs) for mine in ours)
        and all(any(_same_place(mine, other, False) for mine in ours) for other in theirs)
    )


def same_place(mine: str, other: str, lenient: bool = False) -> bool:
    """Whether two places a letter names are one place (``places_agree``'s rule for a
    pair; ``lenient``: as one writer names it)."""
    return _same_place(mine, other, lenient)


# Not cached: asked once per candidate of a letter (``_place_of_either_title``), with a
# set of this title's places made anew each time; its pairs of places are (``_same_place``).
def title_place_named(
    titled: frozenset[str],
    theirs: tuple[str, ...],
    their_topic: str,
    lenient: bool,
    our_topic: str = "",
) -> bool:
    """Whether the other petition names a place this one's title names, as what it is about.

    Not when the other's title (``their_topic``, ``text.topic``) is about another place:
    a letter about an estate may name the road beside it, and a letter about that road
    (its noise barriers) is not about the estate ("潇楚奥林匹克花园私改宅用地" against
    "旺龙路交界处安装隔音屏"). The other's title places are the places it names that its
    topic holds: the case record keeps the places and the topic, not the title's places.
    Between one petitioner's letters (``lenient``) it holds whatever the other's title
    says: naming their own earlier letter's place is the writer tying the two together
    ("茅湾砖厂" in a letter about the brickworks' parent "新型建筑材料总厂").
    A place holding many matters (``_holds_many``) the other names only in its text is
    what it is about only as ``_untitled_counts`` says (``our_topic``: this title's).
    """
    if not _named_as_titled(titled, theirs, their_topic, lenient, our_topic):
        return False
    if lenient:
        return True
    their_titled = frozenset(
        other
        for other in theirs
        if _in_topic(other, their_topic) and not _short_of_named(other, titled, theirs)
    )
    return places_agree(their_titled, tuple(titled), lenient) is not False


def _named_as_titled(
    titled: frozenset[str], theirs: tuple[str, ...], their_topic: str, lenient: bool, our_topic: str
) -> bool:
    # Whether the other letter names a place of ``titled`` as ``title_place_named`` asks
    # first. Speed: loops, not a generator in ``any`` (asked of every candidate judged);
    # whether ``mine`` holds many matters (a pattern's search) is read only of a place
    # the other letter names (``_same_place``: a pair in a hundred or so), not of each
    # place of this title for every candidate (all three tests are pure).
    for mine in titled:
        for other in theirs:
            if _same_place(mine, other, lenient) and (
                lenient
                or not _holds_many(mine)
                or _in_title(other, their_topic)
                or _untitled_counts(mine, theirs, our_topic, their_topic)
            ):
                return True
    return False


@lru_cache(maxsize=1_024)
def _with_full_names(titled: frozenset[str], places: frozenset[str]) -> frozenset[str]:
    """A title's places (``titled``) and the estates its letter names in full whose short
    name the title names (``_short_of_named``): "宏图南园" of a title naming "南园小区".
    Cached: asked of a letter with each of its candidates (the union too: one set a
    letter, not one a candidate)."""
    return titled | frozenset(
        full for full in places for short in titled if _short_of_named(short, {full}, (full,))
    )


def _short_of_named(short: str, titled: Collection[str], theirs: Iterable[str]) -> bool:
    """Whether a place a title names is its own letter's short name of this title's place:
    the estate with its word "小区" and without its brand ("南园小区") where the same letter
    names it in full ("宏图南园", this title's), as residents write their estate in the
    title and in full in the text. The writer's own two names of one estate, never a
    stranger's: "锦绣花园" alone and "东方锦绣花园" are two estates."""
    bare = _NEIGHBOURHOOD_RE.sub("", short)
    if bare == short:
        return False
    return any(
        full != short and full.endswith(bare) and len(full) > len(bare) and full in titled
        for full in theirs
    )


#: The words that end a road's or a line's name: a road, an avenue, a street, a lane, a bus
#: line ("809路"), an expressway, an elevated road, a numbered road ("东六线").
ROUTE_WORDS: Final = ("路", "大道", "街", "巷", "高速", "高架", "线")

#: The words of a place that holds many matters of many kinds: a road or a bus line
#: ("楚府路", "809路"), an avenue, a street, a subdistrict, a town, a district or area, a
#: bus company (its every line), an expressway, an elevated road or a numbered road
#: ("长永高速", "万家丽高架", "东六线").
_HOLDS_MANY_RE: Final = re.compile(
    "(?:" + "|".join(ROUTE_WORDS) + "|街道|镇|乡|新区|片区|地区|公交公司|公交集团)$"
)


#: A road, an avenue, a street, a lane or a bus line ("滨湖路", "星沙大道", "809路"): a
#: problem at one place of it (a crossing's footbridge, a stretch's night work, a line's
#: course) is often named in one writer's title and only in another's text. So is an
#: expressway, an elevated road or a numbered road ("长永高速", "东六线").
_ROUTE_RE: Final = re.compile("(?:" + "|".join(ROUTE_WORDS) + ")$")
#: How many roads or lines a letter names that make them a list ("八一路、人民路、劳动路
#: 路口都堵塞", "如809路 ... 螺丝塘路、东七路、漓楚路"): none of them its one place.
#: Three is a stretch of one road between two others ("远大二路从东四路到东六路这一段",
#: "桃花塅路时代阳光大道至香樟路路段"), the road's own problem.
_LIST_OF: Final = 4
#: Words before a place, in its clause, saying it is where the writer lives or who writes
#: ("我是时代阳光大道新兴小区的住户", "我家住月亮岛街道", "住在", "我家位于"). Not words
#: after it: "望仙路附近的居民无法入睡" is the road's problem.
_HOME_BEFORE_RE: Final = re.compile(
    "(?:我是|我们是|本人是|本人系|我系|家住|住在|我家在|我家位于|居住|生活在|生活都在|作为|我们住|我住)"
    "[^，。,；;！!？?]{0,16}$"
)


def _routes(places: Iterable[str]) -> set[str]:
    # The roads and lines among ``places``, each once: a fragment holding one
    # ("口和人民路", "左拐延东七路") is that one.
    found = {p for p in places if _ROUTE_RE.search(p) and "〔" not in p}
    return {p for p in found if not any(q != p and q in p for q in found)}


def _untitled_counts(
    place: str, theirs: Iterable[str], our_topic: str, their_topic: str, content: str = ""
) -> bool:
    """Whether a road or a bus line (``_ROUTE_RE``) one letter's title names (``place``) and
    the other (of ``theirs`` places) names only in its text is the place of the other's
    problem: residents write "晚上施工噪音太大" as a title and name the road in the text.
    Not a subdistrict, a town or a bus company, which writers name as where they live or
    whose lines they ride. Not when the other names it as one of a list (``_LIST_OF``
    roads or lines: the city's traffic, the area's lines), nor as its writer's home when
    its text (``content``, of the letter being matched) is known (``home_only``), nor when
    the titles name problems of different kinds (``text.claims_differ``: a footbridge's
    want is not a bar's noise)."""
    if not _ROUTE_RE.search(place) or _AREA_RE.search(place):
        return False
    if len(_routes(theirs)) >= _LIST_OF:
        return False
    ours, theirs_ = text.claims(our_topic), text.claims(their_topic)
    # The road its writer lives on is the problem's too when both titles name one kind of
    # problem ("银盆南路烧烤摊油烟噪音扰民", "楼下烧烤摊太吵油烟太大": the writer's downstairs).
    if content and home_only(place, content) and ours.isdisjoint(theirs_):
        return False
    # Both titles must name one kind of problem: a road's titles naming none ("工地夜间施工
    # 扰民", "广场舞扰民谁来管"; "148路公交司机态度恶劣", "公交车上小偷猖獗") are as often
    # two of its problems as one.
    return not ours.isdisjoint(theirs_)


def home_only(place: str, content: str) -> bool:
    """Whether every time ``content`` (folded) names ``place`` it is where its writer lives
    or who writes (``_HOME_BEFORE_RE``): "我是A5区时代阳光大道新兴小区的住户", "我家住A6区
    月亮岛街道桑梓社区"."""
    starts = [m.start() for m in re.finditer(re.escape(place), content)]
    return bool(starts) and all(_HOME_BEFORE_RE.search(content[:at]) for at in starts)


def _holds_many(place: str) -> bool:
    """Whether ``place`` holds many matters of many kinds (``_HOLDS_MANY_RE``): between two
    strangers' letters, it is what both are about only when both titles name it. A long
    letter on the city's traffic names a dozen roads, one on a subdistrict's bus lines names
    each line, a letter on a bar's noise its subdistrict: a letter titled with one of them
    (a traffic light under the road's bridge, one line's course, a job-seeker's certificate
    asked about in the subdistrict) is not their matter."""
    return _HOLDS_MANY_RE.search(place) is not None


#: The words of an area holding many estates, roads and businesses: a subdistrict, a town,
#: a township, a new district, an area ("泉塘街道", "星沙镇", "泉塘片区").
_AREA_RE: Final = re.compile("(?:街道|镇|乡|新区|片区|地区)$")


def shared_by_area_only(features: CaseFeatures, theirs: tuple[str, ...], their_topic: str) -> bool:
    """Whether every place either title names that the other letter names too is an area
    (``_AREA_RE``): two strangers' letters sharing only it may name one kind of problem
    (noise) of two sources in it (a bar, a night-market street), and are one matter only
    as far as their texts say so (``scoring``)."""
    their_titled = [other for other in theirs if _in_topic(other, their_topic)]
    shared = [
        mine
        for mine in features.title_places
        if any(_same_place(mine, other, False) for other in theirs)
    ] + [
        other
        for other in their_titled
        if any(_same_place(mine, other, False) for mine in features.places)
    ]
    return bool(shared) and all(_AREA_RE.search(place) for place in shared)


def place_of_either_title(
    features: CaseFeatures,
    theirs: tuple[str, ...],
    their_topic: str,
    lenient: bool,
    content: str = "",
) -> bool:
    """Whether the place either petition's title names is named in the other, as what
    both are about (``title_place_named`` both ways).

    Which of two letters came first does not say which names its place in the title:
    residents writing about one estate's problem put the estate in the title or only in
    the text, and the link between two of them cannot depend on their order of arrival.
    The other's title places are the places it names that its topic holds; this letter
    names one as what it is about in its opening (``CaseFeatures.opening_places``).
    """
    return _place_of_either_title(
        features.title_places,
        features.places,
        features.topic,
        features.opening_places,
        theirs,
        their_topic,
        lenient,
        content,
    )


# Not cached: ``scoring`` reads it once per candidate of a letter (its title pass and
# ``judge`` share the reading), and a pair of letters is not compared again.
def _place_of_either_title(
    title_places: frozenset[str],
    places: frozenset[str],
    topic: str,
    opening_places: frozenset[str],
    theirs: tuple[str, ...],
    their_topic: str,
    lenient: bool,
    content: str,
) -> bool:
    # ``place_of_either_title``.
    if title_place_named(
        _with_full_names(title_places, places),
        theirs,
        their_topic,
        lenient,
        topic,
    ):
        return True
    if not opening_places:
        # Speed: what the loop over this letter's opening places below finds of none.
        return False
    their_titled = frozenset(other for other in theirs if _in_topic(other, their_topic))
    if not their_titled:
        return False
    # This letter's own opening, not anywhere in its text: a long letter about a quarry
    # names the county's hospital in passing, and is not the hospital wall's matter.
    # A road, a street or a subdistrict a stranger's title names, in this letter's opening
    # only, is what the letter is about only as ``_untitled_counts`` says: not where its
    # writer lives (this letter's folded ``content``), nor one of a list.
    if not _opening_names_titled(
        their_titled, opening_places, places, topic, their_topic, lenient, content
    ):
        return False
    # And not when this title is about another place, even between one writer's letters:
    # a prolific writer's opening names their estate whatever they write about. Not a
    # fragment the place heuristic cut from both titles one character apart ("希望增设人行
    # 天桥": "望增设人行天桥", "松雅湖路口增设人行天桥": "口增设人行天桥"): no place.
    ours = frozenset(
        mine for mine in title_places if not any(_cut_alike(mine, other) for other in their_titled)
    )
    return places_agree(ours, tuple(their_titled), lenient=False) is not False


def _opening_names_titled(
    their_titled: frozenset[str],
    opening_places: frozenset[str],
    places: frozenset[str],
    topic: str,
    their_topic: str,
    lenient: bool,
    content: str,
) -> bool:
    # Whether this letter's opening names a place the other's title names, as
    # ``_place_of_either_title`` asks. Speed: loops, not a generator in ``any`` (asked of
    # every candidate judged of a letter whose opening names a place).
    for theirs_ in their_titled:
        for mine in opening_places:
            if _same_place(theirs_, mine, lenient) and (
                lenient
                or not _holds_many(theirs_)
                or _untitled_counts(mine, places, their_topic, topic, content)
            ):
                return True
    return False


def _cut_alike(mine: str, other: str) -> bool:
    # Two fragments of titles, the same words after their first character.
    return len(mine) >= 5 and mine[1:] == other[1:]


#: The place words of a facility whose nuisances are one matter (``text.NUISANCES``): a
#: plant, a works, a building site ("东富搅拌站", "恒通机械厂", "一中工地").
_FACILITY_RE: Final = re.compile("(?:厂|搅拌站|工地)$")


def facility_of_either_title(
    features: CaseFeatures, theirs: tuple[str, ...], their_topic: str, lenient: bool
) -> bool:
    """Whether both petitions name one facility (``_FACILITY_RE``) that either title names:
    what the matter is about, whichever of its nuisances each letter names."""
    ours = [p for p in features.places if _FACILITY_RE.search(p)]
    their_facilities = [p for p in theirs if _FACILITY_RE.search(p)]
    return any(
        _same_place(mine, other, lenient)
        and (mine in features.title_places or _in_topic(other, their_topic))
        for mine in ours
        for other in their_facilities
    )


def titles_alike(
    features: CaseFeatures, their_topic: str, their_places: tuple[str, ...], titled: bool
) -> float:
    """How alike two titles are in what they say about the matter (``text.topic``).

    When the title's place is named in the other letter (``titled``), the places are left
    out of both: the place is shared already, and what is left says which of the place's
    problems the letter is about ("星沙204路公交车甩客" is not "星沙204路调整线路"). What is
    left of one title all said in the other is alike (1.0) however short: "同兴物流扰民"
    and "物流公司扰民", "星沙204路调整线路" and "星沙204路公交车调整线路运行"; a half of it
    is not ("公交车甩客" shares "公交车" with the route change). More than half of it, when
    it says enough (``_MOST_OF_GRAMS``), is alike as that share: one title names the
    object, the other adds who is at fault ("峥嵘家园不动产证办理" and "峥嵘家园开发商不
    提供不动产证地契税票": 3 of 5). A title that is nothing but the place is compared whole.
    """
    ours, theirs = features.topic, their_topic
    if titled:
        # Every place either names, whichever of two spellings each extracted ("咨询星沙
        # 文化公园" and "星沙文化公园"): a place is not what is said about it. Longest
        # first, equal lengths in a fixed order: every worker must cut the same way.
        named = {
            form
            for p in features.title_places.union(their_places)
            for form in (_topic_form(p, ours), _topic_form(p, theirs))
            if form is not None
        }
        for place in sorted(named, key=lambda p: (-len(p), p)):
            ours, theirs = ours.replace(place, " "), theirs.replace(place, " ")
        our_grams, their_grams = text.topic_grams(ours), text.topic_grams(theirs)
        if our_grams and their_grams:
            if our_grams <= their_grams or their_grams <= our_grams:
                return 1.0
            shared = len(our_grams & their_grams)
            fewer = min(len(our_grams), len(their_grams))
            if fewer >= _MOST_OF_GRAMS and 2 * shared > fewer:
                return shared / fewer
            return text.topic_similarity(our_grams, their_grams)
    return text.topic_similarity(features.topic_grams, text.topic_grams(their_topic))


#: What one title says besides the place, in character pairs, for most of it said in the
#: other to count: "恢复 公交车" (3) and "公交车 两个现象" share the bus and nothing else.
_MOST_OF_GRAMS: Final = 4

#: Words of a road: one road is a "路" to one writer and a "大道" to the next ("花卉路",
#: "花卉大道"), as the name before them says.
_ROAD_WORD_RE: Final = re.compile("(?:路|大道|大街|街)$")

#: Words of a unit of villagers or residents: the name before them is the place, whichever
#: unit a letter names it by ("长龙村" became "长龙街道"; "长龙社区" is its residents').
_UNIT_WORD_RE: Final = re.compile("(?:村|社区|街道|集镇)$")

#: Words of one kind of facility, written in full or short: one market is a "市场", a "菜
#: 市场", a "农贸市场" or a "菜场" to its residents ("侯家塘市场喇叭太吵", "侯家塘农贸市场
#: 噪音"), one sewage plant a "污水厂" or a "污水处理厂", as the name before them says.
_FACILITY_KIND_WORDS: Final = {
    "market": ("农贸市场", "集贸市场", "菜市场", "菜场", "市场"),
    "sewage": ("污水处理厂", "污水处理站", "污水厂"),
}
_FACILITY_KIND_RE: Final = re.compile(
    "|".join(
        f"(?P<{kind}>{'|'.join(words)})$" for kind, words in _FACILITY_KIND_WORDS.items()
    )
)


@lru_cache(maxsize=16_384)
def _facility_name(place: str) -> tuple[str, str] | None:
    # A facility's kind and its name before its kind's word (``_FACILITY_KIND_RE``), of
    # two characters or more; None for another place. Cached as the other readings of
    # one place are (``_PLACE_READINGS``, defined below).
    found = _FACILITY_KIND_RE.search(place)
    if found is None or found.start() < 2 or found.lastgroup is None:
        return None
    return found.lastgroup, place[: found.start()]


#: An estate's phase as ``places`` keeps it: its name without the estate word, the phase.
_PHASE_KEY_RE: Final = re.compile("(.{2,})([一二三四五六七八九十1-9]期)")


def _topic_form(place: str, topic: str) -> str | None:
    """How a title's ``text.topic`` names a place it holds, or None: the place itself, or
    a generic institution's kind ("二中" of "K9县二中"), the topic being without the
    region's names ("K9县"), which are the institution's qualifier."""
    if place in topic:
        return place
    # An estate's phase ("乾城二期", ``places``) in a title naming it with its estate word
    # ("乾城嘉园二期").
    phase = _PHASE_KEY_RE.fullmatch(place)
    if phase is not None and phase.group(1) in topic and phase.group(2) in topic:
        return place
    parts = institution(place)
    return parts[1] if parts is not None and parts[0] and parts[1] in topic else None


def _in_topic(place: str, topic: str) -> bool:
    return _topic_form(place, topic) is not None


def _in_title(place: str, topic: str) -> bool:
    # Whether a title whose ``topic`` is given names ``place``: the topic leaves out words
    # of the place's name too ("和平路" is "平路" in "和平路路面破损严重"'s topic).
    if _in_topic(place, topic):
        return True
    words = text.topic(place)
    return bool(words) and all(word in topic for word in words.split())


def _same_institution(mine: tuple[str, str], other: tuple[str, str]) -> bool:
    # Two generic institutions ("浏阳一中", "宁乡一中"): the same kind, and the same county
    # or town, or one named without it. A unit word one writes and the other leaves out
    # ("浏阳市一中", "浏阳一中") is the same county; two different ones ("长沙县一中",
    # "长沙市一中") are not. A number or a qualifier that differs is never a typo.
    (ours, kind), (theirs, their_kind) = mine, other
    if kind != their_kind:
        return False
    ours, theirs = _region_qualifier(ours), _region_qualifier(theirs)
    if not ours or not theirs or ours == theirs:
        return True
    ours_unit, theirs_unit = _unit_word(ours), _unit_word(theirs)
    if ours_unit and theirs_unit:
        # A town's name the table does not hold may take the word before it ("读洪桥镇"
        # of "就读洪桥镇二中"): one, unit word and all, is the end of the other.
        return ours.endswith(theirs) or theirs.endswith(ours)
    ours, theirs = ours[: len(ours) - ours_unit], theirs[: len(theirs) - theirs_unit]
    # A town's name run into the words before it ("入九华一中") holds the other.
    return ours in theirs or theirs in ours


@lru_cache(maxsize=16_384)
def _region_qualifier(qualifier: str) -> str:
    # The county or city of the national table a qualifier ends with, without the words
    # before it ("宁乡" of "问宁乡", as a letter found before the places were qualified by
    # the table); the qualifier itself when it names none.
    start = region_name_start(qualifier, len(qualifier))
    return qualifier if start is None else qualifier[start:]


def _unit_word(qualifier: str) -> int:
    # 1 when a qualifier ends with a unit word and a name of two or more is before it.
    return 1 if len(qualifier) > 2 and qualifier[-1] in UNIT_CHARS else 0


def _kept_alike(mine: str, other: str) -> bool:
    """Whether two different kept subjects agree (``subjects_agree``), or two lookup keys
    are of one object, one's name ending the other's."""
    if mine.endswith("〕") and other.endswith("〕"):
        return subjects_agree(mine, other)
    if mine.startswith("〔") and other.startswith("〔"):
        ours, theirs = mine.split("〕", 1), other.split("〕", 1)
        return (
            len(ours) == len(theirs) == 2
            and ours[0] == theirs[0]
            and (
                ours[1].endswith(theirs[1])
                or theirs[1].endswith(ours[1])
                # A facility's key typed by its sound (``sounds.sound_key``): one character
                # of a name of three or more (``_same_estate``'s for its subjects).
                or (
                    ours[0][1:] in sounds.FACILITY_OBJECTS
                    and len(ours[1]) >= _FACILITY_TYPED_CHARS
                    and _one_typed(ours[1], theirs[1])
                )
            )
        )
    return False


def _same_place(mine: str, other: str, lenient: bool) -> bool:
    # Speed: one cache entry for both orders of a pair (a third of the pairs a lookup
    # compares were compared the other way round before: a letter's place against a
    # candidate's in ``places_agree``, the candidate's against it in the title checks).
    # ``_same_place_ordered`` is symmetric: each of its tests either asks the same of both
    # places (``in`` either way, both unit words, both sound keys of one kind, the longer
    # and the shorter) or is a function that is (``_kept_alike``: ``same_subject`` of two
    # subjects, ``organisations.same_organisation``, ``_same_estate``; ``_same_institution``,
    # ``_estate_by_head``, ``_plant_by_brand``, ``_estate_typed_by_sound``, ``_one_typed``,
    # ``sounds.sound_alike``), and ``_typed_by_sound``'s test of ``mine``'s last character
    # alone holds of both when it is true (a village's or a road's sound key is of a name
    # ending in one of ``_SOUND_KEPT_ENDS``). ``tests/unit/dedup/test_place_symmetry.py``.
    if mine > other:
        mine, other = other, mine
    return _same_place_ordered(mine, other, lenient)


@lru_cache(maxsize=65_536)
def _same_place_ordered(mine: str, other: str, lenient: bool) -> bool:
    # ``_same_place``, of two places in order. Cached: the same few places are compared
    # again and again, each comparison many patterns and sound keys (pure in its arguments).
    if ("〔" in mine or "〔" in other) and mine != other:
        # A subject or its lookup key (``features.subject_key``) is a place only as
        # itself: "〔油烟〕锦绣花园" holds "锦绣花园" and is no part of "东方锦绣花园";
        # or as a subject it agrees with ("滨河苑〔强卖车位〕" and "伊景园滨河苑〔强卖
        # 车位〕"), or that one's key ("〔强卖车位〕滨河苑", "〔强卖车位〕园滨河苑").
        return _kept_alike(mine, other)
    ours_institution, their_institution = institution(mine), institution(other)
    if ours_institution is not None and their_institution is not None:
        return _same_institution(ours_institution, their_institution)
    if mine in other or other in mine:
        return True
    mine_unit, other_unit = _without_unit_word(mine), _without_unit_word(other)
    if mine_unit != mine and other_unit != other and mine_unit == other_unit:
        return len(mine_unit) >= 2
    if (facility := _facility_name(mine)) is not None and facility == _facility_name(other):
        # One market or plant whichever of its kind's words a writer puts after its name.
        return True
    mine_road, other_road = _without_road_word(mine), _without_road_word(other)
    if (
        mine_road != mine
        and other_road != other
        and min(len(mine_road), len(other_road)) >= 2
        and (mine_road in other_road or other_road in mine_road)
    ):
        return True
    # Speed: each test below is asked only past its function's own first test, here
    # without a call: most pairs compared are two places alike in nothing.
    if len(mine) == len(other) and mine[-1] in _SOUND_KEPT_ENDS and _typed_by_sound(mine, other):
        return True
    if (mine.endswith("小区") or other.endswith("小区")) and _estate_by_head(mine, other):
        return True
    if (
        _plant_words(mine) is not None
        and _plant_words(other) is not None
        and _plant_by_brand(mine, other)
    ):
        return True
    estate_sound = sounds.estate_sound_key(mine)
    if (
        estate_sound is not None
        and estate_sound == sounds.estate_sound_key(other)
        and _estate_typed_by_sound(mine, other)
    ):
        return True
    if not lenient or min(len(mine), len(other)) < 4:
        return False
    if len(mine) == len(other):
        differ = [(a, b) for a, b in zip(mine, other, strict=True) if a != b]
        # One wrong character, or two typed by their sound: a pinyin input method offers
        # "苹洲小学" for "萍州小学" (``_sound_alike``).
        if len(differ) == 1:
            return True
        return len(differ) == 2 and all(_sound_alike(a, b) for a, b in differ)
    # One character more or less: "杨家田原农贸市场" for "原杨家田农贸市场" ("杨家田农贸市场").
    shorter, longer = sorted((mine, other), key=len)
    if len(longer) != len(shorter) + 1:
        return False
    # The first difference; the shorter one may be the longer without its last character.
    at = next(
        (i for i, (a, b) in enumerate(zip(shorter, longer[:-1], strict=True)) if a != b),
        len(shorter),
    )
    return shorter[at:] == longer[at + 1 :]


# Speed: ``_same_place`` compares some 75,000 pairs of the real letters' places, made of
# far fewer places; what it reads of each place alone is read once (cached). The bench's
# lookups read some 6,600 places in 3,000 lookups: 16,384 keeps them (4,096 missed a
# third of the places' second reading; a place and its reading, some 200 bytes each).
_PLACE_READINGS: Final = 16_384


@lru_cache(maxsize=_PLACE_READINGS)
def _without_unit_word(place: str) -> str:
    # A place without its village's, community's or subdistrict's word (``_UNIT_WORD_RE``).
    return _UNIT_WORD_RE.sub("", place)


@lru_cache(maxsize=_PLACE_READINGS)
def _without_road_word(place: str) -> str:
    # A place without its road's or street's word (``_ROAD_WORD_RE``).
    return _ROAD_WORD_RE.sub("", place)


#: The last characters of the places kept by their sound (``sounds.sound_key``): most
#: pairs of places compared are told apart by them at once.
_SOUND_KEPT_ENDS: Final = frozenset("村组区路道街")


def _one_typed(mine: str, other: str) -> bool:
    # Two names of one length one character apart, that character typed by its sound.
    if len(mine) != len(other):
        return False
    differ = [(a, b) for a, b in zip(mine, other, strict=True) if a != b]
    return len(differ) == 1 and _sound_alike(*differ[0])


def _typed_by_sound(mine: str, other: str) -> bool:
    """Whether two villages' or two roads' names (``sounds.sound_key``: a village, its
    group or community; a road) are one character apart, that character typed by its
    sound, tone and all: a pinyin input method's wrong pick ("同仁村" for "桐仁村",
    "转朝四组工路" for "转朝四组公路"), one place whoever wrote. Not of estates, schools
    or shops, whose names of one sound are as often two places ("天心家园", "天鑫家园")."""
    if len(mine) != len(other) or mine[-1] not in _SOUND_KEPT_ENDS:
        return False
    ours, theirs = sounds.sound_key(mine), sounds.sound_key(other)
    if ours is None or theirs is None or ours[0] != theirs[0]:
        return False
    differ = [(a, b) for a, b in zip(mine, other, strict=True) if a != b]
    return len(differ) == 1 and _sound_alike(*differ[0])


def titles_share_place(
    ours: frozenset[str], theirs: tuple[str, ...], their_topic: str, lenient: bool = True
) -> bool:
    """Whether both titles name one place: a place this title names (``ours``, the
    title's places) is one (``_same_place``; ``lenient``: as one writer names it) of the
    places the other's title names (those of its places its topic holds, ``_in_title``)."""
    their_titled = [p for p in theirs if _in_title(p, their_topic)]
    return any(_same_place(mine, other, lenient) for mine in ours for other in their_titled)


def _sound_alike(a: str, b: str) -> bool:
    """Whether two Chinese characters share a reading, tone and all (``sounds``)."""
    return sounds.sound_alike(a, b)


#: The ornate estate's words of two characters a name's head is given ("雅苑" of "汀澜雅
#:苑", "丰园" of "嘉禾丰园"): an estate named so is called by its head and "小区" too.
#: Not the words as generic as "小区" itself ("花园", "家园", "新村", "新城", "公寓"), nor
#: one character ("苑", "园"): "幸福小区" and "幸福家园", "阳光小区" and "阳光苑" are as
#: often two estates of one city.
_ORNATE_ESTATE_WORD_RE: Final = re.compile("[雅名华丰嘉馨锦御悦景逸怡翠秀康泰和][苑园庭居府邸]")


def _estate_by_head(mine: str, other: str) -> bool:
    """Whether one name is an estate's head with "小区" and the other that head with an
    ornate estate's words (``_ORNATE_ESTATE_WORD_RE``: "汀澜小区", "汀澜雅苑"; "嘉禾小区",
    "嘉禾丰园"): residents call such an estate by its head and the generic word as often
    as by its full name."""
    # Speed: most pairs compared hold no "小区"; this is all the loop finds of them.
    if not (mine.endswith("小区") or other.endswith("小区")):
        return False
    for short, long in ((mine, other), (other, mine)):
        head = short[:-2]
        if (
            short.endswith("小区")
            and len(head) >= 2
            and len(long) == len(head) + 2
            and long.startswith(head)
            and _ORNATE_ESTATE_WORD_RE.fullmatch(long, len(head)) is not None
        ):
            return True
    return False


#: A concrete firm's or plant's words after its brand ("宏基混凝土有限公司", "宏基搅拌站",
#: "宏基混凝土搅拌站", "宏基商砼站").
_PLANT_WORDS_RE: Final = re.compile(
    "(?:混凝土|商砼|砼)?(?:(?:有限)?公司|搅拌站|搅拌厂|站)$|(?:混凝土|商砼)$"
)

_PLANT_TRADE_RE: Final = re.compile("搅拌|混凝土|砼")


def _plant_by_brand(mine: str, other: str) -> bool:
    """Whether two names are one concrete plant's and its firm's, of one brand ("宏基混凝
    土公司", "宏基搅拌站"): its neighbours name the plant by its owner as often."""
    ours, theirs = _plant_words(mine), _plant_words(other)
    if ours is None or theirs is None or ours[1] == theirs[1]:
        return False
    # A concrete firm's or a plant's words in both ("宏基公司" may be another trade's).
    if not all(_PLANT_TRADE_RE.search(word) for word in (ours[1], theirs[1])):
        return False
    brand = mine[: ours[0]]
    return len(brand) >= 2 and brand == other[: theirs[0]]


@lru_cache(maxsize=_PLACE_READINGS)
def _plant_words(name: str) -> tuple[int, str] | None:
    # Where a firm's or a plant's words (``_PLANT_WORDS_RE``) at a name's end begin, and
    # the words; None for none. Cached as ``_without_unit_word``.
    found = _PLANT_WORDS_RE.search(name)
    return None if found is None else (found.start(), found.group())


#: The least characters of an estate's name (its "小区" and its developer's brand left off)
#: typed by its sound that is one estate whoever wrote: of two ("新兴小区", "新星小区"),
#: one character is as often what tells two estates apart.
_ESTATE_SOUND_CHARS: Final = 3


def _estate_typed_by_sound(mine: str, other: str) -> bool:
    """Whether two estates' names (``sounds.estate_sound_key``: its "小区" and its
    developer's brand left off) of three characters or more are one character apart, that
    character typed by its sound, tone and all: a pinyin input method's wrong pick, one
    estate whoever wrote ("万佳名城", "万家名城"; "学府铭邸", "学府名邸"; "家和院",
    "家和苑"). In the 2,781 real letters, every such pair of names of one area was one
    estate typed two ways (issue 13); of two characters, they were two ("新兴小区",
    "新星小区")."""
    ours, theirs = sounds.estate_sound_key(mine), sounds.estate_sound_key(other)
    if ours is None or ours != theirs or len(ours.split(" ")) < _ESTATE_SOUND_CHARS:
        return False
    mine_name = without_developer(_NEIGHBOURHOOD_RE.sub("", mine))
    other_name = without_developer(_NEIGHBOURHOOD_RE.sub("", other))
    return len(mine_name) == len(other_name) and _one_typed(mine_name, other_name)
