"""Settings of the intake service (prefix XINFANG_INTAKE_)."""

from __future__ import annotations

from typing import Final

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from services.common.settings import ServiceSettings

#: The key used in demo mode only; outside it, the service refuses to start without one.
DEMO_HMAC_KEY = "xinfang-demo-key-not-for-production"
#: The case-id key of demo mode and of offline tools (``xinfang dedup-batch``): for
#: development only, since anyone can compute case ids with it.
DEMO_CASE_ID_KEY: Final = "xinfang-demo-case-id-key-not-for-production"


class CaseIdKeyed(ServiceSettings):
    """The key of case ids, read by every service that makes or looks up a case id (intake
    and the gateway): give it once as ``XINFANG_CASE_ID_KEY`` so that they agree."""

    case_id_key: SecretStr | None = Field(
        default=None,
        min_length=16,
        description=(
            "key of case ids (HMAC of the submission id): the same in intake and the "
            "gateway; required outside demo mode"
        ),
    )

    @model_validator(mode="after")
    def _case_id_key_required(self) -> CaseIdKeyed:
        if self.case_id_key is None and not self.demo_mode:
            raise ValueError(
                "CASE_ID_KEY is required outside demo mode: set XINFANG_CASE_ID_KEY (read by "
                "intake and the gateway alike) to a secret of at least 16 characters"
            )
        return self

    def case_id_key_bytes(self) -> bytes:
        if self.case_id_key is None:
            return DEMO_CASE_ID_KEY.encode()
        return self.case_id_key.get_secret_value().encode()


class IntakeSettings(CaseIdKeyed):
    """Intake: validation, normalisation, privacy, classification, routing."""

    model_config = SettingsConfigDict(frozen=True, extra="ignore", env_prefix="XINFANG_INTAKE_")

    web_port: int = Field(default=6066, ge=1, le=65535)
    hmac_key: SecretStr | None = Field(
        default=None,
        min_length=16,
        description="key of petitioner_ref (keyed HMAC); required outside demo mode",
    )

    @model_validator(mode="after")
    def _key_required(self) -> IntakeSettings:
        if self.hmac_key is None and not self.demo_mode:
            raise ValueError(
                "HMAC_KEY is required outside demo mode: set XINFANG_INTAKE_HMAC_KEY to a secret "
                "of at least 16 characters (petitioner_ref depends on it)"
            )
        return self

    def key_bytes(self) -> bytes:
        if self.hmac_key is None:
            return DEMO_HMAC_KEY.encode()
        return self.hmac_key.get_secret_value().encode()
