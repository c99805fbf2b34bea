"""Settings fail clearly; metrics start at zero; logs are JSON lines."""

from __future__ import annotations

import json
import logging

import pytest
from prometheus_client import CollectorRegistry, generate_latest

from services.common.logs import JsonFormatter
from services.common.metrics import CATALOGUE, Kind, Metrics
from services.common.settings import SettingsError, load_settings
from services.intake.settings import IntakeSettings


def test_intake_refuses_to_start_without_an_hmac_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("XINFANG_INTAKE_HMAC_KEY", raising=False)
    monkeypatch.delenv("XINFANG_DEMO_MODE", raising=False)
    monkeypatch.delenv("XINFANG_INTAKE_DEMO_MODE", raising=False)
    monkeypatch.setenv("XINFANG_CASE_ID_KEY", "a-case-id-key-of-sixteen+")
    with pytest.raises(SettingsError, match="HMAC_KEY is required"):
        load_settings(IntakeSettings)


def test_a_bad_setting_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XINFANG_INTAKE_HMAC_KEY", "x" * 32)
    monkeypatch.setenv("XINFANG_INTAKE_WEB_PORT", "seventy")
    with pytest.raises(SettingsError, match="XINFANG_INTAKE_WEB_PORT"):
        load_settings(IntakeSettings)


def test_shared_settings_apply_and_the_service_prefix_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XINFANG_DEMO_MODE", "true")
    monkeypatch.setenv("XINFANG_BOOTSTRAP_SERVERS", "broker-a:9092")
    monkeypatch.setenv("XINFANG_INTAKE_BOOTSTRAP_SERVERS", "broker-b:9092")
    settings = load_settings(IntakeSettings)
    assert settings.bootstrap_servers == "broker-b:9092"
    assert settings.demo_mode


def test_metric_names_follow_prometheus_conventions() -> None:
    for spec in CATALOGUE:
        assert spec.name.startswith("xinfang_"), spec.name
        assert (spec.kind is Kind.COUNTER) == spec.name.endswith("_total"), spec.name
        if spec.kind is Kind.HISTOGRAM:
            assert spec.name.endswith(("_seconds", "_petitions")), spec.name


def test_every_closed_series_of_a_service_starts_at_zero() -> None:
    registry = CollectorRegistry()
    metrics = Metrics(registry)
    metrics.initialise("intake")
    text = generate_latest(registry).decode()
    assert 'xinfang_intake_rejected_total{reason="invalid_json"} 0.0' in text
    assert 'xinfang_messages_failed_total{reason="schema_violation",service="intake"} 0.0' in text
    assert 'xinfang_intake_petitions_received_total{channel="hotline"} 0.0' in text
    # Another service's own metrics are not started by intake.
    assert "xinfang_dedup_verdicts_total{" not in text


def test_logs_are_json_with_extra_fields() -> None:
    record = logging.LogRecord("x", logging.WARNING, __file__, 1, "dead-lettered", (), None)
    record.reason = "invalid_json"
    entry = json.loads(JsonFormatter("intake").format(record))
    assert entry["level"] == "warning"
    assert entry["service"] == "intake"
    assert entry["reason"] == "invalid_json"
