"""What went on one socket: the times of the messages the connection sent on it.

Why: the rate limiter admits every message and checkpoints its spent budget to the supervisor
after each admission. A limiter killed between an admission and its checkpoint comes back with a
budget that misses the last messages, and would admit up to 5 more in the same second: Upbit
closes the socket for that (SPEC §5). The connection is the one that knows what really went on
the wire, so it tells a restarted limiter (``ConnectionOpened.sent``), and the limiter takes that
record instead of its checkpoint (``RateLimiter.on_connection_opened``).

The same record is the last guard on the wire (``wire_wait``): the limiter admits 4 messages a
second, but admitted messages can reach the connection bunched together (a busy connection reads
its mail late, Thespian reorders under load), so the connection itself keeps its socket at 4 messages in any
1.25 s and 90 in any 61 s: Upbit's 5 per second and 100 per minute, less a margin for the road.
Messages sent a second apart can arrive closer together: a server (or the simulator on a loaded
machine) that reads them late and the next one on time sees them bunched (measured: four
messages sent over a second were read within 0.94 s, then the next at once). Pure.
"""

from __future__ import annotations

from attrs import define, field

__all__ = ["WIRE_KEPT", "WIRE_PER_MINUTE", "WIRE_PER_SECOND", "WireRecord", "wire_wait"]

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

    def wait(self, now: float) -> float:
        """Seconds until one more message may go on the socket (``wire_wait``)."""
        return wire_wait(tuple(self._times), now)


WIRE_PER_SECOND = 4
"""Messages put on one socket in any second (plus ``_ROAD``) at most, and (below) in any minute:
Upbit takes 5 and 100 (SPEC §5)."""
WIRE_PER_MINUTE = 90
_ROAD = {1.0: 0.25, 60.0: 1.0}
"""Seconds added to each window: how much closer together messages may arrive than they left."""


def wire_wait(times: tuple[float, ...], now: float) -> float:
    """Seconds until one more message on the socket stays within ``WIRE_PER_SECOND`` and
    ``WIRE_PER_MINUTE``, given the times of the messages already sent (0: now)."""
    wait = 0.0
    for count, period in ((WIRE_PER_SECOND, 1.0), (WIRE_PER_MINUTE, 60.0)):
        recent = [t for t in times if t > now - period - _ROAD[period]]
        if len(recent) >= count:
            wait = max(wait, recent[-count] + period + _ROAD[period] - now)
    return wait
