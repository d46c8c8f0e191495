"""The subscription protocol: what components ask for and the merged set that goes on the wire.

Flow (STYLE.md)::

    component --SetSubscriptions--> registry --MergedSubscription--> rate limiter --> connection
    registry --Subscribed/Unsubscribed/SubscriptionRejected--> component
    registry --RoutingTable--> router

A component asks with ``StreamSpec`` (one type, several codes, options) and always sends the
whole set it wants, numbered (``SetSubscriptions``). The registry splits each spec into
``StreamKey`` units, reference-counts them per component, and merges every component's keys into
one ``MergedSubscription`` per endpoint: Upbit keeps ONE subscription set per connection and
every request replaces it (SPEC §2.1), so only the whole merged set is ever sent.
"""

from __future__ import annotations

import enum
from typing import Any

from attrs import field, frozen

from upbit_actors.messages.common import DataType, Endpoint, WireFormat

__all__ = [
    "Delivery",
    "MergedSubscription",
    "Policy",
    "RoutingTable",
    "Route",
    "SetSubscriptions",
    "StreamKey",
    "StreamOptions",
    "StreamSpec",
    "Subscribed",
    "SubscriptionRejected",
    "Unsubscribed",
    "WireStream",
]


@frozen(kw_only=True)
class StreamOptions:
    """Per-type request options (SPEC §2)."""

    depth: int | None = None
    """Orderbook units 1, 5, 15 or 30 (the ``.N`` code suffix); None means Upbit's default 30."""
    level: float | None = None
    """Orderbook price grouping, KRW markets only; None means not sent (0)."""
    only_snapshot: bool = False
    """``is_only_snapshot``: one snapshot, then nothing."""
    only_realtime: bool = False
    """``is_only_realtime``: no snapshot."""


class Policy(enum.StrEnum):
    """What happens to a consumer's events of one type while it falls behind (issue 16)."""

    LATEST = "latest"
    """Keep the newest event per code (conflate). Default for ticker, orderbook and candles
    (per candle period): each is a whole state (SPEC §3.1, §3.3, §3.4)."""
    DROP_OLDEST = "drop_oldest"
    """Keep at most ``limit`` events; past it the oldest goes. Default for trades."""
    DROP_NEWEST = "drop_newest"
    """Keep at most ``limit`` events; past it the arriving one goes."""
    THROTTLE = "throttle"
    """At most ``rate`` events per second per code; the newest one waiting wins."""
    BLOCK = "block"
    """Never drop: only this consumer's deliveries wait; past ``limit`` waiting events its
    owner is told (``StreamAlert(consumer_behind)``). Default for myOrder and myAsset."""


@frozen(kw_only=True)
class Delivery:
    """A consumer's choice of ``Policy`` for one data type, with its bound or rate."""

    policy: Policy = field(converter=Policy)
    limit: int | None = None
    """drop_oldest / drop_newest: events kept; block: events waiting before the owner is told.
    None: ``HubConfig.buffer_limit``."""
    rate: float | None = None
    """throttle: events per second per code."""


@frozen(kw_only=True)
class StreamSpec:
    """What a component asks for: one data type for some codes."""

    data_type: DataType
    codes: tuple[str, ...] = field(converter=tuple, default=())
    """Upper-case pair codes; empty only for myOrder (all markets) and myAsset (no codes)."""
    options: StreamOptions = StreamOptions()
    delivery: Delivery | None = None
    """How this consumer's events of the type are kept while it falls behind; None: the type's
    default (see ``Policy``). Never part of the wire request."""


@frozen(kw_only=True)
class StreamKey:
    """The unit the registry reference-counts: (type, code, options)."""

    data_type: DataType
    code: str | None
    """None for myAsset, and for myOrder on all markets."""
    options: StreamOptions = StreamOptions()


@frozen(kw_only=True)
class SetSubscriptions:
    """Command: everything this component instance wants now; replaces what it held.

    What ``Component`` sends. Thespian does not keep the order of one sender's messages under
    load (several transmits run at once), so a component never sends deltas: each request is its
    whole set with a higher ``seq``, and the registry ignores a request older than one it has
    applied. ``instance`` names this incarnation of the component (random, never reused), so a
    request that arrives after the component exited is recognised and ignored.
    """

    specs: tuple[StreamSpec, ...] = field(converter=tuple)
    seq: int
    """Increases with every request of the instance."""
    instance: str
    request_id: str = ""
    """Echoed in the reply."""
    component: str = ""
    """Human-readable component name, shown by the status tool."""


@frozen(kw_only=True)
class Subscribed:
    """Event: the request was accepted; these keys are now held for the component."""

    request_id: str
    keys: tuple[StreamKey, ...] = field(converter=tuple)


@frozen(kw_only=True)
class Unsubscribed:
    """Event: these keys were released for the component."""

    request_id: str
    keys: tuple[StreamKey, ...] = field(converter=tuple)


@frozen(kw_only=True)
class SubscriptionRejected:
    """Reply: a spec is refused (``reason`` says why); the registry holds nothing for it."""

    request_id: str
    reason: str
    spec: StreamSpec | None = None
    """The offending spec, when one is to blame."""


@frozen(kw_only=True)
class WireStream:
    """One type object of an Upbit request, after merging."""

    data_type: DataType
    codes: tuple[str, ...] = field(converter=tuple, default=())
    """Codes as sent, orderbook codes with their ``.N`` suffix; empty means omitted."""
    level: float | None = None
    only_snapshot: bool = False
    only_realtime: bool = False


@frozen(kw_only=True)
class MergedSubscription:
    """The whole subscription set of one connection; a newer generation replaces an older one."""

    endpoint: Endpoint
    generation: int
    """Increases with every change; stale generations are dropped."""
    streams: tuple[WireStream, ...] = field(converter=tuple)
    format: WireFormat = WireFormat.DEFAULT

    @property
    def empty(self) -> bool:
        return not self.streams


@frozen(kw_only=True)
class Route:
    """The keys one component receives."""

    component: Any
    """Actor address."""
    name: str
    keys: tuple[StreamKey, ...] = field(converter=tuple)
    delivery: tuple[tuple[DataType, Delivery], ...] = field(converter=tuple, default=())
    """The policies the component chose, per data type; a type not listed has its default."""


@frozen(kw_only=True)
class RoutingTable:
    """Registry -> router: who gets which (type, code); replaces the previous table."""

    generation: int
    routes: tuple[Route, ...] = field(converter=tuple)
