"""Every message survives ``pickle`` (Thespian sends them between processes) and a round trip
through the project's cattrs converter (STYLE.md principle 3), for every class in ``MESSAGE_CLASSES``."""

from __future__ import annotations

import enum
import pickle
import types
import typing
from typing import Any

import attrs
import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from upbit_actors import messages
from upbit_actors.system.wire.codec import converter

# Fields typed Any hold actor addresses or caller payloads: simple values stand in for them.
any_values = st.none() | st.integers(-(2**63), 2**63 - 1) | st.text(max_size=8)
texts = st.text(st.characters(blacklist_categories=("Cs",)), max_size=10)
LEAVES: dict[Any, st.SearchStrategy[Any]] = {
    float: st.floats(allow_nan=False, allow_infinity=False),
    int: st.integers(-(2**63), 2**64 - 1),
    str: texts,
    bool: st.booleans(),
    bytes: st.binary(max_size=16),
    type(None): st.none(),
    Any: any_values,
}


def strategy_for(tp: Any) -> st.SearchStrategy[Any]:
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        return st.one_of(*(strategy_for(a) for a in args))
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return st.lists(strategy_for(args[0]), max_size=3).map(tuple)
        return st.tuples(*(strategy_for(a) for a in args))
    if attrs.has(tp):
        return messages_of(tp)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return st.sampled_from(list(tp))
    return LEAVES[tp]


def messages_of(cls: type) -> st.SearchStrategy[Any]:
    hints = typing.get_type_hints(cls)
    return st.builds(cls, **{f.name: strategy_for(hints[f.name]) for f in attrs.fields(cls)})


def has_bytes(cls: type) -> bool:
    return any("bytes" in str(f.type) for f in attrs.fields(cls))


@pytest.mark.parametrize("cls", messages.MESSAGE_CLASSES, ids=lambda c: c.__name__)
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_pickle_and_converter_round_trips(cls: type, data: st.DataObject) -> None:
    message = data.draw(messages_of(cls))
    copied = pickle.loads(pickle.dumps(message))
    assert copied == message and type(copied) is cls
    plain = converter.unstructure(message)
    assert isinstance(plain, dict)
    again = converter.structure(plain, cls)
    assert again == message and type(again) is cls
    # repr shows enum members and tuples: a plain str or list where an enum or tuple belongs fails
    assert repr(again) == repr(message)
    if not has_bytes(cls) and cls is not messages.EventBatch:
        # JSON-ready: enums as values, tuples as arrays (Any values here are JSON-able too)
        assert converter.structure(orjson.loads(orjson.dumps(plain)), cls) == message


def test_unstructure_writes_wire_values_and_no_properties() -> None:
    unit = messages.OrderbookUnit(ask_price=1.0, bid_price=0.5, ask_size=1.0, bid_size=2.0)
    book = messages.Orderbook(code="KRW-BTC", total_ask_size=1.0, total_bid_size=2.0, timestamp=1,
                              orderbook_units=[unit], stream_type=messages.StreamType.SNAPSHOT)  # fmt: skip
    plain = converter.unstructure(book)
    assert plain["stream_type"] == "SNAPSHOT" and type(plain["stream_type"]) is str
    assert plain["orderbook_units"] == [converter.unstructure(unit)]
    assert list(converter.unstructure(unit).items()) == [
        ("ask_price", 1.0), ("bid_price", 0.5), ("ask_size", 1.0), ("bid_size", 2.0)
    ]  # fmt: skip
    assert "depth" not in plain and "data_type" not in plain
    candle = converter.unstructure(messages.Candle(
        code="KRW-BTC", interval=messages.CandleInterval.M1, candle_date_time_utc="a",
        candle_date_time_kst="b", opening_price=1.0, high_price=1.0, low_price=1.0, trade_price=1.0,
        candle_acc_trade_volume=1.0, candle_acc_trade_price=1.0, timestamp=1,
        stream_type=messages.StreamType.REALTIME))  # fmt: skip
    assert candle["interval"] == "1m" and "data_type" not in candle
    merged = messages.MergedSubscription(endpoint=messages.Endpoint.PUBLIC, generation=1, streams=())
    merged = converter.unstructure(merged)
    assert merged == {"endpoint": "public", "generation": 1, "streams": [], "format": "DEFAULT"}


def test_any_fields_pass_through_untouched() -> None:
    class Address:  # stands in for a Thespian ActorAddress
        pass

    address, payload = Address(), messages.Tick(purpose="x")
    route = messages.Route(component=address, name="bot", keys=())
    assert converter.unstructure(route)["component"] is address
    assert converter.structure(converter.unstructure(route), messages.Route).component is address
    config = messages.Configure(role="router", config=messages.HubConfig(),
                                directory=messages.Directory(entries=()), state=payload)  # fmt: skip
    assert converter.unstructure(config)["state"] is payload
    assert converter.structure(converter.unstructure(config), messages.Configure) == config
