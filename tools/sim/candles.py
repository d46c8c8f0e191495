"""Pure per-pair candle aggregation for every WebSocket interval (SPEC §3.4).

Trades update the current candle of each interval; a candle exists only once a trade falls in
its period. Changed candles are flushed at most once per second and only if a trade changed
them (the caller flushes on every whole-second boundary); a candle whose period ended before a
flush is simply superseded, which reproduces the live gaps (SPEC §10 item 13). The snapshot of an
interval is its latest candle, i.e. the previous period's while the current one has no trade.
"""

from __future__ import annotations

__all__ = ["INTERVALS", "Candle", "CandleSet"]

INTERVALS: dict[str, int] = {
    "candle.1s": 1_000,
    "candle.1m": 60_000,
    "candle.3m": 180_000,
    "candle.5m": 300_000,
    "candle.10m": 600_000,
    "candle.15m": 900_000,
    "candle.30m": 1_800_000,
    "candle.60m": 3_600_000,
    "candle.240m": 14_400_000,
}
"""Candle type -> period in ms; periods align on UTC epoch multiples (240m: UTC 0/4/8...h)."""

_ITEMS = tuple(INTERVALS.items())


class Candle:
    """One OHLC candle; mutable while its period is current."""

    __slots__ = ("start", "open", "high", "low", "close", "volume", "notional", "timestamp")

    def __init__(self, start: int, price: float, volume: float, notional: float, timestamp: int) -> None:
        self.start = start
        """Period start, ms UTC."""
        self.open = self.high = self.low = self.close = price
        self.volume = volume
        """``candle_acc_trade_volume``."""
        self.notional = notional
        """``candle_acc_trade_price``."""
        self.timestamp = timestamp
        """Time of the latest trade folded in, ms (the frame's ``timestamp``)."""


class CandleSet:
    """Latest candle of every interval for one pair, and the set changed since the last flush."""

    __slots__ = ("latest", "dirty")

    def __init__(self) -> None:
        self.latest: dict[str, Candle] = {}
        """Candle type -> latest candle (the snapshot)."""
        self.dirty: set[str] = set()
        """Candle types changed since the last flush."""

    def add(self, trade_ts: int, price: float, volume: float, timestamp: int) -> int:
        """Fold one trade into every interval; returns how many intervals became dirty."""
        notional = price * volume
        latest = self.latest
        for kind, period in _ITEMS:
            candle = latest.get(kind)
            if candle is None or not 0 <= trade_ts - candle.start < period:
                latest[kind] = Candle(trade_ts - trade_ts % period, price, volume, notional, timestamp)
                continue
            if price > candle.high:
                candle.high = price
            elif price < candle.low:
                candle.low = price
            candle.close = price
            candle.volume += volume
            candle.notional += notional
            candle.timestamp = timestamp
        dirty = self.dirty
        if len(dirty) == len(_ITEMS):
            return 0
        before = len(dirty)
        dirty.update(INTERVALS)
        return len(_ITEMS) - before

    def flush(self) -> list[tuple[str, Candle]]:
        """Dirty (type, candle) pairs, oldest interval first; clears the dirty set."""
        if not self.dirty:
            return []
        out = [(kind, self.latest[kind]) for kind in INTERVALS if kind in self.dirty]
        self.dirty.clear()
        return out
