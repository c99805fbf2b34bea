"""Worker start-up and stop: the health page, exit codes, the clean-stop marker, run.

A worker that did not stop gracefully throws its local table state away and restores it
from the changelogs (``discard_state_of_unclean_stop``); exit codes tell a supervisor why a
worker left on its own.
"""

from __future__ import annotations

import gc
import logging
import logging.config
import os
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, NoReturn

from faust.web import Request, Response, View

from schemas.registry import PARTITIONS
from services.common.logs import logging_config
from services.common.topics import ensure_topics

if TYPE_CHECKING:
    from services.common.service import Service

log = logging.getLogger(__name__)

#: Exit status when the failure limit stops a service (EX_SOFTWARE): a supervisor restarts
#: it, and the operator finds the reason in the log and the DLQ.
EXIT_FAILURE_LIMIT: Final = 70
#: Exit status when outputs could not be published or state not written (EX_IOERR).
EXIT_OUTPUT_FAILED: Final = 74
#: Exit status when a handler has been stuck on one batch for ``handler_timeout_seconds``
#: (EX_TEMPFAIL): nothing is committed, and the restart gets the messages again.
EXIT_HANDLER_STUCK: Final = 75


def exit_now(code: int) -> NoReturn:
    """Leave at once, without acknowledging the messages in hand (they will be redelivered)."""
    logging.shutdown()
    os._exit(code)


def add_health(service: Service) -> None:
    app = service.app
    up = service.metrics.gauge("xinfang_up").labels(service=service.stage.value)
    started_at = datetime.now(UTC)

    # xinfang_up follows the consumer: 1 once a rebalance completes (partitions assigned
    # and tables recovered), 0 from a revocation until the next completion, and at stop.
    async def ready(sender: Any, /, *args: Any, signal: Any, **kwargs: Any) -> None:
        up.set(1)

    async def not_ready(sender: Any, /, *args: Any, signal: Any, **kwargs: Any) -> None:
        up.set(0)

    app.on_rebalance_complete.connect(ready)
    app.on_partitions_revoked.connect(not_ready)
    app.on_before_shutdown.connect(not_ready)

    @app.page("/health")
    async def health(web: View, request: Request) -> Response:
        consumer_ready = app.consumer is not None and not app.rebalancing
        healthy = not app.should_stop and consumer_ready
        body = {
            "status": "ok" if healthy else "starting" if not app.should_stop else "stopping",
            "service": service.stage.value,
            "started_at": started_at.isoformat(),
            "rebalancing": bool(app.rebalancing),
            "assigned_partitions": len(app.consumer.assignment()) if app.consumer else 0,
        }
        return web.json(body, status=200 if healthy else 503)


def settle_heap(service: Service) -> None:
    """Keep what a worker holds for its whole life out of the garbage collector's passes.

    A worker's long-lived objects (modules, schemas, rules, templates, and after the first
    assignment Faust's tables and consumer) far outnumber what a batch allocates, and the
    collector traversed all of them in every full collection: 7-15% of a stage's CPU
    under ``xinfang bench`` (gc.callbacks timing: notification 2.2 s of 14.5 s). Frozen
    objects are still freed by reference counting; the freezes are two (here, after the
    start-up collection, and once the first assignment is complete), so at most the
    cycles that are garbage at that moment stay.
    """
    gc.collect()
    gc.freeze()
    frozen = False

    async def settled(sender: Any, /, *args: Any, signal: Any, **kwargs: Any) -> None:
        nonlocal frozen
        if not frozen:
            frozen = True
            gc.freeze()

    service.app.on_rebalance_complete.connect(settled)


def internal_topics(service: Service) -> list[str]:
    """The changelog topics of this app's tables."""
    return [table.changelog_topic.get_topic_name() for table in service.app.tables.values()]


#: Written into the table directory when the worker has stopped gracefully.
CLEAN_STOP_MARKER: Final = "CLEAN_STOP"


def discard_state_of_unclean_stop(tabledir: Path) -> bool:
    """Delete the local table state unless the last run stopped gracefully; True if so.

    After a crash or kill -9 the local RocksDB may hold writes whose changelog records
    never reached Kafka, while Faust's recovery re-applies the changelog from the last
    offset it saw acknowledged over those newer values: the result is neither the state
    before the crash nor a prefix of the writes. Restoring from the changelog alone gives
    a prefix of the writes in their order (every input committed after its writes, see
    ``services.common.batch_loop``), which is what the services are built to resume from. A
    graceful stop flushes and commits, so its local state is kept and the restart is quick.
    """
    marker = tabledir / CLEAN_STOP_MARKER
    if marker.exists():
        marker.unlink()
        return False
    if not tabledir.exists() or not any(tabledir.iterdir()):
        return False
    shutil.rmtree(tabledir)
    return True


def run_worker(service: Service) -> None:
    """Run the service until SIGTERM or SIGINT, then stop gracefully (commit, close)."""
    from faust.worker import Worker

    settings = service.settings
    config = logging_config(service.stage.value, settings.log_level, settings.log_format)
    logging.config.dictConfig(config)  # the worker applies the same; this is for what follows
    tabledir = Path(service.app.conf.tabledir)
    if not service.discard_state_after_crash:
        (tabledir / CLEAN_STOP_MARKER).unlink(missing_ok=True)
    elif discard_state_of_unclean_stop(tabledir):
        log.warning(
            "the last run did not stop gracefully: local table state discarded, "
            "restoring it from the changelog topics",
            extra={"service": service.stage.value, "tabledir": str(tabledir)},
        )
    # Faust declares its changelogs itself, but its first partition assignment can run
    # before the new topics are in its metadata, and then never assigns them. Creating
    # them beforehand (compacted, partitions equal to the source) removes the race.
    ensure_topics(
        settings.bootstrap_servers,
        internal_topics(service),
        partitions=PARTITIONS,
        replication_factor=settings.replication_factor,
        config={"cleanup.policy": "compact"},
    )
    worker = Worker(
        service.app,
        loglevel=settings.log_level,
        logging_config=config,
        redirect_stdouts=False,
        quiet=True,
    )
    settle_heap(service)
    log.info("starting", extra={"service": service.stage.value, "port": settings.web_port})
    code: int | str | None = 0
    try:
        worker.execute_from_commandline()
    except SystemExit as stop:
        code = stop.code
    if not code and not getattr(service.app, "crashed", False):
        # Faust has stopped: offsets committed, producer flushed, RocksDB closed.
        tabledir.mkdir(parents=True, exist_ok=True)
        (tabledir / CLEAN_STOP_MARKER).touch()
    sys.exit(code)
