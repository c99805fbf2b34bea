"""The simplest Faust agent: ``await dst.send(...)`` per message, as its own OS process.

    python -m services.bench.faust_copy BOOTSTRAP SOURCE DESTINATION APP_ID DATA_DIR

The app has the services' producer and commit settings (acks=all, commit every 100
messages or every second) and nothing else: no tables, no handler, no watchdogs.
"""

from __future__ import annotations

import sys
from typing import Any

import faust

from schemas.registry import PARTITIONS


def build(bootstrap: str, source: str, destination: str, app_id: str, datadir: str) -> faust.App:
    app = faust.App(
        app_id,
        broker=[f"kafka://{server}" for server in bootstrap.split(",")],
        store="memory://",
        datadir=datadir,
        web_enabled=False,
        topic_partitions=PARTITIONS,
        producer_acks=-1,
        consumer_auto_offset_reset="earliest",
        key_serializer="raw",
        value_serializer="raw",
        broker_commit_every=100,
        broker_commit_interval=1.0,
    )
    options: dict[str, Any] = {
        "key_type": bytes,
        "value_type": bytes,
        "key_serializer": "raw",
        "value_serializer": "raw",
        "internal": False,
    }
    src = app.topic(source, **options)
    dst = app.topic(destination, **options)

    @app.agent(src)
    async def copy(stream: faust.StreamT[bytes]) -> None:
        async for event in stream.events():
            await dst.send(key=event.key, value=event.value)

    return app


def main() -> None:
    if len(sys.argv) != 6:
        sys.exit(__doc__)
    bootstrap, source, destination, app_id, datadir = sys.argv[1:]
    app = build(bootstrap, source, destination, app_id, datadir)
    sys.argv = [sys.argv[0], "worker", "--loglevel=warn"]
    app.main()


if __name__ == "__main__":
    main()
