"""What went on one socket: the times of the messages the connection sent on it.

Why: the rate limiter admits every message and checkpoints its spent budget to the supervisor
after each admission. A limiter killed between an admission and its checkpoint comes back with a
budget that misses the last messages, and would admit up to 5 more in the same second: Upbit
closes the socket for that (SPEC §5). The connection is the one that knows what really went on
the wire, so it tells a restarted limiter (``ConnectionOpened.sent``), and the limiter takes that
record instead of its checkpoint (``RateLimiter.on_connection_opened``). Pure.
"""

from __future__ import annotations

from attrs import define, field

__all__ = ["WIRE_KEPT", "WireRecord"]

WIRE_KEPT = 60.0
"""Seconds of sends remembered: Upbit's longest message window (100 per minute)."""


@define
class WireRecord:
    """Monotonic times of the messages (sets and checks) sent on the open socket, oldest first."""

    _times: list[float] = field(factory=list)

    def on_send(self, now: float) -> None:
        """A message went on the socket at ``now``."""
        self._times = [t for t in self._times if t > now - WIRE_KEPT] + [now]

    def times(self) -> tuple[float, ...]:
        return tuple(self._times)
