"""One consumer's outbox in the router: its buffer under its overflow policies, its batches in flight.

Flow control: at most ``CONSUMER_CREDIT`` batches per consumer are unacknowledged by Thespian's
transport ACK (a consumer's process reads a batch only after handling the one before), so a slow
consumer grows its own bounded buffer, not Thespian's transmit queue, which drops sends past
~1,050 queued (THESPIAN.md), and never slows another consumer, the router or the connection. An
ack that never comes is assumed after the ack timeout; a batch that cannot be delivered (the
consumer is gone) is counted lost (``undelivered``).

Events wait in the buffer, in arrival order, while the consumer has a batch in flight. What
happens when it falls behind is the consumer's ``Delivery`` for the type (``system.router.policy``):

==============  ===============================================================================
policy          while the consumer is behind
==============  ===============================================================================
latest          the newest event per (type, code, book) replaces the waiting one and moves to
                the end (``replaced``); candles per (code, period), updated in place, at most
                ``limit`` periods waiting (then the oldest: ``overflow``)
drop_oldest     at most ``limit`` wait; past it the oldest goes (``drop_oldest``)
drop_newest     at most ``limit`` wait; past it the arriving one goes (``drop_newest``)
throttle        one event per code per ``1/rate`` s enters; newer ones wait in one slot per code,
                the newest wins (``throttled``)
block           every event waits; past ``limit`` the owner is told once (``behind``), past
                ``BLOCK_HARD_LIMIT`` the oldest goes (``overflow``)
==============  ===============================================================================

Every loss is counted per type and reason (``totals``) and reported once, with its codes and its
first time, in the consumer's next batch (``Loss``). Nothing is dropped silently.

Exception tree: ``ConfigError`` for a limit below 1; nothing else.
"""

from __future__ import annotations

from collections import Counter, OrderedDict, deque
from collections.abc import Hashable, Mapping
from typing import Any

from attrs import define, field

from upbit_actors.messages.common import CANDLE_TYPES, DataType
from upbit_actors.messages.connection import Loss
from upbit_actors.messages.subscription import Delivery, Policy
from upbit_actors.system.errors import ConfigError
from upbit_actors.system.router.policy import BLOCK_HARD_LIMIT, resolve

__all__ = ["CONSUMER_CREDIT", "LOSS_CODES", "PIPELINE_AT", "ComponentBuffer", "Outbox"]

CONSUMER_CREDIT: int = 3
"""Batches a consumer may have unacknowledged (ACKed when its process reads one: after handling the
one before). Ten components fed 6,100 frames/s: 39 conflated with two, none with three."""
PIPELINE_AT: int = 64
"""Events waiting before a consumer that has a batch in flight gets another one: fewer wait and
leave together, one Thespian message (~0.2 ms of CPU at each end) instead of one per routing
pass (unconflated: credit is left)."""
LOSS_CODES: int = 20
"""Codes listed in one ``Loss`` at most (the count is always complete)."""
_CONFLATED = frozenset({"replaced", "throttled"})


@define
class ComponentBuffer:
    """Undelivered events of one consumer, oldest first, under its policies."""

    limit: int
    """``HubConfig.buffer_limit``: the bound of a policy that names none."""
    delivery: Mapping[DataType, Delivery] = field(factory=dict)
    """The consumer's own choices; other types get ``policy.default_delivery``."""
    _policies: dict[DataType, Delivery] = field(factory=dict, init=False)
    """Resolved policies, per type, as they are first needed."""
    _items: OrderedDict[Hashable, Any] = field(factory=OrderedDict, init=False)
    _order: dict[DataType, deque[Hashable]] = field(factory=dict, init=False)
    """Per bounded type, its keys in ``_items`` order (drop the oldest of a type)."""
    _count: Counter[DataType] = field(factory=Counter, init=False)
    _held: dict[Hashable, Any] = field(factory=dict, init=False)
    """throttle: the newest event per (type, code, book) not due yet."""
    _due: dict[Hashable, float] = field(factory=dict, init=False)
    _seq: int = field(default=0, init=False)
    _pending: dict[tuple[DataType, str], list[Any]] = field(factory=dict, init=False)
    """(type, reason) -> [count, codes, since] not reported yet."""
    _alerted: set[DataType] = field(factory=set, init=False)
    totals: Counter[tuple[DataType, str]] = field(factory=Counter, init=False)
    """Losses since start by (type, reason)."""
    behind: list[DataType] = field(factory=list, init=False)
    """block types that passed their limit since the router last looked (it tells the owner)."""

    def __attrs_post_init__(self) -> None:
        if self.limit < 1:
            raise ConfigError("buffer limit must be >= 1")

    def __len__(self) -> int:
        return len(self._items)

    def policy(self, data_type: DataType) -> Delivery:
        policy = self._policies.get(data_type)
        if policy is None:
            policy = self._policies[data_type] = resolve(self.delivery.get(data_type), data_type, self.limit)
        return policy

    def set_delivery(self, delivery: Mapping[DataType, Delivery]) -> None:
        """The consumer chose anew: later events follow the new policies."""
        if dict(delivery) != dict(self.delivery):
            self.delivery, self._policies = dict(delivery), {}
            self._reindex()

    # -- in ---------------------------------------------------------------------------------
    def push(self, item: Any, wkey: tuple[Any, ...], now: float, wall: float = 0.0,
             behind: bool = True) -> None:
        """Add ``item`` of routing key ``wkey`` (type, code, book) at ``now`` (monotonic).

        ``behind``: the consumer has no credit left, so what it cannot take now waits. A consumer
        with credit takes everything of this routing pass at its end: then even latest-kind
        events are kept each (a policy is for a consumer that falls behind)."""
        t = item.data_type
        policy = self.policy(t)
        kind = policy.policy
        if kind is Policy.LATEST and not behind:
            self._seq += 1
            self._add(("#", self._seq), item, now, wall, move=False)
        elif kind is Policy.LATEST:
            if t in CANDLE_TYPES:
                self._add(("C", wkey, item.candle_date_time_utc), item, now, wall, move=False)
                self._bound(t, policy.limit, "overflow", wall)
            else:
                self._add(("L", wkey), item, now, wall, move=True)
        elif kind is Policy.THROTTLE:
            if wkey in self._held or now < self._due.get(wkey, 0.0):
                if wkey in self._held:
                    self._lose(t, "throttled", self._held[wkey], wall)
                self._held[wkey] = item
            else:
                self._release(wkey, item, now, wall)
        elif kind is Policy.DROP_NEWEST and self._count[t] >= policy.limit:
            self._lose(t, "drop_newest", item, wall)
        else:  # drop_oldest, drop_newest below its bound, block
            self._seq += 1
            self._add(("#", self._seq), item, now, wall, move=False)
            if kind is Policy.BLOCK:
                self._bound(t, BLOCK_HARD_LIMIT, "overflow", wall)
                if self._count[t] > policy.limit and t not in self._alerted:
                    self._alerted.add(t)
                    self.behind.append(t)
            else:
                self._bound(t, policy.limit, "drop_oldest", wall)

    def _add(self, key: Hashable, item: Any, now: float, wall: float, *, move: bool) -> None:
        items = self._items
        if key in items:
            self._lose(item.data_type, "throttled" if key[0] == "T" else "replaced", items[key], wall)
            if move:
                del items[key]
            items[key] = item
            return
        items[key] = item
        t = item.data_type
        self._count[t] += 1
        if not move:
            self._order.setdefault(t, deque()).append(key)

    def _bound(self, t: DataType, limit: int, reason: str, wall: float) -> None:
        while self._count[t] > limit:
            key = self._order[t].popleft()
            self._count[t] -= 1
            self._lose(t, reason, self._items.pop(key), wall)

    def _release(self, wkey: Hashable, item: Any, now: float, wall: float) -> None:
        self._due[wkey] = now + 1.0 / self.policy(item.data_type).rate
        self._add(("T", wkey), item, now, wall, move=False)

    def release_due(self, now: float, wall: float = 0.0) -> None:
        """throttle: let the waiting events whose time has come enter the buffer."""
        for wkey in [k for k in self._held if self._due.get(k, 0.0) <= now]:
            self._release(wkey, self._held.pop(wkey), now, wall)

    def next_due(self) -> float | None:
        """When the next throttled event may enter; None if none waits."""
        return min((self._due[k] for k in self._held), default=None)

    def _lose(self, t: DataType, reason: str, item: Any, wall: float) -> None:
        self.totals[(t, reason)] += 1
        entry = self._pending.get((t, reason))
        if entry is None:
            entry = self._pending[(t, reason)] = [0, {}, wall]
        entry[0] += 1
        code = getattr(item, "code", None)
        if code is not None and len(entry[1]) < LOSS_CODES:
            entry[1][code] = None

    # -- out --------------------------------------------------------------------------------
    def take(self, max_events: int) -> tuple[tuple[Any, ...], int, tuple[Loss, ...]]:
        """Up to ``max_events`` oldest events, the losses not reported yet and their total."""
        items, order, count = self._items, self._order, self._count
        events = []
        while items and len(events) < max_events:
            key, item = items.popitem(last=False)
            t = item.data_type
            count[t] -= 1
            queue = order.get(t)
            if queue and queue[0] == key:
                queue.popleft()
            events.append(item)
        for t in list(self._alerted):
            if count[t] <= self.policy(t).limit // 2:
                self._alerted.discard(t)  # caught up: a new fall behind is told again
        losses = tuple(Loss(data_type=t, reason=r, count=n, codes=tuple(codes), since=since)
                       for (t, r), (n, codes, since) in self._pending.items())
        self._pending = {}
        return tuple(events), sum(loss.count for loss in losses), losses

    def discard(self, keep: Any) -> None:
        """Drop every waiting event for which ``keep(event)`` is false (routes went away)."""
        for key in [k for k, e in self._items.items() if not keep(e)]:
            del self._items[key]
        for key in [k for k, e in self._held.items() if not keep(e)]:
            del self._held[key]
        self._reindex()

    def _reindex(self) -> None:
        self._count = Counter(item.data_type for item in self._items.values())
        self._order = {}
        for key, item in self._items.items():
            if key[0] != "L":
                self._order.setdefault(item.data_type, deque()).append(key)

    @property
    def dropped(self) -> int:
        """Events lost since start (not conflated: ``replaced`` / ``throttled`` are not here)."""
        return sum(n for (_, reason), n in self.totals.items() if reason not in _CONFLATED)

    @property
    def replaced(self) -> int:
        """Events conflated since start: replaced by a newer one of the same code."""
        return sum(n for (_, reason), n in self.totals.items() if reason in _CONFLATED)

    def waiting(self) -> int:
        return len(self._items) + len(self._held)


@define
class Outbox:
    """A consumer's buffer plus its flow-control state (credit) and delivery counters."""

    buffer: ComponentBuffer
    credit: int = CONSUMER_CREDIT
    """Batches this consumer may have unacknowledged."""
    _in_flight: dict[int, tuple[float, tuple[Any, ...]]] = field(factory=dict, init=False)
    """Batch id -> when it was sent, and its events (counted lost if it cannot be delivered)."""
    delivered: int = 0
    batches: int = 0
    ack_timeouts: int = 0
    """Acks assumed after the timeout (lost, or a consumer that does not ack)."""

    @property
    def in_flight(self) -> int:
        return len(self._in_flight)

    def free(self, now: float, ack_timeout: float) -> bool:
        """Credit left for another batch (an overdue one counts as acknowledged)."""
        for batch_id in [b for b, (sent, _) in self._in_flight.items() if now - sent >= ack_timeout]:
            del self._in_flight[batch_id]
            self.ack_timeouts += 1
        return len(self._in_flight) < self.credit

    def sendable(self, now: float, ack_timeout: float) -> bool:
        """A batch may leave now: events wait, credit is left, and either nothing is in flight or
        at least ``PIPELINE_AT`` events wait."""
        waiting = len(self.buffer)
        return bool(waiting) and self.free(now, ack_timeout) and (not self._in_flight or waiting >= PIPELINE_AT)

    @property
    def behind(self) -> bool:
        """Every credit is in use: what arrives now waits, under the overflow policies."""
        return len(self._in_flight) >= self.credit

    def take(self, batch_id: int, now: float, max_events: int) -> tuple[tuple[Any, ...], int, tuple[Loss, ...]]:
        """The next batch (items, losses not yet reported), now in flight under ``batch_id``."""
        events, dropped, losses = self.buffer.take(max_events)
        self._in_flight[batch_id] = (now, events)
        self.delivered += len(events)
        self.batches += 1
        return events, dropped, losses

    def done(self, batch_id: int | None, delivered: bool = True, wall: float = 0.0) -> bool:
        """Ack ``batch_id`` (None: the oldest in flight; not ``delivered``: its events are lost);
        False for a stale or repeated ack."""
        if batch_id is None:
            batch_id = next(iter(self._in_flight), None)
        flying = self._in_flight.pop(batch_id, None)
        if flying is None:
            return False
        if not delivered:
            events = flying[1]
            self.delivered -= len(events)
            for event in events:  # counted and reported like a policy's loss
                self.buffer._lose(event.data_type, "undelivered", event, wall)
        return True

    def ack_deadline(self, ack_timeout: float) -> float | None:
        """When the oldest unacknowledged batch stops holding back waiting events; None if none
        wait for credit."""
        if not self.behind or not len(self.buffer):
            return None
        return min(sent for sent, _ in self._in_flight.values()) + ack_timeout

    def status(self) -> dict[str, Any]:
        buffer = self.buffer
        return {
            "buffered": buffer.waiting(),
            "delivered": self.delivered,
            "batches": self.batches,
            "dropped": buffer.dropped,
            "replaced": buffer.replaced,
            "in_flight": len(self._in_flight),
            "ack_timeouts": self.ack_timeouts,
            "losses": {f"{t.value}/{reason}": n for (t, reason), n in sorted(buffer.totals.items())},
            "policies": {t.value: p.policy.value for t, p in sorted(buffer._policies.items())},
        }
