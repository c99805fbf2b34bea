"""The named keys of the case index, hashed and scoped by matching area.

What a case is looked up by besides its LSH bands: its exact text, its petitioners, the
places it names (an estate's also without its developer's brand), its villages', roads'
and estates' facilities' names by their sound, its estates' bare names, the
brands its title and places name (``names.brand_keys``), its places' names without their
kind (``names.place_stem``) and its estates' names by their sound.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Final, Protocol

import numpy as np
import numpy.typing as npt
import xxhash

from services.common.places import institution, without_developer
from services.dedup.areas import match_area
from services.dedup.config import DedupConfig
from services.dedup.names import (
    MAX_NAME_CHARS,
    MIN_NAME_CHARS,
    held_brands,
    held_names,
    place_stems,
)
from services.dedup.policies import lookup_keys as policy_keys
from services.dedup.sounds import estate_sound_key, sound_key
from services.dedup.text import claims

U64 = npt.NDArray[np.uint64]


# Seeds of the index's key hashes, one per kind of key: an exact text, a petitioner and a
# place of one region never share a key (band keys are made by ``sketch.band_keys``).
FINGERPRINT: Final = 1
PETITIONER: Final = 2
PLACE: Final = 3
#: A village's or a road's name, or a facility's at an estate, by its sound
#: (``sounds.sound_key``).
PLACE_SOUND: Final = 4
#: An estate's bare name (``names``): a case is kept under its estates' (``held_names``),
#: a letter looks up the words of its title that may be one (``probed_names``).
BARE_NAME: Final = 5
#: An estate's name by its sound (``sounds.estate_sound_key``): "锦林府" finds "新希望锦麟府".
ESTATE_SOUND: Final = 6
#: A place a case's title names (``title_place_names``): a later title naming no place a
#: reading finds looks up its words (``names.probed_names``), and takes one a title of its
#: area named before as its place (``matcher.Matcher.match``).
TITLE_PLACE: Final = 7


def cases_kept_per_key(config: DedupConfig) -> int:
    """How many cases the index keeps per key: twice what a lookup reads of one at most.

    The margin stands in for removed cases among a key's newest (expired ones, which are
    the oldest in all but a backfill): a lookup reads the newest live ones.
    """
    return 2 * max(
        config.max_cases_per_petitioner, config.max_cases_per_place, config.max_band_candidates
    )


def index_key(kind: int, region_code: str, name: str) -> int:
    return xxhash.xxh3_64_intdigest(f"{region_code}|{name}".encode(), seed=kind)


class KeyedCase(Protocol):
    @property
    def region_code(self) -> str: ...

    @property
    def fingerprint(self) -> str: ...

    @property
    def petitioner_refs(self) -> tuple[str, ...]: ...

    @property
    def places(self) -> tuple[str, ...]: ...

    @property
    def topic(self) -> str: ...


def case_keys(case: KeyedCase, *, with_fingerprint: bool) -> list[int]:
    # The keys of a case besides its bands. A text without shingles matches nothing, not
    # even its exact copy: it has no fingerprint key.
    region = match_area(case.region_code)
    keys = [index_key(FINGERPRINT, region, case.fingerprint)] if with_fingerprint else []
    keys.extend(index_key(PETITIONER, region, ref) for ref in case.petitioner_refs)
    place, sound, estate = place_keys(region, tuple(case.places))
    keys.extend(place)
    keys.extend(sound)
    keys.extend(index_key(BARE_NAME, region, name) for name in held_names(case.places, case.topic))
    # The brands its title and places name before a trade word (``names.brand_keys``),
    # whatever its title's kind: a letter naming the business finds it.
    keys.extend(index_key(BARE_NAME, region, name) for name in held_brands(case.places, case.topic))
    # Its places' names without their kind (``names.place_stem``: "澜岸小区", "澜岸家园").
    keys.extend(index_key(BARE_NAME, region, name) for name in place_stems(case.places))
    # The policy it asks about (``policies.lookup_keys``: ASCII, no estate's bare name).
    keys.extend(index_key(BARE_NAME, region, name) for name in policy_keys(case.topic))
    keys.extend(estate)
    keys.extend(
        index_key(TITLE_PLACE, region, name) for name in title_place_names(case.places, case.topic)
    )
    return keys


#: A title's place as a later title may name it alone: a name of Chinese characters, as
#: long as a word a title is looked up by (``names.probed_names``).
_TITLE_PLACE_RE: Final = re.compile(f"[\u4e00-\u9fff]{{{MIN_NAME_CHARS},{MAX_NAME_CHARS}}}")


def title_place_names(places: Sequence[str], topic: str) -> list[str]:
    """The places a case is held under as its title's (``TITLE_PLACE``): those of its
    ``places`` its title (``topic``) names, each of ``MIN_NAME_CHARS`` to
    ``MAX_NAME_CHARS`` Chinese characters and no word of a kind of problem (``text.claims``:
    "水泥路", a village's concrete road, read as a place of its own)."""
    return [
        place
        for place in places
        if _TITLE_PLACE_RE.fullmatch(place) and place in topic and not claims(place)
    ]


@lru_cache(maxsize=1_024)
def place_keys(
    region: str, places: tuple[str, ...]
) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
    """The keys of ``places`` in matching area ``region`` (``areas.match_area``): each
    name's (``looked_up_places``, kind ``PLACE``), each sound's (``looked_up_sounds``,
    ``PLACE_SOUND``) and each estate's sound's (``estate_sounds``, ``ESTATE_SOUND``).

    Cached (a few hundred KiB): a letter's lookup (``CaseIndex.candidates``) makes them and
    its recording (``case_keys``) reads them back, a third of what indexing it costs; and
    the letters of one place share them.
    """
    return (
        tuple(index_key(PLACE, region, place) for place in looked_up_places(places)),
        tuple(index_key(PLACE_SOUND, region, sound) for sound in looked_up_sounds(places)),
        tuple(index_key(ESTATE_SOUND, region, sound) for sound in estate_sounds(places)),
    )


def looked_up_sounds(places: Sequence[str]) -> list[str]:
    """The sounds a case's villages, roads and facilities at an estate are indexed and
    looked up by, each once (``sounds.sound_key``): a letter typing "桐仁村" as "同仁村"
    finds the letters naming it, and ``place_agreement`` tells whether the two are one
    (one character typed by its sound, tone and all)."""
    return list(dict.fromkeys(key for place in places if (key := sound_key(place)) is not None))


def estate_sounds(places: Sequence[str]) -> list[str]:
    """The sounds a case's estates are indexed and looked up by, each once
    (``sounds.estate_sound_key``): a letter typing "锦麟府" as "锦林府", "央誉小区" as "央玉小
    区", finds the letters naming it. Only a lookup: two estates' names of one sound are as
    often two estates ("天心家园", "天鑫家园"), and ``place_agreement`` tells whether the
    two are one."""
    return list(
        dict.fromkeys(key for place in places if (key := estate_sound_key(place)) is not None)
    )


def looked_up_places(places: Sequence[str]) -> list[str]:
    """The names a case's places are indexed and looked up by: each place, a generic
    institution's kind besides ("二中" of "K9县二中"), so that a letter naming it bare
    finds it, and an estate's name without its developer's brand besides ("集美郡" of
    "金科集美郡"), so that a letter naming it with and one without the brand meet
    (``place_agreement`` tells whether the two are one)."""
    names = list(places)
    seen = set(names)
    for place in places:
        parts = institution(place)
        if parts is not None and parts[0] and parts[1] not in seen:
            seen.add(parts[1])
            names.append(parts[1])
        elif "〔" not in place and (bare := without_developer(place)) not in seen:
            seen.add(bare)
            names.append(bare)
        if (tail := _branded_tail(place)) and tail not in seen:
            seen.add(tail)
            names.append(tail)
    return names


#: An estate named with one character of its kind ("锦汀府", "滨河苑", "御景湾", "云锦台")
#: after two of its own name (``_branded_tail``).
_ESTATE_TAIL_RE: Final = re.compile("[\u4e00-\u9fff]{2,3}[\u4e00-\u9fff]{2}[府苑邸湾郡台]")


def _branded_tail(place: str) -> str:
    # The last three characters of an estate's name of five or six ending with one
    # character of its kind ("锦汀府" of "鼎泰锦汀府"): a local developer's brand (not of
    # ``DEVELOPER_BRANDS``) before the name others write alone. Only a lookup: whether the
    # two are one estate is ``place_agreement``'s to say ("东方锦绣苑" and "锦绣苑").
    return place[-3:] if _ESTATE_TAIL_RE.fullmatch(place) else ""
