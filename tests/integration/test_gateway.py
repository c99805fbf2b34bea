"""The HTTP gateway over real HTTP on a real broker: Open311 and the native API, every error
code, the status view following the pipeline, and intake registering what it accepted."""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from kafka import KafkaProducer
from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient

from schemas import examples
from schemas.cases import CaseUpdate, UpdateKind
from schemas.identifiers import query_code as query_code_of
from schemas.keys import CaseKey
from schemas.petitions import MAX_PETITION_BYTES
from schemas.registry import CASES_REGISTERED, CASES_UPDATES, PETITIONS_SUBMITTED
from services.cli.pipeline import LocalPipeline
from services.common.topics import ensure_topics
from services.devtools.kafka_local import KafkaLocal, free_port
from services.gateway.app import build, server_config
from services.gateway.settings import DEMO_API_KEY, GatewaySettings
from tests.waiting import wait_for_count

pytestmark = pytest.mark.integration

KEY = "a-channel-key-of-sixteen+"
OTHER_KEY = "another-channel-key-of-16+"
CASE_ID_KEY = "a-case-id-key-of-sixteen+"
QUERY_KEY = "a-query-code-key-of-sixteen+"
#: Three made-up county shapes around Baoji (tests/data/counties.geojson).
COUNTIES = Path(__file__).resolve().parents[1] / "data" / "counties.geojson"
ADDRESS = "陕西省宝鸡市渭滨区清姜路1号"


class Running:
    """A gateway served by uvicorn in a thread on 127.0.0.1, stopped like SIGTERM does."""

    def __init__(self, settings: GatewaySettings) -> None:
        import uvicorn

        self.port = settings.web_port
        self.built = build(settings)
        # As `xinfang run gateway` serves it (its proxy headers, its deadlines).
        config = server_config(self.built, settings, log_config=None)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.url = f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Running:
        self.thread.start()
        wait_until(lambda: self.server.started, "uvicorn did not start")
        return self

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=60)

    def ready(self) -> None:
        """Wait until the producer reaches the broker and the view has read the topics."""

        def healthy() -> bool:
            body = httpx.get(f"{self.url}/health", timeout=10).json()
            return bool(body["broker"] and body["status_view_caught_up"])

        wait_until(healthy, "the gateway did not become healthy")


def wait_until(condition: Callable[[], Any], message: str, timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"{message} within {timeout}s")


class Open311Client:
    """A minimal GeoReport v2 client, written from the spec (wiki.open311.org/GeoReport_v2):
    it knows only the documented paths, parameters and document shapes."""

    def __init__(self, endpoint: str, api_key: str, fmt: str = "json") -> None:
        self.endpoint = endpoint.rstrip("/")
        self.api_key = api_key
        self.fmt = fmt

    def _get(self, path: str, params: dict[str, str] | None = None) -> httpx.Response:
        # The spec's optional api_key, which this endpoint requires to read requests.
        params = {"api_key": self.api_key, **(params or {})}
        return httpx.get(f"{self.endpoint}/{path}.{self.fmt}", params=params, timeout=30)

    def _read(self, response: httpx.Response, root: str) -> Any:
        response.raise_for_status()
        if self.fmt == "json":
            return response.json()
        assert response.headers["content-type"].startswith("text/xml")
        assert response.content.startswith(b"<?xml")
        tree = ET.fromstring(response.content)
        assert tree.tag == root
        return tree

    def services(self) -> Any:
        return self._read(self._get("services"), "services")

    def service_definition(self, code: str) -> Any:
        return self._read(self._get(f"services/{code}"), "service_definition")

    def create(self, **fields: str) -> Any:
        response = httpx.post(
            f"{self.endpoint}/requests.{self.fmt}",
            data={"api_key": self.api_key, **fields},
            timeout=30,
        )
        return self._read(response, "service_requests")

    def requests(self, **params: str) -> Any:
        return self._read(self._get("requests", params), "service_requests")

    def request(self, request_id: str) -> Any:
        return self._read(self._get(f"requests/{request_id}"), "service_requests")

    def token(self, token: str) -> Any:
        return self._read(self._get(f"tokens/{token}"), "service_requests")


def query_code(case_id: str) -> str:
    return query_code_of(case_id, QUERY_KEY.encode())


def _settings(bootstrap: str, prefix: str, **overrides: Any) -> GatewaySettings:
    return GatewaySettings(
        bootstrap_servers=bootstrap,
        topic_prefix=prefix,
        web_port=free_port(),
        api_keys=f"{KEY},{OTHER_KEY}",
        case_id_key=CASE_ID_KEY,
        query_key=QUERY_KEY,
        county_boundaries_path=COUNTIES,
        ack_timeout_seconds=5,
        **overrides,
    )


@pytest.fixture
def gateway(kafka: KafkaLocal, prefix: str) -> Iterator[Running]:
    with Running(_settings(kafka.bootstrap, prefix)) as running:
        running.ready()
        yield running


def _open311_form(**changes: str) -> dict[str, str]:
    form = {
        "service_code": "housing.title_certificate",
        "address_string": ADDRESS,
        "first_name": "三",
        "last_name": "张",
        "phone": "13800138000",
        "description": "本人于2018年购房，开发商至今未办理产权证，多次催促无果。",
    }
    form.update(changes)
    return form


def test_an_open311_client_submits_and_follows_a_request_in_json_and_xml(
    gateway: Running,
) -> None:
    client = Open311Client(f"{gateway.url}/open311/v2", KEY)
    services = client.services()
    codes = [entry["service_code"] for entry in services]
    assert "housing.title_certificate" in codes
    title_certificate = services[codes.index("housing.title_certificate")]
    assert set(title_certificate) == {
        "service_code", "service_name", "description", "metadata", "type", "keywords", "group"
    }  # fmt: skip
    assert title_certificate["metadata"] is True
    definition = client.service_definition("housing.title_certificate")
    assert definition["service_code"] == "housing.title_certificate"
    assert next(a["code"] for a in definition["attributes"]) == "region_code"

    created = client.create(**_open311_form())
    assert len(created) == 1
    request_id = created[0]["service_request_id"]
    assert request_id.startswith("XF-")
    [found] = client.request(request_id)
    assert found["status"] == "open"
    assert found["status_notes"].startswith("submitted")
    assert found["service_code"] == "housing.title_certificate"
    assert client.token(created[0]["token"]) == [
        {"service_request_id": request_id, "token": created[0]["token"]}
    ]
    listed = client.requests(service_code="housing.title_certificate", status="open")
    assert [entry["service_request_id"] for entry in listed] == [request_id]
    assert client.requests(status="closed") == []
    assert client.requests(service_request_id=f"{request_id},XF-NOPE") == listed

    xml = Open311Client(f"{gateway.url}/open311/v2", KEY, fmt="xml")
    services_xml = xml.services()
    assert [s.findtext("service_code") for s in services_xml.iter("service")] == codes
    assert services_xml.find("service/metadata").text == "true"
    definition_xml = xml.service_definition("housing.title_certificate")
    language = definition_xml.find("attributes/attribute[code='language']")
    assert [v.findtext("key") for v in language.iter("value")] == ["zh", "en"]
    created_xml = xml.create(**_open311_form(**{"attribute[title]": "产权证"}))
    new_id = created_xml.findtext("request/service_request_id")
    assert new_id
    assert new_id != request_id
    request_xml = xml.request(new_id)
    assert request_xml.findtext("request/status") == "open"
    assert request_xml.find("request/description") is not None  # every field, empty if unknown


def test_every_error_answers_in_the_spec_shape(gateway: Running) -> None:
    base = f"{gateway.url}/open311/v2"

    def post(fmt: str = "json", **fields: str) -> httpx.Response:
        return httpx.post(f"{base}/requests.{fmt}", data=fields, timeout=30)

    forbidden = post(**_open311_form(), api_key="wrong")
    assert forbidden.status_code == 403
    assert forbidden.json()[0]["code"] == 403
    missing = post(api_key=KEY, service_code="housing.title_certificate", lat="34.3")
    assert missing.status_code == 400
    described = " | ".join(error["description"] for error in missing.json())
    assert "lat/long: both are required" in described
    assert "description: required" in described
    assert "first_name/last_name: required" in described
    wrong = post(**_open311_form(email="not-an-email", **{"attribute[colour]": "red"}), api_key=KEY)
    assert wrong.status_code == 400
    assert "attribute[colour]: not an attribute" in wrong.text
    bad_email = post(**_open311_form(email="not-an-email"), api_key=KEY)
    assert bad_email.status_code == 400
    assert bad_email.json()[0]["description"].startswith("email:")
    ambiguous = post(**_open311_form(address_string="朝阳区某小区"), api_key=KEY)
    assert ambiguous.status_code == 400
    assert "more than one county" in ambiguous.text
    xml_error = post("xml", **_open311_form(), api_key="wrong")
    tree = ET.fromstring(xml_error.content)
    assert tree.tag == "errors"
    assert tree.findtext("error/code") == "403"

    for path in ("services/nothing.json", "requests/XF-NOPE.json", "tokens/nope.json",
                 "services.yaml"):  # fmt: skip
        response = httpx.get(f"{base}/{path}", params={"api_key": KEY}, timeout=30)
        assert response.status_code == 404, path
        assert response.json()[0]["code"] == 404
    for path in ("requests.json", "requests/XF-NOPE.json", "tokens/nope.json"):
        assert httpx.get(f"{base}/{path}", timeout=30).status_code == 403, path
    bad_status = httpx.get(
        f"{base}/requests.json", params={"api_key": KEY, "status": "pending"}, timeout=30
    )
    assert bad_status.status_code == 400

    native = f"{gateway.url}/v1/petitions"
    headers = {"X-API-Key": KEY}
    assert httpx.post(native, json=examples.MINIMAL_PETITION, timeout=30).status_code == 403
    no_region = {k: v for k, v in examples.MINIMAL_PETITION.items() if k != "region_code"}
    rejected = httpx.post(native, json=no_region, headers=headers, timeout=30)
    assert rejected.status_code == 400
    assert rejected.json() == {
        "reason": "missing_field",
        "detail": "region_code: Field required",
        "submission_id": "portal-000123",
    }
    broken = httpx.post(native, content=b'{"channel": ', headers=headers, timeout=30)
    assert broken.json()["reason"] == "invalid_json"
    assert httpx.get(f"{gateway.url}/v1/cases/XF-NOPE", timeout=30).status_code == 403
    nope = httpx.get(f"{gateway.url}/v1/cases/XF-NOPE", headers=headers, timeout=30)
    assert nope.status_code == 404

    metrics = httpx.get(f"{gateway.url}/metrics", timeout=30).text
    assert (
        'xinfang_gateway_requests_total{endpoint="/open311/v2/requests.{format}",status="403"}'
        in metrics
    )
    assert 'endpoint="/v1/cases/{case_id}",status="404"' in metrics


def _publish_update(bootstrap: str, prefix: str, case_id: str, kind: UpdateKind, n: int) -> None:
    update = CaseUpdate(
        update_id=f"u-{case_id}-{n}",
        case_id=case_id,
        kind=kind,
        occurred_at=datetime(2026, 11, 21 + n, tzinfo=UTC),
        agency_code="610302-housing",
    )
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    try:
        producer.send(
            CASES_UPDATES.full_name(prefix),
            key=CaseKey(case_id=case_id).to_json_bytes(),
            value=update.to_json_bytes(),
        ).get(timeout=30)
    finally:
        producer.close()


def test_request_by_id_follows_the_agencies_updates(
    kafka: KafkaLocal, prefix: str, gateway: Running
) -> None:
    accepted = httpx.post(
        f"{gateway.url}/v1/petitions",
        json=examples.MINIMAL_PETITION,
        headers={"X-API-Key": KEY},
        timeout=30,
    )
    assert accepted.status_code == 202
    case_id = accepted.json()["case_id"]
    assert accepted.headers["location"] == f"/v1/cases/{case_id}"

    def status() -> str:
        url = f"{gateway.url}/v1/cases/{case_id}"
        view = httpx.get(url, headers={"X-API-Key": KEY}, timeout=30)
        return str(view.json()["status"])

    assert status() == "submitted"
    _publish_update(kafka.bootstrap, prefix, case_id, UpdateKind.ACCEPTED, 1)
    wait_until(lambda: status() == "accepted", "accepted not shown")
    _publish_update(kafka.bootstrap, prefix, case_id, UpdateKind.CLOSED, 2)
    wait_until(lambda: status() == "closed", "closed not shown")
    view = httpx.get(
        f"{gateway.url}/v1/cases/{case_id}", params={"query_code": query_code(case_id)}, timeout=30
    ).json()
    assert view["open311_status"] == "closed"
    assert [step["status"] for step in view["history"]] == ["submitted", "accepted", "closed"]


def test_end_to_end_through_the_gateway_process_and_intake(
    kafka: KafkaLocal, prefix: str, pipeline: LocalPipeline
) -> None:
    pipeline.start("intake")
    gateway = pipeline.start("gateway")
    pipeline.wait_healthy(timeout=120)
    url = gateway.url

    native = httpx.post(
        f"{url}/v1/petitions",
        json=examples.MINIMAL_PETITION,
        headers={"X-API-Key": DEMO_API_KEY},
        timeout=30,
    )
    assert native.status_code == 202, native.text
    client = Open311Client(f"{url}/open311/v2", DEMO_API_KEY)
    [created] = client.create(**_open311_form(description="小区房产证迟迟办不下来。"))

    registered = wait_for_count(
        kafka.bootstrap, CASES_REGISTERED.full_name(prefix), 2, timeout=90,
        log_tail=lambda: pipeline.log_tail("intake"),
    )  # fmt: skip
    case_ids = {case["case_id"] for case in registered}
    assert case_ids == {native.json()["case_id"], created["service_request_id"]}
    by_id = {case["case_id"]: case for case in registered}
    assert by_id[created["service_request_id"]]["region_code"] == "610302"

    def shows_registered() -> bool:
        [request] = client.request(created["service_request_id"])
        view = httpx.get(
            f"{url}/v1/cases/{native.json()['case_id']}",
            headers={"X-API-Key": DEMO_API_KEY},
            timeout=30,
        ).json()
        return bool(request["status_notes"] == "registered" and view["status"] == "registered")

    wait_until(shows_registered, "the gateway did not show the registration", timeout=60)
    [request] = client.request(created["service_request_id"])
    assert request["status"] == "open"
    assert request["agency_responsible"]
    assert pipeline.stop("gateway") == 0  # SIGTERM: a graceful stop exits 0


def test_a_broker_that_does_not_answer_is_a_503_never_an_acceptance() -> None:
    settings = _settings(f"127.0.0.1:{free_port()}", "none.")
    with Running(settings) as running:
        health = httpx.get(f"{running.url}/health", timeout=30)
        assert health.status_code == 503
        assert health.json()["broker"] is False
        native = httpx.post(
            f"{running.url}/v1/petitions",
            json=examples.MINIMAL_PETITION,
            headers={"X-API-Key": KEY},
            timeout=30,
        )
        assert native.status_code == 503
        assert "not accepted" in native.json()["detail"]
        assert native.headers["retry-after"]
        open311 = httpx.post(
            f"{running.url}/open311/v2/requests.json",
            data={"api_key": KEY, **_open311_form()},
            timeout=30,
        )
        assert open311.status_code == 503
        assert open311.json()[0]["code"] == 503
        assert "not accepted" in open311.json()[0]["description"]


def test_submissions_wait_for_petitions_submitted_alone_and_readiness_says_so(
    kafka: KafkaLocal,
) -> None:
    # A fresh prefix with no topic at all: the view cannot read petitions.submitted.
    prefix = f"t{uuid.uuid4().hex[:10]}."
    with Running(_settings(kafka.bootstrap, prefix)) as running:
        wait_until(
            lambda: httpx.get(f"{running.url}/health", timeout=10).json()["broker"],
            "the producer did not reach the broker",
        )
        live = httpx.get(f"{running.url}/health", timeout=10)
        ready = httpx.get(f"{running.url}/ready", timeout=10)
        # Alive (a long replay must not get the pod killed), but not ready, and it says why.
        assert (live.status_code, live.json()["status"]) == (200, "loading")
        assert (ready.status_code, ready.json()["status"]) == (503, "loading")
        native = httpx.post(
            f"{running.url}/v1/petitions",
            json=examples.MINIMAL_PETITION,
            headers={"X-API-Key": KEY},
            timeout=30,
        )
        assert (native.status_code, native.json()["error"]) == (503, "loading")
        # petitions.submitted alone appears: the cases.* topics stay missing (an ACL, a
        # topic not created), and submissions are taken all the same.
        spec = PETITIONS_SUBMITTED
        ensure_topics(
            kafka.bootstrap, [spec.full_name(prefix)], partitions=spec.partitions,
            replication_factor=1, config={},
        )  # fmt: skip
        wait_until(
            lambda: httpx.get(f"{running.url}/ready", timeout=10).status_code == 200,
            "the gateway did not become ready with petitions.submitted alone",
        )
        health = httpx.get(f"{running.url}/health", timeout=10).json()
        assert health["status"] == "ok"
        assert health["submissions_caught_up"] is True
        assert health["status_view_caught_up"] is False  # the cases.* topics are missing
        accepted = httpx.post(
            f"{running.url}/v1/petitions",
            json=examples.MINIMAL_PETITION,
            headers={"X-API-Key": KEY},
            timeout=30,
        )
        assert accepted.status_code == 202, accepted.text


def test_a_body_answered_early_may_go_on_arriving_past_the_head_deadline() -> None:
    # A 3 MB petition at 1 MB/s is refused 413 on its declared size before it is read;
    # its body goes on arriving for 3 s, past the head's deadline of 1 s. The client must
    # get the 413 whole and its upload must not be cut (once it was: a second, unasked
    # 408 after the 413 and the connection closed mid-upload, a broken pipe).
    settings = _settings(
        f"127.0.0.1:{free_port()}", "none.", head_timeout_seconds=1, body_timeout_seconds=10
    )
    size, chunk = 3_000_000, b" " * 100_000
    head = (
        b"POST /v1/petitions HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\n"
        b"X-API-Key: %s\r\nContent-Length: %d\r\n\r\n" % (KEY.encode(), size)
    )
    with (
        Running(settings) as running,
        socket.create_connection(("127.0.0.1", running.port), timeout=10) as s,
    ):
        s.sendall(head)
        for _ in range(size // len(chunk)):
            s.sendall(chunk)  # raises BrokenPipeError had the upload been cut
            time.sleep(0.1)
        s.sendall(b"GET /health HTTP/1.1\r\nHost: gateway\r\nConnection: close\r\n\r\n")
        answer = b""
        while data := s.recv(65536):
            answer += data
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b"HTTP/1.1 408" not in answer
    # The connection lived on after the body: the next request on it was answered.
    assert answer.count(b"HTTP/1.1 ") == 2
    assert b"HTTP/1.1 503" in answer  # /health: no broker here


def test_hostile_petitions_get_a_reason_and_nothing_else_is_lost(gateway: Running) -> None:
    native = f"{gateway.url}/v1/petitions"
    headers = {"X-API-Key": KEY}

    def post(content: bytes) -> httpx.Response:
        return httpx.post(native, content=content, headers=headers, timeout=30)

    deep = post(b"[" * 100_000 + b"]" * 100_000)
    assert (deep.status_code, deep.json()["reason"]) == (400, "too_deep"), deep.text
    nested = dict(examples.MINIMAL_PETITION, accused="X")
    deep_accused = post(
        json.dumps(nested).encode().replace(b'"X"', b'{"a":' * 5000 + b"1" + b"}" * 5000)
    )
    assert (deep_accused.status_code, deep_accused.json()["reason"]) == (400, "too_deep")
    too_large = dict(examples.MINIMAL_PETITION, content="长" * (MAX_PETITION_BYTES // 3 + 1))
    big = post(json.dumps(too_large, ensure_ascii=False).encode())
    assert (big.status_code, big.json()["reason"]) == (413, "too_large")
    assert "retry-after" not in big.headers

    def chunks() -> Iterator[bytes]:
        # A chunked body (no Content-Length) of 100 MB: refused at the chunk that crosses
        # the limit (tests/unit/gateway counts the chunks read).
        for _ in range(100 * 16):
            yield b" " * 65_536

    try:
        answer = httpx.post(native, content=chunks(), headers=headers, timeout=30)
        assert answer.status_code == 413
    except httpx.HTTPError:
        pass  # the server answered and closed before the client had sent everything

    forged = dict(examples.MINIMAL_PETITION, submission_id="open311:forged.code:1")
    assert post(json.dumps(forged).encode()).status_code == 400

    first = post(json.dumps(examples.MINIMAL_PETITION).encode())
    assert first.status_code == 202
    again = post(json.dumps(examples.MINIMAL_PETITION).encode())
    assert (again.status_code, again.json()["case_id"]) == (202, first.json()["case_id"])
    other = dict(examples.MINIMAL_PETITION, content="另一位信访人，另一件事。")
    conflict = httpx.post(native, json=other, headers={"X-API-Key": OTHER_KEY}, timeout=30)
    assert conflict.status_code == 409
    assert conflict.json()["reason"] == "conflicting_resubmission"
    # Another channel's: the case id is not given away to it.
    assert first.json()["case_id"] not in conflict.json()["detail"]


def test_open311_refuses_a_wrong_key_in_the_query_before_reading_the_body(
    gateway: Running,
) -> None:
    base = f"{gateway.url}/open311/v2/requests.json"

    def body() -> Iterator[bytes]:
        for _ in range(100 * 16):
            yield b"x" * 65_536

    try:
        refused = httpx.post(base, params={"api_key": "wrong"}, content=body(), timeout=30)
        assert refused.status_code == 403
    except httpx.HTTPError:
        pass  # the server answered and closed before the client had sent everything


def test_a_case_is_shown_to_its_channel_and_to_its_petitioner_only(
    kafka: KafkaLocal, prefix: str, gateway: Running
) -> None:
    accepted = httpx.post(
        f"{gateway.url}/v1/petitions",
        json=dict(examples.MINIMAL_PETITION, submission_id="portal-privacy-1"),
        headers={"X-API-Key": KEY},
        timeout=30,
    )
    case_id = accepted.json()["case_id"]
    url = f"{gateway.url}/v1/cases/{case_id}"
    assert httpx.get(url, headers={"X-API-Key": KEY}, timeout=30).status_code == 200
    assert httpx.get(url, timeout=30).status_code == 403
    assert httpx.get(url, headers={"X-API-Key": OTHER_KEY}, timeout=30).status_code == 404
    petitioner = httpx.get(url, params={"query_code": query_code(case_id)}, timeout=30)
    assert petitioner.status_code == 200
    assert petitioner.json()["status"] == "submitted"
    wrong = httpx.get(url, params={"query_code": query_code(case_id + "X")}, timeout=30)
    assert wrong.status_code == 404

    # The Open311 reads answer the same way: the channel's own requests, nobody else.
    mine = Open311Client(f"{gateway.url}/open311/v2", KEY)
    theirs = Open311Client(f"{gateway.url}/open311/v2", OTHER_KEY)
    [created] = mine.create(**_open311_form())
    request_id, token = created["service_request_id"], created["token"]
    assert mine.request(request_id)[0]["service_request_id"] == request_id
    assert mine.request(case_id)[0]["service_request_id"] == case_id  # native, same key
    assert [r["service_request_id"] for r in mine.requests()] == [request_id]
    assert theirs.requests() == []
    for path in (f"requests/{request_id}.json", f"tokens/{token}.json",
                 f"requests/{case_id}.json"):  # fmt: skip
        other = httpx.get(f"{gateway.url}/open311/v2/{path}", params={"api_key": OTHER_KEY},
                          timeout=30)  # fmt: skip
        assert other.status_code == 404, path
        anyone = httpx.get(f"{gateway.url}/open311/v2/{path}", timeout=30)
        assert anyone.status_code == 403, path
    assert httpx.get(f"{gateway.url}/open311/v2/requests.json", timeout=30).status_code == 403

    # Another gateway (a restart, a second replica) knows the channel from the topic.
    with Running(_settings(kafka.bootstrap, prefix)) as another:
        another.ready()
        again = f"{another.url}/v1/cases/{case_id}"
        assert httpx.get(again, headers={"X-API-Key": KEY}, timeout=30).status_code == 200
        assert httpx.get(again, headers={"X-API-Key": OTHER_KEY}, timeout=30).status_code == 404


def test_a_petition_the_topic_cannot_take_is_a_413_not_a_retry(
    kafka: KafkaLocal, prefix: str, gateway: Running
) -> None:
    # The topic takes less than the contract allows (an operator's smaller limit): the
    # broker's MessageSizeTooLargeError is the client's 413, never a 503 with Retry-After.
    admin = KafkaAdminClient(bootstrap_servers=kafka.bootstrap)
    try:
        topic = ConfigResource(
            ConfigResourceType.TOPIC,
            PETITIONS_SUBMITTED.full_name(prefix),
            configs={"max.message.bytes": "2000"},
        )
        admin.alter_configs([topic])
    finally:
        admin.close()
    petition = dict(examples.MINIMAL_PETITION, content="长" * 3000)
    answer = wait_until(
        lambda: _post_if_refused(gateway, petition), "the topic's new limit did not apply"
    )
    assert answer.json()["reason"] == "too_large"
    assert "retry-after" not in answer.headers


def _post_if_refused(gateway: Running, petition: dict[str, Any]) -> httpx.Response | None:
    answer = httpx.post(
        f"{gateway.url}/v1/petitions", json=petition, headers={"X-API-Key": KEY}, timeout=30
    )
    assert answer.status_code in (202, 413), answer.text
    return answer if answer.status_code == 413 else None


def test_an_open311_request_located_by_lat_long_alone_goes_to_its_county(
    gateway: Running,
) -> None:
    client = Open311Client(f"{gateway.url}/open311/v2", KEY)
    form = {k: v for k, v in _open311_form().items() if k != "address_string"}
    [created] = client.create(**form, lat="34.35", long="107.15")
    [found] = client.request(created["service_request_id"])
    assert found["status"] == "open"
    outside = httpx.post(
        f"{gateway.url}/open311/v2/requests.json",
        data={"api_key": KEY, **form, "lat": "39.9", "long": "116.4"},
        timeout=30,
    )
    assert outside.status_code == 400
    assert "outside every county" in outside.json()[0]["description"]
