"""Pure per-pair candle aggregation for every WebSocket interval (SPEC §3.4).

Trades update the current candle of each interval; a candle exists only once a trade falls in
its period. Changed candles are flushed at most once per second and only if a trade changed
them (the caller flushes on every whole-second boundary); a candle whose period ended before a
flush is simply superseded, which reproduces the live gaps (SPEC §10 item 13). The snapshot of an
interval is its latest candle, i.e. the previous period's while the current one has no trade.

Cost: a trade updates only the 1 s candle and a running aggregate; the longer intervals fold
that aggregate in when asked (flush, snapshot) or when the second rolls. All trades of one
aggregate share one second, hence one period of every longer interval (periods are whole
seconds aligned on the UTC epoch), so folding is exact.
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

_LONGER = tuple((kind, period) for kind, period in INTERVALS.items() if period > 1_000)


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
    """Latest candle of every interval for one pair, and whether trades changed them."""

    __slots__ = ("one", "longer", "pending", "dirty")

    def __init__(self) -> None:
        self.one: Candle | None = None
        """The current (or last) 1 s candle."""
        self.longer: dict[str, Candle] = {}
        """Longer candle type -> latest candle, up to the last fold."""
        self.pending: Candle | None = None
        """Trades not yet folded into the longer candles (all in one second)."""
        self.dirty = False
        """A trade changed the candles since the last flush (a trade changes every interval)."""

    def add(self, trade_ts: int, price: float, volume: float, timestamp: int) -> int:
        """Fold one trade in; returns how many intervals became dirty (9 or 0)."""
        notional = price * volume
        one = self.one
        if one is None or not 0 <= trade_ts - one.start < 1_000:
            self._fold()
            start = trade_ts - trade_ts % 1_000
            self.one = Candle(start, price, volume, notional, timestamp)
            self.pending = Candle(start, price, volume, notional, timestamp)
        else:
            for candle in (one, self.pending or self._new_pending(one.start, price)):
                if price > candle.high:
                    candle.high = price
                elif price < candle.low:
                    candle.low = price
                candle.close = price
                candle.volume += volume
                candle.notional += notional
                candle.timestamp = timestamp
        if self.dirty:
            return 0
        self.dirty = True
        return len(INTERVALS)

    def _new_pending(self, start: int, price: float) -> Candle:
        self.pending = Candle(start, price, 0.0, 0.0, 0)
        return self.pending

    def _fold(self) -> None:
        pending = self.pending
        if pending is None:
            return
        self.pending = None
        longer = self.longer
        start_ts = pending.start
        for kind, period in _LONGER:
            candle = longer.get(kind)
            if candle is None or not 0 <= start_ts - candle.start < period:
                candle = longer[kind] = Candle(start_ts - start_ts % period, pending.open, 0.0, 0.0, 0)
                candle.high, candle.low = pending.high, pending.low
            else:
                if pending.high > candle.high:
                    candle.high = pending.high
                if pending.low < candle.low:
                    candle.low = pending.low
            candle.close = pending.close
            candle.volume += pending.volume
            candle.notional += pending.notional
            candle.timestamp = pending.timestamp

    def latest(self, kind: str) -> Candle | None:
        """The snapshot candle of ``kind``: the latest candle that exists."""
        if kind == "candle.1s":
            return self.one
        self._fold()
        return self.longer.get(kind)

    def flush(self) -> list[tuple[str, Candle]]:
        """Every (type, candle) if a trade changed them since the last flush; clears the flag."""
        if not self.dirty:
            return []
        self.dirty = False
        self._fold()
        out = [("candle.1s", self.one)] if self.one is not None else []
        out.extend((kind, self.longer[kind]) for kind, _ in _LONGER if kind in self.longer)
        return out
