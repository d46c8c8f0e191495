"""Pure rate limits (SPEC §5): sliding windows per connection and per client, with a 418 ban.

No clock inside: every call takes ``now`` in seconds. Refused attempts do not consume budget.
"""

from __future__ import annotations

import collections
from collections.abc import Sequence

__all__ = ["HandshakeLimiter", "SlidingWindows"]


class SlidingWindows:
    """At most ``count`` events in any ``window`` seconds, for every (count, window) pair."""

    def __init__(self, limits: Sequence[tuple[int, float]]) -> None:
        self.limits = tuple((int(c), float(w)) for c, w in limits if c > 0)
        longest = max((w for _, w in self.limits), default=0.0)
        self.longest = longest
        self._times: collections.deque[float] = collections.deque()

    def reset(self) -> None:
        """Forget every recorded event."""
        self._times.clear()

    def allow(self, now: float) -> bool:
        """Record an event at ``now`` if every window has room; return whether it was allowed."""
        times = self._times
        while times and times[0] <= now - self.longest:
            times.popleft()
        for count, window in self.limits:
            if count <= len(times) and times[-count] > now - window:
                return False
        if self.limits:
            times.append(now)
        return True


class HandshakeLimiter:
    """Handshakes per client key: 429 beyond the rate, optionally 418 after persistent excess.

    SPEC §5: 5 per second per IP (per key with a JWT); continuing after 429s brings a 418 block
    whose length grows with repeated violations.
    """

    def __init__(self, per_second: int, ban_after: int | None = None, ban_seconds: float = 60.0) -> None:
        self.per_second = per_second
        self.ban_after = ban_after
        self.ban_seconds = ban_seconds
        self.reset()

    def reset(self) -> None:
        """Forget every client."""
        self._windows: dict[str, SlidingWindows] = {}
        self._refusals: dict[str, collections.deque[float]] = {}
        self._banned_until: dict[str, float] = {}
        self._bans: dict[str, int] = {}

    def remaining(self, client: str, now: float) -> int:
        """Handshakes ``client`` may still make in the current second."""
        window = self._windows.get(client)
        if window is None or self.per_second <= 0:
            return max(0, self.per_second)
        return max(0, self.per_second - sum(1 for t in window._times if t > now - 1.0))

    def check(self, client: str, now: float) -> tuple[int, float]:
        """(HTTP status, block seconds left): 101 = go ahead, 429 = too many, 418 = blocked."""
        until = self._banned_until.get(client, 0.0)
        if now < until:
            return 418, until - now
        if self.per_second <= 0:
            return 101, 0.0
        window = self._windows.setdefault(client, SlidingWindows(((self.per_second, 1.0),)))
        if window.allow(now):
            return 101, 0.0
        if self.ban_after is not None:
            refusals = self._refusals.setdefault(client, collections.deque())
            refusals.append(now)
            while refusals and refusals[0] <= now - 60.0:
                refusals.popleft()
            if len(refusals) >= self.ban_after:
                bans = self._bans.get(client, 0)
                self._bans[client] = bans + 1
                length = self.ban_seconds * (2**bans)
                self._banned_until[client] = now + length
                refusals.clear()
                return 418, length
        return 429, 0.0
