"""The metrics catalogue: every metric of every service, with its meaning and labels.

Prometheus naming: ``xinfang_`` prefix, base units, counters end in ``_total``. A label
with a closed set of values lists them here, and every combination is created at zero when
the owning service starts, so a rate() over a series that has not happened yet is 0, not
absent. Dashboards, alert rules and ``xinfang top`` read these names from here.
"""

from __future__ import annotations

import itertools
import math
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.metrics import MetricWrapperBase
from prometheus_client.values import MutexValue

from schemas.cases import AgencyLevel, DedupReason, EscalationReason, Verdict
from schemas.deadlines import DeadlineStep
from schemas.ledger import HotspotKind
from schemas.notifications import DeliveryChannel, FailureReason, NotificationKind
from schemas.petitions import Channel, RejectReason, Stage


class Kind(StrEnum):
    COUNTER = "counter"
    GAUGE = "gauge"
    HISTOGRAM = "histogram"


class Outcome(StrEnum):
    """What became of one consumed message."""

    PROCESSED = "processed"
    DEAD_LETTERED = "dead_lettered"
    SKIPPED_REDELIVERY = "skipped_redelivery"


class DeliveryOutcome(StrEnum):
    DELIVERED = "delivered"
    FAILED = "failed"
    SUPPRESSED = "suppressed"
    DUPLICATE = "duplicate"


SERVICES: Final = tuple(stage.value for stage in Stage)
#: Latency buckets in seconds, from a fast in-process step to a slow broker round trip.
LATENCY_BUCKETS: Final = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5)
#: Case ages in seconds: 1 hour to 120 days.
AGE_BUCKETS: Final = tuple(d * 86400.0 for d in (1 / 24, 1, 3, 7, 15, 30, 60, 90, 120))


@dataclass(frozen=True)
class MetricSpec:
    """One metric: its name, type, meaning and labels.

    ``labels`` maps each label to its closed set of values, or to () when the values are
    open (agency codes, topics), in which case series appear as they are first used.
    """

    name: str
    kind: Kind
    help: str
    owner: str
    labels: dict[str, tuple[str, ...]] = field(default_factory=dict)
    buckets: Sequence[float] = LATENCY_BUCKETS

    def closed_label_sets(self) -> list[dict[str, str]]:
        """Every combination of closed label values (empty when a label is open)."""
        if not self.labels:
            return [{}]
        if any(not values for values in self.labels.values()):
            return []
        names = list(self.labels)
        return [
            dict(zip(names, combo, strict=True))
            for combo in itertools.product(*(self.labels[n] for n in names))
        ]


def _values(enum: Iterable[StrEnum]) -> tuple[str, ...]:
    return tuple(member.value for member in enum)


_SERVICE = {"service": SERVICES}
_ALL = "all"

CATALOGUE: Final[tuple[MetricSpec, ...]] = (
    # --- every service -------------------------------------------------------------------
    MetricSpec(
        "xinfang_messages_received_total",
        Kind.COUNTER,
        "Messages consumed from the service's input topics.",
        _ALL,
        {**_SERVICE},
    ),
    MetricSpec(
        "xinfang_messages_processed_total",
        Kind.COUNTER,
        "Consumed messages by what became of them.",
        _ALL,
        {**_SERVICE, "outcome": _values(Outcome)},
    ),
    MetricSpec(
        "xinfang_messages_failed_total",
        Kind.COUNTER,
        "Messages that could not be processed, by dead-letter reason.",
        _ALL,
        {**_SERVICE, "reason": _values(RejectReason)},
    ),
    MetricSpec(
        "xinfang_processing_latency_seconds",
        Kind.HISTOGRAM,
        "Time from taking a message off the stream to its outputs being acknowledged.",
        _ALL,
        {**_SERVICE},
    ),
    MetricSpec(
        "xinfang_event_age_seconds",
        Kind.HISTOGRAM,
        "Time from the petition's receipt (event time) to this stage's output.",
        _ALL,
        {**_SERVICE},
        buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600),
    ),
    MetricSpec(
        "xinfang_consecutive_failures",
        Kind.GAUGE,
        "Processing errors in a row (input refused as invalid neither counts nor resets it); "
        "the service stops at its max_consecutive_failures.",
        _ALL,
        {**_SERVICE},
    ),
    MetricSpec(
        "xinfang_consumer_lag_messages",
        Kind.GAUGE,
        "Messages not yet consumed, per consumer group, topic and partition.",
        _ALL,
        {**_SERVICE, "topic": (), "partition": ()},
    ),
    MetricSpec(
        "xinfang_consumer_stall_reseeks_total",
        Kind.COUNTER,
        "Times the service found input records waiting that its consumer had stopped "
        "fetching, and sought back to the committed offsets (services/common/watchdogs.py).",
        _ALL,
        dict(_SERVICE),
    ),
    MetricSpec(
        "xinfang_up",
        Kind.GAUGE,
        "1 while the service runs and its consumer has partitions assigned or is ready.",
        _ALL,
        {**_SERVICE},
    ),
    # --- intake --------------------------------------------------------------------------
    MetricSpec(
        "xinfang_intake_petitions_received_total",
        Kind.COUNTER,
        "Petitions taken off petitions.submitted, by channel (unknown when unreadable).",
        "intake",
        {"channel": (*_values(Channel), "unknown")},
    ),
    MetricSpec(
        "xinfang_intake_cases_registered_total",
        Kind.COUNTER,
        "Cases registered, by field and agency level.",
        "intake",
        {"field": (), "level": _values(AgencyLevel)},
    ),
    MetricSpec(
        "xinfang_intake_rejected_total",
        Kind.COUNTER,
        "Petitions and agency systems' updates sent to petitions.rejected, by reason.",
        "intake",
        {"reason": _values(RejectReason)},
    ),
    MetricSpec(
        "xinfang_intake_duplicate_submissions_total",
        Kind.COUNTER,
        "Submissions seen again (retries, redeliveries): one case, counted here.",
        "intake",
    ),
    MetricSpec(
        "xinfang_intake_agency_updates_total",
        Kind.COUNTER,
        "Agency systems' updates relayed from cases.updates.submitted to cases.updates, by "
        "whether their text was masked.",
        "intake",
        {"text": ("as_written", "masked")},
    ),
    MetricSpec(
        "xinfang_gateway_requests_total",
        Kind.COUNTER,
        "HTTP gateway requests by endpoint and status code.",
        "gateway",
        {"endpoint": (), "status": ()},
    ),
    MetricSpec(
        "xinfang_gateway_request_seconds",
        Kind.HISTOGRAM,
        "Time to answer one gateway request, by endpoint (route template).",
        "gateway",
        {"endpoint": ()},
    ),
    MetricSpec(
        "xinfang_gateway_broker_ack_seconds",
        Kind.HISTOGRAM,
        "Time from sending a petition to the broker's acknowledgement (acks=all).",
        "gateway",
    ),
    MetricSpec(
        "xinfang_gateway_status_view_cases",
        Kind.GAUGE,
        "Cases held in the gateway's in-memory status view.",
        "gateway",
    ),
    MetricSpec(
        "xinfang_gateway_query_code_refusals_total",
        Kind.COUNTER,
        "Query-code attempts refused: a wrong code or an unknown case (the same to the "
        "caller), or refused unchecked past the per-case or per-address limit (429).",
        "gateway",
        {"reason": ("wrong_code_or_unknown_case", "case_limited", "address_limited")},
    ),
    # --- dedup ---------------------------------------------------------------------------
    MetricSpec(
        "xinfang_dedup_verdicts_total",
        Kind.COUNTER,
        "Dedup verdicts by kind and reason.",
        "dedup",
        {"verdict": _values(Verdict), "reason": _values(DedupReason)},
    ),
    MetricSpec(
        "xinfang_dedup_matter_size_petitions",
        Kind.HISTOGRAM,
        "Size of the matter a case was linked to, in petitions, at the time of the verdict.",
        "dedup",
        buckets=(1, 2, 3, 5, 10, 20, 50, 100, 500),
    ),
    MetricSpec(
        "xinfang_dedup_lookup_seconds",
        Kind.HISTOGRAM,
        "Time to match one case against the index.",
        "dedup",
    ),
    MetricSpec(
        "xinfang_dedup_index_cases",
        Kind.GAUGE,
        "Cases held in this worker's matching index.",
        "dedup",
    ),
    MetricSpec(
        "xinfang_dedup_collective_matters_total",
        Kind.COUNTER,
        "Matters that reached the collective threshold (5 distinct petitioners).",
        "dedup",
    ),
    # --- escalation ----------------------------------------------------------------------
    MetricSpec(
        "xinfang_escalation_open_cases",
        Kind.GAUGE,
        "Open cases by lifecycle state and agency level.",
        "escalation",
        {"state": (), "level": _values(AgencyLevel)},
    ),
    MetricSpec(
        "xinfang_escalation_time_to_acceptance_seconds",
        Kind.HISTOGRAM,
        "Event time from receipt to acceptance.",
        "escalation",
        buckets=AGE_BUCKETS,
    ),
    MetricSpec(
        "xinfang_escalation_time_to_reply_seconds",
        Kind.HISTOGRAM,
        "Event time from acceptance to the reply.",
        "escalation",
        buckets=AGE_BUCKETS,
    ),
    MetricSpec(
        "xinfang_escalation_warnings_total",
        Kind.COUNTER,
        "Deadline warnings (a share of the time limit used), by step.",
        "escalation",
        {"step": _values(DeadlineStep)},
    ),
    MetricSpec(
        "xinfang_escalation_breaches_total",
        Kind.COUNTER,
        "Deadlines missed, by step.",
        "escalation",
        {"step": _values(DeadlineStep)},
    ),
    MetricSpec(
        "xinfang_escalation_calendar_missing_year",
        Kind.GAUGE,
        "The earliest year a deadline needed that the holiday calendar file does not cover "
        "(counted on the statutory holidays only, without the State Council's adjustments); "
        "0 while every year needed is covered.",
        "escalation",
    ),
    MetricSpec(
        "xinfang_escalations_total",
        Kind.COUNTER,
        "Escalations published, by reason and target level.",
        "escalation",
        {"reason": _values(EscalationReason), "level": _values(AgencyLevel)},
    ),
    # --- notification --------------------------------------------------------------------
    MetricSpec(
        "xinfang_notifications_total",
        Kind.COUNTER,
        "Notifications by channel, kind and outcome.",
        "notification",
        {
            "channel": _values(DeliveryChannel),
            "kind": _values(NotificationKind),
            "outcome": _values(DeliveryOutcome),
        },
    ),
    MetricSpec(
        "xinfang_notification_delivery_seconds",
        Kind.HISTOGRAM,
        "Time to deliver one notification, retries included, by channel.",
        "notification",
        {"channel": _values(DeliveryChannel)},
    ),
    MetricSpec(
        "xinfang_notification_retries_total",
        Kind.COUNTER,
        "Delivery attempts retried after a retryable failure, by channel.",
        "notification",
        {"channel": _values(DeliveryChannel)},
    ),
    MetricSpec(
        "xinfang_notification_unconfirmed_resends_total",
        Kind.COUNTER,
        "Notices sent again after an attempt whose outcome is unknown (no reply to the "
        "message, or the service stopped during the send): each may have arrived twice, "
        "with the same Message-ID / Idempotency-Key.",
        "notification",
        {"channel": _values(DeliveryChannel)},
    ),
    MetricSpec(
        "xinfang_notification_failures_total",
        Kind.COUNTER,
        "Notifications sent to notifications.failed, by reason.",
        "notification",
        {"reason": _values(FailureReason)},
    ),
    # --- ledger --------------------------------------------------------------------------
    MetricSpec(
        "xinfang_ledger_row_changes_total",
        Kind.COUNTER,
        "Changes of ledger rows by outcome: applied, or skipped as already applied (a redelivery).",
        "ledger",
        {"outcome": ("applied", "already_applied")},
    ),
    MetricSpec(
        "xinfang_hotspots_detected_total",
        Kind.COUNTER,
        "Hotspots detected for the first time, by kind (matter, place).",
        "ledger",
        {"kind": _values(HotspotKind)},
    ),
    MetricSpec(
        "xinfang_hotspot_updates_total",
        Kind.COUNTER,
        "Publications of a hotspot already detected that grew, by kind.",
        "ledger",
        {"kind": _values(HotspotKind)},
    ),
)

_BY_NAME: Final = {spec.name: spec for spec in CATALOGUE}


class Metrics:
    """The catalogue's metrics registered in one registry, looked up by name.

    ``for_service`` creates every closed series of the service's own metrics (and of the
    shared ones, with ``service`` set) at zero.
    """

    def __init__(self, registry: CollectorRegistry = REGISTRY) -> None:
        #: Where the metrics are registered: Faust's own are put there too (``build_service``).
        self.registry = registry
        self._metrics: dict[str, MetricWrapperBase] = {}
        for spec in CATALOGUE:
            self._metrics[spec.name] = _create(spec, registry)

    def __getitem__(self, name: str) -> MetricWrapperBase:
        return self._metrics[name]

    def counter(self, name: str) -> Counter:
        metric = self._metrics[name]
        assert isinstance(metric, Counter), name
        return metric

    def gauge(self, name: str) -> Gauge:
        metric = self._metrics[name]
        assert isinstance(metric, Gauge), name
        return metric

    def histogram(self, name: str) -> Histogram:
        metric = self._metrics[name]
        assert isinstance(metric, Histogram), name
        return metric

    def initialise(self, service: str) -> None:
        """Create at zero every closed series the service will report."""
        for spec in CATALOGUE:
            if spec.owner not in (service, _ALL):
                continue
            labels = dict(spec.labels)
            if spec.owner == _ALL:
                if service not in SERVICES:
                    continue  # the shared consumer metrics belong to the stream services
                labels["service"] = (service,)
            scoped = MetricSpec(spec.name, spec.kind, spec.help, spec.owner, labels)
            metric = self._metrics[spec.name]
            for label_set in scoped.closed_label_sets():
                if label_set:
                    metric.labels(**label_set)


def _create(spec: MetricSpec, registry: CollectorRegistry) -> MetricWrapperBase:
    labelnames = list(spec.labels)
    # prometheus_client appends _total itself; the catalogue keeps the full name.
    if spec.kind is Kind.COUNTER:
        return Counter(spec.name.removesuffix("_total"), spec.help, labelnames, registry=registry)
    if spec.kind is Kind.GAUGE:
        return Gauge(spec.name, spec.help, labelnames, registry=registry)
    return Histogram(spec.name, spec.help, labelnames, registry=registry, buckets=spec.buckets)


def spec(name: str) -> MetricSpec:
    """The catalogue entry of a metric."""
    return _BY_NAME[name]


def observe_many(histogram: Histogram, amounts: Sequence[float]) -> None:
    """``histogram.observe(amount)`` for each of ``amounts``, the buckets and the sum each
    counted once.

    For a batch's per-message figures (``services.common.batch_loop``): the same series as
    one ``observe`` per amount (each amount in the first bucket whose bound it does not
    exceed, its sum the amounts' sum), at one locked add per bucket touched instead of two
    per amount. A histogram of another shape (a later prometheus-client) is observed one
    amount at a time.
    """
    bounds = getattr(histogram, "_upper_bounds", None)
    buckets = getattr(histogram, "_buckets", None)
    total = getattr(histogram, "_sum", None)
    if (
        not isinstance(bounds, list)
        or not isinstance(buckets, list)
        or len(bounds) != len(buckets)
        or total is None
        # A parent of labelled series (prometheus-client's own ``_is_parent``): observe()
        # raises. A labelled child (``.labels(...)``, as the batch loop's) has its label
        # names too, and its values: it takes the path below.
        or (histogram._labelnames and not histogram._labelvalues)
    ):
        for amount in amounts:
            histogram.observe(amount)
        return
    if not amounts:
        return
    counts = [0] * len(bounds)
    for amount in amounts:
        if not math.isnan(amount):  # NaN lands in no bucket, as observe() leaves it
            counts[bisect_left(bounds, amount)] += 1
    if type(total) is MutexValue:
        # The amounts added one at a time, under one take of the lock: the very sum that
        # one observe() per amount makes (``sum(amounts)`` added at once rounds otherwise).
        with total._lock:
            value = total._value
            for amount in amounts:
                value += amount
            total._value = value
    else:
        for amount in amounts:
            total.inc(amount)
    for bucket, count in zip(buckets, counts, strict=True):
        if count:
            bucket.inc(count)
