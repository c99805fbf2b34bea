"""Outputs land on the partition the Java client and aiokafka would choose for their key."""

from __future__ import annotations

import random

from aiokafka.partitioner import DefaultPartitioner  # type: ignore[import-untyped]
from aiokafka.partitioner import murmur2 as aiokafka_murmur2

from services.common.partitioner import default_partition, murmur2


def test_the_hash_is_aiokafkas_for_every_length_and_byte() -> None:
    draw = random.Random(12)
    keys = [bytes(draw.randrange(256) for _ in range(length))
            for length in range(0, 90) for _ in range(40)]  # fmt: skip
    keys += [b'{"case_id":"XF-2026-000123"}', "案件".encode(), b"\xff" * 7]
    for key in keys:
        assert murmur2(key) == aiokafka_murmur2(key), key


def test_the_java_clients_reference_values() -> None:
    # org.apache.kafka.common.utils.UtilsTest#testMurmur2 (as signed ints there).
    cases = {b"21": -973932308, b"foobar": -790332482, b"a-little-bit-long-string": -985981536,
             b"a-little-bit-longer-string": -1486304829,
             b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8": -58897971,
             b"abc": 479470107}  # fmt: skip
    for key, signed in cases.items():
        assert murmur2(key) == signed & 0xFFFFFFFF, key


def test_the_partition_is_the_default_partitioners() -> None:
    draw = random.Random(7)
    aiokafka = DefaultPartitioner()
    for count in (1, 3, 4, 12):
        partitions = list(range(count))
        for _ in range(500):
            key = draw.randbytes(draw.randrange(1, 60))
            assert default_partition(key, partitions, partitions) == aiokafka(
                key, partitions, partitions
            )


def test_no_key_goes_to_an_available_partition() -> None:
    assert default_partition(None, [0, 1, 2, 3], [2]) == 2
    assert default_partition(None, [0, 1], []) in (0, 1)
