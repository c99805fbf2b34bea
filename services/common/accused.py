"""Whether a name designates the unit or person an accusation accuses.

"Never disclose an accuser's identity or materials to the person or unit accused"
(DOMAIN.md, Notification and evaluation; Art. 31 for accusations and reports). The
notification service keeps notices from the accused with it; the gateway refuses to
transfer an accusation to the accused. Both err towards a match: a name that contains the
other, either way round, counts ("渭滨区住房和城乡建设局" accuses the bureau,
"渭滨区住房和城乡建设局李某" a person in it, "住房和城乡建设局" is ambiguous and matches too).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

#: Shorter names than this are too unspecific to match inside another name ("局").
_MIN_NAME_LENGTH: Final = 4
_NOISE: Final = re.compile(r"[\s\W_]+", re.UNICODE)


def _normalise(name: str) -> str:
    # NFKC folds full-width letters and digits; punctuation and spaces carry no identity.
    return _NOISE.sub("", unicodedata.normalize("NFKC", name)).casefold()


def names_match(accused: str, name: str) -> bool:
    """Whether ``accused`` designates ``name`` or someone within it (or the reverse)."""
    left, right = _normalise(accused), _normalise(name)
    if not left or not right:
        return False
    if left == right:
        return True
    shorter, longer = sorted((left, right), key=len)
    return len(shorter) >= _MIN_NAME_LENGTH and shorter in longer
