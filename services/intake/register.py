"""Registering a submitted petition as a case: message in, decision out. No Kafka here."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from pydantic import ValidationError

from schemas.cases import CaseRegistered, PetitionerContact
from schemas.petitions import PetitionSubmitted, RejectReason
from services.common.dlq import Rejected
from services.intake import privacy
from services.intake.normalise import normalise_text


@dataclass(frozen=True)
class Registration:
    """A registered case and the clear contact details that go to the restricted topic."""

    case: CaseRegistered
    contact: PetitionerContact


def case_id_for(submission_id: str) -> str:
    """The case id of a submission: the same submission always yields the same case."""
    digest = hashlib.sha256(f"xinfang-case:{submission_id}".encode()).digest()
    return "XF-" + base64.b32encode(digest).decode()[:12]


def parse(raw: bytes | None) -> PetitionSubmitted:
    """Decode and validate a petitions.submitted value, or raise Rejected with the reason."""
    if raw is None:
        raise Rejected(RejectReason.MISSING_FIELD, "the message has no value")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Rejected(RejectReason.INVALID_ENCODING, f"not UTF-8: {exc}") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise Rejected(RejectReason.INVALID_JSON, f"not JSON: {exc}") from None
    submission_id = None
    if isinstance(document, dict):
        candidate = document.get("submission_id")
        submission_id = candidate if isinstance(candidate, str) and candidate else None
        version = document.get("schema_version", PetitionSubmitted.SCHEMA_VERSION)
        if version != PetitionSubmitted.SCHEMA_VERSION:
            raise Rejected(
                RejectReason.UNSUPPORTED_SCHEMA_VERSION,
                f"schema_version {version!r} is not readable; this intake reads "
                f"{PetitionSubmitted.SCHEMA_VERSION}",
                submission_id,
            )
    try:
        return PetitionSubmitted.model_validate(document)
    except ValidationError as exc:
        raise Rejected(_reason(exc), _describe(exc), submission_id) from None


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


def register(petition: PetitionSubmitted, *, hmac_key: bytes, now: datetime) -> Registration:
    """Turn a valid petition into a registered case (masked) and its contact record."""
    petitioner_ref = privacy.petitioner_ref(hmac_key, petition.petitioner)
    case = CaseRegistered(
        case_id=case_id_for(petition.submission_id),
        submission_id=petition.submission_id,
        channel=petition.channel,
        received_at=petition.received_at,
        registered_at=now,
        petitioner_ref=petitioner_ref,
        co_petitioner_refs=[privacy.petitioner_ref(hmac_key, p) for p in petition.co_petitioners],
        petitioner=privacy.masked_person(petition.petitioner),
        region_code=petition.region_code,
        title=petition.title,
        content=petition.content,
        normalised_text=normalise_text(f"{petition.title}\n{petition.content}"),
        accused=petition.accused,
        group_size=petition.group_size,
        representative_count=len(petition.representatives),
        attachment_count=len(petition.attachments),
        language=petition.language,
    )
    contact = privacy.petitioner_contact(
        petition.petitioner, ref=petitioner_ref, language=petition.language, updated_at=now
    )
    return Registration(case=case, contact=contact)
