"""The national table of administrative divisions."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schemas.cases import AgencyLevel
from services.common import regions


def test_the_table_is_the_full_national_list() -> None:
    table = regions.default_table()
    counties = [r for r in table if r.level is AgencyLevel.COUNTY]
    assert len(counties) > 2800
    assert len([r for r in table if r.level is AgencyLevel.PROVINCE]) == 34


def test_weibin_district_of_baoji() -> None:
    assert regions.is_county("610302")
    assert regions.name("610302") == "渭滨区"
    assert regions.city_of("610302") == "610300"
    assert regions.province_of("610302") == "610000"
    assert [r.code for r in regions.parent_chain("610302")] == ["610302", "610300", "610000"]
    assert regions.default_table().full_name("610302") == "陕西省宝鸡市渭滨区"


def test_a_district_of_a_municipality_has_no_city() -> None:
    assert regions.is_county("110105")
    assert regions.name("110105") == "朝阳区"
    assert regions.city_of("110105") is None
    assert regions.province_of("110105") == "110000"


def test_cities_and_provinces_are_not_counties() -> None:
    assert not regions.is_county("610300")
    assert not regions.is_county("610000")
    assert regions.city_of("610300") == "610300"


def test_a_city_without_counties_is_a_place_of_matter() -> None:
    assert not regions.is_county("441900")
    assert regions.is_matter_region("441900")
    assert not regions.is_matter_region("610300")


def test_unknown_codes() -> None:
    assert not regions.is_county("999999")
    with pytest.raises(regions.UnknownRegionError):
        regions.name("999999")


@given(st.text(max_size=8))
def test_lookups_never_crash_on_arbitrary_text(code: str) -> None:
    assert regions.is_county(code) in (True, False)
    assert regions.is_matter_region(code) in (True, False)
