"""County boundaries from an operator's GeoJSON file: which county a WGS84 point is in.

Open311 clients may locate a request by ``lat`` and ``long`` alone. The operator supplies
the county boundaries of their area as a GeoJSON FeatureCollection (RFC 7946): one feature
per county, a Polygon or MultiPolygon geometry, and the county-level code (GB/T 2260) in a
property (``adcode`` by default, as in the widely used DataV files). The file is checked
whole at start-up; an error names the file, the feature and what is wrong.

Point in polygon is the even-odd rule on each ring (holes are the polygon's later rings),
with a bounding box per polygon first: a few hundred counties answer in microseconds, so
no geometry library is needed. A county contains its border (the even-odd rule alone
would leave a point on its eastern or northern edge, or on a corner, outside every
county): a point on a shared border belongs to the first county listed that has it.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from services.common.regions import RegionTable

Ring = tuple[tuple[float, float], ...]


class BoundaryFileError(ValueError):
    """The boundary file cannot be used; the message names the file and the feature."""


@dataclass(frozen=True)
class _Polygon:
    region_code: str
    rings: tuple[Ring, ...]  # (longitude, latitude) pairs; the first is the outer ring
    west: float
    south: float
    east: float
    north: float

    def contains(self, longitude: float, latitude: float) -> bool:
        if not (self.west <= longitude <= self.east and self.south <= latitude <= self.north):
            return False
        if any(_on_border(ring, longitude, latitude) for ring in self.rings):
            return True  # a hole's edge too: the hole is what is inside it
        return sum(_inside(ring, longitude, latitude) for ring in self.rings) % 2 == 1


#: How far from an edge a point still lies on it, in degrees (about 0.1 mm): coordinates
#: from a file and from a client round differently.
_ON_BORDER_DEGREES = 1e-9


def _on_border(ring: Ring, x: float, y: float) -> bool:
    """Whether (x, y) lies on one of the ring's edges, corners included."""
    for (x1, y1), (x2, y2) in itertools.pairwise(ring):
        if not (
            min(x1, x2) - _ON_BORDER_DEGREES <= x <= max(x1, x2) + _ON_BORDER_DEGREES
            and min(y1, y2) - _ON_BORDER_DEGREES <= y <= max(y1, y2) + _ON_BORDER_DEGREES
        ):
            continue
        # The distance from the edge's line: the cross product over the edge's length.
        cross = (x2 - x1) * (y - y1) - (y2 - y1) * (x - x1)
        if abs(cross) <= _ON_BORDER_DEGREES * math.hypot(x2 - x1, y2 - y1):
            return True
    return False


def _inside(ring: Ring, x: float, y: float) -> bool:
    """Even-odd rule: does a ray from (x, y) eastwards cross the ring an odd number of times."""
    inside = False
    for (x1, y1), (x2, y2) in itertools.pairwise(ring):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


class CountyBoundaries:
    """The counties of a boundary file; :meth:`county_at` answers a point's county."""

    def __init__(self, polygons: Sequence[_Polygon]) -> None:
        self._polygons = tuple(polygons)

    def __len__(self) -> int:
        return len({polygon.region_code for polygon in self._polygons})

    def county_at(self, latitude: float, longitude: float) -> str | None:
        """The county-level code of the county containing the point, None outside them all."""
        for polygon in self._polygons:
            if polygon.contains(longitude, latitude):
                return polygon.region_code
        return None


def load_boundaries(path: Path, table: RegionTable, code_property: str) -> CountyBoundaries:
    """Read and check a boundary file, or raise BoundaryFileError naming what is wrong."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BoundaryFileError(f"{path}: cannot be read: {exc}") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BoundaryFileError(
            f"{path}: line {exc.lineno}, column {exc.colno}: not JSON: {exc.msg}"
        ) from None
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise BoundaryFileError(f"{path}: not a GeoJSON FeatureCollection")
    features = document.get("features")
    if not isinstance(features, list) or not features:
        raise BoundaryFileError(f"{path}: the FeatureCollection has no features")
    polygons: list[_Polygon] = []
    for index, feature in enumerate(features):
        where = f"{path}: feature {index}"
        try:
            polygons += _feature_polygons(feature, table, code_property)
        except BoundaryFileError as exc:
            raise BoundaryFileError(f"{where}: {exc}") from None
    return CountyBoundaries(polygons)


def _feature_polygons(feature: Any, table: RegionTable, code_property: str) -> list[_Polygon]:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise BoundaryFileError("not a GeoJSON Feature")
    properties = feature.get("properties") or {}
    raw_code = properties.get(code_property) if isinstance(properties, dict) else None
    if raw_code is None:
        raise BoundaryFileError(f"no {code_property!r} property (the county-level code)")
    code = str(raw_code)
    if not table.is_matter_region(code):
        raise BoundaryFileError(
            f"{code_property} {code!r} is not a county-level code of the national table"
        )
    geometry = feature.get("geometry")
    if not isinstance(geometry, dict):
        raise BoundaryFileError("no geometry")
    kind, coordinates = geometry.get("type"), geometry.get("coordinates")
    if kind == "Polygon":
        return [_polygon(code, coordinates, "")]
    if kind == "MultiPolygon" and isinstance(coordinates, list):
        return [_polygon(code, part, f"polygon {i}: ") for i, part in enumerate(coordinates)]
    raise BoundaryFileError(f"geometry {kind!r}: a county is a Polygon or a MultiPolygon")


def _polygon(code: str, coordinates: Any, where: str) -> _Polygon:
    if not isinstance(coordinates, list) or not coordinates:
        raise BoundaryFileError(f"{where}a polygon is a list of rings")
    rings = tuple(_ring(ring, f"{where}ring {i}: ") for i, ring in enumerate(coordinates))
    longitudes = [point[0] for point in rings[0]]
    latitudes = [point[1] for point in rings[0]]
    return _Polygon(
        code, rings, min(longitudes), min(latitudes), max(longitudes), max(latitudes)
    )


def _ring(positions: Any, where: str) -> Ring:
    if not isinstance(positions, list) or len(positions) < 4:
        raise BoundaryFileError(f"{where}a ring has at least 4 positions (RFC 7946 3.1.6)")
    ring: list[tuple[float, float]] = []
    for position in positions:
        if (
            not isinstance(position, list)
            or len(position) < 2
            or not all(isinstance(n, int | float) for n in position[:2])
        ):
            raise BoundaryFileError(f"{where}{position!r} is not a [longitude, latitude] pair")
        longitude, latitude = float(position[0]), float(position[1])
        if not (-180 <= longitude <= 180 and -90 <= latitude <= 90):
            raise BoundaryFileError(f"{where}{position!r} is outside WGS84 degrees")
        ring.append((longitude, latitude))
    if ring[0] != ring[-1]:
        raise BoundaryFileError(f"{where}the ring is not closed (first and last positions differ)")
    return tuple(ring)
