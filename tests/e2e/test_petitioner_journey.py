"""A petition from submission to supervision, every service a separate OS process on a real
broker: submitted through the gateway, its receipt (with the query code) e-mailed to the
petitioner, accepted by its agency from the command line (``xinfang case update``) and
answered through the agency API, rated dissatisfied by the petitioner on the web page in a
real browser, escalated to the supervising level, and the supervisors' digest e-mailed."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email import policy as email_policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Final

import httpx
import pytest
from aiosmtpd import smtp
from aiosmtpd.controller import Controller

from schemas.registry import (
    AGENCY_INBOX,
    CASES_ESCALATED,
    CASES_UPDATES,
    NOTIFICATIONS_DELIVERED,
)
from services.cli.pipeline import LocalPipeline
from services.devtools.kafka_local import KafkaLocal, free_port
from services.gateway.settings import DEMO_API_KEY
from tests.integration.test_gateway import wait_until
from tests.integration.test_petitioner_and_agency import (  # noqa: F401 (the fixture)
    browser,
    look_up,
    rate_on_the_page,
    shoot,
)
from tests.waiting import values

pytestmark = pytest.mark.e2e

AGENCY_KEYS: Final = {
    "610302-housing": "weibin-housing-key-of-16+",
    "610302-rsj": "weibin-labour-key-of-16+",
    "610302-bdcdj": "weibin-title-office-key-16+",
    "610302-xfj": "weibin-bureau-key-of-16+",
}
QUERY_CODE: Final = re.compile(r"\b([0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4})\b")


class Mailbox:
    """An SMTP relay on 127.0.0.1 that keeps every message it accepted."""

    def __init__(self) -> None:
        self.arrived: list[EmailMessage] = []
        self.lock = threading.Lock()

    async def handle_DATA(  # noqa: N802 (aiosmtpd's hook name)
        self, server: smtp.SMTP, session: smtp.Session, envelope: smtp.Envelope
    ) -> str:
        raw = envelope.original_content or envelope.content
        assert isinstance(raw, bytes)
        parsed = message_from_bytes(raw, policy=email_policy.default)
        assert isinstance(parsed, EmailMessage)
        with self.lock:
            self.arrived.append(parsed)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [m for m in self.arrived if address in str(m["To"])]


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    handler = Mailbox()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


def _text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    assert part is not None
    return str(part.get_content())


def test_a_dissatisfied_rating_on_the_web_page_reaches_the_supervising_level(
    kafka: KafkaLocal,
    prefix: str,
    tmp_path: Path,
    mailbox: tuple[Mailbox, int],
    browser: Any,  # noqa: F811 (the fixture imported above)
) -> None:
    relay, smtp_port = mailbox
    pipeline = LocalPipeline(
        kafka.bootstrap,
        prefix,
        tmp_path,
        services=("intake", "dedup", "escalation", "notification", "gateway"),
        extra_env={
            "XINFANG_GATEWAY_AGENCY_KEYS": ",".join(f"{c}={k}" for c, k in AGENCY_KEYS.items()),
            "XINFANG_NOTIFICATION_SMTP_HOST": "127.0.0.1",
            "XINFANG_NOTIFICATION_SMTP_PORT": str(smtp_port),
        },
    )
    try:
        pipeline.start_all()
        pipeline.wait_healthy()
        gateway = pipeline.processes["gateway"].url
        email = f"pet-{uuid.uuid4().hex[:6]}@example.cn"
        petition = {
            "submission_id": f"portal-{uuid.uuid4().hex[:10]}",
            "channel": "online",
            "received_at": (datetime.now(UTC) - timedelta(minutes=5)).isoformat(),
            "petitioner": {"name": "张三", "phone": "13800138000", "email": email},
            "region_code": "610302",
            "title": "小区物业长期不维修电梯",
            "content": "渭滨区某小区住宅楼电梯多次故障停运，物业公司长期不予维修，"
                       "住房和城乡建设局请督促处理。",
        }  # fmt: skip
        submitted = httpx.post(f"{gateway}/v1/petitions", json=petition,
                               headers={"X-API-Key": DEMO_API_KEY}, timeout=30)  # fmt: skip
        assert submitted.status_code == 202, submitted.text
        case_id = submitted.json()["case_id"]

        # The receipt reaches the petitioner with the query code.
        receipt = wait_until(lambda: relay.to(email), "the receipt e-mail", timeout=120)[0]
        found = QUERY_CODE.search(_text(receipt))
        assert found is not None, _text(receipt)
        code = found.group(1)

        # The agency the case was routed to accepts it from the command line ...
        def routed() -> str | None:
            status = httpx.get(f"{gateway}/v1/cases/{case_id}",
                               headers={"X-API-Key": DEMO_API_KEY}, timeout=10).json()  # fmt: skip
            return status.get("agency_code") if status.get("verdict") else None

        agency = wait_until(routed, "the case's verdict in the gateway", timeout=120)
        assert agency in AGENCY_KEYS, agency
        accepted = subprocess.run(
            [sys.executable, "-m", "services.cli.main", "case", "update", case_id,
             "--agency", agency, "--kind", "accepted", "--gateway", gateway],
            env={**pipeline.env_for("cli", 0), "XINFANG_AGENCY_KEY": AGENCY_KEYS[agency]},
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert accepted.returncode == 0, accepted.stderr
        assert '"kind": "accepted"' in accepted.stdout
        refused = subprocess.run(
            [sys.executable, "-m", "services.cli.main", "case", "update", case_id,
             "--agency", agency, "--kind", "accepted", "--gateway", gateway],
            env={**pipeline.env_for("cli", 0), "XINFANG_AGENCY_KEY": AGENCY_KEYS[agency]},
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert refused.returncode == 2
        assert "not_allowed_in_status" in refused.stderr

        # ... and replies through the agency API.
        replied = httpx.post(
            f"{gateway}/v1/agency/cases/{case_id}/updates",
            json={"kind": "replied", "reason": "已督促物业公司于两周内完成电梯维修。"},
            headers={"X-Agency-Key": AGENCY_KEYS[agency]},
            timeout=30,
        )
        assert replied.status_code == 202, replied.text
        shown = subprocess.run(
            [sys.executable, "-m", "services.cli.main", "case", "show", case_id,
             "--gateway", gateway],
            env={**pipeline.env_for("cli", 0), "XINFANG_AGENCY_KEY": AGENCY_KEYS[agency]},
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert shown.returncode == 0, shown.stderr
        assert '"status": "replied"' in shown.stdout

        # The petitioner rates the opinion dissatisfied on the web page.
        look_up(browser, gateway, case_id, code)
        from selenium.webdriver.common.by import By

        assert "已督促物业公司" in browser.find_element(By.ID, "reply").text
        shoot(browser, tmp_path, "journey-1-progress")
        rate_on_the_page(browser, "dissatisfied", "电梯仍未修好")
        assert browser.find_element(By.ID, "notice").is_displayed()
        shoot(browser, tmp_path, "journey-2-rated")

        # Escalation acts on the rating: the supervising (city) level reviews the handling.
        def escalated() -> list[dict[str, Any]]:
            found = values(kafka.bootstrap, CASES_ESCALATED.full_name(prefix))
            mine = [e for e in found if e["case_id"] == case_id]
            return [e for e in mine if e["reason"] == "dissatisfied_rating"]

        [escalation] = wait_until(escalated, "the dissatisfied-rating escalation", timeout=120)
        assert escalation["target_level"] == "city"
        assert escalation["target_agency"] == "610300-xfj"
        updates = [u for u in values(kafka.bootstrap, CASES_UPDATES.full_name(prefix))
                   if u["case_id"] == case_id]  # fmt: skip
        assert [u["kind"] for u in updates] == ["accepted", "replied", "rated"]

        # Notification: the petitioner's acceptance and reply notices, and the escalation in
        # the city supervisors' digest, delivered and e-mailed.
        def delivered() -> dict[str, list[dict[str, Any]]]:
            by_kind: dict[str, list[dict[str, Any]]] = {}
            for notice in values(kafka.bootstrap, NOTIFICATIONS_DELIVERED.full_name(prefix)):
                if case_id in (notice["case_id"], *notice["case_ids"]):
                    by_kind.setdefault(notice["kind"], []).append(notice)
            return by_kind

        notices = wait_until(
            lambda: (d := delivered()).get("escalation_alert") and d,
            "the escalation digest on notifications.delivered",
            timeout=120,
        )
        assert {"receipt", "acceptance", "reply", "escalation_alert"} <= set(notices)
        assert wait_until(lambda: relay.to("duban@xf.example.gov.cn"),
                          "the supervisors' e-mail", timeout=60)  # fmt: skip
    finally:
        codes = pipeline.stop_all()
    assert all(code == 0 for code in codes.values()), codes


def _cli_case(
    pipeline: LocalPipeline, key: str, *arguments: str
) -> subprocess.CompletedProcess[str]:
    """``xinfang case ...`` against the pipeline's gateway, as an agency without a system of
    its own runs it."""
    gateway = pipeline.processes["gateway"].url
    return subprocess.run(
        [sys.executable, "-m", "services.cli.main", "case", *arguments, "--gateway", gateway],
        env={**pipeline.env_for("cli", 0), "XINFANG_AGENCY_KEY": key},
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


def test_a_petition_left_with_the_bureau_is_transferred_and_its_recipient_answers(
    kafka: KafkaLocal, prefix: str, tmp_path: Path, mailbox: tuple[Mailbox, int]
) -> None:
    """The county petition bureau transfers a case it was left with (Art. 22) from the
    command line, naming the competent body: the body finds it in its inbox, its key acts
    on the case and the bureau's no longer, its silence is its own breach (Art. 23), and
    the petitioner sees whom the case is with."""
    relay, smtp_port = mailbox
    pipeline = LocalPipeline(
        kafka.bootstrap,
        prefix,
        tmp_path,
        services=("intake", "dedup", "escalation", "notification", "gateway"),
        extra_env={
            "XINFANG_GATEWAY_AGENCY_KEYS": ",".join(f"{c}={k}" for c, k in AGENCY_KEYS.items()),
            "XINFANG_NOTIFICATION_SMTP_HOST": "127.0.0.1",
            "XINFANG_NOTIFICATION_SMTP_PORT": str(smtp_port),
        },
    )
    bureau, labour = "610302-xfj", "610302-rsj"
    now = datetime.now(UTC)
    try:
        pipeline.start_all()
        pipeline.wait_healthy()
        gateway = pipeline.processes["gateway"].url
        email = f"pet-{uuid.uuid4().hex[:6]}@example.cn"
        # A letter no field rule claims: routing leaves it with the county's petition bureau.
        petition = {
            "submission_id": f"letter-{uuid.uuid4().hex[:10]}",
            "channel": "letter",
            "received_at": (now - timedelta(days=30)).isoformat(),
            "petitioner": {"name": "李四", "phone": "13900139000", "email": email},
            "region_code": "610302",
            "title": "反映一个问题",
            "content": "我有一个想法想向政府反映，请转交有关部门研究。",
        }
        submitted = httpx.post(f"{gateway}/v1/petitions", json=petition,
                               headers={"X-API-Key": DEMO_API_KEY}, timeout=30)  # fmt: skip
        assert submitted.status_code == 202, submitted.text
        case_id = submitted.json()["case_id"]
        receipt = wait_until(lambda: relay.to(email), "the receipt e-mail", timeout=120)[0]
        found = QUERY_CODE.search(_text(receipt))
        assert found is not None, _text(receipt)
        code = found.group(1)

        def status() -> dict[str, Any]:
            document: dict[str, Any] = httpx.get(
                f"{gateway}/v1/cases/{case_id}", headers={"X-API-Key": DEMO_API_KEY}, timeout=10
            ).json()
            return document

        routed = wait_until(lambda: status().get("verdict") and status()["agency_code"],
                            "the case's verdict in the gateway", timeout=120)  # fmt: skip
        assert routed == bureau

        # A recipient no body has is refused, and nothing is published.
        unknown = _cli_case(pipeline, AGENCY_KEYS[bureau], "update", case_id, "--agency", bureau,
                            "--kind", "transferred", "--to", "610302-nosuch")  # fmt: skip
        assert unknown.returncode == 2
        assert "no body has the agency code" in unknown.stderr
        # The bureau transferred it ten days after receipt.
        moved = _cli_case(pipeline, AGENCY_KEYS[bureau], "update", case_id, "--agency", bureau,
                          "--kind", "transferred", "--to", labour,
                          "--at", (now - timedelta(days=20)).strftime("%Y-%m-%dT%H:%M:%S%z"),
                          "--reason", "属劳动保障事项")  # fmt: skip
        assert moved.returncode == 0, moved.stderr
        assert '"kind": "transferred"' in moved.stdout

        # The recipient is told: the case is in its inbox, masked.
        inbox = wait_until(
            lambda: [c for c in values(kafka.bootstrap, AGENCY_INBOX.full_name(prefix, labour))
                     if c["case_id"] == case_id],
            "the case in the recipient's inbox", timeout=120,
        )  # fmt: skip
        assert "李四" not in str(inbox)
        # Its acceptance notice was due 15 days after the transfer: its breach, not the bureau's.
        breach = wait_until(
            lambda: [e for e in values(kafka.bootstrap, CASES_ESCALATED.full_name(prefix))
                     if e["case_id"] == case_id and e["rule"] == "deadline.acceptance"],
            "the recipient's acceptance breach on cases.escalated", timeout=120,
        )  # fmt: skip
        assert f"owed by {labour}" in breach[0]["detail"]
        assert breach[0]["target_agency"] == "610300-xfj"

        # The bureau's key no longer opens the case; the recipient's does, and accepts it.
        assert _cli_case(pipeline, AGENCY_KEYS[bureau], "show", case_id).returncode == 2
        accepted = httpx.post(
            f"{gateway}/v1/agency/cases/{case_id}/updates",
            json={"kind": "accepted"},
            headers={"X-Agency-Key": AGENCY_KEYS[labour]},
            timeout=30,
        )
        assert accepted.status_code == 202, accepted.text

        # The petitioner and the channel see whom the case is with now.
        shown = httpx.get(f"{gateway}/v1/cases/{case_id}/progress",
                          headers={"X-Query-Code": code}, timeout=30).json()  # fmt: skip
        assert shown["responsible"]["code"] == labour
        assert shown["responsible"]["name"] == "渭滨区人力资源和社会保障局"
        transferred = [s for s in shown["steps"] if s["step"] == "transferred"]
        assert transferred[0]["detail"] == "渭滨区人力资源和社会保障局: 属劳动保障事项"
        assert shown["next_deadline"]["owed_by"]["code"] == labour
        assert status()["agency_code"] == labour
        updates = [u for u in values(kafka.bootstrap, CASES_UPDATES.full_name(prefix))
                   if u["case_id"] == case_id]  # fmt: skip
        assert [(u["kind"], u.get("to_agency", {}).get("code")) for u in updates] == [
            ("transferred", labour), ("accepted", None)
        ]  # fmt: skip
    finally:
        codes = pipeline.stop_all()
    assert all(code == 0 for code in codes.values()), codes
