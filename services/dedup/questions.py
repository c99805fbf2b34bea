"""One writer's question asked again in other words: two titles of one petitioner, one
all said in the other.

A writer who asks the same general question twice ("咨询补发代课老师补贴的问题", a month
later "咨询代课教师补贴的相关规定") names no place both letters share, and their texts,
each telling the story afresh, score as low as their letters about other matters. What the
two titles say about the matter is the same: the shorter one's words all said in the
longer, once the words every title uses, the places and a writer's synonyms are set aside.
A prolific writer's different matters in one field name different things besides what they
share ("代课教师补贴", "代课教师转正"): each title says something the other does not. And
what the writer's titles about another matter say too is their habit, not this matter
("代课教师" asked of two matters: a third letter on it says which of them it is only when
its own words do).

A link this rule makes is reported as any near repeat (``near_repeat``): the contract's
reasons (``schemas.cases.DedupReason``) are a closed set and a verdict carries no other
evidence of why.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final, NamedTuple

from services.dedup import aboutness
from services.dedup.config import DedupConfig
from services.dedup.facts import CaseFacts
from services.dedup.features import NO_BANDS
from services.dedup.state import MatchState

#: Words that say one thing two ways in petitioners' titles: the second is written as the
#: first before comparing.
_SYNONYMS: Final = (
    # Not "教员": a driving school's coach is one too ("投诉教员吃拿卡要").
    ("老师", "教师"),
    ("医保", "医疗保险"),
    ("社保", "社会保险"),
    ("公积金", "住房公积金"),
)

#: Words of a question's form, not of what it asks (left out of both titles): "咨询代课
#: 教师补贴的相关规定" asks what "补发代课老师补贴" does. Not "多少" (how much): it is
#: what is asked, when nothing follows to say it ("护林员补贴多少" asks the amount,
#: "护林员补贴何时发放" a payment; without "多少" the first is all said in the second).
_FORM_RE: Final = re.compile(
    "相关规定|有关规定|相关政策|几个|几点|的|是否|怎么|怎样|如何|何时|什么|吗|呢|请问|"
    "能否|可否|为什么|为何|哪些|具体|规定|政策"
)

#: A title's words left after ``_FORM_RE`` must hold this many character pairs (four
#: characters in a run): "规划" or "补贴" alone is a kind of question, not one matter.
MIN_GRAMS: Final = 3

#: The two letters at most this many days apart: a writer asking again waits for the
#: reply, and a question asked again years later is asked of another time's rules.
MAX_DAYS: Final = 120


def _words(topic: str, places: Iterable[str]) -> str:
    """What a title's ``text.topic`` asks, without the places it names and the words of a
    question's form, synonyms written one way."""
    topic = aboutness.without_kept(topic)
    for place in sorted({p for p in places if p and p in topic}, key=lambda p: (-len(p), p)):
        topic = topic.replace(place, " ")
    for word, same in _SYNONYMS:
        if same not in topic:
            topic = topic.replace(word, same)
    return _FORM_RE.sub(" ", topic)


class Asked(NamedTuple):
    """What a title asks (``asked_grams``)."""

    #: The character pairs of its words (``_words``), never across a removed word.
    grams: frozenset[str]
    #: Those of them with a character of a word of any field (``_GENERIC_WORDS``): a pair
    #: straddling such a word's edge ("险缴" of "社会保险缴费") says no more than the word.
    generic: frozenset[str]


def asked_grams(topic: str, places: Iterable[str]) -> Asked:
    """The character pairs of what a title asks (``_words``), those touching a word of any
    field marked (``Asked.generic``)."""
    words = _words(topic, places)
    in_generic = [False] * len(words)
    for match in _GENERIC_RE.finditer(words):
        start, end = match.start(), match.start() + len(match.group(1))
        in_generic[start:end] = [True] * (end - start)
    grams: set[str] = set()
    generic: set[str] = set()
    for i in range(len(words) - 1):
        gram = words[i : i + 2]
        if gram[0].isspace() or gram[1].isspace():
            continue
        grams.add(gram)
        if in_generic[i] or in_generic[i + 1]:
            generic.add(gram)
    # A pair generic in one place of the title and not in another counts as generic.
    return Asked(frozenset(grams), frozenset(generic))


def same_question(
    ours: Asked, theirs: Asked, elsewhere: Iterable[Asked], *, share: bool = True
) -> bool:
    """Whether two titles of one writer ask one question: what one asks (``asked_grams``)
    all asked by the other and more than ``MIN_SHARE`` of what the other asks, at least
    ``MIN_GRAMS`` pairs of it, of which at least ``MIN_OWN_GRAMS`` neither touch a word of
    any field (``Asked.generic``: "城乡规划", "社会保险") nor are said in a title of the
    writer's about another matter (``elsewhere``: "代课教师" asked of their subsidy and of
    their regularisation, "补贴" says which). Without ``share`` (a title saying it is a
    repeat, ``aboutness.says_repeat``) what one asks all asked by the other is enough,
    however much more the other says ("再次咨询代课教师补贴" after "民办代课教师补贴发放为何
    迟迟不到位")."""
    if not ours.grams or not theirs.grams:
        return False
    fewer, more = (ours, theirs) if len(ours.grams) <= len(theirs.grams) else (theirs, ours)
    if (
        len(fewer.grams) < MIN_GRAMS
        or not fewer.grams <= more.grams
        or (share and len(fewer.grams) <= MIN_SHARE * len(more.grams))
    ):
        # The longer title saying more than it shares names what the shorter does not
        # ("某村支书" and "某村支书违规建房": the first letter's wrong may be another).
        return False
    own = fewer.grams - fewer.generic - more.generic
    for other in elsewhere:
        if len(own) < MIN_OWN_GRAMS:
            break
        own = own - other.grams
    return len(own) >= MIN_OWN_GRAMS


#: Of what a question asks, this many character pairs its own (``same_question``).
MIN_OWN_GRAMS: Final = 2

#: The shorter title's share of the longer's character pairs must be more than this
#: (``same_question``). What the longer says besides is most often a new object or a new
#: wrong: "教师编制" and "教师编制考试" (3 of 5), "ETC扣费" and "ETC扣费不退还" (4 of 7),
#: one writer's two questions. A complaint of delay adds less ("民办代课教师补贴发放" and
#: "...为何迟迟不到位", 9 of 14).
MIN_SHARE: Final = 0.6

#: Words of any field's questions, which say no more of one matter than "问题" does: what
#: a plan, a project or its progress is about is the rest of the title.
_GENERIC_WORDS: Final = (
    "城乡规划", "总体规划", "发展规划", "规划", "建设", "发展", "进度", "项目", "方案",
    "工作", "服务", "改造", "管理", "落实", "办理", "整治", "提升", "完善", "加快", "推进",
    "加强", "解决", "公开", "公示", "收费", "费用", "标准", "待遇", "时间", "地点", "选址",
    # A field's words: the question within it is the rest ("社保" is every question on
    # social insurance; "计划生育奖励" is one).
    "社会保险", "医疗保险", "养老保险", "失业保险", "住房公积金", "公积金贷款", "计划生育",
    "城乡居民", "低保", "户口", "户籍", "拆迁", "征收", "安置", "补偿", "教育", "就业",
    "物业", "公交", "地铁",
)  # fmt: skip
#: The longest of ``_GENERIC_WORDS`` at each position of a title's words (a lookahead,
#: so that overlapping words are all found: "公积金贷款" in "住房公积金贷款").
_GENERIC_RE: Final = re.compile(
    "(?=("
    + "|".join(re.escape(w) for w in sorted(_GENERIC_WORDS, key=lambda w: (-len(w), w)))
    + "))"
)


def own_questions(
    state: MatchState, case: CaseFacts, config: DedupConfig
) -> list[tuple[str, Asked]]:
    """The matter and what the title asks (``asked_grams``) of each recent case of this
    case's petitioners."""
    index = state.index
    sequences = index.candidates(case.region_code, None, case.petitioner_refs, (), NO_BANDS, config)
    refs = set(case.petitioner_refs)
    own: list[tuple[str, Asked]] = []
    for sequence in sequences:
        case_id = index.case_id(sequence)
        raw = state.cases.get(case_id) if case_id is not None else None
        if raw is None:
            continue
        details = index.details(sequence, raw)
        if not refs.isdisjoint(details.petitioner_refs):
            own.append((details.matter_id, asked_grams(details.topic, details.places)))
    return own


#: A procedure on a writer's own case, named by what is decided and its verb ("工伤认定",
#: "伤残鉴定", "低保审批", "劳动仲裁"; not what is asked of one, "申请鉴定"): a writer's
#: letters naming one are their one application followed up ("工伤认定申请逾期未作出
#: 决定", "再次反映工伤认定拖延的问题", "请求尽快作出工伤认定"), however differently
#: each title goes on.
_PROCEDURE_RE: Final = re.compile(
    "(?!申请|要求|请求|重新|进行|尽快|作出|做出|没有|尚未|不予|予以|已经|拒绝|迟迟|一直|行政)"
    "[\u4e00-\u9fff]{2}(?:认定|鉴定|审批|复议|仲裁|复核)"
)


def procedures(topic: str) -> frozenset[str]:
    """The procedures on a writer's own case a title's ``text.topic`` names
    (``_PROCEDURE_RE``), without its kept facets."""
    return frozenset(_PROCEDURE_RE.findall(aboutness.without_kept(topic)))


def same_procedure(our_topic: str, their_topic: str) -> bool:
    """Whether two titles of one writer name one procedure on their case (``procedures``)
    and no other: the writer following up their application."""
    ours = procedures(our_topic)
    return bool(ours) and ours == procedures(their_topic)
