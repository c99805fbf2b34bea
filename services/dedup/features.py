"""What matching computes from a case's text, once (``extract_features``).

Its sketch and LSH bands, the places it names and what its title says.
"""

from __future__ import annotations

import re
from typing import Final, NamedTuple

import numpy as np

from schemas.petitions import Language
from services.common.places import folded_places, with_qualifiers
from services.common.script import fold_script_and_width
from services.dedup import sketch as sk
from services.dedup import text
from services.dedup.areas import match_area, region_names, unit_names
from services.dedup.config import DedupConfig
from services.dedup.facts import CaseFacts
from services.dedup.index_keys import U64

NO_BANDS: Final = np.empty(0, dtype=np.uint64)
#: How much of the content is its opening: a greeting and the writer's first sentence
#: ("尊敬的领导：您好！我们是丽发新城小区的业主，"). 60 and 100 find the same links among
#: the development letters; at 100 one more, wrong: a list of questions whose second item
#: names another letter's road.
OPENING_CHARS: Final = 60
#: Words that put a letter's plant elsewhere than by the estate its opening names, in the
#: content before it names the plant: the writer's workplace, school, hometown or another
#: place ("我单位附近有一搅拌站", "老家门口建起搅拌站", "我们这边是另一家").
_ELSEWHERE_RE: Final = re.compile(
    "单位|公司|上班|路过|老家|家乡|学校|工业园|开发区|镇|村|另一"
)
_PLANT_RE: Final = re.compile("|".join(text.CLAIM_KINDS["mixing_plant"]))


#: What ends a sentence: the plant's own sentence is what follows the last before it.
_SENTENCE_END_RE: Final = re.compile("[。！？!?；;\n]")


def _plant_elsewhere(content: str) -> bool:
    """Whether a letter's plant is elsewhere than by the estate its opening names: the
    plant's own sentence (the opening's last, when the content names no plant), before
    the plant, names a workplace, a school, a hometown, a town, a village or "another"
    (``_ELSEWHERE_RE``), not as part of a place it names ("建设新村", "电力公司宿舍",
    "A7县城关镇丽景新苑") or of the estate's management (物业公司)."""
    plant = _PLANT_RE.search(content)
    before = _SENTENCE_END_RE.split(content[: plant.start() if plant else OPENING_CHARS])[-1]
    for place in sorted(folded_places(before), key=len, reverse=True):
        before = before.replace(place, "")
    return _ELSEWHERE_RE.search(before.replace("物业公司", "")) is not None


class CaseFeatures(NamedTuple):
    """What matching computes from a case's text, once.

    A NamedTuple, as the other values made for every lookup: a frozen dataclass costs
    several times as much to build.
    """

    sketch: sk.TextSketch
    places: frozenset[str]
    #: LSH band keys (``sketch.band_keys``); none for a text without shingles.
    bands: U64
    #: The places the title names: a title names the matter's place, the content also
    #: names others, and fragments of sentences the heuristic takes for places.
    title_places: frozenset[str] = frozenset()
    #: What the title says about the matter (``text.topic``), and its bigrams.
    topic: str = ""
    topic_grams: frozenset[str] = frozenset()
    #: The places named where the content begins (``OPENING_CHARS``): where a letter says
    #: who writes and about what ("我们是丽发新城小区的业主"), when its title does not.
    opening_places: frozenset[str] = frozenset()
    #: Whether the title names a plant and the plant's own sentence, before it names the
    #: plant, puts it elsewhere than by the estate the opening names (``_plant_elsewhere``):
    #: read only by the rule that takes such a title to be about that estate.
    opening_elsewhere: bool = False
    #: The kinds the title names in the clause naming its first (``text.main_clause_claims``).
    main_clause_claims: frozenset[str] = frozenset()


def extract_features(case: CaseFacts, config: DedupConfig) -> CaseFeatures:
    """Normalise, shingle and sketch a case's text; find the places it names."""
    # Folding is character by character: fold each part once, for sentences and places.
    fold = fold_script_and_width
    title, content = fold(case.title), fold(case.content)
    sentences = text.folded_sentences(f"{title}。{content}".lower())
    latin = case.language is Language.EN or text.is_mostly_latin(" ".join(sentences))
    size = config.shingle_size_latin if latin else config.shingle_size_zh
    sketch = sk.sketch_text(sentences, size, config.sketch_size)
    accused = fold(case.accused) if case.accused else ""
    named = " 。".join([part for part in (title, content, accused) if part])
    bands = (
        sk.case_band_keys(
            sketch.signature, config.lsh_bands, config.lsh_rows, match_area(case.region_code)
        )
        if sketch.shingle_count
        else NO_BANDS
    )
    topic = text.topic(title.lower(), region_names(case.region_code))
    # An institution the title or opening names bare ("二中") is the one the letter names.
    places = folded_places(named, unit_names(case.region_code))
    # Of a letter whose title names a plant: where the content says it is, before it
    # names the plant (its opening, when it names none).
    elsewhere = _PLANT_RE.search(title) is not None and _plant_elsewhere(content)
    return CaseFeatures(
        sketch,
        places,
        bands,
        with_qualifiers(folded_places(title), places),
        topic,
        text.topic_grams(topic),
        with_qualifiers(folded_places(content[:OPENING_CHARS]), places),
        bool(elsewhere),
        text.main_clause_claims(title.lower(), region_names(case.region_code)),
    )
