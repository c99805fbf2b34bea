"""The one list of topics. Nothing else in the project spells a topic name.

Each entry gives the key and value models, partitions, cleanup policy, retention,
producers, consumers and example payloads. The examples run through the models in the
contract tests; the JSON Schema files and the AsyncAPI document are generated from here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final

from schemas import deadlines, examples, ledger, matters
from schemas.base import Contract, Example
from schemas.cases import (
    AgencyCase,
    CaseDeduplicated,
    CaseEscalated,
    CaseRegistered,
    CaseUpdate,
    PetitionerContact,
    SubmittedUpdate,
)
from schemas.keys import CaseKey, NotificationKey, PetitionerKey, SubmissionKey
from schemas.notifications import NotificationDelivered, NotificationFailed
from schemas.petitions import DeadLetter, PetitionSubmitted

DAY_MS: Final = 24 * 3600 * 1000
#: Case topics are the system of record for years of audits: keep them (Art. 21 ledgers).
FOREVER: Final = -1
PARTITIONS: Final = 4
#: The largest record a topic takes (its ``max.message.bytes``), and what every producer of
#: the project may send: Faust's producers refuse a record above 1,000,000 bytes
#: (``producer_max_request_size``), so the broker's limit is set to the same number. The
#: contract's bounds (schemas/petitions.py) are chosen so that whatever they accept fits.
MAX_MESSAGE_BYTES: Final = 1_000_000
#: What a record costs beyond its key and value bytes: the record batch header (61 bytes)
#: and the record's own varints, attributes and header count (at most 21 bytes), rounded up.
RECORD_OVERHEAD_BYTES: Final = 128


class Cleanup(StrEnum):
    DELETE = "delete"
    COMPACT = "compact"


@dataclass(frozen=True)
class TopicSpec:
    """A topic of the contract."""

    name: str
    description: str
    key_model: type[Contract]
    value_model: type[Contract]
    producers: tuple[str, ...]
    consumers: tuple[str, ...]
    examples: tuple[Example, ...]
    partitions: int = PARTITIONS
    cleanup: Cleanup = Cleanup.DELETE
    retention_ms: int = FOREVER
    #: Holds personal data in clear: only the services listed as consumers may read it.
    restricted: bool = False
    #: A name with ``{code}``: one topic per agency of the routing table.
    per_agency: bool = False
    extra_config: dict[str, str] = field(default_factory=dict)
    #: The topic's ``max.message.bytes``: producers and the dead-letter builder read it.
    max_message_bytes: int = MAX_MESSAGE_BYTES

    def full_name(self, prefix: str = "", code: str | None = None) -> str:
        """The topic's name on the broker, with the deployment's prefix."""
        if self.per_agency:
            if code is None:
                raise ValueError(f"{self.name} needs an agency code")
            return prefix + self.name.format(code=code)
        return prefix + self.name

    def topic_config(self) -> dict[str, str]:
        config = {
            "cleanup.policy": self.cleanup.value,
            "retention.ms": str(self.retention_ms),
            "max.message.bytes": str(self.max_message_bytes),
        }
        config.update(self.extra_config)
        return config

    def fits(self, key: bytes | None, value: bytes | None) -> bool:
        """True if a record of this key and value is within the topic's size limit."""
        size = len(key or b"") + len(value or b"") + RECORD_OVERHEAD_BYTES
        return size <= self.max_message_bytes


PETITIONS_SUBMITTED: Final = TopicSpec(
    name="petitions.submitted",
    description=(
        "RESTRICTED. Petitions as intake channels publish them, in clear, keyed by the "
        "channel's submission id."
    ),
    key_model=SubmissionKey,
    value_model=PetitionSubmitted,
    producers=("channels", "gateway", "xinfang submit"),
    consumers=("intake",),
    examples=examples.SUBMITTED,
    retention_ms=30 * DAY_MS,
    restricted=True,
)
PETITIONS_REJECTED: Final = TopicSpec(
    name="petitions.rejected",
    description=(
        "RESTRICTED. The dead-letter topic of every stage: the original bytes (a petition "
        "in clear, when intake rejected it), where they came from, and a reason code. "
        "`xinfang dlq replay` re-publishes chosen entries."
    ),
    key_model=SubmissionKey,
    value_model=DeadLetter,
    producers=("intake", "dedup", "escalation", "notification"),
    consumers=("operators",),
    examples=examples.REJECTED,
    retention_ms=90 * DAY_MS,
    restricted=True,
)
CASES_REGISTERED: Final = TopicSpec(
    name="cases.registered",
    description=(
        "Valid petitions registered as cases, masked, classified and routed; keyed by "
        "the region code of the case's matching area (its city, else its province), so "
        "that every case dedup may link to it is in the same partition. Records written "
        "before this key (keyed by petitioner_ref) are still read: dedup re-keys them."
    ),
    key_model=matters.RegionKey,
    value_model=CaseRegistered,
    producers=("intake",),
    consumers=("dedup",),
    examples=examples.REGISTERED,
)
CASES_DEDUPLICATED: Final = TopicSpec(
    name="cases.deduplicated",
    description="dedup's verdict for every registered case (new, repeat, joint, related).",
    key_model=CaseKey,
    value_model=CaseDeduplicated,
    producers=("dedup",),
    # dedup itself: which region holds a case, to route agencies' updates to it.
    consumers=("escalation", "notification", "dedup", "ledger"),
    examples=examples.DEDUPLICATED,
)
CASES_UPDATES_SUBMITTED: Final = TopicSpec(
    name="cases.updates.submitted",
    description=(
        "RESTRICTED. Status changes as agency systems publish them, their text in clear, "
        "keyed by case_id; intake checks and masks them onto cases.updates."
    ),
    key_model=CaseKey,
    value_model=SubmittedUpdate,
    producers=("agencies",),
    consumers=("intake",),
    examples=examples.UPDATES_SUBMITTED,
    retention_ms=30 * DAY_MS,
    restricted=True,
)
CASES_UPDATES: Final = TopicSpec(
    name="cases.updates",
    description=(
        "Status changes on cases (accepted, replied, ...), their text masked: what agency "
        "systems published on cases.updates.submitted, relayed by intake, and what "
        "petitioners and agencies sent through the gateway."
    ),
    key_model=CaseKey,
    value_model=CaseUpdate,
    producers=("intake", "gateway"),
    # dedup: whether a matter is still being handled within its time limit (Art. 19, 36).
    consumers=("escalation", "notification", "dedup", "ledger"),
    examples=examples.UPDATES,
)
CASES_ESCALATED: Final = TopicSpec(
    name="cases.escalated",
    description="Escalations to a supervising level, each with a deterministic id and reason.",
    key_model=CaseKey,
    value_model=CaseEscalated,
    producers=("escalation",),
    consumers=("notification", "ledger"),
    examples=examples.ESCALATED,
)
CASES_DEADLINES: Final = TopicSpec(
    name="cases.deadlines",
    description=(
        "Warnings that a legal clock has used most of its time (default 80%); the breach "
        "itself is an escalation on cases.escalated."
    ),
    key_model=CaseKey,
    value_model=deadlines.DeadlineWarning,
    producers=("escalation",),
    consumers=("operators",),
    examples=deadlines.EXAMPLES,
)
MATTERS_COMMANDS: Final = TopicSpec(
    name="matters.commands",
    description=(
        "Operators' merge and split commands, keyed by the matters' region so they reach "
        "the dedup partition that holds them (`xinfang matter merge|split`)."
    ),
    key_model=matters.RegionKey,
    value_model=matters.MatterCommand,
    producers=("xinfang matter",),
    consumers=("dedup",),
    examples=matters.COMMAND_EXAMPLES,
)
MATTERS_CHANGES: Final = TopicSpec(
    name="matters.changes",
    description="What each merge or split did to the matters, for downstream consumers.",
    key_model=matters.MatterKey,
    value_model=matters.MatterChanged,
    producers=("dedup",),
    consumers=("ledger", "agencies", "operators"),
    examples=matters.CHANGE_EXAMPLES,
)
AGENCY_INBOX: Final = TopicSpec(
    name="agency.{code}.inbox",
    description="One topic per agency: its cases, masked, keyed by case id.",
    key_model=CaseKey,
    value_model=AgencyCase,
    producers=("notification",),
    consumers=("agencies",),
    examples=examples.INBOX,
    per_agency=True,
)
PETITIONER_CONTACTS: Final = TopicSpec(
    name="petitioners.contacts",
    description=(
        "RESTRICTED. Clear contact details by petitioner_ref, compacted; a tombstone "
        "(null value) erases a petitioner's details."
    ),
    key_model=PetitionerKey,
    value_model=PetitionerContact,
    producers=("intake",),
    consumers=("notification",),
    examples=examples.CONTACTS,
    cleanup=Cleanup.COMPACT,
    restricted=True,
    extra_config={"min.compaction.lag.ms": "0", "delete.retention.ms": str(DAY_MS)},
)
NOTIFICATIONS_DELIVERED: Final = TopicSpec(
    name="notifications.delivered",
    description="One record per notice delivered, keyed by its deterministic id.",
    key_model=NotificationKey,
    value_model=NotificationDelivered,
    producers=("notification",),
    consumers=("operators", "audit"),
    examples=examples.DELIVERED,
)
NOTIFICATIONS_FAILED: Final = TopicSpec(
    name="notifications.failed",
    description="Notices that could not be delivered, with a reason from a closed set.",
    key_model=NotificationKey,
    value_model=NotificationFailed,
    producers=("notification",),
    consumers=("operators",),
    examples=examples.FAILED,
)

LEDGER_SNAPSHOTS: Final = TopicSpec(
    name="ledger.snapshots",
    description=(
        "Category ledgers (分类台账): one row per region (county, city, province), field "
        "(or all) and period (day, ISO week, month in +08:00), compacted to its latest "
        "figures; `xinfang ledger show` reads it."
    ),
    key_model=ledger.LedgerKey,
    value_model=ledger.LedgerSnapshot,
    producers=("ledger",),
    consumers=("operators", "xinfang ledger show"),
    examples=ledger.SNAPSHOT_EXAMPLES,
    cleanup=Cleanup.COMPACT,
)
HOTSPOTS_DETECTED: Final = TopicSpec(
    name="hotspots.detected",
    description=(
        "Matters and classes of problems rising well above their own baseline, with the "
        "evidence; a hotspot is republished with the same id as it grows."
    ),
    key_model=ledger.HotspotKey,
    value_model=ledger.HotspotDetected,
    producers=("ledger",),
    consumers=("notification", "operators"),
    examples=ledger.HOTSPOT_EXAMPLES,
)
TOPICS: Final[tuple[TopicSpec, ...]] = (
    PETITIONS_SUBMITTED,
    PETITIONS_REJECTED,
    CASES_REGISTERED,
    CASES_DEDUPLICATED,
    CASES_UPDATES_SUBMITTED,
    CASES_UPDATES,
    CASES_ESCALATED,
    CASES_DEADLINES,
    MATTERS_COMMANDS,
    MATTERS_CHANGES,
    AGENCY_INBOX,
    PETITIONER_CONTACTS,
    NOTIFICATIONS_DELIVERED,
    NOTIFICATIONS_FAILED,
    LEDGER_SNAPSHOTS,
    HOTSPOTS_DETECTED,
)


def by_name(name: str) -> TopicSpec:
    """The spec of a topic by its unprefixed name (``agency.{code}.inbox`` for inboxes)."""
    for spec in TOPICS:
        if spec.name == name:
            return spec
    raise KeyError(name)
