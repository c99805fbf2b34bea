"""Delivery with retries: capped exponential backoff with jitter, and the named outcome.

A retryable failure is tried again after ``RetryPolicy.delay``; a permanent failure stops
at once; running out of attempts ends as RETRIES_EXHAUSTED. Either way the outcome names a
FailureReason from the closed set of ``schemas.notifications`` (a metric label and what an
operator reads on notifications.failed). An attempt whose outcome is unknown (the other
side never answered after it had the whole notice) also stops the loop: sending again may
deliver the notice twice, so that is left to the retry table, which says so when it does.
Sleep and randomness are injected, so tests run the whole schedule in no time and know
every delay.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from schemas.notices import Notice
from schemas.notifications import FailureReason
from services.notification.policy import RetrySettings
from services.notification.senders import (
    PermanentDeliveryError,
    RetryableDeliveryError,
    Sender,
    UnconfirmedDeliveryError,
)

Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class RetryPolicy:
    """When to try again. See ``RetrySettings`` in the policy file for the meaning."""

    initial_delay: timedelta
    max_delay: timedelta
    multiplier: float
    max_attempts: int
    jitter: float

    @classmethod
    def of(cls, settings: RetrySettings) -> RetryPolicy:
        return cls(
            settings.initial_delay,
            settings.max_delay,
            settings.multiplier,
            settings.max_attempts,
            settings.jitter,
        )

    def delay(self, failures: int, draw: float) -> float:
        """Seconds to wait after the ``failures``-th failed attempt (1 = the first).

        ``draw`` is a random number in [0, 1); the full delay is shortened by up to
        ``jitter`` of itself, so it never exceeds ``max_delay``.
        """
        if failures < 1:
            raise ValueError("the first delay follows the first failure")
        base = self.initial_delay.total_seconds() * self.multiplier ** (failures - 1)
        capped = min(base, self.max_delay.total_seconds())
        return capped * (1.0 - self.jitter * draw)


@dataclass(frozen=True)
class Delivered:
    attempts: int


@dataclass(frozen=True)
class Failed:
    reason: FailureReason
    detail: str
    attempts: int
    #: The last attempt may have reached the other side (see UnconfirmedDeliveryError).
    unconfirmed: bool = False


DeliveryResult = Delivered | Failed


async def deliver(
    sender: Sender,
    notice: Notice,
    policy: RetryPolicy,
    *,
    sleep: Sleep = asyncio.sleep,
    draw: Callable[[], float] = random.random,
) -> DeliveryResult:
    """Send ``notice``, retrying retryable failures; never raises a DeliveryError.

    Blocks the caller for the whole schedule (the sum of the delays): run it in a task per
    notice, or give the service a policy whose schedule fits its processing budget.
    """
    attempts = 0
    while True:
        attempts += 1
        try:
            await sender.send(notice)
        except PermanentDeliveryError as exc:
            return Failed(FailureReason.PERMANENT_REJECTION, exc.detail, attempts)
        except UnconfirmedDeliveryError as exc:
            detail = f"{exc.detail} ({attempts} attempts)"
            return Failed(FailureReason.RETRIES_EXHAUSTED, detail, attempts, unconfirmed=True)
        except RetryableDeliveryError as exc:
            if attempts >= policy.max_attempts:
                detail = f"{exc.detail} ({attempts} attempts)"
                return Failed(FailureReason.RETRIES_EXHAUSTED, detail, attempts)
            await sleep(policy.delay(attempts, draw()))
        else:
            return Delivered(attempts)
