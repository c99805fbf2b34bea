"""What a waiting service has in hand, for the log lines that report it."""

from __future__ import annotations

import asyncio
import gc
import inspect
from typing import Any


def _task_state(task: asyncio.Task[Any] | None) -> str:
    if task is None:
        return "none"
    if not task.done():
        return "running"
    if task.cancelled():
        return "cancelled"
    return f"ended: {task.exception()!r}"


def producer_state(app: Any) -> dict[str, object]:
    """What the app's Kafka producer has in hand, for a report on a handler that waits.

    Faust's buffer of table writes not yet handed over, aiokafka's metadata and sender
    tasks, the nodes with a produce request in flight and the batches not yet sent. Read
    from private attributes (faust-streaming 0.15, aiokafka 0.14), so nothing here may fail.
    """
    state: dict[str, object] = {}
    try:
        buffer = app.producer.buffer
        state["buffer_pending"] = buffer.size
        aio = app.producer._producer
        if aio is not None:
            state["metadata_task"] = _task_state(aio.client._sync_task)
            update = aio.client._md_update_fut
            state["metadata_update"] = (
                "none" if update is None else ("done" if update.done() else "waiting")
            )
            state["sender_task"] = _task_state(aio._sender.sender_task)
            state["in_flight_nodes"] = sorted(str(node) for node in aio._sender._in_flight)
            state["muted_partitions"] = len(aio._sender._muted_partitions)
            batches = aio._message_accumulator._batches
            state["batches_waiting"] = {
                f"{tp.topic}/{tp.partition}": len(queue) for tp, queue in batches.items() if queue
            }
            state["batches_in_flight"] = len(aio._message_accumulator._pending_batches)
    except Exception as exc:  # a report must never fail
        state["error"] = repr(exc)
    return state


def task_stack(task: asyncio.Task[Any]) -> str:
    """Where ``task`` waits: each coroutine of its await chain, outermost first, then what
    the innermost one awaits (``Task.get_stack`` shows only the outermost frame).

    An awaitable that is not itself a coroutine (``coro.__await__()``'s wrapper, which
    Faust's agents await) is looked through to the coroutine it holds.
    """
    lines = []
    awaited: Any = task.get_coro()
    for _ in range(80):
        frame = getattr(awaited, "cr_frame", None) or getattr(awaited, "gi_frame", None)
        if frame is None:
            inner = next(
                (r for r in gc.get_referents(awaited) if inspect.iscoroutine(r)), None
            )
            if inner is None:
                future = next(
                    (r for r in gc.get_referents(awaited) if isinstance(r, asyncio.Future)),
                    awaited,
                )
                lines.append(f"  awaiting {future!r}"[:500])
                break
            awaited = inner
            continue
        code = frame.f_code
        lines.append(f'  File "{code.co_filename}", line {frame.f_lineno}, in {code.co_name}')
        awaited = getattr(awaited, "cr_await", None) or getattr(awaited, "gi_yieldfrom", None)
        if awaited is None:
            break
    return "\n".join(lines)
