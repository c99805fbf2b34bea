"""The gateway against its own OpenAPI document, with requests schemathesis generates.

Every operation of the document, on a gateway with a real broker behind it, with every
check schemathesis has but one: no 5xx, statuses, content types, headers and bodies as
documented, invalid input refused. The one left out, ``positive_data_acceptance``, expects
every schema-valid petition to be accepted; a JSON Schema cannot say which six-digit codes
are counties of the national table, that an e-mail petition carries an address or that a
petition is not from the future, and intake's reason for each is a documented 400.
A schema-violating body larger than the limit is refused 413 before it is read as JSON:
that too counts as its refusal. Bounded (``MAX_EXAMPLES`` per operation, no deadline) so
that it adds well under a minute to the suite.
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

from services.common.topics import create_topics
from services.devtools.kafka_local import KafkaLocal, free_port
from services.gateway import openapi
from services.gateway.settings import GatewaySettings
from services.intake.routing import agency_codes
from tests.integration.test_gateway import CASE_ID_KEY, KEY, QUERY_KEY, Running

pytestmark = pytest.mark.integration

MAX_EXAMPLES: Final = 25
#: A schema-violating request may also be refused as too large (413, a documented answer):
#: the body limit is checked, as it arrives, before what the body says.
REFUSALS: Final = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422",
                   "428", "429", "5xx"]  # fmt: skip
schema = schemathesis.openapi.from_dict(
    openapi.document(),
    config=SchemathesisConfig.from_dict(
        {"checks": {"negative_data_rejection": {"expected-statuses": REFUSALS}}}
    ),
)


@pytest.fixture(scope="module")
def served(kafka: KafkaLocal) -> Iterator[Running]:
    """One gateway for every operation, on its own topics."""
    prefix = f"st{uuid.uuid4().hex[:10]}."
    create_topics(kafka.bootstrap, prefix, agency_codes())
    settings_ = GatewaySettings(
        bootstrap_servers=kafka.bootstrap,
        topic_prefix=prefix,
        web_port=free_port(),
        api_keys=KEY,
        case_id_key=CASE_ID_KEY,
        query_key=QUERY_KEY,
        ack_timeout_seconds=5,
    )
    with Running(settings_) as running:
        running.ready()
        yield running


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_operation_keeps_to_its_document(case: Case[Any], served: Running) -> None:
    case.call_and_validate(
        base_url=served.url,
        headers={"X-API-Key": KEY},
        excluded_checks=[schemathesis.checks.positive_data_acceptance],
    )
