"""Settings of the ledger service (prefix XINFANG_LEDGER_): the hotspot thresholds, and the
escalation service's rule file and holiday calendar its cases' clocks are counted with."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from pydantic import Field, ValidationError, model_validator
from pydantic_settings import SettingsConfigDict

from services.common.casework.holidays import DEFAULT_CALENDAR_PATH, load_calendar
from services.common.casework.ruleset import DEFAULT_RULES_PATH, load_rules
from services.common.settings import ServiceSettings, SettingsError
from services.ledger.hotspots import HotspotRules
from services.ledger.ledger import Casework


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

    escalation_rules_path: Path = Field(
        default=DEFAULT_RULES_PATH,
        description=(
            "the escalation service's rule file (give both XINFANG_ESCALATION_RULES_PATH): "
            "the limits a case's acceptance and open stages are judged by, as escalation does"
        ),
    )
    escalation_calendar_path: Path = Field(
        default=DEFAULT_CALENDAR_PATH,
        description=(
            "the escalation service's holiday calendar (XINFANG_ESCALATION_CALENDAR_PATH): "
            "a limit ending on a rest day ends on the next working day"
        ),
    )

    @model_validator(mode="after")
    def _escalation_files_readable(self) -> LedgerSettings:
        # The same files as the escalation service's, checked at start-up like it does.
        self.casework()
        return self

    def casework(self) -> Casework:
        """The escalation rules and calendar (RuleFileError names the line)."""
        return Casework(
            load_rules(self.escalation_rules_path), load_calendar(self.escalation_calendar_path)
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
