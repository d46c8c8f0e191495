"""upbit_actors.system.registry.book: private subscriptions and whether Upbit keys are loaded (issue 5, SPEC §7).

No keys: a private spec is rejected with a reason that says what to do, and private keys already
held are dropped (with a rejection each) so the private set empties and nothing private reaches
the wire. Not known yet: accepted. The public side never changes.
"""

from __future__ import annotations

from upbit_actors.messages.common import DataType, Endpoint
from upbit_actors.messages.subscription import Subscribed, SubscriptionRejected, WireStream
from upbit_actors.system.registry.book import NO_KEYS_REASON, SubscriptionBook

from .helpers import FakeComponent, rejections, spec, subscribed

T = DataType
PUB = Endpoint.PUBLIC
PRIV = Endpoint.PRIVATE


def emitted(book: SubscriptionBook, now: float) -> dict[Endpoint, tuple[WireStream, ...]]:
    return {m.endpoint: m.streams for m in book.due(now)}


def test_reason_names_every_way_to_give_keys() -> None:
    for words in ("UPBIT_ACCESS_KEY", "UPBIT_SECRET_KEY", "key file", "Credentials"):
        assert words in NO_KEYS_REASON


def test_unknown_keys_accept_private_subscriptions() -> None:
    # Startup race: the JWT actor has not spoken yet; rejecting now could be wrong.
    book = SubscriptionBook(merge_window=0.0)
    assert book.keys_loaded is None
    assert isinstance(FakeComponent(book, "a").add(spec(T.MY_ASSET), now=0.0)[0], Subscribed)
    assert emitted(book, 0.0) == {PRIV: (WireStream(data_type=T.MY_ASSET),)}


def test_no_keys_rejects_private_and_leaves_public_alone() -> None:
    book = SubscriptionBook(merge_window=0.0)
    assert book.set_keys(False, 0.0) == []
    a = FakeComponent(book, "a")
    (reply,) = rejections(a.add(spec(T.MY_ORDER, "KRW-BTC"), now=0.0, request_id="r1"))
    assert reply.reason == NO_KEYS_REASON and reply.request_id == "r1"
    assert reply.spec == spec(T.MY_ORDER, "KRW-BTC")
    assert book.keys_of("a") == ()
    # A set mixing public and private: the private spec is rejected, the public one held.
    mixed = a.add(spec(T.TICKER, "KRW-BTC"), spec(T.MY_ASSET), now=0.0)
    assert [r.spec for r in rejections(mixed)] == [spec(T.MY_ASSET)]
    assert [k.data_type for k in subscribed(mixed).keys] == [T.TICKER]
    assert emitted(book, 0.0) == {PUB: (WireStream(data_type=T.TICKER, codes=("KRW-BTC",)),)}
    assert book.status()["keys_loaded"] is False


def test_keys_gone_drops_private_keys_and_rejects_their_holders() -> None:
    book = SubscriptionBook(merge_window=0.0)
    FakeComponent(book, "orders").add(spec(T.MY_ORDER, "KRW-BTC", "KRW-ETH"), now=0.0)
    FakeComponent(book, "all").add(spec(T.MY_ORDER), spec(T.MY_ASSET), spec(T.TICKER, "KRW-BTC"), now=0.0)
    FakeComponent(book, "board").add(spec(T.TRADE, "KRW-ETH"), now=0.0)
    first = emitted(book, 0.0)
    assert set(first) == {PUB, PRIV}
    routing = book.routing_generation

    out = book.set_keys(False, 1.0)
    by_component: dict[str, list[SubscriptionRejected]] = {}
    for component, rejection in out:
        by_component.setdefault(component, []).append(rejection)
    assert set(by_component) == {"orders", "all"}
    assert [r.spec for r in by_component["orders"]] == [spec(T.MY_ORDER, "KRW-BTC", "KRW-ETH")]
    assert {r.spec for r in by_component["all"]} == {spec(T.MY_ORDER), spec(T.MY_ASSET)}
    assert all(r.reason == NO_KEYS_REASON for _, r in out)

    # The private set empties (the connection closes); the public set is unchanged, so not re-sent.
    assert emitted(book, 1.0) == {PRIV: ()}
    assert book.keys_of("orders") == ()
    assert [k.data_type for k in book.keys_of("all")] == [T.TICKER]
    assert book.keys_of("board") != ()
    assert book.routing_generation > routing
    names = [r.name for r in book.routing_table().routes]
    assert names == ["all", "board"]  # "orders" held only private keys: its route is gone


def test_keys_state_is_idempotent_and_keys_back_allow_again() -> None:
    book = SubscriptionBook(merge_window=0.0)
    a = FakeComponent(book, "a")
    a.add(spec(T.MY_ASSET), now=0.0)
    dropped = book.set_keys(False, 0.0)
    assert len(dropped) == 1
    a.hear(dropped[0][1])  # the component forgets the spec
    assert not a.wanted
    assert book.set_keys(False, 0.0) == []  # delivered twice: nothing more to drop
    assert book.set_keys(True, 0.0) == []
    assert isinstance(a.add(spec(T.MY_ASSET), now=0.0)[0], Subscribed)
    assert book.set_keys(True, 0.0) == []
    assert book.keys_of("a") != ()
