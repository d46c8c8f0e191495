"""``Coalescer``: what stream threads collected for a GUI, taken once per frame.

The Qt bridge (``qt.QtFeed``) delivers on the GUI thread in batches, at most one per frame; this
is the part that decides what a frame holds, without Qt, so it is tested on its own:

==========================  ===================================================================
events                      kept until the next ``take``
==========================  ===================================================================
``Ticker``, ``Orderbook``   the latest per code: each is a whole state (SPEC §3.1, §3.3), an
                            older one is of no use to a screen; counted in ``replaced``
``Candle``                  the latest per (code, interval), for the same reason (SPEC §3.4)
``Trade``, ``MyOrder``,     every one, in arrival order, up to ``limit`` in all; past it the
``MyAsset``, anything else  stream thread *waits* (back-pressure: the router buffers for that
                            stream under its own policy), never drops
notices, ended streams      every one (``StreamAlert``, ``SubscriptionRejected``, stream names)
==========================  ===================================================================

``put`` answers whether the GUI must be woken: only for the first item after a ``take``, so a
busy stream costs the GUI thread one wake-up per frame, however many events it sends.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any

from attrs import frozen

from upbit_actors.messages import Candle, MyAsset, MyOrder, Orderbook, Ticker, Trade

__all__ = ["KINDS", "LATEST", "LIMIT", "Coalescer", "Frame"]

LIMIT = 10_000
"""Events kept in full (trades, private events) between two frames before a stream waits:
at 60 frames/s that is 600,000 events/s, past what the tree delivers to one consumer (~6k/s,
README), so only a GUI thread that stops draining makes a stream wait."""
WAIT = 0.2
"""Seconds of one wait for room; a closed coalescer is noticed this soon."""

LATEST: dict[type, Callable[[Any], Hashable]] = {
    Ticker: lambda e: e.code,
    Orderbook: lambda e: e.code,
    Candle: lambda e: (e.code, e.interval),
}
"""Event classes kept latest-per-key, with their key."""
KINDS: tuple[type, ...] = (Ticker, Orderbook, Candle, Trade, MyOrder, MyAsset)
"""Known event classes, in the order a frame delivers them."""


@frozen
class Frame:
    """What a ``take`` found: events by class (known kinds first), notices, ended streams."""

    events: dict[type, list[Any]]
    notices: list[Any]
    ended: list[str]


class Coalescer:
    """Thread-safe: stream threads ``put``, the GUI thread ``take``s once per frame."""

    def __init__(self, limit: int = LIMIT) -> None:
        self.limit = limit
        self.received = 0
        """Events put."""
        self.replaced = 0
        """Events a later one of the same key replaced before a frame took it."""
        self._cond = threading.Condition()
        self._latest: dict[type, dict[Hashable, Any]] = {}
        self._every: dict[type, list[Any]] = {}
        self._held = 0
        self._notices: list[Any] = []
        self._ended: list[str] = []
        self._armed = False
        self._closed = False

    def put(self, event: Any) -> bool:
        """Keep ``event`` (waiting while ``limit`` full-kept events are held); True when the
        caller must wake the GUI. Returns False without keeping it once closed."""
        key_of = LATEST.get(type(event))
        with self._cond:
            if key_of is not None:
                latest = self._latest.setdefault(type(event), {})
                key = key_of(event)
                self.replaced += key in latest
                latest[key] = event
            else:
                while self._held >= self.limit and not self._closed:
                    self._cond.wait(WAIT)
                if self._closed:
                    return False
                self._every.setdefault(type(event), []).append(event)
                self._held += 1
            self.received += 1
            return self._arm()

    def note(self, notice: Any) -> bool:
        """Keep a notice (an alert or rejection); True when the caller must wake the GUI."""
        with self._cond:
            self._notices.append(notice)
            return self._arm()

    def end(self, name: str) -> bool:
        """Note that stream ``name`` ended; True when the caller must wake the GUI."""
        with self._cond:
            self._ended.append(name)
            return self._arm()

    def _arm(self) -> bool:
        if self._armed or self._closed:
            return False
        self._armed = True
        return True

    def take(self) -> Frame:
        """Everything kept since the last take; makes room for waiting streams."""
        with self._cond:
            events: dict[type, list[Any]] = {}
            for kind in (*KINDS, *self._latest, *self._every):
                if kind in events:
                    continue
                if latest := self._latest.pop(kind, None):
                    events[kind] = list(latest.values())
                elif every := self._every.pop(kind, None):
                    events[kind] = every
            frame = Frame(events=events, notices=self._notices, ended=self._ended)
            self._notices, self._ended = [], []
            if self._held >= self.limit:
                self._cond.notify_all()
            self._held = 0
            self._armed = False
            return frame

    def close(self) -> None:
        """Stop keeping anything; a waiting stream thread gives up."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
