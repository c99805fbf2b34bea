"""Formatting the local broker's storage with a cluster id that starts with "-"."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from services.devtools import kafka_local
from services.devtools.kafka_local import KafkaLocal


def test_a_cluster_id_that_looks_like_an_option_still_formats(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # base64url of 0xF8... is "-A...": as "-t -A..." Kafka's argument parser refused it.
    monkeypatch.setattr(uuid, "uuid4", lambda: uuid.UUID(bytes=b"\xf8" + bytes(15)))
    broker = KafkaLocal(home=tmp_path)
    broker._write_config()
    broker._format(kafka_local._java(), kafka_local.classpath(), attempts=1)
    meta = (tmp_path / "data" / "meta.properties").read_text()
    assert "cluster.id=-AAAAAAAAAAAAAAAAAAAAA" in meta
