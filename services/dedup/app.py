"""The dedup service: cases.registered -> cases.deduplicated. Wiring only.

Co-location: joint petitions come from different people about one place, so cases are
matched by the matching area of their matter (``areas.match_area``: the city, so that a
letter with the city's code meets the county cases of that city), and everything a petition
can match (same person or same place, same city) is in its area's partition's tables, and in
the index each worker builds from them in memory (``faust_state``). Intake keys
cases.registered by that area, so a case is matched in the partition it arrives on: one
hop. A record written before intake keyed by area (keyed by petitioner_ref) arrives on
another partition: it is re-keyed onto ``<app id>-by-region`` and matched from there, as
every case used to be. Agencies' updates (keyed by case id) are re-keyed the same way after
a look-up of the case's region (kept from dedup's own verdicts), and operators'
merge/split commands arrive keyed by area. The cost: a busy city is one partition. See
``services/dedup/state.py`` for what the city key misses.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, Final

from faust.types import TP

from schemas.cases import CaseRegistered, CaseUpdate
from schemas.internal import Tick
from schemas.keys import CaseKey
from schemas.matters import (
    MatterCommand,
    MatterCommandKind,
    RegionKey,
)
from schemas.petitions import RejectReason, Stage
from schemas.registry import (
    CASES_DEDUPLICATED,
    CASES_REGISTERED,
    CASES_UPDATES,
    MATTERS_CHANGES,
    MATTERS_COMMANDS,
)
from services.common.dlq import Rejected
from services.common.handler import NOTHING, Effects, Incoming, Output, parse_value
from services.common.partitioner import partition_of
from services.common.regions import area_key
from services.common.service import Service, build_service
from services.common.topics import internal_topic
from services.dedup.changes import changed, merged_by, refused
from services.dedup.conflicts import (
    HandledCommand,
    KeptCase,
    VerdictRegion,
    case_digest,
    check_same_case,
    command_digest,
    first_outcome,
)
from services.dedup.facts import CaseFacts
from services.dedup.faust_state import FaustMatchState
from services.dedup.matcher import Matcher
from services.dedup.operations import apply_update, merge_matters, split_case, sweep_expired
from services.dedup.records import CaseRecord
from services.dedup.settings import DedupSettings, load_config

log = logging.getLogger(__name__)


BY_REGION: Final = internal_topic(
    Stage.DEDUP, "by-region", RegionKey, CaseRegistered,
    "registered cases that intake keyed by petitioner_ref (before it keyed them by area), "
    "re-keyed by area",
    retention_ms=7 * 24 * 3600 * 1000,
)  # fmt: skip
UPDATES_BY_REGION: Final = internal_topic(
    Stage.DEDUP, "updates-by-region", RegionKey, CaseUpdate, "agency updates keyed by region"
)
TICKS: Final = internal_topic(Stage.DEDUP, "ticks", RegionKey, Tick, "the sweep timer's ticks")


def build(settings: DedupSettings) -> Service:
    config = load_config()
    service = build_service(Stage.DEDUP, settings)
    service.create_internal_topics(BY_REGION, UPDATES_BY_REGION, TICKS)
    m = service.metrics
    verdicts = m.counter("xinfang_dedup_verdicts_total")
    matter_size = m.histogram("xinfang_dedup_matter_size_petitions")
    lookup = m.histogram("xinfang_dedup_lookup_seconds")
    indexed = m.gauge("xinfang_dedup_index_cases")
    collective = m.counter("xinfang_dedup_collective_matters_total")
    partitions = BY_REGION.partitions
    if CASES_REGISTERED.partitions != partitions:
        # A case is matched in the partition of cases.registered it arrives on: the tables'.
        raise ValueError("cases.registered must have as many partitions as dedup's tables")

    def table(name: str, about: str, *, raw: bool = False) -> Any:
        return service.table(name, partitions, about, raw=raw)

    cases = table("cases", "case id -> case record (the matcher's index is built from it)",
                  raw=True)  # fmt: skip
    # A batch's case records reach Kafka before its matter records: a crash between the two
    # changelogs then leaves cases recorded whose matters do not list them yet, which the
    # redelivery mends (Matcher.match); never a matter listing a case that is not recorded,
    # which a redelivery would decide anew against its own traces (a "joint" case coming
    # back as a "repeat" of itself).
    service.changelog_first = frozenset({"cases"})
    state = FaustMatchState(
        cases=cases, matters=table("matters", "matter id -> matter record"), config=config
    )
    by_region = BY_REGION.full_name(settings.topic_prefix)

    def active_partitions(assigned: Iterable[TP]) -> set[int]:
        return {tp.partition for tp in assigned if tp.topic == by_region}

    async def forget_moved(sender: Any, /, *args: Any, signal: Any, **kwargs: Any) -> None:
        # A new assignment (args[0]), before its recovery: the index of a partition that
        # left may be stale when it comes back (another worker wrote to it meanwhile).
        assigned: set[TP] = args[0]
        state.keep_only(active_partitions(assigned))

    @cases.on_recover  # type: ignore[untyped-decorator]
    async def build_indexes() -> None:
        # After Faust has recovered the tables and before the agents resume.
        active = active_partitions(service.app.consumer.assignment())
        state.keep_only(active)
        await state.rebuild(active)
        indexed.set(len(state))

    service.app.on_partitions_assigned.connect(forget_moved)
    # case id -> region, from dedup's own verdicts: where to send an agency's update.
    regions = service.table("regions", CASES_DEDUPLICATED.partitions, "case id -> region")
    # Beside ``cases`` (same partitions, expired with it): what a case's record now keeps
    # itself (``CaseRecord.kept``), the digest of its registered content and its first
    # decision's matter. No longer written: read for a case recorded before, whose rows a
    # state restored from older changelogs has.
    digests = table(
        "digests",
        "case id -> SHA-256 of its registered content, its first decision's matter "
        "(cases recorded before their records kept it)",
    )
    # command id -> its digest and the change it published. Never expired: operators'
    # commands are few (a handful a day), and an id must stay known to stay idempotent.
    commands = table("commands", "command id -> digest and outcome of a handled command")

    async def match_registered(message: Incoming) -> Effects:
        case = parse_value(CaseRegistered, message)
        key = area_key(case.region_code)
        if message.key != key or partition_of(key, partitions) != message.partition:
            # Not keyed by its area, or not in its area's partition (written before intake
            # keyed cases by area): matched there, once re-keyed, with the other cases of
            # its area. All such records take that way, so they keep their order.
            return Effects([Output(BY_REGION, key, message.value)])
        return match(case, message.partition)

    async def match_rekeyed(message: Incoming) -> Effects:
        return match(parse_value(CaseRegistered, message), message.partition)

    def match(case: CaseRegistered, partition_number: int) -> Effects:
        started = time.perf_counter()
        partition = state.partition(partition_number)
        recorded = partition.cases.get(case.case_id)
        kept: KeptCase | None = None
        if recorded is None:
            facts = CaseFacts.from_registered(case, case_digest(case))
        else:
            facts = CaseFacts.from_registered(case)
            record = CaseRecord.decode(case.case_id, recorded)
            # Kept in the record, or, for a case recorded before records kept it, in
            # the ``digests`` table (None if neither: recorded before digests were kept).
            kept = KeptCase.from_text(record.kept) or KeptCase.read(digests.get(case.case_id))
            check_same_case(record, kept.digest if kept else None, case)
        decision = Matcher(partition, config).match(facts)
        if kept is not None:
            # A redelivery: the first verdict again, though later cases changed the matter.
            decision = kept.first_again(decision)
        lookup.observe(time.perf_counter() - started)
        verdict = decision.to_case_deduplicated(case, datetime.now(UTC))
        verdicts.labels(verdict=verdict.verdict.value, reason=verdict.reason.value).inc()
        matter_size.observe(verdict.matter_petitions)
        if verdict.collective and verdict.matter_petitioners == config.collective_min_petitioners:
            collective.inc()
        key = CaseKey(case_id=case.case_id).to_json_bytes()
        outputs = [Output(CASES_DEDUPLICATED, key, verdict.to_json_bytes())]
        outputs.extend(merged_by(case, decision, verdict.decided_at))
        return Effects(outputs, received_at=case.received_at)

    async def remember_region(message: Incoming) -> Effects:
        verdict = parse_value(VerdictRegion, message)
        known = regions.get(verdict.case_id)
        if known is not None and known != verdict.case.region_code:
            raise Rejected(
                RejectReason.CONFLICTING_DUPLICATE,
                f"case {verdict.case_id} has a verdict in region {known} already: kept",
            )

        def remember() -> None:
            regions[verdict.case_id] = verdict.case.region_code

        return Effects((), remember)

    async def rekey_update(message: Incoming) -> Effects:
        update = parse_value(CaseUpdate, message)
        region = regions.get(update.case_id)
        if region is None:
            # Not a case dedup holds (expired, or never registered): nothing to move.
            log.info("update for an unknown case", extra={"case_id": update.case_id})
            return NOTHING
        return Effects([Output(UPDATES_BY_REGION, area_key(region), message.value)])

    async def apply_matter_update(message: Incoming) -> Effects:
        update = parse_value(CaseUpdate, message)
        partition = state.partition(message.partition)
        if partition.cases.get(update.case_id) is not None:
            apply_update(
                partition, update.case_id, update.kind, update.occurred_at, update.extension_days
            )
        return NOTHING

    async def apply_command(message: Incoming) -> Effects:
        command = parse_value(MatterCommand, message)
        raw = commands.get(command.command_id)
        first = first_outcome(HandledCommand.from_json(raw) if raw else None, command)
        if first is not None:
            # A redelivery or a retried send: applied once, answered with its first outcome.
            return Effects([Output(MATTERS_CHANGES, first.change_key, first.change_value)])
        now = datetime.now(UTC)
        partition = state.partition(message.partition)
        try:
            if command.kind is MatterCommandKind.MERGE:
                keep, absorb = command.keep_matter_id or "", command.absorb_matter_id or ""
                merged = merge_matters(partition, keep, absorb)
                output = changed(
                    command, merged.matter, now,
                    absorbed_matter_id=command.absorb_matter_id,
                    moved_case_ids=list(merged.moved_case_ids),
                )  # fmt: skip
            else:
                split = split_case(partition, command.case_id or "", config)
                output = changed(
                    command, split.new_matter, now,
                    previous_matter_id=split.old_matter.matter_id,
                    moved_case_ids=[command.case_id],
                )  # fmt: skip
        except (KeyError, ValueError) as exc:
            # An unknown matter or case, or a split of a lone case: the operator is told why.
            output = refused(command, str(exc), now)
        commands[command.command_id] = HandledCommand(
            command_digest(command), output.key, output.value or b""
        ).to_json()
        return Effects([output])

    async def sweep(message: Incoming) -> Effects:
        parse_value(Tick, message)
        expired = sweep_expired(state.partition(message.partition), datetime.now(UTC), config)
        for case_id in expired:
            if digests.get(case_id) is not None:
                del digests[case_id]
        if expired:
            log.info("expired cases past the horizon", extra={"cases": len(expired)})
        indexed.set(len(state))
        return NOTHING

    service.consume(CASES_REGISTERED, match_registered)
    service.consume(BY_REGION, match_rekeyed)
    service.consume(CASES_DEDUPLICATED, remember_region)
    service.consume(CASES_UPDATES, rekey_update)
    service.consume(UPDATES_BY_REGION, apply_matter_update)
    service.consume(MATTERS_COMMANDS, apply_command)
    service.consume(TICKS, sweep)
    service.tick(TICKS, settings.sweep_interval_seconds)
    return service
