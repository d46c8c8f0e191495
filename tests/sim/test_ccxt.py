"""A third-party client, unmodified except for its URLs: ccxt pro's ``upbit`` (issue: proof of fidelity).

ccxt loads markets over REST first, so its REST base URL points at the control API, which serves
``GET /v1/market/all``; nothing touches the internet. A websocket-client reader subscribed to the
same streams records what the simulator sent, and every value ccxt parsed must be found there.
"""

from __future__ import annotations

import asyncio
import calendar
import copy
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.sim.conftest import Client, subscribe

ccxtpro = pytest.importorskip("ccxt.pro")

CODE, SYMBOL = "KRW-BTC", "BTC/KRW"


class Reader(threading.Thread):
    """Records every frame of one websocket-client connection until stopped."""

    def __init__(self, url: str, request: list[dict[str, Any]]) -> None:
        super().__init__(daemon=True)
        self.client = Client(url)
        self.client.send(request)
        self.frames: list[dict[str, Any]] = []
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                self.frames.append(self.client.recv(timeout=0.2))
            except Exception:
                continue

    def stop(self) -> None:
        self.stopping.set()
        self.join(5)
        self.client.close()


@pytest.fixture(autouse=True)
def no_internet(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any connection attempt beyond loopback fails the test (ccxt must only reach the simulator)."""
    import socket

    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex

    def guard(address: Any) -> None:
        host = address[0] if isinstance(address, tuple) else address
        if host not in ("127.0.0.1", "::1", "localhost"):
            raise AssertionError(f"test tried to reach {address!r}")

    monkeypatch.setattr(socket.socket, "connect", lambda self, a: (guard(a), real_connect(self, a))[1])
    monkeypatch.setattr(socket.socket, "connect_ex", lambda self, a: (guard(a), real_connect_ex(self, a))[1])


@pytest.fixture
def reader(make_sim) -> Iterator[tuple[Any, Reader]]:
    sim = make_sim(markets=[CODE, "KRW-ETH"], rate=300.0, snapshot_delays=(0.18, 0.34), handshake_limit=5)
    streams = ({"type": t, "codes": [CODE]} for t in ("ticker", "trade", "orderbook", "candle.1s"))
    reader = Reader(sim.public_url, subscribe(*streams))
    reader.start()
    try:
        yield sim, reader
    finally:
        reader.stop()


def new_exchange(sim: Any) -> Any:
    exchange = ccxtpro.upbit({"apiKey": sim.access_key, "secret": sim.secret_key})
    exchange.urls["api"]["ws"] = sim.public_url  # ccxt appends /private for private streams
    exchange.urls["api"]["public"] = sim.control_url  # REST GET /v1/market/all
    exchange.urls["api"]["private"] = sim.control_url
    return exchange


async def wait_subscribed(sim: Any, kind: str) -> None:
    loop = asyncio.get_running_loop()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        stats = await loop.run_in_executor(None, sim.stats)
        if any(e["type"] == kind for subs in stats["subscriptions"].values() for e in subs):
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"ccxt never subscribed to {kind}")


async def drive_ccxt(sim: Any) -> dict[str, Any]:
    exchange = new_exchange(sim)
    out: dict[str, Any] = {}
    try:
        await exchange.load_markets()
        out["tickers"] = [await exchange.watch_ticker(SYMBOL) for _ in range(3)]
        trades: list[dict[str, Any]] = []
        while len(trades) < 5:  # ccxt returns only the new trades of each update
            trades += list(await exchange.watch_trades(SYMBOL))
        out["trades"] = trades
        out["books"] = []
        for _ in range(4):
            book = await exchange.watch_order_book(SYMBOL)
            out["books"].append({"timestamp": book["timestamp"], "bids": [list(b) for b in book["bids"]],
                                 "asks": [list(a) for a in book["asks"]]})
        out["ohlcv"] = [list(await exchange.watch_ohlcv(SYMBOL, "1s")) for _ in range(3)]
        # Private streams: same exchange object, ccxt signs its own HS256 JWT.
        loop = asyncio.get_running_loop()
        balance_task = asyncio.ensure_future(exchange.watch_balance())
        await wait_subscribed(sim, "myAsset")
        await loop.run_in_executor(None, sim.set_balance, sim.access_key, "KRW", 1234567.0, 0.0)
        out["balance"] = copy.deepcopy(await asyncio.wait_for(balance_task, 5))  # ccxt mutates it later
        orders_task = asyncio.ensure_future(exchange.watch_orders())
        await wait_subscribed(sim, "myOrder")
        out["order_uuid"] = await loop.run_in_executor(
            None, sim.place_order, sim.access_key, CODE, "bid", "limit", 100_000_000.0, 0.001, "ccxt-1")
        out["orders"] = list(await asyncio.wait_for(orders_task, 5))
    finally:
        await exchange.close()
    return out


@pytest.mark.timeout(60)
def test_ccxt_pro_upbit_parses_what_the_simulator_sent(reader) -> None:
    sim, recorder = reader
    got = asyncio.run(drive_ccxt(sim))
    time.sleep(0.3)  # let the recorder drain the last frames already on the wire
    recorder.stop()
    sent = recorder.frames
    tickers = [f for f in sent if f.get("type") == "ticker"]
    trades = {str(f["sequential_id"]): f for f in sent if f.get("type") == "trade"}
    books = {f["timestamp"]: f for f in sent if f.get("type") == "orderbook"}
    candles = [f for f in sent if f.get("type") == "candle.1s"]

    for ticker in got["tickers"]:
        match = [f for f in tickers
                 if f["trade_timestamp"] == ticker["timestamp"] and f["trade_price"] == ticker["last"]]
        assert match, ticker
        frame = match[-1]
        assert (ticker["high"], ticker["low"], ticker["open"], ticker["previousClose"]) == (
            frame["high_price"], frame["low_price"], frame["opening_price"], frame["prev_closing_price"])
        assert ticker["baseVolume"] == pytest.approx(frame["acc_trade_volume_24h"])
        assert ticker["symbol"] == SYMBOL

    assert len(got["trades"]) >= 5
    for trade in got["trades"]:
        frame = trades[trade["id"]]  # sequential_id > 2^53 survives as the trade id
        assert (trade["price"], trade["amount"], trade["timestamp"]) == (
            frame["trade_price"], frame["trade_volume"], frame["timestamp"])
        assert trade["side"] == {"BID": "buy", "ASK": "sell"}[frame["ask_bid"]]
        assert int(trade["id"]) > 2**53

    # The first book is ccxt's own SNAPSHOT, stamped with the book's last change, which the
    # recorder saw as a REALTIME frame only if that change was published; the rest are REALTIME.
    assert sum(book["timestamp"] in books for book in got["books"]) >= 3
    for book in got["books"][1:]:
        frame = books[book["timestamp"]]
        units = frame["orderbook_units"]
        assert book["asks"] == [[u["ask_price"], u["ask_size"]] for u in units][: len(book["asks"])]
        assert book["bids"] == [[u["bid_price"], u["bid_size"]] for u in units][: len(book["bids"])]
        assert len(book["asks"]) >= 15

    def as_ohlcv(frame: dict[str, Any]) -> list[Any]:
        start = calendar.timegm(time.strptime(frame["candle_date_time_utc"], "%Y-%m-%dT%H:%M:%S"))
        prices = [frame[k] for k in ("opening_price", "high_price", "low_price", "trade_price")]
        return [start * 1000, *prices, frame["candle_acc_trade_volume"]]

    # Again the first candle is ccxt's own SNAPSHOT (the current candle so far); the rest are REALTIME.
    for candle in got["ohlcv"][1:]:
        assert candle in [as_ohlcv(f) for f in candles]

    assert got["balance"]["KRW"]["free"] == 1234567.0 and got["balance"]["KRW"]["used"] == 0.0
    (order,) = [o for o in got["orders"] if o["id"] == got["order_uuid"]]
    assert (order["side"], order["price"], order["amount"], order["clientOrderId"]) == (
        "buy", 100_000_000.0, 0.001, "ccxt-1")
    assert order["status"] == "open"

    stats = sim.stats()
    assert stats["violations"] == []
    assert json.dumps(stats)  # JSON-able
