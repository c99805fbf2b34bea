"""A town's overall plan and a named project of the town: two matters (issue 13).

A writer asks about their town's plan ("咨询A8县双江口镇罗巷集镇规划方案": its 总体规划,
发展规划, 控规, 规划图, 规划方案, its growth as a new-type town), and, months later, about
a named project of the town: a road line's resettlement land ("双江口镇长益复线、北横线安置地
建设情况"), a park, a school, its market. The second letter may copy the first's question
word for word ("另政府对双江口镇罗巷集镇重点建设项目有哪些"), and the writer's style makes
the texts alike; yet the project is its own object, not the plan (DOMAIN.md: one concrete
problem about one place or object). So a title about a town's plan and a title about a
named project of that town are never one matter by their texts (``plan_and_project``).

Only this half of the fourteenth session's town rule (its branch not landed): letters
asking about one town's plan are *not* linked here by the plan alone (a review found that
half merging different problems raised under one plan, kinds of town, estates' names).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Final

#: A title about a plan: the plan's words ending one of its topic's words, only what the
#: title asks of it after them.
_PLAN_RE: Final = re.compile(
    "(总体规划|发展规划|建设规划|控制性详细规划|控规|规划图|规划方案|规划"
    # Its growth as a new-type town ("罗巷集镇新型城镇扩容"): what its plan lays out.
    "|(?:新型)?城镇扩容|新型城镇建设)"
    "((?:修编|修改|情况|内容|范围|进展|进度|公示|公布|公开|出台|咨询|何时|什么时候)*)$"
)
#: Words one of which every plan's title names (``_PLAN_RE``): a cheap test first.
_PLAN_WORDS: Final = ("规划", "控规", "城镇")
#: Any of them: scoring asks ``plan_and_project`` of each candidate, and nearly no title
#: names one (one search a title, not a test of each word).
_PLAN_WORD_RE: Final = re.compile("|".join(_PLAN_WORDS))
#: The town's area the plan may be of: a new district ("城北新区"), its town area.
_AREA_RE: Final = re.compile("(?:[\u4e00-\u9fff]{2}新区|新区|城区|集镇片|片区)$")
#: A town, township or market town named with its word, ending what is before the plan:
#: right after its county, district or city ("A7县安沙镇") or the whole.
_TOWN_END_RE: Final = re.compile(
    "^(?:[^\\s]*?[县区市])?"
    # A market town after its township ("朱良桥乡罗巷集镇": the market town's plan).
    "(?:[^镇乡市县区村街道路\\s]{2,3}[镇乡](?=[^\\s]{2,3}集镇$))?"
    "(?P<name>[^镇乡市县区村街道路\\s]{1,2}[^镇乡市县区村街道路集\\s])(?:集镇|镇|乡)$"
)
#: Words ending in 镇 or 乡 that name no town: a kind of town ("特色小镇", "小城镇",
#: "工业重镇", "靖港古镇"), towns at large ("乡镇").
_GENERIC_TOWN_RE: Final = re.compile(
    "(?:小城镇|小镇|重镇|古镇|名镇|重点镇|中心镇|新城镇|城镇|乡镇|强镇|大镇|村镇|城乡)$"
)
#: Towns named in a title with their word.
_TOWNS_RE: Final = re.compile("([^镇乡市县区村街道路\\s，。、,.]{2,3}?)(?=集镇|镇|乡)")
#: What a title may ask of a plan after it, as words of their own ("桐溪镇控规 出台").
_ASKING: Final = frozenset(
    {"出台", "公示", "公布", "公开", "进展", "进度", "情况", "修编", "咨询", "何时",
     "时间", "内容", "范围", "什么时候", "何时公示", "何时公布", "何时出台"}
)  # fmt: skip
#: What a title may ask of a plan before it ("公开 罗巷集镇规划图").
_ASKED_FIRST_RE: Final = re.compile("公开|公示|公布|出台")
#: A named project of a town rather than its plan: a road line (its resettlement land),
#: a road, a park, a school, a market, a hospital. A road line is "复线" or a name and
#: 线, not "在线", "热线", "专线", "线上" (nor the plan's "红线"); a market is not
#: "市场坪" (a village's name) nor "市场化".
_PROJECT_RE: Final = re.compile(
    "安置|复线|公路|道路|(?<=[\u4e00-\u9fff\\dA-Za-z])(?<![在上热专一规红])线(?![上下路])"
    "|公园|学校|小学|中学|幼儿园|市场(?![坪化])|医院|卫生院|垃圾|公交"
)


@lru_cache(maxsize=16_384)
def plan_town(topic: str) -> str:
    """The town (its name without 镇, 乡, 集镇: "罗巷") whose plan a title's topic
    (``text.topic``) is about, whatever it asks of it; "" for none: a village's plan, the
    county's, a kind of town's ("特色小镇规划"), a town named bare."""
    words = topic.split()
    for n, word in enumerate(words):
        match = _PLAN_RE.search(word)
        if match is None or not all(w in _ASKING for w in words[n + 1 :]):
            continue
        first = _ASKED_FIRST_RE.match(word)
        head = _AREA_RE.sub("", word[first.end() if first else 0 : match.start()])
        if not head or _GENERIC_TOWN_RE.search(head):
            return ""
        town = _TOWN_END_RE.search(head)
        return town.group("name") if town is not None else ""
    return ""


def towns_named(topic: str) -> frozenset[str]:
    """The towns a title names with their word ("双江口镇" -> "双江口"), no kind of town."""
    return frozenset(
        name
        for name in _TOWNS_RE.findall(topic)
        if not _GENERIC_TOWN_RE.search(name + "镇") and not _GENERIC_TOWN_RE.search(name)
    )


def project_of(topic: str, towns: frozenset[str]) -> bool:
    """Whether a title's topic is about a named project (``_PROJECT_RE``) of one of
    ``towns``: it names the town and the project, and no plan."""
    return (
        bool(towns)
        and "规划" not in topic
        and _PROJECT_RE.search(topic) is not None
        and any(town in topic for town in towns)
    )


def plan_and_project(ours: str, theirs: str) -> bool:
    """Whether one of two titles' topics is about a town's plan (``plan_town``) and the
    other about a named project of that town (``project_of``): two matters."""
    if _PLAN_WORD_RE.search(ours) is None and _PLAN_WORD_RE.search(theirs) is None:
        return False
    for plan, other in ((ours, theirs), (theirs, ours)):
        town = plan_town(plan)
        if town and project_of(other, towns_named(plan) | {town}):
            return True
    return False
