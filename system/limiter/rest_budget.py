"""The rate limiter's REST budget: when one REST call of a rate group may be made.

Upbit limits its quotation REST API per group (``market``, ``candle``, ``trade``, ``ticker``,
``orderbook``) to 10 requests per second per IP; over it come 429s, then 418 blocks (SPEC §5).
The WebSocket budgets (``system.limiter.budget``) are separate: Upbit counts them apart.

A caller asks for one permit per call with a ticket (``RestPermitRequest``; any hashable, the
actor makes it unique per asker); the permit is
charged when granted, and the caller makes the call as soon as it arrives (the ``rest`` actor
makes one call at a time and asks only when it is about to call). Requests of a group wait in
arrival order; asking again with a waiting ticket changes nothing (idempotent receipt).

Pure: every call takes ``now``; nothing is raised for stale input.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable

from attrs import define, field

from upbit_actors.system.limiter.window import SlidingWindow

__all__ = ["REST_CALLS", "REST_PERIOD", "REST_WAITING", "RestBudget"]

REST_CALLS: int = 8
"""REST calls per group in any closed ``REST_PERIOD``. Upbit: 10/s per group per IP (SPEC §5).
Two calls of headroom, as the WebSocket budgets keep one: the call reaches Upbit one actor hop
after the grant."""

REST_PERIOD: float = 1.2
"""Seconds of the REST window: longer than Upbit's second by the 200 ms a permit may take to
reach the caller on a loaded machine, so a burst granted at the end of one window and delivered
late cannot meet the next burst inside one of Upbit's seconds (about 6.7 calls/s sustained)."""

REST_WAITING: int = 1_000
"""Tickets waiting per group at most; beyond it the oldest is dropped (its caller asks again
after its own timeout, see ``actors/rest.py``)."""


@define
class RestBudget:
    """One rolling window per REST group, and the tickets waiting for it."""

    calls: int = REST_CALLS
    period: float = REST_PERIOD
    _windows: dict[str, SlidingWindow] = field(factory=dict, init=False)
    _waiting: dict[str, deque[Hashable]] = field(factory=dict, init=False)
    granted: int = field(default=0, init=False)
    dropped: int = field(default=0, init=False)
    _clock: float = field(default=float("-inf"), init=False)

    def _window(self, group: str) -> SlidingWindow:
        window = self._windows.get(group)
        if window is None:
            window = self._windows[group] = SlidingWindow(self.calls, self.period)
        return window

    def request(self, group: str, ticket: Hashable, now: float) -> bool:
        """Grant ``ticket`` now (True, charged) or queue it behind the group's waiting tickets."""
        self._clock = max(self._clock, now)
        queue = self._waiting.setdefault(group, deque())
        if ticket in queue:
            return False
        window = self._window(group)
        if not queue and window.allows(now):
            window.record(now)
            self.granted += 1
            return True
        if len(queue) >= REST_WAITING:
            queue.popleft()
            self.dropped += 1
        queue.append(ticket)
        return False

    def poll(self, now: float) -> list[tuple[str, Hashable]]:
        """Waiting tickets that get their permit now, oldest first per group: (group, ticket)."""
        self._clock = max(self._clock, now)
        out: list[tuple[str, int]] = []
        for group, queue in self._waiting.items():
            window = self._window(group)
            while queue and window.allows(now):
                window.record(now)
                self.granted += 1
                out.append((group, queue.popleft()))
        return out

    def next_deadline(self) -> float | None:
        """When ``poll`` next grants something; None when nothing waits."""
        deadlines = [self._window(g).available_at() for g, q in self._waiting.items() if q]
        return max(min(deadlines), self._clock) if deadlines else None

    def snapshot(self) -> dict[str, list[float]]:
        """Group -> the grant times in its window (monotonic), for a restarted limiter."""
        return {group: list(window.times()) for group, window in self._windows.items()}

    def restore(self, state: dict[str, list[float]], now: float) -> None:
        """Count a predecessor's grants against this budget (waiting tickets are asked again)."""
        self._clock = max(self._clock, now)
        for group, times in state.items():
            window = self._window(group)
            for t in times:
                window.record(t)

    def status(self, now: float) -> dict[str, object]:
        """JSON-able figures: grants, drops, and per group the calls in the window and waiting."""
        return {
            "granted": self.granted,
            "dropped": self.dropped,
            "groups": {g: {"used": w.used(now), "waiting": len(self._waiting.get(g, ()))}
                       for g, w in sorted(self._windows.items())},
        }
