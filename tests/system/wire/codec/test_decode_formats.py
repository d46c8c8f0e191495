"""Every frame type in every format decodes to the right event (SPEC §3, §3.8, §2.1, §4, §6)."""

from __future__ import annotations

import copy
import json

import orjson
import pytest

from tests.paths import SHARED_SAMPLES as SAMPLES
from upbit_actors.messages import (
    AskBid,
    AssetBalance,
    Candle,
    CandleInterval,
    Change,
    DecodeError,
    ListedSubscription,
    MyAsset,
    MyOrder,
    Orderbook,
    OrderbookUnit,
    OrderState,
    OrderType,
    StatusUp,
    StreamType,
    SubscriptionListing,
    Ticker,
    Trade,
    UpbitError,
)
from upbit_actors.system.wire.codec import decode, decode_batch
from upbit_actors.system.wire.codec.decode import BUILDERS

from .spec_frames import DEFAULT_FRAMES, raw_json, to_simple

needs_samples = pytest.mark.skipif(
    not SAMPLES.is_dir(),
    reason=f"shared samples not found at {SAMPLES} (the shared folder sits beside the repo)",
)

CLASSES = {
    "ticker": Ticker,
    "trade": Trade,
    "orderbook": Orderbook,
    "candle": Candle,
    "myOrder": MyOrder,
    "myAsset": MyAsset,
}
FORMATS = ["DEFAULT", "SIMPLE", "JSON_LIST", "SIMPLE_LIST"]


def render(frame: dict, fmt: str, copies: int = 1) -> bytes:
    """The frame in ``fmt``: SIMPLE renames, the *_LIST formats wrap in an array."""
    body = to_simple(frame) if fmt.startswith("SIMPLE") else frame
    return raw_json([body] * copies if fmt.endswith("LIST") else body)


def only(events: list) -> object:
    assert len(events) == 1, events
    return events[0]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("kind", CLASSES)
def test_every_type_in_every_format(kind: str, fmt: str) -> None:
    frame = DEFAULT_FRAMES[kind]
    event = only(decode(render(frame, fmt)))
    assert type(event) is CLASSES[kind]
    assert event == only(decode(raw_json(frame)))  # same event whatever the format


@pytest.mark.parametrize("fmt", ["JSON_LIST", "SIMPLE_LIST"])
def test_a_list_frame_gives_one_event_per_item(fmt: str) -> None:
    events = decode(render(DEFAULT_FRAMES["trade"], fmt, copies=3))
    assert [type(e) for e in events] == [Trade, Trade, Trade]
    mixed = raw_json([DEFAULT_FRAMES["ticker"], to_simple(DEFAULT_FRAMES["candle"])])
    assert [type(e) for e in decode(mixed)] == [Ticker, Candle]


@pytest.mark.parametrize("kind", CLASSES)
@pytest.mark.parametrize("simple", [False, True])
def test_canonical_frames_take_the_fast_path(kind: str, simple: bool) -> None:
    # A generated builder raises on anything unusual; SPEC-shaped frames must not need the slow path.
    frame = to_simple(DEFAULT_FRAMES[kind]) if simple else DEFAULT_FRAMES[kind]
    event = BUILDERS[(CLASSES[kind], simple)](orjson.loads(raw_json(frame)))
    assert event == only(decode(raw_json(frame)))
    assert type(event) is CLASSES[kind]


def test_str_frames_are_accepted_like_bytes() -> None:
    frame = raw_json(DEFAULT_FRAMES["ticker"])
    assert decode(frame.decode()) == decode(frame) == decode(bytearray(frame)) == decode(memoryview(frame))


def test_ticker_fields() -> None:
    t = only(decode(render(DEFAULT_FRAMES["ticker"], "SIMPLE")))
    assert t.code == "KRW-BTC" and t.trade_price == 32287000.0 and type(t.trade_price) is float
    assert t.change is Change.RISE and t.ask_bid is AskBid.ASK and t.stream_type is StreamType.REALTIME
    assert t.trade_date == "20230221" and t.trade_time == "074102"  # tdt, yyyyMMdd (SPEC §3.1)
    assert t.acc_trade_volume_24h == 7158.8028356 and t.highest_52_week_date == "2022-03-28"
    assert t.is_trading_suspended is False and t.delisting_date is None and t.market_warning == "NONE"
    assert t.timestamp == 1676965262177 and type(t.timestamp) is int


def test_trade_fields() -> None:
    t = only(decode(render(DEFAULT_FRAMES["trade"], "SIMPLE")))
    assert t.trade_date == "2024-10-31" and t.trade_time == "01:07:42"  # td, not tdt (SPEC §3.2)
    assert t.sequential_id == 17303368620470001 and type(t.sequential_id) is int
    assert t.best_ask_price == 100473000.0 and type(t.best_ask_price) is float
    assert t.change is Change.FALL and t.stream_type is StreamType.SNAPSHOT


def test_orderbook_units_and_level() -> None:
    book = only(decode(render(DEFAULT_FRAMES["orderbook"], "SIMPLE")))
    assert book.orderbook_units == (
        OrderbookUnit(ask_price=137002000.0, bid_price=137001000.0, ask_size=0.10623869, bid_size=0.03656812),
        OrderbookUnit(ask_price=137023000.0, bid_price=0.0, ask_size=0.06144079, bid_size=0.0),
    )
    assert type(book.orderbook_units) is tuple and book.depth == 2
    assert book.level == 0.0 and type(book.level) is float


def test_candle_interval_comes_from_the_type() -> None:
    for interval in CandleInterval:
        frame = copy.deepcopy(DEFAULT_FRAMES["candle"])
        frame["type"] = f"candle.{interval.value}"
        for fmt in FORMATS:
            candle = only(decode(render(frame, fmt)))
            assert candle.interval is interval and candle.data_type.value == frame["type"]


def test_my_order_fields() -> None:
    order = only(decode(render(DEFAULT_FRAMES["myOrder"], "SIMPLE")))
    # ap is avg_price in myOrder (SPEC §10.8), l is locked
    assert order.avg_price == 0.00145372 and order.price == 0.001453 and order.locked == 43565.33112787242
    assert (order.order_type, order.state, order.ask_bid) == (OrderType.LIMIT, OrderState.TRADE, AskBid.BID)
    assert type(order.order_type) is OrderType and type(order.state) is OrderState
    assert order.is_maker is True and order.time_in_force is None and order.smp_type == "cancel_maker"
    assert order.trades_count == 1 and order.trade_timestamp == 1710751590421


def test_my_asset_fields() -> None:
    asset = only(decode(render(DEFAULT_FRAMES["myAsset"], "SIMPLE")))
    assert asset.assets == (
        AssetBalance(currency="KRW", balance=1386929.3723106678, locked=10329.670127489597),
        AssetBalance(currency="BTC", balance=0.0051, locked=0.0),
    )
    assert asset.asset_timestamp == 1710146517259


@pytest.mark.parametrize(
    "frame",
    [
        b'{"error":{"name":"NO_TICKET","message":"\xed\x8b\xb0\xec\xbc\x93"}}',
        b'{"error":{"message":"codes field is empty.","name":"INVALID_PARAM"}}',  # message first (SPEC §6)
    ],
)
def test_error_frames_in_either_key_order(frame: bytes) -> None:
    error = only(decode(frame))
    assert type(error) is UpbitError and error.name in {"NO_TICKET", "INVALID_PARAM"} and error.message


def test_status_up() -> None:
    assert decode(b'{"status":"UP"}') == [StatusUp()]


def test_list_subscriptions_reply_in_default_and_simple() -> None:
    default = {
        "method": "LIST_SUBSCRIPTIONS",
        "result": [
            {"type": "ticker", "codes": ["KRW-BTC", "KRW-ETH"]},
            {"type": "orderbook", "codes": ["KRW-BTC.15"], "level": 0},
        ],
        "ticket": "unique uuid",
    }  # fmt: skip
    expected = SubscriptionListing(
        result=(
            ListedSubscription(type="ticker", codes=("KRW-BTC", "KRW-ETH")),
            ListedSubscription(type="orderbook", codes=("KRW-BTC.15",), level=0.0),
        ),
        ticket="unique uuid",
    )
    assert decode(raw_json(default)) == [expected]
    simple = to_simple(default)
    assert set(simple) == {"mthd", "rslt", "tckt"} and set(simple["rslt"][1]) == {"ty", "cds", "lv"}
    assert decode(raw_json(simple)) == [expected]
    assert decode(raw_json([simple])) == [expected]


def test_decode_batch_flattens_in_order() -> None:
    frames = [render(DEFAULT_FRAMES["ticker"], "DEFAULT"), render(DEFAULT_FRAMES["trade"], "SIMPLE_LIST", 2),
              b"nope", b'{"status":"UP"}', render(DEFAULT_FRAMES["candle"], "SIMPLE")]  # fmt: skip
    kinds = [type(e) for e in decode_batch(frames)]
    assert kinds == [Ticker, Trade, Trade, DecodeError, StatusUp, Candle]
    assert decode_batch(iter(frames)) == [e for f in frames for e in decode(f)]


# --- the shared documented samples (SPEC §9) ------------------------------------------------


def _sample_frames(name: str) -> list:
    frames = json.loads((SAMPLES / name).read_text(encoding="utf-8"))["frames"]
    return [f for group in frames.values() for f in group] if isinstance(frames, dict) else frames


@needs_samples
@pytest.mark.parametrize(
    ("name", "cls"),
    [
        ("ticker_default_official_2023.json", Ticker),
        ("trade_default_official_2024.json", Trade),
        ("orderbook_default_official.json", Orderbook),
        ("candle_default_official.json", Candle),
        ("myorder_default_official.json", MyOrder),
        ("myasset_default_official.json", MyAsset),
        ("list_subscriptions_official.json", SubscriptionListing),
        ("errors_official.json", UpbitError),
    ],
)
def test_shared_samples_decode_in_every_format(name: str, cls: type) -> None:
    for frame in _sample_frames(name):
        expected = only(decode(raw_json(frame)))
        assert type(expected) is cls
        if cls is UpbitError:
            continue  # error frames have no SIMPLE form
        for fmt in FORMATS:
            assert only(decode(render(frame, fmt))) == expected


@needs_samples
def test_shared_samples_values() -> None:
    (trade, other) = [only(decode(raw_json(f))) for f in _sample_frames("trade_default_official_2024.json")]
    assert trade.sequential_id == 17303368620470000 and other.sequential_id == 17303368620800006
    (book,) = [only(decode(raw_json(f))) for f in _sample_frames("orderbook_default_official.json")]
    assert book.total_ask_size == 4.79158413 and len(book.orderbook_units) == 5
    assert book.orderbook_units[0].ask_price == 137002000.0
    assert decode((SAMPLES / "status_up_RAW.txt").read_bytes().strip()) == [StatusUp()]
