"""Decoding a petitions.submitted value: bytes in, a valid petition or the reason it is not.

Intake registers what this accepts; the gateway and ``xinfang submit`` run the same checks
before publishing, so a channel hears at once what intake would reject and why.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Final

from pydantic import ValidationError

from schemas.petitions import (
    MAX_NESTING_DEPTH,
    MAX_PETITION_BYTES,
    SUBMISSION_ID_PATTERN,
    Channel,
    PetitionSubmitted,
    RejectReason,
)
from services.common import regions
from services.common.dlq import Rejected

_SUBMISSION_ID: Final = re.compile(SUBMISSION_ID_PATTERN)


def parse(raw: bytes | None) -> PetitionSubmitted:
    """Decode and validate a petitions.submitted value, or raise Rejected with the reason.

    The size is checked before anything is read, the nesting depth before pydantic walks
    the document (a deeply nested document would exhaust the interpreter's stack).
    """
    if raw is None:
        raise Rejected(RejectReason.MISSING_FIELD, "the message has no value")
    if len(raw) > MAX_PETITION_BYTES:
        raise Rejected(
            RejectReason.TOO_LARGE,
            f"{len(raw)} bytes; a petition has at most {MAX_PETITION_BYTES} bytes",
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Rejected(RejectReason.INVALID_ENCODING, f"not UTF-8: {exc}") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise Rejected(RejectReason.INVALID_JSON, f"not JSON: {exc}") from None
    except RecursionError:
        raise _too_deep(None) from None
    submission_id = None
    if isinstance(document, dict):
        candidate = document.get("submission_id")
        valid = isinstance(candidate, str) and _SUBMISSION_ID.match(candidate)
        submission_id = candidate if valid else None
    check_document(document, submission_id)
    if isinstance(document, dict):
        version = document.get("schema_version", PetitionSubmitted.SCHEMA_VERSION)
        if version != PetitionSubmitted.SCHEMA_VERSION:
            raise Rejected(
                RejectReason.UNSUPPORTED_SCHEMA_VERSION,
                f"schema_version {version!r} is not readable; this intake reads "
                f"{PetitionSubmitted.SCHEMA_VERSION}",
                submission_id,
            )
    try:
        petition = PetitionSubmitted.model_validate(document)
    except ValidationError as exc:
        raise Rejected(_reason(exc), _describe(exc), submission_id) from None
    check_channel_fields(petition)
    if not regions.is_petition_region(petition.region_code):
        raise Rejected(
            RejectReason.UNKNOWN_REGION,
            f"region_code {petition.region_code} is not a code of the national table "
            "(GB/T 2260: county, city or province)",
            petition.submission_id,
        )
    return petition


def check_document(document: object, submission_id: str | None) -> None:
    """Refuse a JSON document nested deeper than the contract allows, or holding a string
    that cannot be written as UTF-8 (a lone surrogate escape such as ``"\\ud800"``)."""
    level: list[object] = [document]
    for depth in range(1, MAX_NESTING_DEPTH + 2):
        below: list[object] = []
        for node in level:
            if isinstance(node, dict):
                below.extend(node.values())
                _check_strings(node.keys(), submission_id)
            elif isinstance(node, list):
                below.extend(node)
            elif isinstance(node, str):
                _check_strings((node,), submission_id)
        containers = [node for node in below if isinstance(node, dict | list)]
        if containers and depth >= MAX_NESTING_DEPTH:
            raise _too_deep(submission_id)
        level = below
        if not level:
            return


def _too_deep(submission_id: str | None) -> Rejected:
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


#: What each channel must carry beyond the common fields, and why.
_CHANNEL_FIELDS: Final = {
    Channel.EMAIL: ("petitioner.email", "an e-mail petition carries the sender's address"),
    Channel.PHONE: ("petitioner.phone", "a phone petition carries the caller's number"),
    Channel.HOTLINE: ("petitioner.phone", "a hotline petition carries the caller's number"),
}
# Not required, on purpose: a letter without a return address (anonymous accusations are
# common) and a visit without a head count are still petitions; they are flagged instead.


def check_channel_fields(petition: PetitionSubmitted) -> None:
    """Refuse a petition that lacks what its channel always records."""
    required = _CHANNEL_FIELDS.get(petition.channel)
    if required is None:
        return
    path, why = required
    holder: object = petition
    for part in path.split("."):
        holder = getattr(holder, part)
    if holder is None:
        raise Rejected(
            RejectReason.MISSING_CHANNEL_FIELD, f"{path}: missing; {why}", petition.submission_id
        )


def _reason(exc: ValidationError) -> RejectReason:
    errors = exc.errors()
    if any(error["loc"][:1] == ("channel",) and error["type"] == "enum" for error in errors):
        return RejectReason.UNKNOWN_CHANNEL
    if any(error["type"] == "missing" for error in errors):
        return RejectReason.MISSING_FIELD
    type_errors = {"string_type", "int_type", "int_parsing", "model_type", "list_type",
                   "dict_type", "datetime_type", "datetime_parsing", "datetime_from_date_parsing",
                   "bool_type", "float_type", "model_attributes_type"}  # fmt: skip
    if any(error["type"] in type_errors for error in errors):
        return RejectReason.WRONG_TYPE
    return RejectReason.SCHEMA_VIOLATION


def _describe(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors()[:10]:
        where = ".".join(str(part) for part in error["loc"]) or "(message)"
        parts.append(f"{where}: {error['msg']}")
    return "; ".join(parts)
