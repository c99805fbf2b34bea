"""The Kubernetes manifests: valid against the Kubernetes schemas (KEDA's against KEDA's CRDs),
and wired to the services' ports, health endpoint, consumer groups and input topics."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

import kubernetes_validate  # type: ignore[import-untyped]
import pytest
import yaml

from schemas.registry import TOPICS
from services.common.metrics import SERVICES
from tests.ops import keda
from tests.ops.paths import K8S_DIR
from tests.ops.prometheus_config import DEFAULT_PORTS

#: The oldest Kubernetes release the manifests are meant for.
KUBERNETES_VERSION: Final = "1.29.0"
KUSTOMIZATION: Final = K8S_DIR / "kustomization.yaml"


def _manifests() -> Iterator[tuple[Path, dict[str, Any]]]:
    for path in sorted(K8S_DIR.glob("*.yaml")):
        if path == KUSTOMIZATION:
            continue
        for document in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if document:
                yield path, document


def _by_kind(kind: str) -> dict[str, dict[str, Any]]:
    return {doc["metadata"]["name"]: doc for _, doc in _manifests() if doc["kind"] == kind}


def _ids() -> list[str]:
    return [f"{path.name}:{doc['kind']}/{doc['metadata']['name']}" for path, doc in _manifests()]


@pytest.mark.parametrize("document", [doc for _, doc in _manifests()], ids=_ids())
def test_each_resource_is_valid(document: dict[str, Any]) -> None:
    if keda.is_keda(document):
        problems = keda.problems(document)
        assert not problems, f"against KEDA {keda.KEDA_RELEASE}'s CRD:\n" + "\n".join(problems)
        if document["kind"] != "ScaledObject":
            return
        behavior = document["spec"].get("advanced", {}).get("horizontalPodAutoscalerConfig", {})
        if "behavior" in behavior:
            # KEDA hands this object to the HPA it creates: hold it to the HPA's schema.
            hpa = {
                "apiVersion": "autoscaling/v2",
                "kind": "HorizontalPodAutoscaler",
                "metadata": {"name": "behavior-check"},
                "spec": {
                    "scaleTargetRef": {"kind": "Deployment", "name": "x"},
                    "maxReplicas": 1,
                    "behavior": behavior["behavior"],
                },
            }
            kubernetes_validate.validate(hpa, KUBERNETES_VERSION, strict=True)
        return
    kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)


def test_the_kustomization_lists_every_manifest() -> None:
    kustomization = yaml.safe_load(KUSTOMIZATION.read_text(encoding="utf-8"))
    listed = set(kustomization["resources"])
    present = {path.name for path in K8S_DIR.glob("*.yaml")} - {KUSTOMIZATION.name}
    assert listed == present


def _container(deployment: dict[str, Any]) -> dict[str, Any]:
    containers: list[dict[str, Any]] = deployment["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1
    return containers[0]


@pytest.mark.parametrize("process", [*SERVICES, "gateway"])
def test_each_process_has_a_deployment_probed_on_health_with_resources(process: str) -> None:
    deployment = _by_kind("Deployment")[f"xinfang-{process}"]
    container = _container(deployment)
    port = DEFAULT_PORTS[process]
    assert container["args"] == ["run", process]
    assert container["ports"] == [{"name": "http", "containerPort": port}]
    env = {item["name"]: item for item in container.get("env", [])}
    assert env["XINFANG_WEB_PORT"]["value"] == str(port)
    assert {"configMapRef": {"name": "xinfang-settings"}} in container["envFrom"]
    # The gateway is alive while it reads its topics, and ready once it takes submissions.
    ready = "/ready" if process == "gateway" else "/health"
    assert container["readinessProbe"]["httpGet"] == {"path": ready, "port": "http"}
    assert container["livenessProbe"]["httpGet"] == {"path": "/health", "port": "http"}
    for bound in ("requests", "limits"):
        assert {"cpu", "memory"} <= set(container["resources"][bound]), bound
    service = _by_kind("Service")[f"xinfang-{process}"]
    assert service["spec"]["ports"] == [{"name": "http", "port": port, "targetPort": "http"}]
    pod_annotations = deployment["spec"]["template"]["metadata"]["annotations"]
    assert pod_annotations["prometheus.io/port"] == str(port)


def test_intake_reads_its_hmac_key_from_the_secret() -> None:
    container = _container(_by_kind("Deployment")["xinfang-intake"])
    env = {item["name"]: item for item in container["env"]}
    assert env["XINFANG_INTAKE_HMAC_KEY"]["valueFrom"]["secretKeyRef"]["name"] == "xinfang-secrets"


@pytest.mark.parametrize("service", SERVICES)
def test_each_stream_service_scales_on_its_consumer_groups_lag(service: str) -> None:
    spec = _by_kind("ScaledObject")[f"xinfang-{service}"]["spec"]
    settings = _by_kind("ConfigMap")["xinfang-settings"]["data"]
    prefix = settings["XINFANG_TOPIC_PREFIX"]
    # The input topics by the names they have on the broker: with the deployment's prefix.
    inputs = {
        topic.full_name(prefix): topic
        for topic in TOPICS
        if service in topic.consumers and not topic.per_agency
    }
    assert spec["scaleTargetRef"]["name"] == f"xinfang-{service}"
    # Timers and /metrics need a running worker.
    assert spec["minReplicaCount"] >= 1
    assert spec["triggers"]
    for trigger in spec["triggers"]:
        metadata = trigger["metadata"]
        assert trigger["type"] == "kafka"
        # Faust's group id is the app id, f"{prefix}xinfang-{stage}" (build_service).
        assert metadata["consumerGroup"] == f"{prefix}xinfang-{service}"
        assert metadata["bootstrapServers"] == settings["XINFANG_BOOTSTRAP_SERVERS"]
        # A new group starts at the earliest offset in Faust (build_service), so its lag
        # before the first commit is the whole topic: KEDA must count it the same way.
        assert metadata["offsetResetPolicy"] == "earliest"
        assert metadata["allowIdleConsumers"] == "false"
        topic = inputs.get(metadata["topic"])
        assert topic is not None, f"{service} scales on {metadata['topic']}: not its input"
        # A worker beyond the topic's partition count is assigned none of them and idles.
        assert spec["maxReplicaCount"] <= topic.partitions, metadata["topic"]


def test_the_topics_job_runs_topics_create() -> None:
    job = _by_kind("Job")["xinfang-topics"]
    assert _container(job)["args"] == ["topics", "create"]
