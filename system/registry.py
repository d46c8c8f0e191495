"""The registry's decisions: who holds which stream, and the one merged set per connection.

Upbit keeps ONE subscription set per connection and every request replaces it (SPEC §2.1,
§10.1). So components never talk to Upbit: they ``Subscribe`` here, the book counts each
``StreamKey`` across components, and ``due`` hands out the whole merged set of an endpoint when
it changed, folding the changes of a short merge window into one request (each request costs
one of 5 messages/s, SPEC §5, §10.4).

- Idempotent (STYLE principle 5): the same ``Subscribe`` twice holds the same keys; a set that
  returns to what was last emitted emits nothing.
- Atomic: one invalid spec rejects the whole request and changes nothing.
- Durable: ``snapshot()`` is a plain picklable copy the supervisor keeps; ``restore`` gives it
  back to a restarted registry, whose generations jump ahead so nothing it emits looks stale.
- Keys (issue 5): the JWT actor says whether Upbit keys are loaded (``set_keys``). Known
  absent: a private Subscribe is rejected with ``NO_KEYS_REASON``, and keys already held are
  dropped with a rejection each, so the private set empties and no private request or socket
  exists without keys. Not known yet (a startup race): accepted. The public side never looks.

Actor addresses are not hashable (``ActorAddress.__hash__ is None``), so components are keyed by
``component_ref``; the address itself is kept for the routing table.

Exception tree: nothing is raised for a bad request (a ``SubscriptionRejected`` is returned);
``ValueError`` for a snapshot this code cannot read.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from typing import Any

from attrs import define, field

from messages.common import Endpoint, WireFormat
from messages.lifecycle import HubConfig
from messages.subscription import (
    MergedSubscription,
    Route,
    RoutingTable,
    StreamKey,
    StreamOptions,
    StreamSpec,
    Subscribed,
    SubscriptionRejected,
    Unsubscribed,
    WireStream,
)
from system.merge import merge_keys
from system.requests import MAX_CODES_PER_REQUEST, stream_keys, validate_spec

__all__ = [
    "DEFAULT_MERGE_WINDOW",
    "GONE_LIMIT",
    "NO_KEYS_REASON",
    "RESTORE_GENERATION_STEP",
    "SNAPSHOT_VERSION",
    "SubscriptionBook",
    "component_ref",
]

DEFAULT_MERGE_WINDOW: float = 0.1
"""Seconds from the first change to the request (HubConfig.merge_window). A component starting
up subscribes in bursts; 0.1 s folds a burst into one of the 4 messages/s we allow ourselves."""

RESTORE_GENERATION_STEP: int = 1_000
"""How far generations jump on ``restore``: the supervisor's copy can lag the crashed registry
by the changes made after the last snapshot reached it (normally at most one), and a generation
the limiter already saw would be dropped as stale."""

GONE_LIMIT: int = 4_096
"""Exited component instances remembered, so that their late requests are ignored. A late
request trails its component's exit by milliseconds; this many exits is far more than that."""

SNAPSHOT_VERSION: int = 2
"""Layout version of ``snapshot()``; ``restore`` refuses any other."""

NO_KEYS_REASON: str = (
    "no Upbit API keys are configured: set UPBIT_ACCESS_KEY and UPBIT_SECRET_KEY, a key file, "
    "or pass Credentials"
)
"""Why a private subscription is rejected when the JWT actor has no keys (SPEC §7)."""


def component_ref(component: Any) -> Hashable:
    """A hashable identity for a component address (Thespian addresses are unhashable)."""
    return component if isinstance(component, Hashable) else str(component)


def _specs_of(keys: Iterable[StreamKey]) -> list[StreamSpec]:
    """Specs covering ``keys``: one per (type, options), all-markets myOrder apart. A component
    that asked with one spec per type gets that spec back (``Component`` forgets it then)."""
    groups: dict[tuple[Any, StreamOptions, bool], list[str]] = {}
    for key in keys:
        codes = groups.setdefault((key.data_type, key.options, key.code is None), [])
        if key.code is not None:
            codes.append(key.code)
    return [StreamSpec(data_type=t, codes=tuple(codes), options=o) for (t, o, _), codes in groups.items()]


def _wire_dict(stream: WireStream) -> dict[str, Any]:
    """One merged stream as plain JSON for status: type and codes, flags only when set."""
    out: dict[str, Any] = {"type": stream.data_type.value, "codes": list(stream.codes)}
    for name in ("level", "only_snapshot", "only_realtime"):
        if value := getattr(stream, name):
            out[name] = value
    return out


@define
class _Holder:
    """One component and the keys it holds, in the order it asked for them."""

    component: Any
    """The address as given (replies and routes go there)."""
    name: str
    keys: dict[StreamKey, None] = field(factory=dict)
    """An ordered set."""


@define
class SubscriptionBook:
    """Per-component subscriptions, reference-counted keys, and the pending merged sets."""

    merge_window: float = DEFAULT_MERGE_WINDOW
    """Seconds from the first change of a window to the emission of the merged set."""
    fmt: WireFormat = WireFormat.DEFAULT
    """Format put on every merged set (the whole connection's format, SPEC §2)."""
    max_codes: int = MAX_CODES_PER_REQUEST
    """Codes allowed per spec and per merged set of one endpoint."""
    _holders: dict[Hashable, _Holder] = field(factory=dict, init=False)
    _refcount: dict[StreamKey, int] = field(factory=dict, init=False)
    _generation: dict[Endpoint, int] = field(factory=lambda: {e: 0 for e in Endpoint}, init=False)
    _emitted: dict[Endpoint, tuple[WireStream, ...]] = field(factory=dict, init=False)
    _dirty_since: dict[Endpoint, float] = field(factory=dict, init=False)
    _forced: set[Endpoint] = field(factory=set, init=False)
    _routing_generation: int = field(default=0, init=False)
    _seq: dict[Hashable, tuple[int, str]] = field(factory=dict, init=False)
    """Per component address: the ``seq`` and ``instance`` of its last applied SetSubscriptions."""
    _gone: dict[str, None] = field(factory=dict, init=False)
    """Instances that exited (an ordered set, the newest ``GONE_LIMIT``)."""
    keys_loaded: bool | None = field(default=None, init=False)
    """What the JWT actor last said (``set_keys``): True keys, False none, None not heard yet."""

    @classmethod
    def from_config(cls, config: HubConfig) -> SubscriptionBook:
        return cls(merge_window=config.merge_window, fmt=config.format)

    # -- commands -------------------------------------------------------------------------

    def subscribe(
        self, component: Any, name: str, specs: Sequence[StreamSpec], now: float, request_id: str = ""
    ) -> Subscribed | SubscriptionRejected:
        """Hold every key of ``specs`` for ``component`` (a delta), or reject the whole request."""
        if not specs:
            return SubscriptionRejected(request_id=request_id, reason="no streams requested")
        wanted: dict[StreamKey, None] = {}
        for spec in specs:
            if reason := self._spec_reason(spec):
                return SubscriptionRejected(request_id=request_id, reason=reason, spec=spec)
            wanted.update(dict.fromkeys(stream_keys(spec)))
        holder = self._holders.get(component_ref(component))
        new_keys = [k for k in wanted if holder is None or k not in holder.keys]
        if reason := self._capacity_reason(new_keys):
            return SubscriptionRejected(request_id=request_id, reason=reason)
        self._hold(component, name, new_keys, now)
        return Subscribed(request_id=request_id, keys=tuple(wanted))

    def replace(
        self, component: Any, name: str, specs: Sequence[StreamSpec], now: float, *,
        seq: int, instance: str, request_id: str = "",
    ) -> list[Subscribed | Unsubscribed | SubscriptionRejected] | None:
        """``SetSubscriptions``: ``specs`` become everything ``component`` holds.

        Returns None, changing nothing, for a request older than one already applied (``seq``)
        or from an instance that exited. Otherwise each spec that is invalid, private without
        keys, or would push its endpoint over ``max_codes`` is rejected on its own (the rest
        applies), then ``Unsubscribed`` with the keys released (if any) and ``Subscribed`` with
        every key now held (if any were added, or nothing changed).
        """
        ref = component_ref(component)
        if instance in self._gone or seq <= self._seq.get(ref, (0, ""))[0]:
            return None
        self._seq[ref] = (seq, instance)
        holder = self._holders.get(ref)
        held = holder.keys if holder is not None else {}
        replies: list[Subscribed | Unsubscribed | SubscriptionRejected] = []
        accepted: dict[StreamKey, None] = {}
        for spec in specs:
            keys = dict.fromkeys(stream_keys(spec)) if not validate_spec(spec) else {}
            reason = self._spec_reason(spec) or self._capacity_reason(
                [k for k in {**accepted, **keys} if k not in held])
            if reason:
                replies.append(SubscriptionRejected(request_id=request_id, reason=reason, spec=spec))
            else:
                accepted.update(keys)
        released = [k for k in held if k not in accepted]
        added = [k for k in accepted if k not in held]
        holder = self._hold(component, name, added, now)
        if released:
            self._release(holder, released, now)
            replies.append(Unsubscribed(request_id=request_id, keys=tuple(released)))
        if not holder.keys:
            self._drop_holder(ref)
        if added or not released:
            replies.append(Subscribed(request_id=request_id, keys=tuple(holder.keys)))
        return replies

    def _spec_reason(self, spec: StreamSpec) -> str:
        """Why ``spec`` cannot be held at all ('' when it can)."""
        if reason := validate_spec(spec, max_codes=self.max_codes):
            return reason
        if self.keys_loaded is False and spec.data_type.endpoint is Endpoint.PRIVATE:
            return NO_KEYS_REASON
        return ""

    def _capacity_reason(self, new_keys: Sequence[StreamKey]) -> str:
        """Why adding ``new_keys`` would overfill an endpoint's merged set ('' when it fits)."""
        touched = {k.data_type.endpoint for k in new_keys if k not in self._refcount}
        for endpoint in touched:
            future = set(self._refcount) | set(new_keys)
            streams = merge_keys(k for k in future if k.data_type.endpoint is endpoint)
            count = sum(len(s.codes) for s in streams)
            if count > self.max_codes:
                return f"the {endpoint.value} set would hold {count} codes, over the limit {self.max_codes}"
        return ""

    def _hold(self, component: Any, name: str, keys: Sequence[StreamKey], now: float) -> _Holder:
        """Add ``keys`` (not held yet) to ``component``'s holder, created if needed."""
        ref = component_ref(component)
        holder = self._holders.get(ref)
        if holder is None:
            holder = self._holders[ref] = _Holder(component=component, name=name)
            self._routing_generation += 1
        elif holder.name != name or holder.component != component:
            holder.name, holder.component = name, component
            self._routing_generation += 1
        for key in keys:
            holder.keys[key] = None
            count = self._refcount.get(key, 0)
            self._refcount[key] = count + 1
            if not count:
                self.changed(key.data_type.endpoint, now)
        if keys:
            self._routing_generation += 1
        return holder

    def _drop_holder(self, ref: Hashable) -> None:
        if self._holders.pop(ref, None) is not None:
            self._routing_generation += 1

    def unsubscribe(
        self, component: Any, specs: Sequence[StreamSpec], now: float, request_id: str = ""
    ) -> Unsubscribed:
        """Release the keys of ``specs`` (all the component's keys when empty); unknown keys
        are ignored, so a repeated ``Unsubscribe`` changes nothing."""
        holder = self._holders.get(component_ref(component))
        if holder is None:
            return Unsubscribed(request_id=request_id, keys=())
        if specs:
            asked = [key for spec in specs for key in stream_keys(spec)]
            keys = tuple(dict.fromkeys(k for k in asked if k in holder.keys))
        else:
            keys = tuple(holder.keys)
        self._release(holder, keys, now)
        if not holder.keys:
            self._drop_holder(component_ref(component))
        return Unsubscribed(request_id=request_id, keys=keys)

    def remove_component(self, component: Any, now: float, instance: str = "") -> tuple[StreamKey, ...]:
        """The component exited or died: release everything it held, and ignore the requests
        of its instance (``instance``, or the last one seen from its address) from now on."""
        ref = component_ref(component)
        instance = instance or self._seq.pop(ref, (0, ""))[1]
        self._seq.pop(ref, None)  # a new instance may get this address again
        if instance:
            self._gone[instance] = None
            while len(self._gone) > GONE_LIMIT:
                del self._gone[next(iter(self._gone))]
        return self.unsubscribe(component, (), now).keys

    def set_keys(self, loaded: bool, now: float) -> list[tuple[Any, SubscriptionRejected]]:
        """The JWT actor has keys (``loaded``) or none. Without keys every private key held is
        released; returns (component, rejection) pairs to send, one per dropped spec."""
        self.keys_loaded = loaded
        if loaded:
            return []
        out: list[tuple[Any, SubscriptionRejected]] = []
        for ref, holder in list(self._holders.items()):
            private = [k for k in holder.keys if k.data_type.endpoint is Endpoint.PRIVATE]
            if not private:
                continue
            self._release(holder, private, now)
            for spec in _specs_of(private):
                out.append((holder.component,
                            SubscriptionRejected(request_id="", reason=NO_KEYS_REASON, spec=spec)))
            if not holder.keys:
                self._drop_holder(ref)
        return out

    def _release(self, holder: _Holder, keys: Iterable[StreamKey], now: float) -> None:
        released = False
        for key in keys:
            del holder.keys[key]
            released = True
            left = self._refcount[key] - 1
            if left:
                self._refcount[key] = left
            else:
                del self._refcount[key]
                self.changed(key.data_type.endpoint, now)
        if released:
            self._routing_generation += 1

    # -- merged sets and the merge window -------------------------------------------------

    def merged(self, endpoint: Endpoint) -> tuple[WireStream, ...]:
        """The wire streams every live key of ``endpoint`` needs, deterministic order."""
        return merge_keys(k for k in self._refcount if k.data_type.endpoint is endpoint)

    def changed(self, endpoint: Endpoint, now: float) -> None:
        """Mark ``endpoint`` dirty; the window runs from the first change since the last emission."""
        self._dirty_since.setdefault(endpoint, now)

    def resend_all(self, now: float) -> None:
        """Emit every endpoint's set again at the next window, even unchanged (e.g. the limiter
        was restarted and lost it). An empty set that was never emitted stays silent."""
        for endpoint in Endpoint:
            if self._emitted.get(endpoint) or self.merged(endpoint):
                self._forced.add(endpoint)
                self.changed(endpoint, now)

    def due(self, now: float) -> list[MergedSubscription]:
        """At most one merged set per endpoint whose window has elapsed and that differs from
        the last one emitted (or was forced), each with a new, higher generation."""
        out: list[MergedSubscription] = []
        for endpoint in Endpoint:
            since = self._dirty_since.get(endpoint)
            if since is None or now < since + self.merge_window:
                continue
            del self._dirty_since[endpoint]
            streams = self.merged(endpoint)
            forced = endpoint in self._forced
            self._forced.discard(endpoint)
            if streams == self._emitted.get(endpoint, ()) and not forced:
                continue
            self._generation[endpoint] += 1
            self._emitted[endpoint] = streams
            out.append(self.current(endpoint))
        return out

    def current(self, endpoint: Endpoint) -> MergedSubscription:
        """The last emitted set of ``endpoint`` with its generation (empty before any)."""
        return MergedSubscription(
            endpoint=endpoint,
            generation=self._generation[endpoint],
            streams=self._emitted.get(endpoint, ()),
            format=self.fmt,
        )

    def next_deadline(self) -> float | None:
        """When ``due`` has something to decide next; None when nothing is pending."""
        if not self._dirty_since:
            return None
        return min(self._dirty_since.values()) + self.merge_window

    # -- routes, status, durability -------------------------------------------------------

    @property
    def routing_generation(self) -> int:
        """Increases whenever a route changes; send the table when it differs from the last sent."""
        return self._routing_generation

    def keys_of(self, component: Any) -> tuple[StreamKey, ...]:
        holder = self._holders.get(component_ref(component))
        return tuple(holder.keys) if holder else ()

    def routing_table(self) -> RoutingTable:
        """A Route per component holding anything, in first-subscription order."""
        routes = [
            Route(component=h.component, name=h.name, keys=tuple(h.keys))
            for h in self._holders.values()
        ]
        return RoutingTable(generation=self._routing_generation, routes=routes)

    def status(self) -> dict[str, Any]:
        """JSON-able figures for the status tool."""
        merged = {}
        for endpoint in Endpoint:
            emitted = self._emitted.get(endpoint, ())
            merged[endpoint.value] = {
                "generation": self._generation[endpoint],
                "streams": len(emitted),
                "codes": sum(len(s.codes) for s in emitted),
                "pending": endpoint in self._dirty_since,
                "set": [_wire_dict(s) for s in emitted],
            }
        return {
            "components": [
                {"name": h.name, "address": str(h.component), "keys": len(h.keys)}
                for h in self._holders.values()
            ],
            "keys": len(self._refcount),
            "merged": merged,
            "routing_generation": self._routing_generation,
            "keys_loaded": self.keys_loaded,
        }

    def snapshot(self) -> dict[str, Any]:
        """A plain, picklable copy of everything durable, for the supervisor to keep."""
        return {
            "version": SNAPSHOT_VERSION,
            "holders": tuple((h.component, h.name, tuple(h.keys)) for h in self._holders.values()),
            "generations": {e.value: g for e, g in self._generation.items()},
            "emitted": {e.value: s for e, s in self._emitted.items()},
            "routing_generation": self._routing_generation,
            "seq": tuple(self._seq.items()),
            "gone": tuple(self._gone),
        }

    def restore(self, state: dict[str, Any], now: float) -> None:
        """Replace this book's state with ``state`` from ``snapshot()``.

        Generations jump by ``RESTORE_GENERATION_STEP`` and every non-empty set is emitted
        again at the next window: the copy may lag what the crashed registry had sent.
        """
        version = state.get("version") if isinstance(state, dict) else None
        if version != SNAPSHOT_VERSION:
            raise ValueError(f"registry snapshot version {version!r} is not {SNAPSHOT_VERSION}")
        self._holders.clear()
        self._refcount.clear()
        self._seq.clear()
        self._dirty_since.clear()
        self._forced.clear()
        for component, name, keys in state["holders"]:
            holder = self._holders[component_ref(component)] = _Holder(component=component, name=name)
            for key in keys:
                holder.keys[key] = None
                self._refcount[key] = self._refcount.get(key, 0) + 1
        saved = state["generations"]
        self._generation = {e: int(saved.get(e.value, 0)) + RESTORE_GENERATION_STEP for e in Endpoint}
        self._emitted = {Endpoint(e): tuple(s) for e, s in state["emitted"].items()}
        self._routing_generation = int(state["routing_generation"]) + RESTORE_GENERATION_STEP
        self._seq = dict(state["seq"])
        self._gone = dict.fromkeys(state["gone"])
        self.resend_all(now)
