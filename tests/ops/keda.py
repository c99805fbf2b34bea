"""KEDA's custom resources, checked against the schemas of KEDA's own CRDs.

The Kubernetes schemas that kubernetes-validate ships do not know KEDA's kinds; KEDA's are
in data/keda/ (their source, release and licence are in its README). They are read here the
way ``kubectl apply --validate=strict`` reads a CRD: an unknown field is an error. A null
is refused too, where the API server would drop it silently: a bare ``minReplicaCount:``
would become 0 and scale the service to zero.

The CRD types a trigger's metadata only as a map of strings; which keys the ``kafka``
scaler reads, and what each accepts, is in :data:`KAFKA_METADATA`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any, Final

import jsonschema

#: The KEDA release whose CRDs the schemas in data/keda/ are.
KEDA_RELEASE: Final = "2.16.1"
SCHEMA_DIR: Final = Path(__file__).parent / "data" / "keda"
API_VERSION: Final = "keda.sh/v1alpha1"
#: The kinds with a schema in data/keda/ (file name: the kind in lower case).
KINDS: Final = ("ScaledObject", "TriggerAuthentication")

_TRUE_FALSE: Final = r"true|false"
_COUNT: Final = r"[0-9]+"
#: The metadata of the ``kafka`` scaler, KEDA 2.16: every key it reads and the values it
#: accepts (https://keda.sh/docs/2.16/scalers/apache-kafka/). Authentication settings that
#: belong in a TriggerAuthentication (username, password, ca, ...) are not listed: in a
#: ScaledObject they would be in clear text.
KAFKA_METADATA: Final[Mapping[str, str]] = {
    "bootstrapServers": r"[^,\s]+:[0-9]+(,[^,\s]+:[0-9]+)*",
    "consumerGroup": r"\S+",
    "topic": r"\S+",
    "lagThreshold": r"[1-9][0-9]*",
    "activationLagThreshold": _COUNT,
    "offsetResetPolicy": r"latest|earliest",
    "allowIdleConsumers": _TRUE_FALSE,
    "scaleToZeroOnInvalidOffset": _TRUE_FALSE,
    "excludePersistentLag": _TRUE_FALSE,
    "limitToPartitionsWithLag": _TRUE_FALSE,
    "version": r"[0-9]+(\.[0-9]+){2,3}",
    "partitionLimitation": rf"{_COUNT}(-{_COUNT})?(,{_COUNT}(-{_COUNT})?)*",
    "sasl": r"plaintext|scram_sha256|scram_sha512|gssapi|oauthbearer|none",
    "saslTokenProvider": r"bearer|aws_msk_iam",
    "tls": r"enable|disable",
    "unsafeSsl": _TRUE_FALSE,
    "awsRegion": r"[a-z0-9-]+",
}
#: Kafka metadata keys that are required in every trigger.
KAFKA_REQUIRED: Final = frozenset({"bootstrapServers", "consumerGroup"})


def is_keda(document: Mapping[str, Any]) -> bool:
    """Whether ``document`` is one of KEDA's resources (group keda.sh)."""
    group = str(document.get("apiVersion", "")).partition("/")[0]
    return group == "keda.sh" or group.endswith(".keda.sh")


#: Keywords whose value is a map of names to schemas, and those whose value is a list of them.
_SCHEMA_MAPS: Final = frozenset({"properties", "patternProperties", "$defs"})
_SCHEMA_LISTS: Final = frozenset({"anyOf", "allOf", "oneOf", "prefixItems"})


def strict(schema: Any) -> Any:
    """``schema`` with every object closed to unknown fields and every null refused."""
    if not isinstance(schema, dict):
        return schema
    tightened: dict[str, Any] = {}
    for keyword, value in schema.items():
        if keyword == "default":
            continue
        if keyword in _SCHEMA_MAPS:
            tightened[keyword] = {name: strict(each) for name, each in value.items()}
        elif keyword in _SCHEMA_LISTS:
            tightened[keyword] = [strict(each) for each in value]
        else:
            tightened[keyword] = strict(value)
    options = tightened.pop("anyOf", None)
    if options is not None:
        non_null = [option for option in options if option != {"type": "null"}]
        if len(non_null) == 1:
            tightened.update(non_null[0])
        else:
            tightened["anyOf"] = non_null
    if "properties" in tightened and "additionalProperties" not in tightened:
        tightened["additionalProperties"] = False
    return tightened


@cache
def validator(kind: str) -> jsonschema.Draft202012Validator:
    """The validator of one of KEDA's kinds, from its CRD."""
    path = SCHEMA_DIR / f"{kind.lower()}.schema.json"
    schema = strict(json.loads(path.read_text(encoding="utf-8")))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def problems(document: Mapping[str, Any]) -> list[str]:
    """Every way ``document`` breaks its KEDA CRD's schema, each as ``path: message``."""
    if document.get("apiVersion") != API_VERSION:
        return [f"$.apiVersion: {document.get('apiVersion')!r} is not {API_VERSION!r}"]
    kind = document.get("kind")
    if kind not in KINDS:
        return [f"$.kind: no KEDA schema for {kind!r} in {SCHEMA_DIR} (has {', '.join(KINDS)})"]
    found = [
        f"{error.json_path}: {error.message}" for error in validator(kind).iter_errors(document)
    ]
    # ObjectMeta leaves the name optional (a server may generate it); a manifest needs one.
    if not isinstance(document.get("metadata"), Mapping) or not document["metadata"].get("name"):
        found.append("$.metadata.name: required")
    return sorted(found)


def kafka_problems(metadata: Mapping[str, Any]) -> Iterator[str]:
    """Every way a ``kafka`` trigger's metadata breaks what KEDA's Kafka scaler reads."""
    for key in sorted(KAFKA_REQUIRED - metadata.keys()):
        yield f"{key}: required"
    for key, value in metadata.items():
        pattern = KAFKA_METADATA.get(key)
        if pattern is None:
            yield f"{key}: not a parameter of the kafka scaler"
        elif not isinstance(value, str) or re.fullmatch(pattern, value) is None:
            yield f"{key}: {value!r} does not match {pattern}"
    if metadata.get("limitToPartitionsWithLag") == "true":
        if "topic" not in metadata:
            yield "limitToPartitionsWithLag: needs a topic"
        if metadata.get("allowIdleConsumers") == "true":
            yield "limitToPartitionsWithLag: cannot go with allowIdleConsumers"
