"""Service settings: frozen pydantic-settings objects, validated at start-up.

Each service reads its own prefix (``XINFANG_INTAKE_``, ``XINFANG_DEDUP_``, ...). Settings
that every service shares (the broker, the topic prefix, the data directory, ...) may also
be given once with the plain ``XINFANG_`` prefix; the service's own prefix wins.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, TypeVar

from pydantic import Field, ValidationError
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)


class SettingsError(RuntimeError):
    """A setting is missing or wrong; the message names the variable and the problem."""


class ServiceSettings(BaseSettings):
    """What every service needs to run."""

    model_config = SettingsConfigDict(frozen=True, extra="ignore", env_prefix="XINFANG_")

    bootstrap_servers: str = Field(
        default="127.0.0.1:9092",
        pattern=r"^[A-Za-z0-9.\-\[\]:]+:\d+(,[A-Za-z0-9.\-\[\]:]+:\d+)*$",
        description="Kafka bootstrap servers, host:port[,host:port...]",
    )
    topic_prefix: str = Field(
        default="",
        pattern=r"^[A-Za-z0-9._-]*$",
        description="prepended to every topic and consumer group (tests, shared clusters)",
    )
    web_host: str = Field(default="127.0.0.1", description="address of /metrics and /health")
    web_port: int = Field(default=6066, ge=1, le=65535)
    data_dir: Path = Field(default=Path("var/data"), description="RocksDB state directory")
    store: Literal["rocksdb", "memory"] = "rocksdb"
    replication_factor: int = Field(
        default=1, ge=1, le=10, description="of the internal changelog topics"
    )
    standby_replicas: int = Field(default=1, ge=0, le=5, description="of every table")
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    log_format: Literal["json", "text"] = "json"
    max_consecutive_failures: int = Field(
        default=100,
        ge=1,
        description=(
            "dead letters in a row after which the service stops instead of draining "
            "its input into the DLQ (a bad deploy must not eat the queue)"
        ),
    )
    session_timeout_seconds: float = Field(
        default=30.0,
        ge=6.0,
        le=300.0,
        description=(
            "how long the group waits for a silent worker before moving its partitions; "
            "shorter means faster recovery after a crash, longer tolerates long pauses"
        ),
    )
    handler_timeout_seconds: float = Field(
        default=120.0,
        ge=10.0,
        le=3600.0,
        description=(
            "a handler still on one message after this long stops the service (exit 75, "
            "nothing committed) so that its supervisor restarts it and the message comes again"
        ),
    )
    batch_max_messages: int = Field(
        default=500,
        ge=1,
        le=10_000,
        description=(
            "most messages handled as one batch: their outputs, then their state, then "
            "their offsets are written together (one broker round trip per batch)"
        ),
    )
    batch_wait_seconds: float = Field(
        default=0.02,
        ge=0.0,
        le=5.0,
        description=(
            "how long a batch that is not full waits for more messages; it bounds the "
            "latency a batch adds to an idle stream"
        ),
    )
    pipeline_depth: int = Field(
        default=2,
        ge=1,
        le=4,
        description=(
            "batches handled and not yet committed at most: at 2 a batch is handled while "
            "the one before it waits for the broker (outputs, changelogs, offsets); 1 "
            "commits each batch before the next is handled"
        ),
    )
    producer_linger_seconds: float = Field(
        default=0.005,
        ge=0.0,
        le=1.0,
        description=(
            "how long the producer holds a record for more to send with it; each of a "
            "batch's round trips (outputs, then changelogs) pays it, and it gathers the "
            "changelog records, which reach the producer one task at a time, into fewer "
            "produce requests"
        ),
    )
    fetch_max_wait_seconds: float = Field(
        default=0.1,
        ge=0.01,
        le=5.0,
        description=(
            "how long the broker holds a fetch with nothing new for it; a partition whose "
            "records were just fetched is asked again only when the fetch in flight returns, "
            "so this bounds how long its next record can wait while the rest are quiet"
        ),
    )
    demo_mode: bool = Field(default=False, description="allows built-in demo secrets")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        shared = EnvSettingsSource(settings_cls, env_prefix="XINFANG_")
        return (init_settings, env_settings, shared)


S = TypeVar("S", bound=ServiceSettings)


def load_settings(settings_cls: type[S]) -> S:
    """Read and validate the settings, or raise SettingsError naming each bad variable."""
    try:
        return settings_cls()
    except ValidationError as exc:
        prefix = settings_cls.model_config.get("env_prefix", "")
        problems = []
        for error in exc.errors():
            field = ".".join(str(part) for part in error["loc"])
            problems.append(f"{prefix}{field.upper()}: {error['msg']}")
        raise SettingsError("invalid settings:\n  " + "\n  ".join(problems)) from None
