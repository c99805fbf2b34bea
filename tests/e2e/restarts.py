"""Restarts by the local supervisor show up in the test report instead of passing unseen."""

from __future__ import annotations

import warnings

from services.cli.pipeline import LocalPipeline


def warn_of_restarts(pipeline: LocalPipeline) -> None:
    """A warning per restart, with the service's last critical log line (why it left)."""
    for restart in pipeline.restarts:
        warnings.warn(
            f"{restart.name} exited with {restart.code} and was started again: "
            f"{restart.reason}",
            stacklevel=2,
        )
