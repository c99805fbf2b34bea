"""The places and organisations a petition's title names: what a ``place`` hotspot is about.

The heuristic dedup uses too (:func:`services.common.places.places`: estates, roads,
schools, companies, ...) plus the names that mark a residential development or a college in
petitions but that dedup does not need ("魅力之城", "丽发新城", "经济学院"). Titles
only: a letter's content names every road on the way to the problem, and grouping by those
made hotspots of unrelated letters on the real mailbox messages.
"""

from __future__ import annotations

import re
from typing import Final

from services.common.places import folded_places
from services.common.script import fold_script_and_width

_REGION_MARK: Final = re.compile(r"[A-Z]\d*[市区县]|[省市区县镇乡]")
#: 2 to 6 characters of a name before one of these words, not reaching over a stop.
_ORGANISATION: Final = re.compile(
    r"([\u4e00-\u9fff]{2,6}?)(学院|大学|新城|之城|华庭|华府|公馆|山庄|名邸|国际城)"
)
_STOP: Final = re.compile(
    r".*[在于是的了与及对向从到我你他她们住位该这那某其为被把将让给由往至离近请反映投诉举报咨询关于希望]"
)


def title_places(title: str) -> tuple[str, ...]:
    """The places a title names, folded and sorted."""
    folded = fold_script_and_width(title)
    found = set(folded_places(folded))
    for match in _ORGANISATION.finditer(_REGION_MARK.sub(" ", folded)):
        name = _STOP.sub("", match.group(1))
        if len(name) >= 2:
            found.add(name + match.group(2))
    # A name inside a longer one is the same place ("丽发新城" in "丽发新城小区").
    return tuple(sorted(p for p in found if not any(p != q and p in q for q in found)))
