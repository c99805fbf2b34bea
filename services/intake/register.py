"""Registering a submitted petition as a case: message in, decision out. No Kafka here."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from pydantic import ValidationError

from schemas.cases import CaseFlag, CaseRegistered, ClassificationEvidence, PetitionerContact
from schemas.petitions import Channel, PetitionSubmitted, RejectReason
from services.common.dlq import Rejected
from services.intake import privacy, regions
from services.intake.classify import FieldReason, classify
from services.intake.normalise import check_resident_id, china_date, normalise_text, try_e164
from services.intake.routing import route

#: Clocks of channels and servers differ a little; a petition from further in the future
#: than this is a channel's bug, and its deadlines would be wrong.
CLOCK_SKEW: Final = timedelta(minutes=10)
#: Art. 20: a group raising a common matter in person elects at most 5 representatives.
MAX_REPRESENTATIVES: Final = 5
COLLECTIVE_GROUP: Final = 5


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


def flags_of(petition: PetitionSubmitted, *, today_in_china: datetime) -> list[CaseFlag]:
    """What intake notes on the case without refusing it."""
    flags: list[CaseFlag] = []
    person = petition.petitioner
    collective = (petition.group_size or 1) >= COLLECTIVE_GROUP
    if petition.channel is Channel.VISIT and collective and not petition.representatives:
        flags.append(CaseFlag.GROUP_WITHOUT_REPRESENTATIVES)
    if len(petition.representatives) > MAX_REPRESENTATIVES:
        flags.append(CaseFlag.TOO_MANY_REPRESENTATIVES)
    if person.id_number is not None:
        check = check_resident_id(person.id_number, today=china_date(today_in_china))
        if not check.valid:
            flags.append(CaseFlag.ID_NUMBER_INVALID)
    if person.phone is not None and try_e164(person.phone) is None:
        flags.append(CaseFlag.PHONE_INVALID)
    if person.phone is None and person.email is None and person.address is None:
        flags.append(CaseFlag.NO_CONTACT)
    return flags


def register(petition: PetitionSubmitted, *, hmac_key: bytes, now: datetime) -> Registration:
    """Turn a valid petition into a registered case: masked, classified, routed.

    Raises Rejected for a petition received in the future beyond the clock skew.
    """
    if petition.received_at > now + CLOCK_SKEW:
        raise Rejected(
            RejectReason.RECEIVED_IN_FUTURE,
            f"received_at {petition.received_at.isoformat()} is after now ({now.isoformat()})",
            petition.submission_id,
        )
    petitioner_ref = privacy.petitioner_ref(hmac_key, petition.petitioner)
    # Co-signers and elected representatives are petitioners too: a repeat is any petition
    # with at least one petitioner in common (DOMAIN.md, "Repeat petitions").
    others = (*petition.co_petitioners, *petition.representatives)
    co_refs = list(dict.fromkeys(privacy.petitioner_ref(hmac_key, p) for p in others))
    co_refs = [ref for ref in co_refs if ref != petitioner_ref]
    normalised = normalise_text(f"{petition.title}\n{petition.content}")
    classification = classify(petition.title, petition.content)
    decision = route(
        region_code=petition.region_code,
        field=classification.field,
        kind=classification.kind,
        accused=petition.accused,
        text=normalised,
    )
    flags = flags_of(petition, today_in_china=now)
    if classification.field_reason is not FieldReason.MATCHED:
        flags.append(CaseFlag.UNCLASSIFIED)
    case = CaseRegistered(
        case_id=case_id_for(petition.submission_id),
        submission_id=petition.submission_id,
        channel=petition.channel,
        received_at=petition.received_at,
        registered_at=now,
        petitioner_ref=petitioner_ref,
        co_petitioner_refs=co_refs,
        petitioner=privacy.masked_person(petition.petitioner),
        region_code=petition.region_code,
        title=petition.title,
        content=petition.content,
        normalised_text=normalised,
        kind=classification.kind,
        field=classification.field,
        field_score=round(classification.field_score, 3),
        evidence=[
            ClassificationEvidence(rule=e.rule, term=e.term, where=str(e.where), weight=e.weight)
            for e in classification.evidence
        ],
        agency=decision.agency,
        accused=petition.accused,
        group_size=petition.group_size,
        representative_count=len(petition.representatives),
        attachment_count=len(petition.attachments),
        language=petition.language,
        flags=flags,
    )
    contact = privacy.petitioner_contact(
        petition.petitioner, ref=petitioner_ref, language=petition.language, updated_at=now
    )
    return Registration(case=case, contact=contact)
