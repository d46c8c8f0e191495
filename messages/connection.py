"""The connection protocol: socket lifecycle, frames read, requests sent, data batches.

Market data travels in batches of raw frames (THESPIAN.md: ~330 msgs/s one at a time, ~57,000/s
in batches of 100; pickling typed events costs ~7 µs each per hop, raw bytes ~0.15 µs): the
connection sends ``FrameBatch`` to the router, the router one ``EventFrames`` per component per
routing pass, and each consumer decodes its own frames into typed events (``EventBatch``, which
never crosses a process boundary). Every data hop has a credit: the receiver acknowledges
(by Thespian's own transport ACK, once the receiving process has the message: no reply message)
and the sender keeps at most a bound of batches unacknowledged,
coalescing what arrives meanwhile, so nothing piles up in Thespian's transmit queue. Control
messages stay one per intent.
"""

from __future__ import annotations

from typing import Any, ClassVar

from attrs import field, frozen

from upbit_actors.messages.common import DataType, Endpoint
from upbit_actors.messages.server import UpbitError
from upbit_actors.messages.subscription import MergedSubscription

__all__ = [
    "ConnectionLost",
    "ConnectionOpened",
    "EventBatch",
    "EventFrames",
    "FrameBatch",
    "HandshakeGranted",
    "HandshakeRequest",
    "ListSubscriptionsGranted",
    "Loss",
    "RequestSent",
    "ResendSubscription",
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
    sent: tuple[float, ...] = ()
    """Monotonic times of the messages already sent on this socket within the last minute (to a
    restarted limiter: its checkpoint may miss the last ones it admitted)."""


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
class ListSubscriptionsGranted:
    """Rate limiter -> connection: send one ``LIST_SUBSCRIPTIONS`` request on socket ``epoch`` now.

    Granted after each set sent (``RequestSent``) and every ``HubConfig.live_check_interval``,
    from the same per-connection message budget as the sets (SPEC §2.1 rule 4, §5)."""

    endpoint: Endpoint
    epoch: int


@frozen(kw_only=True)
class ResendSubscription:
    """Connection -> rate limiter: Upbit's live set on socket ``epoch`` differs from the set sent;
    send the current set again (it is charged like any set)."""

    endpoint: Endpoint
    epoch: int
    detail: str = ""
    """What differed, e.g. ``missing ticker:KRW-ETH``."""


@frozen(kw_only=True)
class FrameBatch:
    """Connection -> router: the frames read since the previous batch, oldest first."""

    endpoint: Endpoint
    epoch: int
    frames: tuple[bytes, ...] = field(converter=tuple)
    received_at: float
    """Local receive time of the newest frame (SPEC §10.7: snapshot timestamps can be old)."""
    seq: int = 0
    """Numbers the batches of one connection actor (the connection's credit bookkeeping)."""

    def __str__(self) -> str:
        return f"FrameBatch({self.endpoint.value}, {len(self.frames)} frames, seq {self.seq})"


@frozen(kw_only=True)
class Loss:
    """What a consumer lost of one data type for one reason since its previous batch."""

    data_type: DataType
    reason: str
    """``replaced`` (latest), ``throttled``, ``drop_oldest``, ``drop_newest``, ``overflow``."""
    count: int
    codes: tuple[str, ...] = field(converter=tuple, default=())
    """The codes concerned (at most ``LOSS_CODES`` of them)."""
    since: float = 0.0
    """Wall-clock time of the first of these losses."""


@frozen(kw_only=True)
class EventFrames:
    """Router -> component: this component's frames, raw, joined by ``SEPARATOR``, oldest first.

    One bytes payload pickles as one copy, however many frames it holds; the component decodes
    it (``frames()``, then the codec) into the ``EventBatch`` its handlers see."""

    payload: bytes
    count: int
    """Frames in ``payload``."""
    dropped: int = 0
    """Events dropped or replaced for this component by its overflow policy since the previous
    batch."""
    batch_id: int = 0
    """Numbers the batches of one router (status, latency)."""
    losses: tuple[Loss, ...] = field(converter=tuple, default=())
    """``dropped`` by type and reason, with the codes and since when (at most once per batch)."""

    SEPARATOR: ClassVar[bytes] = b"\0"
    """Never part of valid JSON text (control characters in strings are escaped)."""

    def frames(self) -> list[bytes]:
        return self.payload.split(self.SEPARATOR) if self.count else []

    def __str__(self) -> str:
        return f"EventFrames({self.count} frames, batch {self.batch_id})"


@frozen(kw_only=True)
class EventBatch:
    """What a consumer's handlers get: the decoded events of one ``EventFrames``, oldest first.
    Built in the consumer's own process (it is never sent)."""

    events: tuple[Any, ...] = field(converter=tuple)
    """Ticker, Trade, Orderbook, Candle, MyOrder, MyAsset instances."""
    dropped: int = 0
    """Events dropped for this component by the overflow policy since the previous batch."""
    batch_id: int = 0
    """The ``EventFrames.batch_id`` it was decoded from."""
    undecodable: int = 0
    """Frames of the batch the codec could not read (counted, not delivered)."""
    losses: tuple[Loss, ...] = field(converter=tuple, default=())
    """What the overflow policy took since the previous batch, by type and reason."""
    duplicates: int = 0
    """Trades left out because this consumer already had them (Upbit's snapshot of the last
    trade after a reconnect repeats it)."""


@frozen(kw_only=True)
class StreamAlert:
    """Router/connection -> components and status: something the user must know about."""

    endpoint: Endpoint
    kind: str
    """``upbit_error``, ``auth_failed``, ``connection_lost``, ``connection_restored``, ``no_snapshot``,
    ``consumer_behind`` (a ``block`` consumer's buffer passed its limit; to its owner)."""
    detail: str = ""
    error: UpbitError | None = None
    codes: tuple[str, ...] = field(converter=tuple, default=())
    """The codes it is about, when it is about some (``no_snapshot``: the silent ones)."""
