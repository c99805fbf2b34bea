"""Deterministic identifiers: notification ids and the petitioner's query code.

A notification id depends only on the event, the kind of notice and the recipient, so a
redelivered event, a replay or a restart after a crash produces the same id and the
sent-ids table turns the second attempt into a skip (exactly-once effects).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable

#: Crockford's base32 alphabet: no I, L, O or U, so a code read aloud on the phone or
#: copied from a letter survives 0/O and 1/I/L confusion.
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_TYPOS = str.maketrans({"O": "0", "I": "1", "L": "1", "-": None, " ": None})
QUERY_CODE_LENGTH = 8


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


def _crockford(raw: bytes, length: int) -> str:
    number = int.from_bytes(raw, "big")
    chars = []
    for _ in range(length):
        number, index = divmod(number, 32)
        chars.append(_CROCKFORD[index])
    return "".join(chars)


def query_code(case_id: str, key: bytes) -> str:
    """The petitioner's short code for checking a case's progress, e.g. ``7KQ4-M2ZX``.

    An HMAC of the case id under the service's secret key: whoever holds the case number
    alone cannot guess it (40 bits), and it never needs storing, since the query service
    recomputes it with the same key.
    """
    if not key:
        raise ValueError("the query-code key is empty")
    mac = hmac.new(key, case_id.encode(), hashlib.sha256).digest()
    code = _crockford(mac[:5], QUERY_CODE_LENGTH)
    return f"{code[:4]}-{code[4:]}"


def verify_query_code(case_id: str, code: str, key: bytes) -> bool:
    """Whether ``code`` is the query code of ``case_id``; forgives case, dashes and O/I/L."""
    typed = code.upper().translate(_TYPOS)
    expected = query_code(case_id, key).replace("-", "")
    return hmac.compare_digest(typed.encode(), expected.encode())
