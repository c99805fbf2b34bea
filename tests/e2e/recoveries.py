"""Recoveries (a restart by the local supervisor, an output sent again) show up in the test
report as warnings instead of passing unseen: they are how a rare stall would look."""

from __future__ import annotations

import warnings

from services.cli.pipeline import LocalPipeline

RESEND: str = "no acknowledgement from the broker: sending again"


def warn_of_recoveries(pipeline: LocalPipeline) -> None:
    """A warning per restart, with the service's last critical log line (why it left), and
    one per service that had to send an output again, with the first such line."""
    for restart in pipeline.restarts:
        warnings.warn(
            f"{restart.name} exited with {restart.code} and was started again: {restart.reason}",
            stacklevel=2,
        )
    for name, process in pipeline.processes.items():
        if not process.log_path.exists():
            continue
        lines = [
            line
            for line in process.log_path.read_text(errors="replace").splitlines()
            if RESEND in line
        ]
        if lines:
            warnings.warn(
                f"{name} sent outputs again {len(lines)} times; the first: {lines[0][:2000]}",
                stacklevel=2,
            )
