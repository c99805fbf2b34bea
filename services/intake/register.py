"""Registering a submitted petition as a case: message in, decision out. No Kafka here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Final

from schemas.cases import (
    MAX_NORMALISED_CHARS,
    CaseFlag,
    CaseRegistered,
    ClassificationEvidence,
    PetitionerContact,
)
from schemas.identifiers import case_id_for
from schemas.petitions import Channel, PetitionSubmitted
from services.common.freetext import unrestricted_text
from services.common.keys import DEMO_CASE_ID_KEY
from services.common.submitted import check_received_at
from services.intake import privacy
from services.intake.classify import FieldReason, default_classifier
from services.intake.normalise import (
    check_resident_id,
    china_date,
    matching_form_of,
    normalise_joined,
    try_e164,
)
from services.intake.routing import route

#: Art. 20: a group raising a common matter in person elects at most 5 representatives.
MAX_REPRESENTATIVES: Final = 5
COLLECTIVE_GROUP: Final = 5


@dataclass(frozen=True)
class Registration:
    """A registered case and the clear contact details that go to the restricted topic."""

    case: CaseRegistered
    contact: PetitionerContact


@lru_cache(maxsize=8192)
def _evidence(rule: str, term: str, where: str, weight: float) -> ClassificationEvidence:
    """A keyword's evidence on a case, made once: its rule, term, place and weight come from
    the rule file (a weight is a keyword's, times the title factor in the title), so a few
    thousand of these serve every petition, and each costs 1.6 us to validate. The model is
    frozen: cases share it as they share an ``Agency``."""
    return ClassificationEvidence(rule=rule, term=term, where=where, weight=weight)


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
    Raises Rejected for a petition received before any channel existed or in the future
    beyond the clock skew (``submitted.check_received_at``).
    """
    check_received_at(petition, now)
    petitioner_ref = privacy.petitioner_ref(hmac_key, petition.petitioner)
    # Co-signers and elected representatives are petitioners too: a repeat is any petition
    # with at least one petitioner in common (DOMAIN.md, "Repeat petitions").
    others = (*petition.co_petitioners, *petition.representatives)
    co_refs = list(dict.fromkeys(privacy.petitioner_ref(hmac_key, p) for p in others))
    co_refs = [ref for ref in co_refs if ref != petitioner_ref]
    # The petition's own people, wherever the text names them (a letter signed with the
    # name the name field holds): masked as the name fields are.
    names = [person.name for person in (petition.petitioner, *others)]
    title, content = (
        privacy.mask_names_in(unrestricted_text(text), names)
        for text in (petition.title, petition.content)
    )
    accused = (
        privacy.mask_names_in(unrestricted_text(petition.accused), names)
        if petition.accused
        else None
    )
    # Title and content are normalised once: for the stored form (the two joined) and for
    # the classifier's matching forms.
    normalised_title, normalised_content, joined = normalise_joined(title, content)
    normalised = joined[:MAX_NORMALISED_CHARS]
    classification = default_classifier().classify_matching(
        matching_form_of(normalised_title), matching_form_of(normalised_content)
    )
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
        evidence=[_evidence(e.rule, e.term, e.where, e.weight) for e in classification.evidence],
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
