"""Hostile frames (issue 12): decoding never raises, on any path, whatever the bytes hold.

Every entry point of the codec is fed the same frames: ``decode``, ``decode_batch`` (the data
path of every consumer), ``peek`` and ``peek_slow`` (the router), and ``explain`` (the slow path
on an already parsed value). Each must return; what it returns is events or ``DecodeError``
values (``peek``: a ``Peek`` or None), and every event it returns can be written back out as
JSON (``upbit-actors decode`` prints each one: an integer beyond 64 bits must not get that far).

The regression behind the module: arrays nested 256 to 1023 deep parse (orjson allows 1024
levels) but cannot be dumped again (orjson's writer stops at 255), and ``decode_batch`` raised
``Recursion limit reached``: the whole batch was lost.
"""

from __future__ import annotations

import json
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from upbit_actors.messages import DecodeError, Trade
from upbit_actors.system.wire.codec import decode, decode_batch, to_default_dict
from upbit_actors.system.wire.codec.decode import Event
from upbit_actors.system.wire.codec.explain import explain
from upbit_actors.system.wire.codec.peek import Peek, peek, peek_slow

from .spec_frames import DEFAULT_FRAMES, frame_of, raw_json, to_simple

GOOD = raw_json(DEFAULT_FRAMES["trade"])
EVENT_TYPES = tuple(getattr(Event, "__args__", ()))


def _is_result(item: Any) -> bool:
    return isinstance(item, (DecodeError, *EVENT_TYPES))


def _printable(event: Any) -> None:
    """The event can be written out again (what the decode command and peek_slow do)."""
    if not isinstance(event, DecodeError):
        orjson.dumps(to_default_dict(event))
    assert len(event.excerpt) <= 200 if isinstance(event, DecodeError) else True


def every_path(frame: Any) -> list[Any]:
    """Run ``frame`` through every entry point; fail on a raise or a result of the wrong kind."""
    events = decode(frame)
    assert events and all(_is_result(e) for e in events), events
    for event in events:
        _printable(event)
    batch = decode_batch([GOOD, frame, GOOD])
    assert type(batch[0]) is Trade and type(batch[-1]) is Trade, "the batch around the frame was lost"
    assert [type(e) for e in batch[1:-1]] == [type(e) for e in events]
    assert peek(frame) is None or isinstance(peek(frame), Peek)
    slow = peek_slow(frame)
    assert slow and all(isinstance(p, Peek) or _is_result(p) for p in slow)
    for item in slow:
        if isinstance(item, Peek):
            orjson.loads(item.frame)
    try:
        parsed = orjson.loads(frame)
    except (orjson.JSONDecodeError, TypeError):
        return events
    result = explain(parsed, "")
    assert _is_result(result)
    _printable(result)
    return events


def nested(depth: int, leaf: str = "[]", opener: str = "[", closer: str = "]") -> bytes:
    return (opener * depth + leaf + closer * depth).encode()


def objects(depth: int) -> bytes:
    return ('{"a":' * depth + "1" + "}" * depth).encode()


@pytest.mark.parametrize("depth", [200, 254, 255, 256, 300, 512, 1000, 1022, 1023, 1024, 1100, 20_000])
def test_deep_arrays_never_raise(depth: int) -> None:
    every_path(nested(depth))
    every_path(objects(depth))
    every_path(b"[" + nested(depth) + b"," + GOOD + b"]")  # a LIST frame with a deep item


@pytest.mark.parametrize("depth", [256, 600, 1020])
def test_deep_values_inside_a_data_frame_never_raise(depth: int) -> None:
    for key in ("trade_price", "code", "type", "sequential_id", "unknown_key"):
        frame = GOOD[:-1] + f',"{key}":'.encode() + nested(depth) + b"}"
        every_path(frame)
        every_path(b"[" + frame + b"]")
    book = raw_json(DEFAULT_FRAMES["orderbook"])
    every_path(book[:-1] + b',"orderbook_units":[' + nested(depth) + b"]}")


def test_a_deep_list_item_is_reported_precisely() -> None:
    (error, trade) = decode(b"[" + nested(300) + b"," + GOOD + b"]")
    assert error.reason == "item 0: expected a JSON object, got array"
    assert type(trade) is Trade


BIG = [2**63 - 1, 2**63, 2**64 - 1, 2**64, 2**70, 10**30, -(2**63), -(2**63) - 1, -(2**64), 10**400]


@pytest.mark.parametrize("number", BIG)
def test_huge_integers_never_raise_and_never_reach_an_event_unprintable(number: int) -> None:
    for kind, key in (("trade", "sequential_id"), ("trade", "timestamp"), ("trade", "trade_price"),
                      ("ticker", "trade_timestamp"), ("orderbook", "level")):
        frame = raw_json(DEFAULT_FRAMES[kind])[:-1] + f',"{key}":{number}}}'.encode()
        every_path(frame)
        every_path(raw_json(to_simple(DEFAULT_FRAMES[kind]))[:-1] + f',"{key}":{number}}}'.encode())


def test_an_integer_field_beyond_64_bits_is_a_decode_error() -> None:
    # orjson reads an integer beyond 64 bits as a float: an exact id is gone, say so.
    (error,) = decode(raw_json(DEFAULT_FRAMES["trade"])[:-1] + b',"sequential_id":73786976294838206464}')
    assert type(error) is DecodeError
    assert error.reason.startswith("trade.sequential_id: integer out of range")
    (ok,) = decode(raw_json(frame_of("trade", sequential_id=2**64 - 1)))  # still exact: accepted
    assert ok.sequential_id == 2**64 - 1


@pytest.mark.parametrize("frame", [
    b"\x00", b"\x00" * 5000, b'{"type":"trade\x00"}', b'{"type":"trade","code":"KRW\x00BTC"}',
    b'{"type":"ticker","code":"\\u0000"}', b"\xff\xfe\xfd", b'{"type":"\xc3\x28"}', b'"\xed\xa0\x80"',
    '{"type":"\ud800"}', "\ud800", b"1e400", b"-1e400", b"[1e999]", b"NaN", b"[Infinity]",
    b'{"type":' + b'"' + b"x" * 1_000_000 + b'"}', b"[" + b"1," * 100_000 + b"1]",
    b'{"' + b"k" * 100_000 + b'":1}', b'{"type":"trade"' + b',"a":1' * 50_000 + b"}",
    b'{"error":' + nested(400) + b"}", b'{"status":' + nested(400) + b"}",
    b'{"method":"LIST_SUBSCRIPTIONS","result":' + nested(400) + b"}",
    bytearray(GOOD), memoryview(GOOD), GOOD.decode(), b"", b" ", b"[]", b"{}", b"null", b"1", b'"x"',
])  # fmt: skip
def test_odd_frames_never_raise(frame: Any) -> None:
    every_path(frame)


def test_a_str_frame_with_lone_surrogates_gives_a_printable_excerpt() -> None:
    (error,) = decode('{"type":"\ud800"}')
    assert type(error) is DecodeError
    error.excerpt.encode("utf-8")  # strict: a log line or the decode command can write it


# -- hypothesis: wrong types everywhere -----------------------------------------------------------

scalars = (
    st.none() | st.booleans() | st.integers(-(2**80), 2**80)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20) | st.text(alphabet="\x00\x01\u2028\ufeff", max_size=5)
    | st.sampled_from(["ticker", "trade", "orderbook", "candle.1m", "myOrder", "myAsset", "SNAPSHOT",
                       "REALTIME", "ASK", "BID", "LIST_SUBSCRIPTIONS", "UP", "KRW-BTC"])
)
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=20)


def dumps(value: Any) -> bytes:
    """JSON text of ``value``, integers beyond 64 bits included (orjson refuses to write those)."""
    return json.dumps(value, ensure_ascii=False).encode()


def _keys(kind: str) -> list[str]:
    return sorted(set(DEFAULT_FRAMES[kind]) | set(to_simple(DEFAULT_FRAMES[kind])))


@st.composite
def damaged_frames(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(sorted(DEFAULT_FRAMES)))
    frame = dict(draw(st.sampled_from([DEFAULT_FRAMES[kind], to_simple(DEFAULT_FRAMES[kind])])))
    for key in draw(st.lists(st.sampled_from(_keys(kind)), min_size=1, max_size=6)):
        frame[key] = draw(json_values)
    body = dumps(frame)
    wrap = draw(st.sampled_from(["plain", "list", "deep"]))
    if wrap == "list":
        return dumps([frame, draw(json_values), frame])
    if wrap == "deep":
        depth = draw(st.integers(250, 1030))
        return body[:-1] + b',"x":' + nested(depth) + b"}"
    return body


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(damaged_frames())
def test_damaged_frames_never_raise(frame: bytes) -> None:
    every_path(frame)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_any_json_value_never_raises(value: Any) -> None:
    every_path(dumps(value))
    every_path(dumps([value, value]))


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300) | st.text(max_size=100))
def test_any_bytes_never_raise(frame: bytes | str) -> None:
    every_path(frame)
