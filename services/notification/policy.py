"""The notification policy: who is told what, through which channel, with which template.

The policy is a YAML file (``policy.yaml`` beside this module is the default) read once at
start-up. It is parsed strictly first (unknown keys, wrong types: pydantic), then checked
for meaning (every receiver and webhook named exists, matchers use known labels, templates
exist); every problem is reported with the file, line and column it comes from, and the
service does not start.

Routing follows Alertmanager's routing tree. Every event to notify about becomes a set of
labels (``services.notification.labels``: ``kind``, ``matter_kind``, ``field``, ``region``,
``level``, ``agency``, ``reason``, ``verdict``; an absent label is the empty string). The
root route matches everything and names the default receiver. A matching route is searched
depth-first: its children are tried in order, the first matching child wins unless it sets
``continue: true``, in which case the next children are tried too; a route none of whose
children match is itself the result. Children inherit ``receiver``, ``template``,
``group_by``, ``group_wait`` and ``group_interval`` from their parent unless they set them.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Final, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    HttpUrl,
    PlainValidator,
    field_validator,
    model_validator,
)

from schemas.petitions import Language
from services.common.rulefile import load_rule_file, read_rule_file
from services.notification.labels import LABELS, Matcher

#: The default policy shipped with the service.
DEFAULT_POLICY_PATH: Final = Path(__file__).with_name("policy.yaml")

Loc = tuple[str | int, ...]


# --- values --------------------------------------------------------------------------------

_DURATION = re.compile(r"^(\d+(?:\.\d+)?)(ms|s|m|h|d)$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def _parse_duration(value: object) -> object:
    # Alertmanager writes durations as "30s", "5m"; a bare number is seconds.
    if isinstance(value, str):
        match = _DURATION.match(value.strip())
        if match is None:
            raise ValueError(f"not a duration: {value!r} (write e.g. 250ms, 30s, 5m, 4h, 1d)")
        return timedelta(seconds=float(match.group(1)) * _UNIT_SECONDS[match.group(2)])
    if isinstance(value, int | float) and not isinstance(value, bool):
        return timedelta(seconds=value)
    return value


Duration = Annotated[timedelta, BeforeValidator(_parse_duration)]


def _timeout_bounds(value: timedelta) -> timedelta:
    # Zero or less would fail every send; an hour is longer than any relay or gateway
    # should ever be waited for (and would hold a connection that long).
    if not timedelta(0) < value <= timedelta(hours=1):
        raise ValueError(f"a timeout must be more than 0s and at most 1h, not {value}")
    return value


Timeout = Annotated[Duration, AfterValidator(_timeout_bounds)]


# --- the file's structure ------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SmtpSettings(_Strict):
    """The mail relay all e-mail goes through. Secrets are named env variables, not values."""

    host: str = "127.0.0.1"
    port: int = Field(default=25, ge=1, le=65535)
    sender: str = Field(description='the From header, e.g. "信访通知 <noreply@example.gov.cn>"')
    security: Literal["none", "starttls", "tls"] = "none"
    username_env: str | None = None
    password_env: str | None = None
    timeout: Timeout = Field(
        default=timedelta(seconds=30),
        description="connecting, and waiting for the reply to each command",
    )
    data_timeout: Timeout = Field(
        default=timedelta(minutes=10),
        description=(
            "waiting for the reply to the message itself (RFC 5321 4.5.3.2.6: 10 minutes); "
            "at least ``timeout``. A relay that has the message but confirms it slowly is "
            "waited for in the background instead of being sent the message twice"
        ),
    )


class WebhookEndpoint(_Strict):
    """An HTTP endpoint notices are POSTed to as JSON (an SMS gateway, an agency's system)."""

    url: HttpUrl
    timeout: Timeout = timedelta(seconds=10)
    token_env: str | None = Field(
        default=None, description="env variable holding a bearer token for this endpoint"
    )


class LetterSettings(_Strict):
    """Where printable letters are queued for the post room."""

    directory: Path = Path("var/letters")


class RetrySettings(_Strict):
    """Capped exponential backoff with jitter between delivery attempts.

    The n-th retry waits ``min(max_delay, initial_delay * multiplier**(n-1))``, shortened
    by up to ``jitter`` of itself at random so that a recovering server is not hit by
    every queued notice at the same instant. ``max_delay`` is also the longest a failing
    transport rests before it is tried again (see ``services.notification.inflight``).
    """

    initial_delay: Duration = Field(
        default=timedelta(seconds=1), gt=timedelta(0), le=timedelta(hours=1)
    )
    max_delay: Duration = Field(default=timedelta(minutes=5), gt=timedelta(0), le=timedelta(days=1))
    multiplier: float = Field(default=2.0, ge=1.0, le=10.0)
    max_attempts: int = Field(default=6, ge=1, le=100)
    jitter: float = Field(default=0.2, ge=0.0, le=1.0)


class PetitionerChannel(StrEnum):
    EMAIL = "email"
    SMS = "sms"
    LETTER = "letter"


class PetitionerReceiver(_Strict):
    """The petitioner of the case, reached through the first channel their contact allows."""

    channels: tuple[PetitionerChannel, ...] = Field(
        default=(PetitionerChannel.EMAIL, PetitionerChannel.SMS, PetitionerChannel.LETTER),
        min_length=1,
    )
    sms_webhook: str | None = Field(default=None, description="the webhook of the SMS gateway")


class EmailReceiver(_Strict):
    to: tuple[str, ...] = Field(min_length=1)

    @field_validator("to")
    @classmethod
    def _addresses(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for address in value:
            if not re.fullmatch(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+", address):
                raise ValueError(f"not an e-mail address: {address!r}")
        return value


class WebhookReceiver(_Strict):
    webhook: str = Field(description="a name under webhooks:")


class AgencyInboxReceiver(_Strict):
    """The case's competent agency: its AgencyCase goes to agency.<code>.inbox."""


class Receiver(_Strict):
    """A named audience and how it is reached: exactly one of the four kinds.

    ``units`` names the bodies the receiver belongs to (e.g. a supervisor's bureau), so
    that the privacy guard can keep an accusation against that body away from it.
    """

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]{0,63}$")
    units: tuple[str, ...] = ()
    language: Language = Field(
        default=Language.ZH, description="of staff notices; petitioners get their own"
    )
    petitioner: PetitionerReceiver | None = None
    email: EmailReceiver | None = None
    webhook: WebhookReceiver | None = None
    agency_inbox: AgencyInboxReceiver | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Receiver:
        given = [k for k in ("petitioner", "email", "webhook", "agency_inbox") if getattr(self, k)]
        if len(given) != 1:
            raise ValueError(
                "a receiver has exactly one of petitioner, email, webhook, agency_inbox; "
                f"got {', '.join(given) or 'none'}"
            )
        return self


def _matcher(value: object) -> Matcher:
    if isinstance(value, Matcher):
        return value
    if not isinstance(value, str):
        raise ValueError('a matcher is a string, e.g. level="city"')
    return Matcher.parse(value)


class RouteSpec(_Strict):
    """A node of the routing tree as written in the file."""

    receiver: str | None = None
    matchers: tuple[Annotated[Matcher, PlainValidator(_matcher)], ...] = ()
    continue_: bool = Field(default=False, alias="continue")
    template: str | None = Field(default=None, pattern=r"^[a-z_]+$")
    group_by: tuple[str, ...] | None = None
    group_wait: Duration | None = None
    group_interval: Duration | None = None
    routes: tuple[RouteSpec, ...] = ()

    @field_validator("group_by")
    @classmethod
    def _known_labels(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        for label in value or ():
            if label not in LABELS:
                raise ValueError(f"unknown label {label!r}; labels are {', '.join(LABELS)}")
        return value


class PolicySpec(_Strict):
    """The whole file."""

    version: Literal[1]
    issuer: dict[Literal["zh", "en"], str] = Field(
        description="the office that signs petitioners' notices, per language"
    )
    query_url: HttpUrl = Field(description="where petitioners check progress with their code")
    smtp: SmtpSettings | None = None
    webhooks: dict[str, WebhookEndpoint] = Field(default_factory=dict)
    letters: LetterSettings = LetterSettings()
    retry: RetrySettings = RetrySettings()
    receivers: tuple[Receiver, ...] = Field(min_length=1)
    route: RouteSpec

    @field_validator("issuer")
    @classmethod
    def _both_languages(cls, value: dict[str, str]) -> dict[str, str]:
        missing = {"zh", "en"} - set(value)
        if missing:
            raise ValueError(f"issuer needs every language; missing {', '.join(sorted(missing))}")
        return value


# --- the resolved tree ---------------------------------------------------------------------


@dataclass(frozen=True)
class Grouping:
    """How alerts to one receiver are batched into digests (Alertmanager's meaning)."""

    group_by: tuple[str, ...]
    group_wait: timedelta
    group_interval: timedelta


@dataclass(frozen=True)
class Route:
    """A node of the routing tree with everything inherited filled in."""

    path: str
    receiver: str
    matchers: tuple[Matcher, ...]
    continue_: bool
    template: str | None
    grouping: Grouping
    routes: tuple[Route, ...]

    def matches(self, labels: Mapping[str, str]) -> bool:
        return all(matcher.matches(labels) for matcher in self.matchers)

    def capped(self, longest: timedelta) -> Route:
        """This subtree with every group_wait and group_interval at most ``longest``."""
        grouping = dataclasses.replace(
            self.grouping,
            group_wait=min(self.grouping.group_wait, longest),
            group_interval=min(self.grouping.group_interval, longest),
        )
        routes = tuple(route.capped(longest) for route in self.routes)
        return dataclasses.replace(self, grouping=grouping, routes=routes)

    def match(self, labels: Mapping[str, str]) -> list[Route]:
        """The routes that ``labels`` end at, below and including this one (if it matches)."""
        if not self.matches(labels):
            return []
        found: list[Route] = []
        for child in self.routes:
            below = child.match(labels)
            if below:
                found.extend(below)
                if not child.continue_:
                    break
        return found or [self]


@dataclass(frozen=True)
class Delivery:
    """One result of routing: a receiver, the template and the grouping to use."""

    receiver: Receiver
    template: str
    grouping: Grouping
    route: str


#: The most label sets whose routes a policy keeps (a few hundred bytes each).
_ROUTES_KEPT = 4096


@dataclass(frozen=True)
class NotificationPolicy:
    """The validated policy: settings, receivers by name, and the routing tree."""

    spec: PolicySpec
    receivers: Mapping[str, Receiver]
    root: Route
    #: ``route``'s answer by the labels, items in order: a function of the labels and this
    #: policy alone, asked twice a verdict with labels that repeat (kind, field, region,
    #: agency, ...). Emptied when it holds ``_ROUTES_KEPT`` label sets.
    _routes: dict[tuple[tuple[str, str], ...], tuple[Delivery, ...]] = dataclasses.field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def route(self, labels: Mapping[str, str]) -> list[Delivery]:
        """Where an event with ``labels`` goes: one delivery per receiver, in tree order."""
        key = tuple(labels.items())
        known = self._routes.get(key)
        if known is None:
            if len(self._routes) >= _ROUTES_KEPT:
                self._routes.clear()
            known = self._routes[key] = tuple(self.routed(labels))
        return list(known)

    def routed(self, labels: Mapping[str, str]) -> list[Delivery]:
        """``route`` worked out from the tree, without the kept answers."""
        kind = labels.get("kind", "")
        deliveries: list[Delivery] = []
        seen: set[tuple[str, str]] = set()
        for route in self.root.match(labels):
            template = route.template or kind
            if (route.receiver, template) in seen:
                continue
            seen.add((route.receiver, template))
            deliveries.append(
                Delivery(self.receivers[route.receiver], template, route.grouping, route.path)
            )
        return deliveries


_DEFAULT_GROUPING = Grouping(
    group_by=(), group_wait=timedelta(seconds=30), group_interval=timedelta(minutes=5)
)


def _resolve(spec: RouteSpec, parent: Route | None, path: str) -> Route:
    inherited = parent.grouping if parent else _DEFAULT_GROUPING
    grouping = Grouping(
        group_by=spec.group_by if spec.group_by is not None else inherited.group_by,
        group_wait=spec.group_wait if spec.group_wait is not None else inherited.group_wait,
        group_interval=(
            spec.group_interval if spec.group_interval is not None else inherited.group_interval
        ),
    )
    receiver = spec.receiver or (parent.receiver if parent else "")
    node = Route(
        path=path,
        receiver=receiver,
        matchers=spec.matchers,
        continue_=spec.continue_,
        template=spec.template or (parent.template if parent else None),
        grouping=grouping,
        routes=(),
    )
    children = tuple(
        _resolve(child, node, f"{path}.routes.{i}") for i, child in enumerate(spec.routes)
    )
    return Route(**{**node.__dict__, "routes": children})


# --- meaning -------------------------------------------------------------------------------


def _meaning(spec: PolicySpec, template_exists: Callable[[str], bool]) -> Iterator[tuple[Loc, str]]:
    if spec.smtp is not None and spec.smtp.data_timeout < spec.smtp.timeout:
        yield ("smtp", "data_timeout"), "must be at least smtp.timeout"
    if spec.retry.max_delay < spec.retry.initial_delay:
        yield ("retry", "max_delay"), "must be at least retry.initial_delay"
    for reserved in ("smtp", "letters"):
        if reserved in spec.webhooks:
            yield ("webhooks", reserved), f"{reserved!r} names a built-in sender, not a webhook"
    names: dict[str, int] = {}
    for i, receiver in enumerate(spec.receivers):
        if receiver.name in names:
            yield ("receivers", i, "name"), f"receiver {receiver.name!r} is defined twice"
        names[receiver.name] = i
        if receiver.petitioner is not None:
            channels = receiver.petitioner.channels
            if PetitionerChannel.SMS in channels and receiver.petitioner.sms_webhook is None:
                yield ("receivers", i, "petitioner"), "the sms channel needs sms_webhook"
            webhook = receiver.petitioner.sms_webhook
            if webhook is not None and webhook not in spec.webhooks:
                yield (
                    ("receivers", i, "petitioner", "sms_webhook"),
                    f"no webhook named {webhook!r} under webhooks:",
                )
        if receiver.webhook is not None and receiver.webhook.webhook not in spec.webhooks:
            yield (
                ("receivers", i, "webhook", "webhook"),
                f"no webhook named {receiver.webhook.webhook!r} under webhooks:",
            )
        if receiver.email is not None and spec.smtp is None:
            yield ("receivers", i, "email"), "an e-mail receiver needs the smtp: settings"
        petitioner = receiver.petitioner
        if petitioner and spec.smtp is None and PetitionerChannel.EMAIL in petitioner.channels:
            yield ("receivers", i, "petitioner"), "the email channel needs the smtp: settings"

    if spec.route.matchers:
        yield ("route", "matchers"), "the root route matches everything: it takes no matchers"
    if spec.route.receiver is None:
        yield ("route",), "the root route names the default receiver"

    def walk(route: RouteSpec, loc: Loc) -> Iterator[tuple[Loc, str]]:
        if route.receiver is not None and route.receiver not in names:
            yield (*loc, "receiver"), f"no receiver named {route.receiver!r}"
        if route.template is not None and not template_exists(route.template):
            yield (*loc, "template"), f"no template named {route.template!r}"
        for i, child in enumerate(route.routes):
            yield from walk(child, (*loc, "routes", i))

    yield from walk(spec.route, ("route",))


# --- loading ---------------------------------------------------------------------------------


def parse_policy(
    text: str,
    source: str = "<policy>",
    template_exists: Callable[[str], bool] = lambda name: True,
) -> NotificationPolicy:
    """Parse and check a policy; raises RuleFileError listing every problem with its line."""
    return _policy(
        load_rule_file(text, PolicySpec, source, lambda spec: _meaning(spec, template_exists))
    )


def load_policy(
    path: Path = DEFAULT_POLICY_PATH,
    template_exists: Callable[[str], bool] = lambda name: True,
) -> NotificationPolicy:
    """Read and check the policy file at start-up; raises RuleFileError."""
    return _policy(read_rule_file(path, PolicySpec, lambda spec: _meaning(spec, template_exists)))


def _policy(spec: PolicySpec) -> NotificationPolicy:
    root = _resolve(spec.route, None, "route")
    return NotificationPolicy(spec, {r.name: r for r in spec.receivers}, root)
