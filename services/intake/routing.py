"""Routing: the body a registered case goes to, and the rule that chose it.

The table is data (``rules/routing.yaml``, whose header states the rules); the order of the
rules is code, because it carries the law:

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

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from schemas.cases import Agency, AgencyLevel, MatterKind
from schemas.fields import FIELDS
from services.common import regions
from services.common.rulefile import load_rule_file
from services.intake.normalise import matching_form

_RULES_FILE = "routing.yaml"
Role = Literal["petition_bureau", "political_legal", "discipline"]
LITIGATION: Final = "litigation"

#: Synthesised roles: the code suffix and the name of the body after the region's name.
_SYNTHESISED: Final[Mapping[Role, tuple[str, str]]] = {
    "petition_bureau": ("xfj", "信访局"),
    "political_legal": ("zfw", "委政法委"),
    "discipline": ("jw", "纪委监委"),
}


# --- the table -------------------------------------------------------------------------------


class AgencyEntry(BaseModel):
    """A body in the routing table."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str = Field(pattern=r"^[a-z0-9_-]{2,64}$", description="also names agency.<code>.inbox")
    name: str = Field(min_length=2)
    region: str | None = Field(
        default=None, pattern=r"^\d{6}$", description="where it sits; default: the region key"
    )


class RegionEntry(BaseModel):
    """The bodies of one region (a six-digit code) or of every region under a prefix."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    petition_bureau: AgencyEntry | None = None
    political_legal: AgencyEntry | None = None
    discipline: AgencyEntry | None = None
    fields: dict[str, AgencyEntry] = Field(default_factory=dict)

    @field_validator("fields")
    @classmethod
    def _known_fields(cls, fields: dict[str, AgencyEntry]) -> dict[str, AgencyEntry]:
        for key in fields:
            if key not in FIELDS and not any(f.startswith(key + ".") for f in FIELDS):
                raise ValueError(f"{key!r} is neither a field code nor a field group")
        return fields


class RoutingTable(BaseModel):
    """The whole routing file, as validated at start-up."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: Literal[1]
    national_discipline: AgencyEntry
    regions: dict[str, RegionEntry]

    @field_validator("regions")
    @classmethod
    def _real_regions(cls, entries: dict[str, RegionEntry]) -> dict[str, RegionEntry]:
        table = regions.default_table()
        for key, entry in entries.items():
            if len(key) == 6:
                if table.get(key) is None:
                    raise ValueError(f"region {key} is not in the national region table")
            elif len(key) in (2, 4) and key.isdigit():
                if table.get(key.ljust(6, "0")) is None:
                    raise ValueError(f"prefix {key} matches no province or city")
                if entry.petition_bureau or entry.political_legal or entry.discipline:
                    raise ValueError(f"prefix {key} may only list fields; roles need a code")
            else:
                raise ValueError(f"region key {key!r} must be 6 digits, or a 2/4-digit prefix")
        return entries

    @model_validator(mode="after")
    def _codes_unique(self) -> RoutingTable:
        seen: dict[str, str] = {}
        for entry in _entries(self):
            if seen.setdefault(entry.code, entry.name) != entry.name:
                raise ValueError(f"agency code {entry.code} names two bodies")
        return self


def _entries(table: RoutingTable) -> list[AgencyEntry]:
    found = [table.national_discipline]
    for region_entry in table.regions.values():
        roles = (region_entry.petition_bureau, region_entry.political_legal)
        found.extend(role for role in (*roles, region_entry.discipline) if role is not None)
        found.extend(region_entry.fields.values())
    return found


def load_table(text: str, source: str = _RULES_FILE) -> RoutingTable:
    """Parse and validate a routing table; errors name the line (RuleFileError)."""
    return load_rule_file(text, RoutingTable, source)


# --- decisions -------------------------------------------------------------------------------


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


class Router:
    """Routes cases with one validated table. Immutable and thread-safe."""

    def __init__(self, table: RoutingTable, region_table: regions.RegionTable) -> None:
        self.table = table
        self.regions = region_table

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
        if field == LITIGATION:
            agency = self._role(region_code, "political_legal", "litigation:political_legal")
            return RoutingDecision(agency, RoutingReason.LITIGATION_POLITICAL_LEGAL)
        by_field = self._field(region_code, field)
        if by_field is not None:
            return RoutingDecision(by_field, RoutingReason.FIELD_TABLE)
        agency = self._role(region_code, "petition_bureau", "fallback:petition_bureau")
        return RoutingDecision(agency, RoutingReason.PETITION_BUREAU)

    def accused_level(self, region_code: str, accused: str | None, text: str) -> AgencyLevel:
        """The level of the accused unit: from its description, else from the petition text.

        A township or village body is recognised by its words (村委, 镇政府, 街道办, ...);
        otherwise the lowest unit of the region's chain whose name the description
        contains (渭滨区, 宝鸡市, 陕西省), then words such as 县委 or 厅. With nothing to go
        on, the accused is taken to be a body of the region itself.
        """
        described = matching_form(accused) if accused else ""
        if not described:
            in_text = any(word in matching_form(text) for word in _TOWNSHIP_WORDS)
            return AgencyLevel.TOWNSHIP if in_text else self.regions.require(region_code).level
        if any(word in described for word in _TOWNSHIP_WORDS):
            return AgencyLevel.TOWNSHIP
        for region in self.regions.parent_chain(region_code):
            if matching_form(region.name) in described:
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
            if not accused_form or matching_form(agency.name) not in accused_form:
                return RoutingDecision(agency, RoutingReason.ACCUSATION_DISCIPLINE, level)
        agency = self._national_discipline(f"accusation:one_level_up/{level}")
        return RoutingDecision(agency, RoutingReason.ACCUSATION_DISCIPLINE, level)

    def _national_discipline(self, rule: str) -> Agency:
        national = self.table.national_discipline
        return Agency(
            code=national.code,
            name=national.name,
            level=AgencyLevel.NATIONAL,
            region_code=national.region or "100000",
            rule=rule,
        )

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
                    return self._agency(found, region_key, f"field:{field_key}/{region_key}")
        return None

    def _role(self, region_code: str, role: Role, rule: str) -> Agency:
        entry = self.table.regions.get(region_code)
        listed = getattr(entry, role) if entry is not None else None
        if isinstance(listed, AgencyEntry):
            return self._agency(listed, region_code, rule)
        suffix, body = _SYNTHESISED[role]
        return Agency(
            code=f"{region_code}-{suffix}",
            name=self._display_name(region_code) + body,
            level=self.regions.require(region_code).level,
            region_code=region_code,
            rule=rule + "/synthesised",
        )

    def _agency(self, entry: AgencyEntry, region_key: str, rule: str) -> Agency:
        region_code = entry.region or region_key.ljust(6, "0")
        region = self.regions.get(region_code)
        return Agency(
            code=entry.code,
            name=entry.name,
            level=region.level if region is not None else AgencyLevel.NATIONAL,
            region_code=region_code,
            rule=rule,
        )

    def _display_name(self, region_code: str) -> str:
        # "宝鸡市渭滨区", "北京市朝阳区", "陕西省": the province is named only for itself and
        # for the units it administers directly.
        chain = self.regions.parent_chain(region_code)
        shown = chain if len(chain) <= 2 else chain[:-1]
        return "".join(region.name for region in reversed(shown))

    def agency(self, code: str, rule: str) -> Agency | None:
        """The body whose agency code is ``code``, with ``rule`` as what chose it: one the
        table lists, or a role synthesised for a region of the national table (as routing
        would name it); None when no body has that code (a transfer names its recipient by
        code, and the gateway checks it here)."""
        if code == self.table.national_discipline.code:
            return self._national_discipline(rule)
        for region_key, entry in self.table.regions.items():
            roles = (entry.petition_bureau, entry.political_legal, entry.discipline)
            for listed in (*roles, *entry.fields.values()):
                if listed is not None and listed.code == code:
                    return self._agency(listed, region_key, rule)
        region_code, _, suffix = code.partition("-")
        for role, (role_suffix, _) in _SYNTHESISED.items():
            if suffix == role_suffix and self.regions.get(region_code) is not None:
                found = self._role(region_code, role, rule)
                # A region whose table entry lists this role under another code has no
                # body with the synthesised one.
                return found if found.code == code else None
        return None

    def agency_codes(self) -> tuple[str, ...]:
        """Every agency code of the table, the roles synthesised for its regions included.

        The lead creates one ``agency.<code>.inbox`` topic per code. A synthesised body of a
        region the table does not name (any other county) needs its inbox created when it
        is first routed to.
        """
        codes = {entry.code for entry in _entries(self.table)}
        for key in self.table.regions:
            if len(key) == 6:
                for role in _SYNTHESISED:
                    codes.add(self._role(key, role, "listing").code)
        return tuple(sorted(codes))


@cache
def default_router() -> Router:
    """The router of the shipped ``rules/routing.yaml`` and national region table."""
    text = resources.files("services.intake").joinpath("rules", _RULES_FILE).read_text("utf-8")
    return Router(load_table(text, _RULES_FILE), regions.default_table())


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
