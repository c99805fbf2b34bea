"""Keys that several services must share, and the development keys of demo mode.

A case id is an HMAC of the submission id: intake makes it and the gateway looks a case up
by it, so both read one ``XINFANG_CASE_ID_KEY``. The demo keys let demo mode and offline
tools (``xinfang dedup-batch``, ``hotspots-batch``) run without secrets; anyone can compute
with them, so a service outside demo mode refuses to start without its own.
"""

from __future__ import annotations

from typing import Final

from pydantic import Field, SecretStr, model_validator

from services.common.settings import ServiceSettings

#: The petitioner_ref key of demo mode and of offline tools.
DEMO_HMAC_KEY: Final = "xinfang-demo-key-not-for-production"
#: The case-id key of demo mode and of offline tools (``xinfang dedup-batch``): for
#: development only, since anyone can compute case ids with it.
DEMO_CASE_ID_KEY: Final = "xinfang-demo-case-id-key-not-for-production"
#: The query-code key used in demo mode only; outside it notification refuses to start.
DEMO_QUERY_KEY: Final = "xinfang-demo-query-key-not-for-production"


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
