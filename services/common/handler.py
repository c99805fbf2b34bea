"""The handler contract: what a service's pure code sees and returns. No Faust here.

A handler is a plain coroutine: it gets one :class:`Incoming` message and returns the
:class:`Effects` of handling it, or raises :class:`~services.common.dlq.Rejected` for input
that must go to the dead-letter topic. The service layer (``services.common.batch_loop``)
runs handlers over batches of messages and owns the commit protocol.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final, TypeVar

from pydantic import ValidationError

from schemas.base import Contract
from schemas.keys import CaseKey, PetitionerKey
from schemas.petitions import RejectReason
from schemas.registry import TopicSpec
from services.common.dlq import Rejected
from services.common.documents import check_key

# Output and Incoming are made once per message or more: frozen as before, but their
# ``__init__`` fills the instance's dict in one step instead of a frozen dataclass's
# ``object.__setattr__`` per field (some 4 us a message less on the bench's machine).


@dataclass(frozen=True, init=False)
class Output:
    """One message to publish: the topic's spec, key and value bytes (None: a tombstone)."""

    spec: TopicSpec
    key: bytes
    value: bytes | None
    agency_code: str | None = None

    def __init__(
        self, spec: TopicSpec, key: bytes, value: bytes | None, agency_code: str | None = None
    ) -> None:
        self.__dict__.update(spec=spec, key=key, value=value, agency_code=agency_code)


@dataclass(frozen=True, init=False)
class Incoming:
    """The message a handler sees: raw bytes and where they came from."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    #: The contract's topic it came from (None in tests that need no key check).
    spec: TopicSpec | None = None

    def __init__(
        self,
        topic: str,
        partition: int,
        offset: int,
        key: bytes | None,
        value: bytes | None,
        spec: TopicSpec | None = None,
    ) -> None:
        self.__dict__.update(
            topic=topic, partition=partition, offset=offset, key=key, value=value, spec=spec
        )


@dataclass(frozen=True)
class Effects:
    """What handling one message does: outputs to publish, then state to remember.

    ``remember`` runs right after the handler, so the next message of the batch sees the
    state it writes; the changelog records of those writes leave for the broker only
    once every output of the batch is acknowledged, and the input offsets are committed
    after both. A crash in between repeats the outputs (with the same deterministic ids)
    rather than losing them.
    """

    outputs: Sequence[Output] = ()
    remember: Callable[[], None] | None = None
    #: When the petition behind the outputs was received: feeds xinfang_event_age_seconds.
    received_at: datetime | None = None


NOTHING: Final = Effects()

Handler = Callable[[Incoming], Awaitable[Effects]]
#: Called once per input partition at the end of each batch, after every handler of the
#: batch: the Effects of what the handlers of that partition gathered (a row published once
#: per batch rather than once per message). Its writes and outputs join the batch's commit.
BatchFlush = Callable[[int], Effects]
M = TypeVar("M", bound=Contract)


#: The keys of one case's, or one petitioner's, events: a record under such a key must be
#: about what the key names (``parse_value``).
_SUBJECT_KEYS: Final[tuple[type[Contract], ...]] = (CaseKey, PetitionerKey)


@functools.cache
def _subject_fields(key_model: type[Contract], model: type[Contract]) -> tuple[str, ...] | None:
    """The key's field names when records of ``model`` under ``key_model`` are keyed by a
    case or a petitioner that the value names too (not a timer's ticks, keyed by case and
    naming none); else None. A narrow model of the topic's values (dedup reads only a
    verdict's case id and region) is checked as the whole one is. Cached: pydantic's
    ``model_fields`` costs a µs a look."""
    names = tuple(key_model.model_fields)
    if key_model in _SUBJECT_KEYS and all(name in model.model_fields for name in names):
        return names
    return None


def parse_value(model: type[M], message: Incoming) -> M:
    """The message's value as ``model``, or Rejected (schema_violation) with pydantic's words.

    A record without a value (a tombstone, which none of these topics takes) is refused
    as such, rather than as the empty document pydantic would find no JSON in. On a topic
    keyed by case (or petitioner), a value whose case_id (petitioner_ref) is not
    the key's is refused too: the key chose the partition, and with it the state the value
    is judged in, so a verdict keyed by case A and carrying case B would be applied beside
    A's events and never meet B's.
    """
    if message.value is None:
        spec = message.spec
        expected = (
            f"every record of {spec.name} is a {spec.value_model.__name__}"
            if spec is not None
            else f"a {model.__name__} is read here"
        )
        raise Rejected(
            RejectReason.SCHEMA_VIOLATION, f"the record has no value (a tombstone): {expected}"
        )
    try:
        value = model.model_validate_json(message.value)
    except ValidationError as exc:
        raise Rejected(RejectReason.SCHEMA_VIOLATION, str(exc)[:2000]) from None
    if message.spec is not None:
        check_subject_key(message.spec, value, message.key)
    return value


def check_subject_key(spec: TopicSpec, value: Contract, key: bytes | None) -> None:
    """Refuse (schema_violation) a ``value`` of ``spec``'s topic whose key names another
    case (petitioner) than it does, on a topic keyed by case (petitioner); else nothing."""
    model = type(value)
    names = _subject_fields(spec.key_model, model)
    if names is None:
        return
    fields = {name: getattr(value, name) for name in names}
    try:
        expected = spec.key_model.model_validate(fields)
    except ValidationError as exc:
        raise Rejected(RejectReason.SCHEMA_VIOLATION, str(exc)[:2000]) from None
    check_key(
        key, expected, f"the {model.__name__}'s",
        f"a record of {spec.name} is keyed by what it is about, which keeps its events in "
        "one partition",
    )  # fmt: skip
