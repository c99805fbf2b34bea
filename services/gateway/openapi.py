"""The gateway's OpenAPI 3.1 document, generated from the route list and the pydantic models.

The committed copy (``services/gateway/openapi.json``) is rewritten with
``python -m services.gateway.openapi``; a test fails when it differs from the code.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any, Final

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from services.gateway.routes import OPERATIONS, Answer, Operation

COMMITTED: Final = Path(__file__).with_name("openapi.json")
_REF: Final = "#/components/schemas/{model}"
_PARAM: Final = re.compile(r"{([a-z_]+)}")


@cache
def document() -> dict[str, Any]:
    """The whole document, built once per process."""
    models: set[type[BaseModel]] = set()
    for operation in OPERATIONS:
        models.update(a.model for a in operation.answers if a.model is not None)
        if operation.json_body is not None:
            models.add(operation.json_body)
    ordered = sorted(models, key=lambda model: model.__name__)
    _, schemas = models_json_schema(
        [(model, "serialization") for model in ordered], ref_template=_REF
    )
    paths: dict[str, dict[str, Any]] = {}
    for operation in OPERATIONS:
        paths.setdefault(operation.path, {})[operation.method.lower()] = _operation(operation)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Xinfang HTTP gateway",
            "version": "1",
            "description": (
                "Petitions for channels that cannot speak Kafka: Open311 GeoReport v2 "
                "(wiki.open311.org/GeoReport_v2) and a native JSON API on the "
                "petitions.submitted contract; the petitioner's API and web page (case "
                "number and query code) and the agencies' API (their own keys), whose "
                "updates go to cases.updates. Every write is answered only after the "
                "broker has acknowledged it (acks=all)."
            ),
        },
        "paths": paths,
        "components": {"schemas": schemas.get("$defs", {})},
    }


def _operation(operation: Operation) -> dict[str, Any]:
    parameters: list[dict[str, Any]] = []
    for name in _PARAM.findall(operation.path):
        schema: dict[str, Any] = {"type": "string"}
        if name == "format":
            schema = {"type": "string", "enum": ["json", "xml"]}
        parameters.append({"name": name, "in": "path", "required": True, "schema": schema})
    for name, description in operation.query:
        parameters.append(
            {"name": name, "in": "query", "required": name in operation.query_required,
             "description": description, "schema": {"type": "string"}}
        )  # fmt: skip
    for name, description in operation.headers:
        parameters.append(
            {"name": name, "in": "header", "required": True, "description": description,
             "schema": {"type": "string"}}
        )  # fmt: skip
    if (operation.json_body is not None or operation.optional_api_key) and not operation.headers:
        required = operation.json_body is not None
        parameters.append(
            {"name": "X-API-Key", "in": "header", "required": required,
             "schema": {"type": "string"}}
        )  # fmt: skip
    entry: dict[str, Any] = {
        "operationId": operation.handler,
        "summary": operation.summary,
        "tags": [operation.tag],
        "responses": {str(a.status): _answer(a, operation.open311) for a in operation.answers},
    }
    if parameters:
        entry["parameters"] = parameters
    if operation.json_body is not None:
        entry["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _ref(operation.json_body)}},
        }
    if operation.form_body:
        properties = {
            name: {"type": "string", "description": description}
            for name, description in operation.form_body.items()
        }
        entry["requestBody"] = {
            "required": True,
            "content": {
                "application/x-www-form-urlencoded": {
                    "schema": {
                        "type": "object",
                        "properties": properties,
                        "required": list(operation.form_required),
                    }
                }
            },
        }
    return entry


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": _REF.format(model=model.__name__)}


def _answer(answer: Answer, open311: bool) -> dict[str, Any]:
    result: dict[str, Any] = {"description": answer.description}
    if answer.html:
        result["content"] = {"text/html": {"schema": {"type": "string"}}}
        return result
    if answer.model is None:
        return result
    schema: dict[str, Any] = _ref(answer.model)
    if answer.many:
        schema = {"type": "array", "items": schema}
    content = {"application/json": {"schema": schema}}
    if open311:
        # The XML form carries the same fields: <root><item>...</item></root> (see the spec).
        content["text/xml"] = {"schema": schema}
    result["content"] = content
    return result


def rendered() -> str:
    """The document as committed: sorted keys, two-space indent, UTF-8, final newline."""
    return json.dumps(document(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def main() -> None:
    COMMITTED.write_text(rendered(), encoding="utf-8")
    print(f"wrote {COMMITTED}")


if __name__ == "__main__":
    main()
