"""Invalid frames give one typed ``DecodeError`` with a precise reason; decode never raises."""

from __future__ import annotations

import copy
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from upbit_actors.messages import DecodeError, StatusUp, Ticker, Trade
from upbit_actors.system.wire.codec import decode, decode_batch

from .spec_frames import DEFAULT_FRAMES, frame_of, raw_json, to_simple


def reason_of(frame: Any) -> str:
    (event,) = decode(frame)
    assert type(event) is DecodeError, event
    assert len(event.excerpt) <= 200
    return event.reason


def changed(kind: str, simple: bool = False, **fields: Any) -> bytes:
    """A SPEC frame of ``kind`` with ``fields`` replaced (a value of ``...`` deletes the key)."""
    return raw_json(frame_of(kind, simple, **fields))


@pytest.mark.parametrize("frame", [b"hello", b"PING", b'{"type":"ticker"', b"", b"\xff\xfe{}", "{'a': 1}"])
def test_not_json(frame: Any) -> None:
    assert reason_of(frame).startswith("not JSON: ")


@pytest.mark.parametrize("frame", [None, 42, object()])
def test_not_bytes_or_str(frame: Any) -> None:
    assert reason_of(frame).startswith("expected bytes or str, got ")


@pytest.mark.parametrize(
    ("frame", "reason"),
    [
        (b"42", "expected a JSON object or array, got int 42"),
        (b'"ticker"', "expected a JSON object or array, got str 'ticker'"),
        (b"null", "expected a JSON object or array, got null"),
        (b"[]", "empty JSON array (a *_LIST frame holds objects)"),
        (b"[[]]", "item 0: expected a JSON object, got array"),
        (b"{}", "unrecognised frame: no type, ty, error, status or method key (keys: none)"),
        (b'{"market":"KRW-BTC"}',
         "unrecognised frame: no type, ty, error, status or method key (keys: market)"),
    ],
)
def test_wrong_shape(frame: bytes, reason: str) -> None:
    assert reason_of(frame) == reason


def test_unknown_type() -> None:
    assert reason_of(b'{"type":"announcement","code":"x"}') == "unknown type 'announcement'"
    assert reason_of(b'{"ty":"candle.7m"}') == "unknown type 'candle.7m'"
    assert reason_of(b'{"type":["ticker"]}') == "type: expected str, got array"
    assert reason_of(b'{"method":"SUBSCRIBE"}') == "method: unknown method str 'SUBSCRIBE'"


@pytest.mark.parametrize(
    ("frame", "reason"),
    [
        (changed("ticker", trade_price="32287000"),
         "ticker.trade_price: expected number, got str '32287000'"),
        (changed("ticker", True, trade_price="1"), "ticker.tp (trade_price): expected number, got str '1'"),
        (changed("ticker", trade_price=True), "ticker.trade_price: expected number, got bool True"),
        (changed("ticker", trade_price=None), "ticker.trade_price: expected number, got null"),
        (changed("ticker", code=7), "ticker.code: expected str, got int 7"),
        (changed("ticker", change="UP"),
         "ticker.change: unknown value 'UP' (expected one of RISE, EVEN, FALL)"),
        (changed("ticker", stream_type=None), "ticker.stream_type: expected enum string, got null"),
        (changed("ticker", is_trading_suspended="no"),
         "ticker.is_trading_suspended: expected boolean, got str 'no'"),
        (changed("ticker", trade_price=...), "ticker.trade_price: missing"),
        (changed("ticker", True, trade_price=...), "ticker.tp (trade_price): missing"),
        (changed("trade", sequential_id=1.5),
         "trade.sequential_id: expected integer, got non-integral float 1.5"),
        (changed("trade", sequential_id="17303368620470001"),
         "trade.sequential_id: expected integer, got str '17303368620470001'"),
        (changed("trade", timestamp=[1]), "trade.timestamp: expected integer, got array"),
        (changed("orderbook", orderbook_units={}),
         "orderbook.orderbook_units: expected array of objects, got object"),
        (changed("orderbook", orderbook_units=[{"ask_price": 1}]),
         "orderbook.orderbook_units[0].bid_price: missing"),
        (changed("orderbook", orderbook_units=[7]),
         "orderbook.orderbook_units[0]: expected object, got int 7"),
        (changed("orderbook", True, orderbook_units=[{"ask_price": 1, "bid_price": 1, "ask_size": "x"}]),
         "orderbook.obu[0].as (ask_size): expected number, got str 'x'"),
        (changed("orderbook", level=None), "orderbook.level: expected number, got null"),
        (changed("myOrder", state="pending"),
         "myOrder.state: unknown value 'pending'"
         " (expected one of wait, watch, trade, done, cancel, prevented)"),
        (changed("myOrder", True, avg_price="x"), "myOrder.ap (avg_price): expected number, got str 'x'"),
        (changed("myAsset", True, assets=[{"cu": "KRW", "b": 1}]), "myAsset.ast[0].l (locked): missing"),
        (b'{"error":"boom"}', "error: expected object, got str 'boom'"),
        (b'{"error":{"message":"m"}}', "error.name: missing"),
        (b'{"status":1}', "status: expected str, got int 1"),
        (b'{"method":"LIST_SUBSCRIPTIONS","result":[{"type":"ticker","codes":["KRW-BTC",1]}]}',
         "LIST_SUBSCRIPTIONS.result[0].codes[1]: expected str, got int 1"),
        (b'{"mthd":"LIST_SUBSCRIPTIONS"}', "LIST_SUBSCRIPTIONS.rslt (result): missing"),
    ],
)  # fmt: skip
def test_precise_reasons(frame: bytes, reason: str) -> None:
    assert reason_of(frame) == reason


def test_excerpt_is_the_start_of_the_frame() -> None:
    frame = changed("orderbook", orderbook_units=[{"ask_price": "x"}] * 40)
    (error,) = decode(frame)
    assert error.excerpt == frame[:200].decode()
    assert len(decode(b"x" * 1000)[0].excerpt) == 200


def test_a_bad_item_spoils_only_itself() -> None:
    good = DEFAULT_FRAMES["trade"]
    bad = {**good, "trade_price": "x"}
    events = decode(raw_json([good, bad, 3, to_simple(good)]))
    assert [type(e) for e in events] == [Trade, DecodeError, DecodeError, Trade]
    assert events[1].reason == "item 1: trade.trade_price: expected number, got str 'x'"
    assert events[2].reason == "item 2: expected a JSON object, got int 3"
    assert "trade_price" in events[1].excerpt


def test_decode_batch_goes_on_after_errors() -> None:
    frames = [b"{", raw_json(DEFAULT_FRAMES["ticker"]), b"[]", b'{"status":"UP"}', None]
    events = decode_batch(frames)  # type: ignore[list-item]
    assert [type(e) for e in events] == [DecodeError, Ticker, DecodeError, StatusUp, DecodeError]


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**64 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=64) | st.text(max_size=64))
def test_never_raises_on_arbitrary_input(frame: bytes | str) -> None:
    for event in decode(frame) + decode_batch([frame]):
        assert event is not None


@settings(max_examples=150, deadline=None)
@given(
    kind=st.sampled_from(sorted(DEFAULT_FRAMES)),
    simple=st.booleans(),
    key=st.text(max_size=12),
    value=json_values,
)
def test_never_raises_on_damaged_frames(kind: str, simple: bool, key: str, value: Any) -> None:
    frame = copy.deepcopy(DEFAULT_FRAMES[kind])
    frame = to_simple(frame) if simple else frame
    # overwrite an existing key (or add a new one) with any JSON value
    target = sorted(frame)[sum(map(ord, key)) % len(frame)] if key else key
    frame[target] = value
    (event,) = decode(orjson.dumps(frame))
    assert event is not None
    if type(event) is DecodeError:
        assert event.reason and len(event.excerpt) <= 200
