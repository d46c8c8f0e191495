"""upbit_actors.system.registry: how the keys of several components merge into one wire set
(SPEC §2, §3.5, §3.6), through the book and through ``merge_keys`` alone."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from upbit_actors.messages.common import DataType, Endpoint
from upbit_actors.system.registry.book import SubscriptionBook
from upbit_actors.system.registry.merge import merge_keys
from upbit_actors.system.wire.requests import stream_keys

from .helpers import SPEC_POOL, FakeComponent, spec, ws

T = DataType
PUB = Endpoint.PUBLIC
PRIV = Endpoint.PRIVATE


def test_merge_groups_by_type_and_options_deterministically() -> None:
    # SPEC §2: a type may repeat with different levels; depth rides as a code suffix.
    book = SubscriptionBook()
    FakeComponent(book, "a").add(spec(T.ORDERBOOK, "KRW-ETH", level=5000), spec(T.TRADE, "KRW-B", "KRW-A"), now=0.0)
    FakeComponent(book, "b").add(spec(T.ORDERBOOK, "KRW-BTC", level=10000), spec(T.ORDERBOOK, "KRW-XRP", depth=5),
                                 now=0.0)
    FakeComponent(book, "c").add(spec(T.ORDERBOOK, "KRW-BTC", depth=30), spec(T.TICKER, "KRW-Z"), now=0.0)
    assert book.merged(PUB) == (
        ws(T.TICKER, "KRW-Z"),
        ws(T.TRADE, "KRW-A", "KRW-B"),
        ws(T.ORDERBOOK, "KRW-BTC"),
        ws(T.ORDERBOOK, "KRW-XRP.5"),
        ws(T.ORDERBOOK, "KRW-ETH", level=5000.0),
        ws(T.ORDERBOOK, "KRW-BTC", level=10000.0),
    )


def test_flags_of_one_code_are_folded() -> None:
    book = SubscriptionBook()
    FakeComponent(book, "a").add(spec(T.TICKER, "KRW-A", "KRW-B", only_snapshot=True), now=0.0)
    FakeComponent(book, "b").add(spec(T.TICKER, "KRW-B", only_realtime=True), spec(T.TICKER, "KRW-C"), now=0.0)
    FakeComponent(book, "c").add(spec(T.TICKER, "KRW-D", only_realtime=True), now=0.0)
    # KRW-B: a wants the snapshot, b the stream -> plain; no code twice under one type.
    assert book.merged(PUB) == (
        ws(T.TICKER, "KRW-B", "KRW-C"),
        ws(T.TICKER, "KRW-D", only_realtime=True),
        ws(T.TICKER, "KRW-A", only_snapshot=True),
    )


def test_private_merge_rules() -> None:
    # SPEC §3.5: myOrder without codes = all markets; §3.6: myAsset without codes.
    book = SubscriptionBook()
    FakeComponent(book, "a").add(spec(T.MY_ORDER, "KRW-ETH", "KRW-BTC"), spec(T.MY_ASSET), now=0.0)
    FakeComponent(book, "b").add(spec(T.MY_ORDER, "KRW-XRP"), spec(T.MY_ASSET), now=0.0)
    assert book.merged(PRIV) == (ws(T.MY_ORDER, "KRW-BTC", "KRW-ETH", "KRW-XRP"), ws(T.MY_ASSET))
    FakeComponent(book, "c").add(spec(T.MY_ORDER), now=0.0)
    assert book.merged(PRIV) == (ws(T.MY_ORDER), ws(T.MY_ASSET))
    book.remove_component("c", 0.0)
    assert book.merged(PRIV)[0].codes == ("KRW-BTC", "KRW-ETH", "KRW-XRP")
    assert book.merged(PUB) == ()


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(SPEC_POOL), min_size=1, max_size=6))
def test_merged_wire_codes_cover_every_key(specs) -> None:
    keys = [k for s in specs for k in stream_keys(s)]
    streams = merge_keys(keys)
    wire = {(s.data_type, c) for s in streams for c in s.codes}
    for key in keys:
        if key.data_type is T.MY_ASSET:
            assert any(s.data_type is T.MY_ASSET for s in streams)
        elif key.data_type is T.MY_ORDER:
            (order,) = [s for s in streams if s.data_type is T.MY_ORDER]
            assert not order.codes or key.code in order.codes
        else:
            code = key.code + (f".{key.options.depth}" if key.options.depth else "")
            assert (key.data_type, code) in wire
    # No code twice under one type with the same level (the flags were folded).
    seen = [(s.data_type, s.level, c) for s in streams for c in s.codes]
    assert len(seen) == len(set(seen))
    assert merge_keys(reversed(keys)) == streams  # order-independent
