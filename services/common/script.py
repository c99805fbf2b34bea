"""Traditional to simplified Chinese and full to half width: two foldings for two needs.

``to_simplified`` is exact, for text matched against the phrases of a rule file (risk
words, field keywords). OpenCC's ``t2s`` tables (opencc-python-reimplemented, pure Python)
are exact but slow: a parse tree per text segment. Most petitions are written in
simplified characters and would come back unchanged, so a text none of whose characters
can start a change is returned as it is, and only the others (about 7% of the real mailbox
letters) go through OpenCC.

``fold_script_and_width`` is quick, for comparing two texts (dedup's sentences, places a
petition names, the ledger's hotspots). Traditional script and the Taiwan/Hong Kong variant
forms are folded character by character onto simplified; OpenCC's phrase-level converter
is ~100x slower (~300 us per petition) and phrase choice does not matter here: both sides
of a comparison are folded by the same table, so an imperfect mapping still maps equal
text to equal text. NFKC folds full-width letters, digits and punctuation onto their
half-width forms.
"""

from __future__ import annotations

import importlib.util
import re
import unicodedata
from functools import cache, lru_cache
from pathlib import Path
from typing import Final, Protocol


class _Converter(Protocol):
    def convert(self, text: str) -> str: ...


@cache
def _t2s() -> tuple[_Converter, frozenset[str]]:
    # opencc-python-reimplemented ships no type information; its OpenCC class has the one
    # method we use, which the Protocol above describes.
    from opencc import OpenCC  # type: ignore[import-untyped]

    converter = OpenCC("t2s")
    converter.convert("")  # loads the dictionaries
    # Each dictionary of the chain: (longest key, shortest key, {traditional: simplified}).
    keys = [key for group in converter._dict_chain_data for *_, table in group for key in table]
    characters = {key for key in keys if len(key) == 1}
    # A phrase can only match where all its characters are; one of them is enough to see.
    triggers = set(characters)
    for phrase in keys:
        if len(phrase) > 1 and not characters.intersection(phrase):
            triggers.add(phrase[-1])
    return converter, frozenset(triggers)


def to_simplified(text: str) -> str:
    """``text`` with traditional characters (and phrases) in their simplified form."""
    converter, triggers = _t2s()
    if triggers.isdisjoint(text):
        return text
    return converter.convert(text)


@cache
def opencc_dictionaries() -> Path:
    """The character dictionaries shipped with opencc-python-reimplemented (data only)."""
    spec = importlib.util.find_spec("opencc")
    if spec is None or spec.origin is None:
        raise RuntimeError("opencc-python-reimplemented is not installed")
    return Path(spec.origin).parent / "dictionary"


#: Characters OpenCC folds that are standard simplified ones in names, kept as written:
#: "乾" (乾城嘉园, 乾隆, a surname) is no "干" (干部, 干净), and an estate's name folded so
#: is shown wrong and may meet another's. Of the other simplified (GB2312) characters the
#: tables fold, each a traditional writer's form of the one it folds to (於 of 关於, 著 of
#: 看著, 後, 徵) or a variant of it (么/幺, 麽, 菸, 醣), folding them still meets what
#: such a writer means.
_KEPT_AS_WRITTEN: Final = frozenset("乾")


@cache
def _script_table() -> dict[int, str]:
    """Character table folding traditional script and variant forms onto simplified
    (not ``_KEPT_AS_WRITTEN``)."""
    variants: dict[str, str] = {}
    for name in ("TWVariantsRev.txt", "HKVariantsRev.txt"):
        variants.update(read_char_dictionary(opencc_dictionaries() / name))
    to_simplified = read_char_dictionary(opencc_dictionaries() / "TSCharacters.txt")
    table: dict[int, str] = {}
    for char in set(variants) | set(to_simplified):
        standard = variants.get(char, char)
        folded = to_simplified.get(standard, standard)
        if folded != char and char not in _KEPT_AS_WRITTEN:
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


#: Full-width ASCII and the ideographic space onto half width: the Chinese comma "，"
#: among them, so nearly every petition needs it; NFKC is only needed for rarer forms.
_HALF_WIDTH: Final = {chr(point): chr(point - 0xFEE0) for point in range(0xFF01, 0xFF5F)} | {
    "\u3000": " "
}
_FULL_WIDTH_RE: Final = re.compile("[\uff01-\uff5e\u3000]")


@cache
def _traditional_chars() -> frozenset[str]:
    return frozenset(chr(point) for point in _script_table())


@lru_cache(maxsize=256)
def fold_script_and_width(text: str) -> str:
    """Fold script and width, keeping case: traditional -> simplified, full -> half width.

    Character by character, so folding parts and joining them equals folding the whole.
    Cached, a few: a petition's title and content are folded when it is read and again
    when it is matched (a pure function of the text).
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


def occurrences(word: str, text: str) -> list[int]:
    """Where ``word`` begins in ``text``, each occurrence after the end of the one before:
    what ``re.finditer(re.escape(word), text)`` finds, by ``str.find`` (no pattern compiled
    for each word: dedup's facility and town words, the ledger's widening of a campaign's
    terms, which calls this millions of times). An empty word is found at every position."""
    if not word:
        return list(range(len(text) + 1))
    found = []
    at = text.find(word)
    while at >= 0:
        found.append(at)
        at = text.find(word, at + len(word))
    return found
