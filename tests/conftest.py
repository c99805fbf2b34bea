"""Shared fixtures: one real Kafka broker per test session, uuid-prefixed topics per test."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.cli.pipeline import LocalPipeline
from services.common.topics import create_topics
from services.devtools.kafka_local import KafkaLocal, free_port
from services.intake.routing import agency_codes


@pytest.fixture(scope="session")
def kafka(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KafkaLocal]:
    """A real Apache Kafka 3.9 broker (KRaft) on 127.0.0.1, started once per session."""
    broker = KafkaLocal(
        tmp_path_factory.mktemp("kafka"), port=free_port(), controller_port=free_port()
    )
    broker.up()
    yield broker
    broker.down()


@pytest.fixture
def prefix(kafka: KafkaLocal) -> str:
    """A fresh topic prefix with every registry topic created under it."""
    value = f"t{uuid.uuid4().hex[:10]}."
    create_topics(kafka.bootstrap, value, agency_codes())
    return value


@pytest.fixture
def pipeline(kafka: KafkaLocal, prefix: str, tmp_path: Path) -> Iterator[LocalPipeline]:
    """Service processes on the session broker; every one is stopped after the test."""
    running = LocalPipeline(kafka.bootstrap, prefix, tmp_path)
    yield running
    running.stop_all()
