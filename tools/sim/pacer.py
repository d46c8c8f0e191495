"""Pure frame-rate pacing in bursts: how many frames to make now, and when to come back.

The market's events each cost the frames they cause (see :class:`tools.sim.market.Event`); the
pacer keeps the running total at ``rate * elapsed``. The data plane runs in bursts, one per event
loop tick: :meth:`Pacer.take` says how many frames this burst makes (at most ``burst`` so the loop
keeps serving sockets and the first frame of a burst is written soon after it was made), and
:meth:`Pacer.delay` how long to sleep until the next burst is worth making. After a stall (a
blocked loop, a slow machine) the backlog beyond ``max_burst`` seconds is forgiven instead of
flooding clients, so a rate the machine cannot make shows as delivered < asked.
"""

from __future__ import annotations

import math

__all__ = ["MIN_DELAY", "Pacer"]

MIN_DELAY = 0.001
"""Shortest sleep between bursts: below this the event loop's timer resolution decides anyway."""


class Pacer:
    """Frames owed = rate x elapsed - frames produced, bounded by ``max_burst`` seconds' worth."""

    def __init__(self, rate: float, now: float, max_burst: float = 0.25) -> None:
        self.rate = max(0.0, float(rate))
        """Frames per second."""
        self.max_burst = max_burst
        """Seconds of backlog kept; more is forgiven."""
        self._origin = now
        self._produced = 0.0
        self.forgiven = 0.0
        """Frames owed but never made because the producer fell behind (since the last rate change)."""

    def owed(self, now: float) -> float:
        """Frames still due at ``now`` (may be fractional; act while > 0)."""
        due = self.rate * (now - self._origin) - self._produced
        limit = self.rate * self.max_burst
        if due > limit:
            self._produced += due - limit  # forgive the backlog
            self.forgiven += due - limit
            due = limit
        return due

    def take(self, now: float, burst: int) -> int:
        """Frames to make in this burst: what is owed, at most ``burst`` (0 when nothing is due)."""
        due = self.owed(now)
        return min(burst, math.ceil(due)) if due > 0 else 0

    def spend(self, frames: float) -> None:
        """Account for frames made (an event's cost, or a whole burst's)."""
        self._produced += frames

    def delay(self, now: float, burst: int, longest: float) -> float:
        """Seconds until ``burst`` frames are owed, within [MIN_DELAY, longest]; 0 if they already are."""
        if self.rate <= 0:
            return longest
        missing = burst - self.owed(now)
        if missing <= 0:
            return 0.0
        return min(longest, max(MIN_DELAY, missing / self.rate))

    def set_rate(self, rate: float, now: float) -> None:
        """Change the rate from ``now`` on."""
        self.rate = max(0.0, float(rate))
        self._origin, self._produced, self.forgiven = now, 0.0, 0.0
