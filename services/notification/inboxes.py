"""Agencies' inbox topics, made or checked before a case is put in one.

Every agency of the shipped routing table has its inbox made or checked when the service
starts, in one admin call (``prepare``); an agency the table does not name (the bureau a
county without its own row falls back to, another routing table) has its inbox made on
first use, by the handler, before anything of the event is sent or written (the engine's
``ensure_inbox``). What the broker says decides what the event becomes:

* no answer (a connection reset, a timeout of the admin client), or an error that goes
  away by itself (a request timed out, a quota, fewer brokers alive than the replication
  factor): ``UnavailableError``, so that the service stops without a commit and the event
  comes again whole;
* a refusal of the topic itself (an invalid name or config, a policy): ``RuntimeError``,
  a dead letter (``processing_error``) that names the topic and the broker's reason.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from typing import Any

from schemas.registry import AGENCY_INBOX
from services.common.dlq import UnavailableError
from services.common.topics import TopicResult, ensure_topics

log = logging.getLogger(__name__)

Ensure = Callable[..., list[TopicResult]]


class InboxTopics:
    """The inbox topics known to exist, and how to make one that is not yet."""

    def __init__(
        self,
        bootstrap: str,
        prefix: str,
        replication_factor: int,
        ensure: Ensure | None = None,
    ) -> None:
        self.bootstrap = bootstrap
        self.prefix = prefix
        self.replication_factor = replication_factor
        self._ensure: Ensure = ensure_topics if ensure is None else ensure
        self.known: set[str] = set()

    def _options(self) -> dict[str, Any]:
        return {
            "partitions": AGENCY_INBOX.partitions,
            "replication_factor": self.replication_factor,
            "config": AGENCY_INBOX.topic_config(),
        }

    def prepare(self, codes: Iterable[str]) -> None:
        """Make or check the inboxes of ``codes`` now, in one call (at start-up)."""
        names = sorted({AGENCY_INBOX.full_name(self.prefix, code) for code in codes})
        if not names:
            return
        for result in self._ensure(self.bootstrap, names, **self._options()):
            if result.error is None:
                self.known.add(result.name)
            else:  # left to first use, which then decides (see the module's doc)
                log.warning(
                    "could not make or check an agency inbox at start-up",
                    extra={"topic": result.name, "error": result.error},
                )

    async def __call__(self, code: str) -> None:
        """The inbox of agency ``code``, made if it is missing (see the module's doc)."""
        name = AGENCY_INBOX.full_name(self.prefix, code)
        if name in self.known:
            return
        try:
            results = await asyncio.to_thread(
                self._ensure, self.bootstrap, [name], **self._options()
            )
        except Exception as exc:  # the broker does not answer: the event comes again
            raise UnavailableError(f"cannot make or check {name}: {exc!r}") from exc
        (result,) = results
        if result.error is not None:
            if result.transient:
                raise UnavailableError(f"cannot make {name} now: {result.error}")
            raise RuntimeError(f"the broker refuses to create {name}: {result.error}")
        if result.created:
            log.info("created an agency inbox on first use", extra={"topic": name})
        self.known.add(name)
