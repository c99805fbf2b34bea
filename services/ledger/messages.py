"""Models of the ledger's internal topics (repartitioning by ledger row and hotspot group).

Cases arrive keyed by case id; a ledger row or a hotspot group gathers cases of every
partition. So the case stage sends each change of a row, and each petition of a group, on
an internal topic keyed by the row or group, where one partition holds all of it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from schemas.base import Contract
from schemas.ledger import PeriodKind
from services.ledger.hotspots import GroupKind, Sighting
from services.ledger.ledger import MAX_ID_CHARS, Tally


class GroupingKey(Contract):
    """Key of the internal topics: a ledger row's or a hotspot group's text."""

    key: str = Field(min_length=1, max_length=400)


class RowChange(Contract):
    """Case ``case_id`` (at ``revision``) leaves a row with ``old`` and enters with ``new``."""

    schema_version: Literal[1] = 1
    region_code: str
    field: str
    period_kind: PeriodKind
    period: str
    case_id: str
    revision: int = Field(ge=1)
    old: Tally | None = None
    new: Tally | None = None


class GroupSighting(Contract):
    """A petition of a hotspot group, or (``withdrawn``) one that left it for another
    matter."""

    schema_version: Literal[1] = 1
    kind: GroupKind
    region_code: str
    name: str
    sighting: Sighting
    #: Sent only when true (absent otherwise), so a sighting reads as it did before.
    withdrawn: bool | None = None


class MatterMove(Contract):
    """Case ``case_id`` is in matter ``matter_id`` since ``applied_at``: one moved case of an
    applied merge or split on matters.changes, sent to the case's partition (keyed by case)."""

    schema_version: Literal[1] = 1
    case_id: str = Field(min_length=1, max_length=MAX_ID_CHARS)
    matter_id: str = Field(min_length=1, max_length=MAX_ID_CHARS)
    applied_at: datetime
    #: The change that moved it (matters.changes' command id), for the reader.
    command_id: str = Field(max_length=128)
