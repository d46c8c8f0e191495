"""One component's outbox in the router: a bounded event buffer and the batch in flight.

Flow control: one batch per component is in flight at a time (acknowledged by
``BatchAck``), so a slow component grows its own bounded buffer instead of Thespian's transmit
queue, which drops sends past ~1,050 queued (THESPIAN.md). An ack that never comes is assumed
after the router's ack timeout.

Events wait in the buffer while the component has a batch in flight. The buffer never grows without
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
the next batch (``EventFrames.dropped``); the status shows them apart.

Exception tree: ``ValueError`` for a limit below 1; nothing else.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Hashable
from typing import Any

from attrs import define, field

from upbit_actors.system.errors import ConfigError

__all__ = ["ComponentBuffer", "Outbox"]


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
            raise ConfigError("buffer limit must be >= 1")

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


@define
class Outbox:
    """A component's buffer plus its flow-control state and delivery counters."""

    buffer: ComponentBuffer
    in_flight: int | None = None
    """Id of the batch awaiting its ack."""
    in_flight_since: float = 0.0
    delivered: int = 0
    batches: int = 0
    ack_timeouts: int = 0
    """Acks assumed after the timeout (lost, or a component that does not ack)."""

    def free(self, now: float, ack_timeout: float) -> bool:
        """No batch in flight (an overdue one counts as acknowledged)."""
        if self.in_flight is not None and now - self.in_flight_since >= ack_timeout:
            self.in_flight = None
            self.ack_timeouts += 1
        return self.in_flight is None

    def take(self, batch_id: int, now: float, max_events: int) -> tuple[tuple[Any, ...], int]:
        """The next batch (items, drops not yet reported), now in flight under ``batch_id``."""
        events, dropped = self.buffer.take(max_events)
        self.in_flight, self.in_flight_since = batch_id, now
        self.delivered += len(events)
        self.batches += 1
        return events, dropped

    def done(self, batch_id: int | None) -> bool:
        """Ack ``batch_id`` (None: whatever is in flight); False for a stale or repeated ack."""
        if self.in_flight is None or batch_id not in (None, self.in_flight):
            return False
        self.in_flight = None
        return True

    def ack_deadline(self, ack_timeout: float) -> float | None:
        """When an unacknowledged batch stops holding back waiting events; None if none wait."""
        if self.in_flight is None or not len(self.buffer):
            return None
        return self.in_flight_since + ack_timeout

    def status(self) -> dict[str, int | bool]:
        return {
            "buffered": len(self.buffer),
            "delivered": self.delivered,
            "batches": self.batches,
            "dropped": self.buffer.dropped,
            "replaced": self.buffer.replaced,
            "in_flight": self.in_flight is not None,
            "ack_timeouts": self.ack_timeouts,
        }
