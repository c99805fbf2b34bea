"""docker-compose.yml and the Dockerfile: accepted by Compose, and wired as the services expect."""

from __future__ import annotations

import re
import shutil
import subprocess
from typing import Any

import yaml

from services.common.metrics import SERVICES
from tests.ops.paths import COMPOSE_FILE, DOCKERFILE, REPO, require_tool
from tests.ops.prometheus_config import COMPOSE_CONFIG, DEFAULT_PORTS, JOB_PREFIX

PROCESSES = (*SERVICES, "gateway")


def _compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    return loaded


def _compose_command() -> list[str]:
    """`docker compose` (v2 plugin) when it is there, else Debian's docker-compose 1.29.

    Neither needs a Docker engine for `config`.
    """
    docker = shutil.which("docker")
    if docker is not None:
        probe = subprocess.run(
            [docker, "compose", "version"], capture_output=True, timeout=60, check=False
        )
        if probe.returncode == 0:
            return [docker, "compose"]
    return [require_tool("docker-compose")]


def test_compose_accepts_the_file() -> None:
    result = subprocess.run(
        [*_compose_command(), "-f", str(COMPOSE_FILE), "config", "-q"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_kafka_is_the_official_image_in_kraft_mode_with_a_healthcheck() -> None:
    kafka = _compose()["services"]["kafka"]
    assert kafka["image"] == "apache/kafka:3.9.1"
    assert kafka["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert kafka["environment"]["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"
    assert kafka["healthcheck"]["test"]


def test_topics_are_created_once_kafka_is_healthy() -> None:
    topics = _compose()["services"]["topics"]
    assert topics["command"] == ["topics", "create"]
    assert topics["depends_on"]["kafka"]["condition"] == "service_healthy"


def test_every_process_runs_on_the_port_prometheus_scrapes() -> None:
    services = _compose()["services"]
    scraped = {
        job["job_name"].removeprefix(JOB_PREFIX): job["static_configs"][0]["targets"]
        for job in yaml.safe_load(COMPOSE_CONFIG.read_text(encoding="utf-8"))["scrape_configs"]
    }
    for name in PROCESSES:
        service = services[name]
        port = DEFAULT_PORTS[name]
        assert service["command"] == ["run", name]
        assert service["environment"]["XINFANG_WEB_PORT"] == str(port)
        assert service["environment"]["XINFANG_BOOTSTRAP_SERVERS"] == "kafka:9092"
        assert service["depends_on"]["topics"]["condition"] == "service_completed_successfully"
        assert scraped[name] == [f"{name}:{port}"]


def test_notification_mails_to_the_mail_catcher() -> None:
    services = _compose()["services"]
    environment = services["notification"]["environment"]
    assert environment["XINFANG_NOTIFICATION_SMTP_HOST"] == "mailpit"
    assert environment["XINFANG_NOTIFICATION_SMTP_PORT"] == "1025"
    assert services["mailpit"]["image"].startswith("axllent/mailpit:")


def test_prometheus_and_grafana_get_the_rules_and_the_provisioning() -> None:
    services = _compose()["services"]
    assert "./deploy/prometheus/rules:/etc/prometheus/rules:ro" in services["prometheus"]["volumes"]
    assert (
        "./deploy/grafana/provisioning:/etc/grafana/provisioning:ro"
        in services["grafana"]["volumes"]
    )


def test_the_image_is_python_3_11_slim_runs_as_a_user_and_checks_health() -> None:
    dockerfile = DOCKERFILE.read_text(encoding="utf-8")
    stages = re.findall(r"^FROM (\S+)", dockerfile, flags=re.MULTILINE)
    assert stages
    assert all(image.startswith("python:3.11-slim") for image in stages)
    users = re.findall(r"^USER (\S+)", dockerfile, flags=re.MULTILINE)
    assert users
    assert users[-1].split(":")[0] not in ("0", "root")
    assert re.search(r"^HEALTHCHECK .*\n?.*CMD .*/health", dockerfile, flags=re.MULTILINE)
    assert 'ENTRYPOINT ["xinfang"]' in dockerfile


def test_the_build_context_leaves_out_what_the_image_does_not_need() -> None:
    ignored = set((REPO / ".dockerignore").read_text(encoding="utf-8").split())
    assert {".git", "tests", "deploy"} <= ignored
