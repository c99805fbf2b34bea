"""The gateway's ASGI app and its entry point (`xinfang run gateway`)."""

from __future__ import annotations


def serve() -> None:
    """Run the gateway until SIGTERM."""
    raise SystemExit("the gateway is being built: see issue #3, point 8")
