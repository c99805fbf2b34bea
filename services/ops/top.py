"""`xinfang top`: a live view of the running pipeline from its processes' /metrics and /health.

Three steps, the first and last pure:

1. :func:`snapshot` turns what one process answered (its Prometheus text exposition and its
   health document, or the error that stopped the scrape) into a :class:`Snapshot`.
2. :func:`stage_rates` compares two snapshots of one process: counters per second.
3. :func:`render` turns the previous and the current snapshots into rich tables.

:func:`scrape` and :func:`scrape_all` do the HTTP; a process that does not answer is shown
as DOWN, never an error: `top` is what an operator runs when something is wrong.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Final

import httpx
from prometheus_client.parser import text_string_to_metric_families
from rich.console import Group
from rich.table import Table
from rich.text import Text

#: The processes and web ports of a local deployment (each service's default web_port).
DEFAULT_TARGETS: Final[Mapping[str, str]] = {
    "intake": "http://127.0.0.1:6066",
    "dedup": "http://127.0.0.1:6067",
    "escalation": "http://127.0.0.1:6068",
    "notification": "http://127.0.0.1:6069",
    "ledger": "http://127.0.0.1:6070",
    "gateway": "http://127.0.0.1:8080",
}
SCRAPE_TIMEOUT_SECONDS: Final = 3.0
DOWN: Final = "DOWN"

Labels = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Target:
    """A process to watch: the name it is shown under and its base URL."""

    name: str
    url: str


def parse_target(text: str) -> Target:
    """``name=URL`` (``name=host:port`` means http) as given to ``--target``."""
    name, sep, url = text.partition("=")
    name, url = name.strip(), url.strip().rstrip("/")
    if not sep or not name or not url:
        raise ValueError(f"{text!r}: expected name=URL, e.g. intake=http://127.0.0.1:6066")
    if "://" not in url:
        url = f"http://{url}"
    return Target(name, url)


def default_targets() -> list[Target]:
    return [Target(name, url) for name, url in DEFAULT_TARGETS.items()]


@dataclass(frozen=True)
class Snapshot:
    """What one process answered at one moment.

    ``samples`` maps a sample name (``xinfang_messages_received_total``, with the suffix the
    exposition gives it) to the value of each label set. ``error`` is set when /metrics did
    not answer or could not be read: the process is DOWN and has no samples.
    """

    target: Target
    taken_at: float
    health: str
    samples: Mapping[str, Mapping[Labels, float]] = field(default_factory=dict)
    error: str = ""

    @property
    def down(self) -> bool:
        return bool(self.error)

    def total(self, name: str, where: Callable[[dict[str, str]], bool] | None = None) -> float:
        """The sum of a sample's values over the label sets ``where`` accepts (all by default)."""
        return sum(
            value
            for labels, value in self.samples.get(name, {}).items()
            if where is None or where(dict(labels))
        )

    def by(self, name: str, label: str) -> dict[str, float]:
        """A sample's values summed by one label."""
        summed: dict[str, float] = {}
        for labels, value in self.samples.get(name, {}).items():
            key = dict(labels).get(label, "")
            summed[key] = summed.get(key, 0.0) + value
        return summed


def parse_exposition(text: str) -> dict[str, dict[Labels, float]]:
    """Every sample of a Prometheus text exposition, by sample name and label set."""
    samples: dict[str, dict[Labels, float]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = tuple(sorted(sample.labels.items()))
            samples.setdefault(sample.name, {})[labels] = float(sample.value)
    return samples


def snapshot(
    target: Target,
    taken_at: float,
    *,
    metrics_text: str | None,
    health: str,
    error: str = "",
) -> Snapshot:
    """A snapshot from what the process answered; an unreadable exposition makes it DOWN."""
    if error or metrics_text is None:
        return Snapshot(target, taken_at, DOWN, error=error or "no metrics")
    try:
        samples = parse_exposition(metrics_text)
    except ValueError as exc:
        return Snapshot(target, taken_at, DOWN, error=f"unreadable /metrics: {exc}")
    return Snapshot(target, taken_at, health, samples)


# --- what the view shows ------------------------------------------------------------------

RECEIVED: Final = "xinfang_messages_received_total"
OUTCOMES: Final = "xinfang_messages_processed_total"
DEAD_LETTERS: Final = "xinfang_messages_failed_total"
LAG: Final = "xinfang_consumer_lag_messages"
ESCALATIONS: Final = "xinfang_escalations_total"
NOTIFICATIONS: Final = "xinfang_notifications_total"
GATEWAY_REQUESTS: Final = "xinfang_gateway_requests_total"


def _is_5xx(labels: dict[str, str]) -> bool:
    return labels.get("status", "").startswith("5")


@dataclass(frozen=True)
class Throughput:
    """Counters of one process: taken in, handled, failed (dead-lettered, or answered 5xx).

    A stream service takes messages off its topics; the gateway answers HTTP requests.
    """

    received: float
    processed: float
    failed: float

    @classmethod
    def of(cls, snap: Snapshot) -> Throughput:
        def outcome(name: str) -> float:
            return snap.total(OUTCOMES, lambda labels: labels.get("outcome") == name)

        return cls(
            received=snap.total(RECEIVED) + snap.total(GATEWAY_REQUESTS),
            processed=outcome("processed")
            + snap.total(GATEWAY_REQUESTS, lambda labels: not _is_5xx(labels)),
            failed=outcome("dead_lettered") + snap.total(GATEWAY_REQUESTS, _is_5xx),
        )


def increase(before: float, after: float) -> float:
    """A counter's increase; a smaller value means the process restarted from zero."""
    return after if after < before else after - before


@dataclass(frozen=True)
class Rates:
    """Per second between two snapshots of one process."""

    received: float
    processed: float
    failed: float


def stage_rates(before: Snapshot, after: Snapshot) -> Rates | None:
    """Counters per second between two scrapes; None when either was DOWN or no time passed."""
    seconds = after.taken_at - before.taken_at
    if before.down or after.down or seconds <= 0:
        return None
    first, second = Throughput.of(before), Throughput.of(after)
    return Rates(
        received=increase(first.received, second.received) / seconds,
        processed=increase(first.processed, second.processed) / seconds,
        failed=increase(first.failed, second.failed) / seconds,
    )


def counts_by(snapshots: Iterable[Snapshot], name: str, label: str) -> dict[str, float]:
    """A counter summed by ``label`` over every process that is up."""
    summed: dict[str, float] = {}
    for snap in snapshots:
        for key, value in snap.by(name, label).items():
            summed[key] = summed.get(key, 0.0) + value
    return summed


def rates_by(
    before: Sequence[Snapshot], after: Sequence[Snapshot], name: str, label: str
) -> dict[str, float | None]:
    """A counter's rate per second by ``label``, process by process, then summed."""
    previous = {snap.target: snap for snap in before}
    rates: dict[str, float | None] = {}
    for snap in after:
        earlier = previous.get(snap.target)
        seconds = snap.taken_at - earlier.taken_at if earlier is not None else 0.0
        if earlier is None or earlier.down or snap.down or seconds <= 0:
            for key in snap.by(name, label):
                rates.setdefault(key, None)
            continue
        old = earlier.by(name, label)
        for key, value in snap.by(name, label).items():
            rate = increase(old.get(key, 0.0), value) / seconds
            known = rates.get(key)
            rates[key] = rate + (known or 0.0)
    return rates


# --- rendering ------------------------------------------------------------------------------


def _number(value: float | None, digits: int = 0) -> str:
    if value is None:
        return "–"
    return f"{value:,.{digits}f}"


def _health(snap: Snapshot) -> Text:
    if snap.down:
        return Text(DOWN, style="bold red")
    return Text(snap.health, style="green" if snap.health == "ok" else "yellow")


def stages_table(before: Sequence[Snapshot], after: Sequence[Snapshot]) -> Table:
    """One row per process: health, throughput per second, totals and consumer lag."""
    previous = {snap.target: snap for snap in before}
    table = Table(title="Processes", title_justify="left", expand=True)
    table.add_column("process")
    table.add_column("health")
    for column in ("in/s", "done/s", "failed/s", "in", "done", "failed", "lag"):
        table.add_column(column, justify="right")
    for snap in after:
        earlier = previous.get(snap.target)
        rates = stage_rates(earlier, snap) if earlier is not None else None
        if snap.down:
            table.add_row(snap.target.name, _health(snap), *["–"] * 7, style="red")
            continue
        totals = Throughput.of(snap)
        table.add_row(
            snap.target.name,
            _health(snap),
            _number(rates.received if rates else None, 1),
            _number(rates.processed if rates else None, 1),
            _number(rates.failed if rates else None, 1),
            _number(totals.received),
            _number(totals.processed),
            _number(totals.failed),
            _number(snap.total(LAG)) if LAG in snap.samples else "–",
        )
    return table


def _counter_table(
    title: str,
    label: str,
    before: Sequence[Snapshot],
    after: Sequence[Snapshot],
    name: str,
) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column(label)
    table.add_column("total", justify="right")
    table.add_column("/s", justify="right")
    totals = counts_by(after, name, label)
    rates = rates_by(before, after, name, label)
    for key in sorted(totals, key=lambda k: (-totals[k], k)):
        table.add_row(key, _number(totals[key]), _number(rates.get(key), 2))
    if not totals:
        table.add_row(Text("no process reports it", style="dim"), "", "")
    return table


def dead_letters_table(after: Sequence[Snapshot]) -> Table:
    """Dead letters by process and reason, the reasons that happened only."""
    table = Table(title="Dead letters", title_justify="left")
    for column in ("process", "reason"):
        table.add_column(column)
    table.add_column("total", justify="right")
    for snap in after:
        for reason, count in sorted(snap.by(DEAD_LETTERS, "reason").items()):
            if count:
                table.add_row(snap.target.name, reason, _number(count))
    if not table.row_count:
        table.add_row(Text("none", style="dim"), "", "")
    return table


def lag_table(after: Sequence[Snapshot]) -> Table:
    """Consumer lag by process and topic."""
    table = Table(title="Consumer lag", title_justify="left")
    for column in ("process", "topic"):
        table.add_column(column)
    table.add_column("messages", justify="right")
    for snap in after:
        for topic, lag in sorted(snap.by(LAG, "topic").items()):
            table.add_row(snap.target.name, topic, _number(lag))
    if not table.row_count:
        table.add_row(Text("not reported yet", style="dim"), "", "")
    return table


def render(before: Sequence[Snapshot], after: Sequence[Snapshot]) -> Group:
    """The whole view: processes, lag, dead letters, escalations and notifications."""
    down = [snap for snap in after if snap.down]
    header = Text(f"xinfang top  {time.strftime('%H:%M:%S')}  ", style="bold")
    header.append(f"{len(after) - len(down)}/{len(after)} processes answering")
    for snap in down:
        header.append(f"\n{snap.target.name} ({snap.target.url}): {DOWN}: {snap.error}", "red")
    return Group(
        header,
        stages_table(before, after),
        lag_table(after),
        dead_letters_table(after),
        _counter_table("Escalations", "reason", before, after, ESCALATIONS),
        _counter_table("Notifications", "outcome", before, after, NOTIFICATIONS),
    )


# --- scraping ---------------------------------------------------------------------------------


def _health_status(client: httpx.Client, target: Target) -> str:
    """The status word of /health (it answers 503 while starting), or DOWN."""
    try:
        response = client.get(f"{target.url}/health")
    except httpx.HTTPError:
        return DOWN
    try:
        status = response.json().get("status")
    except (ValueError, AttributeError):
        status = None
    if isinstance(status, str) and status:
        return status
    return "ok" if response.status_code == 200 else f"HTTP {response.status_code}"


def scrape(client: httpx.Client, target: Target) -> Snapshot:
    """Read one process's /metrics and /health; any failure yields a DOWN snapshot."""
    taken_at = time.monotonic()
    try:
        response = client.get(f"{target.url}/metrics")
        response.raise_for_status()
    except httpx.HTTPError as exc:
        return snapshot(target, taken_at, metrics_text=None, health=DOWN, error=_reason(exc))
    return snapshot(
        target, taken_at, metrics_text=response.text, health=_health_status(client, target)
    )


def _reason(exc: httpx.HTTPError) -> str:
    if isinstance(exc, httpx.HTTPStatusError):
        return f"/metrics answered {exc.response.status_code}"
    if isinstance(exc, httpx.TimeoutException):
        return "timed out"
    if isinstance(exc, httpx.ConnectError):
        return "connection refused"
    return type(exc).__name__


def scrape_all(client: httpx.Client, targets: Sequence[Target]) -> list[Snapshot]:
    """Every target at once (a slow one does not delay the others), in the given order."""
    with ThreadPoolExecutor(max_workers=max(1, len(targets))) as pool:
        return list(pool.map(lambda target: scrape(client, target), targets))


def http_client() -> httpx.Client:
    return httpx.Client(timeout=SCRAPE_TIMEOUT_SECONDS, trust_env=False)
