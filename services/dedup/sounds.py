"""How place names sound: what a pinyin input method offers for them (issue 13).

Writers type place names with a pinyin input method and pick the wrong character of the
right sound: "同仁村" for "桐仁村", "转朝四组工路" for "转朝四组公路". A village's or a
road's name is looked up by its sound too (``sound_key``), so a letter typing it by sound
finds the earlier letters naming it; whether the two are one place is still for
``place_agreement`` to say (tone and all, one character at most). So is a facility at an
estate (its base station, its refuse station: "〔基站〕嘉和苑", "〔基站〕家和苑"): an estate
typed by its sound is one place only as the object at it both letters are about.
"""

from __future__ import annotations

import importlib.util
import json
import re
import unicodedata
from functools import cache, lru_cache
from pathlib import Path
from typing import Final

from services.common.places import developer_brand, without_developer
from services.dedup import names, text


@cache
def reading_table() -> dict[str, str]:
    """pypinyin's table of every character's readings (its ``pinyin_dict.json``: the
    code point in decimal, the readings with tones, most common first), read once when
    first needed and without importing the package: its import loads its phrase table too
    (some 50 MB and 190,000 objects every full collection would walk)."""
    spec = importlib.util.find_spec("pypinyin")
    if spec is None or not spec.submodule_search_locations:
        return {}
    path = Path(next(iter(spec.submodule_search_locations))) / "pinyin_dict.json"
    with path.open(encoding="utf-8") as table:
        found: dict[str, str] = json.load(table)
    return found


@lru_cache(maxsize=4_096)
def readings(char: str) -> frozenset[str]:
    """A character's readings, tones kept ("píng", "pēng"); none for a character the table
    lacks (a letter, a digit)."""
    found = reading_table().get(str(ord(char)))
    if not found:
        return frozenset()
    return frozenset(unicodedata.normalize("NFC", reading) for reading in found.split(","))


def sound_alike(a: str, b: str) -> bool:
    """Whether two Chinese characters share a reading, tone and all: what a pinyin input
    method offers for one when the writer meant the other ("萍" and "苹", "州" and "洲").

    With their tones: a pinyin input method's candidates for a syllable come first in the
    tone the writer meant; two names a tone apart ("家园"/"佳苑", "胜利"/"圣礼") are as often
    two places as one typed by sound."""
    return not readings(a).isdisjoint(readings(b))


@lru_cache(maxsize=4_096)
def syllable(char: str) -> str:
    """A character's syllable without its tone, of its first (most common) reading: one
    for every character of a sound, whichever of them a writer picked ("同", "桐": tong);
    "" for a character the table lacks. A character of several readings is keyed by one,
    so a name typed by another of them is not found by its sound (a lookup missed, never
    a wrong place: agreement compares the readings themselves)."""
    found = reading_table().get(str(ord(char)))
    if not found:
        return ""
    first = unicodedata.normalize("NFD", found.split(",", 1)[0])
    return "".join(c for c in first if not unicodedata.combining(c))


#: The places looked up by their sound, by the word their name ends with: a village, its
#: group, a community; a road, a highway, an avenue, a street. Not an estate's "新村"
#: ("工人新村"): two estates' names of one sound are as often two estates ("天心家园",
#: "天鑫家园"), and one estate typed by sound is one place only as the object at it both
#: letters are about (a facility: ``_facility_sound_key``).
_VILLAGE_RE: Final = re.compile("(?<!新)(?:村|组|社区)$")
_ROAD_RE: Final = re.compile("(?:路|大道|大街|街)$")
#: The least of a name before its word that is looked up by its sound: "同仁" of "同仁村".
_MIN_NAME_CHARS: Final = 2
#: The most: a longer "place" is a fragment of a sentence the reading of places took.
_MAX_NAME_CHARS: Final = 8


@lru_cache(maxsize=16_384)
def sound_key(place: str) -> str | None:
    """The key a village's or a road's name is looked up by its sound with: the kind of
    place ("村" for a village, a group or a community; "路" for a road) and its name's
    syllables without tones ("村:tong ren" of "同仁村" and of "桐仁村"; "路:zhuan chao si
    zu gong" of "转朝四组公路" and of "转朝四组工路"); of a facility at an estate (a
    subject's lookup key, ``features.subject_key``), the facility and the estate's
    syllables ("〔基站〕jia he yuan" of "〔基站〕嘉和苑" and of "〔基站〕家和苑"); None for
    another place, or a name of a character no syllable is known for (a digit, a letter)
    or too short or long."""
    if place.startswith("〔"):
        return _facility_sound_key(place)
    if "〔" in place:
        return None
    village = _VILLAGE_RE.search(place)
    match = village or _ROAD_RE.search(place)
    if match is None:
        return None
    name = place[: match.start()]
    if not _MIN_NAME_CHARS <= len(name) <= _MAX_NAME_CHARS:
        return None
    syllables = [syllable(char) for char in name]
    if not all(syllables):
        return None
    return ("村:" if village else "路:") + " ".join(syllables)


#: The facilities at an estate (``text.FACILITIES``, a mixing plant) whose lookup keys
#: (``features.subject_key``: "〔基站〕嘉和苑") are looked up by their sound: one such
#: object at an estate typed by its sound is one object (``place_agreement.same_subject``).
#: Not a restaurant's fumes, forced parking sales or an organisation's wrong.
FACILITY_OBJECTS: Final = frozenset({*text.FACILITIES, text.SUBJECT_PLANT})
_FACILITY_KEY_RE: Final = re.compile(
    "^〔(" + "|".join(sorted(FACILITY_OBJECTS, key=len, reverse=True)) + ")〕(.+)$"
)
#: The least characters of an estate's name in such a key: "春华" of "〔垃圾站〕春华".
_MIN_FACILITY_NAME_CHARS: Final = 2


def _facility_sound_key(key: str) -> str | None:
    # A facility's lookup key by its estate's sound: the facility, the name's syllables.
    found = _FACILITY_KEY_RE.match(key)
    if found is None or len(found.group(2)) < _MIN_FACILITY_NAME_CHARS:
        return None
    syllables = [syllable(char) for char in found.group(2)]
    if not all(syllables):
        return None
    return f"〔{found.group(1)}〕" + " ".join(syllables)


#: The words an estate's name may end with that a writer adds or leaves off ("锦麟府小区",
#: "锦麟府"): its name is looked up by its sound without them.
_ESTATE_ADDED_RE: Final = re.compile("(?<=..)小区$")
#: The last characters of an estate's own name ("锦麟府", "铂悦湾", "楚天御园", "德政园"):
#: the places whose names are looked up by their sound (``estate_sound_key``).
_ESTATE_END_RE: Final = re.compile("[府园苑城湾庭亭邸郡墅筑都岸居里]$")
#: Places with such an end that are no estate (a park, a school, a company's plant).
_NOT_ESTATE_RE: Final = re.compile(
    "(?:公园|幼儿园|工业园|产业园|科技园|物流园|园区|校园|动物园|植物园|陵园|墓园|菜园|果园|县城|"
    "省城|京城|全城|进城|老城|满城|新城区)"
)
#: The least characters of an estate's name looked up by its sound: "央誉" of "央誉小区"
#: and of "建发央誉" (``names.short_name``; not "御园" of "御园小区", a word of many
#: estates' names); a name of two without either ("锦城") is no estate's.
_MIN_ESTATE_CHARS: Final = 2


@lru_cache(maxsize=16_384)
def estate_sound_key(place: str) -> str | None:
    """The key an estate's name is looked up by its sound with: "宅:" and its name's
    syllables without tones, its "小区" and its developer's brand left off ("宅:jin lin fu"
    of "锦林府", "锦麟府小区" and "新希望锦麟府"; "宅:yang yu" of "央玉小区" and "建发央
    誉小区"), so that a letter typing an estate's name by its sound finds the letters
    naming it right. None for another place (an estate's is a name ending as an estate's
    does, ``_ESTATE_END_RE``, or named with "小区" or after a developer's brand), or a name
    of a character no syllable is known for, or of fewer than two characters or more than
    eight.

    Only a lookup: whether the two are one estate is for ``place_agreement`` to say (two
    estates' names of one sound are as often two estates: "天心家园", "天鑫家园")."""
    if "〔" in place or _NOT_ESTATE_RE.search(place):
        return None
    name = _ESTATE_ADDED_RE.sub("", place)
    brand = developer_brand(name)
    if name == brand or (name == place and not brand and not _ESTATE_END_RE.search(place)):
        return None
    bare = without_developer(name)
    if bare == name and brand and names.short_name(rest := name[len(brand) :]):
        # A brand before a name of two characters ("建发央誉"): the two ("央誉"); not
        # before a kind of estate ("恒大名都", "金茂花园": the whole name).
        bare = rest
    if len(bare) < _MIN_ESTATE_CHARS + 1 and (bare == place or not names.short_name(bare)):
        # A name of two ending as an estate's, without "小区" ("锦城"), or a kind of estate
        # or a word of many estates' names ("花园小区", "御园小区").
        return None
    if len(bare) > _MAX_NAME_CHARS:
        return None
    syllables = [syllable(char) for char in bare]
    if not all(syllables):
        return None
    return "宅:" + " ".join(syllables)
