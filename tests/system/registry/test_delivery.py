"""system.registry: a consumer's overflow policies travel with its route (issue 16)."""

from __future__ import annotations

import attrs

from upbit_actors.messages.subscription import Delivery, SubscriptionRejected
from upbit_actors.system.registry.book import SubscriptionBook

from .helpers import FakeComponent, T, spec


def test_policies_reach_the_route_and_a_change_of_policy_alone_is_a_new_table() -> None:
    book = SubscriptionBook()
    comp = FakeComponent(book, "a")
    tape = attrs.evolve(spec(T.TRADE, "KRW-BTC"), delivery=Delivery(policy="drop_newest", limit=9))
    comp.only(tape, spec(T.TICKER, "KRW-BTC"), now=0.0)
    (route,) = book.routing_table().routes
    assert dict(route.delivery) == {T.TRADE: Delivery(policy="drop_newest", limit=9)}
    generation = book.routing_generation
    comp.only(attrs.evolve(tape, delivery=Delivery(policy="throttle", rate=2.0)), spec(T.TICKER, "KRW-BTC"),
              now=0.1)
    assert book.routing_generation == generation + 1  # same keys, new policy: the router must know
    assert dict(book.routing_table().routes[0].delivery) == {T.TRADE: Delivery(policy="throttle", rate=2.0)}
    restored = SubscriptionBook()
    restored.restore(book.snapshot(), 1.0)
    assert restored.routing_table().routes[0].delivery == book.routing_table().routes[0].delivery


def test_an_invalid_policy_is_rejected_with_its_spec() -> None:
    book = SubscriptionBook()
    comp = FakeComponent(book, "a")
    bad = attrs.evolve(spec(T.TRADE, "KRW-BTC"), delivery=Delivery(policy="throttle"))
    replies = comp.only(bad, now=0.0)
    assert [type(r) for r in replies] == [SubscriptionRejected, type(replies[-1])]
    assert "throttle needs a rate" in replies[0].reason and book.routing_table().routes == ()
