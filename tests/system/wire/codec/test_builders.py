"""The generated builders and the wire tables: fast construction yields ordinary frozen instances,
the fallback honours attrs features, and the codec's SIMPLE table matches SPEC §3 (this suite's
own copy in ``spec_frames``)."""

from __future__ import annotations

import pickle

import attrs
import orjson
import pytest

from upbit_actors.messages import (
    AssetBalance,
    Candle,
    ListedSubscription,
    MyAsset,
    MyOrder,
    Orderbook,
    OrderbookUnit,
    SubscriptionListing,
    Ticker,
    Trade,
)
from upbit_actors.system.wire.codec import decode
from upbit_actors.system.wire.codec.gen import compile_builder, fast_construction, wire_key
from upbit_actors.system.wire.codec.schema import schema_for
from upbit_actors.system.wire.codec.wire import EVENT_TYPES, SIMPLE_KEYS

from .spec_frames import DEFAULT_FRAMES, SIMPLE, SIMPLE_NESTED, raw_json

WIRE_CLASSES = [Ticker, Trade, Orderbook, OrderbookUnit, Candle, MyOrder, MyAsset, AssetBalance,
                SubscriptionListing, ListedSubscription]  # fmt: skip


@pytest.mark.parametrize("cls", WIRE_CLASSES, ids=lambda c: c.__name__)
def test_every_wire_class_is_built_the_fast_way(cls: type) -> None:
    assert fast_construction(cls)


@pytest.mark.parametrize("kind", sorted(DEFAULT_FRAMES))
def test_decoded_events_are_ordinary_frozen_instances(kind: str) -> None:
    (event,) = decode(raw_json(DEFAULT_FRAMES[kind]))
    cls = type(event)
    assert cls in WIRE_CLASSES and cls.__name__ in {c.__name__ for c in WIRE_CLASSES}
    rebuilt = cls(**{f.name: getattr(event, f.name) for f in attrs.fields(cls)})
    assert event == rebuilt and hash(event) == hash(rebuilt) and repr(event) == repr(rebuilt)
    assert pickle.loads(pickle.dumps(event)) == event
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        event.timestamp = 0  # type: ignore[misc]
    for unit in getattr(event, "orderbook_units", ()) + getattr(event, "assets", ()):
        assert type(unit) in (OrderbookUnit, AssetBalance)
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            unit.locked = 0  # type: ignore[union-attr]


@attrs.frozen(kw_only=True)
class Checked:
    price: float = attrs.field(validator=attrs.validators.gt(0))


@attrs.frozen(kw_only=True)
class Hooked:
    price: float
    seen: list = attrs.field(factory=list, eq=False)

    def __attrs_post_init__(self) -> None:
        self.seen.append(self.price)


def test_classes_with_attrs_hooks_are_built_through_init() -> None:
    assert not fast_construction(Checked) and not fast_construction(Hooked)
    checked = compile_builder(schema_for(Checked, False, "checked"))
    assert checked({"price": 2}) == Checked(price=2.0)
    with pytest.raises(ValueError):
        checked({"price": -1})  # the validator ran


def test_fallback_builders_match_fast_ones() -> None:
    for kind, frame in DEFAULT_FRAMES.items():
        data = orjson.loads(raw_json(frame))
        cls = EVENT_TYPES[frame["type"]]
        schema = schema_for(cls, False, kind)
        assert compile_builder(schema, fast=False)(data) == compile_builder(schema)(data)


def test_wire_key_is_the_key_orjson_returns() -> None:
    assert wire_key("tp") == "tp"
    (key,) = orjson.loads(b'{"tp":1}')
    assert wire_key("tp") == key


def test_codec_simple_table_matches_the_spec_tables() -> None:
    # The suite's own table (typed from SPEC §3) also lists the type key and legacy keys.
    top = {Ticker: "ticker", Trade: "trade", Orderbook: "orderbook", Candle: "candle", MyOrder: "myOrder",
           MyAsset: "myAsset", SubscriptionListing: "LIST_SUBSCRIPTIONS"}  # fmt: skip
    nested = {OrderbookUnit: "orderbook_units", AssetBalance: "assets", ListedSubscription: "result"}
    for cls, kind in top.items():
        for attr, key in SIMPLE_KEYS[cls].items():
            assert SIMPLE[kind][attr] == key, (cls.__name__, attr)
    for cls, array in nested.items():
        assert dict(SIMPLE_KEYS[cls]) == SIMPLE_NESTED[array]
    # every field of every wire class has a SIMPLE key, except Candle.interval (it is the type)
    for cls in WIRE_CLASSES:
        missing = {f.name for f in attrs.fields(cls)} - set(SIMPLE_KEYS[cls])
        assert missing == ({"interval"} if cls is Candle else set()), cls.__name__
