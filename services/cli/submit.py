"""Publishing petitions from JSON lines, for channels testing their integration."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from kafka.errors import KafkaError

from schemas.keys import SubmissionKey
from schemas.registry import PETITIONS_SUBMITTED
from services.common.dlq import Rejected
from services.common.producer import make_producer
from services.common.submitted import parse


@dataclass
class SubmitReport:
    """What happened to each line: acknowledged by the broker, or not, and local checks."""

    read: int = 0
    acknowledged: int = 0
    failed: list[str] = field(default_factory=list)
    would_reject: Counter[str] = field(default_factory=Counter)

    def render(self) -> str:
        lines = [
            f"lines read: {self.read}",
            f"acknowledged by the broker (acks=all): {self.acknowledged}",
            f"not acknowledged: {len(self.failed)}",
        ]
        lines += [f"  {failure}" for failure in self.failed[:20]]
        if self.would_reject:
            lines.append("intake will reject (checked locally):")
            lines += [f"  {reason}: {n}" for reason, n in sorted(self.would_reject.items())]
        return "\n".join(lines)


def submission_key(raw: bytes) -> bytes | None:
    """The message key from the petition's submission_id, when it has one."""
    try:
        document = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    if isinstance(document, dict) and isinstance(document.get("submission_id"), str):
        try:
            return SubmissionKey(submission_id=document["submission_id"]).to_json_bytes()
        except ValueError:
            return None
    return None


class BrokerUnavailableError(RuntimeError):
    """The broker could not be reached: nothing was published."""


def publish_lines(lines: Iterable[bytes], *, bootstrap: str, prefix: str) -> SubmitReport:
    """Publish each non-empty line as it is (intake judges it) and wait for every ack.

    Raises :class:`BrokerUnavailableError` when the producer cannot reach ``bootstrap``: then
    nothing was published. A line the producer cannot even take (the topic's metadata never
    came) stops the sending there; the lines sent before it are waited for and reported.
    """
    report = SubmitReport()
    topic = PETITIONS_SUBMITTED.full_name(prefix)
    try:
        producer = make_producer(bootstrap)
    except KafkaError as exc:
        raise BrokerUnavailableError(
            f"the Kafka broker at {bootstrap} did not answer ({exc}); nothing was published"
        ) from None
    futures = []
    try:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            report.read += 1
            try:
                parse(line)
            except Rejected as rejection:
                report.would_reject[rejection.reason.value] += 1
            try:
                future = producer.send(topic, key=submission_key(line), value=line)
            except KafkaError as exc:  # each further line would wait as long, and fail so
                report.failed.append(f"line {number}: not sent, nor any line after it: {exc}")
                break
            futures.append((number, future))
        producer.flush()
        for number, future in futures:
            try:
                future.get(timeout=30)
                report.acknowledged += 1
            except Exception as exc:  # each line's failure is reported, the rest go on
                report.failed.append(f"line {number}: {exc}")
    finally:
        producer.close()
    return report
