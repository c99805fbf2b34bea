"""Routing: accusations, litigation, the field table and the petition bureau."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schemas.cases import AgencyLevel, MatterKind
from services.common import regions
from services.common.agencies import load_table
from services.common.rulefile import RuleFileError
from services.intake.routing import (
    Router,
    RoutingReason,
    UnroutableRegionError,
    agency_codes,
    default_router,
    route,
)


def _route(
    region: str,
    field: str,
    kind: MatterKind = MatterKind.COMPLAINT,
    accused: str | None = None,
    text: str = "",
) -> tuple[str, RoutingReason, str]:
    decision = route(region_code=region, field=field, kind=kind, accused=accused, text=text)
    return decision.agency.code, decision.reason, decision.agency.rule


def test_a_field_goes_to_the_competent_county_body() -> None:
    code, reason, rule = _route("610302", "labour_social_security")
    assert (code, reason) == ("610302-rsj", RoutingReason.FIELD_TABLE)
    assert rule == "field:labour_social_security/610302"


def test_a_housing_subfield_uses_its_own_entry_then_the_housing_group() -> None:
    assert _route("610302", "housing.demolition")[0] == "610302-fwzs"
    assert _route("610302", "housing.quality")[0] == "610302-housing"


def test_a_city_prefix_entry_serves_every_county_of_the_city() -> None:
    decision = route(
        region_code="610303", field="environment", kind=MatterKind.COMPLAINT, accused=None, text=""
    )
    assert decision.agency.code == "610300-sthjj"
    assert decision.agency.level is AgencyLevel.CITY
    assert decision.agency.region_code == "610300"


def test_litigation_goes_to_the_political_legal_committee_of_the_region() -> None:
    assert _route("610302", "litigation")[:2] == (
        "610302-zfw",
        RoutingReason.LITIGATION_POLITICAL_LEGAL,
    )
    assert _route("110105", "litigation")[0] == "110105-zfw"


def test_an_accused_county_body_goes_to_the_city_discipline_commission() -> None:
    decision = route(
        region_code="610302",
        field="discipline",
        kind=MatterKind.ACCUSATION,
        accused="渭滨区住房和城乡建设局",
        text="",
    )
    assert decision.agency.code == "610300-jw"
    assert decision.agency.level is AgencyLevel.CITY
    assert decision.accused_level is AgencyLevel.COUNTY
    assert decision.reason is RoutingReason.ACCUSATION_DISCIPLINE


def test_an_accusation_outranks_the_field_even_in_housing_or_litigation() -> None:
    assert _route("610302", "housing.demolition", MatterKind.ACCUSATION)[0] == "610300-jw"
    assert _route("610302", "litigation", MatterKind.ACCUSATION)[0] == "610300-jw"


def test_a_village_official_goes_to_the_county_commission() -> None:
    code, _, rule = _route("610302", "discipline", MatterKind.ACCUSATION, text="举报村支书贪污")
    assert code == "610302-jw"
    assert rule == "accusation:one_level_up/township"


def test_a_beijing_district_body_goes_to_the_municipal_commission() -> None:
    assert (
        _route("110105", "discipline", MatterKind.ACCUSATION, accused="朝阳区教委")[0]
        == "110000-jw"
    )


def test_an_accused_city_or_province_body_goes_further_up() -> None:
    assert _route("610302", "discipline", MatterKind.ACCUSATION, accused="宝鸡市住建局")[0] == (
        "610000-jw"
    )
    assert (
        _route("610302", "discipline", MatterKind.ACCUSATION, accused="陕西省住建厅")[0] == "ccdi"
    )


def test_an_accusation_never_goes_to_the_accused_commission_itself() -> None:
    code, _, _ = _route("610302", "discipline", MatterKind.ACCUSATION, accused="宝鸡市纪委监委")
    assert code == "610000-jw"


def test_no_match_goes_to_the_petition_bureau() -> None:
    assert _route("610302", "unclassified")[:2] == ("610302-xfj", RoutingReason.PETITION_BUREAU)
    assert _route("110105", "unclassified")[0] == "110105-xfb"


def test_any_county_gets_a_synthesised_petition_bureau() -> None:
    decision = route(
        region_code="530102", field="medical", kind=MatterKind.COMPLAINT, accused=None, text=""
    )
    assert decision.agency.code == "530102-xfj"
    assert decision.agency.name == "昆明市五华区信访局"
    assert decision.agency.rule.endswith("/synthesised")


def test_an_unknown_region_is_refused() -> None:
    with pytest.raises(UnroutableRegionError):
        _route("999999", "medical")


def test_a_letter_to_a_city_or_province_goes_to_that_level() -> None:
    # A letter to the city's mailbox naming no county carries the city's code.
    assert _route("610300", "no-such-field")[0] == "610300-xfj"
    assert _route("610000", "no-such-field")[0] == "610000-xfj"


def test_agency_codes_list_every_body_of_the_table() -> None:
    codes = agency_codes()
    assert {
        "610302-xfj",
        "610302-zfw",
        "610302-jw",
        "610300-jw",
        "610000-jw",
        "110105-xfb",
        "110000-jw",
        "610302-housing",
        "ccdi",
    } <= set(codes)
    assert all(re.fullmatch(r"[a-z0-9_-]{2,64}", code) for code in codes)
    assert len(codes) == len(set(codes))


TABLE = """\
version: 1
national_discipline: {code: ccdi, name: 中央纪委国家监委, region: "100000"}
regions:
  "610302":
    fields:
      medical: {code: 610302-wjj, name: 渭滨区卫生健康局}
"""


def test_a_region_not_in_the_national_table_names_its_line() -> None:
    with pytest.raises(RuleFileError, match=r"routing.yaml:3:1: regions: .*999999"):
        load_table(TABLE.replace('"610302"', '"999999"'), "routing.yaml")


def test_a_bad_agency_code_names_its_line() -> None:
    with pytest.raises(RuleFileError, match=r"routing.yaml:6:17: regions.610302.fields.medical"):
        load_table(TABLE.replace("610302-wjj", "Bad Code"), "routing.yaml")


def test_an_unknown_field_names_its_line() -> None:
    with pytest.raises(RuleFileError, match=r"routing.yaml:5:5: .*'hospitals'"):
        load_table(TABLE.replace("medical:", "hospitals:"), "routing.yaml")


COUNTIES = sorted(r.code for r in regions.default_table() if regions.is_matter_region(r.code))


@given(
    st.sampled_from(COUNTIES),
    st.sampled_from([*default_router().table.regions["610302"].fields, "litigation", "x"]),
    st.sampled_from(list(MatterKind)),
    st.one_of(st.none(), st.text(max_size=30)),
    st.text(max_size=100),
)
def test_every_county_routes_somewhere_and_never_to_the_accused(
    region: str, field: str, kind: MatterKind, accused: str | None, text: str
) -> None:
    decision = route(region_code=region, field=field, kind=kind, accused=accused, text=text)
    assert re.fullmatch(r"[a-z0-9_-]{2,64}", decision.agency.code)
    if kind is MatterKind.ACCUSATION:
        assert decision.agency.level is not AgencyLevel.COUNTY or decision.accused_level is (
            AgencyLevel.TOWNSHIP
        )


def test_a_decision_by_region_and_field_is_the_same_when_it_is_asked_again() -> None:
    # Decisions that are not accusations are kept by region and field: the second is the
    # first, and both are those of a router that never decided anything.
    first = _route("610302", "environment")
    assert _route("610302", "environment") == first
    fresh = Router(default_router().table, default_router().regions)
    decision = fresh.route(
        region_code="610302", field="environment", kind=MatterKind.COMPLAINT, accused=None, text=""
    )
    assert (decision.agency.code, decision.reason, decision.agency.rule) == first
    # Another field of the region, or the same field elsewhere, is decided on its own.
    assert _route("610302", "litigation")[1] is RoutingReason.LITIGATION_POLITICAL_LEGAL
    assert _route("610303", "environment")[0] == "610300-sthjj"


def test_an_unknown_region_is_refused_however_often_it_is_asked() -> None:
    for _ in range(2):
        with pytest.raises(UnroutableRegionError):
            _route("999999", "environment")
