"""The registry's decisions: who holds which stream, and the one merged set per connection.

Upbit keeps ONE subscription set per connection and every request replaces it (SPEC §2.1,
§10.1). So components never talk to Upbit: each sends its whole wanted set here, numbered
(``SetSubscriptions``, applied by ``replace``), the book counts each ``StreamKey`` across
components, and ``due`` hands out the whole merged set of an endpoint when it changed, folding
the changes of a short merge window into one request (each request costs one of 5 messages/s,
SPEC §5, §10.4).

This module owns the commands that change the book and the merge window. ``SubscriptionBook``
extends ``system.registry.state.BookState``, which holds the state and reads it out (routing
table, status, snapshot layout); ``system.registry.checks`` says why a request is refused.
``NO_KEYS_REASON``, ``component_ref`` and the snapshot and generation constants are re-exported
from here.

- Idempotent (STYLE principle 5): a set already applied (same or lower ``seq``) changes nothing;
  a merged set that returns to what was last emitted emits nothing.
- Per spec: an invalid spec, a private one without keys, or one that would overfill its
  endpoint is rejected on its own, and nothing of it is held; the rest of the set applies.
- Durable: ``snapshot()`` is a plain picklable copy the supervisor keeps; ``restore`` gives it
  back to a restarted registry, whose generations jump ahead so nothing it emits looks stale.
  Without a copy, generations still start above the old instance's: they count from
  ``generation_base``, the start time in microseconds (``GENERATIONS_PER_SECOND``).
- Keys (issue 5): the JWT actor says whether Upbit keys are loaded (``set_keys``). Known
  absent: a private spec is rejected with ``NO_KEYS_REASON``, and keys already held are
  dropped with a rejection each, so the private set empties and no private request or socket
  exists without keys. Not known yet (a startup race): accepted. The public side never looks.

Exception tree: nothing is raised for a bad request (a ``SubscriptionRejected`` is returned);
``ValueError`` for a snapshot this code cannot read.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from typing import Any

from attrs import define

from upbit_actors.messages.common import Endpoint, WireFormat
from upbit_actors.messages.lifecycle import HubConfig
from upbit_actors.messages.subscription import (
    MergedSubscription,
    StreamKey,
    StreamSpec,
    Subscribed,
    SubscriptionRejected,
    Unsubscribed,
    WireStream,
)
from upbit_actors.system.registry.checks import NO_KEYS_REASON, capacity_reason, market_reason, spec_reason, specs_of
from upbit_actors.system.registry.merge import merge_keys
from upbit_actors.system.registry.state import (
    GENERATIONS_PER_SECOND,
    RESTORE_GENERATION_STEP,
    SNAPSHOT_VERSION,
    BookState,
    Holder,
    component_ref,
)
from upbit_actors.system.wire.requests import MAX_CODES_PER_REQUEST, stream_keys, validate_spec

__all__ = [
    "DEFAULT_MERGE_WINDOW",
    "GENERATIONS_PER_SECOND",
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

GONE_LIMIT: int = 4_096
"""Exited component instances remembered, so that their late requests are ignored. A late
request trails its component's exit by milliseconds; this many exits is far more than that."""


@define
class SubscriptionBook(BookState):
    """Per-component subscriptions, reference-counted keys, and the pending merged sets."""

    merge_window: float = DEFAULT_MERGE_WINDOW
    """Seconds from the first change of a window to the emission of the merged set."""
    fmt: WireFormat = WireFormat.DEFAULT
    """Format put on every merged set (the whole connection's format, SPEC §2)."""
    max_codes: int = MAX_CODES_PER_REQUEST
    """Codes allowed per spec and per merged set of one endpoint."""
    markets: frozenset[str] | None = None
    """Codes Upbit lists (``set_markets``); None: not known, codes are not checked."""

    @classmethod
    def from_config(cls, config: HubConfig, *, generation_base: int = 0) -> SubscriptionBook:
        """The book of a registry started with ``config``; ``generation_base`` as in ``BookState``."""
        return cls(merge_window=config.merge_window, fmt=config.format, generation_base=generation_base)

    # -- commands -------------------------------------------------------------------------

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
            reason = spec_reason(spec, self.max_codes, self.keys_loaded) or market_reason(
                spec, self.markets) or capacity_reason(
                self._refcount, [k for k in {**accepted, **keys} if k not in held], self.max_codes)
            if reason:
                replies.append(SubscriptionRejected(request_id=request_id, reason=reason, spec=spec))
            else:
                accepted.update(keys)
        released = [k for k in held if k not in accepted]
        added = [k for k in accepted if k not in held]
        delivery = {s.data_type: s.delivery for s in specs if s.delivery is not None
                    and not any(r.spec is s for r in replies if isinstance(r, SubscriptionRejected))}
        if released and holder is not None:
            self._release(holder, released, now)
            replies.append(Unsubscribed(request_id=request_id, keys=tuple(released)))
        if accepted:
            self._hold(component, name, added, now)
            holder = self._holders[ref]
            if holder.delivery != delivery:
                holder.delivery = delivery
                self._routes_changed = True
        else:  # holds nothing now: no route (and none made and dropped for an empty first set)
            self._drop_holder(ref)
        if added or not released:
            replies.append(Subscribed(request_id=request_id, keys=self.keys_of(component)))
        self._publish_routes()
        return replies

    def _hold(self, component: Any, name: str, keys: Sequence[StreamKey], now: float) -> None:
        """Add ``keys`` (not held yet) to ``component``'s holder, created if needed."""
        ref = component_ref(component)
        holder = self._holders.get(ref)
        if holder is None:
            holder = self._holders[ref] = Holder(component=component, name=name)
            self._routes_changed = True
        elif holder.name != name or holder.component != component:
            holder.name, holder.component = name, component
            self._routes_changed = True
        for key in keys:
            holder.keys[key] = None
            count = self._refcount.get(key, 0)
            self._refcount[key] = count + 1
            if not count:
                self.changed(key.data_type.endpoint, now)
        if keys:
            self._routes_changed = True

    def _drop_holder(self, ref: Hashable) -> None:
        if self._holders.pop(ref, None) is not None:
            self._routes_changed = True

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
        holder = self._holders.get(ref)
        if holder is None:
            return ()
        keys = tuple(holder.keys)
        self._release(holder, keys, now)
        self._drop_holder(ref)
        self._publish_routes()
        return keys

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
            for spec in specs_of(private):
                out.append((holder.component,
                            SubscriptionRejected(request_id="", reason=NO_KEYS_REASON, spec=spec)))
            if not holder.keys:
                self._drop_holder(ref)
        self._publish_routes()
        return out

    def set_markets(self, markets: frozenset[str], now: float) -> list[tuple[Any, SubscriptionRejected]]:
        """The market list is known (again): keys held for codes not on it are released, with one
        rejection per dropped spec (as ``set_keys``); returns (component, rejection) pairs."""
        self.markets = markets
        out: list[tuple[Any, SubscriptionRejected]] = []
        for ref, holder in list(self._holders.items()):
            gone = [k for k in holder.keys if k.code is not None and k.code not in markets]
            if gone:
                self._release(holder, gone, now)
                out += [(holder.component, SubscriptionRejected(request_id="", spec=spec,
                                                                reason=market_reason(spec, markets)))
                        for spec in specs_of(gone)]
                if not holder.keys:
                    self._drop_holder(ref)
        self._publish_routes()
        return out

    def _release(self, holder: Holder, keys: Iterable[StreamKey], now: float) -> None:
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
            self._routes_changed = True

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

    # -- restart --------------------------------------------------------------------------

    def restore(self, state: dict[str, Any], now: float) -> None:
        """Replace this book's state with ``state`` from ``snapshot()``.

        Generations go ``RESTORE_GENERATION_STEP`` past the saved ones (or to ``generation_base``
        when that is higher) and every non-empty set is emitted again at the next window: the
        copy may lag what the crashed registry had sent.
        """
        self._load(state)
        self.resend_all(now)
