"""Settings of the escalation service (prefix XINFANG_ESCALATION_), and its rule files.

The rule file and the holiday calendar are read at start-up; a bad one stops the service
with every problem at its line (``SettingsError``, the CLI exits 2).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.common.casework.holidays import DEFAULT_CALENDAR_PATH, HolidayCalendar, load_calendar
from services.common.casework.ruleset import DEFAULT_RULES_PATH, EscalationRules, load_rules
from services.common.rulefile import RuleFileError
from services.common.settings import ServiceSettings, SettingsError
from services.escalation.clock import ClockMode


class EscalationSettings(ServiceSettings):
    """Escalation: the legal clocks and the escalation rules (prefix XINFANG_ESCALATION_)."""

    model_config = SettingsConfigDict(frozen=True, extra="ignore", env_prefix="XINFANG_ESCALATION_")

    web_port: int = Field(default=6068, ge=1, le=65535)
    rules_path: Path = Field(
        default=DEFAULT_RULES_PATH,
        description="the escalation rule file (time limits, clocks, rules), validated at start",
    )
    calendar_path: Path = Field(
        default=DEFAULT_CALENDAR_PATH,
        description=(
            "the holiday calendar file (the State Council's yearly notices), validated at "
            "start; point it at a newer copy to add a year without a release"
        ),
    )
    clock: ClockMode = Field(
        default=ClockMode.WALL,
        description=(
            "what the timer scan takes as now: 'wall' (production) or 'event', the lower of "
            "the two inputs' highest event times per partition (tests and replays drive "
            "time with the events they publish)"
        ),
    )
    tick_seconds: float = Field(
        default=5.0, gt=0.0, le=3600.0, description="how often every partition is scanned"
    )


def load_checked_rules(settings: EscalationSettings) -> EscalationRules:
    """The rule file, or ``SettingsError`` naming every bad line (the CLI exits 2)."""
    try:
        return load_rules(settings.rules_path)
    except RuleFileError as exc:
        raise SettingsError(f"invalid escalation rules:\n{exc}") from None
    except OSError as exc:
        raise SettingsError(f"XINFANG_ESCALATION_RULES_PATH: {exc}") from None


def load_checked_calendar(
    settings: EscalationSettings, on_missing_year: Callable[[int], None]
) -> HolidayCalendar:
    """The holiday calendar file, or ``SettingsError`` naming every bad line."""
    try:
        return load_calendar(settings.calendar_path, on_missing_year)
    except RuleFileError as exc:
        raise SettingsError(f"invalid holiday calendar:\n{exc}") from None
    except OSError as exc:
        raise SettingsError(f"XINFANG_ESCALATION_CALENDAR_PATH: {exc}") from None
