"""A consumer as the router sees it: what it wants, what it has seen, its outbox, its batches.

``RoutingState`` (``system.router.state``) keeps one ``_Component`` per route of the registry's
table (a component actor or a ``Hub.stream``) and hands out ``Delivery`` objects, one batch per
consumer per pass, each acknowledged before the next (``system.router.outbox``).
"""

from __future__ import annotations

from typing import Any

from attrs import define, field, frozen

from upbit_actors.messages.common import DataType
from upbit_actors.messages.subscription import StreamKey
from upbit_actors.system.router.outbox import Outbox
from upbit_actors.system.wire.requests import DEFAULT_DEPTH

__all__ = ["ACK_TIMEOUT", "MAX_BATCH_EVENTS", "Delivery", "Variant"]

MAX_BATCH_EVENTS: int = 500
"""Events per ``EventBatch`` at most. THESPIAN.md measured ~50k deliveries/s at 100 events per
message, so bigger batches buy little; the bound is message size: a 30-unit orderbook pickles to
~1.7 KB (measured), so the worst batch stays near 850 KB, and a full subscribe burst (855
snapshots, SPEC §10.12) takes two batches."""

ACK_TIMEOUT: float = 5.0
"""Seconds a batch may stay unacknowledged before the component counts as ready again (the ack
was lost or the component does not ack). A Thespian round trip is ~1 ms (THESPIAN.md)."""

Variant = tuple[int, float] | None
"""Orderbook (depth, level) with defaults filled in (30, 0.0); None for every other type."""



@frozen(kw_only=True)
class Delivery:
    """One batch for one component: send ``batch`` to ``component``."""

    component: Any
    """The address from the routing table."""
    batch_id: int
    """Acknowledge with ``batch_done(component, batch_id)``."""
    items: tuple[Any, ...]
    """The items (``Peek``: frame and routing facts), oldest first."""
    dropped: int = 0
    """Items dropped or replaced for this component since its previous batch."""
    losses: tuple[Any, ...] = ()
    """``dropped`` by type and reason (``Loss``)."""


@define
class _Want:
    snapshot: bool = False
    realtime: bool = False


@define
class _Component:
    address: Any
    name: str
    outbox: Outbox
    wants: dict[tuple[DataType, str | None, Variant], _Want] = field(factory=dict)
    seen: set[tuple[DataType, str | None, Variant]] = field(factory=set)
    """Keys this component got an event of (snapshot dedupe)."""
    snapshots_skipped: int = 0
    """SNAPSHOT events not delivered: a repeat of a key it already had on this connection, or a
    key held only_realtime."""


def _variant(key: StreamKey) -> Variant:
    if key.data_type is not DataType.ORDERBOOK:
        return None
    return (key.options.depth or DEFAULT_DEPTH, float(key.options.level or 0.0))
