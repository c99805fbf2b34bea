"""Settings of the dedup service (prefix XINFANG_DEDUP_), and its matcher's thresholds."""

from __future__ import annotations

from pydantic import Field, ValidationError
from pydantic_settings import SettingsConfigDict

from services.common.settings import ServiceSettings, SettingsError
from services.dedup.config import DedupConfig


class DedupSettings(ServiceSettings):
    """Dedup: repeat and joint petitions (prefix XINFANG_DEDUP_; thresholds in DedupConfig)."""

    model_config = SettingsConfigDict(frozen=True, extra="ignore", env_prefix="XINFANG_DEDUP_")

    web_port: int = Field(default=6067, ge=1, le=65535)
    sweep_interval_seconds: float = Field(
        default=60.0, gt=0, description="how often expired state (past the horizon) is swept"
    )


def load_config() -> DedupConfig:
    """The matcher's thresholds, validated at start-up."""
    try:
        return DedupConfig()
    except ValidationError as exc:
        problems = [f"XINFANG_DEDUP_{'.'.join(map(str, e['loc'])).upper()}: {e['msg']}"
                    for e in exc.errors()]  # fmt: skip
        raise SettingsError("invalid dedup thresholds:\n  " + "\n  ".join(problems)) from None
