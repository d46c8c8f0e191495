"""Gaps in a stream and the backfill of missed trades (issue 13, items 2 and 3).

Every (re)connection of an endpoint opens a new epoch (``ConnectionOpened.epoch``). When the
router sees the first frames of a new epoch, every public stream that was flowing before has had
a gap: each consumer holding it gets one ``Gap`` per (type, code), in its stream, between the
last event before the gap and the first one after it. Trades missed meanwhile are fetched from
REST (``GET /v1/trades/ticks``, SPEC §8.1) by the backfill actor, once per code, and delivered
right after the ``Gap``, in time order, before the live trades that follow, with
``stream_type`` ``BACKFILL`` (not an Upbit value: Upbit knows only SNAPSHOT and REALTIME, SPEC §3).

=====================  ============================================================
message                from -> to
=====================  ============================================================
``Gap``                router -> consumers, in-band (a frame of ``EventFrames``)
``BackfillRequest``    router -> backfill actor: fetch what came after a trade
``BackfillDone``       backfill actor -> router: the trades fetched, oldest first
=====================  ============================================================
"""

from __future__ import annotations

from attrs import field, frozen

from upbit_actors.messages.common import DataType

__all__ = ["BackfillDone", "BackfillRequest", "Gap"]


@frozen(kw_only=True)
class Gap:
    """Event: the stream of (``data_type``, ``code``) had a gap; what was missed comes next.

    Delivered to each consumer holding that stream once per gap (a component's ``on_gap``, a
    ``Hub.stream``'s ``gaps``), in order with its events: after the last event before the gap,
    before the backfilled trades and the live events after it."""

    data_type: DataType
    code: str
    epoch: int
    """The connection epoch that ended the gap (the new socket's)."""
    last_seen: float
    """Wall-clock seconds: Upbit's time stamp of the last event of this stream before the gap
    (``trade_timestamp`` for trades, ``timestamp`` otherwise); 0.0 when unknown."""
    resumed: float
    """Wall-clock seconds: when the router got the first frames of the new connection."""
    filled: bool
    """True when every missed event was delivered after this notice: trades fetched from REST
    within the backfill window. Tickers, orderbooks and candles are never filled (Upbit keeps
    no history of them); their SNAPSHOT after the reconnect gives the current state."""
    backfilled: int = 0
    """Trades fetched from REST and delivered after this notice (``stream_type`` BACKFILL)."""
    detail: str = ""
    """Why a trade gap was not filled (window exceeded, REST error, no backfill configured)."""


@frozen(kw_only=True)
class BackfillRequest:
    """Router -> backfill actor: fetch the trades of ``code`` newer than the last one delivered.

    One per code and gap (however many consumers hold it). The router holds back the live trades
    of ``code`` until the answer (or its deadline) comes."""

    code: str
    epoch: int
    """Echoed by ``BackfillDone``: an answer for an older gap is ignored."""
    after_ms: int
    """``trade_timestamp`` of the last trade delivered before the gap."""
    after_id: int
    """Its ``sequential_id``."""


@frozen(kw_only=True)
class BackfillDone:
    """Backfill actor -> router: the trades of ``code`` after ``after_ms``, oldest first."""

    code: str
    epoch: int
    frames: tuple[bytes, ...] = field(converter=tuple, default=())
    """DEFAULT-format trade frames (``stream_type`` BACKFILL), ordered by (trade_timestamp,
    sequential_id), none older than the request's trade."""
    complete: bool = False
    """True when the fetched trades reach back to the request's trade: nothing is missing."""
    detail: str = ""
    """Why not complete: ``window exceeded`` (more than the configured window), a REST error."""

    def __str__(self) -> str:
        return f"BackfillDone({self.code}, {len(self.frames)} trades, complete={self.complete})"
