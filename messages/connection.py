"""The connection protocol: socket lifecycle, frames read, requests sent.

Market data travels in batches (THESPIAN.md: ~330 msgs/s one at a time, ~57,000/s in batches of
100): the connection sends one ``FrameBatch`` per read wake-up, the router one ``EventBatch`` per
component per routing pass. Control messages stay one per intent.
"""

from __future__ import annotations

from typing import Any

from attrs import field, frozen

from upbit_actors.messages.common import Endpoint
from upbit_actors.messages.server import UpbitError
from upbit_actors.messages.subscription import MergedSubscription

__all__ = [
    "BatchAck",
    "ConnectionLost",
    "ConnectionOpened",
    "EventBatch",
    "FrameBatch",
    "HandshakeGranted",
    "HandshakeRequest",
    "RequestSent",
    "SendSubscription",
    "StreamAlert",
]


@frozen(kw_only=True)
class ConnectionOpened:
    """Event: the WebSocket handshake succeeded."""

    endpoint: Endpoint
    epoch: int
    """Counts connections of this endpoint since start; frames carry it."""
    url: str


@frozen(kw_only=True)
class ConnectionLost:
    """Event: the socket closed or was judged dead; a reconnect follows unless stopped."""

    endpoint: Endpoint
    epoch: int
    reason: str
    retry_in: float | None = None
    """Seconds until the next attempt, None when no retry is scheduled."""


@frozen(kw_only=True)
class HandshakeRequest:
    """Connection -> rate limiter: may I open a socket now? (5 handshakes/s, SPEC §5)."""

    endpoint: Endpoint
    attempt: int


@frozen(kw_only=True)
class HandshakeGranted:
    """Rate limiter -> connection: go ahead with attempt ``attempt``."""

    endpoint: Endpoint
    attempt: int


@frozen(kw_only=True)
class SendSubscription:
    """Rate limiter -> connection: put ``merged`` on the wire of socket ``epoch`` now.

    The only message that makes the connection send a request: the limiter sends it when the
    budget allows. A ``MergedSubscription`` reaching the connection directly only tells it what
    is wanted (open a socket for it, or close one when empty); a set admitted for a socket that
    is gone is not sent (the next socket gets the current set as its first message).
    """

    merged: MergedSubscription
    epoch: int


@frozen(kw_only=True)
class RequestSent:
    """Connection -> rate limiter and status: a request frame went on the wire."""

    endpoint: Endpoint
    epoch: int
    generation: int
    sent_at: float


@frozen(kw_only=True)
class FrameBatch:
    """Connection -> router: every frame read in one wake-up, oldest first."""

    endpoint: Endpoint
    epoch: int
    frames: tuple[bytes, ...] = field(converter=tuple)
    received_at: float
    """Local receive time (SPEC §10.7: snapshot timestamps can be old)."""


@frozen(kw_only=True)
class EventBatch:
    """Router -> component: decoded events for this component, oldest first."""

    events: tuple[Any, ...] = field(converter=tuple)
    """Ticker, Trade, Orderbook, Candle, MyOrder, MyAsset instances."""
    dropped: int = 0
    """Events dropped for this component by the overflow policy since the previous batch."""
    batch_id: int = 0
    """Echoed by ``BatchAck`` so a stale or repeated ack is told apart."""


@frozen(kw_only=True)
class BatchAck:
    """Component -> router: the previous ``EventBatch`` is handled; send the next one.

    One batch per component is in flight at a time, so a slow component makes its own buffer
    grow (bounded, with a stated overflow policy) instead of Thespian's transmit queue, which
    drops messages past ~1,050 queued transmits (THESPIAN.md).
    """

    count: int = 0
    """Events in the batch being acknowledged (for status)."""
    batch_id: int = 0
    """The ``EventBatch.batch_id`` acknowledged; 0 when unknown."""


@frozen(kw_only=True)
class StreamAlert:
    """Router/connection -> components and status: something the user must know about."""

    endpoint: Endpoint
    kind: str
    """``upbit_error``, ``auth_failed``, ``connection_lost``, ``connection_restored``, ``no_snapshot``."""
    detail: str = ""
    error: UpbitError | None = None
