"""Telling the county of an Open311 request from what the client sent. No network here.

Open311 locates a request by lat/long, address_string or address_id; a petition needs the
county-level code of its place (GB/T 2260). In order: the client's attribute[region_code];
lat/long in a county of the operator's boundary file, when one is configured (a point
outside every county of it is the client's error);
a configured place ("某小区" -> 610302) named in the address or equal to the address_id;
a county-level name of the national table named in the address, narrowed by the city or
province names it also gives; the configured default. Anything else is the client's
error, with the candidates named.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from services.common.regions import RegionTable
from services.gateway.boundaries import CountyBoundaries
from services.gateway.models import echo


class RegionSource(StrEnum):
    """Where the region code of a request came from (logged with the request)."""

    ATTRIBUTE = "attribute"
    BOUNDARIES = "boundaries"
    CONFIGURED_PLACE = "configured_place"
    ADDRESS_NAME = "address_name"
    DEFAULT = "default"


class RegionNotFoundError(ValueError):
    """The request does not tell its county; the message says what to send."""


@dataclass(frozen=True)
class Located:
    region_code: str
    source: RegionSource


class Geocoder:
    """Region codes from Open311 locations, with one region table and the configured places."""

    def __init__(
        self,
        table: RegionTable,
        places: Mapping[str, str],
        default_region_code: str | None,
        boundaries: CountyBoundaries | None = None,
    ) -> None:
        for place, code in places.items():
            if not table.is_matter_region(code):
                raise ValueError(f"place {place!r}: {code} is not a county-level code")
        if default_region_code is not None and not table.is_matter_region(default_region_code):
            raise ValueError(f"default region {default_region_code} is not a county-level code")
        self._table = table
        # Longest place first, so that "清姜路1号院" wins over "清姜路".
        self._places = sorted(places.items(), key=lambda item: -len(item[0]))
        self._default = default_region_code
        self._boundaries = boundaries
        self._by_name: dict[str, list[str]] = defaultdict(list)
        for region in table:
            if table.is_matter_region(region.code):
                self._by_name[region.name].append(region.code)

    def locate(
        self,
        *,
        region_code: str | None,
        address: str | None,
        address_id: str | None,
        lat_long: tuple[float, float] | None = None,
    ) -> Located:
        """The county of a request, or RegionNotFoundError naming what is missing."""
        if region_code:
            if not self._table.is_matter_region(region_code):
                raise RegionNotFoundError(
                    f"attribute[region_code]: {echo(region_code)} is not a county-level code of "
                    "the national table (six digits, e.g. 610302)"
                )
            return Located(region_code, RegionSource.ATTRIBUTE)
        if lat_long is not None and self._boundaries is not None:
            county = self._boundaries.county_at(*lat_long)
            if county is None:
                raise RegionNotFoundError(
                    f"lat/long: ({lat_long[0]}, {lat_long[1]}) is outside every county this "
                    "service covers; send attribute[region_code] if the place is right"
                )
            return Located(county, RegionSource.BOUNDARIES)
        for place, code in self._places:
            if (address and place in address) or place == address_id:
                return Located(code, RegionSource.CONFIGURED_PLACE)
        if address:
            found = self._from_names(address)
            if found is not None:
                return Located(found, RegionSource.ADDRESS_NAME)
        if self._default is not None:
            return Located(self._default, RegionSource.DEFAULT)
        raise RegionNotFoundError(
            "location: the county cannot be told from this request; send "
            "attribute[region_code] (e.g. 610302) or an address_string naming the county "
            "(e.g. 宝鸡市渭滨区清姜路1号)"
        )

    def _from_names(self, address: str) -> str | None:
        named = [name for name in self._by_name if name in address]
        # "新城区" also contains "城区": a name inside another name found is not a match.
        named = [name for name in named if not any(name != o and name in o for o in named)]
        candidates = [code for name in named for code in self._by_name[name]]
        if len(candidates) > 1:
            narrowed = [code for code in candidates if self._parents_named(code, address)]
            candidates = narrowed or candidates
        if len(candidates) > 1:
            listed = ", ".join(
                f"{self._table.full_name(code)} ({code})" for code in sorted(candidates)[:8]
            )
            raise RegionNotFoundError(
                f"address_string: names more than one county ({listed}); add the city or "
                "province to the address, or send attribute[region_code]"
            )
        return candidates[0] if candidates else None

    def _parents_named(self, code: str, address: str) -> bool:
        parents = self._table.parent_chain(code)[1:]
        return any(parent.name in address for parent in parents)
