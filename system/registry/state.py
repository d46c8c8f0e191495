"""The registry book's state, and everything read out of it without changing it.

``BookState`` holds what ``system.registry.book.SubscriptionBook`` decides on: each component's keys
in order, the reference count of every key, the last merged set and generation per endpoint, the
pending merge windows, and which requests were applied or come from exited instances. This
module owns reading that state: the routing table for the router, the figures for the status
tool, and the durable copy.

- Durable: ``snapshot()`` is a plain picklable copy the supervisor keeps, in the layout
  ``SNAPSHOT_VERSION``; ``_load`` puts one back in a restarted registry, whose generations jump
  ahead by ``RESTORE_GENERATION_STEP`` so nothing it emits looks stale.
- Generations never restart low: they count from ``generation_base``, which the registry actor
  takes from the clock (``GENERATIONS_PER_SECOND``), so a registry restarted without a usable
  checkpoint still emits generations above its predecessor's and the router and limiter do not
  drop its tables and sets as stale.

Actor addresses are not hashable (``ActorAddress.__hash__ is None``), so components are keyed by
``component_ref``; the address itself is kept for the routing table.

Exception tree: ``ValueError`` for a snapshot this code cannot read; nothing else.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from attrs import Factory, define, field

from upbit_actors.messages.common import DataType, Endpoint
from upbit_actors.messages.subscription import Delivery, Route, RoutingTable, StreamKey, WireStream
from upbit_actors.system.errors import ConfigError

__all__ = [
    "GENERATIONS_PER_SECOND",
    "RESTORE_GENERATION_STEP",
    "SNAPSHOT_VERSION",
    "BookState",
    "Holder",
    "component_ref",
]

GENERATIONS_PER_SECOND: int = 1_000_000
"""Scale of the clock that ``generation_base`` is read from: the registry actor starts every
generation at its start time in microseconds, ``int(time.time() * GENERATIONS_PER_SECOND)``.
Each generation rises at most once per command the book handles (one per message the actor
handles), and the actor cannot handle more than one message per microsecond (a Thespian delivery
alone takes tens), so an instance that started later begins strictly above anything an earlier
instance could have emitted, with or without a checkpoint."""

RESTORE_GENERATION_STEP: int = 1_000
"""How far generations jump past the saved ones on ``restore``: the supervisor's copy can lag the
crashed registry by the changes made after the last snapshot reached it (normally at most one),
and a generation the limiter already saw would be dropped as stale. With a clock base this is
usually below ``generation_base`` already (it is 1 ms on that clock, less than a restart takes);
it still counts when the wall clock stepped back (``time.time`` is not monotonic) and in tests,
whose base is 0."""

SNAPSHOT_VERSION: int = 3
"""Layout version of ``snapshot()``; ``restore`` refuses any other."""


def component_ref(component: Any) -> Hashable:
    """A hashable identity for a component address (Thespian addresses are unhashable)."""
    return component if isinstance(component, Hashable) else str(component)


def _wire_dict(stream: WireStream) -> dict[str, Any]:
    """One merged stream as plain JSON for status: type and codes, flags only when set."""
    out: dict[str, Any] = {"type": stream.data_type.value, "codes": list(stream.codes)}
    for name in ("level", "only_snapshot", "only_realtime"):
        if value := getattr(stream, name):
            out[name] = value
    return out


@define
class Holder:
    """One component and the keys it holds, in the order it asked for them."""

    component: Any
    """The address as given (replies and routes go there)."""
    name: str
    keys: dict[StreamKey, None] = field(factory=dict)
    """An ordered set."""
    delivery: dict[DataType, Delivery] = field(factory=dict)
    """The overflow policies it chose, per data type (the router applies them)."""


@define
class BookState:
    """What the subscription book holds, with the routes, status and snapshot read from it."""

    generation_base: int = field(default=0, kw_only=True)
    """Where the merged-set and routing generations start (the first emitted is one above); the
    registry actor passes the clock in microseconds (``GENERATIONS_PER_SECOND``), tests 0."""
    _holders: dict[Hashable, Holder] = field(factory=dict, init=False)
    _refcount: dict[StreamKey, int] = field(factory=dict, init=False)
    _generation: dict[Endpoint, int] = field(
        default=Factory(lambda self: dict.fromkeys(Endpoint, self.generation_base), takes_self=True), init=False)
    _emitted: dict[Endpoint, tuple[WireStream, ...]] = field(factory=dict, init=False)
    _dirty_since: dict[Endpoint, float] = field(factory=dict, init=False)
    _forced: set[Endpoint] = field(factory=set, init=False)
    _routing_generation: int = field(
        default=Factory(lambda self: self.generation_base, takes_self=True), init=False)
    _routes_changed: bool = field(default=False, init=False)
    """A route changed during the current command; ``_publish_routes`` turns that into one new
    routing generation, so a command raises it by one at most (see ``GENERATIONS_PER_SECOND``)."""
    _seq: dict[Hashable, tuple[int, str]] = field(factory=dict, init=False)
    """Per component address: the ``seq`` and ``instance`` of its last applied SetSubscriptions."""
    _gone: dict[str, None] = field(factory=dict, init=False)
    """Instances that exited (an ordered set, the newest ``GONE_LIMIT``)."""
    keys_loaded: bool | None = field(default=None, init=False)
    """What the JWT actor last said (``set_keys``): True keys, False none, None not heard yet."""

    # -- routes ---------------------------------------------------------------------------

    @property
    def routing_generation(self) -> int:
        """Increases whenever a route changes; send the table when it differs from the last sent."""
        return self._routing_generation

    def _publish_routes(self) -> None:
        """End of a command: one routing generation for whatever routes it changed."""
        if self._routes_changed:
            self._routes_changed = False
            self._routing_generation += 1

    def keys_of(self, component: Any) -> tuple[StreamKey, ...]:
        holder = self._holders.get(component_ref(component))
        return tuple(holder.keys) if holder else ()

    def routing_table(self) -> RoutingTable:
        """A Route per component holding anything, in first-subscription order."""
        routes = [
            Route(component=h.component, name=h.name, keys=tuple(h.keys), delivery=tuple(h.delivery.items()))
            for h in self._holders.values()
        ]
        return RoutingTable(generation=self._routing_generation, routes=routes)

    # -- status ---------------------------------------------------------------------------

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

    # -- durability -----------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """A plain, picklable copy of everything durable, for the supervisor to keep."""
        return {
            "version": SNAPSHOT_VERSION,
            "holders": tuple((h.component, h.name, tuple(h.keys), tuple(h.delivery.items()))
                             for h in self._holders.values()),
            "generations": {e.value: g for e, g in self._generation.items()},
            "emitted": {e.value: s for e, s in self._emitted.items()},
            "routing_generation": self._routing_generation,
            "seq": tuple(self._seq.items()),
            "gone": tuple(self._gone),
        }

    def _load(self, state: dict[str, Any]) -> None:
        """Replace this state with ``state`` from ``snapshot()``, nothing pending; generations
        go to ``RESTORE_GENERATION_STEP`` past the saved ones, or to ``generation_base`` when that
        is higher (a later clock). ``ValueError`` for another layout version."""
        version = state.get("version") if isinstance(state, dict) else None
        if version != SNAPSHOT_VERSION:
            raise ConfigError(f"registry snapshot version {version!r} is not {SNAPSHOT_VERSION}")
        self._holders.clear()
        self._refcount.clear()
        self._seq.clear()
        self._dirty_since.clear()
        self._forced.clear()
        for component, name, keys, delivery in state["holders"]:
            holder = self._holders[component_ref(component)] = Holder(component=component, name=name,
                                                                      delivery=dict(delivery))
            for key in keys:
                holder.keys[key] = None
                self._refcount[key] = self._refcount.get(key, 0) + 1
        saved = state["generations"]
        self._generation = {e: self._after(saved.get(e.value, 0)) for e in Endpoint}
        self._emitted = {Endpoint(e): tuple(s) for e, s in state["emitted"].items()}
        self._routing_generation = self._after(state["routing_generation"])
        self._routes_changed = False
        self._seq = dict(state["seq"])
        self._gone = dict.fromkeys(state["gone"])

    def _after(self, saved: int) -> int:
        """A restored generation: past the saved one by the step, and never below the base."""
        return max(int(saved) + RESTORE_GENERATION_STEP, self.generation_base)
