"""The quicker Prometheus sensor exports what Faust's own does, across a rebalance too."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from faust.sensors.prometheus import FaustMetrics, PrometheusMonitor
from faust.types import TP
from prometheus_client import CollectorRegistry

from services.common.faust_sensors import QuickPrometheusMonitor


class _Stream:
    """What the sensors read of a stream (hashable, as Faust's streams are)."""

    def __init__(self, label: str) -> None:
        self.shortlabel = f"Stream: {label}"
        self.task_owner = self  # an agent in Faust; its monitor keeps a weak reference

    def __str__(self) -> str:
        return self.shortlabel


def _exported(registry: CollectorRegistry) -> dict[tuple[str, tuple[Any, ...]], float]:
    """Every sample but the counters' creation times and the sum of measured latencies."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for metric in registry.collect()
        for sample in metric.samples
        if not sample.name.endswith(("_created", "_latency_sum"))
    }


def _feed(monitor: PrometheusMonitor, streams: list[tuple[str, Any]], round_: int) -> None:
    for offset in range(5):
        for partition in range(2):
            for topic, stream in streams:
                tp = TP(topic, partition)
                at = 10 * round_ + offset
                message: Any = SimpleNamespace(time_in=None)
                monitor.on_message_in(tp, at, message)
                monitor.on_stream_event_in(tp, at, stream, SimpleNamespace())  # type: ignore[arg-type]
                monitor.track_tp_end_offset(tp, at + 7)
                # A table write's changelog record: counted by its topic.
                state = monitor.on_send_initiated(None, f"{topic}-changelog", None, 3, 4)  # type: ignore[arg-type]
                monitor.on_send_completed(None, state, None)  # type: ignore[arg-type]


def test_the_same_figures_as_faust_s_sensor_before_and_after_a_rebalance() -> None:
    streams = [("a.submitted", _Stream("consume_a")), ("b.deduplicated", _Stream("consume_b"))]
    registries = [CollectorRegistry(), CollectorRegistry()]
    faust_s = PrometheusMonitor(metrics=FaustMetrics.create(registries[0], "x"))
    quick = QuickPrometheusMonitor(metrics=FaustMetrics.create(registries[1], "x"))
    for monitor in (faust_s, quick):
        _feed(monitor, streams, 0)
    assert _exported(registries[1]) == _exported(registries[0])
    # A rebalance removes the partitions' series; the ones after it must be exported.
    for monitor in (faust_s, quick):
        monitor._clear_partition_related_metrics()
        _feed(monitor, streams[:1], 1)
    after = _exported(registries[1])
    assert after == _exported(registries[0])
    end = "x_topic_partition_end_offset"
    assert after[(end, (("partition", "1"), ("topic", "a.submitted")))] == 21
    assert (end, (("partition", "1"), ("topic", "b.deduplicated"))) not in after


def test_each_series_is_looked_up_once_not_per_message() -> None:
    quick = QuickPrometheusMonitor(metrics=FaustMetrics.create(CollectorRegistry(), "x"))
    looked_up: list[str] = []
    for name in ("messages_received_per_topics", "topic_messages_sent"):
        family = getattr(quick._metrics, name)
        labels = family.labels

        def counting(*args: Any, _labels: Any = labels, _name: str = name, **kwargs: Any) -> Any:
            looked_up.append(_name)
            return _labels(*args, **kwargs)

        family.labels = counting
    _feed(quick, [("a.submitted", _Stream("consume_a"))], 0)
    # Ten messages in and ten records sent on one topic: each series once.
    assert sorted(looked_up) == ["messages_received_per_topics", "topic_messages_sent"]
