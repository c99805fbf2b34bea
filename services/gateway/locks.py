"""One asyncio lock per key (a case id, a submission id), forgotten when nobody holds it.

What is checked against the status view and then published must be checked and published
under its key's lock: otherwise two requests for the same key, arriving together, are
both checked before either is published, and both pass.
"""

from __future__ import annotations

import asyncio
import weakref


class KeyedLocks:
    """The lock of each key; a key's lock lives while a request holds or awaits it."""

    def __init__(self) -> None:
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    def of(self, key: str) -> asyncio.Lock:
        lock = self._locks.get(key)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[key] = lock
        return lock
