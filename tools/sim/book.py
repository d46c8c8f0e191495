"""A pure, seeded order book for one pair: full snapshots only, tick-indexed prices.

Prices are integer tick indices (``price = index * tick``) so they never drift in float. The book
is kept *relative*: a best bid index, a spread, and per side a list of ``[offset, size]`` units
(offset in ticks from that side's best unit). Trades eat the best unit; an emptied unit is
refilled one tick further, which moves the price. Quote changes resize units or step the price,
leaning back towards the first price so a long run stays plausible. A "thin" pair keeps fewer
bids, and frames pad the missing units with zeros like the live server (SPEC §3.3). Grouped
books (``level``) aggregate units into ``level``-wide buckets and synthesise deeper ones.
"""

from __future__ import annotations

import math
import random

__all__ = ["MAX_UNITS", "Book"]

MAX_UNITS = 30
"""Units per side: the default and largest depth (SPEC §2, §3.3)."""

Unit = tuple[float, float, float, float]


class Book:
    """One pair's book; the caller owns the RNG (shared, so event order decides everything)."""

    __slots__ = ("anchor", "bid", "spread", "asks", "bids", "mean_size", "rng", "prices")

    def __init__(
        self, mid_index: int, mean_size: float, rng: random.Random, bid_units: int = MAX_UNITS
    ) -> None:
        self.rng = rng
        self.anchor = max(1, mid_index)
        """First best bid index: steps lean back towards it."""
        self.bid = self.anchor
        """Best bid tick index; the best ask is ``bid + spread``."""
        self.spread = 1
        self.mean_size = mean_size
        """Typical unit size, in base currency."""
        self.asks = self._side(MAX_UNITS)
        """``[offset, size]`` above the best ask, ascending offsets from 0."""
        self.bids = self._side(bid_units)
        """``[offset, size]`` below the best bid, ascending offsets from 0."""
        self.prices: dict[int, float] = {}
        """Tick index -> rounded price (cache; prices repeat from frame to frame)."""

    def _side(self, units: int) -> list[list[float]]:
        side, offset = [], 0
        for _ in range(units):
            side.append([offset, self.new_size()])
            offset += 1 if self.rng.random() < 0.7 else self.rng.randint(2, 4)
        return side

    def new_size(self) -> float:
        """A random unit size, 8 decimals, never zero."""
        return max(0.00000001, round(self.mean_size * math.exp(self.rng.gauss(0.0, 1.0)), 8))

    def lean(self) -> float:
        """Bias in [-0.3, 0.3]: positive when the price sits above its first level."""
        return max(-0.3, min(0.3, (self.bid / self.anchor - 1.0) * 3.0))

    def take(self, buyer_taker: bool, volume: float) -> tuple[int, float]:
        """Execute a taker trade on the best unit; returns (tick index, executed volume).

        A trade fills at most the best unit; emptying it moves the price one tick.
        """
        unit = self.asks[0] if buyer_taker else self.bids[0]
        index = self.bid + self.spread if buyer_taker else self.bid
        if volume >= unit[1]:
            volume = unit[1]
            unit[1] = self.new_size()
            self._step(1 if buyer_taker else -1)
        else:
            unit[1] = round(unit[1] - volume, 8)
        return index, volume

    def _step(self, ticks: int) -> None:
        self.bid = max(1, self.bid + ticks)

    def quote(self) -> None:
        """One random non-trade change: resize a unit, step the price, or change the spread."""
        rng = self.rng
        roll = rng.random()
        if roll < 0.55:
            side = self.asks if rng.random() < 0.5 else self.bids
            side[int(rng.random() * min(len(side), 10))][1] = self.new_size()
        elif roll < 0.9:
            self._step(1 if rng.random() < 0.5 - self.lean() else -1)
        else:
            self.spread = 2 if self.spread == 1 and rng.random() < 0.5 else 1

    def best(self) -> tuple[int, float, int, float]:
        """(best ask index, size, best bid index, size)."""
        return self.bid + self.spread, self.asks[0][1], self.bid, self.bids[0][1]

    def units(self, depth: int, level: float, tick: float, decimals: int) -> list[Unit]:
        """``depth`` units of (ask_price, bid_price, ask_size, bid_size), zero-padded (SPEC §3.3)."""
        if level:
            return self._grouped_units(depth, level, tick, decimals)
        prices = self.prices
        if len(prices) > 4096:
            prices.clear()
        top, bid = self.bid + self.spread, self.bid
        asks, bids = self.asks, self.bids
        units = []
        for i in range(depth):
            if i < len(asks):
                offset, ask_size = asks[i]
                index = top + offset
                ask = prices.get(index)
                if ask is None:
                    ask = prices[index] = round(index * tick, decimals)
            else:
                ask = ask_size = 0
            index = bid - bids[i][0] if i < len(bids) else 0
            if index >= 1:
                bid_size = bids[i][1]
                price = prices.get(index)
                if price is None:
                    price = prices[index] = round(index * tick, decimals)
            else:
                price = bid_size = 0
            units.append((ask, price, ask_size, bid_size))
        return units

    def _grouped_units(self, depth: int, level: float, tick: float, decimals: int) -> list[Unit]:
        top = self.bid + self.spread
        asks = [(top + off, size) for off, size in self.asks]
        bids = [(self.bid - off, size) for off, size in self.bids if self.bid - off >= 1]
        step = max(1, round(level / tick))
        asks = self._grouped(asks, depth, step, 1)
        bids = self._grouped(bids, depth, step, -1)
        units = []
        for i in range(depth):
            ap, asz = asks[i] if i < len(asks) else (0, 0)
            bp, bsz = bids[i] if i < len(bids) else (0, 0)
            ask = round(ap * tick, decimals) if ap else 0
            bid = round(bp * tick, decimals) if bp else 0
            units.append((ask, bid, asz, bsz))
        return units

    def _grouped(
        self, units: list[tuple[float, float]], depth: int, step: int, direction: int
    ) -> list[tuple[float, float]]:
        """Sum units into ``step``-tick buckets (asks round up, bids down); synthesise deeper buckets."""
        buckets: dict[int, float] = {}
        for index, size in units:
            bucket = math.ceil(index / step) if direction > 0 else math.floor(index / step)
            buckets[bucket] = buckets.get(bucket, 0.0) + size
        if not buckets:
            return []
        ordered = sorted(buckets, reverse=direction < 0)
        bucket = ordered[-1]
        while len(ordered) < depth and bucket + direction > 0:
            bucket += direction
            ordered.append(bucket)
        out = []
        for b in ordered[:depth]:
            # A bucket deeper than the book gets a deterministic size (a hash of the bucket).
            size = buckets.get(b) or self.mean_size * step * (0.5 + (b * 2654435761 % 1000) / 1000)
            out.append((b * step, round(size, 8)))
        return out
