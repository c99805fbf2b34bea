"""Generate the JSON Schema files and the AsyncAPI 3 document from the registry.

python -m schemas.generate          # write schemas/json/*.json and schemas/asyncapi.yaml
python -m schemas.generate --check  # exit 1 when the committed files are stale
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml

from schemas.base import Contract
from schemas.registry import TOPICS, TopicSpec

HERE = Path(__file__).resolve().parent
JSON_DIR = HERE / "json"
ASYNCAPI = HERE / "asyncapi.yaml"


def _schema(model: type[Contract]) -> dict[str, Any]:
    return model.model_json_schema(mode="validation")


def json_schemas() -> dict[str, str]:
    """File name -> content of every key and value schema."""
    files: dict[str, str] = {}
    for spec in TOPICS:
        stem = spec.name.replace("{code}", "code")
        for part, model in (("key", spec.key_model), ("value", spec.value_model)):
            document = {
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "$id": f"https://xinfang.example/schemas/{stem}.{part}.json",
                **_schema(model),
            }
            files[f"{stem}.{part}.json"] = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    return files


def _channel_id(spec: TopicSpec) -> str:
    return spec.name.replace(".", "_").replace("{code}", "code")


def asyncapi() -> str:
    """The AsyncAPI 3.0 document for channels and downstream agencies."""
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for spec in TOPICS:
        cid = _channel_id(spec)
        key_name = f"{cid}_key"
        value_name = f"{cid}_value"
        schemas[key_name] = {"$ref": f"./json/{spec.name.replace('{code}', 'code')}.key.json"}
        schemas[value_name] = {"$ref": f"./json/{spec.name.replace('{code}', 'code')}.value.json"}
        messages[cid] = {
            "name": cid,
            "title": spec.name,
            "contentType": "application/json",
            "payload": {"$ref": f"#/components/schemas/{value_name}"},
            "bindings": {
                "kafka": {"key": {"$ref": f"#/components/schemas/{key_name}"},
                          "bindingVersion": "0.5.0"}
            },
            "examples": [
                {"name": f"example{i}", "summary": ex.summary, "headers": {},
                 "payload": ex.value}
                for i, ex in enumerate(spec.examples, start=1)
            ],
        }  # fmt: skip
        channel: dict[str, Any] = {
            "address": spec.name,
            "description": spec.description,
            "messages": {cid: {"$ref": f"#/components/messages/{cid}"}},
            "bindings": {
                "kafka": {
                    "topic": spec.name,
                    "partitions": spec.partitions,
                    "topicConfiguration": {
                        "cleanup.policy": [spec.cleanup.value],
                        "retention.ms": spec.retention_ms,
                        "max.message.bytes": spec.max_message_bytes,
                    },
                    "bindingVersion": "0.5.0",
                }
            },
            "x-producers": list(spec.producers),
            "x-consumers": list(spec.consumers),
            "x-restricted": spec.restricted,
        }
        if spec.per_agency:
            channel["parameters"] = {"code": {"description": "the agency code (routing table)"}}
        channels[cid] = channel
        operations[f"receive_{cid}"] = {
            "action": "receive",
            "channel": {"$ref": f"#/channels/{cid}"},
            "summary": f"Consumed by {', '.join(spec.consumers)}",
        }
        operations[f"send_{cid}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{cid}"},
            "summary": f"Produced by {', '.join(spec.producers)}",
        }
    document = {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Xinfang petition case pipeline",
            "version": "1.0.0",
            "description": (
                "Topics of the Xinfang pipeline: what intake channels publish, what agencies "
                "receive and publish back. Keys and values are UTF-8 JSON. Generated from "
                "schemas/registry.py; do not edit by hand."
            ),
        },
        "defaultContentType": "application/json",
        "servers": {
            "local": {
                "host": "127.0.0.1:9092",
                "protocol": "kafka",
                "description": "xinfang kafka up",
            }
        },
        "channels": channels,
        "operations": operations,
        "components": {"schemas": schemas, "messages": messages},
    }
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=100)


def expected_files() -> dict[Path, str]:
    files = {JSON_DIR / name: content for name, content in json_schemas().items()}
    files[ASYNCAPI] = asyncapi()
    return files


def stale_files() -> list[Path]:
    """Files whose committed content differs from what the registry generates."""
    stale = [path for path, content in expected_files().items()
             if not path.exists() or path.read_text() != content]  # fmt: skip
    expected = set(expected_files())
    stale += [path for path in JSON_DIR.glob("*.json") if path not in expected]
    return stale


def main(argv: list[str]) -> int:
    if "--check" in argv:
        stale = stale_files()
        for path in stale:
            print(f"stale: {path} (run python -m schemas.generate)")
        return 1 if stale else 0
    JSON_DIR.mkdir(exist_ok=True)
    for path in JSON_DIR.glob("*.json"):
        path.unlink()
    for path, content in expected_files().items():
        path.write_text(content)
    print(f"wrote {len(expected_files())} files")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
