"""The keys of the service's outputs, as their key models write them, made without the model.

Every output's key is a one-field model (``NotificationKey``, ``CaseKey``, ``ReceiverKey``)
whose wire form is ``{"<field>":"<id>"}``; building and dumping the model for each output
cost some 7 µs, two or three times a verdict. An id that is printable ASCII without a quote
or a backslash, within the field's length limits, is written as the model would write it
(JSON leaves such a string as it is); any other goes through the model, which escapes it or
refuses it as before.
"""

from __future__ import annotations

from typing import Final

from schemas.base import Contract


class KeyBytes:
    """``model(<field>=value).to_json_bytes()`` for a key model of one string field."""

    def __init__(self, model: type[Contract]) -> None:
        (field,) = model.model_fields
        self._model = model
        self._field = field
        schema = model.model_json_schema()["properties"][field]
        # Only a plain string with length limits is written without the model: any other
        # constraint (a pattern, a format, another type) is the model's to check.
        self._plain = schema.get("type") == "string" and set(schema) <= _PLAIN
        self._shortest: int = schema.get("minLength", 0)
        self._longest: int | None = schema.get("maxLength")
        self._head = f'{{"{field}":"'.encode()

    def __call__(self, value: str) -> bytes:
        if (
            self._plain
            and value.isascii()
            and value.isprintable()
            and '"' not in value
            and "\\" not in value
            and self._shortest <= len(value)
            and (self._longest is None or len(value) <= self._longest)
        ):
            return self._head + value.encode() + _TAIL
        return self._model.model_validate({self._field: value}).to_json_bytes()


_TAIL: Final = b'"}'
#: What the JSON schema of a plain string field with length limits says.
_PLAIN: Final = {"type", "minLength", "maxLength", "title", "description"}
