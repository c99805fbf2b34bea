"""Waiting for a condition on real topics, with a deadline and a clear failure message."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from kafka.errors import KafkaError

from services.common.readback import read_all


def values(bootstrap: str, topic: str) -> list[dict[str, Any]]:
    """Every JSON value now on ``topic`` (tombstones left out)."""
    return [json.loads(r.value) for r in read_all(bootstrap, topic) if r.value is not None]


def wait_for_count(
    bootstrap: str,
    topic: str,
    count: int,
    timeout: float = 60.0,
    log_tail: Callable[[], str] | None = None,
) -> list[dict[str, Any]]:
    """Poll until ``topic`` holds at least ``count`` messages; then return them all.

    A broker that is not serving yet (just resumed, still registering with its controller:
    no brokers in its metadata) counts as not there yet, not as a failure.
    """
    deadline = time.monotonic() + timeout
    found: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        try:
            found = values(bootstrap, topic)
        except KafkaError:
            time.sleep(1.0)
            continue
        if len(found) >= count:
            return found
        time.sleep(0.5)
    tail = log_tail() if log_tail else ""
    raise AssertionError(f"{topic}: {len(found)} messages after {timeout}s, wanted {count}\n{tail}")
