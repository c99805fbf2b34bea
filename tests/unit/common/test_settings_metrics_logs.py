"""Settings fail clearly; metrics start at zero; logs are JSON lines."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import CollectorRegistry, generate_latest

from schemas.petitions import Stage
from services.common.logs import JsonFormatter
from services.common.metrics import CATALOGUE, Kind, Metrics
from services.common.service import build_service
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


def test_a_fetch_wait_of_nothing_is_refused_with_its_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("XINFANG_INTAKE_HMAC_KEY", "x" * 32)
    monkeypatch.setenv("XINFANG_FETCH_MAX_WAIT_SECONDS", "0")
    with pytest.raises(SettingsError, match="XINFANG_INTAKE_FETCH_MAX_WAIT_SECONDS"):
        load_settings(IntakeSettings)


async def test_the_consumer_asks_the_broker_to_wait_no_longer_than_the_setting(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Faust asks for 1.5 s whatever it is told; a record behind a fetch in flight waits
    # that long when the other partitions are quiet.
    monkeypatch.setenv("XINFANG_DEMO_MODE", "true")
    monkeypatch.setenv("XINFANG_FETCH_MAX_WAIT_SECONDS", "0.05")
    monkeypatch.setenv("XINFANG_PRODUCER_LINGER_SECONDS", "0.002")
    monkeypatch.setenv("XINFANG_DATA_DIR", str(tmp_path))
    settings = load_settings(IntakeSettings)
    service = build_service(Stage.INTAKE, settings, Metrics(CollectorRegistry()))
    app: Any = service.app
    consumer = app.consumer._thread._create_worker_consumer(app.transport)
    await consumer.stop()
    assert consumer._fetch_max_wait_ms == 50
    assert app.producer.linger_ms == 2
