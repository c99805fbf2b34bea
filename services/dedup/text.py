"""Text normalisation for matching: script, width, case, punctuation and hotline boilerplate.

Everything here is a pure function of the text, so the same petition always gives the same
normalised sentences, fingerprint and places, whichever worker computes them.

Why these steps:

* Traditional and simplified script, full and half width are folded character by character
  (``services.common.script.fold_script_and_width``, which says why), then case.
* Hotline operators and portals add boilerplate ("来电反映：", "网友留言") that says nothing
  about the matter; left in, it makes unrelated hotline calls look alike and hides a
  re-typed repeat of a letter.
* Sentences are kept apart so that shingles never span a sentence boundary: reordering the
  sentences of a letter then leaves its shingle set unchanged.
"""

from __future__ import annotations

import re
import sys
from functools import lru_cache
from itertools import islice
from typing import Final

# The matcher reads the folding and the places through this module, as ``text.<name>``.
from services.common.automaton import build_automaton
from services.common.script import fold_script_and_width
from services.dedup import claim_words, organisations

#: Words that operators and portals put around the petitioner's own words. They are
#: removed wherever they start a sentence or clause, longest first.
BOILERPLATE: Final[tuple[str, ...]] = (
    "市民来电反映",
    "市民来电称",
    "来电人反映",
    "来电人称",
    "来电反映",
    "来电咨询",
    "来电称",
    "来电人",
    "网友留言",
    "网民留言",
    "网友反映",
    "市民反映",
    "群众反映",
    "来信反映",
    "来信人称",
    "来访人称",
    "来访反映",
    "信访人反映",
    "信访人称",
    "the caller reports that",
    "the caller reports",
    "the caller says that",
    "the caller says",
    "a caller reports that",
    "a citizen reports that",
    "a resident reports that",
    "citizen message",
    "netizen message",
)
_BOILERPLATE_RE: Final = re.compile(
    "(?:^|(?<=[。！？!?；;，,：:.\n]))\\s*(?:"
    + "|".join(re.escape(b) for b in sorted(BOILERPLATE, key=len, reverse=True))
    + ")\\s*[：:，,]?",
    re.IGNORECASE,
)
# Most texts hold no boilerplate, and these two find that out in a fraction of the time
# the pattern above takes (it tries its look-behind at every character): a Chinese phrase
# is found as such; every phrase holding Latin letters holds an "e" (in either case: no
# other character matches it ignoring case), and a text holding none needs no search. (Not
# "any Latin letter", as before: most letters hold one, an anonymised unit's "A3区".)
_BOILERPLATE_ZH_RE: Final = re.compile(
    "|".join(re.escape(b) for b in sorted(BOILERPLATE, key=len, reverse=True) if not b.isascii())
)
_LATIN_BOILERPLATE_MARKS: Final = ("e", "E")
# Sentence and clause ends: petitioners and operators reorder clauses as freely as
# sentences, and a shingle spanning a comma says little about the matter.
_SENTENCE_END_RE: Final = re.compile(r"[。！？!?；;，,、：:\n]+|\.(?:\s+|$)")
# What remains of a sentence for matching: letters and digits of any script, single spaces
# between Latin words (so "in 2018" and "in2018" differ only in that space). Underscores
# go too: ``folded_sentences`` makes them spaces first (one character class, no
# alternation: the substitution costs ~2.3 us a letter, not ~5).
_NOT_WORD_OR_END_RE: Final = re.compile(r"[^\w\x00]+")
_CJK_RE: Final = re.compile(r"[\u3400-\u9fff]")
_CJK_SPACE_RE: Final = re.compile(r"(?<![a-z0-9]) | (?![a-z0-9])")
_LATIN_RE: Final = re.compile(r"[a-z]")


def fold(text: str) -> str:
    """Fold script, width and case: traditional -> simplified, full -> half width, lower."""
    return fold_script_and_width(text).lower()


def strip_boilerplate(folded: str) -> str:
    """Remove operator and portal boilerplate from folded text (see ``BOILERPLATE``)."""
    return _without_boilerplate(folded).strip()


def _without_boilerplate(folded: str) -> str:
    # Each boilerplate phrase replaced by a space.
    if _BOILERPLATE_ZH_RE.search(folded) is None and not any(
        mark in folded for mark in _LATIN_BOILERPLATE_MARKS
    ):
        return folded
    return _BOILERPLATE_RE.sub(" ", folded)


def sentences(text: str) -> list[str]:
    """The sentences and clauses of a petition, folded, without boilerplate and punctuation.

    Underscores and punctuation go; Latin words keep one space between them. Empty
    sentences are dropped.
    """
    return folded_sentences(fold(text))


def folded_sentences(folded: str) -> list[str]:
    """``sentences`` of a text already ``fold``-ed."""
    # A space keeps "... workers. A caller reports that ..." two sentences once the
    # boilerplate between them is gone. Sentence ends become NULs, which survive the
    # removal of everything but letters and digits, so the text is cleaned in one pass.
    unmarked = folded.replace("\x00", " ")
    marked = _SENTENCE_END_RE.sub("\x00", _without_boilerplate(unmarked))
    if "_" in marked:
        # An underscore is a word character that goes with the rest: made a space, it
        # joins the run around it, which becomes one space as before.
        marked = marked.replace("_", " ")
    result = []
    for raw in _NOT_WORD_OR_END_RE.sub(" ", marked).split("\x00"):
        sentence = raw.strip()
        # Spaces inside Chinese text are typing noise, except between two Latin words.
        if " " in sentence and _CJK_RE.search(sentence):
            sentence = _CJK_SPACE_RE.sub("", sentence)
        if sentence:
            result.append(sentence)
    return result


def is_mostly_latin(text: str) -> bool:
    """True when a text has more Latin letters than CJK characters."""
    # Most texts have no Latin letter, and finding that out needs no list of matches.
    if _LATIN_RE.search(text) is None:
        return False
    latin = len(_LATIN_RE.findall(text))
    # Speed: a Chinese letter holds a few Latin letters ("A3区"), and as many CJK characters
    # as that settle it; a list of its every CJK character is not needed.
    return sum(1 for _ in islice(_CJK_RE.finditer(text), latin)) < latin


# What a petition's title says about its matter, once the words every title uses are gone:
# the speech act ("反映", "咨询", "请求", "投诉"), politeness and urgency ("强烈", "恳请",
# "尽快"), the generic nouns of a request ("问题", "情况", "一事") and function words.
# Two titles about one matter then share most of what is left ("A7县星沙204路调整线路",
# "公交车调整线路运行"), and a petitioner's titles about different matters little: a
# title is the petitioner's own summary of the matter, written afresh each time, while
# the body repeats their style.
_TOPIC_NOISE: Final = (
    "关于",
    "反映",
    "咨询",
    "请求",
    "恳请",
    "要求",
    "投诉",
    "举报",
    "建议",
    "希望",
    "呼吁",
    "申请",
    "强烈",
    "再次",
    "第二次",
    "尽快",
    "尽早",
    "早日",
    "问题",
    "情况",
    "一事",
    "事宜",
    "事情",
    "相关",
    "有关",
    "解决",
    "处理",
    "进行",
    "能否",
    "是否",
    "何时",
    "政府",
    "领导",
    "市民",
    "居民",
    "群众",
    "百姓",
    "反对",
    "支持",
    "请",
    "的",
    "了",
    "和",
    "与",
    "及",
    "对",
    "在",
    "给",
    "为",
    "把",
    "将",
    "我",
)
_TOPIC_NOISE_RE: Final = re.compile(
    "|".join(re.escape(w) for w in sorted(_TOPIC_NOISE, key=len, reverse=True))
)
# Anonymised administrative units ("A市", "a7县", "k1区"), as published data names them.
_ANONYMISED_UNIT_RE: Final = re.compile(r"(?<![a-z])[a-z]\d*[省市区县]")
_TOPIC_SPLIT_RE: Final = re.compile(r"[^\w]+|_")


#: Words residents type by sound with the wrong characters, as the word they mean (issue 13,
#: the twenty-sixth session): each typo is never a word of its own, or is read only where
#: it stands for the word. Read where a title's kinds are (``claims``), not in its
#: ``topic``: its character pairs and the names before its kind stay as written (read
#: there, a typed-right title is alike titles of other matters at its estate, which the
#: likeness of titles does not tell apart: a plant by the writer's workplace, a friend's
#: estate named in passing). Counted in the real letters of ``../shared/data`` (held-out
#: letters unread): "燥音" 2 and "燥声" 2 (contents: "工厂的晚上加班燥音", "碎石机碎石的
#: 燥声"), "躁音" 2, "扰名" 1 (a title: "A3区楚腾琴岛夜间施工扰名"); "饶民", "福射",
#: "搅伴" and "机站" as a base station none there, but common in residents' messages; nor
#: "乱长价" and "延期交方" (the probes' "物业乱长价", "延期交方"). Each is the word's length,
#: so a kind word's place in a topic (``first_claim_at``) is kept.
_TYPOS: Final[dict[str, str]] = {
    "燥音": "噪音",
    "躁音": "噪音",
    "燥声": "噪声",
    "躁声": "噪声",
    "饶民": "扰民",
    "扰名": "扰民",
    "福射": "辐射",
    "搅伴": "搅拌",
    "机站": "基站",
    # Read only where they stand for the word: "交方" is a word's end elsewhere ("公交方便").
    "乱长价": "乱涨价",
    "期交方": "期交房",
    "迟交方": "迟交房",
}
#: Where a typo is a word ("农机站", "发电机站", "抽水机站", "排灌机站": a machinery's or a
#: pump's station, as real letters name them), it is kept.
_TYPO_KEPT_AFTER: Final[dict[str, str]] = {"机站": "[农电水灌]"}
_TYPO_RE: Final = re.compile(
    "|".join(
        (f"(?<!{_TYPO_KEPT_AFTER[w]})" if w in _TYPO_KEPT_AFTER else "") + re.escape(w)
        for w in sorted(_TYPOS, key=len, reverse=True)
    )
)
# Most titles hold no typo: a character every typo holds finds that out.
_TYPO_MARKS: Final = frozenset(w[-1] for w in _TYPOS)


def as_meant(folded: str) -> str:
    """``folded`` with its typos (``_TYPOS``) read as the words they stand for."""
    if _TYPO_MARKS.isdisjoint(folded):
        return folded
    return _TYPO_RE.sub(lambda found: _TYPOS[found.group()], folded)


def topic(folded_title: str, region_names: tuple[str, ...] = ()) -> str:
    """What a title says about the matter: ``folded_title`` (``fold``-ed) without the names
    of its region (``region_names``: the county, city, province, which every title of the
    area may name), anonymised unit names and ``_TOPIC_NOISE``; the pieces left are joined
    by single spaces.
    """
    for name in region_names:
        folded_title = folded_title.replace(name, " ")
    folded_title = _ANONYMISED_UNIT_RE.sub(" ", folded_title)
    folded_title = _TOPIC_NOISE_RE.sub(" ", folded_title)
    return " ".join(part for part in _TOPIC_SPLIT_RE.split(folded_title) if part)


@lru_cache(maxsize=8_192)
def topic_grams(topic_text: str) -> frozenset[str]:
    """The character bigrams of a ``topic``, never across its pieces (a one-character
    piece, what is left between two removed words, says nothing). Cached: the candidates'
    topics are read again and again, the newest most. Each bigram interned: the entries
    share them (a title's dozen bigrams, 78 bytes each, were two-thirds of an entry)."""
    return frozenset(
        sys.intern(piece[i : i + 2])
        for piece in topic_text.split()
        # Not what the content is about, kept after the title's words (``aboutness``).
        if not piece.startswith("〔述")
        for i in range(len(piece) - 1)
    )


def topic_similarity(ours: frozenset[str], theirs: frozenset[str]) -> float:
    """Jaccard similarity of two titles' ``topic_grams`` (0 when either is empty)."""
    if not ours or not theirs:
        return 0.0
    shared = len(ours & theirs)
    return shared / (len(ours) + len(theirs) - shared)


#: Kinds of wrong or want a title may name, each by the words writers use for it. Two
#: letters about one place are one matter only when they are about the same problem of it
#: (DOMAIN.md: the same concrete problem about the same place or object), and the place's
#: different problems are told by these: a market's encroaching stalls are not a stall's
#: illegal extension, an estate's noise is not its parking. Each kind is a wrong or a want
#: with one remedy (the noise abated, the stalls cleared, the building pulled down), not a
#: department or a field. "扰民" (a nuisance to residents) names no kind: writers use it
#: of noise, fumes and dust alike ("噪音扰民", "油烟扰民", "粉尘扰民"), and residents'
#: letters on one mixing plant say "扰民" in some titles and "灰尘污染" in others.
CLAIM_KINDS: Final[dict[str, tuple[str, ...]]] = {
    # Noise, and a barrier asked against it ("高速出口设立隔音带", "安装隔音屏").
    "noise": ("噪音", "噪声", "隔音"),
    "encroachment": ("占道", "乱摆", "摆摊"),
    "illegal_building": ("违建", "违章建", "私搭", "乱搭", "乱建", "违规建设", "私建", "加建"),
    "power_theft": ("偷电", "窃电"),
    # The power cut; a water cut is ``estate_kinds``' ``water_cut`` (another remedy).
    "supply_cut": ("停电", "断电"),
    # A village's or an estate's drinking water: a supply asked for or unsafe ("饮水安全",
    # "建管道引水工程", "办自来水厂"), whichever of its words the writer uses.
    "drinking_water": ("饮水", "饮用水", "吃水", "自来水", "供水", "引水", "水厂"),
    # A property company's fee ("物业费太贵", "物业费上涨"): what its residents pay.
    "fees": ("收费", "收取", "物业费", "物业服务费", "物业涨价"),
    "pollution": (
        "污染",
        "排污",
        "直排",
        "油烟",
        "粉尘",
        "扬尘",
        "灰尘",
        "臭",
        "废气",
        "废水",
        "污水",
    ),
    "parking": ("停车", "车位"),
    # A school's places: its catchment, enrolment and who gets a place ("学位分配不公",
    # "孩子无法入学"), not its fees or its extra classes.
    "school_admission": ("入学", "学位", "招生", "划片"),
    # A school's extra classes, in the holidays or paid for ("假期强制补课"), and a
    # building in danger ("三中危房"): two problems of one school, not one.
    # Also said as classes held in the holidays or for a fee ("暑假违规收费上课",
    # "假期组织学生返校上课"): one school's extra classes, whichever word the parent uses.
    "extra_classes": (
        "补课",
        "补习",
        "返校上课",
        "收费上课",
        "假期上课",
        "暑假上课",
        "寒假上课",
        "周末上课",
        # Classes held on a Saturday or a Sunday, as parents say it ("三中高三周六上课收费").
        "周六上课",
        "周日上课",
        "星期六上课",
        "双休日上课",
    ),
    "unsafe_building": ("危房",),
    "wages": ("工资", "欠薪", "拖欠"),
    "property_certificate": ("不动产证", "房产证", "产权证"),
    "street_lights": ("路灯",),
    # Motorbikes racing at night on a road ("夜间飙车炸街扰民", "飙车党什么时候能管管").
    "racing": ("飙车", "炸街"),
    # A road or an underpass under water at every rain ("下穿隧道一下雨就积水").
    "flooding": ("积水", "内涝", "被淹"),
    # A footbridge asked for over a road ("时代阳光大道省质监局段加人行天桥"): not the
    # road's noise, its lights or its traffic.
    "footbridge": ("天桥",),
    # A developer's late hand-over of the homes it sold: not its forcing parking spaces
    # on buyers at the hand-over ("不买车位不给交房": parking), nor its certificates.
    "late_handover": (
        "逾期交房",
        "延期交房",
        "延迟交房",
        "推迟交房",
        "交房延期",
        "交房延迟",
        "逾期未交房",
        "逾期交付",
        "延期交付",
    ),
    # An object a title is about, beside the estate named: a mixing plant by an estate
    # ("丽景新苑旁搅拌站夜间噪音扰民", "丽景新苑业主联名要求关停违规搅拌站"), whatever else
    # a letter says of it (its permit, trucks). Beside a road, a subdistrict, a town or a
    # village (several plants), or named ("东富搅拌站": the place itself), no kind
    # (``OBJECTS``, ``scoring``).
    # A concrete plant is one too, however called ("A6区滨河苑项目旁混凝土站粉尘污染").
    "mixing_plant": ("搅拌站", "搅伴站", "搅拌厂", "搅拌场", "商砼站", "砼站", "混凝土站"),
    # A bus route's course, its timetable, its stops and its crews' conduct are four
    # problems of one route: extending it is not running it more often.
    "bus_course": ("改线", "改道", "调整线路", "线路调整", "优化线路", "公交线路", "路线", "延伸"),
    "bus_timetable": ("班次", "发车", "末班", "首班", "首趟", "收班"),
    "bus_stop": ("站点", "设站", "公交站"),
    "bus_conduct": ("甩客", "拒载"),
}
#: The kinds of problem a facility (a mixing plant, a building site, a factory) makes for
#: its neighbours: its noise, dust, fumes, smell and waste water are one matter about it
#: (residents' letters on one mixing plant name its noise in one title, its dust in the
#: next), however the kinds of another place tell its problems apart.
NUISANCES: Final = frozenset({"noise", "pollution", "building_works"})
#: The kinds that name an object rather than a wrong: one kind between two titles only
#: beside an estate both name (``scoring``); a named plant is a place, not this kind.
OBJECTS: Final = frozenset({"mixing_plant", "scrap_yard"})
_KIND_OF_WORD: Final = {word: kind for kind, words in CLAIM_KINDS.items() for word in words}
# One pass over a topic for every kind (a pattern per kind costs one pass each, for every
# candidate judged); longest first, so a word is not cut short by a shorter one it holds.
# A word is not its kind before what makes it another's: a developer's late penalty owed
# ("开发商拖欠违约金", of a late hand-over) is not wages.
# A fee charged for another kind's object is that kind's problem ("收取补课费": the extra
# classes, as "收费上课" is); not a fee for what comes with them ("收费补习资料费": fees).
# The water company ("自来水公司乱收费") is a firm, not its water, and a charge for the
# water or its connection ("自来水费", "自来水安装费") is a fee, not the supply.
_NOT_BEFORE: Final = {
    "拖欠": "违约金|赔偿|[^，。！？、]{0,2}(?:电费|水费|燃气费|物业费|房租|租金)",
    "收取": "补课|补习(?!资料)",
    "收费": "补课|补习(?!资料)",
    "自来水": "公司|[^，。！？、]{0,3}费",
    "供水": "公司|[^，。！？、]{0,3}费",
}
# A plant whose workers' pay or jobs a title names ("搅拌站司机讨薪", "搅拌站拖欠工人工资",
# "搅拌站招工") is their employer, not the object its neighbours write about: the title's
# kind is the wages, and a title naming the plant alone ("请求取缔宏基搅拌站") is another
# matter of it (``claims_differ``).
_PLANT_EMPLOYS: Final = "[^，。！？、 ]{0,4}(?:讨薪|工资|欠薪|工钱|拖欠|招工|招聘|社保)"
_NOT_BEFORE.update(dict.fromkeys(CLAIM_KINDS["mixing_plant"], _PLANT_EMPLOYS))
# A fee the writer says was paid ("交了物业费电梯还是坏", "按时缴纳物业费却没人管") is what
# the writer did, not what is complained of: the problem is the title's other words; a
# fee refused ("拒交物业费") is still the fee's dispute.
# Each guard is what comes right before the word (fixed width), looked at from the word's
# end: a pattern that looks behind a word's start can no longer skip to where a word's
# first character is, and that made reading every title two to six times slower.
_NOT_AFTER: Final[dict[str, tuple[str, ...]]] = {"物业费": ("[^拒][交缴]", "[交缴][了纳过\\s]")}
# Kinds and words read from real letters (``claim_words``), with their guards.
_KIND_OF_WORD.update(claim_words.KIND_OF_WORD)
_NOT_BEFORE.update(claim_words.NOT_BEFORE)
_NOT_AFTER.update(claim_words.NOT_AFTER)


def _as_in_topic(word: str) -> tuple[str, str]:
    """A kind's word as a ``topic`` holds it, and its pattern: folded ("什么时候交房" is
    "什幺时候交房" there), without the topic's noise ("淹了" is "淹" at a piece's end,
    "麻将馆扰民" is "麻 馆扰民", "何时交房" is a piece "交房"), as a title
    holding the word reads. Before, a word holding noise was never read."""
    folded = fold(word)
    seen = topic(folded)
    if seen == folded:
        return seen, re.escape(seen)
    pieces = seen.split(" ")
    cut_before, cut_after = not folded.startswith(pieces[0]), not folded.endswith(pieces[-1])
    # What is left of "何时交房" is a piece of its own: "交房后发现质量问题" is no late one.
    whole = cut_before and len(seen) <= 2
    return seen, (
        ("(?<![^ ])" if cut_before else "")
        + re.escape(seen)
        + ("(?![^ ])" if cut_after or whole else "")
    )


_IN_TOPIC: Final = {word: _as_in_topic(word) for word in _KIND_OF_WORD}
#: Each word's kind by the word as a topic holds it.
_FOLDED_KIND: Final = {_IN_TOPIC[word][0]: kind for word, kind in _KIND_OF_WORD.items()}
#: Each word's pattern (its guards around it), longest first, the order in which the
#: words are tried where several begin (``_claim_words``): their alternation, a pattern
#: of some 700 words, would find what ``_claim_words`` finds.
_CLAIM_WORD_BRANCHES: Final = tuple(
    (
        _IN_TOPIC[w][0],
        _IN_TOPIC[w][1]
        + "".join(f"(?<!{before}{re.escape(_IN_TOPIC[w][0])})" for before in _NOT_AFTER.get(w, ()))
        + (f"(?!{_NOT_BEFORE[w]})" if w in _NOT_BEFORE else ""),
    )
    for w in sorted(_KIND_OF_WORD, key=lambda w: len(_IN_TOPIC[w][0]), reverse=True)
)

#: A word's branch: its place in the order, the word, and its pattern (None for a word
#: without guards, found wherever it is).
_Branch = tuple[int, str, "re.Pattern[str] | None"]


def _branches_by_word() -> dict[str, tuple[_Branch, ...]]:
    # Each word as a topic holds it, with its branches (two spellings of a word may fold
    # alike, with guards of their own). Only the guarded words' patterns are compiled
    # (about a hundred): each costs the import some 30 us.
    branches: dict[str, list[_Branch]] = {}
    for order, (word, branch) in enumerate(_CLAIM_WORD_BRANCHES):
        pattern = None if branch == re.escape(word) else re.compile(branch)
        branches.setdefault(word, []).append((order, word, pattern))
    return {word: tuple(found) for word, found in branches.items()}


_CLAIM_BRANCHES_OF_WORD: Final = _branches_by_word()
#: Every kind word as a topic holds it, found in one pass (``_claim_words``).
_CLAIM_WORD_AUTOMATON: Final = build_automaton({word: word for word in _CLAIM_BRANCHES_OF_WORD})


def _claim_words(meant: str) -> list[tuple[int, str]]:
    """Where each kind word of a topic (``as_meant``) begins, and the word: what the
    alternation of ``_CLAIM_WORD_BRANCHES`` finds (``finditer``), found faster.

    Speed: that alternation tries each of its words at every character of the topic (a
    quarter of the cost of reading a letter went to it); the automaton finds the few
    words the topic holds in one pass, and only their guards are tried, where they begin.
    As the alternation does, the leftmost word is taken, at one place the first of them in
    its order whose guards hold, and the next is looked for after it."""
    starts: dict[int, list[_Branch]] = {}
    for end, word in _CLAIM_WORD_AUTOMATON.iter(meant):
        starts.setdefault(end - len(word) + 1, []).extend(_CLAIM_BRANCHES_OF_WORD[word])
    found: list[tuple[int, str]] = []
    after = 0
    for start in sorted(starts):
        if start < after:
            continue
        for _, word, pattern in sorted(starts[start], key=lambda branch: branch[0]):
            if pattern is None or pattern.match(meant, start) is not None:
                found.append((start, word))
                after = start + len(word)
                break
    return found


#: A site's works said without one of their words (``claim_words``): the noise of a site or
#: of its works ("金桥北路工地噪音", "道路施工噪声大"), works at night with a word between
#: ("凌晨还在施工", "半夜还在开挖"): building works, as "夜间施工" is. Not of a plant
#: (``OBJECTS``: "搅拌站夜间施工" is the plant's).
_WORKS_RE: Final = re.compile(
    "(?:施工|工地|工程)[^ ]{0,2}(?:噪|燥音|躁音)"
    "|(?:夜间|夜里|晚上|半夜|凌晨|深夜|通宵)[^ ]{0,3} ?(?:施工|开挖|作业)"
)

#: Kinds said in words with others between, each read as its kind's words are (``claims``):
#:
#: * a hand-over an authority is asked to press the developer for ("请求县住建局督促枫澜御园
#:   交房", "责令开发商交付房屋"): the homes not handed over, a late hand-over;
#: * a concrete firm's noise or dust ("关于宏基混凝土公司噪音污染的投诉"): its plant's, as
#:   "搅拌站噪音" is (not its drivers' wages: "宏基混凝土公司拖欠罐车司机工资" names none);
#: * a bus route cancelled, stopped or to be restored ("318路公交车为什么取消了", "318路停运
#:   没有征求市民意见", "关于撤销318路公交的意见", "恢复318公交", "318路何时恢复", "公交
#:   停运"): the route's course, as "请求恢复318路公交线路" reads. Not a stop's ("公交站
#:   取消", "请求恢复156路梨园坡站点", "呼吁将M市3路、20路公交车恢复新卫校车站": its stop).
#: A bus or a route by its number, not its stop.
_BUS: Final = "(?:公交(?!车?站)|[0-9]+路|巴士)"
_SPELLED_OUT: Final = (
    (
        re.compile(
            f"(?:{_BUS}[^，。！？站]{{0,8}}(?:取消|停运|撤销|撤线|停开|停线)"
            f"|(?:取消|停运|撤销|撤掉|撤除|恢复|停开)[^，。！？站]{{0,6}}{_BUS}"
            f"|{_BUS}[^，。！？站]{{0,6}}恢复)(?![^，。！？]{{0,8}}站)"
        ),
        "bus_course",
    ),
    (
        re.compile("(?:督促|责令|敦促|催促)[^ ]{0,12}(?:交房|交付房屋)"),
        "late_handover",
    ),
    (
        re.compile("(?:混凝土|商砼)(?:有限)?公司[^ ]{0,4}(?:噪|燥音|污染|粉尘|扬尘|灰尘)"),
        "mixing_plant",
    ),
)

#: The buyers' worry, in a title naming the site's workers' wages ("锦汀府农民工来要工资，
#: 业主更担心了"): the writer is a buyer fearing for the home the unpaid site may never
#: finish, the late hand-over, not a worker asking for pay (``claims``). No real title
#: (dev and unlabelled letters) names wages with owners or buyers at all.
_OWNERS_WORRY_RE: Final = re.compile(
    "(?:业主|购房者|购房户|买房人|买房户)[^，。！？]{0,4}(?:担心|担忧|揪心|心慌|害怕|焦虑|不安)"
)

#: What a family's name starts with among a title's kinds (``claims``).
FAMILY: Final = "family:"
_FAMILIES_OF_KIND: Final[dict[str, frozenset[str]]] = {
    kind: frozenset(
        FAMILY + family for family, (kinds, _) in claim_words.FAMILIES.items() if kind in kinds
    )
    for kinds, _ in claim_words.FAMILIES.values()
    for kind in kinds
}
_FAMILIES_OF_WORD: Final[dict[str, frozenset[str]]] = {
    _IN_TOPIC[word][0]: frozenset(
        FAMILY + family for family, (_, words) in claim_words.FAMILIES.items() if word in words
    )
    for _, words in claim_words.FAMILIES.values()
    for word in words
}


#: What a cached reading of a title returns when it finds nothing: one set for all (an
#: empty set is no singleton, and would take 216 bytes of each cache entry).
_NOTHING: Final[frozenset[str]] = frozenset()


@lru_cache(maxsize=16_384)
def claims(topic_text: str) -> frozenset[str]:
    """The ``CLAIM_KINDS`` a title's ``topic`` names ("南大门市场个体户占道经营 偷电":
    encroachment and power theft). Cached as ``topic_grams``, twice as many: at eight
    thousand a bench's lookups missed three times as often (10,202 misses in 3,000
    lookups of 20,000 cases, 3,095 at sixteen), each letter's own new clauses pushing the
    candidates' topics out.

    With them the families of kinds they are of (``claim_words.FAMILIES``, "family:gas"):
    one problem at one place whichever of its kinds each title names ("映月台小区天然气迟迟
    不通", "映月台业主重复交燃气费"), so two titles naming two kinds of one family share
    their family as titles naming one kind share it."""
    meant = as_meant(topic_text)
    words = [word for _, word in _claim_words(meant)]
    kinds = frozenset(_FOLDED_KIND[word] for word in words)
    if "building_works" not in kinds and kinds.isdisjoint(OBJECTS) and _WORKS_RE.search(meant):
        kinds |= {"building_works"}
    for pattern, kind in _SPELLED_OUT:
        if kind not in kinds and pattern.search(meant):
            kinds |= {kind}
    if "wages" in kinds and _OWNERS_WORRY_RE.search(meant):
        kinds = (kinds - {"wages"}) | {"late_handover"}
    families = [_FAMILIES_OF_KIND[k] for k in kinds if k in _FAMILIES_OF_KIND]
    families += [_FAMILIES_OF_WORD[w] for w in words if w in _FAMILIES_OF_WORD]
    if not kinds:
        return _NOTHING
    return kinds.union(*families) if families else kinds


@lru_cache(maxsize=8_192)
def without_families(kinds: frozenset[str]) -> frozenset[str]:
    """``kinds`` (of ``claims``) without the families they are of. Cached: scoring asks it
    of the kinds of each candidate's title, a few times each, and ``claims`` hands out
    the same sets again (a set's hash is computed once)."""
    return frozenset(k for k in kinds if not k.startswith(FAMILY))


@lru_cache(maxsize=8_192)
def main_claim(topic_text: str) -> str:
    """The kind a title's ``topic`` names first, what it is mainly about ("滨江御景园不买
    车位就不给办房产证": parking, the certificates held back for it), or the family it is
    of (``claims``: "family:gas"); "" for none."""
    found = _claim_words(as_meant(topic_text))
    if not found:
        return ""
    word = found[0][1]
    kind = _FOLDED_KIND[word]
    # A kind of a family is its family's (``claims``): a matter of an estate's gas charges
    # is about its gas, which a title on the gas not connected names too.
    families = _FAMILIES_OF_KIND.get(kind) or _FAMILIES_OF_WORD.get(word)
    return min(families) if families else kind


#: What ends a clause of a title: a list ("油烟、污水、噪音") is one clause.
_CLAUSE_END_RE: Final = re.compile(r"[，,；;。！？!?\s]+")


def main_clause_claims(folded_title: str, region_names: tuple[str, ...] = ()) -> frozenset[str]:
    """The ``CLAIM_KINDS`` named in the clause of a title (``topic``-ed as the whole) that
    names its first: what it is mainly about with what that clause ties to it ("不买车位就
    不给办房产证": parking and the certificates held for it), not what a clause of its own
    adds ("金桥市场停车难，商贩占道经营": parking alone)."""
    for clause in _CLAUSE_END_RE.split(folded_title):
        found = claims(topic(clause, region_names))
        # The buyers' worry in another clause is what the wages are to them (``claims``).
        if "wages" in found and _OWNERS_WORRY_RE.search(as_meant(folded_title)):
            return (found - {"wages"}) | {"late_handover"}
        if found:
            return found
    return frozenset()


#: Kinds of problem of a whole area, not of one source in it: a subdistrict's or a town's
#: power or water cut is one matter of the area, however many residents write.
AREA_WIDE_KINDS: Final = frozenset({"supply_cut", "water_cut"})


def area_wide(shared: frozenset[str]) -> bool:
    """Whether the kinds two titles share (``shared``) are all of a whole area."""
    kinds = without_families(shared)
    return bool(kinds) and kinds <= AREA_WIDE_KINDS


def first_claim_at(topic: str) -> int:
    """Where the first kind word of a ``topic`` begins (``claims``), -1 for none."""
    found = _claim_words(as_meant(topic))
    return found[0][0] if found else -1


def claims_differ(ours: frozenset[str], theirs: frozenset[str]) -> bool:
    """Whether two titles name problems of different kinds: each names one or more
    ``CLAIM_KINDS`` and they share none. A title naming none ("花卉大道存在的几点问题")
    says nothing against the other."""
    return bool(ours) and bool(theirs) and ours.isdisjoint(theirs)


#: The kinds of problem of one building or one part of an estate (its lift, a leak in its
#: roof, its garage, its pipes): one kind at one estate is as many matters as the
#: buildings and parts the titles name (``parts_differ``).
#: A building's quality (``claim_words.FAMILIES``), its leaks among it, is a building's too.
PART_KINDS: Final = frozenset({"lifts", "leaks", "lift_addition", "family:quality"})
#: A building of an estate as a title names it ("8栋", "12号楼", "三单元"), by its number.
_BUILDING_RE: Final = re.compile("([0-9]+|[一二三四五六七八九十]+)(?:栋|幢|号楼|座|单元)")
#: Parts of an estate a leak or a lift is in, each by its words.
_PART_WORDS: Final = {
    "garage": ("车库", "地下室", "车位"),
    "roof": ("顶楼", "楼顶", "屋顶", "屋面", "顶层", "漏雨"),
    "wall": ("外墙", "墙体", "墙面"),
    "pipe": ("水管", "管道", "排水管", "立管", "下水"),
    "neighbour": ("楼上", "邻居"),
}
_PART_RE: Final = re.compile("|".join(w for ws in _PART_WORDS.values() for w in ws))
_PART_OF_WORD: Final = {w: part for part, ws in _PART_WORDS.items() for w in ws}


@lru_cache(maxsize=8_192)
def _buildings(topic_text: str) -> frozenset[str]:
    # The buildings a title names, by number (``_BUILDING_RE``). Cached, as ``_parts``:
    # scoring compares the letter's title with each candidate's, the newest again and again.
    found = _BUILDING_RE.findall(topic_text)
    return frozenset(found) if found else _NOTHING


@lru_cache(maxsize=8_192)
def _parts(topic_text: str) -> frozenset[str]:
    # The parts of an estate a title names (``_PART_WORDS``).
    found = _PART_RE.findall(topic_text)
    return frozenset(_PART_OF_WORD[w] for w in found) if found else _NOTHING


def parts_differ(our_topic: str, their_topic: str) -> bool:
    """Whether two titles name different buildings of an estate ("8栋电梯", "3栋电梯"), or,
    naming none or one, different parts of it ("车库渗水", "7栋外墙渗水"): two objects."""
    ours = _buildings(our_topic)
    theirs = _buildings(their_topic)
    if ours and theirs:
        return ours.isdisjoint(theirs)
    our_parts = _parts(our_topic)
    their_parts = _parts(their_topic)
    return bool(our_parts) and bool(their_parts) and our_parts.isdisjoint(their_parts)


def same_buildings(our_topic: str, their_topic: str) -> bool:
    """Whether two titles name the same buildings of an estate, or neither names one: a
    title naming none ("滨江天著电梯关人") may be about any building's lift."""
    return _buildings(our_topic) == _buildings(their_topic)


def as_one_nuisance(kinds: frozenset[str]) -> frozenset[str]:
    """``kinds`` with every one of ``NUISANCES`` as one kind ("nuisance"): what two letters
    about one facility name (``place_agreement.facility_of_either_title``)."""
    if kinds.isdisjoint(NUISANCES):
        return kinds
    return (kinds - NUISANCES) | {"nuisance"}


#: Words of a developer's forcing buyers to buy a parking space with their home
#: ("强制捆绑销售车位", "强卖车位", "被迫买车位"): with parking named, one wrong with one
#: remedy at an estate, narrower than parking (its shortage, its fees, a blocked lane).
FORCED_SALE_WORDS: Final[tuple[str, ...]] = (
    "强卖", "强制购买", "强制买", "强制销售", "强制捆绑", "捆绑销售", "捆绑车位", "车位捆绑",
    "绑定车位", "捆绑购买", "搭售", "被迫买", "被迫购买", "房位一体",
)  # fmt: skip
#: Words of forcing anything ("强迫业主交停车费": a fee), a forced sale only when buying
#: or selling follows within a few characters ("强迫业主买车位", "逼迫业主购买车位").
FORCING_WORDS: Final[tuple[str, ...]] = ("强迫", "逼迫", "强制消费")
_FORCED_SALE_RE: Final = re.compile(
    "|".join(
        [re.escape(w) for w in FORCED_SALE_WORDS]
        + [f"{re.escape(w)}[^，。,；;！!？?]{{0,4}}?(?:买|购|销售|卖)" for w in FORCING_WORDS]
    )
)
#: A title about a fee, a rent or a parking card ("强制捆绑收取车位管理费", "车位只租不售",
#: "强迫办停车卡") is about parking's charges, not a sale forced on buyers.
#: A title on parking's charges, or on a sale by an agent ("中介捆绑销售滨江御景园车位",
#: "滨江御景园车位代理公司强制推销"): the agent's terms, not the developer's forcing.
_NOT_A_SALE_RE: Final = re.compile("费|租|停车卡|中介|代理|经纪")


def one_matter_kind(shared: frozenset[str], topics: tuple[str, ...]) -> str:
    """The kind, of ``shared`` (the kinds the titles ``topics`` have in common), so narrow
    that titles naming it of one estate are one matter: an object (``OBJECTS``, beside the
    estate), or parking forced on buyers, every title saying so ("滨江御景园强制捆绑销售
    车位", "请求查处滨江御景园强卖车位行为"); "" when none is."""
    objects = shared & OBJECTS
    if objects:
        return min(objects)
    if "parking" in shared and all(
        _FORCED_SALE_RE.search(t) and not _NOT_A_SALE_RE.search(t) for t in topics
    ):
        return "forced_parking_sale"
    return ""


# --- A letter's subject: one concrete object at one estate (issue 13, the twelfth session).
#
# Residents of one estate write about one plant beside it, one building's restaurants'
# fumes, one developer's forcing parking spaces on its buyers, in words that share little
# (titles naming the road the trucks ruin, or nothing: "还我们一个能睡觉的家！"). The estate
# and the object both letters are mainly about say they are one matter where the text
# cannot (``features.letter_subject``, ``scoring``).

#: The objects a subject names, each by the words that name it in a letter.
SUBJECT_PLANT: Final = "搅拌站"
SUBJECT_FUMES: Final = "油烟"
SUBJECT_FORCED_PARKING: Final = "强卖车位"
#: A building site beside the estate, its works (at night above all), its piling, its noise
#: and dust ("希望相关部门治理A3区中海国际社区一期旁边工地的噪音问题", "B9市欧洲城小区
#: 工地夜晚施工噪声污染严重", "谷丰路咸嘉新村对面楚腾琴岛楼盘最近天天夜间通宵施工，
#: 搅拌机和打桩机的声音太大"); and a refuse station by it, its smell, its flies, its site
#: ("A5区佳园星城小区居民反对附近修建垃圾中转站", "反映A5区井莲路369号佳园星城垃圾站
#: 问题", "请求撤掉K4县九龙时代广场小区的生活垃圾收集站"): objects as the plant is.
SUBJECT_SITE: Final = "工地"
SUBJECT_REFUSE: Final = "垃圾站"
#: Facilities whose neighbours of one estate (one road, one line) write of them together
#: (issue 13, the twenty-third session): a substation or a transformer room ("反对将星沙
#: 公园改作变电站", "强烈反对A市规划局在嘉宇中央C8栋后面建大型变电站", "投诉F9市富豪名城
#: 小区违规安装变电站"); a high-voltage line, its towers and poles ("反映关于黄星大道高压线
#: 辐射问题", "月亮岛路沿线架设110千伏高压电线杆"); a telecom base station or signal tower
#: ("B2区经世皇城小区业主反对建违法基站", "请求拆除A市理工大学云塘校区东门移动发射基站"):
#: a substation and a base station at one estate are two objects, as are a substation and
#: the line that feeds it. A railway beside an estate, its trains' noise and whistles ("投诉
#: 石长铁路火车夜晚鸣笛扰民", "反映J11市鲤鱼江铁路晚上火车鸣笛噪声问题", "绿地海外滩小区
#: 距长赣高铁最近只有30米不到"). A factory or workshop polluting its neighbours ("升振铝材
#: 工厂（噪音、黑烟、臭味）扰民"); a livestock farm's smell and waste ("K4县大庙口镇湾里村
#: 养猪场臭气熏天"); a sewage plant's smell ("反映G市德山污水处理厂的臭气排放问题"): three
#: objects, none the refuse station (an incinerator of refuse is the station's, as its words
#: in ``claim_words`` say).
SUBJECT_SUBSTATION: Final = "变电站"
SUBJECT_POWER_LINE: Final = "高压线"
SUBJECT_BASE_STATION: Final = "基站"
SUBJECT_RAIL: Final = "铁路"
SUBJECT_FACTORY: Final = "工厂"
SUBJECT_FARM: Final = "养殖场"
SUBJECT_SEWAGE: Final = "污水厂"
#: An elevated road or an expressway beside an estate, its traffic's noise day and night
#: ("万家丽高架车辆噪音扰民", "绕城高速噪音影响龙湾小区"): its neighbours' object, one at each
#: estate along it (another estate's stretch is another matter, as a railway's is).
SUBJECT_ROAD: Final = "高架"
#: The words of each facility.
_SUBSTATION_WORDS: Final = (
    "变电站|变电所|变电房|配电房|配电站|配电室|箱变|箱式变|变压器|变压站|变压房|开闭所"
)
#: A line is high-voltage, or of its voltage ("110千伏", "220kv"); a pole of a street's
#: wires ("电线杆倒了") is not.
_POWER_LINE_WORDS: Final = (
    "高压线|高压电线|高压电缆|高压电塔|高压铁塔|高压塔|高压走廊|高压输电|输电线|输电塔|架空线"
    "|[0-9]{2,3}(?:千伏|kv|KV|kV)[^，。,；;！!？?]{0,6}(?:线|杆|塔|电缆)"
)
#: A base station by its words; the tower company's ("铁塔公司") its owner.
#: Typed by sound as "机站" ("在楼顶建机站"), not a machinery's or a pump's (``_TYPOS``).
_BASE_STATION_WORDS: Final = (
    "基站|(?<![农电水灌])机站|信号塔|发射塔|通信塔|通讯塔|信号发射|移动塔|电信塔|联通塔"
)
_RAIL_WORDS: Final = "铁路|高铁|轻轨|火车|(?<!电)动车|城际|列车|铁轨|货运线"
_ROAD_WORDS: Final = "高架|高速公路|高速路|绕城高速|环城高速|快速路"
_FACTORY_WORDS: Final = (
    "工厂|厂房|厂区|加工厂|化工厂|化工企业|小作坊|作坊|(?:铝材|木材|石材|钢材|塑料|橡胶|皮革|印染"
    "|电镀|造纸|铸造|冶炼|饲料|家具|沥青|石灰|化肥|有机肥|肥料|农药|制药|玻璃|陶瓷|油漆|涂料|五金|机械|板材"
    "|铝型材|砖|钢|铝|铁|漆|纸)厂"
)
#: A slaughterhouse is one too: its smell, its blood and waste water ("新港小区旁屠宰场臭味大";
#: "是小区北面的污水处理厂和屠宰场的双重夹击，所以才这么臭").
_FARM_WORDS: Final = (
    "养殖场|养猪场|猪场|养鸡场|鸡场|养鸭场|鸭场|养牛场|牛场|猪栏|生猪养殖|畜禽养殖|养猪"
    "|屠宰场|屠宰厂"
)
_SEWAGE_WORDS: Final = "污水处理厂|污水厂|污水处理站|污水泵站"
#: A restaurant's fumes in the words residents use: its oil smoke, its exhaust, the smoke
#: that fills their homes, the fumes that choke them ("饭店排烟问题", "楼下烧烤天天烟熏火燎",
#: "楼下龙虾馆太呛人了"); of a restaurant only (``subject_object``).
_FUMES_WORDS: Final = "油烟|油湮|排烟|烟熏|呛人|呛得|呛鼻"
_SUBJECT_WORD_RES: Final[dict[str, re.Pattern[str]]] = {
    SUBJECT_PLANT: re.compile("|".join(CLAIM_KINDS["mixing_plant"]) + "|混凝土搅拌"),
    SUBJECT_FUMES: re.compile(_FUMES_WORDS),
    # Forcing a parking space on a buyer: the title's forced-sale words, or a space the
    # buyer must buy or sign for before the keys or the hand-over ("不买车位就不给交房",
    # "必须同时签一个车位合同", "要先认购车位，不然钥匙不给", "以车位要挟业主").
    SUBJECT_FORCED_PARKING: re.compile(
        _FORCED_SALE_RE.pattern
        + "|不买车位|先(?:交|认购|购买?|买|签)[^，。,；;！!？?]{0,4}车位"
        + "|必须[^，。,；;！!？?]{0,8}车位|车位(?:绑定|捆绑|要挟)"
        + "|(?:绑定|要挟|逼)[^，。,；;！!？?]{0,6}车位"
        + "|只售不租|只卖不租|拒绝出租|不租只卖|不租只售|只出售车位不出租"
    ),
    # A site by its name, its piling rigs, its works at night or round the clock.
    SUBJECT_SITE: re.compile(
        "工地|打桩|桩机|"
        + "|".join(claim_words.CLAIM_WORDS["building_works"])
        + "|(?:昼夜|24小时|二十四小时|通宵)[^，。,；;！!？?]{0,4}施工"
    ),
    # A station by its words, or the pit and the room residents call it by ("该垃圾池为
    # 地埋式垃圾池", "小区的生活垃圾收集站及垃圾处理房").
    # Not a parcel firm's or a freight depot ("快递转运站": ``claim_words.NOT_AFTER``).
    SUBJECT_REFUSE: re.compile(
        "|".join(
            "".join(f"(?<!{before})" for before in claim_words.NOT_AFTER.get(word, ())) + word
            for word in claim_words.CLAIM_WORDS["refuse_station"]
        )
        + "|垃圾池|垃圾房|垃圾压缩"
    ),
    SUBJECT_SUBSTATION: re.compile(_SUBSTATION_WORDS),
    SUBJECT_POWER_LINE: re.compile(_POWER_LINE_WORDS),
    SUBJECT_BASE_STATION: re.compile(_BASE_STATION_WORDS),
    SUBJECT_RAIL: re.compile(_RAIL_WORDS),
    SUBJECT_FACTORY: re.compile(_FACTORY_WORDS),
    SUBJECT_FARM: re.compile(_FARM_WORDS),
    SUBJECT_SEWAGE: re.compile(_SEWAGE_WORDS),
    SUBJECT_ROAD: re.compile(_ROAD_WORDS),
}
#: The kinds of problem (``CLAIM_KINDS``) a title may name and still be about the object:
#: a plant's noise, dust, waste water and permits; fumes' smell and a fan's noise; the
#: parking space (a title naming the certificate or the late hand-over held back for it
#: names the forced sale itself: "不买车位就不给办房产证"). A title naming another
#: ("丽景新苑物业费上涨", "金地花园小区房产证事宜") is about that, whatever its text says
#: of the object in passing.
_SUBJECT_TITLE_KINDS: Final[dict[str, frozenset[str]]] = {
    SUBJECT_PLANT: frozenset({"noise", "pollution", "illegal_building", "mixing_plant"}),
    SUBJECT_FUMES: frozenset({"noise", "pollution"}),
    SUBJECT_FORCED_PARKING: frozenset({"parking"}),
    SUBJECT_SITE: frozenset({"noise", "pollution", "building_works"}),
    SUBJECT_REFUSE: frozenset({"noise", "pollution", "refuse_station"}),
    # A facility's noise, its smoke and smell, its being built against the rules; the
    # substation and the base station by their own kinds too (``estate_kinds``).
    SUBJECT_SUBSTATION: frozenset({"noise", "illegal_building", "substation"}),
    # A line asked moved ("高压线改线入地": the kind of a bus line's new course).
    SUBJECT_POWER_LINE: frozenset({"noise", "illegal_building", "bus_course"}),
    SUBJECT_BASE_STATION: frozenset({"noise", "illegal_building", "mast"}),
    SUBJECT_RAIL: frozenset({"noise"}),
    SUBJECT_FACTORY: frozenset({"noise", "pollution"}),
    SUBJECT_FARM: frozenset({"noise", "pollution"}),
    SUBJECT_SEWAGE: frozenset({"noise", "pollution"}),
    SUBJECT_ROAD: frozenset({"noise"}),
}
#: Words of the object a title may name instead of it: the plant's trucks, sand, cement
#: and works ("混凝土车把丽景路压烂了", "小区门口的砂石料场", "小区旁建材厂"); the
#: restaurants ("关于枫林雅筑商铺改餐饮的投诉"); the parking space.
_SUBJECT_TITLE_WORD_RES: Final[dict[str, re.Pattern[str]]] = {
    SUBJECT_PLANT: re.compile("搅拌|搅伴|混凝土|砼|罐车|砂石|水泥|建材"),
    # Of fumes, the fumes themselves: a title naming a restaurant and its noise
    # ("枫林雅筑楼下烧烤店噪音扰民") or its alteration ("楼下餐馆违规改造") is about that.
    SUBJECT_FUMES: re.compile(_FUMES_WORDS),
    SUBJECT_FORCED_PARKING: re.compile("车位"),
    # Of a site, its works, its piling, its rigs ("施工噪音扰民", "楼盘天天打桩"); not its
    # trucks (their muck on the road, the road they break: another matter).
    SUBJECT_SITE: re.compile("工地|施工|打桩|桩机|泵车|塔吊|挖机|浇筑|楼盘"),
    # Of a station, the station or its smell and flies ("小区旁垃圾臭气熏天").
    SUBJECT_REFUSE: re.compile(
        "垃圾站|垃圾中转|垃圾收集|垃圾转运|垃圾处理|垃圾池|垃圾房|压缩站|垃圾场|垃圾填埋"
        "|垃圾焚烧|臭|苍蝇|蚊蝇"
    ),
    # Of the power facilities and the base station, the facility itself or its radiation
    # ("小区旁边辐射太大"): its noise alone may be of anything.
    SUBJECT_SUBSTATION: re.compile(_SUBSTATION_WORDS + "|电力设施|辐射|福射"),
    SUBJECT_POWER_LINE: re.compile(_POWER_LINE_WORDS + "|电线杆|电塔|铁塔|千伏|辐射|福射"),
    SUBJECT_BASE_STATION: re.compile(_BASE_STATION_WORDS + "|辐射|福射"),
    # Of a railway, its trains, their whistles, the barrier against them.
    SUBJECT_RAIL: re.compile(_RAIL_WORDS + "|鸣笛|汽笛|声屏障|隔音屏|隔音墙"),
    # Of a factory, the factory or its smoke and smell ("小区旁边天天冒黑烟").
    SUBJECT_FACTORY: re.compile(_FACTORY_WORDS + "|黑烟|浓烟|废气|臭|异味|刺鼻|偷排"),
    SUBJECT_FARM: re.compile(_FARM_WORDS + "|臭|粪"),
    SUBJECT_SEWAGE: re.compile(_SEWAGE_WORDS + "|臭"),
    # Of an elevated road or an expressway, the road or the barrier against its noise.
    SUBJECT_ROAD: re.compile(_ROAD_WORDS + "|声屏障|隔音屏|隔音墙|隔音板"),
}
#: Noise and its nuisance as residents type them by sound (``_TYPOS``): a neighbours' wrong
#: of every facility below; radiation ("福射") a power facility's or a railway's.
_NOISE_TYPED: Final = "燥音|躁音|燥声|躁声|饶民"
#: A site's neighbours' wrongs: its noise, its dust, its works at hours of rest, its
#: shaking; a letter naming a site and none of them is about something else of it.
_SITE_NUISANCE_RE: Final = re.compile(
    _NOISE_TYPED + "|噪|吵|扰民|扰名|睡|休息|夜间|夜晚|夜里|晚上|半夜|深夜|凌晨|通宵|昼夜"
    "|24小时|粉尘|扬尘|灰尘"
    "|尘土|震|轰|打桩|桩机|声音|声响"
)
#: A site's other matters, in the sentence or title naming it: its workers' wages, its
#: trucks' muck and the road they break, a buyer's own flat (its quality, its hand-over,
#: its works stopped), its sale, an accident ("工地拖欠农民工工资", "渣土车把路压坏了",
#: "美麓阳光住宅楼无故停工以及质量问题").
_SITE_OWN_AFFAIR_RE: Final = re.compile(
    "工资|欠薪|薪酬|农民工|民工|工钱|渣土车|泥头车|压坏|压烂|压垮|路面破|房屋质量|工程质量|住房质量|裂缝|漏水|"
    "交房|烂尾|停工|"
    "销售|售楼|购房|买房|房价|定金|事故|死亡|受伤|摔伤|招工|招聘"
)
#: A station's neighbours' wrongs or their asking it away or not built; a letter naming
#: one and none of them is about its sorting, its staff or a developer's sale.
_REFUSE_NUISANCE_RE: Final = re.compile(
    "臭|味|苍蝇|蚊|蝇|鼠|污染|卫生|污水|噪|吵|反对|搬|撤|迁|拆除|选址|不要|不应|影响"
)
_REFUSE_OWN_AFFAIR_RE: Final = re.compile("垃圾分类|虚假宣传|环卫工|工资|招聘|承包")
#: A distance in metres, said exactly or roughly ("只有20米", "只有二十来米", "三十多米").
_METRES: Final = "[0-9一二三四五六七八九十几]+(?:来|多|余)?米"
#: Of each facility, its neighbours' wrongs and its other matters.
#: A power facility's or a base station's neighbours' wrongs: its radiation, its hum, its
#: danger, its being too close ("距离小区只有十几米"), built against the rules, or their
#: asking it moved, put underground or not built ("反对", "搬迁", "改线", "入地", "选址").
_POWER_NUISANCE_RE: Final = re.compile(
    _NOISE_TYPED + "|辐射|福射|电磁|噪|嗡嗡|吵|扰民|睡|休息|安全|隐患|危险|危害|健康|致癌|太近|很近"
    f"|离[^，。,；;！!？?]{{0,8}}{_METRES}|距[^，。,；;！!？?]{{0,10}}{_METRES}"
    f"|不足{_METRES}|只有{_METRES}|反对|抗议|搬迁|搬走|迁走"
    "|迁移|改线|改道|入地|下地|选址|拆除|拆掉|撤除|停建|不要建|违规|违法|违章|私自"
)
#: Its own other matters: the land it stands on and what is paid for it, a bill or a cut of
#: the supply, a job, the tower company's rent, a mobile signal wanted ("信号差").
_POWER_OWN_AFFAIR_RE: Final = re.compile(
    "补偿|赔偿|征地|占地费|青苗|租金|租赁|场地费|电费|电价|停电|断电|限电|跳闸|电压不稳|电压低"
    "|工资|招聘|招工|信号差|信号不好|没有信号|无信号|信号弱|网速|话费|套餐|宽带|通电|送电|接电|供电"
    "|用电|电表"
)
#: A railway's neighbours' wrongs: its trains' noise, whistles, shaking, its being close,
#: a barrier against it asked, a line opposed.
_RAIL_NUISANCE_RE: Final = re.compile(
    _NOISE_TYPED + "|噪|鸣笛|汽笛|鸣长笛|喇叭|吵|扰民|睡|休息|震|振动|轰|隔音|声屏障|太近|很近"
    f"|只有{_METRES}|{_METRES}不到|不足{_METRES}|反对|辐射|福射"
)
#: Its own other matters: a station's buses, tickets, trains asked for, the line asked
#: built, its crossings' traffic, the land taken for it.
_RAIL_OWN_AFFAIR_RE: Final = re.compile(
    "车站|铁站|动车站|城际站|站前|公交|车票|售票|票价|购票|客运|趟次|班次|开通|(?:尽快|早日|加快)(?:修建|建设|建成|开通|通车"
    "|动工|开工)|道口|平交|拆迁|征地|征收|补偿|宿舍|改扩建|黑的|的士|出租车|乘车|乘客"
    "|积水|桥下|涵洞|下穿|铁路桥"
)
#: An elevated road's or an expressway's neighbours' wrongs: its traffic's noise, its
#: shaking, its being close, a barrier against it asked.
_ROAD_NUISANCE_RE: Final = re.compile(
    f"{_NOISE_TYPED}|噪|吵|扰民|睡|休息|震|振动|轰|隔音|声屏障|太近|很近|只有{_METRES}|{_METRES}不到|不足{_METRES}"
)
#: Its own other matters: the space under it (its parking, its fees), its traffic's jams
#: and accidents, its ramps and exits, its tolls, its building and the land taken for it,
#: its lights and its surface ("万家丽高架桥下乱停车", "绕城高速龙湾收费站收费不合理").
_ROAD_OWN_AFFAIR_RE: Final = re.compile(
    "停车|桥下|收费|拥堵|堵车|出口|入口|匝道|限速|事故|尽快开通|早日开通|修建|建设|征地|征收|补偿|拆迁"
    "|积水|涵洞|路灯|照明|破损|坑洼|维修|公交"
)
#: A factory's, a farm's or a sewage plant's neighbours' wrongs: its noise, smoke, smell,
#: waste water; their asking it closed or moved.
_WORKS_NUISANCE_RE: Final = re.compile(
    _NOISE_TYPED + "|噪|轰鸣|吵|扰民|睡|休息|黑烟|浓烟|烟尘|粉尘|灰尘|臭|异味|气味|味道|刺鼻"
    "|废气|废水|污水|排污|偷排"
    "|直排|污染|粪|蚊蝇|苍蝇|关停|取缔|搬迁|搬走|反对"
)
#: Its own other matters: its workers' wages and jobs, the land and what is paid for it,
#: its sale or its restructuring, the safety of its own works (its tanks, its dangerous
#: chemicals, its workers' training: "化工厂安全生产隐患", the safety inspectors' matter).
_WORKS_OWN_AFFAIR_RE: Final = re.compile(
    "工资|欠薪|薪酬|工钱|招工|招聘|社保|工伤|裁员|解雇|辞退|劳动合同|职工|退休|下岗|改制|转制|破产"
    "|征地|补偿|赔偿|租金|承包|补贴|扶持|贷款|拆除不公|执照|营业执照|办证|出租|出售|转让|招租"
    "|安全生产|安全管理|储罐|危化品|危险化学品|安监"
)
#: The objects a letter's title names a word of (``_SUBJECT_TITLE_WORD_RES``) whenever it
#: is about them: fumes (a restaurant's letters are as often about its noise), and the
#: facilities whose words a letter on something else names in passing (a tunnel's walkway
#: "比铁路还吵", a factory a writer works in).
_TITLED_OBJECTS: Final = frozenset(
    {
        SUBJECT_FUMES,
        SUBJECT_SUBSTATION,
        SUBJECT_POWER_LINE,
        SUBJECT_BASE_STATION,
        SUBJECT_RAIL,
        SUBJECT_FACTORY,
        SUBJECT_FARM,
        SUBJECT_SEWAGE,
        SUBJECT_ROAD,
    }
)
#: Of each facility, its neighbours' wrongs and its other matters.
_FACILITY_AFFAIRS: Final = {
    SUBJECT_SITE: (_SITE_NUISANCE_RE, _SITE_OWN_AFFAIR_RE),
    SUBJECT_REFUSE: (_REFUSE_NUISANCE_RE, _REFUSE_OWN_AFFAIR_RE),
    SUBJECT_SUBSTATION: (_POWER_NUISANCE_RE, _POWER_OWN_AFFAIR_RE),
    SUBJECT_POWER_LINE: (_POWER_NUISANCE_RE, _POWER_OWN_AFFAIR_RE),
    SUBJECT_BASE_STATION: (_POWER_NUISANCE_RE, _POWER_OWN_AFFAIR_RE),
    SUBJECT_RAIL: (_RAIL_NUISANCE_RE, _RAIL_OWN_AFFAIR_RE),
    SUBJECT_FACTORY: (_WORKS_NUISANCE_RE, _WORKS_OWN_AFFAIR_RE),
    SUBJECT_FARM: (_WORKS_NUISANCE_RE, _WORKS_OWN_AFFAIR_RE),
    SUBJECT_SEWAGE: (_WORKS_NUISANCE_RE, _WORKS_OWN_AFFAIR_RE),
    SUBJECT_ROAD: (_ROAD_NUISANCE_RE, _ROAD_OWN_AFFAIR_RE),
}
#: The facilities (``_FACILITY_AFFAIRS``): objects at an estate that are no plant, fumes or
#: parking.
FACILITIES: Final = frozenset(_FACILITY_AFFAIRS)
#: A plant's neighbours' wrongs (its noise, dust, waste water, its work at night; its
#: trucks' mud and the road they ruin; asking it moved away), or its neighbours writing
#: (业主, 居民, 我家): a letter on the plant beside an estate that names
#: none of them is about something else of the plant (its jobs, its land, its tax, an
#: accident of its trucks, its owner's compensation) and is no resident's complaint of it.
_PLANT_NUISANCE_RE: Final = re.compile(
    _NOISE_TYPED + "|噪音|噪声|噪|声音|声响|轰鸣|扰民|粉尘|扬尘|灰尘|尘土|污染|吵|睡不着|休息"
    "|关停|搬走|"
    "迁走|迁出|搬离|取缔|废水|污水|灰大|泥浆|洒落|撒落|压坏|压烂|压得|夜间|晚上|半夜|凌晨"
)
#: Its neighbours writing: residents asking of its permits are complaining of it.
_PLANT_NEIGHBOURS_RE: Final = re.compile("业主|居民|住户|我家|家里|孩子|老人")
#: The plant's land rent, a compensation, an accident of its trucks: a resident writing
#: of them ("我家的地租给搅拌站，租金两年没给", "我家老人被搅拌站的罐车撞倒") is a
#: landlord or a victim, not a neighbour complaining of the plant.
_PLANT_OWN_AFFAIR_RE: Final = re.compile(
    # the words of the affair, not of a resident's life: "租住在小区" is a tenant writing,
    # "罐车横冲直撞" and "交通安全" are the neighbours' complaint of the trucks
    "地租|租金|租地|租给|租用|土地租|补偿|赔偿|车祸|撞倒|撞伤|撞死|被撞|相撞|刮倒|刮伤|"
    "事故|医药费|骨折"
)


def subject_words(obj: str) -> re.Pattern[str]:
    """The words that name an object (``SUBJECT_*``) in a letter."""
    return _SUBJECT_WORD_RES[obj]


def _plant_complained_of(text: str) -> bool:
    """Whether a letter's text names a neighbours' wrong of a plant (``_PLANT_NUISANCE_RE``)
    or its neighbours writing, not of its rent, a compensation or an accident."""
    return _PLANT_NUISANCE_RE.search(text) is not None or (
        _PLANT_NEIGHBOURS_RE.search(text) is not None and _PLANT_OWN_AFFAIR_RE.search(text) is None
    )


def plant_not_complaint(title: str, content: str, by_its_words: bool = False) -> bool:
    """Whether a letter whose title names a plant names none of its neighbours' wrongs
    (``_plant_complained_of``): it is about its jobs, its land, an accident of its trucks.
    ``by_its_words``: a title naming a word of it is enough ("丽发新城门口搅拌车撞人"): a
    letter with no subject, whose words naming the plant the subject's rules refused."""
    pattern = (_SUBJECT_TITLE_WORD_RES if by_its_words else _SUBJECT_WORD_RES)[SUBJECT_PLANT]
    return bool(pattern.search(title)) and not _plant_complained_of(f"{title}。{content}")


def facility_not_complaint(
    subject: str, title: str, content: str, title_only: bool = False
) -> bool:
    """Whether a letter with no subject, whose title names a word of a site or a station
    (``_SUBJECT_TITLE_WORD_RES``) a kept ``subject`` is about, is about another matter of
    it: its title names one (its workers' wages, its trucks' road, a buyer's flat:
    "青秀城旁工地拖欠农民工工资"), or, its ``content`` known, it names none of its
    neighbours' wrongs. Of an earlier letter (``title_only``) its title alone is known."""
    for obj, (nuisance, own) in _FACILITY_AFFAIRS.items():
        if f"〔{obj}" in subject and _SUBJECT_TITLE_WORD_RES[obj].search(title):
            return own.search(title) is not None or (
                not title_only and nuisance.search(f"{title}。{content}") is None
            )
    return False


#: Fumes of the estate's restaurants: a factory's exhaust, a boiler's smoke, a school's
#: canteen or a neighbour's kitchen are other objects.
RESTAURANT_WORDS: Final = (
    "餐馆|餐厅|餐饮|饭店|饭馆|酒楼|烧烤|商铺|底商|门面|小吃|火锅|排档|菜馆|快餐|店"
)
_RESTAURANT_RE: Final = re.compile(RESTAURANT_WORDS)
#: Fumes that are not the estate's restaurants': a school's or a unit's canteen
#: ("学校食堂的排烟口正对着我们3栋"), a neighbour's kitchen ("楼下邻居家里每天做饭"),
#: a vendor offering its purifiers ("我公司是专业生产油烟净化器的企业").
_NOT_RESTAURANT_RE: Final = re.compile("食堂|邻居家|邻居家里|我公司|本公司|我们公司|我司|厂家|产品")
#: A title offering something for fumes: a vendor's ("推荐油烟净化设备…").
_VENDOR_TITLE_RE: Final = re.compile("推荐|产品|厂家|设备")
#: A parking space sold by an agent, not by the estate's developer.
_AGENT_RE: Final = re.compile("中介|代理|经纪")
#: A parking title's other problems than a sale forced on buyers.
_OTHER_PARKING_RE: Final = re.compile(
    "停车难|难停|不够|太少|不足|紧张|乱|占用|被占|费|漏|维修|管理|(?<![只不])租"
)


#: Spaces the developer sells and will not rent: the sale forced in other words.
_ONLY_SOLD_RE: Final = re.compile("只售不租|只卖不租|拒绝出租|不租只卖|不租只售")


def _sells_spaces(content: str) -> bool:
    # A content about the developer's selling spaces, not their management, fees or
    # repairs ("馨园花园车位开发商拒绝出租只肯卖，一个车位要价84万元").
    return (
        _SELLER_RE.search(content) is not None
        and re.search("卖|售|买|购", content) is not None
        and re.search("物业|管理|维修|修|漏|费|占用", content) is None
    )


def same_object(ours: str, theirs: str) -> bool:
    """Whether two kept subjects ("丽景新苑〔搅拌站西〕") name one kind of object."""
    if not ours or not theirs:
        return False
    return any(
        f"〔{obj}" in ours and f"〔{obj}" in theirs
        for obj in (*_SUBJECT_WORD_RES, *organisations.WRONGS)
    )


def two_facilities(ours: str, theirs: str) -> bool:
    """Whether two kept subjects are of two facilities (``FACILITIES``: a substation and a
    base station, a factory and a farm), at one estate or not: each letter is mainly about
    its own object, however alike the words of their neighbours' radiation or smell."""
    # (Scoring asks it of every candidate: no list built, the second not read when the
    # first is of none.)
    our_kinds = _facilities_of(ours)
    if not our_kinds:
        return False
    their_kinds = _facilities_of(theirs)
    return bool(their_kinds) and our_kinds.isdisjoint(their_kinds)


@lru_cache(maxsize=16_384)
def _facilities_of(subject: str) -> frozenset[str]:
    # The ``FACILITIES`` a kept subject is of (``two_facilities``); none of one without
    # a kept object's bracket.
    if "〔" not in subject:
        return frozenset()
    return frozenset(obj for obj in FACILITIES if f"〔{obj}" in subject)


def names_subject_object(subject: str, title_text: str, content: str = "") -> bool:
    """Whether a title (its ``topic``) names anything of a subject's object (a letter's
    subject as kept: "丽景新苑〔搅拌站西〕"), the object or a word of it; of parking forced
    on buyers, the forcing. Of an organisation's wrong, nothing: a letter whose title is
    about the organisation and that has not its subject is about another problem of it
    (its canteen, its supplier's bill), or about a wrong the subject leaves out on purpose
    (an intern's injury, a borrower's debt collectors: ``organisations``)."""
    if organisations.is_organisation(subject):
        return False
    for obj, pattern in _SUBJECT_TITLE_WORD_RES.items():
        if f"〔{obj}" in subject and obj in FACILITIES:
            # A title naming another facility and not this one ("丹桂苑楼顶基站辐射太大"
            # of a substation's letters) is about that one, whatever words of this one
            # (its radiation, its noise) it shares.
            named = _objects_named(title_text)
            if named and obj not in named:
                return False
        if f"〔{obj}" in subject:
            if obj == SUBJECT_FUMES and (
                _NOT_RESTAURANT_RE.search(f"{title_text}。{content}")
                or _VENDOR_TITLE_RE.search(title_text)
            ):
                # A canteen's, a neighbour's kitchen's fumes, a purifier vendor's letter
                # ("枫林雅筑旁学校食堂油烟问题", "推荐油烟净化设备解决枫林雅筑餐饮油烟"):
                # another object than the restaurants'. Of an earlier letter only its title
                # is known here.
                return False
            if obj == SUBJECT_FORCED_PARKING and _AGENT_RE.search(f"{title_text}。{content}"):
                # An agent's sale ("中介捆绑销售滨江御景园车位"): not the developer's.
                return False
            if obj == SUBJECT_FORCED_PARKING:
                # Of parking, the sale forced; or its spaces named with no other problem
                # of them, sold and not rented ("星河苑车位只售不租"), or the letter's
                # ``content`` (when known) about the developer's selling them ("投诉馨园
                # 花园停车位问题"): its shortage ("车位太少停车难"), rents, fees,
                # management or repairs are other problems.
                return _SUBJECT_WORD_RES[obj].search(title_text) is not None or (
                    "车位" in title_text
                    and _OTHER_PARKING_RE.search(title_text) is None
                    and (_ONLY_SOLD_RE.search(title_text) is not None or _sells_spaces(content))
                )
            return pattern.search(title_text) is not None
    return False


_SUBJECT_TITLE_KINDS_NAMED: Final[dict[str, frozenset[str]]] = {
    **_SUBJECT_TITLE_KINDS,
    SUBJECT_FORCED_PARKING: frozenset({"parking", "late_handover", "property_certificate"}),
}
#: Words of a second plant, or of one elsewhere than the estate: with them the plant's
#: sentence says which plant no more than its estate does ("丽景新苑东侧又建搅拌站").
_ANOTHER_RE: Final = re.compile("又建|又新建|又一|另一|另外一|第二")
#: The side of the estate a plant is on ("小区西侧", "西北面的混凝土搅拌厂"): two plants by
#: one estate are on two sides of it.
_SIDE_RE: Final = re.compile("([东西南北]{1,2})(?:侧|边|面|方)")
#: A side that qualifies the plant: the side's words run into the plant's, no comma, no
#: building, road or gate between ("小区西北侧约100米处建起一座商品混凝土搅拌站",
#: "正对着小区西边的搅拌站"), or the plant is said to be there ("搅拌站在小区西侧"); not
#: the writer's building ("我家住丽景新苑东边那栋楼") nor the trucks' road ("罐车从南边路口").
_PLANT_SIDE_RES: Final = (
    re.compile(
        "([东西南北]{1,2})(?:侧|边|面|方)[^，。,；;！!？?楼栋幢住路口门街道]{0,20}?(?:"
        + "|".join(CLAIM_KINDS["mixing_plant"])
        + ")"
    ),
    re.compile(
        "(?:"
        + "|".join(CLAIM_KINDS["mixing_plant"])
        + ")(?:就|位于|建)?在[^，。,；;！!？?楼栋幢住路口门街道]{0,8}?"
        + "([东西南北]{1,2})(?:侧|边|面|方)"
    ),
)
_SENTENCE_RE: Final = re.compile("[。！？!?；;\n]")
#: A title about parking's charges ("滨江御景园物业强迫业主交停车费"), not a forced sale,
#: unless it names the sale itself; "强制消费" is no charge.
_PARKING_CHARGE_RE: Final = re.compile("停车费|管理费|车位费|服务费|租|停车卡")


#: A character every mention of an object holds: a letter without it is not searched.
_SUBJECT_MARKS: Final = {
    SUBJECT_PLANT: ("搅", "砼", "凝土站"),
    SUBJECT_FUMES: ("油", "烟", "呛"),
    SUBJECT_FORCED_PARKING: ("车位", "强", "捆", "搭售", "被迫", "逼"),
    SUBJECT_SITE: ("工地", "桩", "施工"),
    SUBJECT_REFUSE: ("垃圾", "压缩站"),
    SUBJECT_SUBSTATION: ("变", "配电", "开闭所"),
    SUBJECT_POWER_LINE: ("高压", "输电", "架空线", "伏", "kv", "KV", "kV"),
    SUBJECT_BASE_STATION: ("基站", "机站", "塔", "信号发射"),
    SUBJECT_RAIL: ("铁", "轨", "火车", "动车", "城际", "列车", "货运线"),
    SUBJECT_FACTORY: ("厂", "作坊", "化工"),
    SUBJECT_FARM: ("养", "猪", "鸡场", "鸭场", "牛场", "屠宰"),
    SUBJECT_SEWAGE: ("污水",),
    SUBJECT_ROAD: ("高架", "高速", "快速路"),
}


#: The longest part whose objects are cached (a title: read again of each candidate); a
#: letter's content is read once, and not kept.
_CACHED_PART_CHARS: Final = 120


def _objects_named(part: str) -> list[str]:
    """The objects (``SUBJECT_*``) a title or a content names, in a fixed order; a part
    holding none of an object's marks (``_SUBJECT_MARKS``) is not searched for it."""
    if len(part) <= _CACHED_PART_CHARS:
        return list(_objects_in_title(part))
    return list(_objects_in(part))


#: The objects each mark (``_SUBJECT_MARKS``) is of, all marks found in one pass: looking
#: each object's marks up one by one (some fifty ``in`` a letter) cost more than the
#: objects' patterns searched.
_MARKS_AUTOMATON: Final = build_automaton(
    {
        mark: frozenset(obj for obj, marks in _SUBJECT_MARKS.items() if mark in marks)
        for marks in _SUBJECT_MARKS.values()
        for mark in marks
    }
)


def _objects_in(part: str) -> tuple[str, ...]:
    # ``_objects_named``.
    marked: set[str] = set()
    for _, objects in _MARKS_AUTOMATON.iter(part):
        marked.update(objects)
    if not marked:
        return ()
    found = [
        obj for obj, pattern in _SUBJECT_WORD_RES.items() if obj in marked and pattern.search(part)
    ]
    if SUBJECT_PLANT in found and SUBJECT_SITE in found:
        # A plant's works at night ("搅拌站夜间施工扰民") are the plant's.
        found.remove(SUBJECT_SITE)
    return tuple(found)


#: ``_objects_in`` of a title, cached.
_objects_in_title: Final = lru_cache(maxsize=8_192)(_objects_in)


def _facility_not_complaint(obj: str, title: str, content: str) -> bool:
    """Whether a letter about a site or a station (``SUBJECT_SITE``, ``SUBJECT_REFUSE``)
    is about another matter of it: its title or the sentence first naming it names one
    (``_SITE_OWN_AFFAIR_RE``, ``_REFUSE_OWN_AFFAIR_RE``), or the letter names none of its
    neighbours' wrongs."""
    letter = f"{title}。{content}"
    nuisance, own = _FACILITY_AFFAIRS[obj]
    if nuisance.search(letter) is None or own.search(title):
        return True
    first = next((s for s in _SENTENCE_RE.split(content) if _SUBJECT_WORD_RES[obj].search(s)), "")
    return own.search(first) is not None


def subject_object(
    title: str, content: str, title_kinds: frozenset[str], title_named: bool = False
) -> tuple[str, str]:
    """The object a letter is mainly about (``SUBJECT_*``) and, of a plant, the side of
    the estate its sentence puts it on ("西", "西北"; "" for none), or ("", "").

    The object the title names, when it names one alone and no kind of problem but the
    object's (``_SUBJECT_TITLE_KINDS_NAMED``); else, of a title naming no kind but the
    object's (``_SUBJECT_TITLE_KINDS``) and, when it names a place (``title_named``) or a
    kind, a word of the object (``_SUBJECT_TITLE_WORD_RES``), the one object the content
    names. A plant whose sentence speaks of another or a second one is none.
    """
    found = _objects_named(title)
    if len(found) > 1:
        return "", ""
    if found and not title_kinds <= _SUBJECT_TITLE_KINDS_NAMED[found[0]]:
        # The title names the object and a wrong that is not its neighbours' (a plant's
        # workers' wages: "丽景新苑旁搅拌站拖欠工资").
        return "", ""
    if not found:
        found = _objects_named(content)
        if len(found) != 1 or not title_kinds <= _SUBJECT_TITLE_KINDS[found[0]]:
            return "", ""
        if not _main_complaint(found[0], content):
            # The letter is about what its content is about ("还我们安宁": a building
            # site), not an object it names in passing ("加上搅拌站的罐车", "比西边那个
            # 搅拌站还过分").
            return "", ""
        if found == [SUBJECT_FORCED_PARKING] and not _forced_on_buyers(content):
            return "", ""
        if (
            found == [SUBJECT_FORCED_PARKING]
            and title_named
            and (_OTHER_PARKING_RE.search(title) or "车位" not in title)
        ):
            # A title naming the estate's parking's other problems ("滨江御景园车位不够
            # 停车难") is about those, whatever else its text says; one naming its spaces
            # alone ("投诉枫林家园停车位问题") is about what its content says of them.
            return "", ""
        if (
            title_named or title_kinds or found[0] in _TITLED_OBJECTS
        ) and not _SUBJECT_TITLE_WORD_RES[found[0]].search(title):
            # A title naming a place or a kind of problem and nothing of the object
            # ("丽景新苑物业费上涨不合理", "丽景新苑对面工地夜间施工扰民") is about that,
            # whatever its text says of the object in passing. Of fumes the title names
            # them always: a restaurant's letters are as often about its noise, its
            # alterations, its licence ("关于星城影响餐馆扰民的第三次投诉").
            return "", ""
    (obj,) = found
    if (
        obj == SUBJECT_FORCED_PARKING
        and _PARKING_CHARGE_RE.search(title)
        and not (_SUBJECT_WORD_RES[obj].search(title))
    ):
        return "", ""
    if obj == SUBJECT_FORCED_PARKING and _AGENT_RE.search(f"{title}。{content}"):
        # An agent's sale ("中介说必须同时买一个车位才帮我们办过户", "车位交给一家代理
        # 销售公司在卖") is the agent's terms, not the developer's forcing its buyers.
        return "", ""
    if obj == SUBJECT_PLANT and not _plant_complained_of(f"{title}。{content}"):
        return "", ""
    if obj == SUBJECT_FUMES and not (
        _SUBJECT_TITLE_WORD_RES[obj].search(title)
        and _RESTAURANT_RE.search(f"{title}。{content}")
        and not _NOT_RESTAURANT_RE.search(f"{title}。{content}")
    ):
        # Of fumes the title names them (not a restaurant's noise, its alterations or
        # licence: "关于星城影响餐馆扰民的第三次投诉"), and they are a restaurant's.
        return "", ""
    if obj in FACILITIES and (
        _facility_not_complaint(obj, title, content)
        # A letter naming another object besides ("比旁边的搅拌站还吵") says which of the
        # estate's objects its words are of no more than its estate does.
        or set(_objects_named(content)) - {obj}
    ):
        return "", ""
    if obj != SUBJECT_PLANT:
        return obj, ""
    sentences = [
        sentence
        for sentence in _SENTENCE_RE.split(f"{title}。{content}")
        if _SUBJECT_WORD_RES[obj].search(sentence)
    ]
    if _ANOTHER_RE.search(sentences[0]):
        return "", ""
    for sentence in sentences:
        for pattern in _PLANT_SIDE_RES:
            side = pattern.search(sentence)
            if side:
                return obj, side.group(1)
    return obj, ""


#: Words after which an object is named in passing, besides or after the letter's own
#: complaint ("加上搅拌站的罐车", "还有", "以后开业油烟也是个问题", "比西边那个搅拌站还过分").
_IN_PASSING_RE: Final = re.compile("加上|还有|以后|另外|此外|除了|比|不如|倒还好|也")


def _main_complaint(obj: str, content: str) -> bool:
    """Whether ``obj`` is what a content is about: its first sentence naming a kind of
    problem or the object names the object, before any kind of problem that is not the
    object's (a KTV, a building site) and not after words naming it in passing."""
    pattern = _SUBJECT_WORD_RES[obj]
    for sentence in _SENTENCE_RE.split(content):
        found = pattern.search(sentence)
        if found is None:
            if claims(sentence):
                return False  # the content's first complaint is another thing
            continue
        before = sentence[: found.start()]
        if _IN_PASSING_RE.search(before) or _IN_PASSING_RE.search(
            sentence[found.end() : found.end() + 4]
        ):
            return False
        return claims(before) <= _SUBJECT_TITLE_KINDS[obj]
    return False


#: The side selling a home: a forced parking sale is the developer's, at the sale or the
#: hand-over; buying it is what is forced. Renting, managing, fees and repairs are not.
_SELLER_RE: Final = re.compile("开发商|售楼|销售|置业顾问|交房|收房|钥匙|网签|备案|购房|买房")
_BUYING_RE: Final = re.compile("买|购|签|捆绑|搭售|绑定|卖|售")
#: Renting is another problem, not the developer's refusing it ("只卖不租", "不出租").
_NOT_BUYING_RE: Final = re.compile("(?<![不只])(?<!不出)(?<!绝出)租|管理|维修|修|漏|费|占用|物业")


def _forced_on_buyers(content: str) -> bool:
    """Whether the sentence where a content first says a parking space is forced
    (``_SUBJECT_WORD_RES``) names the seller's side and buying, and no rent, management,
    fee or repair."""
    found = _SUBJECT_WORD_RES[SUBJECT_FORCED_PARKING].search(content)
    if found is None:
        return False
    starts = [m.end() for m in _SENTENCE_RE.finditer(content, 0, found.start())]
    end = _SENTENCE_RE.search(content, found.end())
    sentence = content[max(starts, default=0) : end.start() if end else len(content)]
    return (
        _SELLER_RE.search(sentence) is not None
        and _BUYING_RE.search(sentence) is not None
        and _NOT_BUYING_RE.search(sentence) is None
    )
