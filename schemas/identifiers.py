"""Identifiers that several services derive alike from the same inputs and key.

The case id (intake makes it, the gateway looks a submission's case up by it), the
fingerprint that tells a channel's retry from another petition under the same submission
id (intake and the gateway), and the petitioner's query code (notification prints it on
the receipt, the gateway checks it). Each is a pure function of its inputs, so a replay or
a retry yields the same value and no service needs to ask another.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

from schemas.petitions import PetitionSubmitted


def case_id_for(submission_id: str, key: bytes) -> str:
    """The case id of a submission: the same submission and key always yield the same case.

    Keyed (HMAC-SHA256 with the deployment's ``CASE_ID_KEY``): channels' submission ids are
    often predictable (portal-000123), and a case id anyone could compute from one would be
    a way to ask for other people's cases.

    The id is ``"XF-" + base64.b32encode(digest[:10]).decode()[:12]``: the first 60 bits
    of the HMAC in RFC 4648 base32, 12 characters. They are written here 10 bits at a time
    from a copy of the key's prepared HMAC state (1.9 us instead of 4.6, once per petition;
    ``tests/unit/intake/test_register.py`` compares both on random keys and ids).
    """
    mac = _keyed_case_mac(key).copy()
    mac.update(f"xinfang-case:{submission_id}".encode())
    bits = int.from_bytes(mac.digest()[:8], "big") >> 4
    pairs = _BASE32_PAIRS
    return (
        f"XF-{pairs[bits >> 50]}{pairs[(bits >> 40) & 0x3FF]}{pairs[(bits >> 30) & 0x3FF]}"
        f"{pairs[(bits >> 20) & 0x3FF]}{pairs[(bits >> 10) & 0x3FF]}{pairs[bits & 0x3FF]}"
    )


#: RFC 4648 base32 (``base64.b32encode``'s alphabet), each 10 bits as two characters.
_BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_BASE32_PAIRS = tuple(high + low for high in _BASE32 for low in _BASE32)


@lru_cache(maxsize=8)
def _keyed_case_mac(key: bytes) -> hmac.HMAC:
    """The HMAC state of a case-id key, prepared once (``hmac.new`` pads and hashes the key
    each time); copied for each submission, never updated itself."""
    return hmac.new(key, digestmod=hashlib.sha256)


def submission_fingerprint(petition: PetitionSubmitted) -> str:
    """What tells a channel's retry (the same petition again) from another petition sent
    under the same submission_id: a hash of the petition's canonical form."""
    return hashlib.sha256(petition.to_json_bytes()).hexdigest()[:32]


#: Crockford's base32 alphabet: no I, L, O or U, so a code read aloud on the phone or
#: copied from a letter survives 0/O and 1/I/L confusion.
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_TYPOS = str.maketrans({"O": "0", "I": "1", "L": "1", "-": None, " ": None})
QUERY_CODE_LENGTH = 8


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


#: Each 10 bits of a code, least significant first, as its two letters (``_crockford``).
_CROCKFORD_PAIRS = tuple(low + high for high in _CROCKFORD for low in _CROCKFORD)


class QueryCodes:
    """``query_code`` under one key, for a service that makes a code for every case.

    The key's HMAC state is prepared once and copied for each case id (``hmac.new`` with the
    key pads and hashes it each time), and the 40 bits are written 10 at a time: 2.3 us a
    code instead of 4.2. The codes are ``query_code``'s (``tests/unit/notification/
    test_ids_privacy.py`` compares both on fuzzed keys and case ids).
    """

    def __init__(self, key: bytes) -> None:
        if not key:
            raise ValueError("the query-code key is empty")
        self._keyed = hmac.new(key, digestmod=hashlib.sha256)

    def __call__(self, case_id: str) -> str:
        mac = self._keyed.copy()
        mac.update(case_id.encode())
        n = int.from_bytes(mac.digest()[:5], "big")
        pairs = _CROCKFORD_PAIRS
        return (
            f"{pairs[n & 0x3FF]}{pairs[(n >> 10) & 0x3FF]}-"
            f"{pairs[(n >> 20) & 0x3FF]}{pairs[n >> 30]}"
        )


def verify_query_code(case_id: str, code: str, key: bytes) -> bool:
    """Whether ``code`` is the query code of ``case_id``; forgives case, dashes and O/I/L."""
    typed = code.upper().translate(_TYPOS)
    expected = query_code(case_id, key).replace("-", "")
    return hmac.compare_digest(typed.encode(), expected.encode())
