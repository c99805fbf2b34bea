"""Ports for test servers are picked where outgoing connections never land."""

from __future__ import annotations

import socket

from services.devtools import kafka_local
from services.devtools.kafka_local import free_port


def test_ports_are_below_the_ephemeral_range_and_never_given_twice() -> None:
    low, _ = kafka_local._ephemeral_range()
    ports = [free_port() for _ in range(50)]
    assert len(set(ports)) == 50
    assert all(port < max(low, 21000) for port in ports)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", ports[-1]))


def test_a_port_something_listens_on_is_not_given() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        kafka_local._given_ports.discard(port)
        assert not kafka_local._bindable(port)
