"""The gateway's pure parts: Open311 mapping and documents, the county from an address,
the status view's folding, settings, and the committed OpenAPI document."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import pytest
from starlette.requests import Request

from schemas import examples
from schemas.cases import CaseUpdate, UpdateKind
from schemas.fields import FIELDS
from schemas.identifiers import case_id_for
from schemas.petitions import (
    MAX_PETITION_BYTES,
    DeadLetter,
    PetitionSubmitted,
    RejectReason,
    Stage,
)
from services.common.regions import default_table
from services.common.settings import SettingsError, load_settings
from services.gateway import open311, openapi
from services.gateway.app import build, server_config
from services.gateway.casework_api import address_counted
from services.gateway.endpoints import Gateway, channel_key_id
from services.gateway.geocode import Geocoder, RegionNotFoundError, RegionSource
from services.gateway.open311 import Open311Problem
from services.gateway.settings import DEMO_API_KEY, GatewaySettings
from services.gateway.status import Status, StatusView
from services.intake.classify import default_classifier

CASE_ID_KEY = b"a-case-id-key-of-sixteen+"

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


def _geocoder(default: str | None = None) -> Geocoder:
    return Geocoder(default_table(), {"清姜路1号院": "610302"}, default)


def _form(**changes: str) -> dict[str, list[str]]:
    form = {
        "service_code": "housing.title_certificate",
        "address_string": "宝鸡市渭滨区某小区",
        "first_name": "三",
        "last_name": "张",
        "description": "开发商至今未办理产权证。\n多次催促无果。",
    }
    form.update(changes)
    return {name: [value] for name, value in form.items()}


def test_every_field_is_a_service_with_a_definition() -> None:
    assert [s.service_code for s in open311.services()] == list(FIELDS)
    definition = open311.service_definition("labour_social_security")
    codes = {a.code for a in definition.attributes}
    assert codes == {"region_code", "title", "accused", "language"}
    with pytest.raises(open311.Open311Problem) as unknown:
        open311.service("potholes")
    assert unknown.value.status == 404


def test_a_service_is_described_in_the_words_of_its_classification_rule() -> None:
    # The contract repeats the shipped rules' descriptions so that the gateway need not
    # import intake: a client choosing by a keyword must name a word the rule scores.
    rules = default_classifier().rules.fields
    for code in FIELDS:
        listed, rule = open311.service(code), rules[code]
        assert listed.description == rule.description
        scored = {term.rstrip("*") for term in rule.keywords}
        assert set(listed.keywords.split(", ")) <= scored, code


def test_a_form_becomes_a_petition() -> None:
    petition, located = open311.petition_from_form(
        _form(), submission_id="open311:x:1", received_at=NOW, geocoder=_geocoder()
    )
    assert located.source is RegionSource.ADDRESS_NAME
    assert petition.region_code == "610302"
    assert petition.petitioner.name == "张三"
    assert petition.title == "不动产权证：开发商至今未办理产权证。"
    assert petition.content.startswith("开发商")
    latin, _ = open311.petition_from_form(
        _form(first_name="Wei", last_name="Li", **{"attribute[region_code]": "110105"}),
        submission_id="open311:x:2", received_at=NOW, geocoder=_geocoder(),
    )  # fmt: skip
    assert (latin.petitioner.name, latin.region_code) == ("Wei Li", "110105")


def test_the_county_comes_from_the_attribute_a_place_a_name_or_the_default() -> None:
    geocoder = _geocoder(default="610302")
    assert geocoder.locate(region_code=None, address="清姜路1号院3单元", address_id=None
                           ).source is RegionSource.CONFIGURED_PLACE  # fmt: skip
    assert geocoder.locate(region_code=None, address=None, address_id=None
                           ).source is RegionSource.DEFAULT  # fmt: skip
    beijing = _geocoder().locate(region_code=None, address="北京市朝阳区某街", address_id=None)
    assert beijing.region_code == "110105"
    with pytest.raises(RegionNotFoundError, match="more than one county"):
        _geocoder().locate(region_code=None, address="朝阳区某小区", address_id=None)
    with pytest.raises(RegionNotFoundError, match="not a county-level code"):
        _geocoder().locate(region_code="999999", address=None, address_id=None)


def test_a_bad_form_lists_every_problem_with_its_field() -> None:
    form = _form(email="nope", lat="91", long="10")
    del form["description"]
    with pytest.raises(open311.Open311Problem) as bad:
        open311.petition_from_form(form, submission_id="s", received_at=NOW, geocoder=_geocoder())
    assert bad.value.status == 400
    text = " | ".join(bad.value.descriptions)
    assert "lat/long: out of range" in text
    assert "description: required" in text


@pytest.mark.parametrize(
    ("lat", "long", "problem"),
    [
        ("NaN", "NaN", "not numbers"),
        ("Infinity", "107.15", "not numbers"),
        ("1e400", "107.15", "not numbers"),
        ("3_4.35", "107.15", "not numbers"),  # float() reads it as 34.35
        ("３４.３５", "107.15", "not numbers"),  # and full-width digits as digits
        ("0x22", "107", "not numbers"),
        ("90.000001", "107.15", "out of range"),
        ("34.35", "-180.5", "out of range"),
    ],
)
def test_lat_long_that_are_no_decimal_degrees_are_refused(
    lat: str, long: str, problem: str
) -> None:
    with pytest.raises(open311.Open311Problem) as bad:
        open311.petition_from_form(_form(lat=lat, long=long), submission_id="s",
                                   received_at=NOW, geocoder=_geocoder())  # fmt: skip
    assert f"lat/long: {problem}" in " | ".join(bad.value.descriptions)


def test_documents_render_in_the_specs_json_and_xml() -> None:
    errors = open311.errors(400, ["service_code: required"], "xml")
    tree = ET.fromstring(errors)
    assert (tree.tag, tree.findtext("error/code")) == ("errors", "400")
    assert json.loads(open311.errors(403, ["x"], "json")) == [{"code": 403, "description": "x"}]
    definition = ET.fromstring(
        open311.render(open311.service_definition("medical"), "xml", root="service_definition")
    )
    assert definition.findtext("attributes/attribute/variable") == "true"


def _update(case_id: str, kind: UpdateKind, day: int) -> bytes:
    return CaseUpdate(
        update_id=f"{kind}-{day}", case_id=case_id, kind=kind,
        occurred_at=datetime(2026, 11, day, tzinfo=UTC), agency_code="a1",
    ).to_json_bytes()  # fmt: skip


def test_the_status_view_never_moves_back_when_topics_arrive_out_of_order() -> None:
    view = StatusView(CASE_ID_KEY)
    petition = PetitionSubmitted.model_validate(examples.MINIMAL_PETITION)
    case_id = case_id_for(petition.submission_id, CASE_ID_KEY)
    view.apply("cases.updates", _update(case_id, UpdateKind.ACCEPTED, 22))
    view.record_submission(petition)
    view.apply("petitions.submitted", json.dumps(examples.MINIMAL_PETITION).encode())
    registered = dict(examples.REGISTERED[0].value or {})
    registered.update(case_id=case_id, submission_id=petition.submission_id)
    view.apply("cases.registered", json.dumps(registered).encode())
    record = view.get(case_id)
    assert record is not None
    assert record.status is UpdateKind.ACCEPTED
    assert view.by_submission(petition.submission_id) is record
    view.apply("cases.updates", _update(case_id, UpdateKind.CLOSED, 25))
    view.apply("cases.updates", _update(case_id, UpdateKind.EXTENDED, 24))
    current = view.get(case_id)
    assert current is not None
    assert current.status is UpdateKind.CLOSED
    assert record.closed
    assert [s.status for s in record.history].count(Status.SUBMITTED) == 1
    assert not view.apply("cases.updates", b"{not json")


def test_the_api_offers_every_agency_step_as_a_case_status() -> None:
    schemas = openapi.document()["components"]["schemas"]
    choices = schemas["CaseView"]["properties"]["status"]["anyOf"]
    offered = {value for ref in choices for value in schemas[ref["$ref"].split("/")[-1]]["enum"]}
    assert offered == {*(kind.value for kind in UpdateKind), *(status.value for status in Status)}


def test_keys_are_required_outside_demo_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("XINFANG_DEMO_MODE", raising=False)
    monkeypatch.delenv("XINFANG_GATEWAY_API_KEYS", raising=False)
    monkeypatch.delenv("XINFANG_CASE_ID_KEY", raising=False)
    with pytest.raises(SettingsError, match="CASE_ID_KEY is required"):
        load_settings(GatewaySettings)
    monkeypatch.setenv("XINFANG_CASE_ID_KEY", "a-case-id-key-of-sixteen+")
    with pytest.raises(SettingsError, match="API_KEYS is required"):
        load_settings(GatewaySettings)
    monkeypatch.setenv("XINFANG_GATEWAY_API_KEYS", "first-key-0123456789, second-key-0123456789")
    monkeypatch.setenv("XINFANG_WEB_PORT", "9000")
    settings = load_settings(GatewaySettings)
    assert settings.key_allowed("second-key-0123456789")
    assert not settings.key_allowed(DEMO_API_KEY)
    assert settings.web_port == 9000
    monkeypatch.setenv("XINFANG_GATEWAY_WEB_PORT", "8081")
    assert load_settings(GatewaySettings).web_port == 8081


def test_the_committed_openapi_document_is_fresh() -> None:
    committed = openapi.COMMITTED.read_text(encoding="utf-8")
    assert committed == openapi.rendered(), (
        "services/gateway/openapi.json is stale: run python -m services.gateway.openapi"
    )
    paths = json.loads(committed)["paths"]
    assert "/open311/v2/requests.{format}" in paths
    assert "/v1/petitions" in paths


def _gateway() -> Gateway:
    settings = GatewaySettings(
        api_keys="a-channel-key-of-sixteen+", case_id_key="c" * 16, bootstrap_servers="127.0.0.1:1"
    )
    # Built as the app builds it, never started: no broker is reached.
    return build(settings).gateway


def _endless_request(
    path: str, query: bytes, headers: dict[str, str], read: list[int], **params: str
) -> Request:
    """A POST whose body never ends, counting the chunks the handler reads."""
    scope = {
        "type": "http", "method": "POST", "path": path, "query_string": query,
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "path_params": params,
    }  # fmt: skip

    async def receive() -> dict[str, object]:
        read.append(1)
        return {"type": "http.request", "body": b" " * 65_536, "more_body": True}

    return Request(scope, receive)


def test_a_chunked_body_is_refused_at_the_chunk_that_crosses_the_limit() -> None:
    read: list[int] = []
    request = _endless_request(
        "/v1/petitions", b"", {"X-API-Key": "a-channel-key-of-sixteen+"}, read
    )
    response = asyncio.run(_gateway().submit_petition(request))
    assert response.status_code == 413
    assert json.loads(bytes(response.body))["reason"] == "too_large"
    assert len(read) == MAX_PETITION_BYTES // 65_536 + 1


def test_a_wrong_key_is_refused_before_a_byte_of_the_body_is_read() -> None:
    read: list[int] = []
    native = _endless_request("/v1/petitions", b"", {"X-API-Key": "wrong"}, read)
    assert asyncio.run(_gateway().submit_petition(native)).status_code == 403
    open311_request = _endless_request(
        "/open311/v2/requests.json", b"api_key=wrong", {}, read, format="json"
    )
    with pytest.raises(Open311Problem) as refused:
        asyncio.run(_gateway().open311_create(open311_request))
    assert refused.value.status == 403
    assert read == []


def test_the_view_tells_a_retry_from_a_conflicting_resubmission() -> None:
    view = StatusView(CASE_ID_KEY)
    petition = PetitionSubmitted.model_validate(examples.MINIMAL_PETITION)
    view.apply("petitions.submitted", petition.to_json_bytes())
    assert view.conflicts(petition) is None
    other = PetitionSubmitted.model_validate({**examples.MINIMAL_PETITION, "content": "另一件事"})
    conflict = view.conflicts(other)
    assert conflict is not None
    assert conflict.case_id == case_id_for(petition.submission_id, CASE_ID_KEY)


def test_status_notes_name_the_status_once() -> None:
    view = StatusView(CASE_ID_KEY)
    petition = PetitionSubmitted.model_validate(
        {**examples.MINIMAL_PETITION, "submission_id": "open311:medical:notes"}
    )
    record = view.record_submission(petition)
    repeat = dataclasses.replace(record, status=Status.REPEAT, detail="repeat: near_repeat")
    assert open311.request_document(repeat).status_notes == "repeat: near_repeat"
    new = dataclasses.replace(record, status=Status.REGISTERED, detail="new: first_of_matter")
    assert open311.request_document(new).status_notes == "registered: new: first_of_matter"
    assert open311.request_document(record).status_notes == "submitted"


def test_a_request_intake_refused_does_not_say_registered() -> None:
    view = StatusView(CASE_ID_KEY)
    petition = PetitionSubmitted.model_validate(
        {**examples.MINIMAL_PETITION, "submission_id": "open311:medical:abc"}
    )
    record = view.record_submission(petition)
    # Submitted, not registered yet: intake may still refuse it.
    assert open311.request_document(record).service_notice == open311.RECEIVED_NOTICE
    assert "Registered" not in open311.RECEIVED_NOTICE
    letter = DeadLetter(
        stage=Stage.INTAKE, reason=RejectReason.RECEIVED_IN_FUTURE, detail="later",
        source_topic="petitions.submitted", source_partition=0, source_offset=0,
        original_value_b64="", submission_id=petition.submission_id,
        rejected_at=datetime(2026, 11, 21, tzinfo=UTC),
    )  # fmt: skip
    view.apply("petitions.rejected", letter.to_json_bytes())
    document = open311.request_document(record)
    assert document.status == "closed"
    assert document.service_notice == open311.REJECTED_NOTICE


def test_the_view_skips_a_poison_on_any_topic_and_reads_on() -> None:
    view = StatusView(CASE_ID_KEY)
    deep = b"[" * 100_000 + b"]" * 100_000
    for topic in ("petitions.submitted", "petitions.rejected", "cases.registered"):
        assert not view.apply(topic, deep)
        assert not view.apply(topic, b"x" * 900_000)
    assert view.apply("petitions.submitted", json.dumps(examples.MINIMAL_PETITION).encode())
    assert view.by_submission("portal-000123") is not None


def _get_case(gateway: Gateway, case_id: str, headers: dict[str, str], query: bytes = b"") -> int:
    scope = {
        "type": "http", "method": "GET", "path": f"/v1/cases/{case_id}", "query_string": query,
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "path_params": {"case_id": case_id},
    }  # fmt: skip
    return asyncio.run(gateway.get_case(Request(scope))).status_code


def test_case_status_does_not_tell_whether_a_case_exists() -> None:
    gateway = _gateway()
    petition = PetitionSubmitted.model_validate(examples.MINIMAL_PETITION)
    key = "a-channel-key-of-sixteen+"
    case_id = gateway.view.record_submission(petition, channel_key_id(key)).case_id
    assert _get_case(gateway, case_id, {}) == 403
    # While the view is loading, a case the caller may not see and one that does not exist
    # get the same 503; once loaded, the same 404.
    assert _get_case(gateway, case_id, {}, b"query_code=0000-0000") == 503
    assert _get_case(gateway, "XF-NOPE", {"X-API-Key": key}) == 503
    assert _get_case(gateway, case_id, {"X-API-Key": key}) == 200
    gateway.feed._mark_caught(set(), set())  # every topic read to its end
    assert _get_case(gateway, case_id, {}, b"query_code=0000-0000") == 404
    assert _get_case(gateway, "XF-NOPE", {"X-API-Key": key}) == 404


def test_proxy_headers_are_believed_only_from_the_configured_proxies(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # uvicorn believes X-Forwarded-For from 127.0.0.1 and ::1 unless told otherwise (or
    # from $FORWARDED_ALLOW_IPS): the gateway tells it, none by default.
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "*")
    monkeypatch.setenv("XINFANG_GATEWAY_API_KEYS", "a-channel-key-of-sixteen+")
    monkeypatch.setenv("XINFANG_CASE_ID_KEY", "c" * 16)
    settings = load_settings(GatewaySettings)
    assert settings.trusted_proxies == ()
    config = server_config(build(settings), settings, log_config=None)
    assert not config.proxy_headers
    monkeypatch.setenv("XINFANG_GATEWAY_TRUSTED_PROXIES", " 10.0.0.5, 192.168.0.0/16,::1 ")
    settings = load_settings(GatewaySettings)
    assert settings.trusted_proxies == ("10.0.0.5", "192.168.0.0/16", "::1")
    config = server_config(build(settings), settings, log_config=None)
    assert config.proxy_headers
    assert config.forwarded_allow_ips == ["10.0.0.5", "192.168.0.0/16", "::1"]
    # A network written with its host bits (10.0.0.1/8) is the network it means: uvicorn
    # reads networks strictly and would quietly believe no address of it.
    monkeypatch.setenv("XINFANG_GATEWAY_TRUSTED_PROXIES", "10.0.0.1/8,fd00::1/64")
    settings = load_settings(GatewaySettings)
    assert settings.trusted_proxies == ("10.0.0.0/8", "fd00::/64")
    from uvicorn.middleware.proxy_headers import _TrustedHosts

    trusted = _TrustedHosts(list(settings.trusted_proxies))
    assert "10.200.3.4" in trusted
    assert "fd00::7" in trusted
    assert "11.0.0.1" not in trusted
    for bad in ("*", "proxy.local", "10.0.0.0/33"):
        monkeypatch.setenv("XINFANG_GATEWAY_TRUSTED_PROXIES", bad)
        with pytest.raises(SettingsError, match="TRUSTED_PROXIES"):
            load_settings(GatewaySettings)


def test_an_ipv6_client_is_counted_by_its_64_not_by_each_address() -> None:
    # A host is given a /64: one address per guess was 2**64 guessers to the limit.
    one = address_counted("2001:db8:1:2:aaaa::1")
    assert one == address_counted("2001:db8:1:2:ffff:ffff:ffff:ffff") == "2001:db8:1:2::/64"
    assert address_counted("2001:db8:1:3::1") != one
    assert address_counted("::ffff:198.51.100.7") == address_counted("198.51.100.7")
    assert address_counted("198.51.100.7") == "198.51.100.7"
    assert address_counted("unknown") == "unknown"
