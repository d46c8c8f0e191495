"""upbit_actors.system.registry.book: ``replace`` as the registry receives ``SetSubscriptions``:
whole sets numbered per instance, delivered in any order, and requests of exited instances."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from upbit_actors.messages.common import DataType, Endpoint
from upbit_actors.messages.subscription import Subscribed, SubscriptionRejected, Unsubscribed
from upbit_actors.system.registry.book import GONE_LIMIT, SubscriptionBook
from upbit_actors.system.registry.merge import merge_keys
from upbit_actors.system.wire.requests import stream_keys

from .helpers import SPEC_POOL, spec, ws

T = DataType
PUB = Endpoint.PUBLIC
PRIV = Endpoint.PRIVATE


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
        Unsubscribed(request_id="r3", keys=stream_keys(spec(T.TICKER, "KRW-B")) + stream_keys(spec(T.TRADE, "KRW-C")))]
    assert not book.routing_table().routes and book.merged(PUB) == ()


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


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("abc"), st.lists(st.sampled_from(SPEC_POOL), max_size=3)),
                max_size=12),
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
