"""Petitioner refs as bounded state names them: a record's budget counts bytes, so a ref
must not be able to take more than its share.

Intake's refs are hex HMACs; a hostile producer's might be long, or full of characters
JSON escapes. Such a ref is named by its hash, so its size in a JSON value is its length.
Used by dedup's petitioner tally and the ledger's hotspot groups.
"""

from __future__ import annotations

import hashlib
import re
from typing import Final

_PLAIN_REF: Final = re.compile(r"[A-Za-z0-9_.:-]{1,128}")


def stored_ref(ref: str) -> str:
    """``ref`` as bounded state names it: itself, or the hash of one that is not plain."""
    if _PLAIN_REF.fullmatch(ref):
        return ref
    return "#" + hashlib.blake2b(ref.encode(), digest_size=16).hexdigest()
