"""The seeded market model, pacer and frame builders, without I/O (SPEC §3.1-3.4)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from upbit_actors.tools.sim import frames
from upbit_actors.tools.sim.candles import INTERVALS, CandleSet
from upbit_actors.tools.sim.market import BOOK_GRID_MS, DAY_MS, MarketModel
from upbit_actors.tools.sim.markets import MarketDirectory, load_codes, synthetic_codes
from upbit_actors.tools.sim.pacer import Pacer

T0 = 1_730_336_862_000  # 2024-10-31T01:07:42Z


def model(codes: list[str] | None = None, seed: int = 7, start: int = T0) -> MarketModel:
    directory = MarketDirectory(codes or ["KRW-BTC", "KRW-ETH", "BTC-ETH", "USDT-BTC"], seed)
    return MarketModel(directory, seed, start)


def trades(market: MarketModel, count: int, start: int = T0, step_ms: int = 7) -> list[tuple]:
    out = []
    for i in range(count):
        event = market.step(start + i * step_ms)
        if event.kind == "trade":
            s = market.states[event.code]
            out.append((event.code, s.price, s.trade_volume, s.ask_bid))
    return out


def test_same_seed_same_events_whatever_the_timing() -> None:
    a = trades(model(), 500, step_ms=3)
    b = trades(model(), 500, step_ms=50)
    assert a == b and len(a) > 200
    assert trades(model(seed=8), 500) != a


def test_trades_drive_the_ticker_consistently() -> None:
    market = model()
    state = market.states["KRW-BTC"]
    before_volume, before_bid, before_ask = state.acc_volume, state.acc_bid, state.acc_ask
    volumes = []
    for i in range(2000):
        if market.step(T0 + i).kind == "trade" and state.event_ts == T0 + i:  # a KRW-BTC trade
            volumes.append(state.trade_volume)
    assert round(state.acc_volume - before_volume, 6) == round(sum(volumes), 6)
    assert round((state.acc_bid - before_bid) + (state.acc_ask - before_ask), 6) == round(sum(volumes), 6)
    assert state.low <= state.price <= state.high
    frame = frames.ticker(state, "REALTIME", market.start_ms)
    diff = round(state.price - state.prev_close, state.instrument.decimals)
    assert frame["signed_change_price"] == diff and frame["change_price"] == abs(diff)
    assert frame["change"] == ("RISE" if diff > 0 else "FALL" if diff < 0 else "EVEN")
    assert abs(frame["signed_change_rate"] - diff / state.prev_close) < 1e-9
    assert frame["acc_trade_volume_24h"] >= frame["trade_volume"]


def test_sequential_id_exceeds_2_53_and_follows_the_wire_pattern() -> None:
    market = model()
    for i in range(300):
        market.step(T0 + i // 3)
    for state in market.states.values():
        assert state.sequential_id > 2**53
        assert state.sequential_id // 10_000 == state.trade_ts


def test_utc_day_roll_resets_accumulators_and_prev_close() -> None:
    midnight = (T0 // DAY_MS + 1) * DAY_MS
    market = model(["KRW-BTC"], start=midnight - 500)
    state = market.states["KRW-BTC"]
    last_price_of_day = None
    for i in range(400):
        now = midnight - 400 + i * 3
        event = market.step(now)
        if event.kind == "trade":
            if state.trade_ts < midnight:
                last_price_of_day = state.price
            else:
                assert state.prev_close == last_price_of_day
                assert state.acc_volume <= state.trade_volume * 50
                return
    raise AssertionError("no trade after midnight")


def test_candles_ohlc_per_interval_and_only_after_trades() -> None:
    candles = CandleSet()
    assert candles.flush() == []  # no trade, no candle frame (SPEC §3.4)
    assert candles.add(T0 + 100, 100.0, 1.0, T0 + 120) == len(INTERVALS)
    candles.add(T0 + 200, 105.0, 2.0, T0 + 220)
    candles.add(T0 + 300, 95.0, 1.0, T0 + 320)
    flushed = dict(candles.flush())
    one_s = flushed["candle.1s"]
    assert (one_s.open, one_s.high, one_s.low, one_s.close, one_s.volume) == (100.0, 105.0, 95.0, 95.0, 4.0)
    assert one_s.notional == 100.0 + 210.0 + 95.0 and one_s.timestamp == T0 + 320
    assert candles.flush() == []  # nothing changed since
    candles.add(T0 + 1_100, 99.0, 1.0, T0 + 1_110)  # next second: new 1s candle, same minute
    flushed = dict(candles.flush())
    assert flushed["candle.1s"].start == T0 + 1_000 and flushed["candle.1s"].open == 99.0
    assert flushed["candle.1m"].open == 100.0 and flushed["candle.1m"].close == 99.0
    assert flushed["candle.240m"].start % 14_400_000 == 0


def test_candle_frame_times() -> None:
    candles = CandleSet()
    candles.add(1735792085800, 142009000.0, 0.00606119, 1735792085824)
    frame = frames.candle("KRW-BTC", "candle.1s", candles.latest("candle.1s"), "REALTIME")
    # Same instant as the documented sample (SPEC §3.4 sample candle_default_official.json).
    assert frame["candle_date_time_utc"] == "2025-01-02T04:28:05"
    assert frame["candle_date_time_kst"] == "2025-01-02T13:28:05"


def test_orderbook_on_a_100ms_grid_with_a_per_pair_phase() -> None:
    market = model(["KRW-BTC"])
    phase = market.states["KRW-BTC"].phase
    slots = []
    for now in range(T0, T0 + 3_000, 10):
        market.step(now)
        slots += [slot for _, slot in market.due_books(now)]
    assert len(slots) >= 20
    assert all(slot % BOOK_GRID_MS == phase for slot in slots)
    assert all(b - a >= BOOK_GRID_MS for a, b in zip(slots, slots[1:]))  # at most 10 frames/s


def test_orderbook_frames_full_sorted_and_zero_padded() -> None:
    market = model(load_codes())
    for i in range(3000):
        market.step(T0 + i)
    for code in ("KRW-BTC", "BTC-ETH"):
        state = market.states[code]
        frame = frames.orderbook(state, 30, 0, T0, "REALTIME")
        units = frame["orderbook_units"]
        assert len(units) == 30 and list(units[0]) == ["ask_price", "bid_price", "ask_size", "bid_size"]
        asks = [u["ask_price"] for u in units]
        bids = [u["bid_price"] for u in units if u["bid_price"]]
        assert asks == sorted(asks) and bids == sorted(bids, reverse=True) and asks[0] > bids[0]
        assert frame["total_ask_size"] == round(sum(u["ask_size"] for u in units), 8)
    thin = next(s for s in market.states.values() if s.instrument.thin and len(s.book.bids) < 30)
    units = frames.orderbook(thin, 30, 0, T0, "SNAPSHOT")["orderbook_units"]
    assert units[-1]["bid_price"] == 0 and units[-1]["bid_size"] == 0  # SPEC §3.3 zero padding
    depth5 = frames.orderbook(market.states["KRW-BTC"], 5, 0, T0, "REALTIME")
    assert len(depth5["orderbook_units"]) == 5


def test_grouped_orderbook_uses_level_buckets() -> None:
    market = model(["KRW-BTC"])
    state = market.states["KRW-BTC"]
    level = state.instrument.levels[1]
    frame = frames.orderbook(state, 30, level, T0, "SNAPSHOT")
    units = frame["orderbook_units"]
    prices = [u["ask_price"] for u in units] + [u["bid_price"] for u in units]
    assert frame["level"] == level and all(p % level == 0 for p in prices)
    assert len(set(prices)) == 60


def test_pacer_holds_the_rate_and_forgives_backlog() -> None:
    pacer = Pacer(1000.0, now=0.0)
    produced = 0
    for tick in range(1, 101):
        while pacer.owed(tick * 0.01) > 0:
            pacer.spend(3)
            produced += 3
    assert 990 <= produced <= 1005
    assert pacer.owed(100.0) <= 1000.0 * pacer.max_burst


def test_market_rate_accounting_matches_frames_produced() -> None:
    market = MarketModel(MarketDirectory(synthetic_codes(5), 1), 1, T0)
    cost = produced = 0
    for now in range(T0, T0 + 5_000, 5):
        event = market.step(now)
        cost += event.cost
        produced += 2 if event.kind == "trade" else 0
        if now % 1000 == 0:
            produced += len(market.flush_candles())
        produced += len(market.due_books(now))
    produced += len(market.flush_candles()) + len(market.due_books(T0 + 10_000))
    assert produced == cost


def test_synthetic_codes() -> None:
    assert synthetic_codes(3) == ["KRW-SIM000", "KRW-SIM001", "KRW-SIM002"]
    assert len(set(synthetic_codes(1500))) == 1500


@given(st.lists(st.tuples(st.integers(0, 900_000), st.floats(1, 1000), st.floats(0.001, 5)),
                min_size=1, max_size=60),
       st.lists(st.integers(0, 59), max_size=10))
def test_candles_equal_a_brute_force_aggregation(steps, peeks) -> None:
    """Folding the 1 s aggregate into longer candles gives exactly the per-period OHLCV."""
    candles = CandleSet()
    trades = []
    ts = T0
    for i, (gap, price, volume) in enumerate(steps):
        ts += gap
        candles.add(ts, price, volume, ts)
        trades.append((ts, price, volume))
        if i in peeks:
            candles.latest("candle.60m")  # folding early must not change the result
            candles.flush()
    for kind, period in INTERVALS.items():
        start = ts - ts % period
        inside = [t for t in trades if t[0] - t[0] % period == start]
        candle = candles.latest(kind)
        assert candle.start == start
        assert (candle.open, candle.close) == (inside[0][1], inside[-1][1])
        assert (candle.high, candle.low) == (max(t[1] for t in inside), min(t[1] for t in inside))
        assert candle.volume == pytest.approx(sum(t[2] for t in inside))
