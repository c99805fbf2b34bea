"""A bad setting stops a service with ``SettingsError`` naming its variable, whatever is
wrong with it: a value the model refuses, JSON that does not parse, a data directory that
cannot be one."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.common.settings import ServiceSettings, SettingsError, load_settings
from services.gateway.settings import GatewaySettings
from services.intake.settings import IntakeSettings


class MappingSettings(ServiceSettings):
    """A service with a setting that is a mapping, given as JSON."""

    model_config = SettingsConfigDict(frozen=True, extra="ignore", env_prefix="XINFANG_TOY_")

    places: dict[str, str] = Field(default_factory=dict)


@pytest.mark.parametrize("variable", ["XINFANG_TOY_PLACES", "XINFANG_PLACES"])
def test_broken_json_is_a_settings_error_naming_the_variable_it_is_in(
    monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    monkeypatch.setenv(variable, "{bad")
    with pytest.raises(SettingsError) as caught:
        load_settings(MappingSettings)
    assert str(caught.value) == (
        f"invalid settings:\n  {variable}: not valid JSON (Expecting property name enclosed "
        "in double quotes: line 1 column 2 (char 1))"
    )


def test_good_json_still_applies(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XINFANG_PLACES", '{"a": "b"}')
    assert load_settings(MappingSettings).places == {"a": "b"}


def test_the_gateways_place_regions_in_broken_json_name_their_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("XINFANG_DEMO_MODE", "true")
    monkeypatch.setenv("XINFANG_GATEWAY_PLACE_REGIONS", "{bad")
    with pytest.raises(SettingsError, match=r"XINFANG_GATEWAY_PLACE_REGIONS: not valid JSON"):
        load_settings(GatewaySettings)


@pytest.mark.parametrize("below", ["", "state", "state/deeper"])
def test_a_data_dir_where_a_file_is_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, below: str
) -> None:
    a_file = tmp_path / "a-file"
    a_file.write_text("", encoding="utf-8")
    monkeypatch.setenv("XINFANG_DEMO_MODE", "true")
    monkeypatch.setenv("XINFANG_DATA_DIR", str(a_file / below))
    with pytest.raises(SettingsError, match=r"XINFANG_INTAKE_DATA_DIR: .*a-file is not a dir"):
        load_settings(IntakeSettings)


def test_a_data_dir_still_to_make_is_fine(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XINFANG_DEMO_MODE", "true")
    monkeypatch.setenv("XINFANG_DATA_DIR", str(tmp_path / "not" / "yet"))
    assert load_settings(IntakeSettings).data_dir == tmp_path / "not" / "yet"


def test_a_check_of_several_settings_reads_as_its_own_message(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Not "XINFANG_GATEWAY_: Value error, ...": the message names its variables itself.
    monkeypatch.delenv("XINFANG_DEMO_MODE", raising=False)
    monkeypatch.delenv("XINFANG_GATEWAY_DEMO_MODE", raising=False)
    monkeypatch.delenv("XINFANG_CASE_ID_KEY", raising=False)
    monkeypatch.delenv("XINFANG_GATEWAY_CASE_ID_KEY", raising=False)
    with pytest.raises(SettingsError) as caught:
        load_settings(GatewaySettings)
    assert "\n  CASE_ID_KEY is required outside demo mode" in str(caught.value)
