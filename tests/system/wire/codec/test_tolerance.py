"""Variations real traffic shows are accepted (SPEC §3.1 legacy nulls, §3.8 number spellings,
§10.9 big ids, §10.15 schema drift: unknown keys ignored, missing optional keys tolerated)."""

from __future__ import annotations

from typing import Any

import pytest

from upbit_actors.messages import DecodeError, MyOrder, Orderbook, SubscriptionListing, Ticker, Trade, UpbitError
from upbit_actors.system.wire.codec import decode

from .spec_frames import DEFAULT_FRAMES, frame_of, raw_json


def one(frame: Any) -> Any:
    (event,) = decode(frame)
    assert type(event) is not DecodeError, event
    return event




@pytest.mark.parametrize("simple", [False, True])
@pytest.mark.parametrize("kind", sorted(DEFAULT_FRAMES))
def test_unknown_keys_are_ignored(kind: str, simple: bool) -> None:
    plain = one(raw_json(frame_of(kind, simple)))
    extra = frame_of(kind, simple)
    extra.update({"announcement_id": 7, "new_field": {"nested": [1, 2]}, "zz": None})
    for array in ("orderbook_units", "obu", "assets", "ast"):
        for item in extra.get(array, []):
            item["extra"] = "x"
    assert one(raw_json(extra)) == plain


@pytest.mark.parametrize("simple", [False, True])
def test_legacy_null_fields(simple: bool) -> None:
    # 2020-2021 ticker frames carry trade_status and market_state_for_ios as null (SPEC §3.1)
    legacy = frame_of("ticker", simple, trade_status=None, market_state_for_ios=None)
    keys = {"ts", "msfi"} if simple else {"trade_status", "market_state_for_ios"}
    assert keys <= set(legacy)
    assert one(raw_json(legacy)) == one(raw_json(frame_of("ticker")))


def test_missing_optional_keys_take_the_class_defaults() -> None:
    old_ticker = frame_of("ticker", is_trading_suspended=..., delisting_date=..., market_warning=...)
    ticker = one(raw_json(old_ticker))
    assert (ticker.is_trading_suspended, ticker.delisting_date, ticker.market_warning) == (None, None, None)
    old_trade = frame_of(
        "trade", best_ask_price=..., best_ask_size=..., best_bid_price=..., best_bid_size=...
    )
    trade = one(raw_json(old_trade))  # before 2024-11-27 (SPEC §3.2)
    assert trade.best_ask_price is None and trade.best_bid_size is None
    assert one(raw_json(frame_of("orderbook", True, level=...))).level == 0.0
    old_order = frame_of(
        "myOrder", trade_fee=..., is_maker=..., identifier=..., smp_type=..., prevented_volume=...,
        prevented_locked=..., trade_uuid=..., trade_timestamp=..., time_in_force=...,
    )  # fmt: skip
    order = one(raw_json(old_order))  # before 2024-05-29 (SPEC §10.15)
    assert order.trade_fee is None and order.trade_uuid is None and order.prevented_locked is None
    # price is nullable without a default: absent reads as null (SPEC §3.5)
    assert one(raw_json(frame_of("myOrder", price=...))).price is None


def test_null_where_the_class_allows_none() -> None:
    nulls = dict(volume=None, remaining_volume=None, trade_uuid=None, is_maker=None, identifier=None,
                 trade_timestamp=None, price=None)  # fmt: skip
    order = one(raw_json(frame_of("myOrder", True, **nulls)))
    assert (order.volume, order.remaining_volume, order.trade_uuid, order.is_maker) == (None,) * 4
    assert order.identifier is None and order.trade_timestamp is None and order.price is None
    trade = one(raw_json(frame_of("trade", best_ask_price=None)))
    assert trade.best_ask_price is None


def test_ints_become_floats_and_ids_stay_exact() -> None:
    ticker = one(raw_json(frame_of("ticker")))
    assert ticker.opening_price == 31883000.0 and type(ticker.opening_price) is float
    book = one(raw_json(frame_of("orderbook", True)))
    values = [v for u in book.orderbook_units for v in (u.ask_price, u.bid_price, u.ask_size, u.bid_size)]
    assert values and all(type(v) is float for v in values)
    big = 2**53 + 1  # a double would round it to 2**53 (SPEC §10.9)
    trade = one(raw_json(frame_of("trade", sequential_id=big)))
    assert trade.sequential_id == big and type(trade.sequential_id) is int


def test_integral_floats_are_accepted_for_integers() -> None:
    plain, spelled = b'"timestamp":1730336862082', b'"timestamp":1.730336862082E12'
    frame = raw_json(frame_of("trade")).replace(plain, spelled)
    trade = one(frame)
    assert trade.timestamp == 1730336862082 and type(trade.timestamp) is int
    order = one(raw_json(frame_of("myOrder", trades_count=2.0)))
    assert order.trades_count == 2 and type(order.trades_count) is int


# Upbit's spellings (SPEC §3.8): DEFAULT exponent prices and trailing zeros, SIMPLE plain prices
# and exponent sizes. JSON text is written by hand here: a serializer would normalise it.
SPELLED_TRADE_DEFAULT = (
    b'{"type":"trade","code":"KRW-BTC","timestamp":1735792085830,"trade_date":"2025-01-02",'
    b'"trade_time":"04:28:05","trade_timestamp":1735792085791,"trade_price":1.16606E8,'
    b'"trade_volume":0.00077720,"ask_bid":"BID","prev_closing_price":1.16539E8,"change":"RISE",'
    b'"change_price":67000.00000000,"sequential_id":17357920857910001,"best_ask_price":1.16606E8,'
    b'"best_ask_size":0.09120000,"best_bid_price":1.166E8,"best_bid_size":5.0E-4,"stream_type":"REALTIME"}'
)
SPELLED_TRADE_SIMPLE = (
    b'{"ty":"trade","cd":"KRW-BTC","tms":1735792085830,"td":"2025-01-02","ttm":"04:28:05",'
    b'"ttms":1735792085791,"tp":116606000,"tv":7.772E-4,"ab":"BID","pcp":116539000,"c":"RISE","cp":67000,'
    b'"sid":17357920857910001,"bap":116606000,"bas":0.0912,"bbp":116600000,"bbs":5.0E-4,"st":"REALTIME"}'
)


def test_number_spellings_decode_to_the_same_event() -> None:
    default, simple = one(SPELLED_TRADE_DEFAULT), one(SPELLED_TRADE_SIMPLE)
    assert default == simple
    assert default.trade_price == 116606000.0 and default.trade_volume == 0.0007772
    assert default.best_bid_size == 0.0005 and default.sequential_id == 17357920857910001


def test_exponent_and_trailing_zero_ticker() -> None:
    text = raw_json(frame_of("ticker"))
    for plain, spelled in [(b'"opening_price":31883000,', b'"opening_price":3.1883E7,'),
                           (b'"trade_volume":0.03103806,', b'"trade_volume":0.031038060000,'),
                           (b'"change_rate":0.0126713295,', b'"change_rate":1.26713295E-2,')]:  # fmt: skip
        assert plain in text
        text = text.replace(plain, spelled)
    assert one(text) == one(raw_json(frame_of("ticker")))


def test_error_message_may_be_missing() -> None:
    assert one(b'{"error":{"name":"WRONG_FORMAT"}}') == UpbitError(name="WRONG_FORMAT", message="")


def test_listing_ticket_may_be_a_number() -> None:
    # The docs type the ticket as Long though the example is a string (SPEC §2.1).
    listing = one(b'{"method":"LIST_SUBSCRIPTIONS","result":[],"ticket":1234567890123}')
    assert listing == SubscriptionListing(result=(), ticket="1234567890123")
    assert one(b'{"mthd":"LIST_SUBSCRIPTIONS","rslt":[{"ty":"myAsset"}]}').result[0].codes == ()


def test_format_is_detected_per_frame() -> None:
    default, simple = frame_of("ticker"), frame_of("ticker", True)
    events = [one(raw_json(f)) for f in (default, simple, default)]
    assert events[0] == events[1] == events[2] and type(events[0]) is Ticker


def test_frames_from_a_single_shared_dict_are_independent() -> None:
    # Builders must not keep state between frames: two books decode to two different events.
    a = one(raw_json(frame_of("orderbook", code="KRW-ETH")))
    b = one(raw_json(frame_of("orderbook")))
    assert (a.code, b.code) == ("KRW-ETH", "KRW-BTC") and type(a) is type(b) is Orderbook
    assert isinstance(one(raw_json(frame_of("myOrder"))), MyOrder)
    assert isinstance(one(raw_json(frame_of("trade"))), Trade)
