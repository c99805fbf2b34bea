"""The public bodies of the routing table (``rules/routing.yaml``): who they are, by code.

Intake routes a case to one of them (``services.intake.routing``, whose header states the
order of the rules); the gateway checks the body an agency's transfer names and shows it
to the petitioner (issue 16); intake refuses an agency system's update whose reporter or
recipient no body is, or that occurs in the future (``agency_update_refusal``, the gateway
agency API's rules). The table is data validated at start-up, with errors that
name the line. Roles the table does not list for a region are synthesised from the
national region table, so every valid region has all three: '<region>-xfj' (petition
bureau), '<region>-zfw' (political-legal committee), '<region>-jw' (discipline commission).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from schemas.cases import Agency, AgencyLevel, CaseUpdate
from schemas.fields import FIELDS
from schemas.petitions import RejectReason
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


# --- what an agency may report ---------------------------------------------------------

#: The reporter (``CaseUpdate.agency_code``) of the petitioner's own updates: the gateway's
#: petitioner API (case number and query code) writes it; no body of the table has it.
PETITIONER: Final = "petitioner"
#: How far after now an agency's ``occurred_at`` may be: the clocks of two machines differ.
#: Intake (here) and the gateway's agency API (``services.gateway.casework_api``) read it.
AGENCY_CLOCK_SKEW: Final = timedelta(minutes=5)


@dataclass(frozen=True)
class AgencyRefusal:
    """Why an agency's update is refused: the dead letter's reason and its words."""

    reason: RejectReason
    detail: str


def agency_update_refusal(
    update: CaseUpdate, now: datetime, directory: Directory | None = None
) -> AgencyRefusal | None:
    """Why an agency may not publish ``update`` as it is, or None: what the gateway's agency
    API refuses of a request, for an update an agency system publishes itself.

    * its reporter must be a body of the routing table (``unknown_agency``): not the
      petitioner, whose updates come only through the petitioner's door, and not a code no
      body has;
    * a transfer's or assignment's recipient must be a body of the table, at the level and
      in the region the table gives it (``unknown_agency``): notification makes an inbox
      topic for the code, and escalation takes the level from it;
    * it must not occur after ``now`` by more than ``AGENCY_CLOCK_SKEW``
      (``occurred_in_future``): a date in 2099 would hold the case's clocks far away.

    The lifecycle (whether the case is the agency's, whether the step is allowed now) is
    judged downstream, as for every update.
    """
    bodies = shipped_directory() if directory is None else directory
    reporter = update.agency_code
    if reporter == PETITIONER:
        return AgencyRefusal(
            RejectReason.UNKNOWN_AGENCY,
            f"agency_code: {PETITIONER} is the petitioner's, not an agency's: a petitioner's "
            "rating or request comes only through the gateway's petitioner API (case number "
            "and query code); an agency system reports under its own agency code",
        )
    if bodies.agency(reporter, "reporter") is None:
        return AgencyRefusal(
            RejectReason.UNKNOWN_AGENCY,
            f"agency_code: no body of the routing table has the agency code {reporter}",
        )
    recipient = update.to_agency
    if recipient is not None:
        listed = bodies.agency(recipient.code, recipient.rule)
        if listed is None:
            return AgencyRefusal(
                RejectReason.UNKNOWN_AGENCY,
                f"to_agency.code: no body of the routing table has the agency code "
                f"{recipient.code}",
            )
        if (listed.level, listed.region_code) != (recipient.level, recipient.region_code):
            return AgencyRefusal(
                RejectReason.UNKNOWN_AGENCY,
                f"to_agency: {recipient.code} is {listed.name}, at {listed.level.value} level "
                f"in region {listed.region_code}, not at {recipient.level.value} level in "
                f"region {recipient.region_code}",
            )
    if update.occurred_at > now + AGENCY_CLOCK_SKEW:
        return AgencyRefusal(
            RejectReason.OCCURRED_IN_FUTURE,
            f"occurred_at {update.occurred_at.isoformat()} is after now ({now.isoformat()}) by "
            f"more than the {AGENCY_CLOCK_SKEW.total_seconds() / 60:.0f} minutes clocks may "
            "differ",
        )
    return None
