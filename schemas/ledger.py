"""The ledger's topics: category ledger snapshots (compacted) and detected hotspots."""

from __future__ import annotations

from enum import StrEnum
from typing import Final, Literal

from pydantic import Field

from schemas.base import AwareDatetime, Contract, Example
from schemas.cases import AgencyLevel


class LedgerKey(Contract):
    """One ledger row: region, field (or ``all``) and period label; compaction keeps the last."""

    region_code: str = Field(pattern=r"^\d{6}$")
    field: str = Field(min_length=1, max_length=64)
    period: str = Field(
        pattern=r"^\d{4}-(\d{2}-\d{2}|W\d{2}|\d{2})$",
        description="a day (2026-12-04), an ISO week (2026-W49) or a month (2026-12), +08:00",
    )


class PeriodKind(StrEnum):
    """The length of a ledger period."""

    DAY = "day"
    #: An ISO 8601 week, Monday to Sunday (a working week of the bureau).
    WEEK = "week"
    MONTH = "month"


class PackageCase(Contract):
    """A leadership package case (包案) and the leader or body that owns it."""

    case_id: str
    owner: str


class KeyMatter(Contract):
    """An open matter of the row (清单管理): how big, how repeated, open since when."""

    matter_id: str
    petitions: int = Field(ge=1)
    repeats: int = Field(ge=0)
    petitioners: int = Field(ge=1)
    open_cases: int = Field(ge=1, description="its backlog cases (a joined repeat is none)")
    open_since: AwareDatetime = Field(description="receipt of its oldest open case")


#: Each key-matter list holds at most this many matters.
KEY_MATTERS: Final = 10


class LedgerSnapshot(Contract):
    """A category ledger row (分类台账) as it stands: the cases received in the period.

    Republished whenever one of its cases changes, so a late reply changes last week's row.
    """

    schema_version: Literal[1] = 1
    region_code: str = Field(pattern=r"^\d{6}$")
    region_level: AgencyLevel
    field: str
    period_kind: PeriodKind
    period: str
    period_start: AwareDatetime
    period_end: AwareDatetime
    petitions: int = Field(ge=0)
    petitioners: int = Field(ge=0, description="distinct petitioner refs")
    matters: int = Field(ge=0, description="distinct matters")
    new: int = Field(ge=0)
    repeat: int = Field(ge=0)
    joint: int = Field(ge=0)
    collective: int = Field(ge=0, description="petitions of matters with 5 or more people")
    accepted: int = Field(ge=0)
    accepted_within_limit: int = Field(
        ge=0,
        description=(
            "accepted before the deadline escalation enforces: Art. 23's 15 days from receipt "
            "or from a transfer to the body, to 00:00 +08:00 after the last day, rolled over "
            "rest days"
        ),
    )
    overdue: int = Field(ge=0, description="escalated for a missed time limit")
    replied: int = Field(ge=0)
    backlog: int = Field(
        ge=0,
        description=(
            "still waiting for an opinion (handling, review or re-review), as escalation "
            "has it: not a replied, refused, terminated or closed case, a repeat joined to "
            "an open case, or a repeat of a terminated matter"
        ),
    )
    leadership_package: int = Field(ge=0)
    package_cases: list[PackageCase] = Field(default_factory=list)
    satisfied: int = Field(ge=0)
    basically_satisfied: int = Field(ge=0)
    dissatisfied: int = Field(ge=0)
    not_rated: int = Field(ge=0)
    key_matters_by_petitioners: list[KeyMatter] = Field(
        default_factory=list, max_length=KEY_MATTERS, description="open matters, most people first"
    )
    key_matters_by_repeats: list[KeyMatter] = Field(
        default_factory=list, max_length=KEY_MATTERS, description="open matters, most repeats first"
    )
    key_matters_by_age: list[KeyMatter] = Field(
        default_factory=list, max_length=KEY_MATTERS, description="open matters, oldest first"
    )
    updated_at: AwareDatetime


class HotspotKind(StrEnum):
    MATTER = "matter"
    PLACE = "place"


class HotspotKey(Contract):
    hotspot_id: str = Field(min_length=1, max_length=64)


#: A hotspot lists at most this many member cases (the counts say how many there are).
MAX_MEMBERS: Final = 500


class HotspotDetected(Contract):
    """A matter or a class of problems rising well above its own baseline, with evidence.

    Published when the hotspot is first detected and again as it grows (same id).
    """

    schema_version: Literal[1] = 1
    hotspot_id: str = Field(description="deterministic: the group and its first case")
    kind: HotspotKind
    region_code: str = Field(pattern=r"^\d{6}$", description="the city (place) or county")
    group: str = Field(description="the place or organisation, or the matter id")
    field: str = Field(description="the most common field of its petitions")
    heat: float = Field(ge=0.0, description="the heat index (README, ledger)")
    first_at: AwareDatetime
    last_at: AwareDatetime
    description: str
    key_terms: list[str] = Field(default_factory=list)
    petitions: int = Field(ge=1)
    petitioners: int = Field(ge=1)
    escalated: int = Field(ge=0)
    baseline_petitions: int = Field(ge=0)
    expected_petitions: float = Field(ge=0.0)
    growth: float = Field(ge=1.0)
    case_ids: list[str] = Field(max_length=MAX_MEMBERS)
    detected_at: AwareDatetime


_KEY_MATTER: Final = {
    "matter_id": "MT-XF-2B8D6F0H3J5L", "petitions": 1, "repeats": 0, "petitioners": 1,
    "open_cases": 1, "open_since": "2026-11-17T10:00:00+08:00",
}  # fmt: skip
SNAPSHOT_EXAMPLES: Final = (
    Example(
        key={"region_code": "610300", "field": "all", "period": "2026-W47"},
        value={
            "region_code": "610300", "region_level": "city", "field": "all",
            "period_kind": "week", "period": "2026-W47",
            "period_start": "2026-11-16T00:00:00+08:00",
            "period_end": "2026-11-23T00:00:00+08:00",
            "petitions": 2, "petitioners": 2, "matters": 2, "new": 2, "repeat": 0, "joint": 0,
            "collective": 1, "accepted": 2, "accepted_within_limit": 1, "overdue": 1,
            "replied": 1, "backlog": 1, "leadership_package": 1,
            "package_cases": [{"case_id": "XF-7K2M9Q4T8W1Z", "owner": "610300-mayor"}],
            "satisfied": 1, "basically_satisfied": 0, "dissatisfied": 0, "not_rated": 1,
            "key_matters_by_petitioners": [_KEY_MATTER], "key_matters_by_repeats": [_KEY_MATTER],
            "key_matters_by_age": [_KEY_MATTER],
            "updated_at": "2026-12-07T09:00:01+08:00",
        },
        summary="A city's week: two cases, one answered late and owned by the mayor",
    ),
)  # fmt: skip
HOTSPOT_EXAMPLES: Final = (
    Example(
        key={"hotspot_id": "HS-5QZ3N7XK2M4P"},
        value={
            "hotspot_id": "HS-5QZ3N7XK2M4P", "kind": "place", "region_code": "610300",
            "group": "阳光小区", "field": "housing.property_management", "heat": 201.3,
            "first_at": "2026-11-10T08:12:00+08:00", "last_at": "2026-11-12T21:40:00+08:00",
            "description": "宝鸡市阳光小区: 地下车库污水倒灌 (12 petitions, 8 people)",
            "key_terms": ["地下车库污水倒灌"], "petitions": 12, "petitioners": 8,
            "escalated": 1, "baseline_petitions": 0, "expected_petitions": 0.0,
            "growth": 13.0, "case_ids": ["XF-7K2M9Q4T8W1Z", "XF-2B8D6F0H3J5L"],
            "detected_at": "2026-11-12T21:40:01+08:00",
        },
        summary="Residents of one estate about sewage in its garage, far above its baseline",
    ),
)  # fmt: skip
