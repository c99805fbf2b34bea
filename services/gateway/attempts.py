"""How many wrong query codes a case and a client address may take: a pure limiter.

A query code is 40 bits (``services.notification.ids``); guessing one is hopeless only if
guesses are few. Every failed attempt (a wrong code, or a case that does not exist: the
two must look the same) counts against the case id tried from the client's address, and
against that address, within a sliding window. Past either limit the gateway answers 429
with Retry-After to that address, even to the right code: a guesser must not learn that a
guess was right from a 200 among the 429s. The per-address limit stops one address
walking many cases, and many addresses guessing one case each guess within their own.

The case's limit is the case's from one address, not the case's from everyone: counted
by case alone, anyone who knew a case number could keep its petitioner out for the
window by failing on purpose (11 wrong codes locked the owner out for an hour). The
price: guesses at one case from many addresses are bounded only by each address's limit
(30 an hour an address against 2**40 codes).

Memory is bounded: at most ``max_tracked`` case ids (by address) and addresses each, the least
recently failed forgotten first (a forgotten key starts again from zero, which only an
attacker with that many keys in flight gains from, and that attacker has the per-address
limit on each of them).
"""

from __future__ import annotations

import math
from collections import OrderedDict, deque
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TypeVar

#: A key of a table of failures: an address, or a case id with an address.
K = TypeVar("K", str, tuple[str, str])


class AttemptRefusal(StrEnum):
    """Why an attempt was refused before its code was looked at; also a metric label."""

    CASE_LIMITED = "case_limited"
    ADDRESS_LIMITED = "address_limited"


@dataclass(frozen=True)
class AttemptLimits:
    """Failed attempts allowed within ``window`` per case id from one client address, and
    per client address."""

    failures_per_case: int
    failures_per_address: int
    window: timedelta
    max_tracked: int = 100_000


@dataclass(frozen=True)
class Blocked:
    """An attempt refused, why, and how long until the oldest failure leaves the window."""

    reason: AttemptRefusal
    retry_after_seconds: int


class QueryAttempts:
    """Failed query-code attempts per case id and per address. One event loop owns it."""

    def __init__(self, limits: AttemptLimits) -> None:
        self.limits = limits
        self._by_case: OrderedDict[tuple[str, str], deque[datetime]] = OrderedDict()
        self._by_address: OrderedDict[str, deque[datetime]] = OrderedDict()

    def blocked(self, case_id: str, address: str, now: datetime) -> Blocked | None:
        """Whether an attempt on ``case_id`` from ``address`` may not even be checked."""
        checks = (
            (self._recent(self._by_address, address, now), self.limits.failures_per_address,
             AttemptRefusal.ADDRESS_LIMITED),
            (self._recent(self._by_case, (case_id, address), now), self.limits.failures_per_case,
             AttemptRefusal.CASE_LIMITED),
        )  # fmt: skip
        for failures, allowed, reason in checks:
            if len(failures) >= allowed:
                wait = failures[-allowed] + self.limits.window - now
                return Blocked(reason, max(1, math.ceil(wait.total_seconds())))
        return None

    def failed(self, case_id: str, address: str, now: datetime) -> None:
        """Count a failed attempt against the case id from the address, and the address."""
        self._count(self._by_case, (case_id, address), now)
        self._count(self._by_address, address, now)

    def _count(self, table: OrderedDict[K, deque[datetime]], key: K, now: datetime) -> None:
        failures = self._recent(table, key, now)
        failures.append(now)
        table[key] = failures
        table.move_to_end(key)
        while len(table) > self.limits.max_tracked:
            table.popitem(last=False)

    def _recent(
        self, table: OrderedDict[K, deque[datetime]], key: K, now: datetime
    ) -> deque[datetime]:
        failures = table.get(key, deque())
        while failures and failures[0] <= now - self.limits.window:
            failures.popleft()
        if not failures:
            table.pop(key, None)
        return failures
