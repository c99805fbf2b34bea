"""Creating the registry's topics on a broker, safe to repeat."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from kafka import KafkaAdminClient
from kafka.errors import for_code

from schemas.base import Contract
from schemas.petitions import Stage
from schemas.registry import DAY_MS, PARTITIONS, TOPICS, TopicSpec

_TOPIC_ALREADY_EXISTS = 36
_TOPIC_AUTHORIZATION_FAILED = 29
#: Fewer brokers alive than the replication factor (a rolling restart): goes away by itself.
_INVALID_REPLICATION_FACTOR = 38


@dataclass(frozen=True)
class TopicResult:
    name: str
    partitions: int
    created: bool
    error: str | None = None
    #: The broker's error code, when it answered with one for this topic.
    error_code: int | None = None

    @property
    def transient(self) -> bool:
        """An error that goes away by itself (a timeout, a quota, too few brokers alive),
        not a refusal of the topic."""
        if self.error_code is None:
            return False
        if self.error_code == _INVALID_REPLICATION_FACTOR:
            return True
        return bool(getattr(for_code(self.error_code), "retriable", False))


def planned_topics(prefix: str, agency_codes: Iterable[str]) -> dict[str, dict[str, object]]:
    """Every topic of the registry (one inbox per agency) with partitions and config."""
    planned: dict[str, dict[str, object]] = {}
    codes = sorted(set(agency_codes))
    for spec in TOPICS:
        names = (
            [spec.full_name(prefix, code) for code in codes]
            if spec.per_agency
            else [spec.full_name(prefix)]
        )
        for name in names:
            planned[name] = {
                "num_partitions": spec.partitions,
                "replication_factor": -1,
                "configs": spec.topic_config(),
            }
    return planned


def create_topics(
    bootstrap: str, prefix: str, agency_codes: Iterable[str], replication_factor: int = 1
) -> list[TopicResult]:
    """Create what is missing; existing topics are left as they are and reported."""
    planned = planned_topics(prefix, agency_codes)
    for options in planned.values():
        options["replication_factor"] = replication_factor
    return _create(bootstrap, planned)


def ensure_topics(
    bootstrap: str,
    names: Iterable[str],
    *,
    partitions: int,
    replication_factor: int,
    config: dict[str, str],
) -> list[TopicResult]:
    """Create the named topics if they are missing (a service's internal topics)."""
    planned: dict[str, dict[str, object]] = {
        name: {
            "num_partitions": partitions,
            "replication_factor": replication_factor,
            "configs": config,
        }
        for name in names
    }
    return _create(bootstrap, planned)


def _create(bootstrap: str, planned: dict[str, dict[str, object]]) -> list[TopicResult]:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="xinfang-topics")
    try:
        response = admin.create_topics(planned, raise_errors=False, wait_for_metadata=False)
        results = []
        for topic in response["topics"]:
            code = topic["error_code"]
            name = topic["name"]
            partitions = int(str(planned[name]["num_partitions"]))
            if code == 0:
                results.append(TopicResult(name, partitions, created=True))
            elif code == _TOPIC_ALREADY_EXISTS:
                results.append(TopicResult(name, partitions, created=False))
            else:
                message = topic.get("error_message") or f"error code {code}"
                results.append(
                    TopicResult(name, partitions, created=False, error=message, error_code=code)
                )
        if any(r.error_code == _TOPIC_AUTHORIZATION_FAILED for r in results):
            # Not allowed to create topics: the broker says so even of one that exists,
            # which is then there to be used.
            existing = set(admin.list_topics())
            results = [
                TopicResult(r.name, r.partitions, created=False)
                if r.error_code == _TOPIC_AUTHORIZATION_FAILED and r.name in existing
                else r
                for r in results
            ]
        created = [r.name for r in results if r.created]
        if created:
            admin.wait_for_topics(created, timeout_ms=30_000)
        return sorted(results, key=lambda r: r.name)
    finally:
        admin.close()


def internal_topic(
    stage: Stage,
    suffix: str,
    key_model: type[Contract],
    value_model: type[Contract],
    about: str,
    retention_ms: int = DAY_MS,
) -> TopicSpec:
    """A service's own topic, named ``<app id>-<suffix>`` (the prefix comes with full_name).

    Partitioned like the source topics, so it is co-partitioned with them.
    """
    return TopicSpec(
        name=f"xinfang-{stage.value}-{suffix}",
        description=about,
        key_model=key_model,
        value_model=value_model,
        producers=(stage.value,),
        consumers=(stage.value,),
        examples=(),
        partitions=PARTITIONS,
        retention_ms=retention_ms,
    )
