"""The Grafana dashboards: generated, fresh, on catalogue names, and provisioned."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml
from faust.sensors.prometheus import FaustMetrics
from prometheus_client import CollectorRegistry

from services.common.metrics import CATALOGUE, Kind
from tests.ops.expressions import GRAFANA_VARIABLES, metric_names, panel_expressions
from tests.ops.paths import DASHBOARDS_DIR, GRAFANA_DIR, require_tool

GENERATOR = GRAFANA_DIR / "generate.py"
FAUST_PREFIX = "xinfang_faust_"


def _dashboards() -> list[dict[str, Any]]:
    return [
        json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(DASHBOARDS_DIR.glob("*.json"))
    ]


def test_the_committed_dashboards_equal_the_generators_output() -> None:
    result = subprocess.run(
        [sys.executable, str(GENERATOR), "--check"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, (
        "deploy/grafana/dashboards is stale: run `python deploy/grafana/generate.py`\n"
        + result.stderr
    )


def test_there_is_an_overview_and_one_dashboard_per_process() -> None:
    uids = {dashboard["uid"] for dashboard in _dashboards()}
    assert uids == {
        "xinfang-overview",
        "xinfang-intake",
        "xinfang-dedup",
        "xinfang-escalation",
        "xinfang-notification",
        "xinfang-ledger",
        "xinfang-gateway",
    }


def _faust_sample_names() -> set[str]:
    """What Faust's sensor exports with the services' prefix (services/common/service.py)."""
    registry = CollectorRegistry()
    FaustMetrics.create(registry, FAUST_PREFIX.removesuffix("_"))
    suffixes = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count"), "gauge": ("",)}
    return {
        metric.name + suffix for metric in registry.collect() for suffix in suffixes[metric.type]
    }


def test_panels_read_only_catalogue_faust_or_up_metrics() -> None:
    known = {"up"}
    for spec in CATALOGUE:
        known.add(spec.name)
        if spec.kind is Kind.HISTOGRAM:
            known.update(f"{spec.name}{suffix}" for suffix in ("_bucket", "_sum", "_count"))
    expressions = panel_expressions()
    assert expressions
    for expression in expressions:
        names = metric_names(expression.expr)
        assert names, f"{expression.origin}: no metric found in {expression.expr!r}"
        unknown = {n for n in names - known if not n.startswith(FAUST_PREFIX)}
        assert not unknown, f"{expression.origin} reads metrics outside the catalogue: {unknown}"


def test_faust_panels_read_metrics_faust_exports() -> None:
    exported = _faust_sample_names()
    for expression in panel_expressions():
        faust = {n for n in metric_names(expression.expr) if n.startswith(FAUST_PREFIX)}
        assert faust <= exported, f"{expression.origin}: Faust exports no {faust - exported}"


def test_every_panel_expression_is_valid_promql(tmp_path: Path) -> None:
    # promtool parses recording rules offline: one rule per panel query.
    expressions = panel_expressions()
    rules = [
        {"record": f"xinfang:panel_check:{i}", "expr": expression.promql()}
        for i, expression in enumerate(expressions)
    ]
    for expression, rule in zip(expressions, rules, strict=True):
        assert not any(v in rule["expr"] for v in GRAFANA_VARIABLES), expression.origin
    rule_file = tmp_path / "panels.yml"
    rule_file.write_text(yaml.safe_dump({"groups": [{"name": "panels", "rules": rules}]}))
    promtool = require_tool("promtool")
    result = subprocess.run(
        [promtool, "check", "rules", str(rule_file)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_faust_latency_panels_say_ms() -> None:
    for dashboard in _dashboards():
        for panel in dashboard["panels"]:
            exprs = " ".join(target["expr"] for target in panel.get("targets", []))
            if FAUST_PREFIX in exprs and "_bucket" in exprs:
                assert "(ms)" in panel["title"], panel["title"]
                assert panel["fieldConfig"]["defaults"]["unit"] == "ms", panel["title"]


def test_panels_use_the_provisioned_data_source_and_have_unique_ids() -> None:
    provisioned = yaml.safe_load(
        (GRAFANA_DIR / "provisioning" / "datasources" / "prometheus.yml").read_text(
            encoding="utf-8"
        )
    )
    uid = provisioned["datasources"][0]["uid"]
    for dashboard in _dashboards():
        ids = [panel["id"] for panel in dashboard["panels"]]
        assert len(ids) == len(set(ids)), dashboard["uid"]
        for panel in dashboard["panels"]:
            if panel["type"] != "row":
                assert panel["datasource"] == {"type": "prometheus", "uid": uid}, panel["title"]


def test_the_provider_loads_the_directory_compose_mounts() -> None:
    provider = yaml.safe_load(
        (GRAFANA_DIR / "provisioning" / "dashboards" / "xinfang.yml").read_text(encoding="utf-8")
    )
    path = provider["providers"][0]["options"]["path"]
    compose = (GRAFANA_DIR.parents[1] / "docker-compose.yml").read_text(encoding="utf-8")
    assert f"./deploy/grafana/dashboards:{path}:ro" in compose


def test_the_overview_shows_the_whole_pipeline() -> None:
    overview = [e for e in panel_expressions() if e.origin.startswith("xinfang-overview /")]
    shown = " ".join(e.expr for e in overview)
    for fragment in (
        "by (channel) (rate(xinfang_intake_petitions_received_total",
        "by (field) (rate(xinfang_intake_cases_registered_total",
        "by (reason) (rate(xinfang_intake_rejected_total",
        "by (verdict) (rate(xinfang_dedup_verdicts_total",
        "by (reason) (rate(xinfang_escalations_total",
        "by (level) (rate(xinfang_escalations_total",
        "by (step) (rate(xinfang_escalation_warnings_total",
        "by (step) (rate(xinfang_escalation_breaches_total",
        "by (state) (xinfang_escalation_open_cases",
        "by (outcome) (rate(xinfang_notifications_total",
    ):
        assert fragment in shown, fragment
