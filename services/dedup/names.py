"""Estates' bare names, learned from the case records (issue 13).

A resident writes "融科东南海小区" in one letter, and another names it in a title without
its estate word ("东南海垃圾站选址"): the reading of places finds no place in the second.
The first letter's record keeps the estate's full name (among its places) and its title
(its topic), so each case is also indexed under the bare names of its estates (the name
without its estate word, and without its developer's brand: ``held_names``), and a new
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

from services.common.places import without_developer
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
    of housing; none for another place, or an estate named without such a word."""
    if "〔" in place or _NOT_ESTATE_RE.search(place):
        return ()
    word = _ESTATE_WORDS_RE.search(place)
    if word is None:
        return ()
    name = place[: word.start()]
    return tuple(
        bare
        for bare in dict.fromkeys((name, without_developer(name)))
        if _may_be_name(bare) and not _HOUSING_RE.search(bare)
    )


def _may_be_name(words: str) -> bool:
    return (
        MIN_NAME_CHARS <= len(words) <= MAX_NAME_CHARS
        and _NOT_NAME_RE.search(words) is None
        and words[0] not in _EDGE_CHARS
        and words[-1] not in _EDGE_CHARS
    )


def held_names(places: Iterable[str], topic: str) -> list[str]:
    """The bare names a case is indexed under: its estates' (``bare_names``), when its
    title names a kind of problem (``text.claims``: without one, no letter joins it by a
    bare name), each once."""
    names = [name for place in places for name in bare_names(place)]
    if not names or not text.claims(topic):
        return []
    return list(dict.fromkeys(names))


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
    return tuple(
        (place, names) for place in places if (names := bare_names(place)) and place in title
    )


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
