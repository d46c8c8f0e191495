"""Property tests: any event, rendered DEFAULT or SIMPLE (with this suite's own SPEC table),
plain or as a LIST frame, decodes back to itself; the fast and slow paths always agree."""

from __future__ import annotations

import enum
import types
import typing
from typing import Any

import attrs
import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from upbit_actors.messages import (
    Candle,
    ListedSubscription,
    MyAsset,
    MyOrder,
    Orderbook,
    StatusUp,
    SubscriptionListing,
    Ticker,
    Trade,
    UpbitError,
)
from upbit_actors.system.wire.codec import decode, decode_batch, to_default_dict
from upbit_actors.system.wire.codec.decode import BUILDERS
from upbit_actors.system.wire.codec.explain import explain
from upbit_actors.system.wire.codec.gen import compile_builder
from upbit_actors.system.wire.codec.schema import SCHEMAS

from .spec_frames import to_simple

TYPE_NAMES = {
    Ticker: "ticker", Trade: "trade", Orderbook: "orderbook", MyOrder: "myOrder", MyAsset: "myAsset"
}  # fmt: skip
EVENTS = (Ticker, Trade, Orderbook, Candle, MyOrder, MyAsset)

texts = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)  # JSON needs valid UTF-8
numbers = st.floats(allow_nan=False, allow_infinity=False) | st.integers(-(10**12), 10**12).map(float)
exact_ints = st.integers(0, 2**63 - 1)  # timestamps, ids: exact, beyond 2**53 too


def strategy_for(tp: Any) -> st.SearchStrategy[Any]:
    """Values of a message field type, as Upbit could send them."""
    args = typing.get_args(tp)
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        return st.one_of(*(strategy_for(a) for a in args))
    if tp is type(None):
        return st.none()
    if typing.get_origin(tp) is tuple:
        return st.lists(strategy_for(args[0]), max_size=4).map(tuple)
    if attrs.has(tp):
        return events_of(tp)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return st.sampled_from(list(tp))
    return {float: numbers, int: exact_ints, str: texts, bool: st.booleans()}[tp]


def events_of(cls: type) -> st.SearchStrategy[Any]:
    hints = typing.get_type_hints(cls)
    return st.builds(cls, **{f.name: strategy_for(hints[f.name]) for f in attrs.fields(cls)})


def render_default(event: Any) -> dict[str, Any]:
    """A DEFAULT frame written from the event with attrs alone (not with the codec)."""
    body = attrs.asdict(event, value_serializer=lambda _i, _a, v: v.value if isinstance(v, enum.Enum) else v)
    if isinstance(event, Candle):
        frame = {"type": f"candle.{body.pop('interval')}", **body}
    else:
        frame = {"type": TYPE_NAMES[type(event)], **body}
    return orjson.loads(orjson.dumps(frame))  # JSON types only: arrays, not tuples


def without_nulls(frame: dict[str, Any]) -> dict[str, Any]:
    """Drop keys whose value is null: a field that may be null may also be absent."""
    return {k: v for k, v in frame.items() if v is not None}


@settings(max_examples=60, deadline=None)
@given(event=st.one_of(*(events_of(cls) for cls in EVENTS)), drop_nulls=st.booleans())
def test_default_and_simple_forms_decode_to_the_same_event(event: Any, drop_nulls: bool) -> None:
    default = render_default(event)
    if drop_nulls:
        default = without_nulls(default)
    simple = to_simple(default)
    frames = [orjson.dumps(default), orjson.dumps(simple), orjson.dumps([default, simple])]
    assert decode(frames[0]) == [event]
    assert decode(frames[1]) == [event]
    assert decode(frames[2]) == [event, event]
    assert decode_batch(frames) == [event] * 4
    assert decode(orjson.dumps(default).decode()) == [event]


@settings(max_examples=60, deadline=None)
@given(event=st.one_of(*(events_of(cls) for cls in EVENTS)), simple=st.booleans())
def test_fast_path_slow_path_and_fallback_builders_agree(event: Any, simple: bool) -> None:
    frame = render_default(event)
    frame = to_simple(frame) if simple else frame
    data = orjson.loads(orjson.dumps(frame))
    key = (type(event), simple)
    fast = BUILDERS[key](data)  # raises if the canonical frame needed the slow path
    assert fast == event and type(fast) is type(event) and repr(fast) == repr(event)
    assert explain(data, "") == event
    assert compile_builder(SCHEMAS[key], fast=False)(data) == event


@settings(max_examples=60, deadline=None)
@given(event=st.one_of(*(events_of(cls) for cls in EVENTS)))
def test_to_default_dict_is_the_default_frame(event: Any) -> None:
    rendered = to_default_dict(event)
    assert next(iter(rendered)) == "type"
    assert rendered == render_default(event)
    assert decode(orjson.dumps(rendered)) == [event]


@settings(max_examples=40, deadline=None)
@given(
    event=st.one_of(
        events_of(UpbitError),
        st.just(StatusUp()),
        st.builds(
            SubscriptionListing,
            result=st.lists(
                st.builds(ListedSubscription, type=texts, codes=st.lists(texts, max_size=3).map(tuple),
                          level=st.none() | numbers),  # fmt: skip
                max_size=3,
            ).map(tuple),
            ticket=st.none() | texts,
        ),
    )
)
def test_non_data_frames_round_trip(event: Any) -> None:
    frame = to_default_dict(event)
    assert decode(orjson.dumps(frame)) == [event]
    if isinstance(event, SubscriptionListing):
        assert decode(orjson.dumps(to_simple(frame))) == [event]
