"""Command-line options that several `xinfang` commands share."""

from __future__ import annotations

from typing import Annotated

import typer

Bootstrap = Annotated[
    str,
    typer.Option("--bootstrap", envvar="XINFANG_BOOTSTRAP_SERVERS", help="Kafka bootstrap servers"),
]
Prefix = Annotated[
    str, typer.Option("--prefix", envvar="XINFANG_TOPIC_PREFIX", help="topic name prefix")
]
