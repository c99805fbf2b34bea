"""The Grafana dashboards of Xinfang, as code (grafana-foundation-sdk, Grafana 11.6 models).

    python deploy/grafana/generate.py           # rewrite deploy/grafana/dashboards/*.json
    python deploy/grafana/generate.py --check   # exit 1 if a committed file is stale

The JSON files are committed so that Grafana's file provisioning (and anyone without this
script) can load them; tests/ops checks that they equal this script's output and that every
query uses only metric names of the catalogue (services/common/metrics.py), the Faust
sensor's ``xinfang_faust_`` metrics or ``up``.

Faust's sensor measures latencies in milliseconds, the catalogue's histograms in seconds:
every Faust latency panel says "ms" in its title and unit.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from grafana_foundation_sdk.builders import dashboard as dash
from grafana_foundation_sdk.builders import prometheus, stat, timeseries
from grafana_foundation_sdk.builders.common import (
    ReduceDataOptions,
    StackingConfig,
    VizLegendOptions,
)
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models.common import (
    BigValueColorMode,
    BigValueGraphMode,
    LegendDisplayMode,
    LegendPlacement,
    StackingMode,
)
from grafana_foundation_sdk.models.dashboard import (
    DashboardCursorSync,
    DashboardLinkType,
    DataSourceRef,
    Threshold,
    ThresholdsMode,
)

DASHBOARDS_DIR: Final = Path(__file__).resolve().parent / "dashboards"
#: The data source the provisioning file declares (provisioning/datasources/prometheus.yml).
DATASOURCE: Final = DataSourceRef(type_val="prometheus", uid="xinfang-prometheus")
RATE: Final = "$__rate_interval"
#: The stream services; each is scraped as job ``xinfang-<service>``.
STREAM_SERVICES: Final = ("intake", "dedup", "escalation", "notification", "ledger")
QUANTILES: Final = (0.5, 0.95, 0.99)
TAG: Final = "xinfang"


@dataclass(frozen=True)
class Query:
    """One PromQL expression of a panel and the legend of its series."""

    expr: str
    legend: str = ""


@dataclass(frozen=True)
class PanelSpec:
    """A panel before layout: what it shows, in which unit, and how wide it is."""

    title: str
    description: str
    unit: str
    queries: tuple[Query, ...]
    kind: str = "timeseries"
    stacked: bool = False
    width: int = 12
    #: A 0/1 health value: red at 0, green at 1.
    health: bool = False


@dataclass(frozen=True)
class RowSpec:
    title: str
    panels: tuple[PanelSpec, ...]


@dataclass(frozen=True)
class DashboardSpec:
    uid: str
    title: str
    description: str
    rows: tuple[RowSpec, ...]


# --- query helpers ----------------------------------------------------------------------


def rate(metric: str, selector: str = "", by: str = "", per: int = 1) -> str:
    """``sum [by (...)] (rate(metric{selector}[$__rate_interval]))``, times ``per`` seconds."""
    grouping = f" by ({by})" if by else ""
    expr = f"sum{grouping} (rate({metric}{{{selector}}}[{RATE}]))"
    return f"{expr} * {per}" if per != 1 else expr


def or_zero(expr: str) -> str:
    """``expr``, or 0 while none of its series exists yet.

    For a metric whose label values are open (created when first used): without this, its
    panel shows "No data" on a healthy pipeline until the first event.
    """
    return f"{expr} or vector(0)"


def quantiles(metric: str, selector: str = "", by: str = "") -> tuple[Query, ...]:
    """p50, p95 and p99 of a histogram, optionally per label."""
    grouping = f"le, {by}" if by else "le"
    legend_prefix = f"{{{{{by}}}}} " if by else ""
    return tuple(
        Query(
            f"histogram_quantile({q}, sum by ({grouping}) "
            f"(rate({metric}_bucket{{{selector}}}[{RATE}])))",
            f"{legend_prefix}p{round(q * 100)}",
        )
        for q in QUANTILES
    )


def ts(
    title: str,
    description: str,
    unit: str,
    *queries: Query,
    stacked: bool = False,
    width: int = 12,
) -> PanelSpec:
    return PanelSpec(title, description, unit, queries, "timeseries", stacked, width)


def big(
    title: str,
    description: str,
    unit: str,
    *queries: Query,
    width: int = 6,
    health: bool = False,
) -> PanelSpec:
    return PanelSpec(title, description, unit, queries, "stat", width=width, health=health)


# --- dashboards -------------------------------------------------------------------------


def overview() -> DashboardSpec:
    """The pipeline at a glance: what came in, what dedup and escalation decided, what left."""
    up_stat = big(
        "Processes up",
        "Prometheus' scrape of each process: 1 when /metrics answers.",
        "none",
        Query('up{job=~"xinfang-.*"}', "{{job}}"),
        width=12,
        health=True,
    )
    ready_stat = big(
        "Services ready (xinfang_up)",
        "1 while the service runs and its consumer has partitions or is ready.",
        "none",
        Query("xinfang_up", "{{service}}"),
        width=12,
        health=True,
    )
    return DashboardSpec(
        uid="xinfang-overview",
        title="Xinfang / Overview",
        description="Petitions in, cases registered, dedup verdicts, escalations, deadlines "
        "and notifications across the pipeline.",
        rows=(
            RowSpec("Health", (up_stat, ready_stat)),
            RowSpec(
                "Intake",
                (
                    ts(
                        "Petitions received by channel (per minute)",
                        "Petitions taken off petitions.submitted, by the channel they came in.",
                        "short",
                        Query(
                            rate("xinfang_intake_petitions_received_total", by="channel", per=60),
                            "{{channel}}",
                        ),
                        stacked=True,
                        width=8,
                    ),
                    ts(
                        "Cases registered by field (per minute)",
                        "Valid petitions registered as cases, by field of the matter.",
                        "short",
                        Query(
                            rate("xinfang_intake_cases_registered_total", by="field", per=60),
                            "{{field}}",
                        ),
                        stacked=True,
                        width=8,
                    ),
                    ts(
                        "Rejected petitions by reason (per minute)",
                        "Petitions sent to petitions.rejected by intake.",
                        "short",
                        Query(
                            rate("xinfang_intake_rejected_total", by="reason", per=60), "{{reason}}"
                        ),
                        stacked=True,
                        width=8,
                    ),
                ),
            ),
            RowSpec(
                "Dedup",
                (
                    ts(
                        "Verdicts: new cases, repeats, joint and related matters (per minute)",
                        "dedup's verdict on every registered case.",
                        "short",
                        Query(
                            rate("xinfang_dedup_verdicts_total", by="verdict", per=60),
                            "{{verdict}}",
                        ),
                        stacked=True,
                        width=8,
                    ),
                    ts(
                        "Verdicts by reason (per minute)",
                        "The named reason behind each dedup verdict.",
                        "short",
                        Query(
                            rate("xinfang_dedup_verdicts_total", by="reason", per=60), "{{reason}}"
                        ),
                        stacked=True,
                        width=8,
                    ),
                    big(
                        "Collective matters in the time range",
                        "Matters that reached the collective threshold (5 distinct petitioners).",
                        "short",
                        Query("sum(increase(xinfang_dedup_collective_matters_total[$__range]))"),
                        width=8,
                    ),
                ),
            ),
            RowSpec(
                "Escalation and deadlines",
                (
                    ts(
                        "Escalations by reason (per hour)",
                        "Escalations published to a supervising level, by reason.",
                        "short",
                        Query(
                            rate("xinfang_escalations_total", by="reason", per=3600), "{{reason}}"
                        ),
                        stacked=True,
                        width=8,
                    ),
                    ts(
                        "Escalations by target level (per hour)",
                        "Escalations published, by the level they went to.",
                        "short",
                        Query(rate("xinfang_escalations_total", by="level", per=3600), "{{level}}"),
                        stacked=True,
                        width=8,
                    ),
                    ts(
                        "Open cases by state",
                        "Cases not yet closed, by lifecycle state.",
                        "short",
                        Query("sum by (state) (xinfang_escalation_open_cases)", "{{state}}"),
                        stacked=True,
                        width=8,
                    ),
                    ts(
                        "SLA warnings by step (per hour)",
                        "Cases that used most of a statutory time limit (Art. 22, 23, 34).",
                        "short",
                        Query(
                            or_zero(rate("xinfang_escalation_warnings_total", by="step", per=3600)),
                            "{{step}}",
                        ),
                        stacked=True,
                    ),
                    ts(
                        "SLA breaches by step (per hour)",
                        "Statutory deadlines missed; each one escalates the case.",
                        "short",
                        Query(
                            or_zero(rate("xinfang_escalation_breaches_total", by="step", per=3600)),
                            "{{step}}",
                        ),
                        stacked=True,
                    ),
                ),
            ),
            RowSpec(
                "Notification",
                (
                    ts(
                        "Notifications by outcome (per minute)",
                        "Receipts and escalation alerts: delivered, failed, suppressed, duplicate.",
                        "short",
                        Query(
                            rate("xinfang_notifications_total", by="outcome", per=60), "{{outcome}}"
                        ),
                        stacked=True,
                    ),
                    ts(
                        "Notifications sent to notifications.failed by reason (per hour)",
                        "no_contact and suppressed_accused are expected; the others need a look.",
                        "short",
                        Query(
                            rate("xinfang_notification_failures_total", by="reason", per=3600),
                            "{{reason}}",
                        ),
                        stacked=True,
                    ),
                ),
            ),
            RowSpec(
                "Pipeline",
                (
                    ts(
                        "Dead letters by service and reason (per minute)",
                        "Messages each service sent to petitions.rejected.",
                        "short",
                        Query(
                            rate("xinfang_messages_failed_total", by="service, reason", per=60),
                            "{{service}} {{reason}}",
                        ),
                        stacked=True,
                    ),
                    ts(
                        "Consumer lag by service (messages)",
                        "Messages not yet consumed, summed over the service's topics.",
                        "short",
                        Query("sum by (service) (xinfang_consumer_lag_messages)", "{{service}}"),
                    ),
                    ts(
                        "Processing latency p95 by service (s)",
                        "From taking a message off the stream to its outputs being acknowledged.",
                        "s",
                        Query(
                            "histogram_quantile(0.95, sum by (le, service) "
                            f"(rate(xinfang_processing_latency_seconds_bucket[{RATE}])))",
                            "{{service}}",
                        ),
                    ),
                    ts(
                        "Event age at each stage's output p95 (s)",
                        "From the petition's receipt (event time) to the stage's output.",
                        "s",
                        Query(
                            "histogram_quantile(0.95, sum by (le, service) "
                            f"(rate(xinfang_event_age_seconds_bucket[{RATE}])))",
                            "{{service}}",
                        ),
                    ),
                ),
            ),
        ),
    )


def _service_specific(service: str) -> RowSpec:
    if service == "intake":
        return RowSpec(
            "Intake",
            (
                ts(
                    "Petitions received by channel (per minute)",
                    "Petitions taken off petitions.submitted (unknown when unreadable).",
                    "short",
                    Query(
                        rate("xinfang_intake_petitions_received_total", by="channel", per=60),
                        "{{channel}}",
                    ),
                    stacked=True,
                ),
                ts(
                    "Cases registered by agency level (per minute)",
                    "Cases registered and routed, by the level of the competent agency.",
                    "short",
                    Query(
                        rate("xinfang_intake_cases_registered_total", by="level", per=60),
                        "{{level}}",
                    ),
                    stacked=True,
                ),
                ts(
                    "Rejected petitions and agency updates by reason (per minute)",
                    "Petitions and agency systems' updates sent to petitions.rejected.",
                    "short",
                    Query(rate("xinfang_intake_rejected_total", by="reason", per=60), "{{reason}}"),
                    stacked=True,
                ),
                ts(
                    "Submissions seen again (per minute)",
                    "Retries and redeliveries of a submission: one case, counted here.",
                    "short",
                    Query(rate("xinfang_intake_duplicate_submissions_total", per=60), "seen again"),
                ),
                ts(
                    "Agency updates relayed (per minute)",
                    "Agency systems' updates relayed from cases.updates.submitted to "
                    "cases.updates: masked when their text held personal data.",
                    "short",
                    Query(
                        rate("xinfang_intake_agency_updates_total", by="text", per=60), "{{text}}"
                    ),
                    stacked=True,
                ),
            ),
        )
    if service == "dedup":
        return RowSpec(
            "Dedup",
            (
                ts(
                    "Verdicts by kind and reason (per minute)",
                    "New cases, repeats, joint and related matters, with their reasons.",
                    "short",
                    Query(
                        rate("xinfang_dedup_verdicts_total", by="verdict, reason", per=60),
                        "{{verdict}} ({{reason}})",
                    ),
                    stacked=True,
                ),
                ts(
                    "Index lookup latency (s)",
                    "Time to match one case against the index.",
                    "s",
                    *quantiles("xinfang_dedup_lookup_seconds"),
                ),
                ts(
                    "Cases in the matching index",
                    "Cases held in each worker's index.",
                    "short",
                    Query(
                        'sum by (instance) (xinfang_dedup_index_cases{job="xinfang-dedup"})',
                        "{{instance}}",
                    ),
                    width=8,
                ),
                ts(
                    "Matter size at verdict (petitions)",
                    "Size of the matter a case was linked to.",
                    "short",
                    *quantiles("xinfang_dedup_matter_size_petitions"),
                    width=8,
                ),
                ts(
                    "Collective matters (per hour)",
                    "Matters that reached 5 distinct petitioners.",
                    "short",
                    Query(rate("xinfang_dedup_collective_matters_total", per=3600), "collective"),
                    width=8,
                ),
            ),
        )
    if service == "escalation":
        return RowSpec(
            "Cases and deadlines",
            (
                ts(
                    "Open cases by state",
                    "Cases not yet closed, by lifecycle state.",
                    "short",
                    Query("sum by (state) (xinfang_escalation_open_cases)", "{{state}}"),
                    stacked=True,
                ),
                ts(
                    "Open cases by agency level",
                    "Cases not yet closed, by the level of the agency holding them.",
                    "short",
                    Query("sum by (level) (xinfang_escalation_open_cases)", "{{level}}"),
                    stacked=True,
                ),
                ts(
                    "Time from receipt to acceptance (s)",
                    "Event time; the statutory limit is 15 days (Art. 23).",
                    "s",
                    *quantiles("xinfang_escalation_time_to_acceptance_seconds"),
                ),
                ts(
                    "Time from acceptance to reply (s)",
                    "Event time; the statutory limit is 60 days (Art. 34).",
                    "s",
                    *quantiles("xinfang_escalation_time_to_reply_seconds"),
                ),
                ts(
                    "Deadline warnings and breaches by step (per hour)",
                    "Warnings when a share of the limit is used; breaches when it has passed.",
                    "short",
                    Query(
                        or_zero(rate("xinfang_escalation_warnings_total", by="step", per=3600)),
                        "warning {{step}}",
                    ),
                    Query(
                        or_zero(rate("xinfang_escalation_breaches_total", by="step", per=3600)),
                        "breach {{step}}",
                    ),
                ),
                ts(
                    "Escalations by reason and target level (per hour)",
                    "Escalations published to cases.escalated.",
                    "short",
                    Query(
                        rate("xinfang_escalations_total", by="reason, level", per=3600),
                        "{{reason}} → {{level}}",
                    ),
                    stacked=True,
                ),
            ),
        )
    if service == "ledger":
        return RowSpec(
            "Ledgers and hotspots",
            (
                ts(
                    "New hotspots by kind (per hour)",
                    "Matters and places rising well above their own baseline, first detected "
                    "(hotspots.detected has each with its evidence).",
                    "short",
                    Query(
                        rate("xinfang_hotspots_detected_total", by="kind", per=3600), "{{kind}}"
                    ),
                    stacked=True,
                ),
                ts(
                    "Hotspots growing by kind (per hour)",
                    "Hotspots already detected that gained petitions and were republished.",
                    "short",
                    Query(
                        rate("xinfang_hotspot_updates_total", by="kind", per=3600), "{{kind}}"
                    ),
                    stacked=True,
                ),
                ts(
                    "Ledger row changes (per minute)",
                    "Applied, or skipped because the row had it already (a redelivery).",
                    "short",
                    Query(
                        rate("xinfang_ledger_row_changes_total", by="outcome", per=60),
                        "{{outcome}}",
                    ),
                ),
            ),
        )
    return RowSpec(
        "Notification",
        (
            ts(
                "Notifications by channel and outcome (per minute)",
                "Receipts and escalation alerts by channel and what became of them.",
                "short",
                Query(
                    rate("xinfang_notifications_total", by="channel, outcome", per=60),
                    "{{channel}} {{outcome}}",
                ),
                stacked=True,
            ),
            ts(
                "Delivery time by channel, retries included (s)",
                "Time to deliver one notification.",
                "s",
                *quantiles("xinfang_notification_delivery_seconds", by="channel"),
            ),
            ts(
                "Retried delivery attempts by channel (per minute)",
                "Attempts retried after a retryable failure.",
                "short",
                Query(
                    rate("xinfang_notification_retries_total", by="channel", per=60),
                    "{{channel}}",
                ),
            ),
            ts(
                "Notifications sent to notifications.failed by reason (per hour)",
                "no_contact and suppressed_accused are expected; the others need a look.",
                "short",
                Query(
                    rate("xinfang_notification_failures_total", by="reason", per=3600),
                    "{{reason}}",
                ),
                stacked=True,
            ),
        ),
    )


def stream_service(service: str) -> DashboardSpec:
    """One stream service: health, throughput, latency, lag, errors, and its own metrics."""
    own = f'service="{service}"'
    job = f'job="xinfang-{service}"'
    return DashboardSpec(
        uid=f"xinfang-{service}",
        title=f"Xinfang / {service}",
        description=f"The {service} service: throughput, latency, consumer lag and errors.",
        rows=(
            RowSpec(
                "Health",
                (
                    big(
                        "Scraped",
                        "1 when /metrics answers.",
                        "none",
                        Query(f"up{{{job}}}", "{{instance}}"),
                        health=True,
                    ),
                    big(
                        "Ready",
                        "xinfang_up: 1 while the consumer is ready.",
                        "none",
                        Query(f"xinfang_up{{{own}}}", "{{instance}}"),
                        health=True,
                    ),
                    big(
                        "Processing errors in a row",
                        "The service stops itself at max_consecutive_failures (default 100).",
                        "none",
                        Query(f"max(xinfang_consecutive_failures{{{own}}})"),
                    ),
                    big(
                        "Faust rebalances",
                        "Rebalances of this worker since it started (Faust sensor).",
                        "none",
                        Query(f"sum(xinfang_faust_total_rebalances{{{job}}})"),
                    ),
                ),
            ),
            RowSpec(
                "Throughput",
                (
                    ts(
                        "Messages received and what became of them (per second)",
                        "Consumed messages: processed, dead-lettered or skipped as redelivered.",
                        "ops",
                        Query(rate("xinfang_messages_received_total", own), "received"),
                        Query(
                            rate("xinfang_messages_processed_total", own, by="outcome"),
                            "{{outcome}}",
                        ),
                    ),
                    ts(
                        "Faust: messages received and sent per topic (per second)",
                        "From Faust's sensor; includes changelog and repartition topics.",
                        "ops",
                        Query(
                            rate(
                                "xinfang_faust_messages_received_per_topic_total", job, by="topic"
                            ),
                            "in {{topic}}",
                        ),
                        Query(
                            rate("xinfang_faust_topic_messages_sent_total", job, by="topic"),
                            "out {{topic}}",
                        ),
                    ),
                ),
            ),
            RowSpec(
                "Latency",
                (
                    ts(
                        "Processing latency (s)",
                        "From taking a message off the stream to its outputs being acknowledged.",
                        "s",
                        *quantiles("xinfang_processing_latency_seconds", own),
                        width=8,
                    ),
                    ts(
                        "Faust event runtime (ms)",
                        "Faust's sensor, in milliseconds: time an event spent in the agent.",
                        "ms",
                        *quantiles("xinfang_faust_events_runtime_ms", job),
                        width=8,
                    ),
                    ts(
                        "Faust commit and producer send latency p95 (ms)",
                        "Faust's sensor, in milliseconds.",
                        "ms",
                        Query(
                            "histogram_quantile(0.95, sum by (le) "
                            f"(rate(xinfang_faust_consumer_commit_latency_bucket{{{job}}}[{RATE}])))",
                            "commit p95",
                        ),
                        Query(
                            "histogram_quantile(0.95, sum by (le) "
                            f"(rate(xinfang_faust_producer_send_latency_bucket{{{job}}}[{RATE}])))",
                            "send p95",
                        ),
                        width=8,
                    ),
                    ts(
                        "Event age at this stage's output (s)",
                        "From the petition's receipt (event time) to this stage's output.",
                        "s",
                        *quantiles("xinfang_event_age_seconds", own),
                        width=24,
                    ),
                ),
            ),
            RowSpec(
                "Lag",
                (
                    ts(
                        "Consumer lag by topic (messages)",
                        "Messages not yet consumed by this service's consumer group.",
                        "short",
                        Query(
                            f"sum by (topic) (xinfang_consumer_lag_messages{{{own}}})", "{{topic}}"
                        ),
                    ),
                    ts(
                        "Faust: end offset minus committed offset by topic (messages)",
                        "From Faust's sensor, for the partitions this worker holds.",
                        "short",
                        Query(
                            f"sum by (topic) (xinfang_faust_topic_partition_end_offset{{{job}}} "
                            f"- xinfang_faust_topic_partition_offset_commited{{{job}}})",
                            "{{topic}}",
                        ),
                    ),
                ),
            ),
            RowSpec(
                "Errors",
                (
                    ts(
                        "Dead letters by reason (per minute)",
                        "Messages sent to petitions.rejected, by reason.",
                        "short",
                        Query(
                            rate("xinfang_messages_failed_total", own, by="reason", per=60),
                            "{{reason}}",
                        ),
                        stacked=True,
                    ),
                    ts(
                        "Faust: failed sends (per second)",
                        "Producer sends that failed, from Faust's sensor.",
                        "ops",
                        Query(
                            rate("xinfang_faust_total_error_messages_sent_total", job),
                            "failed sends",
                        ),
                    ),
                ),
            ),
            _service_specific(service),
        ),
    )


def gateway() -> DashboardSpec:
    """The HTTP gateway: requests by endpoint and status, and the share of 5xx answers."""
    job = 'job="xinfang-gateway"'
    return DashboardSpec(
        uid="xinfang-gateway",
        title="Xinfang / gateway",
        description="The HTTP gateway that publishes submissions to petitions.submitted.",
        rows=(
            RowSpec(
                "Gateway",
                (
                    big(
                        "Scraped",
                        "1 when /metrics answers.",
                        "none",
                        Query(f"up{{{job}}}", "{{instance}}"),
                        health=True,
                    ),
                    big(
                        "5xx share",
                        "Share of requests answered 5xx in the time range.",
                        "percentunit",
                        # No 5xx at all is a share of 0, not "No data".
                        Query(
                            "(sum(rate(xinfang_gateway_requests_total"
                            '{status=~"5.."}[$__range])) or vector(0)) '
                            "/ sum(rate(xinfang_gateway_requests_total[$__range]))"
                        ),
                    ),
                    ts(
                        "Requests by status (per second)",
                        "HTTP requests by status code.",
                        "reqps",
                        Query(rate("xinfang_gateway_requests_total", by="status"), "{{status}}"),
                        stacked=True,
                    ),
                    ts(
                        "Requests by endpoint (per second)",
                        "HTTP requests by endpoint.",
                        "reqps",
                        Query(
                            rate("xinfang_gateway_requests_total", by="endpoint"), "{{endpoint}}"
                        ),
                        stacked=True,
                        width=24,
                    ),
                    ts(
                        "Request latency p95 by endpoint (s)",
                        "Time to answer one request; submissions include the broker's ack.",
                        "s",
                        Query(
                            "histogram_quantile(0.95, sum by (le, endpoint) "
                            f"(rate(xinfang_gateway_request_seconds_bucket{{{job}}}[{RATE}])))",
                            "{{endpoint}}",
                        ),
                    ),
                    ts(
                        "Broker acknowledgement of a submission (s)",
                        "From sending a petition to the broker's ack (acks=all).",
                        "s",
                        *quantiles("xinfang_gateway_broker_ack_seconds", job),
                    ),
                ),
            ),
        ),
    )


def specs() -> tuple[DashboardSpec, ...]:
    return (overview(), *(stream_service(s) for s in STREAM_SERVICES), gateway())


# --- building ---------------------------------------------------------------------------


def _thresholds(health: bool) -> dash.ThresholdsConfig:
    steps = (
        [Threshold(value=None, color="red"), Threshold(value=1, color="green")]
        if health
        else [Threshold(value=None, color="green")]
    )
    return dash.ThresholdsConfig().mode(ThresholdsMode.ABSOLUTE).steps(steps)


def _targets(panel: PanelSpec) -> Iterator[prometheus.Dataquery]:
    for ref, query in zip("ABCDEFGH", panel.queries, strict=False):
        yield (
            prometheus.Dataquery()
            .expr(query.expr)
            .legend_format(query.legend or "__auto")
            .ref_id(ref)
            .datasource(DATASOURCE)
        )


def _panel(panel: PanelSpec, panel_id: int) -> timeseries.Panel | stat.Panel:
    built: timeseries.Panel | stat.Panel
    if panel.kind == "stat":
        built = (
            stat.Panel()
            .height(4)
            .color_mode(BigValueColorMode.BACKGROUND if panel.health else BigValueColorMode.VALUE)
            .graph_mode(BigValueGraphMode.NONE)
            .reduce_options(ReduceDataOptions().calcs(["lastNotNull"]).values(False))
            .thresholds(_thresholds(panel.health))
        )
    else:
        built = (
            timeseries.Panel()
            .height(8)
            .fill_opacity(20 if panel.stacked else 0)
            .stacking(
                StackingConfig().mode(StackingMode.NORMAL if panel.stacked else StackingMode.NONE)
            )
            .legend(
                VizLegendOptions()
                .display_mode(LegendDisplayMode.LIST)
                .placement(LegendPlacement.BOTTOM)
                .show_legend(True)
            )
        )
    built = built.id(panel_id).title(panel.title).description(panel.description).unit(panel.unit)
    built = built.span(panel.width).datasource(DATASOURCE)
    for target in _targets(panel):
        built = built.with_target(target)
    return built


def build(spec: DashboardSpec) -> dict[str, object]:
    """The dashboard's JSON model."""
    ids = itertools.count(1)
    builder = (
        dash.Dashboard(spec.title)
        .uid(spec.uid)
        .description(spec.description)
        .tags([TAG])
        .editable()
        .time("now-6h", "now")
        .refresh("30s")
        .timezone("browser")
        .tooltip(DashboardCursorSync.CROSSHAIR)
        .link(
            dash.DashboardLink("Xinfang dashboards")
            .type(DashboardLinkType.DASHBOARDS)
            .tags([TAG])
            .as_dropdown(True)
            .include_vars(False)
            .keep_time(True)
        )
    )
    for row in spec.rows:
        builder = builder.with_row(dash.Row(row.title).id(next(ids)))
        for panel in row.panels:
            builder = builder.with_panel(_panel(panel, next(ids)))
    encoded: dict[str, object] = json.loads(JSONEncoder().encode(builder.build()))
    return encoded


def render(spec: DashboardSpec) -> str:
    """The committed text of a dashboard: stable key order, UTF-8, trailing newline."""
    return json.dumps(build(spec), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def rendered() -> dict[str, str]:
    """File name to content, for every dashboard."""
    return {f"{spec.uid}.json": render(spec) for spec in specs()}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="fail if a committed file is stale")
    args = parser.parse_args(argv)
    wanted = rendered()
    if args.check:
        present = {path.name for path in DASHBOARDS_DIR.glob("*.json")}
        stale = sorted(
            name
            for name, text in wanted.items()
            if not (DASHBOARDS_DIR / name).exists()
            or (DASHBOARDS_DIR / name).read_text(encoding="utf-8") != text
        )
        extra = sorted(present - wanted.keys())
        for name in stale:
            print(f"stale: {DASHBOARDS_DIR / name}", file=sys.stderr)
        for name in extra:
            print(f"not generated: {DASHBOARDS_DIR / name}", file=sys.stderr)
        return 1 if stale or extra else 0
    DASHBOARDS_DIR.mkdir(exist_ok=True)
    for name, text in wanted.items():
        (DASHBOARDS_DIR / name).write_text(text, encoding="utf-8")
    for path in DASHBOARDS_DIR.glob("*.json"):
        if path.name not in wanted:
            path.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
