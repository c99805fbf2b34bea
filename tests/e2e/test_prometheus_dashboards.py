"""No dead panels: a real Prometheus scrapes the five processes during an end-to-end run.

Every dashboard query and every alert expression goes through Prometheus's HTTP API. All
must parse; every panel query must also return data, because a panel that shows "No data"
on a working pipeline tells the operator nothing (and hides a renamed or unexported
metric). A series that cannot have happened in a short run must exist at zero instead.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, Final

import httpx
import pytest

from schemas import examples
from services.cli.demo import wait_drained
from services.cli.generate import generate
from services.cli.pipeline import LocalPipeline
from services.cli.submit import publish_lines
from services.devtools.kafka_local import KafkaLocal, free_port
from services.gateway.settings import DEMO_API_KEY
from tests.e2e.recoveries import warn_of_recoveries
from tests.ops.expressions import Expression, alert_expressions, panel_expressions
from tests.ops.paths import require_tool
from tests.ops.prometheus_config import DEFAULT_PORTS, JOB_PREFIX, write_local_config

pytestmark = pytest.mark.e2e

#: Grafana's $__rate_interval at a 1 s scrape, rounded up; $__range of a short run.
RATE_INTERVAL: Final = "1m"
TIME_RANGE: Final = "1h"
JOBS: Final = frozenset(JOB_PREFIX + process for process in DEFAULT_PORTS)
PETITIONS: Final = 150
#: Alerts that must stay silent while every process runs and is ready.
HEALTH_ALERTS: Final = ("alert XinfangTargetDown", "alert XinfangServiceUnhealthy")


class Prometheus:
    """A Prometheus server on 127.0.0.1 with its own data directory, stopped on exit."""

    def __init__(self, binary: str, config: Path, work_dir: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = work_dir / "prometheus.log"
        self._command = [
            binary,
            f"--config.file={config}",
            f"--storage.tsdb.path={work_dir / 'data'}",
            f"--web.listen-address=127.0.0.1:{self.port}",
            "--web.enable-lifecycle",
        ]
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self.http = httpx.Client(base_url=self.url, timeout=30)

    def __enter__(self) -> Prometheus:
        self._log = self.log_path.open("wb")
        self._process = subprocess.Popen(
            self._command, stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
        wait_until(self._ready, "Prometheus did not become ready", timeout=60, on_fail=self.log)
        return self

    def __exit__(self, *_: object) -> None:
        self.http.close()
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=10)
        if self._log is not None:
            self._log.close()

    def _ready(self) -> bool:
        if self._process is not None and self._process.poll() is not None:
            raise AssertionError(
                f"Prometheus exited with {self._process.returncode}:\n{self.log()}"
            )
        try:
            return self.http.get("/-/ready").status_code == 200
        except httpx.TransportError:
            return False

    def log(self) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-30:])

    def query(self, promql: str) -> dict[str, Any]:
        """The JSON answer of /api/v1/query (status "success" or "error")."""
        answer: dict[str, Any] = self.http.get("/api/v1/query", params={"query": promql}).json()
        return answer

    def vector(self, promql: str) -> list[dict[str, Any]]:
        answer = self.query(promql)
        assert answer["status"] == "success", f"{promql}: {answer.get('error')}"
        result: list[dict[str, Any]] = answer["data"]["result"]
        return result


def wait_until(
    condition: Callable[[], object],
    message: str,
    timeout: float,
    on_fail: Callable[[], str] | None = None,
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.5)
    detail = f"\n{on_fail()}" if on_fail is not None else ""
    raise AssertionError(f"{message} within {timeout}s{detail}")


def has_data(answer: dict[str, Any]) -> bool:
    result = answer["data"]["result"]
    # A scalar answer is [time, value]; a vector or matrix is a list of series.
    return answer["data"]["resultType"] == "scalar" or bool(result)


def failures(prometheus: Prometheus, expressions: list[Expression], need_data: bool) -> list[str]:
    """What is wrong with each expression: a parse error, or (panels) no data."""
    found = []
    for expression in expressions:
        promql = expression.promql(rate_interval=RATE_INTERVAL, time_range=TIME_RANGE)
        answer = prometheus.query(promql)
        if answer["status"] != "success":
            found.append(f"{expression.origin}: {answer.get('error')}\n    {promql}")
        elif need_data and not has_data(answer):
            found.append(f"{expression.origin}: no data\n    {promql}")
    return found


@pytest.fixture
def prometheus_binary() -> str:
    return require_tool("prometheus")


def scraped_since(prometheus: Prometheus, moment: float) -> bool:
    """True when every job is up and its last scrape happened after ``moment`` (unix time)."""
    latest = {
        series["metric"]["job"]: float(series["value"][1])
        for series in prometheus.vector(f'timestamp(up{{job=~"{JOB_PREFIX}.*"}} == 1)')
    }
    return latest.keys() == JOBS and min(latest.values()) > moment


def exercise_gateway(url: str) -> None:
    with httpx.Client(base_url=url, timeout=30) as http:
        submitted = http.post(
            "/v1/petitions", json=examples.MINIMAL_PETITION, headers={"X-API-Key": DEMO_API_KEY}
        )
        assert submitted.status_code == 202, submitted.text
        services = http.get("/open311/v2/services.json")
        assert services.status_code == 200, services.text


def test_every_panel_has_data_and_every_alert_parses(
    kafka: KafkaLocal,
    prefix: str,
    pipeline: LocalPipeline,
    prometheus_binary: str,
    tmp_path: Path,
) -> None:
    pipeline.start_all()
    pipeline.supervise()
    pipeline.start("gateway")
    pipeline.wait_healthy(timeout=150)
    ports = {name: process.port for name, process in pipeline.processes.items()}
    config = write_local_config(tmp_path / "prometheus.yml", ports, scrape_interval="1s")
    (tmp_path / "prometheus").mkdir()
    with Prometheus(prometheus_binary, config, tmp_path / "prometheus") as prometheus:
        batch = generate(PETITIONS, seed=7)
        report = publish_lines(batch.lines, bootstrap=kafka.bootstrap, prefix=prefix)
        assert report.acknowledged == len(batch.lines)
        exercise_gateway(pipeline.processes["gateway"].url)

        drained = wait_drained(kafka.bootstrap, prefix, report.acknowledged + 1, timeout=150)
        warn_of_recoveries(pipeline)
        assert drained.problems() == [], "the pipeline did not drain:\n" + "\n".join(
            f"--- {name}\n{pipeline.log_tail(name, 25)}" for name in ("escalation", "notification")
        )
        drained_at = time.time()
        wait_until(
            lambda: scraped_since(prometheus, drained_at),
            f"Prometheus did not scrape every job ({sorted(JOBS)}) after the run",
            timeout=60,
            on_fail=lambda: str(prometheus.vector("up")),
        )

        alerts = alert_expressions()
        panels = panel_expressions()
        assert panels
        assert alerts
        assert failures(prometheus, alerts, need_data=False) == []
        # Timers (lag every 5 s, open cases every 30 s) publish some series a little later.
        dead: list[str] = []

        def no_dead_panels() -> bool:
            dead[:] = failures(prometheus, panels, need_data=True)
            return not dead

        wait_until(
            no_dead_panels, "dead panels remain", timeout=60, on_fail=lambda: "\n".join(dead)
        )

        # Every process is up and ready: an availability alert must not be pending.
        for expression in alerts:
            if expression.origin in HEALTH_ALERTS:
                firing = prometheus.vector(expression.promql())
                assert firing == [], f"{expression.origin} fires on a healthy pipeline: {firing}"
