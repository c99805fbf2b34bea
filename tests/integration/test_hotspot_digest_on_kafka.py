"""A hotspot the ledger detects reaches the supervising level's digest, by e-mail, once.

The ledger and notification run as OS processes on the session's broker, notification
mailing a real SMTP server (aiosmtpd). Five residents of one estate write within a day:
the ledger publishes the estate's hotspot when it forms and again, with the same id, as
each later letter makes it grow. The province's supervision office (a city's place hotspot
is supervised one level up) gets one digest naming it, and notifications.delivered one
record, however often the hotspot is republished.
"""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import pytest
from kafka import KafkaProducer

from schemas.registry import CASES_DEDUPLICATED, HOTSPOTS_DETECTED, NOTIFICATIONS_DELIVERED
from services.cli.pipeline import LocalPipeline
from services.devtools.kafka_local import KafkaLocal
from tests.integration.test_ledger_on_kafka import SURGE_AT, _send, _verdict
from tests.integration.test_notification_on_kafka import Mailbox, mailbox  # noqa: F401
from tests.waiting import values, wait_for_count

pytestmark = pytest.mark.integration

POLICY = """\
version: 1
issuer: {zh: 宝鸡市信访局, en: Baoji Municipal Bureau of Letters and Calls}
query_url: https://xf.example.gov.cn/query
smtp:
  host: 127.0.0.1
  port: 25
  sender: 宝鸡市信访局 <noreply@xf.example.gov.cn>
  timeout: 3s
receivers:
  - name: petitioner
    petitioner: {channels: [email]}
  - name: city-supervision
    email: {to: [duban@xf.example.gov.cn]}
  - name: province-supervision
    email: {to: [duban@sx.xf.example.gov.cn]}
route:
  receiver: petitioner
  routes:
    - matchers: ['kind="hotspot_alert"']
      receiver: city-supervision
      group_by: [level]
      group_wait: 1s
      group_interval: 2s
      routes:
        - matchers: ['level="province"']
          receiver: province-supervision
"""


def test_a_new_hotspot_is_mailed_to_the_supervising_level_once(
    kafka: KafkaLocal,
    prefix: str,
    pipeline: LocalPipeline,
    tmp_path: Path,
    mailbox: tuple[Mailbox, int],  # noqa: F811
) -> None:
    handler, smtp_port = mailbox
    policy = tmp_path / "policy.yaml"
    policy.write_text(POLICY, encoding="utf-8")
    pipeline.extra_env.update(
        {
            "XINFANG_LEDGER_HOTSPOT_WINDOW_DAYS": "7",
            "XINFANG_LEDGER_HOTSPOT_BASELINE_DAYS": "28",
            "XINFANG_LEDGER_HOTSPOT_HISTORY_FROM": (SURGE_AT - timedelta(days=30)).isoformat(),
            "XINFANG_NOTIFICATION_SMTP_HOST": "127.0.0.1",
            "XINFANG_NOTIFICATION_SMTP_PORT": str(smtp_port),
            "XINFANG_NOTIFICATION_POLICY_PATH": str(policy),
            "XINFANG_NOTIFICATION_TICK_INTERVAL_SECONDS": "0.5",
        }
    )
    pipeline.start("ledger")
    pipeline.start("notification")
    pipeline.wait_healthy(timeout=180)

    def tails() -> str:
        return pipeline.log_tail("ledger") + "\n" + pipeline.log_tail("notification")

    producer = KafkaProducer(bootstrap_servers=kafka.bootstrap, acks="all")
    surge = [f"XF-HOT{k}" for k in range(5)]
    try:
        for k, case_id in enumerate(surge):
            title = f"阳光小区{k + 1}号楼地下车库污水倒灌"
            at = SURGE_AT + timedelta(hours=3 * k)
            _send(producer, prefix, CASES_DEDUPLICATED, _verdict(case_id, at, f"pr_h{k}", title))
    finally:
        producer.close()

    # The hotspot is published as it forms and as it grows, always under one id.
    hotspots_topic = HOTSPOTS_DETECTED.full_name(prefix)
    deadline = time.monotonic() + 120
    published: list[dict[str, object]] = []
    while time.monotonic() < deadline:
        published = [h for h in values(kafka.bootstrap, hotspots_topic) if h["kind"] == "place"]
        if any(h["petitions"] == len(surge) for h in published):
            break
        time.sleep(0.5)
    assert len(published) >= 2, tails()
    assert len({h["hotspot_id"] for h in published}) == 1
    hotspot_id = str(published[0]["hotspot_id"])

    wait_for_count(kafka.bootstrap, NOTIFICATIONS_DELIVERED.full_name(prefix), 1, 120, tails)
    # Every republication has had its turn (consumed, routed, grouped, several group
    # intervals of 2 s passed): still one digest.
    time.sleep(8)
    bodies = [str(m.get_body(("plain",)).get_content()) for m in handler.arrived]  # type: ignore[union-attr]
    assert [hotspot_id in body for body in bodies] == [True], bodies
    [mail], [body] = handler.arrived, bodies
    assert str(mail["To"]) == "duban@sx.xf.example.gov.cn"
    assert str(mail["Subject"]).startswith("信访热点研判提醒：新发现1个热点")
    assert "阳光小区" in body
    assert "污水倒灌" in body
    delivered = values(kafka.bootstrap, NOTIFICATIONS_DELIVERED.full_name(prefix))
    assert [(d["kind"], d["recipient"]) for d in delivered] == [
        ("hotspot_alert", "province-supervision")
    ]
