"""The text that risk-to-life words are matched on, and what a match records.

Major or urgent matters are reported up at once (Art. 25), so a word signalling a risk to
life must be found however it was typed: in traditional script (跳樓), in full-width
letters (ｋｉｌｌ ｍｙｓｅｌｆ), spaced or dotted between its characters (跳 楼, 自.杀). The
rule file's words and the petition are brought to one form (``risk_form``), then matched
(``ruleset.RiskRule``). Intake keeps its own normalised text for classification; services
do not import each other, so this module applies the same two conversions (NFKC, OpenCC
t2s through ``services.common.script``) on its own.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

from pydantic import BaseModel, ConfigDict

from services.common.script import to_simplified


def _separator(char: str) -> bool:
    # Whitespace, punctuation, symbols and control or format characters (a zero-width
    # space between two characters hides a word as well as a dot does).
    return char.isspace() or unicodedata.category(char)[0] in "PSCZ"


def _latin(char: str) -> bool:
    return char.isascii() and char.isalnum()


class _Separators(dict[int, int]):
    """A str.translate table: every separator to NUL (itself one), learnt one character at
    a time (the table stays as small as the characters petitions use)."""

    def __missing__(self, codepoint: int) -> int:
        mark = 0 if _separator(chr(codepoint)) else codepoint
        self[codepoint] = mark
        return mark


_SEPARATORS = _Separators()
#: A run of separators beside a Latin letter or digit (ASCII alphanumerics, as ``_latin``),
#: to become one space: after one (the look-behind, at the run's first NUL) or before one
#: (the look-ahead, after the whole run). Led by a NUL, so the engine skips to the next
#: one rather than trying each character; past a run's first NUL neither branch can match
#: where its first did not (the look-behind sees a NUL, the run ends at the same place).
#: Any run left is between two other characters and goes.
_LATIN_SIDE = re.compile("\x00(?:(?<=[0-9A-Za-z]\x00)\x00*|\x00*(?=[0-9A-Za-z]))")


def risk_form(text: str) -> str:
    """``text`` as risk words are matched: NFKC (full-width to half-width), simplified
    script, case-folded; a run of separators between two Chinese characters is removed
    (跳 楼 → 跳楼) and any other run becomes one space, so Latin words keep their bounds."""
    folded = to_simplified(unicodedata.normalize("NFKC", text)).casefold()
    # Runs at either end go; inside, one space beside a Latin letter or digit (Latin
    # words keep their bounds), else nothing. Regular expressions and str methods only:
    # a Python callback per run cost 1 µs each, eight runs a petition.
    marked = folded.translate(_SEPARATORS).strip("\x00")
    if "\x00" not in marked:
        return marked
    return _LATIN_SIDE.sub(" ", marked).replace("\x00", "")


def occurrences(form: str, word: str) -> Iterator[int]:
    """Where ``word`` (in risk form) starts in ``form``; a word that begins or ends with a
    Latin letter or digit matches whole words only ("kill myself", not "skill myself")."""
    start = form.find(word)
    while start >= 0:
        end = start + len(word)
        before_ok = not _latin(word[0]) or start == 0 or not _latin(form[start - 1])
        after_ok = not _latin(word[-1]) or end == len(form) or not _latin(form[end])
        if before_ok and after_ok:
            yield start
        start = form.find(word, start + 1)


class RiskHit(BaseModel):
    """One risk word found: the rule, the word as the rule file writes it, and the
    companion word that made it count when the rule requires one."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rule: str
    word: str
    companion: str | None = None

    def describe(self) -> str:
        """How an operator reads it in an escalation: ``fire: 汽油 with 泼``."""
        found = self.word if self.companion is None else f"{self.word} with {self.companion}"
        return f"{self.rule}: {found}"
