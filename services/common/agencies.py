"""The public bodies of the routing table (``rules/routing.yaml``): who they are, by code.

Intake routes a case to one of them (``services.intake.routing``, whose header states the
order of the rules); the gateway checks the body an agency's transfer names and shows it
to the petitioner (issue 16). The table is data validated at start-up, with errors that
name the line. Roles the table does not list for a region are synthesised from the
national region table, so every valid region has all three: '<region>-xfj' (petition
bureau), '<region>-zfw' (political-legal committee), '<region>-jw' (discipline commission).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from schemas.cases import Agency, AgencyLevel
from schemas.fields import FIELDS
from services.common import regions
from services.common.rulefile import load_rule_file

#: The shipped table.
ROUTING_TABLE_PATH: Final = Path(__file__).with_name("rules") / "routing.yaml"
Role = Literal["petition_bureau", "political_legal", "discipline"]

#: Synthesised roles: the code suffix and the name of the body after the region's name.
SYNTHESISED: Final[Mapping[Role, tuple[str, str]]] = {
    "petition_bureau": ("xfj", "信访局"),
    "political_legal": ("zfw", "委政法委"),
    "discipline": ("jw", "纪委监委"),
}


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

    def listed(self) -> list[AgencyEntry]:
        """Every body the entry lists: its roles, then its fields' bodies."""
        roles = (self.petition_bureau, self.political_legal, self.discipline)
        return [*(role for role in roles if role is not None), *self.fields.values()]


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
        for entry in self.entries():
            if seen.setdefault(entry.code, entry.name) != entry.name:
                raise ValueError(f"agency code {entry.code} names two bodies")
        return self

    def entries(self) -> list[AgencyEntry]:
        """Every body the table lists."""
        found = [self.national_discipline]
        for region_entry in self.regions.values():
            found.extend(region_entry.listed())
        return found


def load_table(text: str, source: str = "routing.yaml") -> RoutingTable:
    """Parse and validate a routing table; errors name the line (RuleFileError)."""
    return load_rule_file(text, RoutingTable, source)


class Directory:
    """The bodies of one validated table and the national region table. Immutable."""

    def __init__(self, table: RoutingTable, region_table: regions.RegionTable) -> None:
        self.table = table
        self.regions = region_table

    def listed(self, entry: AgencyEntry, region_key: str, rule: str) -> Agency:
        """A body the table lists under ``region_key``, as chosen by ``rule``."""
        region_code = entry.region or region_key.ljust(6, "0")
        region = self.regions.get(region_code)
        return Agency(
            code=entry.code,
            name=entry.name,
            level=region.level if region is not None else AgencyLevel.NATIONAL,
            region_code=region_code,
            rule=rule,
        )

    def role(self, region_code: str, role: Role, rule: str) -> Agency:
        """The body that holds ``role`` in a region: listed, or synthesised."""
        entry = self.table.regions.get(region_code)
        listed = getattr(entry, role) if entry is not None else None
        if isinstance(listed, AgencyEntry):
            return self.listed(listed, region_code, rule)
        suffix, body = SYNTHESISED[role]
        return Agency(
            code=f"{region_code}-{suffix}",
            name=self._display_name(region_code) + body,
            level=self.regions.require(region_code).level,
            region_code=region_code,
            rule=rule + "/synthesised",
        )

    def national_discipline(self, rule: str) -> Agency:
        national = self.table.national_discipline
        return Agency(
            code=national.code,
            name=national.name,
            level=AgencyLevel.NATIONAL,
            region_code=national.region or "100000",
            rule=rule,
        )

    def agency(self, code: str, rule: str) -> Agency | None:
        """The body whose agency code is ``code``, with ``rule`` as what chose it: one the
        table lists, or a role synthesised for a region of the national table (as routing
        names it); None when no body has that code."""
        if code == self.table.national_discipline.code:
            return self.national_discipline(rule)
        for region_key, entry in self.table.regions.items():
            for listed in entry.listed():
                if listed.code == code:
                    return self.listed(listed, region_key, rule)
        region_code, _, suffix = code.partition("-")
        for role, (role_suffix, _) in SYNTHESISED.items():
            if suffix == role_suffix and self.regions.get(region_code) is not None:
                found = self.role(region_code, role, rule)
                # A region whose entry lists this role under another code has no body with
                # the synthesised one.
                return found if found.code == code else None
        return None

    def agency_codes(self) -> tuple[str, ...]:
        """Every agency code of the table, the roles synthesised for its regions included.

        The lead creates one ``agency.<code>.inbox`` topic per code. A synthesised body of a
        region the table does not name (any other county) needs its inbox created when it
        is first routed to.
        """
        codes = {entry.code for entry in self.table.entries()}
        for key in self.table.regions:
            if len(key) == 6:
                for role in SYNTHESISED:
                    codes.add(self.role(key, role, "listing").code)
        return tuple(sorted(codes))

    def _display_name(self, region_code: str) -> str:
        # "宝鸡市渭滨区", "北京市朝阳区", "陕西省": the province is named only for itself and
        # for the units it administers directly.
        chain = self.regions.parent_chain(region_code)
        shown = chain if len(chain) <= 2 else chain[:-1]
        return "".join(region.name for region in reversed(shown))


@cache
def shipped_directory() -> Directory:
    """The directory of the shipped ``rules/routing.yaml`` and national region table."""
    text = ROUTING_TABLE_PATH.read_text(encoding="utf-8")
    return Directory(load_table(text, str(ROUTING_TABLE_PATH)), regions.default_table())
