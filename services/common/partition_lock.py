"""The lock of one partition number, which one batch loop may hold for several batches.

Every agent of a service takes the locks of its batch's partitions (``Service.
partition_locks``): co-partitioned inputs share their tables' partitions, and a batch's
writes and changelog records must not interleave with another agent's batch. A pipelined
batch loop (``services.common.batch_loop``) handles its next batch while the one before
it commits, and that commit still holds the locks: :meth:`PartitionLock.acquire` lets the
same owner take a lock it holds again, so its next batch need not wait for the commit,
unless another owner is waiting for the lock. Then the owner queues behind it as anyone
else: the lock passes in the order asked (``asyncio.Lock``'s), so a busy agent cannot keep
a partition from another (escalation's clock ticks) for ever.

No deadlock: locks are taken in partition order, and a commit, which releases them, waits
for no lock.
"""

from __future__ import annotations

import asyncio


class PartitionLock:
    """An ``asyncio.Lock`` that its owner may take again while it holds it, when nobody
    else waits; released when each of its takes is released."""

    def __init__(self) -> None:
        self._lock = asyncio.Lock()
        self._owner: object | None = None
        self._holds = 0
        self._waiting = 0

    @property
    def holds(self) -> int:
        """How many takes of its owner hold the lock now (0: free)."""
        return self._holds

    def locked(self) -> bool:
        return self._lock.locked()

    async def acquire(self, owner: object) -> None:
        """Take the lock for ``owner``; at once if ``owner`` holds it and nobody waits."""
        if self._holds and self._owner is owner and not self._waiting:
            self._holds += 1
            return
        self._waiting += 1
        try:
            await self._lock.acquire()
        finally:
            self._waiting -= 1
        self._owner, self._holds = owner, 1

    def release(self) -> None:
        """Release one take; the lock is free once every take of its owner is released."""
        if self._holds <= 0:
            raise RuntimeError("release of a partition lock that is not held")
        self._holds -= 1
        if not self._holds:
            self._owner = None
            self._lock.release()
