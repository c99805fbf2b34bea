"""Poison records on every service's input topics: each becomes a dead letter with its
reason, the services keep running, and the valid records behind them are processed.

The five services run as processes on the session's broker. Every input topic of the
registry, and every topic a service writes for itself and reads back, gets the same poisons
(too big to keep whole in a dead letter, nested 100,000 deep, wrong types; the agency
systems' updates also one nested too deep within their smaller size bound), intake also a
conflicting resubmission; then one valid record each (an agency system's update with a
phone number in its text, which reaches cases.updates masked); then a conflicting duplicate (a
processed id with other content, an operator's command id reused) on every input topic
where the same id cannot legitimately change; last, valid records keyed by another case or
petitioner than the one they carry, on every topic of one case's events.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Final

import pytest
from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition
from kafka.partitioner.default import murmur2

from schemas import examples
from schemas.cases import CaseUpdate, UpdateKind
from schemas.keys import CaseKey, PetitionerKey, SubmissionKey
from schemas.matters import COMMAND_EXAMPLES
from schemas.registry import (
    AGENCY_INBOX,
    CASES_DEDUPLICATED,
    CASES_ESCALATED,
    CASES_REGISTERED,
    CASES_UPDATES,
    CASES_UPDATES_SUBMITTED,
    HOTSPOTS_DETECTED,
    MATTERS_CHANGES,
    MATTERS_COMMANDS,
    PETITIONER_CONTACTS,
    PETITIONS_REJECTED,
    PETITIONS_SUBMITTED,
    TOPICS,
    TopicSpec,
)
from services.cli.pipeline import LocalPipeline
from services.common.producer import make_producer
from services.common.readback import read_all
from services.common.regions import area_key
from services.dedup.app import BY_REGION, UPDATES_BY_REGION
from services.dedup.app import TICKS as DEDUP_TICKS
from services.devtools.kafka_local import KafkaLocal
from services.escalation.app import TICKS as ESCALATION_TICKS
from services.ledger.app import GROUP_SIGHTINGS, MATTER_MOVES, ROW_CHANGES
from services.notification.app import ALERTS
from services.notification.app import TICKS as NOTIFICATION_TICKS
from tests.waiting import values, wait_for_count

pytestmark = pytest.mark.integration

#: Not JSON, and too large for its dead letter to keep it whole in base64.
TOO_BIG: Final = b"x" * 900_000
TOO_DEEP: Final = b"[" * 100_000 + b"]" * 100_000
#: Every field a petition needs, two of them of the wrong type.
WRONG_TYPES: Final = json.dumps(
    {**examples.MINIMAL_PETITION, "title": 42, "received_at": 20261120}
).encode()
POISONS: Final = (TOO_BIG, TOO_DEEP, WRONG_TYPES)
SERVICES: Final = ("intake", "dedup", "escalation", "notification", "ledger")
#: The services that dead-letter what they cannot read, per topic (registry consumers).
#: Notification holds every contact in memory, fed by a plain consumer of the compacted
#: contact topic that skips what it cannot read; its consumer group reads the topic too and
#: dead-letters each such record once (services/notification/contacts.py).
INPUTS: Final = {
    spec.name: tuple(s for s in spec.consumers if s in SERVICES)
    for spec in TOPICS
    if any(s in SERVICES for s in spec.consumers) and not spec.per_agency
}
#: The services' own topics, each read by the service that writes it: a poison there (a
#: producer with access to the broker) is dead-lettered all the same. Ticks topics get new
#: ticks all the time: their committed offsets are not compared with their ends.
INTERNAL: Final = (BY_REGION, UPDATES_BY_REGION, DEDUP_TICKS, ESCALATION_TICKS, ROW_CHANGES,
                   GROUP_SIGHTINGS, MATTER_MOVES, ALERTS, NOTIFICATION_TICKS)  # fmt: skip
TICKING: Final = {DEDUP_TICKS.name, ESCALATION_TICKS.name, NOTIFICATION_TICKS.name}
#: Nested 10,000 deep in 20 KB: within an agency update's 65,536 bytes (MAX_UPDATE_BYTES),
#: so that intake's relay finds it too deep rather than too large.
SMALL_TOO_DEEP: Final = b"[" * 10_000 + b"]" * 10_000
#: A number of more digits than Python converts to an int (4,300): intake's own reader
#: must refuse it as not JSON it takes, not fail on it.
HUGE_NUMBER: Final = b'{"submission_id": "portal-000123", "group_size": ' + b"9" * 5000 + b"}"
#: Poisons only some topics get, beyond POISONS.
EXTRA_POISONS: Final = {
    PETITIONS_SUBMITTED.name: (HUGE_NUMBER,),
    CASES_UPDATES_SUBMITTED.name: (SMALL_TOO_DEEP, HUGE_NUMBER),
}
#: What a poison's letter says: intake reads petitions and agency systems' updates itself
#: (its own reasons for size, depth and types); the other services validate with pydantic,
#: which names all three a schema violation. An update has at most 65,536 bytes: the 200 KB
#: nesting is too large for one before it is too deep, and a petition is no update (the
#: update's fields are missing).
INTAKE_REASONS: Final = {
    PETITIONS_SUBMITTED.name: {
        TOO_BIG: "too_large", TOO_DEEP: "too_deep", WRONG_TYPES: "wrong_type",
        HUGE_NUMBER: "invalid_json",
    },
    CASES_UPDATES_SUBMITTED.name: {
        TOO_BIG: "too_large", TOO_DEEP: "too_large", WRONG_TYPES: "missing_field",
        SMALL_TOO_DEEP: "too_deep", HUGE_NUMBER: "invalid_json",
    },
}  # fmt: skip
#: An agency system's reply with a phone number in its text, as cases.updates carries it.
AGENCY_NOTE: Final = "已转办，经办人电话13912345678"
MASKED_AGENCY_NOTE: Final = "已转办，经办人电话139****5678"


def test_the_registry_gives_every_service_input_topic_a_poison() -> None:
    assert set(INPUTS) == {
        PETITIONS_SUBMITTED.name, CASES_REGISTERED.name, CASES_DEDUPLICATED.name,
        CASES_UPDATES_SUBMITTED.name, CASES_UPDATES.name, CASES_ESCALATED.name,
        MATTERS_COMMANDS.name, MATTERS_CHANGES.name, PETITIONER_CONTACTS.name,
        HOTSPOTS_DETECTED.name,
    }  # fmt: skip
    assert INPUTS[CASES_UPDATES_SUBMITTED.name] == ("intake",)
    assert INPUTS[PETITIONER_CONTACTS.name] == ("notification",)
    assert "ledger" in INPUTS[CASES_DEDUPLICATED.name]
    assert INPUTS[MATTERS_CHANGES.name] == ("ledger",)


def _send(kafka: KafkaLocal, prefix: str, records: list[tuple[TopicSpec, bytes, bytes]]) -> None:
    producer = make_producer(kafka.bootstrap)
    try:
        futures = [
            producer.send(spec.full_name(prefix), key=key, value=value)
            for spec, key, value in records
        ]
        producer.flush()
        for future in futures:
            future.get(timeout=30)
    finally:
        producer.close()


def test_poison_records_are_dead_lettered_and_the_next_valid_record_is_processed(
    kafka: KafkaLocal, prefix: str, pipeline: LocalPipeline
) -> None:
    for service in SERVICES:
        pipeline.start(service)
    pipeline.wait_healthy(timeout=240)
    tails = lambda: "\n".join(pipeline.log_tail(s, 20) for s in SERVICES)  # noqa: E731

    # Each poison under a key of its topic's form (the example's; any key on the services'
    # own topics, which have no examples): the value is the poison.
    _send(kafka, prefix, [
        (spec, json.dumps(spec.examples[0].key).encode(), poison)
        for spec in TOPICS if spec.name in INPUTS
        for poison in (*POISONS, *EXTRA_POISONS.get(spec.name, ()))
    ] + [
        (spec, b'{"key": "poison"}', poison) for spec in INTERNAL for poison in POISONS
    ])  # fmt: skip
    expected_letters = (
        sum(len(readers) for readers in INPUTS.values()) + len(INTERNAL)
    ) * len(POISONS) + sum(
        len(INPUTS[topic]) * len(extra) for topic, extra in EXTRA_POISONS.items()
    )
    letters = wait_for_count(
        kafka.bootstrap, PETITIONS_REJECTED.full_name(prefix), expected_letters, 180, tails
    )

    by_source = Counter(
        (letter["stage"], letter["source_topic"].removeprefix(prefix)) for letter in letters
    )
    for topic, readers in INPUTS.items():
        for service in readers:
            assert by_source[(service, topic)] == len(POISONS) + len(
                EXTRA_POISONS.get(topic, ())
            ), (service, topic, by_source)
    for spec in INTERNAL:
        [service] = spec.consumers
        assert by_source[(service, spec.name)] == len(POISONS), (spec.name, by_source)
    for letter in letters:
        original = base64.b64decode(letter["original_value_b64"])
        size, digest = letter["original_size_bytes"], letter["original_sha256"]
        whole = {len(p): p for p in (*POISONS, SMALL_TOO_DEEP, HUGE_NUMBER)}[size]
        assert digest == hashlib.sha256(whole).hexdigest()
        # The 900 KB record does not fit whole in base64: cut, never lost, never a crash.
        assert letter["original_truncated"] is (whole is TOO_BIG)
        assert whole.startswith(original)
        if letter["stage"] == "intake":
            source = letter["source_topic"].removeprefix(prefix)
            assert letter["reason"] == INTAKE_REASONS[source][whole], letter
        else:
            assert letter["reason"] == "schema_violation", letter
    for service in SERVICES:
        process = pipeline.processes[service].process
        assert process is not None
        assert process.poll() is None, f"{service} stopped:\n{pipeline.log_tail(service)}"
    assert pipeline.log_tail("notification", 400).count("unreadable contact skipped") == 3

    # The valid records behind the poisons: a petition flows through all four services.
    petition = json.dumps(examples.MINIMAL_PETITION, ensure_ascii=False).encode()
    submission_key = SubmissionKey(submission_id="portal-000123").to_json_bytes()
    _send(kafka, prefix, [(PETITIONS_SUBMITTED, submission_key, petition)])
    [case] = _wait_for_valid(kafka, CASES_REGISTERED.full_name(prefix), tails)
    _wait_for_valid(kafka, CASES_DEDUPLICATED.full_name(prefix), tails)
    wait_for_count(
        kafka.bootstrap, AGENCY_INBOX.full_name(prefix, case["agency"]["code"]), 1, 120, tails
    )

    # The same submission again is idempotent; other content under its id is a conflict.
    conflicting = dict(examples.MINIMAL_PETITION, content="另一位信访人写的另一件事。")
    case_key = CaseKey(case_id=case["case_id"]).to_json_bytes()
    # The agency's update comes as agency systems send it, behind the poisons of their topic.
    update = CaseUpdate(
        update_id="poison-test-1", case_id=case["case_id"], kind=UpdateKind.TRANSFERRED,
        occurred_at=datetime.now(UTC), agency_code=case["agency"]["code"], reason=AGENCY_NOTE,
    )  # fmt: skip
    command = COMMAND_EXAMPLES[0]
    contact = examples.CONTACTS[0]
    escalated = examples.ESCALATED[0]
    assert contact.value is not None
    assert escalated.value is not None
    assert command.value is not None
    # The conflicting version again under another submission's key: in another partition
    # it would pass for new there and register the case id a second time.
    miskeyed = SubmissionKey(submission_id=_another_partition("portal-000123")).to_json_bytes()
    _send(kafka, prefix, [
        (PETITIONS_SUBMITTED, submission_key, petition),
        (PETITIONS_SUBMITTED, submission_key, json.dumps(conflicting).encode()),
        (PETITIONS_SUBMITTED, miskeyed, json.dumps(conflicting).encode()),
        (CASES_UPDATES_SUBMITTED, case_key, update.to_json_bytes()),
        (MATTERS_COMMANDS, json.dumps(command.key).encode(), json.dumps(command.value).encode()),
        (PETITIONER_CONTACTS, PetitionerKey(**contact.key).to_json_bytes(),
         json.dumps(contact.value).encode()),
        # A valid contact filed under another petitioner's key: it would reach the wrong one.
        (PETITIONER_CONTACTS, PetitionerKey(petitioner_ref="pr_" + "0" * 32).to_json_bytes(),
         json.dumps(contact.value).encode()),
        (CASES_ESCALATED, json.dumps(escalated.key).encode(), json.dumps(escalated.value).encode()),
    ])  # fmt: skip
    letters = wait_for_count(
        kafka.bootstrap, PETITIONS_REJECTED.full_name(prefix), expected_letters + 3, 120, tails
    )
    conflict = [letter for letter in letters if letter["reason"] == "conflicting_resubmission"]
    assert len(conflict) == 1
    assert case["case_id"] in conflict[0]["detail"]
    assert json.loads(base64.b64decode(conflict[0]["original_value_b64"])) == conflicting
    [unkeyed] = [letter for letter in letters if "is keyed by its submission_id" in
                 letter["detail"]]  # fmt: skip
    assert (unkeyed["stage"], unkeyed["reason"]) == ("intake", "schema_violation")
    assert json.loads(base64.b64decode(unkeyed["original_value_b64"])) == conflicting
    [misfiled] = [letter for letter in letters if "another petitioner" in letter["detail"]]
    assert (misfiled["stage"], misfiled["reason"]) == ("notification", "schema_violation")
    _wait_for_valid(kafka, MATTERS_CHANGES.full_name(prefix), tails, field="command_id")
    assert len(_valid(kafka, CASES_REGISTERED.full_name(prefix))) == 1
    # Relayed by intake to cases.updates, its text masked.
    [relayed] = _wait_for_valid(kafka, CASES_UPDATES.full_name(prefix), tails)
    assert relayed == {**json.loads(update.to_json_bytes()), "reason": MASKED_AGENCY_NOTE}

    # Each service got past the poisons and the valid records on every input: its group's
    # committed offsets reached the end of each of its input topics, with no dead letter
    # but the conflict and the misfiled contact added.
    def committed_to_the_end() -> list[tuple[str, str]]:
        inputs = [*INPUTS.items(),
                  *((spec.name, spec.consumers) for spec in INTERNAL if spec.name not in TICKING)]
        return [
            (service, topic)
            for topic, readers in inputs
            for service in readers
            if _committed(kafka, prefix, service, topic) < _end(kafka, prefix + topic)
        ]

    deadline = time.monotonic() + 120
    while committed_to_the_end() and time.monotonic() < deadline:
        time.sleep(1)
    assert committed_to_the_end() == []
    assert len(values(kafka.bootstrap, PETITIONS_REJECTED.full_name(prefix))) == (
        expected_letters + 3
    )

    # Conflicting duplicates: an id every reader has processed, with other content. Each
    # reader keeps the first and dead-letters the second with its reason; the same content
    # again (the redeliveries above) was skipped. A contact under a known ref is a change of
    # details (the topic is compacted), and a hotspot under a known id is its growth: no
    # conflict on those two topics.
    [registered] = _valid(kafka, CASES_REGISTERED.full_name(prefix))
    [verdict] = _valid(kafka, CASES_DEDUPLICATED.full_name(prefix))
    moved = {**verdict, "matter_id": "MT-XF-OTHER00000", "case": {**verdict["case"],
             "region_code": "610303"}}  # fmt: skip
    reused = update.model_copy(update={"kind": UpdateKind.ACCEPTED, "reason": None})
    # An escalation of the case, then another under its id (the same rule, another level).
    escalation_of_case = {**escalated.value, "case_id": case["case_id"],
                          "escalation_id": "ESC-poison-1"}  # fmt: skip
    retargeted = {**escalation_of_case, "target_level": "province"}
    changed_contact = {**contact.value, "name": "王五"}
    # The operator's command again (a retried send), then other content under its id.
    command_key = json.dumps(command.key).encode()
    redirected = {**command.value, "absorb_matter_id": "MT-XF-OTHER0000000"}
    registered_key = area_key(registered["region_code"])
    _send(kafka, prefix, [
        (CASES_REGISTERED, registered_key, json.dumps(
            {**registered, "received_at": "2026-11-20T11:00:00+08:00"}).encode()),
        (CASES_DEDUPLICATED, case_key, json.dumps(moved).encode()),
        (CASES_UPDATES, case_key, reused.to_json_bytes()),
        (CASES_ESCALATED, case_key, json.dumps(escalation_of_case).encode()),
        (CASES_ESCALATED, case_key, json.dumps(retargeted).encode()),
        (PETITIONER_CONTACTS, PetitionerKey(**contact.key).to_json_bytes(),
         json.dumps(changed_contact).encode()),
        (MATTERS_COMMANDS, command_key, json.dumps(command.value).encode()),
        (MATTERS_COMMANDS, command_key, json.dumps(redirected).encode()),
    ])  # fmt: skip
    conflicts = {
        # Dedup matches a case in the partition of its area, which intake keys it by.
        ("dedup", CASES_REGISTERED.name),
        *((reader, CASES_DEDUPLICATED.name) for reader in INPUTS[CASES_DEDUPLICATED.name]),
        ("escalation", CASES_UPDATES.name), ("notification", CASES_UPDATES.name),
        ("ledger", CASES_UPDATES.name), ("ledger", CASES_ESCALATED.name),
        ("notification", CASES_ESCALATED.name), ("dedup", MATTERS_COMMANDS.name),
    }  # fmt: skip
    letters = wait_for_count(
        kafka.bootstrap, PETITIONS_REJECTED.full_name(prefix),
        expected_letters + 3 + len(conflicts), 120, tails,
    )  # fmt: skip
    found = {
        (letter["stage"], letter["source_topic"].removeprefix(prefix))
        for letter in letters
        if letter["reason"] == "conflicting_duplicate"
    }
    assert found == conflicts
    [redirection] = [letter for letter in letters if letter["stage"] == "dedup"
                     and letter["source_topic"] == MATTERS_COMMANDS.full_name(prefix)
                     and letter["reason"] == "conflicting_duplicate"]  # fmt: skip
    assert json.loads(base64.b64decode(redirection["original_value_b64"])) == redirected
    # The same command again was handled once: its first outcome, answered again as it was.
    first_change, again = _wait_for_valid(
        kafka, MATTERS_CHANGES.full_name(prefix), tails, field="command_id", count=2
    )
    assert again == first_change
    assert first_change["command_id"] == command.value["command_id"]
    deadline = time.monotonic() + 120
    while committed_to_the_end() and time.monotonic() < deadline:
        time.sleep(1)
    assert committed_to_the_end() == []
    assert len(values(kafka.bootstrap, PETITIONS_REJECTED.full_name(prefix))) == (
        expected_letters + 3 + len(conflicts)
    )

    # Records keyed by another case than the one they carry: every reader refuses them (the
    # key chose a partition where the case's own events are not). cases.registered is keyed
    # by the case's matching area, and dedup re-keys a case found under another key, so a
    # registered case under a petitioner's key is read (a redelivery: no second verdict).
    other_case = CaseKey(case_id="CASE-ANOTHER-ONE").to_json_bytes()
    other_petitioner = PetitionerKey(petitioner_ref="pr_" + "1" * 32).to_json_bytes()
    later = update.model_copy(update={"update_id": "poison-test-miskeyed"})
    _send(kafka, prefix, [
        (CASES_REGISTERED, other_petitioner, json.dumps(registered).encode()),
        (CASES_DEDUPLICATED, other_case, json.dumps(verdict).encode()),
        (CASES_UPDATES, other_case, later.to_json_bytes()),
        (CASES_ESCALATED, other_case, json.dumps(
            {**escalation_of_case, "escalation_id": "ESC-poison-2"}).encode()),
    ])  # fmt: skip
    miskeyed_topics = (CASES_DEDUPLICATED, CASES_UPDATES, CASES_ESCALATED)
    expected_miskeyed = Counter(
        (reader, spec.name) for spec in miskeyed_topics for reader in INPUTS[spec.name]
    )
    letters = wait_for_count(
        kafka.bootstrap, PETITIONS_REJECTED.full_name(prefix),
        expected_letters + 3 + len(conflicts) + expected_miskeyed.total(), 120, tails,
    )  # fmt: skip
    miskeyed_letters = [letter for letter in letters
                        if "is keyed by what it is about" in letter["detail"]]  # fmt: skip
    assert Counter(
        (letter["stage"], letter["source_topic"].removeprefix(prefix))
        for letter in miskeyed_letters
    ) == expected_miskeyed
    assert {letter["reason"] for letter in miskeyed_letters} == {"schema_violation"}
    for service in SERVICES:
        process = pipeline.processes[service].process
        assert process is not None
        assert process.poll() is None, f"{service} stopped:\n{pipeline.log_tail(service)}"


def _another_partition(submission_id: str) -> str:
    """A submission id whose key the default partitioner sends to another partition."""
    partitions = PETITIONS_SUBMITTED.partitions

    def partition(sid: str) -> int:
        hashed: int = murmur2(SubmissionKey(submission_id=sid).to_json_bytes())
        return (hashed & 0x7FFFFFFF) % partitions

    return next(
        other
        for other in (f"portal-{n:06d}" for n in range(1000))
        if partition(other) != partition(submission_id)
    )


def _valid(kafka: KafkaLocal, topic: str, field: str = "case_id") -> list[dict[str, Any]]:
    """The JSON objects on a topic (those with ``field``), the poisons left out."""
    found = []
    for record in read_all(kafka.bootstrap, topic):
        with contextlib.suppress(ValueError, RecursionError):
            document = json.loads(record.value or b"")
            if isinstance(document, dict) and field in document:
                found.append(document)
    return found


def _wait_for_valid(
    kafka: KafkaLocal, topic: str, tails: Callable[[], str], field: str = "case_id",
    count: int = 1,
) -> list[dict[str, Any]]:  # fmt: skip
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        found = _valid(kafka, topic, field)
        if len(found) >= count:
            return found
        time.sleep(1)
    raise AssertionError(f"nothing valid on {topic} within 120 s\n{tails()}")


def _end(kafka: KafkaLocal, topic: str) -> int:
    consumer = KafkaConsumer(bootstrap_servers=kafka.bootstrap)
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)]
        return sum(consumer.end_offsets(partitions).values())
    finally:
        consumer.close()


def _committed(kafka: KafkaLocal, prefix: str, service: str, topic: str) -> int:
    group = f"{prefix}xinfang-{service}"
    admin = KafkaAdminClient(bootstrap_servers=kafka.bootstrap)
    try:
        offsets = admin.list_group_offsets({group: None})[group]
    finally:
        admin.close()
    # A partition never committed reads -1: nothing of it is processed.
    return sum(max(meta.offset, 0) for tp, meta in offsets.items() if tp.topic == prefix + topic)
