"""upbit_actors.system.registry.book: reference-counted subscriptions and the merged set per connection (SPEC §2.1)."""

from __future__ import annotations

import pickle

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from thespian.actors import ActorAddress

from upbit_actors.messages.common import DataType, Endpoint, WireFormat
from upbit_actors.messages.lifecycle import HubConfig
from upbit_actors.messages.subscription import (
    MergedSubscription,
    StreamKey,
    StreamOptions,
    StreamSpec,
    Subscribed,
    SubscriptionRejected,
    Unsubscribed,
    WireStream,
)
from upbit_actors.system.registry.book import RESTORE_GENERATION_STEP, SubscriptionBook, component_ref
from upbit_actors.system.registry.merge import merge_keys
from upbit_actors.system.wire.requests import stream_keys, validate_merged

T = DataType
PUB = Endpoint.PUBLIC
PRIV = Endpoint.PRIVATE


def spec(data_type: DataType, *codes: str, **options: object) -> StreamSpec:
    return StreamSpec(data_type=data_type, codes=codes, options=StreamOptions(**options))


def ws(data_type: DataType, *codes: str, **kw: object) -> WireStream:
    return WireStream(data_type=data_type, codes=codes, **kw)


# -- subscribe / unsubscribe -----------------------------------------------------------------


def test_subscribe_replies_with_canonical_keys_and_merges_after_the_window() -> None:
    book = SubscriptionBook()
    reply = book.subscribe("a", "alpha", [spec(T.TICKER, "KRW-ETH", "KRW-BTC")], now=10.0, request_id="r1")
    assert isinstance(reply, Subscribed) and reply.request_id == "r1"
    assert [k.code for k in reply.keys] == ["KRW-ETH", "KRW-BTC"]
    assert book.next_deadline() == pytest.approx(10.1)
    assert book.due(10.05) == []  # window still open
    (m,) = book.due(10.1)
    assert m == MergedSubscription(endpoint=PUB, generation=1, streams=(ws(T.TICKER, "KRW-BTC", "KRW-ETH"),))
    assert book.next_deadline() is None
    assert book.due(99.0) == []


def test_invalid_spec_rejects_the_whole_request_and_changes_nothing() -> None:
    book = SubscriptionBook()
    bad = spec(T.MY_ASSET, "KRW-BTC")  # WRONG_FORMAT would close the socket (SPEC §3.6)
    reply = book.subscribe("a", "alpha", [spec(T.TICKER, "KRW-BTC"), bad], now=0.0, request_id="r")
    assert isinstance(reply, SubscriptionRejected) and reply.spec == bad and "myAsset" in reply.reason
    assert book.keys_of("a") == () and book.merged(PUB) == () and book.next_deadline() is None
    assert book.routing_table().routes == ()
    assert isinstance(book.subscribe("a", "alpha", [], now=0.0), SubscriptionRejected)


def test_lower_case_code_is_rejected() -> None:
    # SPEC §2.2: lower-case codes get no data and no error from Upbit.
    reply = SubscriptionBook().subscribe("a", "alpha", [spec(T.TICKER, "krw-btc")], now=0.0)
    assert isinstance(reply, SubscriptionRejected)


def test_merged_code_limit_rejects_atomically() -> None:
    book = SubscriptionBook(max_codes=3)
    assert isinstance(book.subscribe("a", "a", [spec(T.TICKER, "KRW-A", "KRW-B")], 0.0), Subscribed)
    reply = book.subscribe("b", "b", [spec(T.TRADE, "KRW-A", "KRW-B")], 0.0)
    assert isinstance(reply, SubscriptionRejected) and "over the limit" in reply.reason
    assert book.keys_of("b") == ()
    # Keys already on the wire cost nothing more.
    assert isinstance(book.subscribe("b", "b", [spec(T.TICKER, "KRW-A")], 0.0), Subscribed)


def test_same_subscribe_twice_changes_nothing() -> None:
    # STYLE principle 5: idempotent receipt.
    book = SubscriptionBook()
    book.subscribe("a", "alpha", [spec(T.TICKER, "KRW-BTC")], 0.0)
    book.due(1.0)
    gen, snap = book.routing_generation, book.snapshot()
    again = book.subscribe("a", "alpha", [spec(T.TICKER, "KRW-BTC")], 2.0)
    assert isinstance(again, Subscribed)
    assert book.routing_generation == gen and book.snapshot() == snap
    assert book.next_deadline() is None and book.due(5.0) == []


def test_reference_counting_across_components() -> None:
    book = SubscriptionBook()
    book.subscribe("a", "alpha", [spec(T.TICKER, "KRW-BTC")], 0.0)
    book.subscribe("b", "beta", [spec(T.TICKER, "KRW-BTC", "KRW-ETH")], 0.0)
    (m1,) = book.due(1.0)
    assert m1.streams == (ws(T.TICKER, "KRW-BTC", "KRW-ETH"),)
    book.unsubscribe("b", [spec(T.TICKER, "KRW-BTC")], 2.0)
    assert book.due(3.0) == []  # KRW-BTC still held by a: no request
    released = book.unsubscribe("b", [], 4.0, request_id="u").keys
    assert released == (StreamKey(data_type=T.TICKER, code="KRW-ETH"),)
    (m2,) = book.due(5.0)
    assert m2.generation == 2 and m2.streams == (ws(T.TICKER, "KRW-BTC"),)
    assert book.unsubscribe("b", [], 6.0).keys == ()  # unknown component: nothing, no error
    assert book.remove_component("a", 7.0) == (StreamKey(data_type=T.TICKER, code="KRW-BTC"),)
    (m3,) = book.due(8.0)
    assert m3.empty and m3.generation == 3
    assert book.routing_table().routes == ()


def test_window_runs_from_the_first_change_and_folds_changes() -> None:
    book = SubscriptionBook(merge_window=0.5)
    book.subscribe("a", "a", [spec(T.TICKER, "KRW-A")], 1.0)
    book.subscribe("a", "a", [spec(T.TICKER, "KRW-B")], 1.4)
    assert book.next_deadline() == pytest.approx(1.5)
    (m,) = book.due(1.5)
    assert m.streams == (ws(T.TICKER, "KRW-A", "KRW-B"),) and m.generation == 1


def test_returning_to_the_emitted_set_emits_nothing() -> None:
    book = SubscriptionBook()
    book.subscribe("a", "a", [spec(T.TICKER, "KRW-A")], 0.0)
    book.due(1.0)
    book.subscribe("a", "a", [spec(T.TICKER, "KRW-B")], 2.0)
    book.unsubscribe("a", [spec(T.TICKER, "KRW-B")], 2.05)
    assert book.due(3.0) == [] and book.current(PUB).generation == 1


def test_one_merged_set_per_endpoint_with_independent_generations() -> None:
    book = SubscriptionBook(fmt=WireFormat.SIMPLE)
    book.subscribe("a", "a", [spec(T.MY_ASSET), spec(T.TICKER, "KRW-BTC")], 0.0)
    out = book.due(1.0)
    assert [(m.endpoint, m.generation, m.format) for m in out] == [
        (PUB, 1, WireFormat.SIMPLE),
        (PRIV, 1, WireFormat.SIMPLE),
    ]
    book.subscribe("a", "a", [spec(T.MY_ORDER)], 2.0)
    (m,) = book.due(3.0)
    assert m.endpoint is PRIV and m.generation == 2


def test_from_config() -> None:
    book = SubscriptionBook.from_config(HubConfig(merge_window=0.25, format=WireFormat.SIMPLE))
    assert book.merge_window == 0.25 and book.fmt is WireFormat.SIMPLE


def test_resend_all_reemits_unchanged_sets() -> None:
    book = SubscriptionBook()
    book.resend_all(0.0)
    assert book.due(1.0) == []  # nothing ever emitted, nothing held
    book.subscribe("a", "a", [spec(T.TICKER, "KRW-A")], 0.0)
    (m1,) = book.due(1.0)
    book.resend_all(2.0)
    (m2,) = book.due(2.1)
    assert m2.streams == m1.streams and m2.generation == m1.generation + 1


# -- merge rules -----------------------------------------------------------------------------


def test_merge_groups_by_type_and_options_deterministically() -> None:
    # SPEC §2: a type may repeat with different levels; depth rides as a code suffix.
    book = SubscriptionBook()
    book.subscribe("a", "a", [spec(T.ORDERBOOK, "KRW-ETH", level=5000), spec(T.TRADE, "KRW-B", "KRW-A")], 0.0)
    book.subscribe("b", "b", [spec(T.ORDERBOOK, "KRW-BTC", level=10000), spec(T.ORDERBOOK, "KRW-XRP", depth=5)], 0)
    book.subscribe("c", "c", [spec(T.ORDERBOOK, "KRW-BTC", depth=30), spec(T.TICKER, "KRW-Z")], 0.0)
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
    book.subscribe("a", "a", [spec(T.TICKER, "KRW-A", "KRW-B", only_snapshot=True)], 0.0)
    book.subscribe("b", "b", [spec(T.TICKER, "KRW-B", only_realtime=True), spec(T.TICKER, "KRW-C")], 0.0)
    book.subscribe("c", "c", [spec(T.TICKER, "KRW-D", only_realtime=True)], 0.0)
    # KRW-B: a wants the snapshot, b the stream -> plain; no code twice under one type.
    assert book.merged(PUB) == (
        ws(T.TICKER, "KRW-B", "KRW-C"),
        ws(T.TICKER, "KRW-D", only_realtime=True),
        ws(T.TICKER, "KRW-A", only_snapshot=True),
    )


def test_private_merge_rules() -> None:
    # SPEC §3.5: myOrder without codes = all markets; §3.6: myAsset without codes.
    book = SubscriptionBook()
    book.subscribe("a", "a", [spec(T.MY_ORDER, "KRW-ETH", "KRW-BTC"), spec(T.MY_ASSET)], 0.0)
    book.subscribe("b", "b", [spec(T.MY_ORDER, "KRW-XRP"), spec(T.MY_ASSET)], 0.0)
    assert book.merged(PRIV) == (ws(T.MY_ORDER, "KRW-BTC", "KRW-ETH", "KRW-XRP"), ws(T.MY_ASSET))
    book.subscribe("c", "c", [spec(T.MY_ORDER)], 0.0)
    assert book.merged(PRIV) == (ws(T.MY_ORDER), ws(T.MY_ASSET))
    book.remove_component("c", 0.0)
    assert book.merged(PRIV)[0].codes == ("KRW-BTC", "KRW-ETH", "KRW-XRP")
    assert book.merged(PUB) == ()


# -- routes, status, durability --------------------------------------------------------------


def test_routing_table_follows_changes() -> None:
    book = SubscriptionBook()
    g0 = book.routing_generation
    book.subscribe("a", "alpha", [spec(T.TICKER, "KRW-A")], 0.0)
    book.subscribe("b", "beta", [spec(T.MY_ASSET)], 0.0)
    table = book.routing_table()
    assert table.generation > g0
    assert [(r.component, r.name, r.keys) for r in table.routes] == [
        ("a", "alpha", (StreamKey(data_type=T.TICKER, code="KRW-A"),)),
        ("b", "beta", (StreamKey(data_type=T.MY_ASSET, code=None),)),
    ]
    g1 = book.routing_generation
    book.subscribe("a", "renamed", [spec(T.TICKER, "KRW-A")], 0.0)
    assert book.routing_generation > g1 and book.routing_table().routes[0].name == "renamed"


def test_unhashable_actor_addresses_are_components() -> None:
    # Thespian's ActorAddress defines __eq__ and sets __hash__ = None.
    a1, a1_again, a2 = ActorAddress("T|127.0.0.1:1"), ActorAddress("T|127.0.0.1:1"), ActorAddress("T|127.0.0.1:2")
    assert component_ref(a1) == component_ref(a1_again) != component_ref(a2)
    book = SubscriptionBook()
    book.subscribe(a1, "one", [spec(T.TICKER, "KRW-A")], 0.0)
    book.subscribe(a1_again, "one", [spec(T.TICKER, "KRW-B")], 0.0)
    book.subscribe(a2, "two", [spec(T.TICKER, "KRW-A")], 0.0)
    assert len(book.routing_table().routes) == 2
    assert book.routing_table().routes[0].component == a1
    book.remove_component(a1_again, 0.0)
    assert book.merged(PUB) == (ws(T.TICKER, "KRW-A"),)


def test_status_is_plain() -> None:
    book = SubscriptionBook()
    book.subscribe("a", "alpha", [spec(T.TICKER, "KRW-A", "KRW-B")], 0.0)
    status = book.status()
    assert status["keys"] == 2 and status["components"] == [{"name": "alpha", "address": "a", "keys": 2}]
    assert status["merged"]["public"] == {"generation": 0, "streams": 0, "codes": 0, "pending": True,
                                          "set": []}
    book.due(1.0)
    assert book.status()["merged"]["public"]["codes"] == 2
    assert book.status()["merged"]["public"]["set"] == [{"type": "ticker", "codes": ["KRW-A", "KRW-B"]}]


def test_snapshot_restore_round_trip_through_pickle() -> None:
    book = SubscriptionBook()
    book.subscribe(ActorAddress("x"), "alpha", [spec(T.TICKER, "KRW-A"), spec(T.MY_ORDER)], 0.0)
    book.subscribe("b", "beta", [spec(T.TICKER, "KRW-A", "KRW-B")], 0.0)
    emitted = book.due(1.0)
    state = pickle.loads(pickle.dumps(book.snapshot()))

    fresh = SubscriptionBook()
    fresh.restore(state, now=5.0)
    assert fresh.routing_table().routes == book.routing_table().routes
    assert fresh.routing_generation > book.routing_generation
    assert fresh.merged(PUB) == book.merged(PUB) and fresh.merged(PRIV) == book.merged(PRIV)
    # Re-emitted (the limiter may have lost it) with generations far past anything emitted.
    again = fresh.due(5.1)
    assert [m.streams for m in again] == [m.streams for m in emitted]
    assert all(n.generation == o.generation + RESTORE_GENERATION_STEP + 1 for n, o in zip(again, emitted))
    fresh.unsubscribe("b", [], 6.0)
    assert fresh.keys_of("b") == () and fresh.merged(PUB) == (ws(T.TICKER, "KRW-A"),)


def test_restore_refuses_unknown_layouts() -> None:
    with pytest.raises(ValueError):
        SubscriptionBook().restore({"version": 99}, 0.0)
    with pytest.raises(ValueError):
        SubscriptionBook().restore(None, 0.0)  # type: ignore[arg-type]


# -- SetSubscriptions: whole numbered sets ---------------------------------------------------


def test_replace_holds_exactly_the_set_and_replies_with_what_changed() -> None:
    book = SubscriptionBook()
    first = book.replace("a", "alpha", [spec(T.TICKER, "KRW-A", "KRW-B")], 0.0, seq=1, instance="i1",
                         request_id="r1")
    assert first == [Subscribed(request_id="r1", keys=stream_keys(spec(T.TICKER, "KRW-A", "KRW-B")))]
    second = book.replace("a", "alpha", [spec(T.TICKER, "KRW-B"), spec(T.TRADE, "KRW-C")], 1.0, seq=2,
                          instance="i1", request_id="r2")
    assert second == [
        Unsubscribed(request_id="r2", keys=stream_keys(spec(T.TICKER, "KRW-A"))),
        Subscribed(request_id="r2", keys=stream_keys(spec(T.TICKER, "KRW-B")) + stream_keys(spec(T.TRADE, "KRW-C"))),
    ]
    (m,) = book.due(1.1)
    assert m.streams == (ws(T.TICKER, "KRW-B"), ws(T.TRADE, "KRW-C"))
    assert book.replace("a", "alpha", [], 2.0, seq=3, instance="i1", request_id="r3") == [
        Unsubscribed(request_id="r3", keys=book_keys(m))]
    assert not book.routing_table().routes and book.merged(PUB) == ()


def book_keys(m: MergedSubscription) -> tuple[StreamKey, ...]:
    return tuple(k for s in m.streams for k in stream_keys(spec(s.data_type, *s.codes)))


def test_replace_ignores_a_request_overtaken_by_a_newer_one() -> None:
    """Thespian can deliver a component's requests out of order: the newest set wins."""
    book = SubscriptionBook()
    assert book.replace("a", "alpha", [spec(T.TICKER, "KRW-B")], 0.0, seq=2, instance="i1") is not None
    assert book.replace("a", "alpha", [spec(T.TICKER, "KRW-A")], 0.0, seq=1, instance="i1") is None
    assert book.replace("a", "alpha", [spec(T.TICKER, "KRW-B")], 0.0, seq=2, instance="i1") is None
    assert book.keys_of("a") == stream_keys(spec(T.TICKER, "KRW-B"))


def test_a_request_arriving_after_the_exit_of_its_instance_is_ignored() -> None:
    book = SubscriptionBook()
    book.replace("a", "alpha", [spec(T.TICKER, "KRW-A")], 0.0, seq=1, instance="i1")
    book.remove_component("a", 1.0)  # the instance is the last one seen from "a"
    assert book.replace("a", "alpha", [spec(T.TICKER, "KRW-B")], 1.0, seq=2, instance="i1") is None
    book.remove_component("b", 1.0, instance="i2")  # exited before any request of it arrived
    assert book.replace("b", "beta", [spec(T.TICKER, "KRW-B")], 1.0, seq=1, instance="i2") is None
    assert not book.routing_table().routes and book.merged(PUB) == ()
    # A new instance that gets the same address again starts afresh.
    assert book.replace("a", "alpha", [spec(T.TICKER, "KRW-C")], 2.0, seq=1, instance="i3") is not None
    assert book.keys_of("a") == stream_keys(spec(T.TICKER, "KRW-C"))


def test_gone_instances_are_bounded() -> None:
    from upbit_actors.system.registry.book import GONE_LIMIT

    book = SubscriptionBook()
    for n in range(GONE_LIMIT + 10):
        book.remove_component(f"c{n}", 0.0, instance=f"i{n}")
    assert len(book.snapshot()["gone"]) == GONE_LIMIT
    assert book.replace("x", "x", [spec(T.TICKER, "KRW-A")], 0.0, seq=1, instance="i0") is not None


def test_replace_rejects_bad_specs_one_by_one_and_applies_the_rest() -> None:
    book = SubscriptionBook(max_codes=3)
    book.set_keys(False, 0.0)
    bad_shape, private = spec(T.TICKER, "krw-a"), spec(T.MY_ORDER)
    replies = book.replace("a", "alpha", [spec(T.TICKER, "KRW-A", "KRW-B"), bad_shape, private,
                                          spec(T.TRADE, "KRW-C", "KRW-D")], 0.0, seq=1, instance="i")
    rejected = [r.spec for r in replies if isinstance(r, SubscriptionRejected)]
    assert rejected == [bad_shape, private, spec(T.TRADE, "KRW-C", "KRW-D")]  # the last: over 3 codes
    assert "no Upbit API keys" in replies[1].reason and "over the limit 3" in replies[2].reason
    assert book.keys_of("a") == stream_keys(spec(T.TICKER, "KRW-A", "KRW-B"))


def test_snapshot_keeps_sequence_numbers_and_exited_instances() -> None:
    book = SubscriptionBook()
    book.replace("a", "alpha", [spec(T.TICKER, "KRW-A")], 0.0, seq=5, instance="i1")
    book.remove_component("b", 0.0, instance="i2")
    fresh = SubscriptionBook()
    fresh.restore(pickle.loads(pickle.dumps(book.snapshot())), 1.0)
    assert fresh.replace("a", "alpha", [], 1.0, seq=4, instance="i1") is None
    assert fresh.replace("b", "beta", [spec(T.TICKER, "KRW-B")], 1.0, seq=1, instance="i2") is None
    assert fresh.keys_of("a") == stream_keys(spec(T.TICKER, "KRW-A"))


# -- properties ------------------------------------------------------------------------------

CODES = ["KRW-BTC", "KRW-ETH", "BTC-XRP", "USDT-BTC"]
CODE_SETS = [(), ("KRW-BTC",), ("KRW-ETH", "KRW-BTC"), ("BTC-XRP", "USDT-BTC", "KRW-ETH"), tuple(CODES)]
FLAGS = [{}, {"only_snapshot": True}, {"only_realtime": True}]


def _spec_pool() -> list[StreamSpec]:
    """Every valid spec shape over a few codes (sampling a list is much faster than composing)."""
    pool = [spec(T.MY_ASSET)] + [spec(T.MY_ORDER, *codes) for codes in CODE_SETS]
    for data_type in (T.TICKER, T.TRADE, T.CANDLE_1M):
        pool += [spec(data_type, *codes, **flags) for codes in CODE_SETS[1:] for flags in FLAGS]
    for depth in (None, 1, 5, 30):
        for level in (None, 0, 1000.0):
            for flags in FLAGS[:2]:
                pool += [spec(T.ORDERBOOK, *codes, depth=depth, level=level, **flags) for codes in CODE_SETS[1:4]]
    return pool


SPEC_POOL = _spec_pool()


def specs_st() -> st.SearchStrategy[StreamSpec]:
    return st.sampled_from(SPEC_POOL)


ops_st = st.lists(
    st.tuples(
        st.sampled_from(["sub", "unsub", "unsub_all", "remove"]),
        st.sampled_from(["a", "b", "c"]),
        st.lists(specs_st(), min_size=1, max_size=3),
    ),
    max_size=20,
)


@settings(max_examples=100, deadline=None)
@given(ops_st)
def test_merged_set_is_the_union_of_what_live_components_hold(ops) -> None:
    book = SubscriptionBook()
    model: dict[str, set[StreamKey]] = {}
    now = 0.0
    for op, comp, specs in ops:
        now += 0.01
        if op == "sub":
            assert isinstance(book.subscribe(comp, comp, specs, now), Subscribed)
            model.setdefault(comp, set()).update(k for s in specs for k in stream_keys(s))
        elif op == "unsub":
            book.unsubscribe(comp, specs, now)
            model.get(comp, set()).difference_update(k for s in specs for k in stream_keys(s))
        else:
            (book.remove_component(comp, now) if op == "remove" else book.unsubscribe(comp, [], now))
            model.pop(comp, None)
        live = set().union(*model.values()) if model else set()
        for endpoint in Endpoint:
            streams = book.merged(endpoint)
            assert streams == merge_keys(k for k in live if k.data_type.endpoint is endpoint)
            if streams:
                assert validate_merged(MergedSubscription(endpoint=endpoint, generation=1, streams=streams)) is None
        routes = {r.component: set(r.keys) for r in book.routing_table().routes}
        assert routes == {c: ks for c, ks in model.items() if ks}
    # Whatever happened, after the window the last emission equals the live merged set.
    book.due(now + 1.0)
    for endpoint in Endpoint:
        assert book.current(endpoint).streams == book.merged(endpoint)
    for comp in "abc":
        book.unsubscribe(comp, [], now + 2.0)
    assert book.merged(PUB) == book.merged(PRIV) == () and book.routing_table().routes == ()
    book.due(now + 3.0)
    assert book.current(PUB).empty and book.current(PRIV).empty


@settings(max_examples=100, deadline=None)
@given(st.lists(specs_st(), min_size=1, max_size=6))
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


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("abc"), st.lists(specs_st(), max_size=3)), max_size=12),
       st.randoms(use_true_random=False))
def test_numbered_sets_end_on_each_components_newest_set_in_any_delivery_order(requests, rnd) -> None:
    """However Thespian reorders a component's numbered sets, the book ends on the newest of each."""
    numbered = []
    seqs: dict[str, int] = {}
    for component, specs in requests:
        seqs[component] = seqs.get(component, 0) + 1
        numbered.append((component, seqs[component], specs))
    delivered = list(numbered)
    rnd.shuffle(delivered)
    book = SubscriptionBook()
    for component, seq, specs in delivered:
        book.replace(component, component, specs, 0.0, seq=seq, instance=component)
    for component in "abc":
        newest = [specs for c, _, specs in numbered if c == component][-1:]
        expected = {k for s in (newest[0] if newest else ()) for k in stream_keys(s)}
        assert set(book.keys_of(component)) == expected
    assert set(book.merged(PUB) + book.merged(PRIV)) == set(
        merge_keys({k for c in "abc" for k in book.keys_of(c) if k.data_type.endpoint is PUB})
        + merge_keys({k for c in "abc" for k in book.keys_of(c) if k.data_type.endpoint is PRIV}))
