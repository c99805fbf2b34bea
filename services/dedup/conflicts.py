"""An id dedup has acted on, arriving again: a redelivery, or other content (a conflict).

Cases: intake gives every submission one case id and refuses other content under a
submission id it knows, so a second, different ``CaseRegistered`` under a recorded case id
comes from elsewhere (a replayed old topic, a hostile producer). Dedup keeps its first
decision and dead-letters the second version (``conflicting_duplicate``); the same content
again is a redelivery, which gets the first decision again (``Matcher.match``). The case
record keeps the text only as a sketch and fingerprint (blind to the order of sentences, to
the title's wording, to the accused...), so the whole registered content is compared by
its digest, kept in the record (``KeptCase``).

Operators' commands: ``command_id`` is the command's idempotency key. The same command
again (a retried send, a redelivery) is applied once and answered with its first outcome;
other content under a command id that was handled is dead-lettered, the first version's
outcome standing on ``matters.changes``.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, replace
from typing import Any, Final, Literal, Self

from pydantic import ConfigDict, Field

from schemas.base import Contract
from schemas.cases import CaseRegistered
from schemas.matters import MatterCommand
from schemas.petitions import RejectReason
from services.common.dlq import Rejected
from services.dedup.decision import DedupDecision
from services.dedup.facts import CaseFacts
from services.dedup.records import CaseRecord, JsonValue, MatterStatus

#: What the recorded case keeps of the facts, named in a conflict's detail when they differ.
COMPARED: Final = ("region_code", "field", "petitioner_refs", "received_at")
#: Set when the case was produced, not part of what was registered: intake re-producing a
#: case after a crash stamps it anew.
_PRODUCED_AT: Final = frozenset({"registered_at"})
#: ``_PRODUCED_AT`` as the serializer's ``exclude`` takes it (a set), made once.
_PRODUCED_AT_FIELDS: Final = set(_PRODUCED_AT)
#: When the operator's tool stamped the command: a re-send of the same command may be
#: stamped anew, and says nothing about what the command does.
_ISSUED_AT: Final = frozenset({"issued_at"})


class _CaseRegion(Contract):
    model_config = ConfigDict(frozen=True, extra="ignore")
    region_code: str = Field(pattern=r"^\d{6}$")


class VerdictRegion(Contract):
    """What dedup reads of its own verdicts: the case id and the case's region, to send an
    agency's update there, and to tell a verdict of the case in another region (a conflict).

    The rest of the verdict is not read: parsed whole (the case inside it too), it cost as
    much as a third of matching the case. Each reader of cases.deduplicated that uses the
    rest validates it, and dead-letters a verdict it cannot read.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")
    schema_version: Literal[1]
    case_id: str = Field(min_length=1, max_length=64)
    case: _CaseRegion


def case_digest(case: CaseRegistered) -> str:
    """SHA-256 of everything registered about the case (text, title, people, place...)."""
    # ``Contract.content_sha256``'s bytes, hashed as the serializer writes them: without
    # its round trip through ``str`` (``model_dump_json`` decodes, it encodes again).
    canonical = case.__pydantic_serializer__.to_json(
        case, exclude=_PRODUCED_AT_FIELDS, exclude_none=True
    )
    return hashlib.sha256(canonical).hexdigest()


def check_same_case(
    recorded: CaseRecord, recorded_digest: str | None, case: CaseRegistered
) -> None:
    """Rejected (conflicting_duplicate) when ``case`` differs from the recorded case.

    ``recorded_digest`` is None for a case recorded before digests were kept (a state
    restored from older changelogs): its recorded facts are all there is to compare.
    """
    facts = CaseFacts.from_registered(case)
    arrived = {
        "region_code": facts.region_code,
        "field": facts.field,
        "petitioner_refs": facts.petitioner_refs,
        "received_at": facts.received_epoch,
    }
    differ = [name for name in COMPARED if getattr(recorded, name) != arrived[name]]
    if not differ and recorded_digest in (None, case_digest(case)):
        return
    other = ", ".join(differ) if differ else "content (text, title or other registered fields)"
    raise Rejected(
        RejectReason.CONFLICTING_DUPLICATE,
        f"case {case.case_id} is recorded already with other {other}: "
        "its first decision is kept",
        case.submission_id,
    )


#: What a redone decision takes from the first instead of the matter as it is now: a later
#: case of the same uncommitted stretch may have merged the case's matter into another
#: (the case's record then names the kept matter) or joined it (more petitioners: the
#: matter turned collective). Verdict, reason, score and repeat count are in the record.
_FIRST_DECISION: Final = (
    "matter_id", "first_case_id", "open_case_id", "matter_petitions", "matter_petitioners",
    "collective",
)  # fmt: skip


#: Between the digest and the first decision in a case record's kept part
#: (``CaseRecord.kept``): neither a hex digest nor JSON (which escapes control characters)
#: holds it.
_KEPT_SEP: Final = "\x1f"
#: A digest as kept: SHA-256 in hex.
_DIGEST_RE: Final = re.compile("[0-9a-f]{64}")
#: One JSON encoder for the kept part (``json.dumps`` with options builds one per call).
_KEPT_JSON: Final = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True, slots=True)
class KeptCase:
    """The digest of a recorded case's registered content and what its first decision said
    about its matter: kept in the case's record (``CaseRecord.kept``), and before that in
    a ``digests`` table of its own, whose rows a state restored from older changelogs
    still has (``read``).

    A case decided again (its batch redelivered after a crash or a broker restart, its
    effects already in the state) gets its first verdict again, the same matter, the same
    figures: each reader of the verdicts (escalation, notification, the ledger) refuses a
    second verdict that says otherwise. Values written before the first decision was kept
    are the digest alone (a string): such a case is replayed from the state as it is.
    """

    digest: str
    first: dict[str, JsonValue] | None = None

    def to_json(self) -> dict[str, JsonValue]:
        """The JSON value of the old ``digests`` table (the case id is the key): tests and
        tools that make a state as it was written before."""
        return {"sha256": self.digest, "first": self.first}

    def to_text(self) -> str:
        """The kept part of the case's record: the digest, then the first decision's
        figures as a JSON list (``_FIRST_DECISION``, then the matter's status)."""
        first = self.first
        if first is None:
            return self.digest
        figures = [first[name] for name in _FIRST_DECISION]
        figures.append(first["matter_status"])
        return self.digest + _KEPT_SEP + _KEPT_JSON.encode(figures)

    @classmethod
    def of(cls, digest: str, decision: DedupDecision) -> Self:
        """What to keep of a new case: its digest and its first decision's matter."""
        first: dict[str, JsonValue] = {
            name: getattr(decision, name) for name in _FIRST_DECISION
        }
        first["matter_status"] = decision.matter_status.value
        return cls(digest, first)

    @classmethod
    def read(cls, value: str | dict[str, JsonValue] | None) -> Self | None:
        """A value of the old ``digests`` table, of either form; None for none."""
        if value is None:
            return None
        if isinstance(value, str):
            return cls(value)
        first = value.get("first")
        return cls(str(value["sha256"]), first if isinstance(first, dict) else None)

    @classmethod
    def from_text(cls, text: str) -> Self | None:
        """The kept part of a case's record (``to_text``); None for a record without one."""
        if not text:
            return None
        digest, _, figures = text.partition(_KEPT_SEP)
        if not _DIGEST_RE.fullmatch(digest):
            # Not a kept part as ``to_text`` writes it: a record whose earlier fields held
            # the separator (a hostile producer's petitioner ref or case id) shifted them.
            # Read as none: the case is then compared on its facts, as one recorded before
            # digests were kept, instead of stopping the handler.
            return None
        if not figures:
            return cls(digest)
        try:
            values = json.loads(figures)
        except ValueError:
            return None
        if not isinstance(values, list) or len(values) != len(_FIRST_DECISION) + 1:
            # Another number of figures than this code writes (a later version's, or a
            # shifted record): no first decision to replay rather than a misread one.
            return cls(digest)
        first: dict[str, JsonValue] = dict(
            zip(_FIRST_DECISION, values[: len(_FIRST_DECISION)], strict=True)
        )
        first["matter_status"] = values[len(_FIRST_DECISION)]
        return cls(digest, first)

    def first_again(self, decision: DedupDecision) -> DedupDecision:
        """``decision`` (a replay) with what the first decision said about its matter."""
        if self.first is None:
            return decision
        changes: dict[str, Any] = {name: self.first[name] for name in _FIRST_DECISION}
        changes["matter_status"] = MatterStatus(self.first["matter_status"])
        return replace(decision, **changes)


def command_digest(command: MatterCommand) -> str:
    """SHA-256 of what the command does and who decided it, why."""
    return command.content_sha256(without=_ISSUED_AT)


@dataclass(frozen=True, slots=True)
class HandledCommand:
    """A command dedup has handled: its digest and the change it published (key, value)."""

    digest: str
    change_key: bytes
    change_value: bytes

    def to_json(self) -> dict[str, JsonValue]:
        """The JSON value of the ``commands`` table (the command id is the key)."""
        return {
            "sha256": self.digest,
            "key": self.change_key.decode(),
            "change": self.change_value.decode(),
        }

    @classmethod
    def from_json(cls, value: dict[str, JsonValue]) -> Self:
        """Read a value of the ``commands`` table."""
        return cls(value["sha256"], value["key"].encode(), value["change"].encode())


def first_outcome(recorded: HandledCommand | None, command: MatterCommand) -> HandledCommand | None:
    """The command's first handling when it was handled already (a redelivery, a retried
    send: answered as before), None when it is new.

    Rejected (conflicting_duplicate) when its id was handled with other content: the first
    version stays applied, the second is kept as a dead letter.
    """
    if recorded is None:
        return None
    digest = command_digest(command)
    if digest != recorded.digest:
        raise Rejected(
            RejectReason.CONFLICTING_DUPLICATE,
            f"command {command.command_id} was handled already with other content "
            f"(SHA-256 {recorded.digest}, this one {digest}): its first outcome on "
            "matters.changes stands",
        )
    return recorded
