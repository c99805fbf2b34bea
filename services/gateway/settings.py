"""Settings of the HTTP gateway (prefix XINFANG_GATEWAY_, shared ones also XINFANG_)."""

from __future__ import annotations

import hmac
import ipaddress
import re
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Final

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import NoDecode, SettingsConfigDict

from services.common.agencies import shipped_directory
from services.common.casework.holidays import DEFAULT_CALENDAR_PATH, HolidayCalendar, load_calendar
from services.common.casework.ruleset import DEFAULT_RULES_PATH, EscalationRules, load_rules
from services.common.keys import DEMO_QUERY_KEY, CaseIdKeyed
from services.common.regions import default_table
from services.gateway.attempts import AttemptLimits
from services.gateway.boundaries import CountyBoundaries, load_boundaries

#: The API key accepted in demo mode only; outside it the gateway refuses to start without
#: keys of its own.
DEMO_API_KEY: Final = "xinfang-demo-open311-key"
_REGION_CODE: Final = r"^\d{6}$"
#: An agency code as the routing table writes it (also names agency.<code>.inbox).
AGENCY_CODE: Final = r"^[a-z0-9_-]{2,64}$"
MIN_KEY_CHARS: Final = 16


class GatewaySettings(CaseIdKeyed):
    """The gateway: Open311 GeoReport v2 and the native JSON API in front of Kafka."""

    model_config = SettingsConfigDict(frozen=True, extra="ignore", env_prefix="XINFANG_GATEWAY_")

    web_host: str = Field(default="127.0.0.1", description="address the HTTP API listens on")
    web_port: int = Field(default=8080, ge=1, le=65535)
    api_keys: Annotated[frozenset[SecretStr], NoDecode] = Field(
        default=frozenset(),
        description=(
            "keys of the channels allowed to submit (Open311 api_key, X-API-Key header), "
            "comma-separated; required outside demo mode"
        ),
    )
    default_region_code: str | None = Field(
        default=None,
        pattern=_REGION_CODE,
        description=(
            "county code of an Open311 request whose place cannot be told from its "
            "attribute[region_code] or address_string (e.g. lat/long only)"
        ),
    )
    place_regions: dict[str, Annotated[str, Field(pattern=_REGION_CODE)]] = Field(
        default_factory=dict,
        description=(
            'JSON object {"place name": "county code"}: estates, roads or towns that an '
            "address_string may name, checked before the national table of county names"
        ),
    )
    county_boundaries_path: Path | None = Field(
        default=None,
        description=(
            "GeoJSON FeatureCollection of county boundaries (Polygon or MultiPolygon per "
            "county): an Open311 request located by lat/long alone goes to the county "
            "containing the point; checked whole at start-up"
        ),
    )
    county_code_property: str = Field(
        default="adcode",
        min_length=1,
        description="the feature property holding the county-level code (DataV: adcode)",
    )
    ack_timeout_seconds: float = Field(
        default=15.0,
        gt=0,
        le=120,
        description="how long a request waits for the broker's acknowledgement before a 503",
    )
    head_timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        le=300,
        description=(
            "how long a request's head (request line and headers) may take to arrive, from "
            "the connection or from its first byte, before a 408 and the connection closed "
            "(a client that connects and sends nothing, or trickles its headers)"
        ),
    )
    body_timeout_seconds: float = Field(
        default=30.0,
        gt=0,
        le=300,
        description=(
            "how long a request's body may take to arrive before a 408 (a client that "
            "declares more than it sends, or trickles it, holds a connection no longer); "
            "and how long an answer's bytes may wait on a client that does not read them "
            "before the connection is dropped"
        ),
    )
    trusted_proxies: Annotated[tuple[str, ...], NoDecode] = Field(
        default=(),
        description=(
            "addresses or networks (CIDR) of the reverse proxies in front, comma-separated: "
            "only a connection from one of them has its X-Forwarded-For (the client address "
            "the query-code limits count) and X-Forwarded-Proto believed; none by default, "
            "the address is the connection's"
        ),
    )
    max_body_bytes: int = Field(
        default=1_048_576,
        ge=1024,
        description=(
            "larger bodies get 413 (Open311 forms; a native petition has at most the "
            "contract's 262,144 bytes)"
        ),
    )
    query_key: SecretStr | None = Field(
        default=None,
        min_length=16,
        description=(
            "the notification service's query-code key (give both XINFANG_QUERY_KEY): with "
            "it a petitioner sees their case with the query code of their receipt"
        ),
    )

    query_failures_per_case: int = Field(
        default=10,
        ge=1,
        description=(
            "wrong query codes (or unknown case numbers) one case number may take from one "
            "client address within the window; past it that address's every attempt on it "
            "gets 429, the right code too (another address's is still checked)"
        ),
    )
    query_failures_per_address: int = Field(
        default=30,
        ge=1,
        description="wrong query codes one client address may make within the window",
    )
    query_failure_window_seconds: float = Field(
        default=3600.0, gt=0, description="the sliding window of the two limits above"
    )
    agency_keys: Annotated[dict[str, SecretStr], NoDecode] = Field(
        default_factory=dict,
        description=(
            "each agency's key for the agency API (header X-Agency-Key), as "
            "CODE=KEY,CODE=KEY (agency codes of the routing table, keys of 16+ characters, "
            "one key per agency); none: the agency API refuses every request"
        ),
    )
    escalation_rules_path: Path = Field(
        default=DEFAULT_RULES_PATH,
        description=(
            "the escalation service's rule file (give both XINFANG_ESCALATION_RULES_PATH): "
            "the time limits and windows an update is checked against"
        ),
    )
    escalation_calendar_path: Path = Field(
        default=DEFAULT_CALENDAR_PATH,
        description="the escalation service's holiday calendar (XINFANG_ESCALATION_CALENDAR_PATH)",
    )

    @field_validator("agency_keys", mode="before")
    @classmethod
    def _split_agency_keys(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        keys: dict[str, str] = {}
        for entry in (part.strip() for part in value.split(",")):
            if not entry:
                continue
            code, sep, key = entry.partition("=")
            code, key = code.strip(), key.strip()
            if not sep or not code or not key:
                raise ValueError(f"{entry.split('=')[0]!r}...: write each entry as CODE=KEY")
            if code in keys:
                raise ValueError(f"agency {code} is given twice")
            keys[code] = key
        return keys

    @model_validator(mode="after")
    def _agency_keys_valid(self) -> GatewaySettings:
        seen: set[str] = set()
        channel_keys = {key.get_secret_value() for key in self.api_keys}
        for code, key in self.agency_keys.items():
            if not re.fullmatch(AGENCY_CODE, code):
                raise ValueError(f"agency code {code!r}: lower-case letters, digits, - and _")
            # A key of a body nobody routes or transfers to would open nothing; "petitioner"
            # is what the petitioner's own updates name as their reporter.
            if shipped_directory().agency(code, "key") is None:
                raise ValueError(f"agency code {code!r} is no body of the routing table")
            secret = key.get_secret_value()
            if len(secret) < MIN_KEY_CHARS:
                raise ValueError(f"the key of agency {code} needs {MIN_KEY_CHARS}+ characters")
            if secret in seen or secret in channel_keys:
                raise ValueError(f"the key of agency {code} is another agency's or a channel's")
            seen.add(secret)
        return self

    @model_validator(mode="after")
    def _escalation_files_readable(self) -> GatewaySettings:
        # The same files as the escalation service's, checked at start-up like it does.
        self.escalation_rules()
        self.escalation_calendar()
        return self

    def escalation_rules(self) -> EscalationRules:
        """The escalation rules (RuleFileError, a ValueError, names the line)."""
        return load_rules(self.escalation_rules_path)

    def escalation_calendar(self) -> HolidayCalendar:
        """The holiday calendar the lifecycle counts working days and roll-overs on."""
        return load_calendar(self.escalation_calendar_path)

    def attempt_limits(self) -> AttemptLimits:
        return AttemptLimits(
            failures_per_case=self.query_failures_per_case,
            failures_per_address=self.query_failures_per_address,
            window=timedelta(seconds=self.query_failure_window_seconds),
        )

    def agency_of_key(self, key: str | None) -> str | None:
        """The agency whose key ``key`` is, or None."""
        if not key:
            return None
        given = key.encode()
        found = None
        for code, allowed in self.agency_keys.items():
            # Every key compared, so the time taken says nothing about which one matched.
            if hmac.compare_digest(given, allowed.get_secret_value().encode()):
                found = code
        return found

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_proxies(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [item.strip() for item in value.split(",") if item.strip()]
        proxies = []
        for item in value:
            try:
                network = ipaddress.ip_network(item, strict=False)
            except (TypeError, ValueError):
                raise ValueError(
                    f"TRUSTED_PROXIES: {item!r} is no IP address or network (CIDR); give the "
                    "reverse proxies' addresses, comma-separated"
                ) from None
            # uvicorn reads a network strictly and quietly ignores one with host bits set
            # (10.0.0.1/8): it is handed on as the network it means (10.0.0.0/8).
            proxies.append(str(network) if "/" in str(item) else str(item))
        return tuple(proxies)

    @field_validator("api_keys", mode="before")
    @classmethod
    def _split_keys(cls, value: Any) -> Any:
        if isinstance(value, str):
            return frozenset(key.strip() for key in value.split(",") if key.strip())
        return value

    @model_validator(mode="after")
    def _keys_required(self) -> GatewaySettings:
        if not self.api_keys and not self.demo_mode:
            raise ValueError(
                "API_KEYS is required outside demo mode: set XINFANG_GATEWAY_API_KEYS to the "
                "channels' keys, comma-separated"
            )
        for key in self.api_keys:
            if len(key.get_secret_value()) < MIN_KEY_CHARS:
                raise ValueError(f"every API key needs at least {MIN_KEY_CHARS} characters")
        return self

    @model_validator(mode="after")
    def _boundaries_readable(self) -> GatewaySettings:
        # Checked here so that a bad file stops the gateway at start-up, like any setting.
        self.county_boundaries()
        return self

    def county_boundaries(self) -> CountyBoundaries | None:
        """The boundary file's counties; BoundaryFileError (a ValueError) if it is unusable."""
        if self.county_boundaries_path is None:
            return None
        return load_boundaries(
            self.county_boundaries_path, default_table(), self.county_code_property
        )

    def query_key_bytes(self) -> bytes | None:
        """The query-code key; the notification service's demo key in demo mode."""
        if self.query_key is not None:
            return self.query_key.get_secret_value().encode()
        return DEMO_QUERY_KEY.encode() if self.demo_mode else None

    def key_allowed(self, key: str | None) -> bool:
        """True for one of the configured keys, or the demo key in demo mode."""
        if not key:
            return False
        given = key.encode()
        if self.demo_mode and hmac.compare_digest(given, DEMO_API_KEY.encode()):
            return True
        return any(
            hmac.compare_digest(given, allowed.get_secret_value().encode())
            for allowed in self.api_keys
        )
