"""Settings of the notification service (prefix XINFANG_NOTIFICATION_).

What differs per deployment lives here; who is told what lives in the policy file
(``policy_path``), which is validated at start-up with line-precise errors.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from services.common.casework.holidays import DEFAULT_CALENDAR_PATH, load_calendar
from services.common.casework.ruleset import DEFAULT_RULES_PATH, load_rules
from services.common.casework.told import LegalDates
from services.common.keys import DEMO_QUERY_KEY
from services.common.rulefile import RuleFileError
from services.common.settings import ServiceSettings, SettingsError
from services.notification.policy import DEFAULT_POLICY_PATH, NotificationPolicy, load_policy
from services.notification.render import Renderer, TemplateConfigError


class NotificationSettings(ServiceSettings):
    """Notification: petitioners, agencies, supervisors."""

    model_config = SettingsConfigDict(
        frozen=True, extra="ignore", env_prefix="XINFANG_NOTIFICATION_"
    )

    web_port: int = Field(default=6069, ge=1, le=65535)
    policy_path: Path = Field(
        default=DEFAULT_POLICY_PATH, description="the notification policy (routing tree) YAML"
    )
    smtp_host: str | None = Field(
        default=None,
        description=(
            "the mail relay, overriding the policy's smtp.host. In demo mode without it, "
            "no notice leaves the service: each is only recorded on notifications.delivered"
        ),
    )
    smtp_port: int | None = Field(default=None, ge=1, le=65535, description="overrides smtp.port")
    letters_dir: Path | None = Field(
        default=None, description="where letters are queued, overriding letters.directory"
    )
    query_key: SecretStr | None = Field(
        default=None,
        min_length=16,
        description="key of the petitioner's query code (HMAC); required outside demo mode",
    )
    max_group_seconds: float | None = Field(
        default=None,
        gt=0,
        description=(
            "caps every group_wait and group_interval of the policy; for demos and tests "
            "that cannot wait minutes for a digest"
        ),
    )
    contact_wait_seconds: float = Field(
        default=3600.0,
        gt=0,
        description=(
            "how long a petitioner's notice waits for their contact details to arrive on "
            "petitioners.contacts before it is recorded as failed with no_contact"
        ),
    )
    inline_attempts: int = Field(
        default=2,
        ge=1,
        le=5,
        description=(
            "quick attempts of a new notice while its event is in hand, at most the "
            "policy's retry.max_attempts; from the retry table the timer makes one per turn"
        ),
    )
    inline_retry_seconds: float = Field(
        default=0.2, ge=0, le=5, description="pause between the quick attempts"
    )
    handoff_seconds: float = Field(
        default=1.0,
        gt=0,
        le=30,
        description=(
            "how long handling an event waits for its notices' sends; a send still under "
            "way then finishes in the background and the timer records its outcome, so a "
            "slow relay never holds a partition longer than this"
        ),
    )
    sends_in_flight: int = Field(
        default=8,
        ge=1,
        le=256,
        description=(
            "sends under way at once per transport (SMTP sessions, HTTP requests): what a "
            "stalled relay can tie up; further notices wait in the retry table"
        ),
    )
    retries_per_tick: int = Field(
        default=20,
        ge=1,
        le=1000,
        description="due retries a partition's tick starts at most",
    )
    tick_interval_seconds: float = Field(
        default=1.0,
        gt=0,
        le=60,
        description="how often digests, retries and waiting notices are looked at",
    )

    escalation_rules_path: Path = Field(
        default=DEFAULT_RULES_PATH,
        description=(
            "the escalation service's rule file (give both XINFANG_ESCALATION_RULES_PATH): "
            "the limits whose last days notices tell petitioners"
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
    def _escalation_files_readable(self) -> NotificationSettings:
        # The same files as the escalation service's, checked at start-up like it does.
        self.legal_dates()
        return self

    def legal_dates(self) -> LegalDates:
        """The dates notices tell, by the escalation rules (RuleFileError names the line)."""
        return LegalDates.of(
            load_rules(self.escalation_rules_path), load_calendar(self.escalation_calendar_path)
        )

    @model_validator(mode="after")
    def _key_required(self) -> NotificationSettings:
        if self.query_key is None and not self.demo_mode:
            raise ValueError(
                "QUERY_KEY is required outside demo mode: set XINFANG_NOTIFICATION_QUERY_KEY to "
                "a secret of at least 16 characters (petitioners' query codes depend on it)"
            )
        return self

    @property
    def record_only(self) -> bool:
        """Demo mode without a mail relay: notices are recorded, never sent anywhere."""
        return self.demo_mode and self.smtp_host is None

    def query_key_bytes(self) -> bytes:
        if self.query_key is None:
            return DEMO_QUERY_KEY.encode()
        return self.query_key.get_secret_value().encode()


def load_checked_policy(settings: NotificationSettings) -> tuple[NotificationPolicy, Renderer]:
    """The policy and templates, or SettingsError with every problem and its line."""
    renderer = Renderer()
    try:
        renderer.check()
        policy = load_policy(settings.policy_path, renderer.has_template)
    except (RuleFileError, TemplateConfigError) as exc:
        raise SettingsError(str(exc)) from None
    spec = policy.spec
    if settings.inline_attempts > spec.retry.max_attempts:
        raise SettingsError(
            f"XINFANG_NOTIFICATION_INLINE_ATTEMPTS ({settings.inline_attempts}) exceeds the "
            f"policy's retry.max_attempts ({spec.retry.max_attempts}) in {settings.policy_path}"
        )
    changes: dict[str, object] = {}
    if settings.smtp_host is not None and spec.smtp is not None:
        port = settings.smtp_port or spec.smtp.port
        changes["smtp"] = spec.smtp.model_copy(update={"host": settings.smtp_host, "port": port})
    if settings.letters_dir is not None:
        changes["letters"] = spec.letters.model_copy(update={"directory": settings.letters_dir})
    root = policy.root
    if settings.max_group_seconds is not None:
        root = root.capped(timedelta(seconds=settings.max_group_seconds))
    if changes or root is not policy.root:
        policy = NotificationPolicy(spec.model_copy(update=changes), policy.receivers, root)
    return policy, renderer
