"""Where the deployment files live, and how a test finds the command-line tools it needs."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Final

import pytest

REPO: Final = Path(__file__).resolve().parents[2]
DEPLOY: Final = REPO / "deploy"
PROMETHEUS_DIR: Final = DEPLOY / "prometheus"
RULES_DIR: Final = PROMETHEUS_DIR / "rules"
RULE_TESTS_DIR: Final = PROMETHEUS_DIR / "tests"
GRAFANA_DIR: Final = DEPLOY / "grafana"
DASHBOARDS_DIR: Final = GRAFANA_DIR / "dashboards"
K8S_DIR: Final = DEPLOY / "k8s"
COMPOSE_FILE: Final = REPO / "docker-compose.yml"
DOCKERFILE: Final = REPO / "Dockerfile"


def require_tool(*names: str) -> str:
    """The path of the first of ``names`` on PATH.

    Without one, the test is skipped on a developer's machine and fails in CI (CI=true),
    where .ci/run installs the tools: a missing tool must not turn a check into a skip.
    """
    for name in names:
        path = shutil.which(name)
        if path is not None:
            return path
    message = f"{' or '.join(names)} is not installed (Debian: see deploy/README.md, Checks)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)
