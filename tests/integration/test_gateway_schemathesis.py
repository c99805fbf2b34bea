"""The gateway against its own OpenAPI document, with requests schemathesis generates.

Every operation of the document, on a gateway with a real broker behind it, with every
check schemathesis has but one: no 5xx, statuses, content types, headers and bodies as
documented, invalid input refused. The one left out, ``positive_data_acceptance``, expects
every schema-valid petition to be accepted; a JSON Schema cannot say which six-digit codes
are counties of the national table, that an e-mail petition carries an address or that a
petition is not from the future, and intake's reason for each is a documented 400.
A schema-violating body larger than the limit is refused 413 before it is read as JSON:
that too counts as its refusal.

With the channel's key alone, the agency's and the petitioner's operations answer 403 or
404 before their bodies are read; so they are fuzzed again with what opens a case fixed
(schemathesis' ``parameters``): the agency API with the housing bureau's key on a case
routed to it, the petitioner's API and the web page's forms with the case number and query
code of a replied case, and attempt limits too high to reach, so that the bodies,
parameters and headers are what the answers are about. Bounded (``MAX_EXAMPLES`` per
operation, no deadline): the file takes about a minute.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any, Final

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.generation.case import Case
from schemathesis.schemas import BaseSchema

from schemas.identifiers import case_id_for
from services.common.topics import create_topics
from services.devtools.kafka_local import KafkaLocal
from services.gateway import openapi
from services.intake.routing import agency_codes
from tests.integration.test_gateway import CASE_ID_KEY, KEY, Running, query_code
from tests.integration.test_gateway_hostile_requests import Hostile, gateway_settings
from tests.integration.test_petitioner_and_agency import HOUSING_KEY

pytestmark = pytest.mark.integration

MAX_EXAMPLES: Final = 25
#: A schema-violating request may also be refused as too large (413, a documented answer):
#: the body limit is checked, as it arrives, before what the body says.
REFUSALS: Final = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422",
                   "428", "429", "5xx"]  # fmt: skip
#: The cases the agency's and the petitioner's requests are made on: fixed submission ids
#: (the topics are new each run), so their case ids and query codes are known up front.
AGENCY_SUBMISSION, PETITIONER_SUBMISSION, PAGE_SUBMISSION = "st-agency", "st-petitioner", "st-page"
AGENCY_CASE: Final = case_id_for(AGENCY_SUBMISSION, CASE_ID_KEY.encode())
PETITIONER_CASE: Final = case_id_for(PETITIONER_SUBMISSION, CASE_ID_KEY.encode())
PAGE_CASE: Final = case_id_for(PAGE_SUBMISSION, CASE_ID_KEY.encode())


def _schema(parameters: dict[str, str] | None = None) -> BaseSchema:
    """The gateway's document, with ``parameters`` fixed (the key or code that opens a case:
    schemathesis then fuzzes everything else of the request)."""
    return schemathesis.openapi.from_dict(
        openapi.document(),
        config=SchemathesisConfig.from_dict(
            {
                "checks": {"negative_data_rejection": {"expected-statuses": REFUSALS}},
                "parameters": parameters or {},
            }
        ),
    )


schema = _schema()
#: The agency API with the housing bureau's key, on a case routed to it.
agency_schema = _schema(
    {"path.case_id": AGENCY_CASE, "header.X-Agency-Key": HOUSING_KEY}
).include(tag="agency")
#: The petitioner's API with the receipt's query code, on a case its agency has replied to.
petitioner_schema = _schema(
    {"path.case_id": PETITIONER_CASE, "header.X-Query-Code": query_code(PETITIONER_CASE)}
).include(tag="petitioner")
#: The web page's form posts with the case number and query code of a replied case.
page_schema = _schema(
    {"body.case_id": PAGE_CASE, "body.query_code": query_code(PAGE_CASE)}
).include(tag="petitioner-web")


@pytest.fixture(scope="module")
def served(kafka: KafkaLocal) -> Iterator[Running]:
    """One gateway for every operation, on its own topics, with the agency's and the
    petitioner's cases in its view (the petitioner's two replied to: a rating and a review
    request can be accepted)."""
    prefix = f"st{uuid.uuid4().hex[:10]}."
    create_topics(kafka.bootstrap, prefix, agency_codes())
    with Running(gateway_settings(kafka.bootstrap, prefix)) as running:
        running.ready()
        hostile = Hostile(running, kafka.bootstrap, prefix)
        assert hostile.new_case(AGENCY_SUBMISSION) == AGENCY_CASE
        assert hostile.new_case(PETITIONER_SUBMISSION, replied=True) == PETITIONER_CASE
        assert hostile.new_case(PAGE_SUBMISSION, replied=True) == PAGE_CASE
        yield running


bounded = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _keeps_to_its_document(case: Case[Any], served: Running, **headers: str) -> None:
    case.call_and_validate(
        base_url=served.url,
        headers=headers or None,
        excluded_checks=[schemathesis.checks.positive_data_acceptance],
    )


@schema.parametrize()
@bounded
def test_every_operation_keeps_to_its_document(case: Case[Any], served: Running) -> None:
    _keeps_to_its_document(case, served, **{"X-API-Key": KEY})


@agency_schema.parametrize()
@bounded
def test_the_agency_api_keeps_to_its_document_with_a_valid_key(
    case: Case[Any], served: Running
) -> None:
    _keeps_to_its_document(case, served)


@petitioner_schema.parametrize()
@bounded
def test_the_petitioner_api_keeps_to_its_document_with_a_valid_code(
    case: Case[Any], served: Running
) -> None:
    _keeps_to_its_document(case, served)


@page_schema.parametrize()
@bounded
def test_the_petitioner_page_keeps_to_its_document_with_a_valid_code(
    case: Case[Any], served: Running
) -> None:
    _keeps_to_its_document(case, served)
