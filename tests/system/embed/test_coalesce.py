"""``Coalescer``: what one GUI frame holds, without Qt (latest per code, every trade, one wake-up
per frame, a full frame makes the stream thread wait instead of dropping)."""

from __future__ import annotations

import threading

from hypothesis import given
from hypothesis import strategies as st

from tests.polling import wait_for
from upbit_actors.messages import Candle, CandleInterval, MyAsset, MyOrder, Orderbook, StreamAlert, Ticker, Trade
from upbit_actors.system.embed.coalesce import Coalescer

from .samples import event

CODES = ("KRW-BTC", "KRW-ETH", "KRW-XRP")


def test_tickers_and_orderbooks_keep_the_latest_per_code() -> None:
    c = Coalescer()
    for price in (1.0, 2.0, 3.0):
        for code in CODES:
            c.put(event(Ticker, code=code, trade_price=price))
    c.put(event(Orderbook, code="KRW-BTC", total_ask_size=1.0))
    c.put(event(Orderbook, code="KRW-BTC", total_ask_size=2.0))
    frame = c.take()
    assert [(t.code, t.trade_price) for t in frame.events[Ticker]] == [(code, 3.0) for code in CODES]
    assert [b.total_ask_size for b in frame.events[Orderbook]] == [2.0]
    assert (c.received, c.replaced) == (11, 7)


def test_candles_keep_the_latest_per_code_and_interval() -> None:
    c = Coalescer()
    for price in (1.0, 2.0):
        for interval in (CandleInterval("1s"), CandleInterval("1m")):
            c.put(event(Candle, code="KRW-BTC", interval=interval, trade_price=price))
    frame = c.take()
    assert sorted((k.interval.value, k.trade_price) for k in frame.events[Candle]) == [("1m", 2.0), ("1s", 2.0)]


def test_trades_and_private_events_are_all_kept_in_order() -> None:
    c = Coalescer()
    trades = [event(Trade, code=CODES[i % 3], sequential_id=i) for i in range(10)]
    for trade in trades:
        c.put(trade)
    c.put(event(MyOrder))
    c.put(event(MyAsset))
    frame = c.take()
    assert frame.events[Trade] == trades
    assert len(frame.events[MyOrder]) == len(frame.events[MyAsset]) == 1
    assert c.replaced == 0
    assert c.take().events == {}  # a take empties the frame


def test_the_gui_is_woken_once_per_frame() -> None:
    c = Coalescer()
    wakes = [c.put(event(Trade, sequential_id=i)) for i in range(5)]
    wakes.append(c.note(StreamAlert(endpoint="public", kind="connection_lost")))
    wakes.append(c.end("s"))
    assert wakes == [True] + [False] * 6
    frame = c.take()
    assert [n.kind for n in frame.notices] == ["connection_lost"] and frame.ended == ["s"]
    assert c.put(event(Ticker)) is True  # the next frame wakes it again


def test_a_full_frame_makes_the_stream_wait_until_a_take() -> None:
    c = Coalescer(limit=3)
    for i in range(3):
        c.put(event(Trade, sequential_id=i))
    done = threading.Event()

    def stream_thread() -> None:
        c.put(event(Trade, sequential_id=3))  # waits: nothing is dropped
        done.set()

    thread = threading.Thread(target=stream_thread)
    thread.start()
    wait_for(lambda: thread.is_alive() and c.received == 3, what="the stream thread waiting")
    assert not done.is_set()
    assert [t.sequential_id for t in c.take().events[Trade]] == [0, 1, 2]
    wait_for(done.is_set, timeout=10, what="the stream thread going on after the take")
    thread.join(5)
    assert [t.sequential_id for t in c.take().events[Trade]] == [3]


def test_close_releases_a_waiting_stream_and_keeps_nothing_more() -> None:
    c = Coalescer(limit=1)
    c.put(event(Trade))
    thread = threading.Thread(target=c.put, args=(event(Trade),))
    thread.start()
    c.close()
    thread.join(5)
    assert not thread.is_alive()
    assert c.put(event(Trade)) is False and c.received == 1


@given(st.lists(st.tuples(st.sampled_from(CODES), st.floats(1, 1e9)), max_size=60))
def test_a_frame_holds_exactly_the_last_ticker_of_each_code(updates) -> None:
    c = Coalescer()
    for code, price in updates:
        c.put(event(Ticker, code=code, trade_price=price))
    expected = {}
    for code, price in updates:
        expected[code] = price
    got = c.take().events.get(Ticker, [])
    assert {t.code: t.trade_price for t in got} == expected and len(got) == len(expected)
    assert c.replaced == len(updates) - len(expected)
