"""Traditional to simplified Chinese characters, quick for text that has none to convert.

OpenCC's ``t2s`` tables (opencc-python-reimplemented, pure Python) are exact but slow: a
parse tree per text segment. Most petitions are written in simplified characters and would
come back unchanged, so a text none of whose characters can start a change is returned as
it is, and only the others (about 7% of the real mailbox letters) go through OpenCC.
"""

from __future__ import annotations

from functools import cache
from typing import Protocol


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
