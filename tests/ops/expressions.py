"""Every PromQL expression the project ships: dashboard panels and alert rules.

The end-to-end test evaluates each through a real Prometheus's HTTP API::

    from tests.ops.expressions import all_expressions

    for expression in all_expressions():
        response = http.get(f"{prometheus}/api/v1/query", params={"query": expression.promql()})
        assert response.json()["status"] == "success", expression.origin

``metric_names`` finds the metric names an expression reads, so that a test can hold them
to the catalogue (services/common/metrics.py).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import yaml

from tests.ops.paths import DASHBOARDS_DIR, RULES_DIR

#: Grafana's interval variables, and what they stand for when Prometheus is asked directly.
GRAFANA_VARIABLES: Final = ("$__rate_interval", "$__range")


@dataclass(frozen=True)
class Expression:
    """One PromQL expression and where it comes from (dashboard, panel, query or alert)."""

    origin: str
    expr: str

    def promql(self, rate_interval: str = "1m", time_range: str = "1h") -> str:
        """The expression with Grafana's variables replaced: ready for /api/v1/query."""
        text = self.expr.replace("$__rate_interval", rate_interval)
        text = text.replace("$__range", time_range)
        if "$" in text:
            raise ValueError(f"{self.origin}: unknown Grafana variable in {self.expr!r}")
        return text


def _panels(panels: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for panel in panels:
        yield panel
        yield from _panels(panel.get("panels", []))


def panel_expressions(dashboards_dir: Path = DASHBOARDS_DIR) -> list[Expression]:
    """Every query of every panel of the committed dashboards."""
    found = []
    for path in sorted(dashboards_dir.glob("*.json")):
        dashboard = json.loads(path.read_text(encoding="utf-8"))
        for panel in _panels(dashboard.get("panels", [])):
            for target in panel.get("targets", []):
                origin = f"{dashboard['uid']} / {panel['title']} / {target['refId']}"
                found.append(Expression(origin, target["expr"]))
    return found


def alert_rules(rules_dir: Path = RULES_DIR) -> list[dict[str, Any]]:
    """Every alerting rule of the rule files, as parsed from YAML."""
    rules: list[dict[str, Any]] = []
    for path in sorted(rules_dir.glob("*.yml")):
        for group in yaml.safe_load(path.read_text(encoding="utf-8"))["groups"]:
            rules.extend(rule for rule in group["rules"] if "alert" in rule)
    return rules


def alert_expressions(rules_dir: Path = RULES_DIR) -> list[Expression]:
    """The expression of every alerting rule."""
    return [Expression(f"alert {rule['alert']}", rule["expr"]) for rule in alert_rules(rules_dir)]


def all_expressions() -> list[Expression]:
    """Panel expressions first, then alert expressions."""
    return panel_expressions() + alert_expressions()


_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_MATCHERS = re.compile(r"\{[^{}]*\}")
_RANGE = re.compile(r"\[[^\[\]]*\]")
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)")
_IDENTIFIER = re.compile(r"(?<![\w.$])([A-Za-z_:][A-Za-z0-9_:]*)(\s*\()?")
_KEYWORDS: Final = frozenset(
    {"and", "or", "unless", "offset", "bool", "by", "without", "on", "ignoring",
     "group_left", "group_right", "inf", "nan", "atan2"}
)  # fmt: skip


def metric_names(expr: str) -> set[str]:
    """The metric names an expression selects (functions, labels and keywords left out)."""
    text = _STRING.sub('""', expr)
    text = _MATCHERS.sub("", text)
    text = _RANGE.sub("", text)
    text = _GROUPING.sub("", text)
    names = set()
    for match in _IDENTIFIER.finditer(text):
        name, call = match.group(1), match.group(2)
        if call is None and name.lower() not in _KEYWORDS:
            names.add(name)
    return names
