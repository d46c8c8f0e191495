"""upbit_actors.system.registry.book: components' numbered sets, reference-counted keys and the
merged set per connection (SPEC §2.1).

Components reach the book only through ``replace`` (``SetSubscriptions``); ``FakeComponent``
plays one. ``replace`` called directly (numbering, delivery order, exits): test_replace.py;
merge rules: test_merge.py; snapshots and generations: test_generations.py.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from thespian.actors import ActorAddress

from upbit_actors.messages.common import DataType, Endpoint, WireFormat
from upbit_actors.messages.lifecycle import HubConfig
from upbit_actors.messages.subscription import (
    MergedSubscription,
    StreamKey,
    Subscribed,
    SubscriptionRejected,
    Unsubscribed,
)
from upbit_actors.system.registry.book import SubscriptionBook, component_ref
from upbit_actors.system.registry.merge import merge_keys
from upbit_actors.system.wire.requests import stream_keys, validate_merged

from .helpers import SPEC_POOL, FakeComponent, rejections, spec, subscribed, ws

T = DataType
PUB = Endpoint.PUBLIC
PRIV = Endpoint.PRIVATE


# -- one component's set ---------------------------------------------------------------------


def test_a_set_is_answered_with_canonical_keys_and_merged_after_the_window() -> None:
    book = SubscriptionBook()
    a = FakeComponent(book, "a", "alpha")
    (reply,) = a.add(spec(T.TICKER, "KRW-ETH", "KRW-BTC"), now=10.0, request_id="r1")
    assert isinstance(reply, Subscribed) and reply.request_id == "r1"
    assert [k.code for k in reply.keys] == ["KRW-ETH", "KRW-BTC"]
    assert book.next_deadline() == pytest.approx(10.1)
    assert book.due(10.05) == []  # window still open
    (m,) = book.due(10.1)
    assert m == MergedSubscription(endpoint=PUB, generation=1, streams=(ws(T.TICKER, "KRW-BTC", "KRW-ETH"),))
    assert book.next_deadline() is None
    assert book.due(99.0) == []


def test_an_invalid_spec_is_rejected_alone_and_nothing_of_it_is_held() -> None:
    book = SubscriptionBook()
    a = FakeComponent(book, "a", "alpha")
    bad = spec(T.MY_ASSET, "KRW-BTC")  # WRONG_FORMAT would close the socket (SPEC §3.6)
    (reply,) = rejections(a.add(bad, now=0.0, request_id="r"))
    assert isinstance(reply, SubscriptionRejected) and reply.spec == bad and "myAsset" in reply.reason
    assert book.keys_of("a") == () and book.merged(PUB) == () and book.merged(PRIV) == ()
    assert book.next_deadline() is None and book.routing_table().routes == ()
    # Next to a valid spec: the valid one applies, the invalid one holds nothing.
    replies = a.add(spec(T.TICKER, "KRW-BTC"), bad, now=0.0)
    assert [r.spec for r in rejections(replies)] == [bad]
    assert subscribed(replies).keys == book.keys_of("a") == stream_keys(spec(T.TICKER, "KRW-BTC"))


def test_lower_case_code_is_rejected() -> None:
    # SPEC §2.2: lower-case codes get no data and no error from Upbit.
    book = SubscriptionBook()
    replies = FakeComponent(book, "a").add(spec(T.TICKER, "krw-btc"), now=0.0)
    assert replies == [SubscriptionRejected(request_id="", reason=replies[0].reason, spec=spec(T.TICKER, "krw-btc")),
                       Subscribed(request_id="", keys=())]  # the whole set refused: nothing held
    assert book.keys_of("a") == ()


def test_an_empty_first_set_holds_nothing_and_changes_no_route() -> None:
    book = SubscriptionBook()
    generation = book.routing_generation
    assert FakeComponent(book, "a").send(0.0, "r") == [Subscribed(request_id="r", keys=())]
    assert book.routing_generation == generation and book.next_deadline() is None


def test_merged_code_limit_rejects_the_spec_that_overfills() -> None:
    book = SubscriptionBook(max_codes=3)
    a, b = FakeComponent(book, "a"), FakeComponent(book, "b")
    assert isinstance(a.add(spec(T.TICKER, "KRW-A", "KRW-B"), now=0.0)[0], Subscribed)
    (reply,) = rejections(b.add(spec(T.TRADE, "KRW-A", "KRW-B"), now=0.0))
    assert "over the limit" in reply.reason
    assert book.keys_of("b") == () and not b.wanted
    # Keys already on the wire cost nothing more.
    assert isinstance(b.add(spec(T.TICKER, "KRW-A"), now=0.0)[0], Subscribed)


def test_the_same_set_again_changes_nothing() -> None:
    # STYLE principle 5: idempotent receipt.
    book = SubscriptionBook()
    a = FakeComponent(book, "a", "alpha")
    a.add(spec(T.TICKER, "KRW-BTC"), now=0.0)
    book.due(1.0)
    gen, snap = book.routing_generation, book.snapshot()
    # Delivered twice (Thespian retries a failed handler once): the copy is ignored.
    assert book.replace("a", "alpha", [spec(T.TICKER, "KRW-BTC")], 2.0, seq=a.seq, instance="a") is None
    # Sent again with a new number: a reply, and nothing else moves.
    assert subscribed(a.send(2.0)).keys == stream_keys(spec(T.TICKER, "KRW-BTC"))
    assert book.routing_generation == gen
    assert {**book.snapshot(), "seq": ()} == {**snap, "seq": ()}
    assert book.next_deadline() is None and book.due(5.0) == []


def test_reference_counting_across_components() -> None:
    book = SubscriptionBook()
    a, b = FakeComponent(book, "a", "alpha"), FakeComponent(book, "b", "beta")
    a.add(spec(T.TICKER, "KRW-BTC"), now=0.0)
    b.add(spec(T.TICKER, "KRW-BTC", "KRW-ETH"), now=0.0)
    (m1,) = book.due(1.0)
    assert m1.streams == (ws(T.TICKER, "KRW-BTC", "KRW-ETH"),)
    assert b.only(spec(T.TICKER, "KRW-ETH"), now=2.0) == [
        Unsubscribed(request_id="", keys=stream_keys(spec(T.TICKER, "KRW-BTC")))]
    assert book.due(3.0) == []  # KRW-BTC still held by a: no request
    assert b.remove(now=4.0, request_id="u") == [
        Unsubscribed(request_id="u", keys=(StreamKey(data_type=T.TICKER, code="KRW-ETH"),))]
    (m2,) = book.due(5.0)
    assert m2.generation == 2 and m2.streams == (ws(T.TICKER, "KRW-BTC"),)
    assert b.remove(now=6.0) == [Subscribed(request_id="", keys=())]  # held nothing: no error
    assert book.remove_component("a", 7.0) == (StreamKey(data_type=T.TICKER, code="KRW-BTC"),)
    assert book.remove_component("a", 7.0) == ()  # told twice
    (m3,) = book.due(8.0)
    assert m3.empty and m3.generation == 3
    assert book.routing_table().routes == ()


def test_window_runs_from_the_first_change_and_folds_changes() -> None:
    book = SubscriptionBook(merge_window=0.5)
    a = FakeComponent(book, "a")
    a.add(spec(T.TICKER, "KRW-A"), now=1.0)
    a.add(spec(T.TICKER, "KRW-B"), now=1.4)
    assert book.next_deadline() == pytest.approx(1.5)
    (m,) = book.due(1.5)
    assert m.streams == (ws(T.TICKER, "KRW-A", "KRW-B"),) and m.generation == 1


def test_returning_to_the_emitted_set_emits_nothing() -> None:
    book = SubscriptionBook()
    a = FakeComponent(book, "a")
    a.add(spec(T.TICKER, "KRW-A"), now=0.0)
    book.due(1.0)
    a.add(spec(T.TICKER, "KRW-B"), now=2.0)
    a.remove(spec(T.TICKER, "KRW-B"), now=2.05)
    assert book.due(3.0) == [] and book.current(PUB).generation == 1


def test_one_merged_set_per_endpoint_with_independent_generations() -> None:
    book = SubscriptionBook(fmt=WireFormat.SIMPLE)
    a = FakeComponent(book, "a")
    a.add(spec(T.MY_ASSET), spec(T.TICKER, "KRW-BTC"), now=0.0)
    out = book.due(1.0)
    assert [(m.endpoint, m.generation, m.format) for m in out] == [
        (PUB, 1, WireFormat.SIMPLE),
        (PRIV, 1, WireFormat.SIMPLE),
    ]
    a.add(spec(T.MY_ORDER), now=2.0)
    (m,) = book.due(3.0)
    assert m.endpoint is PRIV and m.generation == 2


def test_from_config() -> None:
    book = SubscriptionBook.from_config(HubConfig(merge_window=0.25, format=WireFormat.SIMPLE),
                                        generation_base=7)
    assert book.merge_window == 0.25 and book.fmt is WireFormat.SIMPLE
    assert book.generation_base == 7 and book.routing_generation == 7


def test_resend_all_reemits_unchanged_sets() -> None:
    book = SubscriptionBook()
    book.resend_all(0.0)
    assert book.due(1.0) == []  # nothing ever emitted, nothing held
    FakeComponent(book, "a").add(spec(T.TICKER, "KRW-A"), now=0.0)
    (m1,) = book.due(1.0)
    book.resend_all(2.0)
    (m2,) = book.due(2.1)
    assert m2.streams == m1.streams and m2.generation == m1.generation + 1


# -- routes and status -----------------------------------------------------------------------


def test_routing_table_follows_changes() -> None:
    book = SubscriptionBook()
    g0 = book.routing_generation
    a = FakeComponent(book, "a", "alpha")
    a.add(spec(T.TICKER, "KRW-A"), now=0.0)
    FakeComponent(book, "b", "beta").add(spec(T.MY_ASSET), now=0.0)
    table = book.routing_table()
    assert table.generation > g0
    assert [(r.component, r.name, r.keys) for r in table.routes] == [
        ("a", "alpha", (StreamKey(data_type=T.TICKER, code="KRW-A"),)),
        ("b", "beta", (StreamKey(data_type=T.MY_ASSET, code=None),)),
    ]
    g1 = book.routing_generation
    a.name = "renamed"
    a.send(0.0)
    assert book.routing_generation > g1 and book.routing_table().routes[0].name == "renamed"


def test_unhashable_actor_addresses_are_components() -> None:
    # Thespian's ActorAddress defines __eq__ and sets __hash__ = None.
    a1, a1_again, a2 = ActorAddress("T|127.0.0.1:1"), ActorAddress("T|127.0.0.1:1"), ActorAddress("T|127.0.0.1:2")
    assert component_ref(a1) == component_ref(a1_again) != component_ref(a2)
    book = SubscriptionBook()
    one = FakeComponent(book, a1, "one")
    one.add(spec(T.TICKER, "KRW-A"), now=0.0)
    one.address = a1_again  # the same actor, its address unpickled again
    one.add(spec(T.TICKER, "KRW-B"), now=0.0)
    FakeComponent(book, a2, "two").add(spec(T.TICKER, "KRW-A"), now=0.0)
    assert len(book.routing_table().routes) == 2
    assert book.routing_table().routes[0].component == a1
    book.remove_component(a1_again, 0.0)
    assert book.merged(PUB) == (ws(T.TICKER, "KRW-A"),)


def test_status_is_plain() -> None:
    book = SubscriptionBook()
    FakeComponent(book, "a", "alpha").add(spec(T.TICKER, "KRW-A", "KRW-B"), now=0.0)
    status = book.status()
    assert status["keys"] == 2 and status["components"] == [{"name": "alpha", "address": "a", "keys": 2}]
    assert status["merged"]["public"] == {"generation": 0, "streams": 0, "codes": 0, "pending": True,
                                          "set": []}
    book.due(1.0)
    assert book.status()["merged"]["public"]["codes"] == 2
    assert book.status()["merged"]["public"]["set"] == [{"type": "ticker", "codes": ["KRW-A", "KRW-B"]}]


# -- properties ------------------------------------------------------------------------------

ops_st = st.lists(
    st.tuples(
        st.sampled_from(["add", "remove", "remove_all", "exit"]),
        st.sampled_from(["a", "b", "c"]),
        st.lists(st.sampled_from(SPEC_POOL), min_size=1, max_size=3),
    ),
    max_size=20,
)


@settings(max_examples=100, deadline=None)
@given(ops_st)
def test_merged_set_is_the_union_of_what_live_components_hold(ops) -> None:
    book = SubscriptionBook()
    comps = {c: FakeComponent(book, c, instance=f"{c}0") for c in "abc"}
    now = 0.0
    for n, (op, comp, specs) in enumerate(ops):
        now += 0.01
        if op == "exit":
            book.remove_component(comp, now)
            comps[comp] = FakeComponent(book, comp, instance=f"{comp}{n + 1}")  # restarted
        else:
            replies = comps[comp].add(*specs, now=now) if op == "add" else comps[comp].remove(
                *(specs if op == "remove" else ()), now=now)
            assert not rejections(replies)
        model = {c: {k for s in f.wanted for k in stream_keys(s)} for c, f in comps.items()}
        live = set().union(*model.values())
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
    for comp in comps.values():
        comp.remove(now=now + 2.0)
    assert book.merged(PUB) == book.merged(PRIV) == () and book.routing_table().routes == ()
    book.due(now + 3.0)
    assert book.current(PUB).empty and book.current(PRIV).empty
