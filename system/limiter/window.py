"""A rolling-window counter: at most ``limit`` events in any closed ``period`` (the limiter's unit).

Split out of ``system.limiter.budget`` (which re-exports it). Exception tree: ``ConfigError`` for
a window that cannot hold anything.
"""

from __future__ import annotations

import math
from collections import deque

from attrs import define, field

from upbit_actors.system.errors import ConfigError

__all__ = ["SlidingWindow"]


@define
class SlidingWindow:
    """At most ``limit`` events in any closed interval of ``period`` seconds.

    Keeps only the last ``limit`` event times (a bounded deque): a new event is allowed when
    fewer than ``limit`` are logged or the oldest logged one is MORE than ``period`` old. Closed,
    not half-open: with half-open windows, 4 grants at t and 4 more at exactly t + 1 would put 8
    into Upbit's second if it counts both ends.
    """

    limit: int
    period: float
    _times: deque[float] = field(init=False)

    def __attrs_post_init__(self) -> None:
        if self.limit < 1 or self.period <= 0:
            raise ConfigError("a window needs limit >= 1 and period > 0")
        self._times = deque(maxlen=self.limit)

    def available_at(self) -> float:
        """Earliest time a new event is allowed (``-inf`` when not full): the first float after
        the oldest logged time plus ``period``."""
        if len(self._times) < self.limit:
            return float("-inf")
        return math.nextafter(self._times[0] + self.period, math.inf)

    def allows(self, now: float) -> bool:
        return now >= self.available_at()

    def record(self, now: float) -> None:
        # Never log out of order (a clock that steps back would break the deque's invariant).
        self._times.append(max(now, self._times[-1]) if self._times else now)

    def used(self, now: float) -> int:
        """Events logged within the last ``period`` (for status)."""
        return sum(1 for t in self._times if t > now - self.period)

    def times(self) -> tuple[float, ...]:
        """The logged event times, oldest first (for a checkpoint)."""
        return tuple(self._times)
