"""Where a case is matched: its matching area, the prefecture-level city of its region.

A letter to a city's mailbox often names no county: it carries the city's code, and must
meet the county-level cases of the same matter in that city. So dedup keys, partitions and
indexes cases by area (the city; for a county a province administers directly, and for a
province's own code, the province), and within an area links two cases only when their
regions can be one place: the same region, or one a unit containing the other (the city and
one of its counties). Two different counties of one city are never linked, as before.
The area itself (``match_area``) is shared: intake keys cases.registered by it.
"""

from __future__ import annotations

from functools import cache

from services.common import regions
from services.common.regions import match_area

__all__ = ["match_area", "may_share_matter", "region_names", "unit_names"]


@cache
def may_share_matter(ours: str, theirs: str) -> bool:
    """Whether cases of these two regions may be about one place: the same region, or one
    contains the other (a city-level letter and a county case of that city)."""
    if ours == theirs:
        return True
    table = regions.default_table()
    if table.get(ours) is None or table.get(theirs) is None:
        return False
    above_ours = {r.code for r in table.parent_chain(ours)}
    above_theirs = {r.code for r in table.parent_chain(theirs)}
    return ours in above_theirs or theirs in above_ours


@cache
def region_names(region_code: str) -> tuple[str, ...]:
    """The names of a region and the units above it ("长沙县", "长沙市", "湖南省"), the longest
    first: words any letter of the area may name, which say nothing about its matter. None
    for a code the national table lacks."""
    table = regions.default_table()
    if table.get(region_code) is None:
        return ()
    names = {region.name for region in table.parent_chain(region_code)}
    return tuple(sorted(names, key=len, reverse=True))


@cache
def unit_names(region_code: str) -> tuple[str, ...]:
    """The names of a region and the units above it below the province, lowest first
    ("长沙县", "长沙市"): what a letter filed there names its county or city by, which
    qualifies an institution it names bare ("一中": ``places.folded_places``). None for a
    code the national table lacks."""
    table = regions.default_table()
    if table.get(region_code) is None:
        return ()
    return tuple(region.name for region in table.parent_chain(region_code)[:-1])
