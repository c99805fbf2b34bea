"""Text normalisation for matching: script, width, case, punctuation and hotline boilerplate.

Everything here is a pure function of the text, so the same petition always gives the same
normalised sentences, fingerprint and places, whichever worker computes them.

Why these steps:

* Traditional and simplified script (and the Taiwan/Hong Kong variant forms) are folded
  character by character onto simplified. OpenCC's phrase-level converter is ~100x slower
  (~300 us per petition) and phrase choice does not matter here: both sides of a
  comparison are folded by the same table, so an imperfect mapping still maps equal text
  to equal text.
* NFKC folds full-width letters, digits and punctuation onto their half-width forms.
* Hotline operators and portals add boilerplate ("来电反映：", "网友留言") that says nothing
  about the matter; left in, it makes unrelated hotline calls look alike and hides a
  re-typed repeat of a letter.
* Sentences are kept apart so that shingles never span a sentence boundary: reordering the
  sentences of a letter then leaves its shingle set unchanged.
"""

from __future__ import annotations

import importlib.util
import re
import unicodedata
from functools import cache, lru_cache
from pathlib import Path
from typing import Final


@cache
def opencc_dictionaries() -> Path:
    """The character dictionaries shipped with opencc-python-reimplemented (data only)."""
    spec = importlib.util.find_spec("opencc")
    if spec is None or spec.origin is None:
        raise RuntimeError("opencc-python-reimplemented is not installed")
    return Path(spec.origin).parent / "dictionary"


@cache
def _script_table() -> dict[int, str]:
    """Character table folding traditional script and variant forms onto simplified."""
    variants: dict[str, str] = {}
    for name in ("TWVariantsRev.txt", "HKVariantsRev.txt"):
        variants.update(read_char_dictionary(opencc_dictionaries() / name))
    to_simplified = read_char_dictionary(opencc_dictionaries() / "TSCharacters.txt")
    table: dict[int, str] = {}
    for char in set(variants) | set(to_simplified):
        standard = variants.get(char, char)
        folded = to_simplified.get(standard, standard)
        if folded != char:
            table[ord(char)] = folded
    return table


def read_char_dictionary(path: Path) -> dict[str, str]:
    """An OpenCC character dictionary as a map of single characters to their first form."""
    mapping: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        source, _, targets = line.partition("\t")
        # Single characters only: the first candidate of a one-to-many entry is the common one.
        first = targets.split(" ")[0]
        if len(source) == 1 and len(first) == 1:
            mapping[source] = first
    return mapping


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
# Most texts hold no boilerplate, and these two find that out in a third of the time the
# pattern above takes (it tries its look-behind at every character): a Chinese phrase is
# found as such, an English one needs Latin letters.
_BOILERPLATE_ZH_RE: Final = re.compile(
    "|".join(re.escape(b) for b in sorted(BOILERPLATE, key=len, reverse=True) if not b.isascii())
)
_ASCII_LETTER_RE: Final = re.compile("[A-Za-z]")
# Sentence and clause ends: petitioners and operators reorder clauses as freely as
# sentences, and a shingle spanning a comma says little about the matter.
_SENTENCE_END_RE: Final = re.compile(r"[。！？!?；;，,、：:\n]+|\.(?:\s+|$)")
# What remains of a sentence for matching: letters and digits of any script, single spaces
# between Latin words (so "in 2018" and "in2018" differ only in that space).
_NOT_WORD_OR_END_RE: Final = re.compile(r"(?:[^\w\x00]|_)+")
_CJK_RE: Final = re.compile(r"[\u3400-\u9fff]")
_CJK_SPACE_RE: Final = re.compile(r"(?<![a-z0-9]) | (?![a-z0-9])")
_LATIN_RE: Final = re.compile(r"[a-z]")


#: Full-width ASCII and the ideographic space onto half width: the Chinese comma "，"
#: among them, so nearly every petition needs it; NFKC is only needed for rarer forms.
_HALF_WIDTH: Final = {chr(point): chr(point - 0xFEE0) for point in range(0xFF01, 0xFF5F)} | {
    "\u3000": " "
}
_FULL_WIDTH_RE: Final = re.compile("[\uff01-\uff5e\u3000]")


@cache
def _traditional_chars() -> frozenset[str]:
    return frozenset(chr(point) for point in _script_table())


def fold_script_and_width(text: str) -> str:
    """Fold script and width, keeping case: traditional -> simplified, full -> half width.

    Character by character, so folding parts and joining them equals folding the whole.
    """
    # Both NFKC and the script table cost ~20 us on a letter; most petitions need
    # neither, and the checks that prove it cost well under 5 us. A petition holds one
    # or two distinct full-width characters, if any: replacing those is three times
    # faster than str.translate, which looks every character up in the table.
    for full in set(_FULL_WIDTH_RE.findall(text)):
        text = text.replace(full, _HALF_WIDTH[full])
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    if not _traditional_chars().isdisjoint(text):
        text = text.translate(_script_table())
    return text


def fold(text: str) -> str:
    """Fold script, width and case: traditional -> simplified, full -> half width, lower."""
    return fold_script_and_width(text).lower()


def strip_boilerplate(folded: str) -> str:
    """Remove operator and portal boilerplate from folded text (see ``BOILERPLATE``)."""
    return _without_boilerplate(folded).strip()


def _without_boilerplate(folded: str) -> str:
    # Each boilerplate phrase replaced by a space.
    if _ASCII_LETTER_RE.search(folded) is None and _BOILERPLATE_ZH_RE.search(folded) is None:
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
    return len(_LATIN_RE.findall(text)) > len(_CJK_RE.findall(text))


# Place and organisation names: the characters before a place word. The name stops at a
# character that cannot be part of it (a preposition, a verb, a higher-level place), so
# "本人在渭滨区阳光小区购房" yields "阳光小区", and "渭滨区" is not itself a place of the
# matter (every petition in the county names it).
_PLACE_SUFFIXES: Final = (
    "小区",
    "花园",
    "家园",
    "新村",
    "公寓",
    "大厦",
    "广场",
    "商场",
    "市场",
    "苑",
    "庄园",
    "社区",
    # A subdistrict: the street word in it ("泉塘街道") is no street, and the estate after
    # it ("泉塘街道板桥小区") is named without it.
    "街道",
    # A market town ("罗巷集镇"): the town word alone stops a name, as a higher level.
    "集镇",
    "村",
    "大道",
    "路",
    "街",
    "巷",
    "桥",
    "有限公司",
    "公司",
    "集团",
    "工厂",
    "厂",
    "工地",
    "项目",
    "中学",
    "小学",
    "大学",
    "学院",
    "幼儿园",
    "学校",
    "医院",
    "卫生院",
    "酒店",
    "饭店",
    "餐厅",
    "KTV",
    "网吧",
    "加油站",
    "停车场",
    "菜市场",
    "公园",
    "水库",
    "河",
)
_NAME_STOP: Final = frozenset(
    "在于是的了与及对向从到我你他她们住位该这那某其为被把将让给由往至离近旁边外内省市区县镇乡请称说买购租映诉报令号段"
    # Adverbs, conjunctions and particles: a name runs back into a sentence through them
    # ("也非常重视农村", "而且学校", "又没什幺小区").
    "也而且但就还没哪些什么幺吗呢吧最个"
    "，。、：；！？ ,.:;!?0123456789"
)
#: Names the heuristic finds that name no place of a matter, and words that make a
#: found name generic ("有关部门责令工地", "供热公司").
_GENERIC_PLACES: Final = frozenset(
    {"人民政府", "有关公司", "物业公司", "开发公司", "施工项目", "建筑工地"}
)
_GENERIC_WORDS: Final = (
    "部门",
    "有关",
    "相关",
    "供热",
    "热力",
    "物业",
    "开发商",
    "道路",
    # Any road, route or estate, not a named one: "马路" (the street), "半路" (half way),
    # "十字路" (a crossroads), "线路" (a bus route's course: "调整线路"), "居民小区",
    # "一个小区", "整个小区". Left in, they make letters about one matter look like
    # letters about different places.
    "马路",
    "半路",
    "十字路",
    "线路",
    "居民",
    "一个",
    "几个",
    "整个",
    "各个",
    # The countryside, not a village: "回农村", "拥有农村户口".
    "农村",
)
# One search for any of them, instead of one `in` a word.
_GENERIC_WORD_RE: Final = re.compile("|".join(_GENERIC_WORDS))
# Of each place word, the characters before a shorter place word it ends with ("新" of
# "新村", "菜" of "菜市场"): the pattern finds the longer word first, and they count as
# part of the name, so "大新村" is the village "大新" + "村", not "大" + "新村".
_NAME_IN_SUFFIX: Final = {
    suffix: max(
        (1 for shorter in _PLACE_SUFFIXES if shorter != suffix and suffix.endswith(shorter)),
        default=0,
    )
    for suffix in _PLACE_SUFFIXES
}
_PLACE_RE: Final = re.compile(
    "(" + "|".join(re.escape(s) for s in sorted(_PLACE_SUFFIXES, key=len, reverse=True)) + ")"
)
_LATIN_PLACE_RE: Final = re.compile(
    r"((?:[A-Z][a-z]+\s+){1,3})"
    r"(?i:(road|street|avenue|lane|estate|gardens?|court|plaza|building|tower|village"
    r"|community|market|school|hospital|factory|company|ltd|group|park|bridge)\b)",
)
_MAX_NAME_CHARS: Final = 6
# A county's schools by number ("二中": its No. 2 middle school), which is how its people
# name them; not "中" of a word after a numeral ("一中年男子", "十中心").
_NUMBERED_SCHOOL_RE: Final = re.compile(
    "(?<![一二三四五六七八九十第])[一二三四五六七八九十]{1,3}中(?![学心国央间午期旬等级型专年部东西南北医文华])"
)
# What a petitioner asks done to a place, and "原" (former), read as the start of its name
# when no stop character comes between ("拆除五一桥", "调整后走望仙路", "原杨家田农贸市场"):
# taken off the name's start when two characters of name are left, so the letter names
# the place as the others do.
_NAME_PREFIXES: Final = (
    "要求", "请求", "希望", "建议", "反对", "拆除", "拆迁", "修建", "修复", "新建", "扩建",
    "建设", "改造", "硬化", "安装", "开通",
    "设置", "取消", "搬迁", "治理", "整治", "恢复", "关闭", "开放", "解决", "处理", "查处",
    "公开", "上传", "擅自", "更改", "调整后", "调整", "经过", "直行", "再上", "日起", "走",
    "经", "去", "原",
)  # fmt: skip
_NAME_PREFIX_RE: Final = re.compile(
    "(?:" + "|".join(sorted(map(re.escape, _NAME_PREFIXES), key=len, reverse=True)) + ")+"
)
# What every Latin place name starts with: a text without it (most Chinese petitions) need
# not be searched with _LATIN_PLACE_RE, a slower pattern.
_CAPITALISED_RE: Final = re.compile("[A-Z][a-z]")


def places(text: str) -> frozenset[str]:
    """Names of places and organisations in a text, folded (e.g. {"阳光小区", "maple road"}).

    A heuristic without a gazetteer: a name is the 2 to 6 characters before a place word,
    stopping at characters that cannot be part of a name. Generic words ("小区", "公司"
    alone, "某小区") yield nothing, so they never make two petitions look different.
    """
    return folded_places(fold_script_and_width(text))


def _route_start(folded: str, end: int, floor: int) -> int:
    # A numbered bus route or road ("星沙204路", "204路"): the digits before `end` and the
    # name before them, if any; `end` itself when no digit precedes it. A route number is
    # what a letter about a bus line names, and a digit stops every other name.
    start = end
    while start > floor and folded[start - 1].isascii() and folded[start - 1].isdigit():
        start -= 1
    if start == end:
        return end
    while (
        start > floor
        and end - start < _MAX_NAME_CHARS + 3
        and folded[start - 1] not in _NAME_STOP
        and "\u3400" <= folded[start - 1] <= "\u9fff"
    ):
        start -= 1
    return start


def folded_places(folded_keep_case: str) -> frozenset[str]:
    """``places`` of a text already folded by ``fold_script_and_width``."""
    found: set[str] = set()
    previous_end = 0
    for match in _PLACE_RE.finditer(folded_keep_case):
        start = match.start()
        name_start = start
        # A name never reaches back into the place found before it ("人民路路面" is one
        # road); a suffix that named nothing ("河" in "星河苑") may be part of the next name.
        while (
            name_start > previous_end
            and start - name_start < _MAX_NAME_CHARS
            and folded_keep_case[name_start - 1] not in _NAME_STOP
            and "\u3400" <= folded_keep_case[name_start - 1] <= "\u9fff"  # as _CJK_RE
        ):
            name_start -= 1
        if name_start == start and match.group() == "路":
            name_start = _route_start(folded_keep_case, start, previous_end)
        if start > name_start:
            prefix = _NAME_PREFIX_RE.match(folded_keep_case, name_start, start)
            # Only when a name is left: "建设路" and "走马街" are names themselves.
            if prefix is not None and start - prefix.end() >= 2:
                name_start = prefix.end()
        name = folded_keep_case[name_start : match.end()].lower()
        if (
            start > name_start
            and start - name_start + _NAME_IN_SUFFIX[match.group()] >= 2
            and name not in _GENERIC_PLACES
            and _GENERIC_WORD_RE.search(name) is None
        ):
            found.add(name)
            previous_end = match.end()
    found.update(_NUMBERED_SCHOOL_RE.findall(folded_keep_case))
    if _CAPITALISED_RE.search(folded_keep_case) is None:
        return frozenset(found)
    for match in _LATIN_PLACE_RE.finditer(folded_keep_case):
        words = match.group(1).split()
        # Sentence-initial capitals ("The", "A") are not part of a name.
        while words and words[0].lower() in {"the", "a", "an", "at", "in", "on", "of"}:
            words = words[1:]
        if words:
            found.add(" ".join([*words, match.group(2)]).lower())
    return frozenset(found)


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
    topics are read again and again, the newest most."""
    return frozenset(
        piece[i : i + 2] for piece in topic_text.split() for i in range(len(piece) - 1)
    )


def topic_similarity(ours: frozenset[str], theirs: frozenset[str]) -> float:
    """Jaccard similarity of two titles' ``topic_grams`` (0 when either is empty)."""
    if not ours or not theirs:
        return 0.0
    shared = len(ours & theirs)
    return shared / (len(ours) + len(theirs) - shared)
