"""`xinfang run gateway` with a setting pydantic-settings cannot even decode (the JSON of
``XINFANG_GATEWAY_PLACE_REGIONS='{bad'``): the one clear error naming the variable and
exit 2 that every other bad setting gets, not pydantic-settings' "error parsing value for
field" in a traceback, exit 1."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from services.cli.main import app
from services.common.settings import SettingsError, load_settings
from services.gateway.settings import GatewaySettings


@pytest.fixture(autouse=True)
def _environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XINFANG_DEMO_MODE", "true")
    monkeypatch.setenv("XINFANG_BOOTSTRAP_SERVERS", "127.0.0.1:1")
    monkeypatch.delenv("XINFANG_PLACE_REGIONS", raising=False)


@pytest.mark.parametrize("value", ["{bad", '{"清姜路": ', "[1, 2"])
def test_a_mapping_that_is_not_json_is_a_settings_error_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("XINFANG_GATEWAY_PLACE_REGIONS", value)
    with pytest.raises(SettingsError) as refused:
        load_settings(GatewaySettings)
    assert str(refused.value).startswith(
        "invalid settings:\n  XINFANG_GATEWAY_PLACE_REGIONS: not valid JSON ("
    )


def test_the_shared_prefix_is_named_when_it_is_the_one_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("XINFANG_GATEWAY_PLACE_REGIONS", raising=False)
    monkeypatch.setenv("XINFANG_PLACE_REGIONS", "{bad")
    with pytest.raises(SettingsError, match=r"\n  XINFANG_PLACE_REGIONS: not valid JSON"):
        load_settings(GatewaySettings)


def test_run_gateway_says_so_in_one_error_and_exits_2(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XINFANG_GATEWAY_PLACE_REGIONS", "{bad")
    result = CliRunner().invoke(app, ["run", "gateway"])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    output = " ".join(result.output.split())  # the console wraps long lines
    assert output.startswith(
        "error: invalid settings: XINFANG_GATEWAY_PLACE_REGIONS: not valid JSON (Expecting "
        "property name enclosed in double quotes"
    ), output


def test_a_value_the_model_refuses_is_still_named_as_before(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("XINFANG_GATEWAY_PLACE_REGIONS", '{"清姜路": "61030"}')
    result = CliRunner().invoke(app, ["run", "gateway"])
    assert result.exit_code == 2, result.output
    assert "XINFANG_GATEWAY_PLACE_REGIONS.清姜路" in result.output
