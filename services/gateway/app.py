"""The gateway's ASGI app and its entry point (`xinfang run gateway`).

Wiring only: routes from :mod:`services.gateway.routes`, handlers from
:mod:`services.gateway.endpoints`, the producer and the status feed started and stopped
with the app. uvicorn turns SIGTERM into a graceful stop: requests in flight finish, then
the producer flushes and closes.
"""

from __future__ import annotations

import logging
import signal
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import attrgetter
from typing import Any, Final

import uvicorn
from prometheus_client import CollectorRegistry, Counter
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.common.logs import logging_config
from services.common.metrics import Metrics
from services.common.regions import default_table
from services.common.settings import load_settings
from services.gateway import openapi
from services.gateway.attempts import QueryAttempts
from services.gateway.bodies import BodyDeadline, FramingCheck
from services.gateway.casework import Casework
from services.gateway.desk import CaseDesk
from services.gateway.endpoints import Gateway, open311_error, open311_format
from services.gateway.geocode import Geocoder
from services.gateway.heads import head_deadline_protocol
from services.gateway.kafka import Publisher, StatusFeed
from services.gateway.open311 import Open311Problem
from services.gateway.routes import OPERATIONS
from services.gateway.settings import GatewaySettings
from services.gateway.status import SOURCES, StatusView

log = logging.getLogger(__name__)

SERVICE: Final = "gateway"
#: The endpoint label of a path that matches no route (a scan must not create series).
UNMATCHED: Final = "unmatched"
#: The status counted for a request whose client disconnected before its body arrived
#: (nginx's "client closed request"; never sent, since nobody is there to read it).
CLIENT_CLOSED_REQUEST: Final = 499


@dataclass(frozen=True)
class Built:
    """The app and what tests may look at."""

    app: Starlette
    gateway: Gateway


def build(
    settings: GatewaySettings,
    *,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    registry: CollectorRegistry | None = None,
) -> Built:
    """The gateway for ``settings``: its own metrics registry, view, producer and feed."""
    registry = registry or CollectorRegistry()
    metrics = Metrics(registry)
    metrics.initialise(SERVICE)
    casework = Casework(settings.escalation_rules(), settings.escalation_calendar())
    view = StatusView(settings.case_id_key_bytes(), casework, clock)
    metrics.gauge("xinfang_gateway_status_view_cases").set_function(lambda: len(view))
    publisher = Publisher(
        settings.bootstrap_servers,
        settings.topic_prefix,
        settings.ack_timeout_seconds,
        on_ack=metrics.histogram("xinfang_gateway_broker_ack_seconds").observe,
    )
    skipped = status_feed_skipped(registry)
    feed = StatusFeed(
        settings.bootstrap_servers,
        settings.topic_prefix,
        view,
        on_skip=lambda topic: skipped.labels(topic=topic).inc(),
    )
    geocoder = Geocoder(
        default_table(),
        settings.place_regions,
        settings.default_region_code,
        settings.county_boundaries(),
    )
    refusals = metrics.counter("xinfang_gateway_query_code_refusals_total")
    desk = CaseDesk(
        view,
        feed,
        publisher,
        QueryAttempts(settings.attempt_limits()),
        settings.query_key_bytes(),
        clock,
        on_refusal=lambda reason: refusals.labels(reason=reason).inc(),
    )
    gateway = Gateway(
        settings,
        view=view,
        publisher=publisher,
        feed=feed,
        geocoder=geocoder,
        registry=registry,
        openapi=openapi.document,
        clock=clock,
        desk=desk,
    )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        publisher.start()
        feed.start()
        log.info("gateway started", extra={"host": settings.web_host, "port": settings.web_port})
        try:
            yield
        finally:
            await feed.stop()
            await publisher.stop()
            log.info("gateway stopped: producer flushed and closed")

    routes = _routes(gateway)
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={Open311Problem: _open311_problem},
    )
    requests = metrics.counter("xinfang_gateway_requests_total")
    latency = metrics.histogram("xinfang_gateway_request_seconds")

    def count(endpoint: str, status: int, seconds: float) -> None:
        requests.labels(endpoint=endpoint, status=str(status)).inc()
        latency.labels(endpoint=endpoint).observe(seconds)

    app.add_middleware(BodyDeadline, seconds=settings.body_timeout_seconds)
    app.add_middleware(FramingCheck)
    # Outermost: a 408 is counted and logged like any other answer.
    app.add_middleware(_Counted, count=count)
    return Built(app=app, gateway=gateway)


#: Not in the catalogue (``services/common/metrics.py``), which the gateway does not own:
#: registered here, every topic's series at zero, until the catalogue lists it.
STATUS_FEED_SKIPPED: Final = "xinfang_gateway_status_feed_skipped_total"


def status_feed_skipped(registry: CollectorRegistry) -> Counter:
    """The count of records the status feed skipped, by topic (unprefixed name): records
    the view could not read or fold (each is logged once with its partition and offset)."""
    counter = Counter(
        STATUS_FEED_SKIPPED.removesuffix("_total"),
        "Records of the status view's topics the gateway skipped, unreadable or not "
        "foldable (logged with topic, partition and offset), by topic.",
        ["topic"],
        registry=registry,
    )
    for spec in SOURCES:
        counter.labels(topic=spec.name)
    return counter


def _routes(gateway: Gateway) -> list[Route]:
    """One route per path, whatever its methods: a 405 then lists every method of the path
    in ``Allow`` (one route per operation would list only the first one's)."""
    by_path: dict[str, dict[str, Callable[[Request], Awaitable[Response]]]] = {}
    for op in OPERATIONS:
        # "petitioner.rate": a handler of one of the gateway's parts.
        by_path.setdefault(op.path, {})[op.method] = attrgetter(op.handler)(gateway)
    routes = []
    for path, handlers in by_path.items():
        if len(handlers) == 1:
            [(method, handler)] = handlers.items()
            routes.append(Route(path, handler, methods=[method]))
            continue

        async def dispatch(
            request: Request,
            handlers: dict[str, Callable[[Request], Awaitable[Response]]] = handlers,
        ) -> Response:
            # HEAD is served by GET, as Starlette does for a route with GET.
            method = "GET" if request.method == "HEAD" else request.method
            return await handlers[method](request)

        routes.append(Route(path, dispatch, methods=list(handlers)))
    return routes


async def _open311_problem(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Open311Problem)
    return open311_error(exc, open311_format(request) or "json")


class _Counted:
    """Counts every request by route template and status, and logs it (JSON lines)."""

    def __init__(self, app: ASGIApp, count: Callable[[str, int, float], None]) -> None:
        self.app = app
        self.count = count

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def remember_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, remember_status)
        except ClientDisconnect:
            # The client left before its body was in: nobody to answer, nothing accepted
            # or published. Counted as nginx's 499, not as a 500 with a traceback.
            status = CLIENT_CLOSED_REQUEST
        finally:
            route = scope.get("route")
            endpoint = getattr(route, "path", UNMATCHED) if route is not None else UNMATCHED
            seconds = time.perf_counter() - started
            self.count(endpoint, status, seconds)
            log.info(
                "request",
                extra={"method": scope["method"], "endpoint": endpoint, "status": status,
                       "seconds": round(seconds, 4)},
            )  # fmt: skip


def serve() -> None:
    """Run the gateway until SIGTERM (settings from XINFANG_GATEWAY_* and XINFANG_*)."""
    settings = load_settings(GatewaySettings)
    built = build(settings)
    # uvicorn stops gracefully on SIGTERM, then raises the signal again to the handler that
    # was there before it: make that one exit 0, as the other services do after a clean stop.
    signal.signal(signal.SIGTERM, _exit_after_graceful_stop)
    config = server_config(
        built, settings, log_config=logging_config(SERVICE, settings.log_level, settings.log_format)
    )
    uvicorn.Server(config).run()


def server_config(
    built: Built, settings: GatewaySettings, *, log_config: dict[str, Any] | None
) -> uvicorn.Config:
    """How uvicorn serves the gateway (the tests serve it so too).

    Proxy headers only from ``settings.trusted_proxies``: uvicorn's default believes
    X-Forwarded-For from 127.0.0.1 and ::1 (or $FORWARDED_ALLOW_IPS), so any client on the
    gateway's host, or a proxy that passes the header on, could be any address it names,
    and a guesser of query codes a new address for each guess.
    """
    proxies = list(settings.trusted_proxies)
    return uvicorn.Config(
        built.app,
        host=settings.web_host,
        port=settings.web_port,
        log_config=log_config,
        access_log=False,
        timeout_graceful_shutdown=int(settings.ack_timeout_seconds) + 5,
        http=head_deadline_protocol(
            settings.head_timeout_seconds, settings.body_timeout_seconds
        ),
        proxy_headers=bool(proxies),
        forwarded_allow_ips=proxies or [],
    )


def _exit_after_graceful_stop(signum: int, frame: object) -> None:
    raise SystemExit(0)
