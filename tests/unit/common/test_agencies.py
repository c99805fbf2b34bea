"""The routing table's bodies by code: what a transfer may name (issue 16)."""

from __future__ import annotations

from datetime import UTC, datetime

from schemas.cases import AgencyLevel, CaseUpdate, Rating, UpdateKind
from schemas.petitions import RejectReason
from services.common.agencies import (
    AGENCY_CLOCK_SKEW,
    agency_update_refusal,
    shipped_directory,
)
from services.gateway import casework_api
from services.gateway.models import RatingRequest
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


def test_a_petitioners_update_is_the_gateways_to_publish_never_an_agency_systems() -> None:
    # The petitioner's door (case number and query code) publishes straight to
    # cases.updates under the reporter "petitioner"; the same update coming from an agency
    # system (through intake) is a forged rating.
    now = datetime(2026, 12, 3, tzinfo=UTC)
    rating = casework_api.rating_update("XF-7K2M9Q4T8W1Z", RatingRequest(rating=Rating.SATISFIED))
    refusal = agency_update_refusal(rating(now), now)
    assert refusal is not None
    assert refusal.reason is RejectReason.UNKNOWN_AGENCY
    assert "the petitioner's, not an agency's" in refusal.detail


def test_an_agencys_update_as_the_gateway_makes_it_is_refused_for_nothing() -> None:
    now = datetime(2026, 12, 3, tzinfo=UTC)
    directory = shipped_directory()
    recipient = directory.agency("610302-housing", "transferred_by:610302-xfj")
    transfer = CaseUpdate(
        update_id="AG-1", case_id="XF-7K2M9Q4T8W1Z", kind=UpdateKind.TRANSFERRED,
        occurred_at=now + AGENCY_CLOCK_SKEW, agency_code="610302-xfj", to_agency=recipient,
    )  # fmt: skip
    assert agency_update_refusal(transfer, now, directory) is None
    late = transfer.model_copy(update={"occurred_at": now + AGENCY_CLOCK_SKEW * 2})
    refusal = agency_update_refusal(late, now, directory)
    assert refusal is not None
    assert refusal.reason is RejectReason.OCCURRED_IN_FUTURE
