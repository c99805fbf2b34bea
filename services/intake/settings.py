"""Settings of the intake service (prefix XINFANG_INTAKE_)."""

from __future__ import annotations

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from services.common.keys import DEMO_HMAC_KEY, CaseIdKeyed


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
