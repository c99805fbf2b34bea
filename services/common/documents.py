"""Reading a record that someone outside the pipeline wrote: bytes in, a valid model or the
reason it is not.

Intake reads two such inputs, the petitions channels publish and the updates agency systems
publish; both are read here, with the same reasons, so that an operator reads one set of
codes on petitions.rejected whatever the input.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Final, TypeVar

from pydantic import ValidationError

from schemas.base import Contract
from schemas.keys import CaseKey, NotificationKey, PetitionerKey, SubmissionKey
from schemas.petitions import MAX_NESTING_DEPTH, RejectReason
from services.common.dlq import Rejected

M = TypeVar("M", bound=Contract)


class DuplicateFieldError(ValueError):
    """A JSON object names a field twice (the field's name is the message)."""


def unique_fields(pairs: list[tuple[str, object]]) -> dict[str, object]:
    """``json.loads``'s object_pairs_hook that refuses a field given twice in one object.

    Which of the two counts is up to each parser (Python's keeps the last, others the
    first): a proxy, a log reader and a service could each read another petition.
    """
    document: dict[str, object] = {}
    for name, value in pairs:
        if name in document:
            raise DuplicateFieldError(name)
        document[name] = value
    return document


#: One decoder for every document: ``json.loads`` with a hook builds a new decoder (and
#: its scanner) on each call (7 µs a petition instead of 5).
_DECODER: Final = json.JSONDecoder(object_pairs_hook=unique_fields)


def _loads(text: str) -> object:
    """``json.loads(text, object_pairs_hook=unique_fields)``, with the one decoder."""
    if text.startswith("\ufeff"):  # as json.loads
        raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
    return _DECODER.decode(text)


def read_json(raw: bytes | None, *, max_bytes: int, what: str) -> object:
    """The JSON document of ``raw``, or Rejected: no value, more than ``max_bytes``, not
    UTF-8, not JSON (a number of more digits than Python converts included), an object that
    names a field twice, or nested too deep for the parser. ``what`` names the record in
    the reason's detail ("a petition")."""
    if raw is None:
        raise Rejected(RejectReason.MISSING_FIELD, "the message has no value")
    # The size before anything is read.
    if len(raw) > max_bytes:
        raise Rejected(
            RejectReason.TOO_LARGE, f"{len(raw)} bytes; {what} has at most {max_bytes} bytes"
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Rejected(RejectReason.INVALID_ENCODING, f"not UTF-8: {exc}") from None
    try:
        return _loads(text)
    except DuplicateFieldError as exc:
        raise Rejected(
            RejectReason.DUPLICATE_FIELD,
            f"the field {str(exc)[:200]!r} is given twice in one object: give it once "
            "(which of the two counts is up to each reader)",
        ) from None
    except json.JSONDecodeError as exc:
        raise Rejected(RejectReason.INVALID_JSON, f"not JSON: {exc}") from None
    except ValueError as exc:
        # An integer of more than sys.get_int_max_str_digits() digits (4,300): json reads
        # it as Python's int, which refuses (CVE-2020-10735). No count or size has that many.
        raise Rejected(
            RejectReason.INVALID_JSON, f"not JSON this reader takes: {exc}"
        ) from None
    except RecursionError:
        raise too_deep(None) from None


def check_document(document: object, submission_id: str | None) -> None:
    """Refuse a JSON document nested deeper than the contract allows, or holding a string
    that cannot be written as UTF-8 (a lone surrogate escape such as ``"\\ud800"``).

    Run before pydantic walks the document: a deeply nested one would exhaust the
    interpreter's stack there.
    """
    level: list[object] = [document]
    for depth in range(1, MAX_NESTING_DEPTH + 2):
        below: list[object] = []
        strings: list[str] = []
        for node in level:
            # Strings first, the most of a petition's nodes (no value is two of these).
            if isinstance(node, str):
                strings.append(node)
            elif isinstance(node, dict):
                below.extend(node.values())
                strings.extend(node.keys())
            elif isinstance(node, list):
                below.extend(node)
        # One encode of the level's strings joined rather than one a string (with the
        # strings tested first, 5.7 µs a petition to 2.5): UTF-8 refuses a surrogate
        # wherever it stands, a pair of them included, so the joined text fails exactly
        # when one of its strings would.
        if strings:
            _check_strings(("".join(strings),), submission_id)
        if depth >= MAX_NESTING_DEPTH and any(isinstance(node, dict | list) for node in below):
            raise too_deep(submission_id)
        level = below
        if not level:
            return


def too_deep(submission_id: str | None) -> Rejected:
    """The rejection of a document nested deeper than MAX_NESTING_DEPTH."""
    return Rejected(
        RejectReason.TOO_DEEP,
        f"objects and arrays nested deeper than the {MAX_NESTING_DEPTH} levels allowed",
        submission_id,
    )


def _check_strings(strings: Iterable[str], submission_id: str | None) -> None:
    for string in strings:
        try:
            string.encode("utf-8")
        except UnicodeEncodeError:
            raise Rejected(
                RejectReason.INVALID_ENCODING,
                "a string holds a lone surrogate escape (\\ud800-\\udfff): not Unicode text",
                submission_id,
            ) from None


#: The key models of schemas.keys: each one constrained string and nothing else, so the
#: bytes ``to_json_bytes`` writes read back as the same key.
_PLAIN_KEYS: Final[frozenset[type[Contract]]] = frozenset(
    (SubmissionKey, PetitionerKey, CaseKey, NotificationKey)
)


def check_key(
    key: bytes | None, expected: Contract, whose: str, why: str, submission_id: str | None = None
) -> None:
    """Refuse (schema_violation) a record whose key is not ``expected``, the key its value
    calls for; compared as parsed, so spacing and the order of fields are no matter.

    The key chooses the partition, and so the state a record is judged in: a record under
    another key lands beside another case's (or petitioner's) records and passes for new
    there. ``whose`` names what the expected key is of ("the petition's"), ``why`` says
    what the key keeps together.
    """
    # Most keys are written as the expected key's own bytes: those read back as it (one
    # constrained string, no validator), so the parse and the comparison (2.3 µs) are
    # needed only for another key, which may still be the same key written otherwise.
    if key is not None and type(expected) in _PLAIN_KEYS and key == expected.to_json_bytes():
        return
    try:
        given = type(expected).model_validate_json(key or b"")
    except ValidationError:
        given = None
    if given != expected:
        shown = "none" if key is None else repr(key[:200].decode("utf-8", "replace"))
        raise Rejected(
            RejectReason.SCHEMA_VIOLATION,
            f"the key is {shown}, not {whose} {expected.to_json_bytes().decode()}: {why}",
            submission_id,
        )


def validate(model: type[M], document: object, submission_id: str | None = None) -> M:
    """``document`` as ``model``, or Rejected with the reason pydantic's errors amount to
    (missing_field, wrong_type, unknown_channel, unsupported_schema_version, or
    schema_violation) and the first ten of them as the detail."""
    try:
        return model.model_validate(document)
    except ValidationError as exc:
        raise Rejected(_reason(exc), _describe(exc), submission_id) from None


#: pydantic's error types that mean a value of the wrong JSON type.
_TYPE_ERRORS: Final = frozenset({
    "string_type", "int_type", "int_parsing", "model_type", "list_type", "dict_type",
    "datetime_type", "datetime_parsing", "datetime_from_date_parsing", "bool_type",
    "float_type", "model_attributes_type",
})  # fmt: skip


def _reason(exc: ValidationError) -> RejectReason:
    errors = exc.errors()
    if any(error["loc"][:1] == ("schema_version",) for error in errors):
        return RejectReason.UNSUPPORTED_SCHEMA_VERSION
    if any(error["loc"][:1] == ("channel",) and error["type"] == "enum" for error in errors):
        return RejectReason.UNKNOWN_CHANNEL
    if any(error["type"] == "missing" for error in errors):
        return RejectReason.MISSING_FIELD
    if any(error["type"] in _TYPE_ERRORS for error in errors):
        return RejectReason.WRONG_TYPE
    return RejectReason.SCHEMA_VIOLATION


def _describe(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors()[:10]:
        where = ".".join(str(part) for part in error["loc"]) or "(message)"
        parts.append(f"{where}: {error['msg']}")
    return "; ".join(parts)
