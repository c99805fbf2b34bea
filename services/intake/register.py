"""Registering a submitted petition as a case: message in, decision out. No Kafka here."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from pydantic import ValidationError

from schemas.cases import (
    MAX_NORMALISED_CHARS,
    CaseFlag,
    CaseRegistered,
    ClassificationEvidence,
    PetitionerContact,
)
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
from services.intake import privacy
from services.intake.classify import FieldReason, classify
from services.intake.normalise import (
    check_resident_id,
    china_date,
    normalise_text,
    strip_invisible,
    try_e164,
)
from services.intake.routing import route
from services.intake.settings import DEMO_CASE_ID_KEY

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


def case_id_for(submission_id: str, key: bytes) -> str:
    """The case id of a submission: the same submission and key always yield the same case.

    Keyed (HMAC-SHA256 with the deployment's ``CASE_ID_KEY``): channels' submission ids are
    often predictable (portal-000123), and a case id anyone could compute from one would be
    a way to ask for other people's cases.
    """
    digest = hmac.new(key, f"xinfang-case:{submission_id}".encode(), hashlib.sha256).digest()
    return "XF-" + base64.b32encode(digest).decode()[:12]


def submission_fingerprint(petition: PetitionSubmitted) -> str:
    """What tells a channel's retry (the same petition again) from another petition sent
    under the same submission_id: a hash of the petition's canonical form."""
    return hashlib.sha256(petition.to_json_bytes()).hexdigest()[:32]


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


def _for_downstream(text: str) -> str:
    """A petitioner's text as every downstream topic carries it: without control and format
    characters, and with the personal data written in it masked."""
    return privacy.mask_free_text(strip_invisible(text))


def register(
    petition: PetitionSubmitted,
    *,
    hmac_key: bytes,
    now: datetime,
    case_id_key: bytes = DEMO_CASE_ID_KEY.encode(),
) -> Registration:
    """Turn a valid petition into a registered case: masked, classified, routed.

    The case's title, content and accused are the petitioner's words without control and
    format characters, with the phone, ID, card numbers and e-mail addresses written in
    them masked (clear text stays on the restricted topics only). ``case_id_key`` defaults
    to the development key, for offline tools; the service passes its CASE_ID_KEY.
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
    title, content = (_for_downstream(text) for text in (petition.title, petition.content))
    accused = _for_downstream(petition.accused) if petition.accused else None
    normalised = normalise_text(f"{title}\n{content}")[:MAX_NORMALISED_CHARS]
    classification = classify(title, content)
    decision = route(
        region_code=petition.region_code,
        field=classification.field,
        kind=classification.kind,
        accused=accused,
        text=normalised,
    )
    flags = flags_of(petition, today_in_china=now)
    if classification.field_reason is not FieldReason.MATCHED:
        flags.append(CaseFlag.UNCLASSIFIED)
    case = CaseRegistered(
        case_id=case_id_for(petition.submission_id, case_id_key),
        submission_id=petition.submission_id,
        channel=petition.channel,
        received_at=petition.received_at,
        registered_at=now,
        petitioner_ref=petitioner_ref,
        co_petitioner_refs=co_refs,
        petitioner=privacy.masked_person(petition.petitioner),
        region_code=petition.region_code,
        title=title,
        content=content,
        normalised_text=normalised,
        kind=classification.kind,
        field=classification.field,
        field_score=round(classification.field_score, 3),
        evidence=[
            ClassificationEvidence(rule=e.rule, term=e.term, where=str(e.where), weight=e.weight)
            for e in classification.evidence
        ],
        agency=decision.agency,
        accused=accused,
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
