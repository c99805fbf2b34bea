"""Open311 GeoReport v2 on the petition contract: requests in, documents out. No HTTP here.

- Services are the fields of the petition taxonomy (``schemas.fields.FIELDS``);
  every service takes the same attributes (region, title, accused, language).
- A POST becomes a PetitionSubmitted (channel online): the petitioner from first_name,
  last_name, phone and email; the content from description; the title from
  attribute[title], else the service name and the description's first line (which also
  lets intake's classifier see the field the citizen chose); the place from the location
  (see :mod:`services.gateway.geocode`).
- The service request id is the case id; the token is the submission id.
- Documents render as the spec's JSON or XML; errors as its list of {code, description}.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from functools import cache
from typing import Any, Final, Literal
from urllib.parse import parse_qsl, quote, urlparse

from pydantic import BaseModel, ValidationError

from schemas.fields import FIELD_DESCRIPTIONS, FIELDS
from schemas.petitions import Channel, PetitionSubmitted
from services.gateway.geocode import Geocoder, Located, RegionNotFoundError
from services.gateway.models import (
    Open311Attribute,
    Open311AttributeValue,
    Open311Request,
    Open311Service,
    Open311ServiceDefinition,
    bounded,
    echo,
)
from services.gateway.status import CaseRecord, Status

Format = Literal["json", "xml"]
FORMATS: Final[tuple[str, ...]] = ("json", "xml")
#: The spec's default span of GET requests: 90 days or the first 1000, whichever is less.
DEFAULT_SPAN_DAYS: Final = 90
MAX_REQUESTS: Final = 1000
SERVICE_NOTICE: Final = (
    "已登记，15日内转送或交办有权处理机关（《信访工作条例》第22条）。"
    " Registered; it is sent to the competent body within 15 days (Art. 22)."
)
#: Until intake has registered the request (the answer to POST requests, and GET before
#: registration): intake may still refuse it, so it is not called registered yet.
RECEIVED_NOTICE: Final = (
    "已收到，登记后15日内转送或交办有权处理机关（《信访工作条例》第22条）。"
    " Received; once registered, it is sent to the competent body within 15 days (Art. 22)."
)
REJECTED_NOTICE: Final = (
    "未能登记：请求不符合要求，见 status_notes。"
    " Not registered: the request was refused; status_notes says why."
)
#: A repeat of a matter terminated after its re-review: nothing is sent on (Art. 36).
NOT_ACCEPTED_AGAIN_NOTICE: Final = (
    "该事项经复核已办理终结，同一事实和理由不再受理（《信访工作条例》第36条），见 status_notes。"
    " Not accepted again: the matter was terminated after its re-review, and no body accepts"
    " the same facts and reasons again (Art. 36); status_notes names the matter."
)
#: The most problems an error list names: a form of 40,000 unknown attributes (0.9 MB)
#: was answered with 40,000 of them (5.4 MB). The rest are counted in one more entry.
MAX_ERRORS: Final = 20
_ATTRIBUTE = re.compile(r"^attribute\[([A-Za-z0-9_]+)\](\[\])?$")
_TITLE_HEAD: Final = 60


class Open311Problem(Exception):  # noqa: N818 - a named outcome: the spec's error list
    """The request cannot be served; ``descriptions`` become the spec's (code, description)
    pairs: the first ``MAX_ERRORS`` problems, and one saying how many more there are."""

    def __init__(self, status: int, descriptions: Sequence[str]) -> None:
        listed = tuple(descriptions[:MAX_ERRORS])
        if len(descriptions) > MAX_ERRORS:
            more = len(descriptions) - MAX_ERRORS
            listed += (f"... and {more} more problems not listed",)
        super().__init__("; ".join(listed))
        self.status = status
        self.descriptions = listed


# --- services ----------------------------------------------------------------------------------


def _service_name(description: str) -> str:
    return re.split(r"[：:（(]", description, maxsplit=1)[0].strip()


@cache
def services() -> tuple[Open311Service, ...]:
    """GET services: one service per field of the taxonomy, as the contract describes it."""
    listed = []
    for code in FIELDS:
        described = FIELD_DESCRIPTIONS[code]
        name = _service_name(described.description)
        listed.append(
            Open311Service(
                service_code=code,
                service_name=name,
                description=described.description,
                metadata=True,
                type="realtime",
                keywords=", ".join(described.keywords),
                group="住房和城乡建设" if code.startswith("housing.") else name,
            )
        )
    return tuple(listed)


def service(code: str) -> Open311Service:
    for listed in services():
        if listed.service_code == code:
            return listed
    known = ", ".join(s.service_code for s in services())
    raise Open311Problem(404, [f"service_code: {echo(code)} is not a service (services: {known})"])


_ATTRIBUTES: Final = (
    Open311Attribute(
        variable=True,
        code="region_code",
        datatype="string",
        required=False,
        datatype_description="six digits, GB/T 2260, e.g. 610302",
        order=1,
        description="县级行政区划代码 county-level code of the place of the matter; "
        "if absent, it is read from address_string",
    ),
    Open311Attribute(
        variable=True,
        code="title",
        datatype="string",
        required=False,
        datatype_description="at most 200 characters",
        order=2,
        description="标题 title; if absent, the service name and the description's first line",
    ),
    Open311Attribute(
        variable=True,
        code="accused",
        datatype="string",
        required=False,
        datatype_description="at most 200 characters",
        order=3,
        description="被反映单位或人员 the unit or person accused, if any",
    ),
    Open311Attribute(
        variable=True,
        code="language",
        datatype="singlevaluelist",
        required=False,
        datatype_description=None,
        order=4,
        description="语言 language of the replies",
        values=[
            Open311AttributeValue(key="zh", name="中文"),
            Open311AttributeValue(key="en", name="English"),
        ],
    ),
)


def service_definition(code: str) -> Open311ServiceDefinition:
    """GET services/{service_code}: the attributes a request of this service may carry."""
    service(code)
    return Open311ServiceDefinition(service_code=code, attributes=list(_ATTRIBUTES))


# --- POST requests -----------------------------------------------------------------------------

#: Where a contract field comes from in the Open311 form, for error messages.
_FORM_FIELD: Final = {
    "petitioner": "first_name/last_name",
    "petitioner.name": "first_name/last_name",
    "petitioner.phone": "phone",
    "petitioner.email": "email",
    "content": "description",
    "title": "attribute[title]",
    "accused": "attribute[accused]",
    "language": "attribute[language]",
    "address_of_matter": "address_string",
    "region_code": "attribute[region_code]",
}


def _cjk(text: str) -> bool:
    return any("\u4e00" <= char <= "\u9fff" for char in text)


def petitioner_name(first: str, last: str) -> str:
    """Chinese names are family name first, without a space; others "first last"."""
    if _cjk(first + last):
        return f"{last}{first}"
    return " ".join(part for part in (first, last) if part)


def form_pairs(text: str, where: str) -> list[tuple[str, str]]:
    """The name-value pairs of a URL-encoded ``text`` (a query string or a form body,
    ``where`` says which), or Open311Problem(400) naming each field whose percent-escapes
    are not UTF-8: the spec requires UTF-8, and decoding them with replacement characters
    would publish text the citizen never wrote (U+FFFD for each byte)."""
    pairs = parse_qsl(text, keep_blank_values=True, errors="surrogateescape")
    bad = [name for name, value in pairs if _escaped(name) or _escaped(value)]
    if bad:
        raise Open311Problem(400, [
            f"{echo(_shown(name))}: percent-escapes that are not UTF-8 in the {where} (the "
            "spec requires UTF-8; encode the text as UTF-8 before percent-encoding it)"
            for name in dict.fromkeys(bad)
        ])  # fmt: skip
    return pairs


#: What ``surrogateescape`` makes of a byte that is not UTF-8: a lone surrogate.
_NOT_UTF8: Final = re.compile("[\udc80-\udcff]")


def _escaped(text: str) -> bool:
    """Whether ``text`` holds bytes that were not UTF-8 (kept as lone surrogates)."""
    return _NOT_UTF8.search(text) is not None


def _shown(text: str) -> str:
    """``text``; one with bytes that were not UTF-8 percent-encoded again, as the client
    sent it (a lone surrogate cannot be encoded in an answer)."""
    return quote(text, safe="[]/", errors="surrogateescape") if _escaped(text) else text


def check_given_once(form: Mapping[str, Sequence[str]]) -> None:
    """Open311Problem(400) naming every parameter given more than once.

    GeoReport v2 gives a list as one comma-separated value (``status=open,closed``,
    ``service_request_id=a,b``); a parameter given twice is not in the spec, and picking
    the first or the last would answer a question the client may not have asked. A
    multi-value attribute (``attribute[code][]``) is a list by its name; ``api_key`` has a
    rule of its own (the same key twice is one key; two different keys are none).
    """
    twice = sorted(
        name
        for name, values in form.items()
        if len(values) > 1 and not name.endswith("[]") and name != "api_key"
    )
    if twice:
        raise Open311Problem(400, [
            f"{echo(name)}: given {len(form[name])} times; give it once (a list is one "
            "comma-separated value, e.g. status=open,closed)"
            for name in twice
        ])  # fmt: skip


def petition_from_form(
    form: Mapping[str, Sequence[str]],
    *,
    submission_id: str,
    received_at: datetime,
    geocoder: Geocoder,
) -> tuple[PetitionSubmitted, Located]:
    """The petition of a POST requests form (api_key already checked), or Open311Problem(400)
    listing every field that is missing or wrong."""
    problems: list[str] = []

    def one(name: str) -> str:
        values = form.get(name, ())
        return values[-1].strip() if values else ""

    code = one("service_code")
    chosen: Open311Service | None = None
    if not code:
        problems.append("service_code: required (see GET services)")
    else:
        try:
            chosen = service(code)
        except Open311Problem as unknown:
            problems.extend(unknown.descriptions)

    attributes: dict[str, str] = {}
    known = {attribute.code for attribute in _ATTRIBUTES}
    for name, values in form.items():
        match = _ATTRIBUTE.match(name)
        if match is None:
            continue
        if match.group(1) not in known:
            problems.append(
                f"{name}: not an attribute of this service (attributes: {', '.join(sorted(known))})"
            )
        elif match.group(2):
            problems.append(f"{name}: {match.group(1)} takes one value, not a list")
        elif values:
            attributes[match.group(1)] = values[-1].strip()
    language = attributes.get("language")
    if language is not None and language not in ("zh", "en"):
        problems.append(f"attribute[language]: {echo(language)} is not one of zh, en")

    lat_text, long_text = one("lat"), one("long")
    address, address_id = one("address_string"), one("address_id")
    lat_long = _lat_long(lat_text, long_text, problems)
    if lat_long is None and not address and not address_id and not lat_text and not long_text:
        problems.append("location: required: lat and long, address_string or address_id")
    located: Located | None = None
    try:
        located = geocoder.locate(
            region_code=attributes.get("region_code"),
            address=address or None,
            address_id=address_id or None,
            lat_long=lat_long,
        )
    except RegionNotFoundError as exc:
        problems.append(str(exc))

    description = one("description")
    if not description:
        problems.append("description: required: the facts and the request of the petition")
    first, last = one("first_name"), one("last_name")
    if not (first or last):
        problems.append(
            "first_name/last_name: required: a petition names its petitioner (Art. 19)"
        )
    if problems or chosen is None or located is None:
        raise Open311Problem(400, problems)

    place = address or (f"address_id {address_id}" if address_id else "")
    if lat_long is not None:
        place = f"{place} ({lat_long[0]}, {lat_long[1]})".strip()
    media_url = one("media_url")
    document: dict[str, Any] = {
        "submission_id": submission_id,
        "channel": Channel.ONLINE.value,
        "received_at": received_at.isoformat(),
        "petitioner": {
            "name": petitioner_name(first, last),
            "phone": one("phone") or None,
            "email": one("email") or None,
        },
        "region_code": located.region_code,
        "title": attributes.get("title") or _default_title(chosen, description),
        "content": description,
        "accused": attributes.get("accused") or None,
        "address_of_matter": place[:300] or None,
        "language": language or "zh",
        "attachments": [_attachment(media_url)] if media_url else [],
    }
    try:
        petition = PetitionSubmitted.model_validate(document)
    except ValidationError as exc:
        raise Open311Problem(400, _describe(exc)) from None
    return petition, located


#: A latitude or longitude in decimal degrees, blanks around it allowed (34.35, -0.5, .5).
_DEGREES: Final = re.compile(r"\s*[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*", re.ASCII)


def _lat_long(lat: str, long: str, problems: list[str]) -> tuple[float, float] | None:
    if not lat and not long:
        return None
    if not (lat and long):
        problems.append("lat/long: both are required when either is given")
        return None
    # Decimal degrees as written: float() also reads 3_4.35, nan, inf and ١٢ as numbers.
    if not (_DEGREES.fullmatch(lat) and _DEGREES.fullmatch(long)):
        problems.append(f"lat/long: not numbers: {echo(lat)}, {echo(long)}")
        return None
    latitude, longitude = float(lat), float(long)
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        problems.append(f"lat/long: out of range: {latitude}, {longitude} (WGS84 degrees)")
        return None
    return latitude, longitude


def _default_title(chosen: Open311Service, description: str) -> str:
    head = description.splitlines()[0].strip()
    if len(head) > _TITLE_HEAD:
        head = head[:_TITLE_HEAD] + "…"
    return f"{chosen.service_name}：{head}"


def _attachment(url: str) -> dict[str, str]:
    filename = urlparse(url).path.rsplit("/", 1)[-1] or "media"
    return {"filename": filename[:255], "url": url}


def _describe(exc: ValidationError) -> list[str]:
    described = []
    for error in exc.errors()[:10]:
        where = ".".join(str(part) for part in error["loc"])
        head = ".".join(str(part) for part in error["loc"][:2])
        name = _FORM_FIELD.get(head) or _FORM_FIELD.get(where.split(".")[0]) or where
        described.append(f"{name}: {error['msg']}")
    return described


# --- GET requests ------------------------------------------------------------------------------


def request_document(record: CaseRecord) -> Open311Request:
    """One service request as GET requests shows it: status, dates, agency; no text."""
    code = record.open311_service_code or record.field
    name = None
    if code is not None:
        name = next((s.service_name for s in services() if s.service_code == code), None)
    return Open311Request(
        service_request_id=record.case_id,
        status="closed" if record.closed else "open",
        status_notes=_notes(record),
        service_name=name,
        service_code=code,
        description=None,
        agency_responsible=record.name_of(record.held_by) if record.held_by else None,
        service_notice=_notice(record),
        requested_datetime=record.received_at,
        updated_datetime=record.status_at,
        expected_datetime=None,
        address=None,
        address_id=None,
        zipcode=None,
        lat=None,
        long=None,
        media_url=None,
    )


def _notes(record: CaseRecord) -> str:
    """The status and its detail, once: a repeat's detail names the verdict already
    ("repeat: near_repeat", not "repeat: repeat: near_repeat")."""
    status = record.status.value
    if not record.detail:
        return status
    return record.detail if record.detail.startswith(f"{status}:") else f"{status}: {record.detail}"


def _notice(record: CaseRecord) -> str:
    """The notice says "registered" only once intake has registered the request, and that
    nothing is sent on once the casework terminated it as a repeat of a terminated matter
    (Art. 36), filed (closed) or not."""
    status = record.status
    if status is Status.SUBMITTED:
        return RECEIVED_NOTICE
    if status is Status.REJECTED:
        return REJECTED_NOTICE
    if record.facts is not None and record.facts.terminated_matter:
        return NOT_ACCEPTED_AGAIN_NOTICE
    return SERVICE_NOTICE


def parse_time(name: str, text: str) -> datetime:
    """A start_date or end_date: ISO 8601 with a zone (the spec's w3 subset)."""
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise Open311Problem(
            400,
            [f"{name}: {echo(text)} is not an ISO 8601 date-time, e.g. 2026-11-20T10:00:00+08:00"],
        ) from None
    if value.tzinfo is None:
        raise Open311Problem(400, [f"{name}: a time zone is required (Z or +08:00)"])
    return value


def select_requests(
    records: Sequence[CaseRecord], query: Mapping[str, str], now: datetime
) -> list[CaseRecord]:
    """GET requests with the spec's filters. service_request_id (comma-separated) overrides
    the others; without dates the span is the last 90 days; at most 1000, newest first."""
    ids = [part.strip() for part in query.get("service_request_id", "").split(",") if part]
    if ids:
        wanted = set(ids)
        return [record for record in records if record.case_id in wanted][:MAX_REQUESTS]
    codes = {part.strip() for part in query.get("service_code", "").split(",") if part.strip()}
    statuses = {part.strip() for part in query.get("status", "").split(",") if part.strip()}
    bad = statuses - {"open", "closed"}
    if bad:
        raise Open311Problem(400, [f"status: {', '.join(sorted(bad))}: use open or closed"])
    end = parse_time("end_date", query["end_date"]) if query.get("end_date") else now
    start = (
        parse_time("start_date", query["start_date"])
        if query.get("start_date")
        else end - timedelta(days=DEFAULT_SPAN_DAYS)
    )
    chosen = []
    for record in records:
        received = record.received_at
        if received is None or not start <= received <= end:
            continue
        if codes and (record.open311_service_code or record.field) not in codes:
            continue
        if statuses and ("closed" if record.closed else "open") not in statuses:
            continue
        chosen.append(record)
    chosen.sort(key=lambda record: record.received_at or now, reverse=True)
    return chosen[:MAX_REQUESTS]


# --- rendering ---------------------------------------------------------------------------------

_ITEM_OF: Final = {"attributes": "attribute", "values": "value"}


def render(document: Any, fmt: Format, *, root: str, item: str | None = None) -> bytes:
    """A document in the spec's JSON or XML: a list renders as <root><item>...</item></root>,
    a single document as <root>...</root>."""
    plain = _plain(document)
    if fmt == "json":
        return json.dumps(plain, ensure_ascii=False).encode()
    element = ET.Element(root)
    if isinstance(plain, list):
        for entry in plain:
            _fill(ET.SubElement(element, item or root), entry)
    else:
        _fill(element, plain)
    body: bytes = ET.tostring(element, encoding="utf-8", xml_declaration=True)
    return body


def errors(status: int, descriptions: Sequence[str], fmt: Format) -> bytes:
    """The spec's error document: [{code, description}] / <errors><error>...</error></errors>."""
    listed = [{"code": status, "description": bounded(text)} for text in descriptions]
    return render(listed, fmt, root="errors", item="error")


def _plain(document: Any) -> Any:
    if isinstance(document, BaseModel):
        return document.model_dump(mode="json")
    if isinstance(document, list | tuple):
        return [_plain(entry) for entry in document]
    return document


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            sub = ET.SubElement(element, key)
            if isinstance(child, list):
                for entry in child:
                    _fill(ET.SubElement(sub, _ITEM_OF.get(key, "item")), entry)
            else:
                _fill(sub, child)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = str(value)
