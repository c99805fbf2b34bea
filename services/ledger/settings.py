"""Settings of the ledger service (prefix XINFANG_LEDGER_): the hotspot thresholds."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field, ValidationError
from pydantic_settings import SettingsConfigDict

from services.common.settings import ServiceSettings, SettingsError
from services.ledger.hotspots import HotspotRules


class LedgerSettings(ServiceSettings):
    """Ledger: hotspot thresholds (prefix XINFANG_LEDGER_); see services/ledger/hotspots.py."""

    model_config = SettingsConfigDict(frozen=True, extra="ignore", env_prefix="XINFANG_LEDGER_")

    web_port: int = Field(default=6070, ge=1, le=65535)
    hotspot_window_days: int = Field(default=30, ge=1, le=365)
    hotspot_baseline_days: int = Field(default=180, ge=1, le=3650)
    hotspot_min_petitions: int = Field(default=3, ge=2)
    hotspot_min_petitioners: int = Field(default=2, ge=1)
    hotspot_min_growth: float = Field(default=3.0, ge=1.0)
    hotspot_history_from: datetime | None = Field(
        default=None,
        description=(
            "when the case history on cases.deduplicated begins (the pipeline's go-live): "
            "a group's baseline is counted from then. Unset: from the earliest petition the "
            "worker's partition of hotspot groups has seen, which differs between partitions"
        ),
    )

    def hotspot_rules(self) -> HotspotRules:
        """The rules, or SettingsError saying which settings disagree."""
        try:
            return HotspotRules(
                window_days=self.hotspot_window_days,
                baseline_days=self.hotspot_baseline_days,
                min_petitions=self.hotspot_min_petitions,
                min_petitioners=self.hotspot_min_petitioners,
                min_growth=self.hotspot_min_growth,
            )
        except ValidationError as exc:
            raise SettingsError(f"XINFANG_LEDGER_HOTSPOT_*: {exc}") from None
