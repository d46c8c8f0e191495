"""The pure, seeded market: trades drive tickers and candles; books publish on a 100 ms grid.

:class:`MarketModel` decides everything and does no I/O; the caller passes ``now`` in ms.
Events are drawn from one seeded RNG, so the k-th event (pair, side, price, volume) is the same
on every run with the same seed, whatever the timing or the subscribers; only timestamps follow
the clock. Each event reports its *cost*: the frames it will cause (trade + ticker now, an order
book and newly changed candles later), which the pacer uses to hold the configured frame rate.
"""

from __future__ import annotations

import bisect
import collections
import datetime
import itertools
import math
import random
from typing import NamedTuple

from upbit_actors.tools.sim.book import MAX_UNITS, Book
from upbit_actors.tools.sim.candles import CandleSet
from upbit_actors.tools.sim.markets import Instrument, MarketDirectory

__all__ = ["BOOK_GRID_MS", "DAY_MS", "TRADE_RECORD", "CodeState", "Event", "MarketModel"]

BOOK_GRID_MS = 100
"""Orderbook frames leave on a 100 ms grid with a per-pair phase (SPEC §3.3 [WIRE])."""

DAY_MS = 86_400_000
"""Ticker ``acc_*`` reset and ``prev_closing_price`` roll at UTC 00:00 (SPEC §3.1)."""

TRADE_RECORD = 4_000
"""Trades kept per code (``CodeState.record``, served by ``GET /v1/trades/ticks``): twice the
hub's default backfill of 2,000 per code; ~1 MB per code that fills it."""

_QUOTE_IN_KRW = {"KRW": 1.0, "BTC": 142_000_000.0, "USDT": 1_400.0}


class Event(NamedTuple):
    """What one market step did (a named tuple: one is made per event, so it must be cheap)."""

    kind: str
    """``trade`` or ``quote`` (order book change only)."""
    code: str
    cost: int
    """Frames this event causes: 2 per trade (trade, ticker), +1 if the book became dirty,
    + the candle intervals that became dirty."""


_QUOTE, _TRADE = "quote", "trade"


_new = tuple.__new__
"""``_new(Event, fields)`` is ``Event(*fields)`` without the Python-level ``__new__`` (one per event)."""


class CodeState:
    """Mutable state of one pair: last trade, day statistics, its book and candles."""

    __slots__ = (
        "instrument", "book", "candles", "price", "prev_close", "open", "high", "low",
        "acc_volume", "acc_price", "acc_ask", "acc_bid", "base24_volume", "base24_price",
        "window", "window_volume", "window_price", "h52", "h52_date", "l52", "l52_date",
        "trade_volume", "ask_bid", "trade_ts", "event_ts", "seq_ms", "seq_n", "sequential_id",
        "day", "phase", "book_dirty", "book_changed", "book_since", "book_slot", "change_memo", "record",
    )

    def __init__(self, instrument: Instrument, rng: random.Random, start_ms: int) -> None:
        i = instrument
        self.instrument = i
        tick, dec = i.tick, i.decimals
        snap = lambda p: max(tick, round(round(p / tick) * tick, dec))  # noqa: E731
        krw_value = _QUOTE_IN_KRW.get(i.quote, 1.0)
        self.price = i.first_price
        self.prev_close = snap(i.first_price * (1 + rng.gauss(0, 0.02)))
        self.open = snap(self.prev_close * (1 + rng.gauss(0, 0.005)))
        self.high = snap(max(self.open, self.price) * (1 + rng.random() * 0.02))
        self.low = snap(min(self.open, self.price) * (1 - rng.random() * 0.02))
        turnover = 3e11 * i.weight / krw_value  # quote currency per day
        elapsed = (start_ms % DAY_MS) / DAY_MS
        self.acc_volume = round(turnover * elapsed / self.price, 8)
        self.acc_price = self.acc_volume * self.price
        self.acc_ask = round(self.acc_volume * rng.uniform(0.4, 0.6), 8)
        self.acc_bid = round(self.acc_volume - self.acc_ask, 8)
        self.base24_volume = turnover / self.price
        self.base24_price = turnover
        self.window: collections.deque[list[float]] = collections.deque()
        self.window_volume = 0.0
        self.window_price = 0.0
        self.h52 = snap(self.price * rng.uniform(1.2, 2.5))
        self.l52 = snap(self.price * rng.uniform(0.3, 0.8))
        self.h52_date = _iso_date(start_ms - rng.randint(1, 364) * DAY_MS)
        self.l52_date = _iso_date(start_ms - rng.randint(1, 364) * DAY_MS)
        mean_size = 300_000 / krw_value / self.price
        bid_units = rng.randint(3, 25) if i.thin else MAX_UNITS
        self.book = Book(round(self.price / tick), mean_size, rng, bid_units)
        self.candles = CandleSet()
        self.phase = rng.randrange(BOOK_GRID_MS)
        """Per-pair phase of the 100 ms grid (SPEC §3.3: every KRW-BTC timestamp ended in 06)."""
        self.book_dirty = False
        self.book_changed = start_ms - rng.randint(0, 2_000)
        """Time of the last book change: a quiet book's snapshot carries it (SPEC §3.3)."""
        self.book_since = self.book_changed
        """Time of the first change not yet published: its grid slot is the next frame's."""
        self.book_slot = 0
        self.day = start_ms // DAY_MS
        self.seq_ms = 0
        self.seq_n = 0
        self.change_memo: tuple[int, tuple[str, float, float, float]] | None = None
        """(sequential_id, change fields) cache for the frame builders."""
        self.record: collections.deque[tuple[int, int, float, float, str, float]] = collections.deque(
            maxlen=TRADE_RECORD)
        """(trade_ts, sequential_id, price, volume, ask_bid, prev_close) of the newest trades,
        oldest first: every trade stepped, streamed or not (a stall still trades)."""
        ts = start_ms - rng.randint(50, 5_000)
        self.trade_volume = 0.0
        self.ask_bid = "BID"
        self.trade_ts = ts
        self.event_ts = ts
        self.sequential_id = 0
        self.trade(ts, ts, self.price, max(0.00000001, round(mean_size * 0.3, 8)), rng.random() < 0.5)
        self.candles.dirty = False

    def trade(self, trade_ts: int, event_ts: int, price: float, volume: float, buyer_taker: bool) -> int:
        """Apply one trade to the day statistics and candles; returns candles newly dirty."""
        day = trade_ts // DAY_MS
        if day != self.day:  # UTC 00:00 roll (SPEC §3.1)
            self.day = day
            self.prev_close = self.price
            self.open = self.high = self.low = price
            self.acc_volume = self.acc_price = self.acc_ask = self.acc_bid = 0.0
        self.price = price
        if price > self.high:
            self.high = price
        elif price < self.low:
            self.low = price
        notional = price * volume
        self.acc_volume = round(self.acc_volume + volume, 8)
        self.acc_price += notional
        if buyer_taker:
            self.acc_bid = round(self.acc_bid + volume, 8)
        else:
            self.acc_ask = round(self.acc_ask + volume, 8)
        minute = trade_ts // 60_000
        window = self.window
        last = window[-1] if window else None
        if last is not None and last[0] == minute:
            last[1] += volume
            last[2] += notional
        else:
            window.append([minute, volume, notional])
        self.window_volume += volume
        self.window_price += notional
        if window[0][0] <= minute - 1440:  # a minute left the 24 h window
            while window[0][0] <= minute - 1440:
                _, old_volume, old_notional = window.popleft()
                self.window_volume -= old_volume
                self.window_price -= old_notional
        if price > self.h52:
            self.h52, self.h52_date = price, _iso_date(trade_ts)
        elif price < self.l52:
            self.l52, self.l52_date = price, _iso_date(trade_ts)
        self.trade_volume = volume
        self.ask_bid = "BID" if buyer_taker else "ASK"
        self.trade_ts = trade_ts
        self.event_ts = event_ts
        # SPEC §3.2 [WIRE]: sequential_id = trade_timestamp * 10000 + n, above 2^53.
        if trade_ts == self.seq_ms:
            self.seq_n += 1
        else:
            self.seq_ms, self.seq_n = trade_ts, 0
        self.sequential_id = trade_ts * 10_000 + self.seq_n
        self.record.append((trade_ts, self.sequential_id, price, volume, self.ask_bid, self.prev_close))
        return self.candles.add(trade_ts, price, volume, event_ts)

    def volume_24h(self, now_ms: int, start_ms: int) -> tuple[float, float]:
        """(acc_trade_volume_24h, acc_trade_price_24h): pre-start baseline fading over a day."""
        fade = max(0.0, 1.0 - (now_ms - start_ms) / DAY_MS)
        return (round(self.base24_volume * fade + self.window_volume, 8),
                self.base24_price * fade + self.window_price)


def _iso_date(ts_ms: int) -> str:
    return datetime.datetime.fromtimestamp(ts_ms / 1000, datetime.timezone.utc).strftime("%Y-%m-%d")


class MarketModel:
    """Every pair's :class:`CodeState`, stepped one event at a time."""

    def __init__(
        self, directory: MarketDirectory, seed: int, start_ms: int, trade_share: float = 0.6
    ) -> None:
        self.directory = directory
        self.start_ms = start_ms
        """Creation time; the 24 h baselines fade from here."""
        self.trade_share = trade_share
        self.rng = random.Random(f"market:{seed}")
        self.states: dict[str, CodeState] = {
            code: CodeState(directory.instruments[code], self.rng, start_ms) for code in directory.codes
        }
        """Code -> state."""
        self._codes = list(directory.codes)
        self._cumulative = list(itertools.accumulate(directory.instruments[c].weight for c in self._codes))
        # Hot-path shortcuts (step runs tens of thousands of times a second): same draws, same order.
        self._by_index = [self.states[c] for c in self._codes]
        self._total = self._cumulative[-1]
        self._last = len(self._codes) - 1
        self._random = self.rng.random
        self._gauss = self.rng.gauss
        self._dirty_books: dict[str, None] = {}
        self._dirty_candles: dict[str, None] = {}
        self.events = 0
        """Events stepped so far."""

    def step(self, now_ms: int) -> Event:
        """Draw and apply one event at ``now_ms``."""
        random = self._random
        self.events += 1
        index = bisect.bisect_left(self._cumulative, random() * self._total)
        state = self._by_index[index if index < self._last else self._last]  # noqa: FURB136 (hot path)
        book = state.book
        if random() >= self.trade_share:
            book.quote()
            state.book_changed = now_ms
            touched = 0 if state.book_dirty else self._touch_book(state, now_ms)
            return _new(Event, (_QUOTE, state.instrument.code, touched))
        buyer_taker = random() < 0.5 - book.lean()  # sellers lean in above the first price
        inst = state.instrument
        wanted = max(0.00000001, round(book.mean_size * 0.3 * math.exp(self._gauss(0.0, 1.2)), 8))
        index, volume = book.take(buyer_taker, wanted)
        price = round(index * inst.tick, inst.decimals)
        lag = 3 + int(random() * 38)  # the frame leaves a few ms after the match (sample: 38 ms)
        trade_ts = state.trade_ts
        if now_ms - lag > trade_ts:  # noqa: PLR1730 (hot path: no max() call)
            trade_ts = now_ms - lag
        candles = state.trade(trade_ts, now_ms, price, volume, buyer_taker)
        if candles:
            self._dirty_candles[inst.code] = None
        state.book_changed = now_ms
        touched = 0 if state.book_dirty else self._touch_book(state, now_ms)
        return _new(Event, (_TRADE, inst.code, 2 + candles + touched))

    def _touch_book(self, state: CodeState, now_ms: int) -> int:
        state.book_changed = now_ms
        if state.book_dirty:
            return 0
        state.book_dirty = True
        state.book_since = now_ms
        self._dirty_books[state.instrument.code] = None
        return 1

    def due_books(self, now_ms: int) -> list[tuple[str, int]]:
        """(code, grid slot ms) of changed books whose next grid slot has come; marks them sent."""
        due = []
        for code in list(self._dirty_books):
            state = self.states[code]
            since = state.book_since
            slot = since + (state.phase - since) % BOOK_GRID_MS
            if slot <= state.book_slot:
                slot = state.book_slot + BOOK_GRID_MS
            if slot <= now_ms:
                state.book_slot = slot
                state.book_dirty = False
                del self._dirty_books[code]
                due.append((code, slot))
        return due

    def flush_candles(self) -> list[tuple[str, str, object]]:
        """(code, candle type, candle) of every candle changed since the last flush."""
        out = []
        for code in self._dirty_candles:
            out.extend((code, kind, candle) for kind, candle in self.states[code].candles.flush())
        self._dirty_candles.clear()
        return out
