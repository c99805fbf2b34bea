"""The routing table's bodies by code: what a transfer may name (issue 16)."""

from __future__ import annotations

from schemas.cases import AgencyLevel
from services.common.agencies import shipped_directory
from services.intake.routing import agency_codes


def test_a_code_names_a_listed_or_synthesised_body_and_nothing_else() -> None:
    directory = shipped_directory()
    housing = directory.agency("610302-housing", "transferred_by:610302-xfj")
    assert housing is not None
    assert (housing.name, housing.level, housing.region_code, housing.rule) == (
        "渭滨区住房和城乡建设局", AgencyLevel.COUNTY, "610302", "transferred_by:610302-xfj"
    )  # fmt: skip
    # A city's petition bureau, which the table does not list: as routing would name it.
    city = directory.agency("610300-xfj", "r")
    assert city is not None
    assert (city.name, city.level) == ("宝鸡市信访局", AgencyLevel.CITY)
    national = directory.agency(directory.table.national_discipline.code, "r")
    assert national is not None
    assert national.level is AgencyLevel.NATIONAL
    for unknown in ("610302-nosuch", "999999-xfj", "610302", "xfj", "610302-xfj-2"):
        assert directory.agency(unknown, "r") is None, unknown
    # Every code intake lists for inbox topics is a body the directory knows.
    assert all(directory.agency(code, "r") is not None for code in agency_codes())
