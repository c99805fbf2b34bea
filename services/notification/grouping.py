"""Alerts batched into one digest per recipient, as Alertmanager groups alerts.

An alert is an escalation (cases.escalated) or a newly detected hotspot (hotspots.detected,
from the ledger). Supervisors and leaders must not get 200 messages when 200 deadlines pass
at midnight.
Alerts routed to one receiver with equal ``group_by`` labels form a group. The first alert
of a group waits ``group_wait`` for company; then the group is flushed as one digest. Alerts
arriving after a flush are held until ``group_interval`` has passed since that flush, and go
out together in the next digest.

The component is pure: no clock of its own (every call passes ``now``), no I/O. Its pending
state is a pydantic model that dumps to JSON, so the Faust service can keep it in a table
(one row per group via ``GroupingState.groups``) and a restarted worker carries on where
the old one stopped. A crash between sending a digest and saving the state sends the same
digest again with the same ``digest_id``, which the sent-ids table turns into a skip.

A group holds at most ``MAX_DIGEST_ALERTS`` escalations and ``MAX_DIGEST_HOTSPOTS``
hotspots: its row is one changelog record (1,000,000 bytes at most) and its digest one
notice. A full group's next alerts wait in an overflow group of the same receiver and
labels (``overflow_key``: the group's key and a number), flushed as a digest of its own: a
burst of 2,000 breaches at midnight makes five digests, not one record too large to store.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Final

from pydantic import BaseModel, ConfigDict, Field, model_validator

from schemas.base import Contract
from schemas.cases import CaseEscalated
from schemas.ledger import HotspotDetected
from schemas.notices import NoticeKind
from services.notification.ids import digest_id
from services.notification.policy import Grouping


class RoutedAlert(Contract):
    """One escalation or one new hotspot on its way to one receiver, with the route's grouping.

    Also the value of the service's internal alert topic, keyed by receiver, so that every
    alert for one receiver meets in one partition and its groups in one table partition.
    Exactly one of ``escalation`` and ``hotspot`` is set.
    """

    receiver: str
    template: str
    group_labels: dict[str, str] = Field(description="the values of the route's group_by")
    group_wait: timedelta
    group_interval: timedelta
    escalation: CaseEscalated | None = None
    hotspot: HotspotDetected | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> RoutedAlert:
        if (self.escalation is None) == (self.hotspot is None):
            raise ValueError("an alert is about exactly one escalation or one hotspot")
        return self

    @classmethod
    def of(
        cls,
        receiver: str,
        template: str,
        grouping: Grouping,
        labels: Mapping[str, str],
        about: CaseEscalated | HotspotDetected,
    ) -> RoutedAlert:
        return cls(
            receiver=receiver,
            template=template,
            group_labels={name: labels.get(name, "") for name in grouping.group_by},
            group_wait=grouping.group_wait,
            group_interval=grouping.group_interval,
            escalation=about if isinstance(about, CaseEscalated) else None,
            hotspot=about if isinstance(about, HotspotDetected) else None,
        )

    @property
    def kind(self) -> NoticeKind:
        """The kind of notice the alert ends up in."""
        return NoticeKind.ESCALATION_ALERT if self.escalation else NoticeKind.HOTSPOT_ALERT

    @property
    def alert_id(self) -> str:
        """The escalation's or the hotspot's id: one alert per id and receiver, ever."""
        if self.escalation is not None:
            return self.escalation.escalation_id
        assert self.hotspot is not None
        return self.hotspot.hotspot_id

    @property
    def group_key(self) -> str:
        labels = ",".join(f"{k}={v}" for k, v in sorted(self.group_labels.items()))
        return f"{self.receiver}/{self.template}{{{labels}}}"


#: The most escalations a group holds (~450 bytes each: ~180 KB).
MAX_DIGEST_ALERTS: Final = 400
#: The most hotspots a group holds (each lists up to 500 cases: ~12 KB).
MAX_DIGEST_HOTSPOTS: Final = 16


def overflow_key(group_key: str, number: int) -> str:
    """The key of a group's ``number``-th overflow group (1, 2, ...)."""
    return f"{group_key}#{number}"


class PendingGroup(BaseModel):
    """The alerts of one group not yet sent, and when the group may next be flushed."""

    model_config = ConfigDict(extra="forbid")

    receiver: str
    template: str
    group_labels: dict[str, str]
    group_wait: timedelta
    group_interval: timedelta
    alerts: list[CaseEscalated] = Field(default_factory=list)
    hotspots: list[HotspotDetected] = Field(default_factory=list)
    flush_at: datetime | None = None
    last_flushed_at: datetime | None = None

    @property
    def full(self) -> bool:
        """Whether the group holds as many alerts of a kind as a digest may."""
        return len(self.alerts) >= MAX_DIGEST_ALERTS or len(self.hotspots) >= MAX_DIGEST_HOTSPOTS

    def holds(self, alert_id: str) -> bool:
        """Whether the group holds the escalation or hotspot ``alert_id``."""
        return any(a.escalation_id == alert_id for a in self.alerts) or any(
            h.hotspot_id == alert_id for h in self.hotspots
        )


class GroupingState(BaseModel):
    """Every group by key; ``model_dump_json()`` / ``model_validate_json()`` round-trip."""

    model_config = ConfigDict(extra="forbid")

    groups: dict[str, PendingGroup] = Field(default_factory=dict)


class Digest(BaseModel):
    """The alerts of one group flushed together: one notice per receiver.

    ``alerts`` are escalations, ``hotspots`` new hotspots; a group's template decides
    which it holds (one template, one kind), and at least one of the two is not empty.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    digest_id: str
    group_key: str
    receiver: str
    template: str
    group_labels: dict[str, str]
    alerts: tuple[CaseEscalated, ...]
    hotspots: tuple[HotspotDetected, ...] = ()
    flushed_at: datetime

    @property
    def kind(self) -> NoticeKind:
        return NoticeKind.ESCALATION_ALERT if self.alerts else NoticeKind.HOTSPOT_ALERT

    @property
    def case_ids(self) -> tuple[str, ...]:
        """Every escalated case; of a hotspot, its first case (the hotspot lists the rest)."""
        ids = [alert.case_id for alert in self.alerts]
        ids += [hotspot.case_ids[0] for hotspot in self.hotspots if hotspot.case_ids]
        return tuple(dict.fromkeys(ids)) or tuple(h.hotspot_id for h in self.hotspots)

    @property
    def first_at(self) -> datetime:
        return min([a.escalated_at for a in self.alerts] + [h.detected_at for h in self.hotspots])


class AlertGrouper:
    """Collects routed alerts and hands out the digests that are due.

    ``add`` never sends; ``due_digests(now)`` returns (and forgets) what is due at ``now``.
    Call it from a timer; ``next_flush_at`` says when the next digest can be due.
    """

    def __init__(self, state: GroupingState | None = None) -> None:
        self.state = state or GroupingState()

    def add(self, alert: RoutedAlert, now: datetime) -> str:
        """Hold ``alert`` for its group; a redelivered escalation is held only once.

        The key of the group that holds it: the alert's, or an overflow of it when that is
        full (the state must hold the alert's group and its full overflows, in order).
        """
        key, number = alert.group_key, 0
        while (held := self.state.groups.get(key)) is not None and held.full:
            if held.holds(alert.alert_id):
                return key
            number += 1
            key = overflow_key(alert.group_key, number)
        group = self.state.groups.get(key)
        if group is None:
            group = PendingGroup(
                receiver=alert.receiver,
                template=alert.template,
                group_labels=alert.group_labels,
                group_wait=alert.group_wait,
                group_interval=alert.group_interval,
            )
            self.state.groups[key] = group
        if group.holds(alert.alert_id):
            return key
        if alert.escalation is not None:
            group.alerts.append(alert.escalation)
        if alert.hotspot is not None:
            group.hotspots.append(alert.hotspot)
        if group.flush_at is None:
            first_possible = now + group.group_wait
            if group.last_flushed_at is not None:
                first_possible = max(first_possible, group.last_flushed_at + group.group_interval)
            group.flush_at = first_possible
        return key

    def due_digests(self, now: datetime) -> list[Digest]:
        """The digests due at ``now``, oldest first; their alerts leave the state."""
        digests: list[Digest] = []
        for key, group in sorted(self.state.groups.items()):
            if group.flush_at is None or group.flush_at > now:
                continue
            if not (group.alerts or group.hotspots):
                continue
            alerts, hotspots = tuple(group.alerts), tuple(group.hotspots)
            ids = [a.escalation_id for a in alerts] + [h.hotspot_id for h in hotspots]
            digests.append(
                Digest(
                    digest_id=digest_id(key, ids),
                    group_key=key,
                    receiver=group.receiver,
                    template=group.template,
                    group_labels=group.group_labels,
                    alerts=alerts,
                    hotspots=hotspots,
                    flushed_at=now,
                )
            )
            group.alerts = []
            group.hotspots = []
            group.flush_at = None
            group.last_flushed_at = now
        self._forget_idle(now)
        digests.sort(key=lambda digest: (digest.first_at, digest.group_key))
        return digests

    def _forget_idle(self, now: datetime) -> None:
        # A group that has been quiet for a whole interval behaves like a new one: drop it
        # so the state does not grow with every receiver and label value ever seen.
        for key in [
            key
            for key, group in self.state.groups.items()
            if not (group.alerts or group.hotspots)
            and group.last_flushed_at is not None
            and group.last_flushed_at + group.group_interval <= now
        ]:
            del self.state.groups[key]

    def next_flush_at(self) -> datetime | None:
        """When the next digest becomes due, or None when nothing is pending."""
        times = [g.flush_at for g in self.state.groups.values() if g.flush_at is not None]
        return min(times, default=None)
