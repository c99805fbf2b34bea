"""Prometheus configurations for processes on one host, derived from the compose one.

deploy/prometheus/prometheus.yml scrapes the compose host names; ``local_config`` keeps its
jobs and rules and points every job at ``host:port``. The committed
deploy/prometheus/prometheus.local.yml is ``render_local_config()`` with the default ports
(tests/ops checks that they agree). An end-to-end test that starts the services on other
ports writes its own::

    from tests.ops.prometheus_config import write_local_config

    config = write_local_config(
        tmp_path / "prometheus.yml",
        ports={"intake": 16066, "dedup": 16067, ...},
        scrape_interval="1s",
    )
    # prometheus --config.file=<config> --storage.tsdb.path=<tmp dir>
    #            --web.listen-address=127.0.0.1:<port>
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

import yaml

from tests.ops.paths import PROMETHEUS_DIR, RULES_DIR

COMPOSE_CONFIG: Final = PROMETHEUS_DIR / "prometheus.yml"
LOCAL_CONFIG: Final = PROMETHEUS_DIR / "prometheus.local.yml"
#: The web ports the processes use unless told otherwise.
DEFAULT_PORTS: Final[Mapping[str, int]] = {
    "intake": 6066,
    "dedup": 6067,
    "escalation": 6068,
    "notification": 6069,
    "ledger": 6070,
    "gateway": 8080,
}
JOB_PREFIX: Final = "xinfang-"
_HEADER: Final = (
    "# Generated from prometheus.yml by tests/ops/prometheus_config.py: the same jobs and\n"
    "# rules, scraping the processes on 127.0.0.1 at their default ports (rule_files is\n"
    "# relative to this file):\n"
    "#   prometheus --config.file=deploy/prometheus/prometheus.local.yml\n"
)


def local_config(
    ports: Mapping[str, int] = DEFAULT_PORTS,
    *,
    host: str = "127.0.0.1",
    rule_files: tuple[str, ...] = ("rules/*.yml",),
    scrape_interval: str | None = None,
) -> dict[str, Any]:
    """The compose configuration with every job scraping ``host:ports[process]``."""
    config: dict[str, Any] = yaml.safe_load(COMPOSE_CONFIG.read_text(encoding="utf-8"))
    config["global"]["external_labels"] = {"deployment": "xinfang-local"}
    if scrape_interval is not None:
        config["global"]["scrape_interval"] = scrape_interval
        config["global"]["evaluation_interval"] = scrape_interval
    config["rule_files"] = list(rule_files)
    for job in config["scrape_configs"]:
        process = job["job_name"].removeprefix(JOB_PREFIX)
        job["static_configs"] = [{"targets": [f"{host}:{ports[process]}"]}]
    return config


def render_local_config(**kwargs: Any) -> str:
    """``local_config`` as the text of a configuration file."""
    return _HEADER + yaml.safe_dump(local_config(**kwargs), sort_keys=False)


def write_local_config(path: Path, ports: Mapping[str, int] = DEFAULT_PORTS, **kwargs: Any) -> Path:
    """Write a local configuration whose rule files are this checkout's, by absolute path."""
    kwargs.setdefault("rule_files", (str(RULES_DIR / "*.yml"),))
    path.write_text(render_local_config(ports=ports, **kwargs), encoding="utf-8")
    return path


if __name__ == "__main__":
    LOCAL_CONFIG.write_text(render_local_config(), encoding="utf-8")
