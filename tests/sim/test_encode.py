"""Wire encoding: key order against the documented samples, SIMPLE names, number spelling."""

from __future__ import annotations


import orjson
import pytest

from tests.sim.conftest import shared_sample
from upbit_actors.tools.sim import frames
from upbit_actors.tools.sim.encode import SIMPLE_KEYS, encode, fixed8, java_double, to_simple
from upbit_actors.tools.sim.market import MarketModel
from upbit_actors.tools.sim.markets import MarketDirectory
from upbit_actors.tools.sim.private import Accounts

T0 = 1_730_336_862_000


def sample(name: str) -> dict:
    return shared_sample(name)


@pytest.fixture(scope="module")
def market() -> MarketModel:
    m = MarketModel(MarketDirectory(["KRW-BTC", "KRW-ETH"], 3), 3, T0)
    for i in range(200):
        m.step(T0 + i)
    return m


def test_key_order_matches_samples(market: MarketModel) -> None:
    state = market.states["KRW-BTC"]
    assert list(frames.ticker(state, "REALTIME", T0)) == list(sample("ticker_default_official_2023.json"))
    assert list(frames.trade(state, "SNAPSHOT")) == list(sample("trade_default_official_2024.json"))
    book = frames.orderbook(state, 5, 0, T0, "SNAPSHOT")
    expected = sample("orderbook_default_official.json")
    assert list(book) == list(expected)
    assert list(book["orderbook_units"][0]) == list(expected["orderbook_units"][0])
    candle = frames.candle("KRW-BTC", "candle.1s", state.candles.latest("candle.1s"), "REALTIME")
    assert list(candle) == list(sample("candle_default_official.json"))
    listing = frames.list_subscriptions([{"type": "ticker", "codes": ["KRW-BTC"]}], "unique uuid")
    assert list(listing) == list(sample("list_subscriptions_official.json"))


def test_private_frames_have_every_sample_field_in_order() -> None:
    accounts = Accounts(seed=1)
    _, events = accounts.place("ak", "KRW-BTC", "bid", "limit", 100_000_000.0, 0.01, T0, identifier="id-1")
    order, asset = events[0].frame, events[1].frame
    assert list(order) == list(sample("myorder_default_official.json"))
    assert list(asset) == list(sample("myasset_default_official.json"))
    assert list(asset["assets"][0]) == ["currency", "balance", "locked"]


def test_simple_names_and_traps(market: MarketModel) -> None:
    state = market.states["KRW-BTC"]
    ticker = to_simple(frames.ticker(state, "REALTIME", T0))
    trade = to_simple(frames.trade(state, "REALTIME"))
    # SPEC §10 item 8: trade_date is td in trade but tdt in ticker.
    assert "tdt" in ticker and "td" not in ticker and "td" in trade and "tdt" not in trade
    assert set(ticker) >= {"ty", "cd", "op", "hp", "lp", "tp", "pcp", "atp", "c", "cp", "scp", "cr", "scr",
                           "ab", "tv", "atv", "ttm", "ttms", "aav", "abv", "h52wp", "h52wdt", "l52wp",
                           "l52wdt", "ms", "its", "dd", "mw", "tms", "atp24h", "atv24h", "st"}
    assert set(trade) == {"ty", "cd", "tms", "td", "ttm", "ttms", "tp", "tv", "ab", "pcp", "c", "cp", "sid",
                          "bap", "bas", "bbp", "bbs", "st"}
    book = to_simple(frames.orderbook(state, 1, 0, T0, "REALTIME"))
    assert set(book) == {"ty", "cd", "tms", "tas", "tbs", "obu", "st", "lv"}
    assert list(book["obu"][0]) == ["ap", "bp", "as", "bs"]
    candle = to_simple(frames.candle("KRW-BTC", "candle.5m", state.candles.latest("candle.5m"), "REALTIME"))
    assert set(candle) == {"ty", "cd", "cdttmu", "cdttmk", "op", "hp", "lp", "tp", "catv", "catp", "tms",
                           "st"}
    _, events = Accounts(1).place("ak", "KRW-BTC", "bid", "limit", 1.0, 1.0, T0)
    my_order, my_asset = to_simple(events[0].frame), to_simple(events[1].frame)
    assert my_order["ap"] == events[0].frame["avg_price"] and my_order["l"] == events[0].frame["locked"]
    assert set(my_asset) == {"ty", "astuid", "ast", "asttms", "tms", "st"}
    assert list(my_asset["ast"][0]) == ["cu", "b", "l"]
    live = [{"type": "orderbook", "codes": ["KRW-BTC"], "level": 0}]
    listing = to_simple(frames.list_subscriptions(live, "t"))
    assert listing == {"mthd": "LIST_SUBSCRIPTIONS",
                       "rslt": [{"ty": "orderbook", "cds": ["KRW-BTC"], "lv": 0}], "tckt": "t"}


def test_every_simple_table_is_one_to_one() -> None:
    for kind, names in SIMPLE_KEYS.items():
        assert len(set(names.values())) == len(names), kind


@pytest.mark.parametrize(
    ("value", "text"),
    [(116539000.0, "1.16539E8"), (3700000.0, "3700000.0"), (7.9276e-4, "7.9276E-4"), (5e-4, "5.0E-4"),
     (0.5, "0.5"), (1e7, "1.0E7"), (0.0, "0.0"), (-404000.0, "-404000.0"), (0.001, "0.001")],
)
def test_java_double_spelling(value: float, text: str) -> None:
    assert java_double(value) == text
    assert float(text) == value


def test_wire_number_spelling_in_default_and_simple() -> None:
    frame = {"type": "trade", "trade_price": 116606000.0, "trade_volume": 0.0007772, "best_ask_size": 5e-4,
             "sequential_id": 17303368620470000}
    default = encode(frame, "DEFAULT", "wire")
    assert default == (b'{"type":"trade","trade_price":1.16606E8,"trade_volume":0.00077720,'
                       b'"best_ask_size":0.00050000,"sequential_id":17303368620470000}')
    simple = encode(frame, "SIMPLE", "wire")
    assert simple == b'{"ty":"trade","tp":116606000,"tv":7.772E-4,"bas":5.0E-4,"sid":17303368620470000}'
    plain = encode(frame, "DEFAULT", "plain")
    assert orjson.loads(plain) == frame and b"116606000.0" in plain


def test_list_formats_wrap_one_object() -> None:
    frame = {"type": "ticker", "code": "KRW-BTC"}
    assert orjson.loads(encode(frame, "JSON_LIST")) == [frame]
    assert orjson.loads(encode(frame, "SIMPLE_LIST")) == [{"ty": "ticker", "cd": "KRW-BTC"}]


@pytest.mark.parametrize("value", [0.0007772, 2429.58834336, 1.0, 1e-8, 5e-4, 1627110713.9492302, 12.5])
def test_fixed8_keeps_trailing_zeros_and_the_value(value: float) -> None:
    text = fixed8(value)
    assert len(text.partition(".")[2]) == 8 and abs(float(text) - value) <= 5e-9


def test_frames_without_a_type_encode_whatever_came_first() -> None:
    # Error and status frames share a key count; each keeps its own shape.
    error = {"error": {"name": "X", "message": "m"}}
    assert orjson.loads(encode(error)) == error
    assert encode({"status": "UP"}) == b'{"status":"UP"}'
