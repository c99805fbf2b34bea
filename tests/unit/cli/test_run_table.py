"""`xinfang run` starts each service from the same package shape: app.py and settings.py."""

from __future__ import annotations

import importlib

import pytest
from pydantic_settings import BaseSettings
from typer.testing import CliRunner

from services.cli.main import SERVICES, app


@pytest.mark.parametrize("name", list(SERVICES))
def test_every_service_has_its_wiring_and_settings_where_run_looks(name: str) -> None:
    service = SERVICES[name]
    wiring = importlib.import_module(f"services.{name}.app")
    settings = importlib.import_module(f"services.{name}.settings")
    if service.settings is None:
        assert callable(wiring.serve)
    else:
        assert callable(wiring.build)
        assert issubclass(getattr(settings, service.settings), BaseSettings)


def test_an_unknown_service_is_refused_with_the_choices() -> None:
    result = CliRunner().invoke(app, ["run", "dedupe"])
    assert result.exit_code == 2
    output = " ".join(result.output.split())  # the console wraps long lines
    assert "unknown service 'dedupe': choose one of intake, dedup, escalation," in output
    assert "notification, ledger, gateway" in output
