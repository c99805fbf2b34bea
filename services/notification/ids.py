"""Deterministic identifiers: notification ids and digest ids (the petitioner's query code
is in schemas.identifiers: the gateway checks it).

A notification id depends only on the event, the kind of notice and the recipient, so a
redelivered event, a replay or a restart after a crash produces the same id and the
sent-ids table turns the second attempt into a skip (exactly-once effects).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable


def _digest(parts: Iterable[str]) -> bytes:
    hasher = hashlib.sha256()
    for part in parts:
        raw = part.encode()
        # Length-prefixed, so ("ab", "c") and ("a", "bc") never collide.
        hasher.update(len(raw).to_bytes(4, "big"))
        hasher.update(raw)
    return hasher.digest()


def notification_id(event_id: str, kind: str, recipient: str) -> str:
    """The id of the notice of ``kind`` about event ``event_id`` to ``recipient``.

    ``event_id`` is the case id for a receipt or an assignment, the update id for an
    agency update, the digest id for an escalation digest. ``recipient`` is the
    petitioner_ref, agency code or receiver name, never a clear address, so that a changed
    e-mail address or a fall-back to a letter does not make the same notice twice.
    """
    token = base64.b32encode(_digest((event_id, kind, recipient))[:15]).decode().lower()
    return f"NT-{kind}-{token}"


def digest_id(group_key: str, alert_ids: Iterable[str]) -> str:
    """The id of a digest: its group and the escalations or hotspots in it, in any order."""
    token = base64.b32encode(_digest((group_key, *sorted(alert_ids)))[:15]).decode()
    return f"DG-{token.lower()}"
