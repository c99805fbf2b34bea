"""Service settings: frozen pydantic-settings objects, validated at start-up.

Each service reads its own prefix (``XINFANG_INTAKE_``, ``XINFANG_DEDUP_``, ...). Settings
that every service shares (the broker, the topic prefix, the data directory, ...) may also
be given once with the plain ``XINFANG_`` prefix; the service's own prefix wins.
"""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import Field, ValidationError, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)
from pydantic_settings import SettingsError as SourceError


class SettingsError(RuntimeError):
    """A setting is missing or wrong; the message names the variable and the problem."""


class _Environment(EnvSettingsSource):
    """The environment, where a value that cannot even be decoded (a list or mapping whose
    JSON is broken) is a ``SettingsError`` naming its variable, as a value the model refuses
    is; pydantic-settings would say only 'error parsing value for field' in a traceback."""

    def prepare_field_value(
        self, field_name: str, field: FieldInfo, value: Any, value_is_complex: bool
    ) -> Any:
        try:
            return super().prepare_field_value(field_name, field, value, value_is_complex)
        except ValueError as error:
            variable = (self.env_prefix + field_name).upper()  # no setting has an alias
            problem = (
                f"not valid JSON ({error})"
                if isinstance(error, json.JSONDecodeError)
                else f"cannot be read ({error})"
            )
            raise SettingsError(f"invalid settings:\n  {variable}: {problem}") from None


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
            "processing errors in a row (a handler's exception; input refused as invalid "
            "does not count) after which the service stops instead of draining its input "
            "into the DLQ (a bad deploy must not eat the queue)"
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

    @field_validator("data_dir")
    @classmethod
    def _data_dir_can_be_a_directory(cls, value: Path) -> Path:
        # A service makes its state directory when it starts: a file there, or where a
        # directory above it should be, would stop it then with a traceback.
        for path in (value, *value.parents):
            try:
                mode = path.stat().st_mode
            except (FileNotFoundError, NotADirectoryError):
                continue  # made at start-up; a file above it is found further up
            except OSError as error:
                raise ValueError(f"{path}: {error.strerror}") from None
            if not stat.S_ISDIR(mode):
                where = "" if path == value else f" (in {value})"
                raise ValueError(f"{path} is not a directory{where}")
            break
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        own = _Environment(settings_cls)
        shared = _Environment(settings_cls, env_prefix="XINFANG_")
        return (init_settings, own, shared)


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
            message = error["msg"].removeprefix("Value error, ")
            # A check of several settings together names them in its message.
            problems.append(f"{prefix}{field.upper()}: {message}" if field else message)
        raise SettingsError("invalid settings:\n  " + "\n  ".join(problems)) from None
    except SourceError as exc:  # not a value _Environment decodes: say what pydantic says
        cause = f": {exc.__cause__}" if exc.__cause__ is not None else ""
        raise SettingsError(f"invalid settings:\n  {exc}{cause}") from None
