"""Relaying what agency systems publish: cases.updates.submitted -> cases.updates, masked.

Agency systems write their notes as people write them: a reply names the caseworker's
phone, a refusal quotes the petitioner's ID number. The topic they publish to is
RESTRICTED; everything downstream reads cases.updates, which is not, so an update reaches
it only through here, checked against the contract and with its text masked as intake
masks a petition's (``services.common.freetext``). Message in, decision out. No Kafka here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from schemas.cases import MAX_UPDATE_BYTES, CaseUpdate, SubmittedUpdate
from schemas.keys import CaseKey
from services.common.agencies import Directory, agency_update_refusal
from services.common.dlq import Rejected
from services.common.documents import check_document, check_key, read_json, validate
from services.common.freetext import unrestricted_note, unrestricted_text


class Relay(StrEnum):
    """What the relay did to an update's text; also the label of
    ``xinfang_intake_agency_updates_total``."""

    #: Nothing to mask or remove: relayed byte for byte as the model writes it.
    AS_WRITTEN = "as_written"
    #: Personal data masked, or control and format characters removed, in the reason or
    #: in the recipient's name or rule.
    MASKED = "masked"


@dataclass(frozen=True)
class RelayedUpdate:
    """An agency system's update as cases.updates carries it, and its key there."""

    update: CaseUpdate
    key: bytes
    relay: Relay


def relay_update(
    key: bytes | None,
    value: bytes | None,
    now: datetime,
    directory: Directory | None = None,
) -> RelayedUpdate:
    """The update of a cases.updates.submitted record, masked for cases.updates.

    Raises Rejected, with intake's reasons for what cannot be read (too_large, too_deep,
    invalid_json, wrong_type, missing_field, ...; schema_violation for a time outside the
    contract's range or an id of other characters), schema_violation for a record whose
    key is not its case's (the key is what keeps one case's updates in order), and what
    the gateway's agency API refuses too (``services.common.agencies``): unknown_agency
    for a reporter or recipient no body of the routing table (``directory``, by default
    the shipped one) is, the petitioner included, occurred_in_future for an update after
    ``now`` beyond the clocks' skew.
    Identifiers (update_id, case_id, agency codes) are kept as written: masking one could
    make two updates one. The text is: the reason, and a recipient's name and rule.
    """
    document = read_json(value, max_bytes=MAX_UPDATE_BYTES, what="an update")
    check_document(document, None)
    # Read as agency systems must write it (bounded ids, strict counts), relayed as every
    # reader of cases.updates reads it.
    update = validate(SubmittedUpdate, document)
    # The key's own bounds (a case id has at most 64 characters), which the update's
    # case_id must meet to be the key of cases.updates.
    case_key = validate(CaseKey, {"case_id": update.case_id})
    check_key(
        key, case_key, "the update's case", "an update is keyed by its case_id, which keeps "
        "one case's updates in order",
    )  # fmt: skip
    refusal = agency_update_refusal(update, now, directory)
    if refusal is not None:
        raise Rejected(refusal.reason, refusal.detail)
    recipient = update.to_agency
    if recipient is not None:
        recipient = recipient.model_copy(
            update={
                "name": unrestricted_text(recipient.name),
                "rule": unrestricted_text(recipient.rule),
            }
        )
    masked = update.relayed(reason=unrestricted_note(update.reason), to_agency=recipient)
    as_written = (masked.reason, masked.to_agency) == (update.reason, update.to_agency)
    relay = Relay.AS_WRITTEN if as_written else Relay.MASKED
    return RelayedUpdate(masked, case_key.to_json_bytes(), relay)
