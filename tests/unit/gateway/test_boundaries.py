"""County boundaries from the operator's GeoJSON: points to counties, bad files refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from services.common.regions import default_table
from services.common.settings import SettingsError, load_settings
from services.gateway.boundaries import BoundaryFileError, load_boundaries
from services.gateway.geocode import Geocoder, RegionNotFoundError, RegionSource
from services.gateway.settings import GatewaySettings

COUNTIES = Path(__file__).resolve().parents[2] / "data" / "counties.geojson"


def _load(path: Path = COUNTIES) -> Geocoder:
    boundaries = load_boundaries(path, default_table(), "adcode")
    return Geocoder(default_table(), {}, None, boundaries)


@pytest.mark.parametrize(
    ("lat_long", "county"),
    [
        ((34.35, 107.15), "610302"),
        ((34.45, 107.10), "610303"),
        ((34.35, 106.90), "610304"),
        ((34.34, 107.06), "610304"),  # in 渭滨区's hole, which is 陈仓区's second polygon
    ],
)
def test_a_point_goes_to_the_county_containing_it(
    lat_long: tuple[float, float], county: str
) -> None:
    located = _load().locate(region_code=None, address=None, address_id=None, lat_long=lat_long)
    assert (located.region_code, located.source) == (county, RegionSource.BOUNDARIES)


@pytest.mark.parametrize(
    ("lat_long", "county"),
    [
        # on a county's eastern and northern edges and corners (outside of the others):
        # the even-odd rule alone left them outside every county
        ((34.35, 107.2), "610302"),
        ((34.5, 107.1), "610303"),
        ((34.5, 107.2), "610303"),
        ((34.3, 106.8), "610304"),
        ((34.4, 106.8), "610304"),
        # on a shared border: the first county listed
        ((34.4, 107.1), "610302"),
        ((34.35, 107.0), "610302"),
        # on the edge of 渭滨区's hole, which is 陈仓区's border too: the first listed
        ((34.35, 107.06), "610302"),
    ],
)
def test_a_point_on_a_border_goes_to_a_county_it_borders(
    lat_long: tuple[float, float], county: str
) -> None:
    located = _load().locate(region_code=None, address=None, address_id=None, lat_long=lat_long)
    assert (located.region_code, located.source) == (county, RegionSource.BOUNDARIES)


@pytest.mark.parametrize("lat_long", [(34.5 + 1e-6, 107.1), (34.35, 107.2 + 1e-6), (90.0, 180.0)])
def test_a_point_just_past_a_border_is_outside(lat_long: tuple[float, float]) -> None:
    with pytest.raises(RegionNotFoundError, match=r"outside every county"):
        _load().locate(region_code=None, address=None, address_id=None, lat_long=lat_long)


def test_a_point_outside_every_county_is_refused_with_the_reason() -> None:
    with pytest.raises(RegionNotFoundError, match=r"outside every county"):
        _load().locate(region_code=None, address=None, address_id=None, lat_long=(39.9, 116.4))


def test_the_clients_region_code_still_comes_first() -> None:
    located = _load().locate(
        region_code="610303", address=None, address_id=None, lat_long=(34.35, 107.15)
    )
    assert located.source is RegionSource.ATTRIBUTE


def _feature(code: object, coordinates: object, kind: str = "Polygon") -> dict[str, object]:
    return {"type": "Feature", "properties": {"adcode": code},
            "geometry": {"type": kind, "coordinates": coordinates}}  # fmt: skip


SQUARE = [[[107.0, 34.3], [107.2, 34.3], [107.2, 34.4], [107.0, 34.4], [107.0, 34.3]]]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"type": "FeatureCollection",\n "features": [', r"line 2, column \d+: not JSON"),
        (json.dumps({"type": "Feature"}), "not a GeoJSON FeatureCollection"),
        (json.dumps({"type": "FeatureCollection", "features": [_feature("999999", SQUARE)]}),
         r"feature 0: adcode '999999' is not a county-level code"),
        (json.dumps({"type": "FeatureCollection",
                     "features": [_feature(610302, SQUARE), _feature(610303, [SQUARE[0][:-1]])]}),
         r"feature 1: ring 0: the ring is not closed"),
        (json.dumps({"type": "FeatureCollection",
                     "features": [_feature(610302, [[107.0, 34.3]], "Point")]}),
         r"feature 0: geometry 'Point'"),
        (json.dumps({"type": "FeatureCollection",
                     "features": [_feature(610302, [[[200, 34], [1, 1], [2, 2], [200, 34]]])]}),
         r"outside WGS84"),
    ],
)  # fmt: skip
def test_a_bad_boundary_file_is_refused_naming_the_feature(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "counties.geojson"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(BoundaryFileError, match=message):
        load_boundaries(path, default_table(), "adcode")


def test_a_bad_boundary_file_stops_the_gateway_at_start_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "counties.geojson"
    path.write_text("{not json", encoding="utf-8")
    monkeypatch.setenv("XINFANG_DEMO_MODE", "true")
    monkeypatch.setenv("XINFANG_GATEWAY_COUNTY_BOUNDARIES_PATH", str(path))
    with pytest.raises(SettingsError, match=r"COUNTY_BOUNDARIES_PATH|counties.geojson: line 1"):
        load_settings(GatewaySettings)
    monkeypatch.setenv("XINFANG_GATEWAY_COUNTY_BOUNDARIES_PATH", str(COUNTIES))
    boundaries = load_settings(GatewaySettings).county_boundaries()
    assert boundaries is not None
    assert len(boundaries) == 3
