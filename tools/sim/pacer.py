"""Pure frame-rate pacing: how many frames the market still owes at ``now``.

The market's events each cost the frames they cause (see :class:`tools.sim.market.Event`); the
pacer keeps the running total at ``rate * elapsed``. After a stall (a blocked loop, a slow
machine) it forgives the backlog beyond ``max_burst`` seconds instead of flooding clients.
"""

from __future__ import annotations

__all__ = ["Pacer"]


class Pacer:
    """Frames owed = rate x elapsed - frames produced, bounded by ``max_burst`` seconds' worth."""

    def __init__(self, rate: float, now: float, max_burst: float = 0.25) -> None:
        self.rate = max(0.0, float(rate))
        """Frames per second."""
        self.max_burst = max_burst
        self._origin = now
        self._produced = 0.0
        self.average_cost = 3.0
        """Running mean frames per event, to spread event timestamps over a tick."""

    def owed(self, now: float) -> float:
        """Frames still due at ``now`` (may be fractional; act while > 0)."""
        due = self.rate * (now - self._origin) - self._produced
        limit = self.rate * self.max_burst
        if due > limit:
            self._produced += due - limit  # forgive the backlog
            due = limit
        return due

    def spend(self, cost: int) -> None:
        """Account for one event's frames."""
        self._produced += cost
        self.average_cost += (max(cost, 1) - self.average_cost) * 0.01

    def set_rate(self, rate: float, now: float) -> None:
        """Change the rate from ``now`` on."""
        self.rate = max(0.0, float(rate))
        self._origin, self._produced = now, 0.0
