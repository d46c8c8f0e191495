"""system.wire.codec.peek: the router's routing facts of a raw frame, equal to the decoded event's."""

from __future__ import annotations

import orjson
import pytest

from upbit_actors.messages.common import DataType, StreamType
from upbit_actors.messages.server import DecodeError, StatusUp, UpbitError
from upbit_actors.system.wire.codec import decode
from upbit_actors.system.wire.codec.peek import Peek, peek, peek_slow

from .spec_frames import DEFAULT_FRAMES, to_simple

FACTS = ("data_type", "code", "stream_type", "depth", "level", "candle_date_time_utc", "sequential_id")


@pytest.mark.parametrize("simple", [False, True], ids=["DEFAULT", "SIMPLE"])
@pytest.mark.parametrize("name", sorted(DEFAULT_FRAMES))
def test_peek_reads_what_decoding_would(name: str, simple: bool) -> None:
    data = to_simple(DEFAULT_FRAMES[name]) if simple else DEFAULT_FRAMES[name]
    frame = orjson.dumps(data)
    fast = peek(frame)
    (slow,) = peek_slow(frame)
    (event,) = decode(frame)
    assert fast is not None and fast.frame is frame and fast.event is None
    assert [getattr(fast, f) for f in FACTS] == [getattr(slow, f) for f in FACTS]
    assert fast.data_type is event.data_type and fast.stream_type is event.stream_type
    assert fast.code == getattr(event, "code", None)


def test_orderbook_depth_level_and_trade_ids() -> None:
    book = orjson.dumps({**DEFAULT_FRAMES["orderbook"], "level": 10000,
                         "orderbook_units": DEFAULT_FRAMES["orderbook"]["orderbook_units"] * 3})
    p = peek(book)
    assert (p.depth, p.level) == (len(DEFAULT_FRAMES["orderbook"]["orderbook_units"]) * 3, 10000.0)
    trade = orjson.dumps({**DEFAULT_FRAMES["trade"], "sequential_id": 2**60 + 1})
    assert peek(trade).sequential_id == 2**60 + 1  # exact, above 2**53


@pytest.mark.parametrize("frame", [
    b'{"error":{"name":"INVALID_AUTH","message":"x"}}', b'{"status":"UP"}', b"garbage", b"[]",
    b"[" * 600 + b"]" * 600, b'{"type":"nope","code":"KRW-BTC"}', b'{"type":"ticker","code":7}',
    b'{"type":"ticker","code":"KRW-BTC\\u0000","x":"\x00"}', "{\"type\":\"ticker\"}".encode(),
])
def test_anything_else_goes_to_the_slow_path_which_never_raises(frame: bytes) -> None:
    assert peek(frame) is None
    items = peek_slow(frame)
    assert items and all(isinstance(i, (Peek, UpbitError, StatusUp, DecodeError)) for i in items)


def test_a_list_frame_is_split_into_one_frame_per_event() -> None:
    frame = orjson.dumps([DEFAULT_FRAMES["ticker"], to_simple(DEFAULT_FRAMES["trade"])])
    items = peek_slow(frame)
    assert [i.data_type for i in items] == [DataType.TICKER, DataType.TRADE]
    for item in items:
        assert decode(item.frame) == [item.event]
    assert items[1].stream_type is StreamType(DEFAULT_FRAMES["trade"]["stream_type"])


def _parsed(frame: bytes) -> Peek | None:
    """What ``peek`` answers when it parses the frame (its search for tickers and trades off)."""
    from upbit_actors.system.wire.codec import peek as module

    saved, module._scan = module._scan, lambda _frame: None
    try:
        return module.peek(frame)
    finally:
        module._scan = saved


@pytest.mark.parametrize("simple", [False, True], ids=["DEFAULT", "SIMPLE"])
@pytest.mark.parametrize("stream_type", ["SNAPSHOT", "REALTIME"])
@pytest.mark.parametrize("name", ["ticker", "trade"])
def test_the_search_finds_what_parsing_finds(name: str, stream_type: str, simple: bool) -> None:
    data = {**DEFAULT_FRAMES[name], "stream_type": stream_type}
    if name == "trade":
        data["sequential_id"] = 2**60 + 7
    frame = orjson.dumps(to_simple(data) if simple else data)
    from upbit_actors.system.wire.codec.peek import _scan

    found, parsed = _scan(frame), _parsed(frame)
    assert found is not None and parsed is not None
    assert [getattr(found, f) for f in FACTS] == [getattr(parsed, f) for f in FACTS]


@pytest.mark.parametrize("frame", [
    b'{"type":"ticker","code":"KRW-\\"BTC","stream_type":"REALTIME"}',  # an escape in the code
    b'{"type":"ticker","code":"KRW-BTC"}',  # no stream type
    b'{"type":"trade","code":"KRW-BTC","sequential_id":null,"stream_type":"REALTIME"}',
    b'{"type":"trade","code":"KRW-BTC","stream_type":"REALTIME"}',  # no trade id
    b'{"type":"ticker","code":"KRW-BTC","stream_type":"REALTIME"}\x00{"type":"ticker"}',
    b'{"code":"KRW-BTC","type":"ticker","stream_type":"REALTIME"}',  # another key order
])
def test_frames_the_search_cannot_vouch_for_are_parsed(frame: bytes) -> None:
    from upbit_actors.system.wire.codec.peek import _scan

    assert _scan(frame) is None
    parsed = _parsed(frame)
    assert peek(frame) is parsed or [getattr(peek(frame), f) for f in FACTS] == [getattr(parsed, f) for f in FACTS]
