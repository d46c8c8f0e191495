"""The router's decisions: which component gets which event, and when it gets a batch.

Input: the registry's ``RoutingTable`` and the decoded events of each ``FrameBatch``. Output:
``Delivery`` objects, one batch per component per pass (THESPIAN.md: one message per
event tops out near 1,000 deliveries/s, batches reach ~50,000/s).

Rules:

- **Match.** An event goes to the components holding a key of its (type, code); myAsset has no
  code; myOrder matches a code key or an all-markets key (SPEC §3.5-3.6). The wire ``code`` has no
  ``.N`` suffix (SPEC §2.2), so orderbooks of one code at several depths or levels are told apart
  by the book itself: its number of units (Upbit pads to the requested depth, SPEC §3.3) and
  ``level``. No exact match: the smallest requested depth that holds the book.
- **Flags.** only_realtime components get no SNAPSHOT; only_snapshot components get one
  SNAPSHOT and nothing else (the registry folds flags on the wire, so the router filters).
- **Snapshot dedupe.** Every resend of the merged set makes Upbit send fresh SNAPSHOTs for every
  code (SPEC §2.1 rule 2). On the same connection they repeat what a component already has, so a
  component that got any event of a (type, code) does not get its snapshot again. After a
  reconnect (new epoch) the snapshots pass: the stream had a gap.
- **Join.** A component that starts holding a public (type, code) that already streams gets the
  cached latest event at once (``on_routes_changed`` returns those). Private events are not
  cached: a stale fill replayed to a newcomer would look new.
- **Flow control.** A component with a batch in flight (``take_batch`` without ``batch_done``)
  accumulates in its ``ComponentBuffer``; an ack that never comes is assumed after
  ``ack_timeout`` so a lost ack cannot stall a component forever.

Exception tree: none raised; unroutable events are counted.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import Any

from attrs import define, field

from upbit_actors.messages.common import PRIVATE_TYPES, DataType, Endpoint, StreamType
from upbit_actors.messages.lifecycle import HubConfig
from upbit_actors.messages.subscription import RoutingTable
from upbit_actors.system.registry.book import component_ref
from upbit_actors.system.router.consumers import (
    ACK_TIMEOUT,
    MAX_BATCH_EVENTS,
    Delivery,
    Variant,
    _Component,
    _variant,
    _Want,
)
from upbit_actors.system.router.outbox import CONSUMER_CREDIT, ComponentBuffer, Outbox

__all__ = [
    "ACK_TIMEOUT",
    "MAX_BATCH_EVENTS",
    "Delivery",
    "RoutingState",
]

def _event_code(event: Any) -> str | None:
    return getattr(event, "code", None)


@define
class RoutingState:
    """Routes, caches, per-component buffers and flow control for the router actor."""

    buffer_limit: int = 10_000
    """HubConfig.buffer_limit: candles + trades/myOrder/myAsset held per component."""
    max_batch: int = MAX_BATCH_EVENTS
    ack_timeout: float = ACK_TIMEOUT
    credit: int = CONSUMER_CREDIT
    """Batches per consumer unacknowledged at most (``system.router.outbox``)."""
    _components: dict[Hashable, _Component] = field(factory=dict, init=False)
    _index: dict[tuple[DataType, str | None], dict[Variant, dict[Hashable, _Want]]] = field(
        factory=dict, init=False
    )
    _cache: dict[tuple[DataType, str | None, Variant], Any] = field(factory=dict, init=False)
    _epochs: dict[Endpoint, int] = field(factory=dict, init=False)
    _generation: int | None = field(default=None, init=False)
    _next_batch_id: int = field(default=0, init=False)
    _now: float = field(default=0.0, init=False)
    _wall: float = field(default=0.0, init=False)
    unrouted: int = field(default=0, init=False)
    """Events no component held a key for (late frames after an unsubscribe, mostly)."""
    ignored: int = field(default=0, init=False)
    """Objects without a ``data_type`` handed to ``on_events`` (the codec's non-data items)."""

    @classmethod
    def from_config(cls, config: HubConfig, **kwargs: Any) -> RoutingState:
        return cls(buffer_limit=config.buffer_limit, **kwargs)

    # -- routes ---------------------------------------------------------------------------

    def on_routes_changed(self, table: RoutingTable, now: float) -> list[tuple[Any, tuple[Any, ...]]]:
        """Apply ``table`` (an older or repeated generation is ignored). Returns the initial
        deliveries, already buffered: (component address, cached events)."""
        if self._generation is not None and table.generation <= self._generation:
            return []
        self._generation = table.generation
        self._now = now
        old = self._components
        previous: dict[Hashable, dict[tuple[DataType, str | None, Variant], _Want]] = {}
        self._components = {}
        for route in table.routes:
            ref = component_ref(route.component)
            comp = old.get(ref) or _Component(
                address=route.component, name=route.name,
                outbox=Outbox(ComponentBuffer(self.buffer_limit, dict(route.delivery)), self.credit),
            )
            comp.address, comp.name = route.component, route.name
            comp.outbox.buffer.set_delivery(dict(route.delivery))
            previous[ref], comp.wants = comp.wants, {}
            for key in route.keys:
                want = comp.wants.setdefault((key.data_type, key.code, _variant(key)), _Want())
                want.snapshot |= not key.options.only_realtime
                want.realtime |= not key.options.only_snapshot
            comp.seen &= set(comp.wants)
            if not previous[ref].keys() <= comp.wants.keys():  # some keys went: drop their events
                comp.outbox.buffer.discard(lambda event, c=comp: self._still_wanted(c, event))
            self._components[ref] = comp
        self._rebuild_index()
        initial: list[tuple[Any, tuple[Any, ...]]] = []
        for ref, comp in self._components.items():
            events = []
            for wkey, want in comp.wants.items():
                had = previous[ref].get(wkey)
                cached = self._cache.get(wkey)
                if cached is None or not want.snapshot or wkey in comp.seen or (had and had.snapshot):
                    continue
                self._push(comp, wkey, cached)
                events.append(cached)
            if events:
                initial.append((comp.address, tuple(events)))
        return initial

    def _still_wanted(self, comp: _Component, event: Any) -> bool:
        return any(t is event.data_type and c in (_event_code(event), None) for t, c, _ in comp.wants)

    def _rebuild_index(self) -> None:
        """Index (type, code) -> variant -> component wants; prune the cache."""
        index: dict[tuple[DataType, str | None], dict[Variant, dict[Hashable, _Want]]] = {}
        for ref, comp in self._components.items():
            for (data_type, code, variant), want in comp.wants.items():
                index.setdefault((data_type, code), {}).setdefault(variant, {})[ref] = want
        self._index = index
        live = {(t, c, v) for (t, c), variants in index.items() for v in variants}
        self._cache = {k: e for k, e in self._cache.items() if k in live}

    def remove_component(self, component: Any) -> None:
        """The component died: drop its buffer now (the registry's next table agrees)."""
        if self._components.pop(component_ref(component), None) is not None:
            self._rebuild_index()

    # -- events ---------------------------------------------------------------------------

    def _choose(self, variants: dict[Variant, dict[Hashable, _Want]], event: Any) -> Variant:
        if len(variants) == 1:
            return next(iter(variants))
        depth = event.depth
        level = float(getattr(event, "level", 0.0) or 0.0)
        same_level = sorted(v for v in variants if v is not None and v[1] == level)
        holding = [v for v in same_level if v[0] >= depth]  # the exact depth first, if asked for
        if holding:
            return holding[0]
        return same_level[-1] if same_level else None

    def on_events(self, endpoint: Endpoint, epoch: int, events: Iterable[Any], now: float = 0.0,
                  wall: float = 0.0) -> int:
        """Buffer ``events`` (decoded, oldest first, from one connection) for their components.
        Returns how many deliveries were buffered. ``now`` (monotonic) paces throttled types;
        ``wall`` dates the losses reported to consumers."""
        self._now, self._wall = now, wall
        if self._epochs.get(endpoint) != epoch:
            self._epochs[endpoint] = epoch
            for comp in self._components.values():
                # A new connection: snapshots pass again, except to only_snapshot holders.
                comp.seen = {
                    k for k in comp.seen if k[0].endpoint is not endpoint or not comp.wants[k].realtime
                }
        routed = 0
        for event in events:
            data_type = getattr(event, "data_type", None)
            if data_type is None:  # not a data event (UpbitError, StatusUp, DecodeError...)
                self.ignored += 1
                continue
            code = _event_code(event)
            variants = self._index.get((data_type, code))
            if data_type is DataType.MY_ORDER:
                everything = self._index.get((data_type, None), {}).get(None, {})
                targets = {**(variants or {}).get(None, {}), **everything}
                routed += self._deliver(targets, (data_type, code, None), event, cache=False)
                continue
            if not variants:
                self.unrouted += 1
                continue
            variant = self._choose(variants, event) if data_type is DataType.ORDERBOOK else None
            if variant not in variants:
                self.unrouted += 1
                continue
            wkey = (data_type, code, variant)
            routed += self._deliver(variants[variant], wkey, event, cache=data_type not in PRIVATE_TYPES)
        return routed

    def _deliver(self, targets: dict[Hashable, _Want], wkey: Any, event: Any, *, cache: bool) -> int:
        if not targets:
            self.unrouted += 1
            return 0
        if cache:
            self._cache[wkey] = event
        snapshot = getattr(event, "stream_type", StreamType.REALTIME) is StreamType.SNAPSHOT
        count = 0
        for ref, want in targets.items():
            comp = self._components[ref]
            if snapshot:
                if not want.snapshot or wkey in comp.seen:
                    comp.snapshots_skipped += 1  # a repeat (or unasked): counted, not delivered
                    continue
            elif not want.realtime:
                continue
            comp_key = wkey if wkey in comp.wants else (wkey[0], None, None)  # myOrder all-markets
            self._push(comp, comp_key, event)
            count += 1
        return count

    def _push(self, comp: _Component, wkey: tuple[DataType, str | None, Variant], event: Any) -> None:
        comp.seen.add(wkey)
        comp.outbox.buffer.push(event, wkey, self._now, self._wall, behind=comp.outbox.behind)

    # -- flow control ---------------------------------------------------------------------

    def ready(self, now: float) -> list[Any]:
        """Addresses of components a batch may leave for now (``Outbox.sendable``; throttled
        events whose time has come are let in first)."""
        out = []
        for c in self._components.values():
            c.outbox.buffer.release_due(now, self._wall)
            if c.outbox.sendable(now, self.ack_timeout):
                out.append(c.address)
        return out

    def take_batch(self, component: Any, now: float) -> Delivery | None:
        """The next batch for ``component`` (now in flight), or None (nothing, or one in flight)."""
        comp = self._components.get(component_ref(component))
        if comp is None or not comp.outbox.sendable(now, self.ack_timeout):
            return None
        self._next_batch_id += 1
        items, dropped, losses = comp.outbox.take(self._next_batch_id, now, self.max_batch)
        return Delivery(component=comp.address, batch_id=self._next_batch_id, items=items, dropped=dropped,
                        losses=losses)

    def take_batches(self, now: float) -> list[Delivery]:
        """One pass: every batch the components' credit allows (a full batch of ``max_batch``
        may leave more waiting)."""
        out = []
        for address in self.ready(now):
            while (delivery := self.take_batch(address, now)) is not None:
                out.append(delivery)
        return out

    def batch_done(self, component: Any, batch_id: int | None = None, *, delivered: bool = True,
                   wall: float = 0.0) -> bool:
        """The component's process took its batch (``batch_id`` None: whatever is in flight), or
        it could not be delivered (``delivered`` False: its events are counted lost). A stale or
        repeated ack changes nothing and returns False."""
        comp = self._components.get(component_ref(component))
        return comp is not None and comp.outbox.done(batch_id, delivered, wall)

    def next_deadline(self) -> float | None:
        """The earliest ack timeout of a component that has events waiting, or time a throttled
        event may enter; None if none."""
        times = [c.outbox.ack_deadline(self.ack_timeout) for c in self._components.values()]
        times += [c.outbox.buffer.next_due() for c in self._components.values()]
        return min((t for t in times if t is not None), default=None)

    def behind(self) -> list[tuple[Any, str, DataType]]:
        """(address, name, type) of every ``block`` consumer that passed its limit since the
        last call: its owner must be told (it never loses those events)."""
        out = []
        for c in self._components.values():
            out += [(c.address, c.name, t) for t in c.outbox.buffer.behind]
            c.outbox.buffer.behind.clear()
        return out

    # -- gaps (system.router.gaps) -----------------------------------------------------------

    def streaming(self, endpoint: Endpoint) -> dict[tuple[DataType, str], Any]:
        """(type, code) -> latest event routed, of ``endpoint``'s streams held for realtime."""
        return {(t, c): e for (t, c, v), e in self._cache.items() if t.endpoint is endpoint
                and c is not None and any(w.realtime for w in self._index.get((t, c), {}).get(v, {}).values())}

    def mark(self, data_type: DataType, code: str, item: Any) -> None:
        """Buffer ``item`` (a gap marker) once for each consumer holding (type, code) for realtime."""
        refs = {r for wants in self._index.get((data_type, code), {}).values() for r, w in wants.items() if w.realtime}
        for comp in map(self._components.__getitem__, refs):
            comp.outbox.buffer.push(item, ("gap", data_type, code), self._now, self._wall, behind=comp.outbox.behind)

    # -- silent codes and status ------------------------------------------------------------

    def seen(self, keys: Iterable[Any]) -> tuple[Any, ...]:
        """Of ``keys`` (``StreamKey``), those whose (type, code) produced an event while held (cached)."""
        have = {(data_type, code) for data_type, code, _ in self._cache}
        return tuple(k for k in keys if (k.data_type, k.code) in have)

    def status(self) -> dict[str, Any]:
        comps = {}
        for comp in self._components.values():
            comps[comp.name or str(comp.address)] = {**comp.outbox.status(),
                                                     "snapshots_skipped": comp.snapshots_skipped}
        return {
            "components": comps,
            "cached": len(self._cache),
            "unrouted": self.unrouted,
            "ignored": self.ignored,
            "generation": self._generation,
        }
