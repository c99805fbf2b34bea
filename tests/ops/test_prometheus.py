"""The Prometheus configuration and alert rules: valid, unit-tested, and on catalogue names."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from services.common.metrics import CATALOGUE, SERVICES
from tests.ops.expressions import alert_expressions, alert_rules, metric_names
from tests.ops.paths import RULE_TESTS_DIR, RULES_DIR, require_tool
from tests.ops.prometheus_config import (
    COMPOSE_CONFIG,
    DEFAULT_PORTS,
    JOB_PREFIX,
    LOCAL_CONFIG,
    render_local_config,
    write_local_config,
)

SEVERITIES = {"critical", "warning", "info"}


def _promtool(*args: str) -> subprocess.CompletedProcess[str]:
    promtool = require_tool("promtool")
    return subprocess.run(
        [promtool, *args], capture_output=True, text=True, timeout=300, check=False
    )


def test_rule_files_pass_promtool_check() -> None:
    result = _promtool("check", "rules", *map(str, sorted(RULES_DIR.glob("*.yml"))))
    assert result.returncode == 0, result.stdout + result.stderr


def test_rule_unit_tests_pass() -> None:
    result = _promtool("test", "rules", *map(str, sorted(RULE_TESTS_DIR.glob("*.yml"))))
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("config", [COMPOSE_CONFIG, LOCAL_CONFIG], ids=lambda p: p.name)
def test_prometheus_configs_pass_promtool_check(config: Path) -> None:
    result = _promtool("check", "config", str(config))
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_rendered_local_config_with_other_ports_is_valid(tmp_path: Path) -> None:
    ports = {name: 20000 + i for i, name in enumerate(DEFAULT_PORTS)}
    config = write_local_config(tmp_path / "prometheus.yml", ports, scrape_interval="1s")
    result = _promtool("check", "config", str(config))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "127.0.0.1:20000" in config.read_text(encoding="utf-8")


def test_the_committed_local_config_is_generated_from_the_compose_one() -> None:
    assert LOCAL_CONFIG.read_text(encoding="utf-8") == render_local_config(), (
        "deploy/prometheus/prometheus.local.yml is stale: "
        "run `python -m tests.ops.prometheus_config`"
    )


def test_every_process_is_scraped_as_its_own_job() -> None:
    config = yaml.safe_load(COMPOSE_CONFIG.read_text(encoding="utf-8"))
    jobs = {job["job_name"] for job in config["scrape_configs"]}
    assert jobs == {JOB_PREFIX + name for name in (*SERVICES, "gateway")}
    assert set(DEFAULT_PORTS) == {*SERVICES, "gateway"}


def _catalogue_names() -> set[str]:
    names = set()
    for spec in CATALOGUE:
        names.add(spec.name)
        if spec.kind.value == "histogram":
            names.update(f"{spec.name}{suffix}" for suffix in ("_bucket", "_sum", "_count"))
    return names


def test_alerts_read_only_catalogue_metrics() -> None:
    # up from Prometheus; process_start_time_seconds from prometheus_client's process collector.
    known = _catalogue_names() | {"up", "process_start_time_seconds"}
    for expression in alert_expressions():
        unknown = metric_names(expression.expr) - known
        assert not unknown, f"{expression.origin} reads metrics outside the catalogue: {unknown}"


def test_every_alert_has_a_severity_a_runbook_and_a_unit_test() -> None:
    tested = "\n".join(path.read_text(encoding="utf-8") for path in RULE_TESTS_DIR.glob("*.yml"))
    rules = alert_rules()
    assert rules
    for rule in rules:
        name = rule["alert"]
        assert rule["labels"]["severity"] in SEVERITIES, name
        assert rule["annotations"]["summary"], name
        assert "Runbook:" in rule["annotations"]["description"], name
        assert f"alertname: {name}\n" in tested, f"{name} has no promtool unit test"


def test_every_failure_signal_of_the_catalogue_has_an_alert() -> None:
    read = set().union(*(metric_names(e.expr) for e in alert_expressions()))
    for name in (
        "up",
        "xinfang_up",
        "xinfang_messages_failed_total",
        "xinfang_messages_received_total",
        "xinfang_consumer_lag_messages",
        "xinfang_escalation_warnings_total",
        "xinfang_escalation_breaches_total",
        "xinfang_escalations_total",
        "xinfang_escalation_calendar_missing_year",
        "xinfang_notifications_total",
        "xinfang_notification_failures_total",
        "xinfang_intake_petitions_received_total",
    ):
        assert name in read, f"no alert reads {name}"
