"""Counting what the pipeline did, topic by topic, and checking that the numbers balance.

submitted = registered + petitions rejected by intake + duplicate submissions;
registered = deduplicated; one receipt (delivered or failed) per verdict; every escalated
case in at least one escalation alert (alerts are digests per recipient); every verdict
counted once in the ledger (its province's month rows of all fields); every hotspot in a
hotspot digest. Counts are of distinct ids: a record written again after a crash
(at-least-once) counts once.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import cast

from schemas.ledger import PeriodKind
from schemas.petitions import RejectReason
from schemas.registry import (
    CASES_DEDUPLICATED,
    CASES_ESCALATED,
    CASES_REGISTERED,
    HOTSPOTS_DETECTED,
    LEDGER_SNAPSHOTS,
    NOTIFICATIONS_DELIVERED,
    NOTIFICATIONS_FAILED,
    PETITIONS_REJECTED,
    PETITIONS_SUBMITTED,
)
from services.common.readback import read_all


@dataclass
class Tally:
    submitted: int = 0
    duplicate_submissions: int = 0
    registered: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    rejected_downstream: Counter[str] = field(default_factory=Counter)
    verdicts: Counter[str] = field(default_factory=Counter)
    escalated: Counter[str] = field(default_factory=Counter)
    delivered: Counter[str] = field(default_factory=Counter)
    failed: Counter[str] = field(default_factory=Counter)
    escalated_cases: set[str] = field(default_factory=set)
    alerted_cases: set[str] = field(default_factory=set)
    #: Notification ids of the receipts, delivered or failed: a receipt reported failed
    #: and delivered later (a redo after a crash that found the contact) is one receipt.
    receipts: set[str] = field(default_factory=set)
    #: Every province's month rows of all fields (ledger.snapshots), oldest first.
    ledger_months: list[dict[str, object]] = field(default_factory=list)
    #: hotspot id -> its latest publication; the first cases named by hotspot digests.
    hotspots: dict[str, dict[str, object]] = field(default_factory=dict)
    hotspot_alerted_cases: set[str] = field(default_factory=set)

    @property
    def ledger_cases(self) -> int:
        """Cases in the ledger: the petitions of its province months."""
        return sum(cast(int, row["petitions"]) for row in self.ledger_months)

    @property
    def rejected_total(self) -> int:
        return sum(self.rejected.values())

    def problems(self, *, ledger: bool = True) -> list[str]:
        """Every accounting identity that does not hold (empty when balanced).

        ``ledger`` False leaves out the ledger's identities, for a run without the ledger.
        """
        found = []
        if self.submitted != self.registered + self.rejected_total + self.duplicate_submissions:
            found.append(
                f"submitted {self.submitted} != registered {self.registered} + rejected "
                f"{self.rejected_total} + duplicate submissions {self.duplicate_submissions}"
            )
        if sum(self.verdicts.values()) != self.registered:
            found.append(
                f"deduplicated {sum(self.verdicts.values())} != registered {self.registered}"
            )
        receipts = len(self.receipts)
        verdicts = sum(self.verdicts.values())
        if receipts != verdicts:
            found.append(f"receipts {receipts} != verdicts {verdicts}")
        unalerted = self.escalated_cases - self.alerted_cases
        if unalerted:
            found.append(f"{len(unalerted)} escalated cases in no escalation alert")
        if ledger and self.ledger_cases != verdicts:
            found.append(f"cases in the ledger {self.ledger_cases} != verdicts {verdicts}")
        undigested = [
            hotspot_id
            for hotspot_id, hotspot in self.hotspots.items()
            if not set(cast(list[str], hotspot["case_ids"])) & self.hotspot_alerted_cases
        ]
        if undigested:
            found.append(f"{len(undigested)} hotspots in no hotspot digest")
        return found

    def rows(self) -> list[tuple[str, str, int]]:
        """(stage, what, count) for a table."""
        rows = [("channels", "submitted", self.submitted)]
        rows.append(("intake", "registered", self.registered))
        rows.append(("intake", "duplicate submissions (retries)", self.duplicate_submissions))
        rows += [("intake", f"rejected: {r}", n) for r, n in sorted(self.rejected.items())]
        rows += [("dedup", v, n) for v, n in sorted(self.verdicts.items())]
        rows += [("escalation", f"escalated: {r}", n) for r, n in sorted(self.escalated.items())]
        rows += [("notification", f"delivered: {k}", n) for k, n in sorted(self.delivered.items())]
        rows += [("notification", f"failed: {k}", n) for k, n in sorted(self.failed.items())]
        rows.append(("ledger", "cases counted (province x month rows)", self.ledger_cases))
        rows.append(("ledger", "hotspots detected", len(self.hotspots)))
        rows += [
            ("dead letters", f"downstream: {r}", n)
            for r, n in sorted(self.rejected_downstream.items())
        ]
        return rows


def _json(value: bytes | None) -> dict[str, object] | None:
    if value is None:
        return None
    try:
        document = json.loads(value)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    return document if isinstance(document, dict) else None


def count_letter(result: Tally, letter: dict[str, object], petitions_topic: str) -> None:
    """Count one dead letter: a petition intake rejected (read from ``petitions_topic``, the
    prefixed petitions.submitted), or a dead letter of something else, by stage and reason
    (an agency system's update intake could not relay among them)."""
    reason = str(letter.get("reason"))
    if letter.get("stage") != "intake":
        result.rejected_downstream[f"{letter.get('stage')}/{reason}"] += 1
    elif letter.get("source_topic") != petitions_topic:
        result.rejected_downstream[f"intake (agency updates)/{reason}"] += 1
    else:
        result.rejected[reason] += 1
        if reason == RejectReason.CONFLICTING_RESUBMISSION:
            # Its submission_id is registered (by the first version), so the loop over
            # petitions.submitted counted it as a duplicate too: a rejection, not a retry.
            result.duplicate_submissions -= 1


def tally(bootstrap: str, prefix: str) -> Tally:
    """Read every output topic from the start and count."""
    result = Tally()
    seen_submissions: set[str] = set()
    # A record a service wrote again after a crash (same deterministic id, same content)
    # counts once: every count below is of distinct ids.
    registered = {
        str(doc["case_id"]): doc
        for record in read_all(bootstrap, CASES_REGISTERED.full_name(prefix))
        if (doc := _json(record.value))
    }
    result.registered = len(registered)
    registered_ids = {str(doc["submission_id"]) for doc in registered.values()}
    for record in read_all(bootstrap, PETITIONS_SUBMITTED.full_name(prefix)):
        result.submitted += 1
        doc = _json(record.value)
        submission_id = doc.get("submission_id") if doc else None
        if isinstance(submission_id, str) and submission_id in registered_ids:
            if submission_id in seen_submissions:
                result.duplicate_submissions += 1
            seen_submissions.add(submission_id)
    letters: set[tuple[object, object, object]] = set()
    for record in read_all(bootstrap, PETITIONS_REJECTED.full_name(prefix)):
        doc = _json(record.value) or {}
        source = (doc.get("source_topic"), doc.get("source_partition"), doc.get("source_offset"))
        if source in letters:
            continue
        letters.add(source)
        count_letter(result, doc, PETITIONS_SUBMITTED.full_name(prefix))
    verdicts = {
        doc.get("case_id"): doc
        for record in read_all(bootstrap, CASES_DEDUPLICATED.full_name(prefix))
        if (doc := _json(record.value))
    }
    for doc in verdicts.values():
        result.verdicts[str(doc.get("verdict"))] += 1
    escalations = {
        doc.get("escalation_id"): doc
        for record in read_all(bootstrap, CASES_ESCALATED.full_name(prefix))
        if (doc := _json(record.value))
    }
    for doc in escalations.values():
        result.escalated[str(doc.get("reason"))] += 1
        result.escalated_cases.add(str(doc.get("case_id")))
    for topic, counter in (
        (NOTIFICATIONS_DELIVERED, result.delivered),
        (NOTIFICATIONS_FAILED, result.failed),
    ):
        notices = {
            doc.get("notification_id"): doc
            for record in read_all(bootstrap, topic.full_name(prefix))
            if (doc := _json(record.value))
        }
        for nid, doc in notices.items():
            if doc.get("kind") == "receipt":
                result.receipts.add(str(nid))
            counter[str(doc.get("kind"))] += 1
            cases = cast(list[object], doc.get("case_ids") or [doc.get("case_id")])
            if doc.get("kind") == "escalation_alert":
                result.alerted_cases.update(str(case) for case in cases)
            if doc.get("kind") == "hotspot_alert":
                result.hotspot_alerted_cases.update(str(case) for case in cases)
    # The compacted snapshot topic read whole: the last record of each row is the row.
    rows = {
        record.key: doc
        for record in read_all(bootstrap, LEDGER_SNAPSHOTS.full_name(prefix))
        if (doc := _json(record.value))
    }
    result.ledger_months = sorted(
        (
            row
            for row in rows.values()
            if row.get("region_level") == "province"
            and row.get("field") == "all"
            and row.get("period_kind") == PeriodKind.MONTH
        ),
        key=lambda row: (str(row["period"]), str(row["region_code"])),
    )
    for record in read_all(bootstrap, HOTSPOTS_DETECTED.full_name(prefix)):
        if doc := _json(record.value):
            result.hotspots[str(doc["hotspot_id"])] = doc
    return result
