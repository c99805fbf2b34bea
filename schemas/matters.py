"""Operators' corrections of dedup's links: commands to dedup, and the changes it made.

An operator merges two matters found to be one, or splits a case wrongly linked into a
matter of its own (`xinfang matter merge|split`). The command goes to matters.commands,
keyed by the matters' region, so it reaches the dedup partition that holds them; dedup
applies it to its state and publishes what changed on matters.changes, which downstream
consumers (escalation, agencies, ledgers) follow.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import Field, model_validator

from schemas.base import Contract, Example, Timestamp


class MatterCommandKind(StrEnum):
    MERGE = "merge"
    SPLIT = "split"


class RegionKey(Contract):
    """Key by a matching area's region code (its city, else its province): where dedup
    keeps the cases and matters of that area."""

    region_code: str = Field(pattern=r"^\d{6}$")


class MatterKey(Contract):
    """Key by matter id: every change to one matter in order."""

    matter_id: str = Field(min_length=1, max_length=128)


class MatterCommand(Contract):
    """merge: absorb ``absorb_matter_id`` into ``keep_matter_id``; split: take ``case_id`` out."""

    schema_version: Literal[1] = 1
    command_id: str = Field(min_length=1, max_length=128, description="idempotency key")
    kind: MatterCommandKind
    region_code: str = Field(pattern=r"^\d{6}$")
    keep_matter_id: str | None = None
    absorb_matter_id: str | None = None
    case_id: str | None = None
    operator: str = Field(min_length=1, max_length=100)
    reason: str = Field(min_length=1, max_length=2000)
    issued_at: Timestamp

    @model_validator(mode="after")
    def _complete(self) -> MatterCommand:
        if self.kind is MatterCommandKind.MERGE:
            if not (self.keep_matter_id and self.absorb_matter_id):
                raise ValueError("a merge names keep_matter_id and absorb_matter_id")
            if self.keep_matter_id == self.absorb_matter_id:
                raise ValueError("a matter cannot be merged into itself")
        elif not self.case_id:
            raise ValueError("a split names the case_id to take out")
        return self


class ChangeOutcome(StrEnum):
    APPLIED = "applied"
    REFUSED = "refused"


class MatterChanged(Contract):
    """What a matter command did. Keyed by the resulting matter id."""

    schema_version: Literal[1] = 1
    command_id: str
    kind: MatterCommandKind
    outcome: ChangeOutcome
    detail: str = ""
    region_code: str
    matter_id: str = Field(description="the kept matter (merge) or the new matter (split)")
    absorbed_matter_id: str | None = None
    previous_matter_id: str | None = Field(default=None, description="split: the old matter")
    moved_case_ids: list[str] = Field(default_factory=list)
    matter_petitions: int = Field(default=0, ge=0)
    matter_petitioners: int = Field(default=0, ge=0)
    operator: str
    reason: str
    applied_at: Timestamp


COMMAND_EXAMPLES: tuple[Example, ...] = (
    Example(
        key={"region_code": "610302"},
        value={
            "command_id": "op-2026-11-21-0001",
            "kind": "merge",
            "region_code": "610302",
            "keep_matter_id": "MT-XF-2B8D6F0H3J5L",
            "absorb_matter_id": "MT-XF-9Q4T8W1Z7K2M",
            "operator": "caseworker-17",
            "reason": "the same flooded basement of 清姜花园, reported by two households",
            "issued_at": "2026-11-21T09:30:00+08:00",
        },
        summary="Merge two matters found to be one",
    ),
    Example(
        key={"region_code": "610302"},
        value={
            "command_id": "op-2026-11-21-0002",
            "kind": "split",
            "region_code": "610302",
            "case_id": "XF-7K2M9Q4T8W1Z",
            "operator": "caseworker-17",
            "reason": "a different building's leak, wrongly linked",
            "issued_at": "2026-11-21T09:35:00+08:00",
        },
        summary="Split a wrongly linked case out",
    ),
)
CHANGE_EXAMPLES: tuple[Example, ...] = (
    Example(
        key={"matter_id": "MT-XF-2B8D6F0H3J5L"},
        value={
            "command_id": "op-2026-11-21-0001",
            "kind": "merge",
            "outcome": "applied",
            "region_code": "610302",
            "matter_id": "MT-XF-2B8D6F0H3J5L",
            "absorbed_matter_id": "MT-XF-9Q4T8W1Z7K2M",
            "moved_case_ids": ["XF-9Q4T8W1Z7K2M"],
            "matter_petitions": 3,
            "matter_petitioners": 2,
            "operator": "caseworker-17",
            "reason": "the same flooded basement of 清姜花园, reported by two households",
            "applied_at": "2026-11-21T09:30:01+08:00",
        },
        summary="Two matters merged",
    ),
)
