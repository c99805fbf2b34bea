"""Routing: the body a registered case goes to, and the rule that chose it.

The table is data (``services/common/rules/routing.yaml``, whose header states the rules;
its bodies are ``services.common.agencies``); the order of the rules is code, because it
carries the law:

1. an accusation (Art. 31 (2), 检举控告) goes to the discipline inspection and supervision
   commission one level above the accused unit, and never to the accused unit itself
   (DOMAIN.md "Notification": never disclose an accuser to the accused);
2. a litigation-related matter goes to the political-legal committee of the region, which
   hands it to the litigation procedure (Art. 20, Art. 31);
3. otherwise the competent body of the field, from the table;
4. otherwise the petition bureau of the region, which assigns it (Art. 22).

Roles the table does not list are synthesised from the national region table, so every
valid county routes somewhere: '<region>-xfj', '<region>-zfw', '<region>-jw'.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cache, lru_cache
from typing import Final

from schemas.cases import Agency, AgencyLevel, MatterKind
from services.common.agencies import Directory, Role, RoutingTable, shipped_directory
from services.common.regions import RegionTable
from services.intake.normalise import matching_form

LITIGATION: Final = "litigation"


class RoutingReason(StrEnum):
    """Which rule routed the case. Also a metric label."""

    ACCUSATION_DISCIPLINE = "accusation_discipline"
    LITIGATION_POLITICAL_LEGAL = "litigation_political_legal"
    FIELD_TABLE = "field_table"
    PETITION_BUREAU = "petition_bureau"


@dataclass(frozen=True, slots=True)
class RoutingDecision:
    """The agency chosen, why, and for an accusation the level of the accused unit."""

    agency: Agency
    reason: RoutingReason
    accused_level: AgencyLevel | None = None


class UnroutableRegionError(ValueError):
    """The region is not a county-level place in the national table: nothing can route it."""


#: Words that place an accused person or body below the county: village, township, street.
#: Specific on purpose: "农业农村局" is a county bureau, not a village.
_TOWNSHIP_WORDS: Final = (
    "村委",
    "村民委员会",
    "村支书",
    "村党支部",
    "村干部",
    "村主任",
    "村长",
    "村会计",
    "镇政府",
    "镇党委",
    "镇长",
    "乡政府",
    "乡党委",
    "乡长",
    "街道办",
    "街道党工委",
    "居委会",
    "社区书记",
    "village",
    "township",
)
#: Words that name a body of a county, a city or a province when the place is not named.
_LEVEL_WORDS: Final[tuple[tuple[AgencyLevel, tuple[str, ...]], ...]] = (
    (AgencyLevel.COUNTY, ("区委", "县委", "区政府", "县政府", "县级", "county", "district")),
    (AgencyLevel.CITY, ("市委", "市政府", "city", "municipal")),
    (AgencyLevel.PROVINCE, ("省委", "省政府", "厅", "province", "provincial")),
)


#: Decisions a router keeps (forgotten all at once past that): the pairs of a region and a
#: field petitions name, a few thousand in a province's worth of counties.
_MOST_DECIDED: Final = 16_384


@lru_cache(maxsize=4096)
def _name_form(name: str) -> str:
    """The matching form of a region's or a body's name: a few thousand names, each asked
    for by every accusation routed there."""
    return matching_form(name)


class Router:
    """Routes cases with one validated table: the table is immutable; decisions that are not
    accusations are kept per instance by region and field."""

    def __init__(self, table: RoutingTable, region_table: RegionTable) -> None:
        self.table = table
        self.regions = region_table
        self.directory = Directory(table, region_table)
        #: Decisions by (region, field) for cases that are not accusations (``_by_field``).
        self._decided: dict[tuple[str, str], RoutingDecision] = {}

    def route(
        self, *, region_code: str, field: str, kind: MatterKind, accused: str | None, text: str
    ) -> RoutingDecision:
        """The agency for a case.

        ``text`` is the petition's title and content (any form): when ``accused`` is not
        given, it tells whether the accused is a village or township official.
        Raises :class:`UnroutableRegionError` for a code that is not a place of a matter.
        """
        if not self.regions.is_petition_region(region_code):
            raise UnroutableRegionError(f"{region_code} is not a region of the national table")
        if kind is MatterKind.ACCUSATION:
            return self._accusation(region_code, accused, text)
        return self._by_field(region_code, field)

    def _by_field(self, region_code: str, field: str) -> RoutingDecision:
        """The decision for a case that is not an accusation: its region and field decide
        it, so each pair is decided once (the table is immutable, an ``Agency`` frozen)."""
        decision = self._decided.get((region_code, field))
        if decision is not None:
            return decision
        if field == LITIGATION:
            agency = self._role(region_code, "political_legal", "litigation:political_legal")
            decision = RoutingDecision(agency, RoutingReason.LITIGATION_POLITICAL_LEGAL)
        else:
            by_field = self._field(region_code, field)
            if by_field is not None:
                decision = RoutingDecision(by_field, RoutingReason.FIELD_TABLE)
            else:
                agency = self._role(region_code, "petition_bureau", "fallback:petition_bureau")
                decision = RoutingDecision(agency, RoutingReason.PETITION_BUREAU)
        if len(self._decided) >= _MOST_DECIDED:
            self._decided.clear()
        self._decided[region_code, field] = decision
        return decision

    def accused_level(self, region_code: str, accused: str | None, text: str) -> AgencyLevel:
        """The level of the accused unit: from its description, else from the petition text.

        A township or village body is recognised by its words (村委, 镇政府, 街道办, ...);
        otherwise the lowest unit of the region's chain whose name the description
        contains (渭滨区, 宝鸡市, 陕西省), then words such as 县委 or 厅. With nothing to go
        on, the accused is taken to be a body of the region itself.
        """
        described = matching_form(accused) if accused else ""
        if not described:
            # The text's matching form once, not once for each word looked for.
            matching_text = matching_form(text)
            in_text = any(word in matching_text for word in _TOWNSHIP_WORDS)
            return AgencyLevel.TOWNSHIP if in_text else self.regions.require(region_code).level
        if any(word in described for word in _TOWNSHIP_WORDS):
            return AgencyLevel.TOWNSHIP
        for region in self.regions.parent_chain(region_code):
            if _name_form(region.name) in described:
                return region.level
        for level, words in _LEVEL_WORDS:
            if any(word in described for word in words):
                return level
        return self.regions.require(region_code).level

    def _accusation(self, region_code: str, accused: str | None, text: str) -> RoutingDecision:
        # Art. 31 (2): one level above the accused unit. The chain runs from the region up
        # to its province; a township official's supervisor is the county commission.
        level = self.accused_level(region_code, accused, text)
        chain = self.regions.parent_chain(region_code)
        order = list(AgencyLevel)
        above = [r for r in chain if order.index(r.level) > order.index(level)]
        accused_form = matching_form(accused) if accused else ""
        for region in above:
            agency = self._role(region.code, "discipline", f"accusation:one_level_up/{level}")
            # Never the accused itself: an accusation against a discipline commission goes
            # one level further up.
            if not accused_form or _name_form(agency.name) not in accused_form:
                return RoutingDecision(agency, RoutingReason.ACCUSATION_DISCIPLINE, level)
        agency = self.directory.national_discipline(f"accusation:one_level_up/{level}")
        return RoutingDecision(agency, RoutingReason.ACCUSATION_DISCIPLINE, level)

    def _field(self, region_code: str, field: str) -> Agency | None:
        # The most specific region key first, and within it the exact field before its group.
        keys = [field, *(field[:i] for i in range(len(field)) if field[i] == ".")]
        for region_key in (region_code, region_code[:4], region_code[:2]):
            entry = self.table.regions.get(region_key)
            if entry is None:
                continue
            for field_key in keys:
                found = entry.fields.get(field_key)
                if found is not None:
                    return self.directory.listed(
                        found, region_key, f"field:{field_key}/{region_key}"
                    )
        return None

    def _role(self, region_code: str, role: Role, rule: str) -> Agency:
        return self.directory.role(region_code, role, rule)

    def agency_codes(self) -> tuple[str, ...]:
        """Every agency code of the table (see :meth:`Directory.agency_codes`)."""
        return self.directory.agency_codes()


@cache
def default_router() -> Router:
    """The router of the shipped routing table and national region table."""
    directory = shipped_directory()
    return Router(directory.table, directory.regions)


def route(
    *, region_code: str, field: str, kind: MatterKind, accused: str | None, text: str
) -> RoutingDecision:
    """Route with the shipped table; see :meth:`Router.route`."""
    return default_router().route(
        region_code=region_code, field=field, kind=kind, accused=accused, text=text
    )


def agency_codes() -> tuple[str, ...]:
    """Every agency code of the shipped table (see :meth:`Router.agency_codes`)."""
    return default_router().agency_codes()
