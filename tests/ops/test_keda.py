"""The checks of KEDA's resources catch what KEDA would refuse or misread.

test_k8s holds the manifests in deploy/k8s to these checks; here each check is shown to
fail on a broken copy of a real ScaledObject, so that a passing run means something.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any, Final

import pytest
import yaml

from tests.ops import keda
from tests.ops.paths import K8S_DIR

Document = dict[str, Any]


def _scaled_objects() -> dict[str, Document]:
    found: dict[str, Document] = {}
    for path in sorted(K8S_DIR.glob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if document and document.get("kind") == "ScaledObject":
                found[document["metadata"]["name"]] = document
    return found


def _intake() -> Document:
    """A fresh copy of a real ScaledObject, to break."""
    return copy.deepcopy(_scaled_objects()["xinfang-intake"])


def _kafka_metadata(document: Document) -> dict[str, Any]:
    metadata: dict[str, Any] = document["spec"]["triggers"][0]["metadata"]
    return metadata


@pytest.mark.parametrize("kind", keda.KINDS)
def test_the_vendored_schemas_are_of_the_release_the_checks_name(kind: str) -> None:
    path = keda.SCHEMA_DIR / f"{kind.lower()}.schema.json"
    assert json.loads(path.read_text(encoding="utf-8"))["$comment"].startswith(
        f"KEDA v{keda.KEDA_RELEASE} {kind} CRD"
    )
    schema = keda.validator(kind).schema
    assert isinstance(schema, dict)
    assert schema["properties"]["kind"]["const"] == kind


def test_the_deployment_has_keda_resources_to_check() -> None:
    assert set(_scaled_objects()) >= {"xinfang-intake", "xinfang-dedup"}
    assert keda.problems(_intake()) == []


def _parent(document: Document, path: str) -> tuple[Any, str]:
    """The node that holds the last part of the dotted ``path`` (list indexes as numbers)."""
    *parents, last = path.split(".")
    node: Any = document
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node, last


def _set(path: str, value: Any) -> Callable[[Document], None]:
    def change(document: Document) -> None:
        node, last = _parent(document, path)
        node[last] = value

    return change


def _drop(path: str) -> Callable[[Document], None]:
    def change(document: Document) -> None:
        node, last = _parent(document, path)
        del node[last]

    return change


#: A broken ScaledObject and the path of the error the CRD's schema must report.
BROKEN: Final = {
    # YAML reads an unquoted 100 as a number; the CRD types metadata as strings.
    "lag threshold as a number": (_set("spec.triggers.0.metadata.lagThreshold", 100),
                                  "$.spec.triggers[0].metadata.lagThreshold"),
    "unquoted boolean in metadata": (_set("spec.triggers.0.metadata.allowIdleConsumers", False),
                                     "$.spec.triggers[0].metadata.allowIdleConsumers"),
    "metadata as a list of pairs": (_set("spec.triggers.0.metadata",
                                         [{"name": "topic", "value": "petitions.submitted"}]),
                                    "$.spec.triggers[0].metadata"),
    "nested metadata": (_set("spec.triggers.0.metadata.consumer", {"group": "xinfang-intake"}),
                        "$.spec.triggers[0].metadata.consumer"),
    "trigger without metadata": (_drop("spec.triggers.0.metadata"), "$.spec.triggers[0]"),
    "replica count as a string": (_set("spec.maxReplicaCount", "4"), "$.spec.maxReplicaCount"),
    # The API server would drop the null and KEDA would default minReplicaCount to 0.
    "empty replica count": (_set("spec.minReplicaCount", None), "$.spec.minReplicaCount"),
    "HPA's field name in a ScaledObject": (_set("spec.maxReplicas", 4), "$.spec"),
    "unknown trigger field": (_set("spec.triggers.0.lagThreshold", "100"), "$.spec.triggers[0]"),
    "target without a name": (_drop("spec.scaleTargetRef.name"), "$.spec.scaleTargetRef"),
    "no triggers field": (_drop("spec.triggers"), "$.spec"),
    "stabilization window over an hour": (
        _set("spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleDown"
             ".stabilizationWindowSeconds", 3601),
        "$.spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleDown"
        ".stabilizationWindowSeconds",
    ),
    "old API group": (_set("apiVersion", "keda.k8s.io/v1alpha1"), "$.apiVersion"),
    "unknown kind": (_set("kind", "ScaledDeployment"), "$.kind"),
    "no name": (_drop("metadata.name"), "$.metadata.name"),
}  # fmt: skip


@pytest.mark.parametrize(("change", "path"), BROKEN.values(), ids=BROKEN.keys())
def test_the_crd_schema_refuses_a_broken_scaled_object(
    change: Callable[[Document], None], path: str
) -> None:
    document = _intake()
    change(document)
    problems = keda.problems(document)
    assert any(problem.startswith(f"{path}:") for problem in problems), problems


#: Kafka metadata that the CRD accepts (a map of strings) and KEDA's Kafka scaler does not.
BAD_KAFKA: Final = {
    "misspelt key": ({"lagTreshold": "100"}, "lagTreshold: not a parameter"),
    "Kafka's own reset name": ({"offsetResetPolicy": "smallest"}, "offsetResetPolicy: "),
    "zero threshold": ({"lagThreshold": "0"}, "lagThreshold: "),
    "negative activation": ({"activationLagThreshold": "-1"}, "activationLagThreshold: "),
    "broker without a port": ({"bootstrapServers": "kafka-bootstrap"}, "bootstrapServers: "),
    "yes for true": ({"allowIdleConsumers": "yes"}, "allowIdleConsumers: "),
    "password in clear text": ({"password": "hunter2"}, "password: not a parameter"),
    "lag partitions without a topic": (
        {"limitToPartitionsWithLag": "true", "topic": None},
        "limitToPartitionsWithLag: needs a topic",
    ),
    "no consumer group": ({"consumerGroup": None}, "consumerGroup: required"),
}


@pytest.mark.parametrize(("change", "expected"), BAD_KAFKA.values(), ids=BAD_KAFKA.keys())
def test_the_kafka_check_refuses_what_the_scaler_would_misread(
    change: dict[str, str | None], expected: str
) -> None:
    metadata = _kafka_metadata(_intake())
    assert list(keda.kafka_problems(metadata)) == []
    for key, value in change.items():
        if value is None:
            del metadata[key]
        else:
            metadata[key] = value
    problems = list(keda.kafka_problems(metadata))
    assert any(problem.startswith(expected) for problem in problems), problems


@pytest.mark.parametrize("name", sorted(_scaled_objects()))
def test_each_kafka_trigger_uses_the_scalers_parameters(name: str) -> None:
    for trigger in _scaled_objects()[name]["spec"]["triggers"]:
        if trigger["type"] == "kafka":
            problems = list(keda.kafka_problems(trigger["metadata"]))
            assert not problems, f"{trigger.get('name')}: {problems}"


def _trigger_authentication(secret_ref: dict[str, str]) -> Document:
    return {
        "apiVersion": keda.API_VERSION,
        "kind": "TriggerAuthentication",
        "metadata": {"name": "xinfang-kafka"},
        "spec": {"secretTargetRef": [secret_ref]},
    }


def test_a_trigger_authentication_is_checked_against_its_own_crd() -> None:
    good = {"parameter": "password", "name": "xinfang-kafka", "key": "password"}
    assert keda.problems(_trigger_authentication(good)) == []
    without_key = {"parameter": "password", "name": "xinfang-kafka"}
    problems = keda.problems(_trigger_authentication(without_key))
    assert any(problem.startswith("$.spec.secretTargetRef[0]:") for problem in problems), problems
