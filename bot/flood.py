"""Fair service under floods: a cap on the turns one conversation may have pending at once.

Updates run concurrently (PTB's 256 slots), but one conversation's turns run one at a time under
its lock. Without a cap, a chat that sends hundreds of messages in a burst fills every slot with
updates waiting for that one lock, and everybody else waits behind them. With the cap, an update
beyond it is answered at once (it never waits for the lock, so its slot is free again
immediately), and the chat is told once per burst that the rest were not handled, so nothing is
dropped silently. A burst ends when the conversation has nothing pending any more.
"""

from __future__ import annotations

import enum
import logging

log = logging.getLogger(__name__)


class Admission(enum.Enum):
    ADMITTED = "admitted"  # handle it (and call done() afterwards)
    TELL = "tell"  # over the cap, the burst's first such update: tell the user once
    DROP = "drop"  # over the cap, already told in this burst


class PendingTurns:
    """How many updates each conversation has being handled or waiting for its lock.

    Kept per process and in memory (keys are pseudonymous conversation ids): each bot replica caps
    what it holds itself. `limit` 0 means no cap."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._pending: dict[str, int] = {}
        # Conversations over the cap in their current burst, with how many updates were not handled.
        self._bursts: dict[str, int] = {}
        self.dropped = 0  # updates not handled since start, for logs and tests

    def admit(self, sender: str) -> Admission:
        pending = self._pending.get(sender, 0)
        if self.limit and pending >= self.limit:
            self.dropped += 1
            first = sender not in self._bursts
            self._bursts[sender] = self._bursts.get(sender, 0) + 1
            if first:
                log.warning("A conversation has %d messages pending; further ones get one request to wait", pending)
                return Admission.TELL
            return Admission.DROP
        self._pending[sender] = pending + 1
        return Admission.ADMITTED

    def done(self, sender: str) -> None:
        """An admitted update was handled (or failed)."""
        pending = self._pending.get(sender, 0) - 1
        if pending > 0:
            self._pending[sender] = pending
            return
        self._pending.pop(sender, None)
        dropped = self._bursts.pop(sender, 0)
        if dropped:
            log.warning("A burst ended: %d messages of one conversation were not handled (user told once)", dropped)

    def pending(self, sender: str) -> int:
        return self._pending.get(sender, 0)
