"""One component's bounded event buffer, with the router's overflow policy.

Events wait here while the component has a batch in flight. The buffer never grows without
bound and never drops silently:

==========================  ================================================================
event                       overflow rule
==========================  ================================================================
ticker, orderbook           keep the latest per (type, code, depth/level): each is a full
                            state (SPEC §3.1, §3.3: orderbook frames are whole books, no deltas);
                            the replaced one moves to the end (arrival order of the newest)
candle.*                    keep the latest per (type, code, candle start): the same period
                            repeats, latest wins (SPEC §3.4, §10.13); updated in place
trade, myOrder, myAsset     keep every event
==========================  ================================================================

Candles and keep-every events together are bounded by ``limit`` (HubConfig.buffer_limit): past
it, the oldest of them is dropped. Replaced and dropped events are both counted and reported in
the next ``EventBatch.dropped``; the status shows them apart.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Hashable
from typing import Any

from attrs import define, field

__all__ = ["ComponentBuffer"]


@define
class ComponentBuffer:
    """Undelivered events of one component, oldest first."""

    limit: int
    """Candles plus keep-every events held at most; the oldest of them goes first."""
    _items: OrderedDict[Hashable, Any] = field(factory=OrderedDict, init=False)
    _bounded: deque[Hashable] = field(factory=deque, init=False)
    """Keys of the entries that count against ``limit``, in ``_items`` order."""
    _seq: int = field(default=0, init=False)
    _unreported: int = field(default=0, init=False)
    replaced: int = field(default=0, init=False)
    """Latest-kind events overwritten before delivery, since start."""
    dropped: int = field(default=0, init=False)
    """Events dropped at the bound, since start."""

    def __attrs_post_init__(self) -> None:
        if self.limit < 1:
            raise ValueError("buffer limit must be >= 1")

    def __len__(self) -> int:
        return len(self._items)

    def push(self, event: Any, latest_key: Hashable | None = None, *, move: bool = True) -> None:
        """Add ``event``. With ``latest_key``, it replaces an undelivered event of that key:
        moved to the end when ``move`` (unbounded kinds), in place otherwise (bounded kinds)."""
        items = self._items
        if latest_key is not None and latest_key in items:
            self.replaced += 1
            self._unreported += 1
            if move:
                del items[latest_key]
            items[latest_key] = event
            return
        if latest_key is None:
            self._seq += 1
            key: Hashable = ("#", self._seq)
        else:
            key = latest_key
        items[key] = event
        if latest_key is None or not move:
            self._bounded.append(key)
            if len(self._bounded) > self.limit:
                del items[self._bounded.popleft()]
                self.dropped += 1
                self._unreported += 1

    def take(self, max_events: int) -> tuple[tuple[Any, ...], int]:
        """Up to ``max_events`` oldest events, and the drops not yet reported."""
        items = self._items
        events = []
        bounded = self._bounded
        while items and len(events) < max_events:
            key, event = items.popitem(last=False)
            if bounded and bounded[0] == key:
                bounded.popleft()
            events.append(event)
        unreported, self._unreported = self._unreported, 0
        return tuple(events), unreported

    def discard(self, keep: Any) -> None:
        """Drop every buffered event for which ``keep(event)`` is false (routes went away)."""
        for key in [k for k, e in self._items.items() if not keep(e)]:
            del self._items[key]
        self._bounded = deque(k for k in self._bounded if k in self._items)
