"""upbit_actors.system.registry: the durable copy, and generations that stay above everything an
earlier registry instance emitted, with a checkpoint (``restore``) or without one
(``generation_base``); a lower generation would be dropped as stale by the limiter and router."""

from __future__ import annotations

import pickle

import pytest
from thespian.actors import ActorAddress

from upbit_actors.messages.common import DataType, Endpoint
from upbit_actors.system.registry.book import (
    GENERATIONS_PER_SECOND,
    RESTORE_GENERATION_STEP,
    SubscriptionBook,
)
from upbit_actors.system.wire.requests import stream_keys

from .helpers import FakeComponent, spec, ws

T = DataType
PUB = Endpoint.PUBLIC
PRIV = Endpoint.PRIVATE


def test_snapshot_restore_round_trip_through_pickle() -> None:
    book = SubscriptionBook()
    FakeComponent(book, ActorAddress("x"), "alpha").add(spec(T.TICKER, "KRW-A"), spec(T.MY_ORDER), now=0.0)
    b = FakeComponent(book, "b", "beta")
    b.add(spec(T.TICKER, "KRW-A", "KRW-B"), now=0.0)
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
    b.book = fresh  # b goes on numbering where it was: the restored book knows its last seq
    b.remove(now=6.0)
    assert fresh.keys_of("b") == () and fresh.merged(PUB) == (ws(T.TICKER, "KRW-A"),)


def test_restore_refuses_unknown_layouts() -> None:
    with pytest.raises(ValueError):
        SubscriptionBook().restore({"version": 99}, 0.0)
    with pytest.raises(ValueError):
        SubscriptionBook().restore(None, 0.0)  # type: ignore[arg-type]


def test_snapshot_keeps_sequence_numbers_and_exited_instances() -> None:
    book = SubscriptionBook()
    book.replace("a", "alpha", [spec(T.TICKER, "KRW-A")], 0.0, seq=5, instance="i1")
    book.remove_component("b", 0.0, instance="i2")
    fresh = SubscriptionBook()
    fresh.restore(pickle.loads(pickle.dumps(book.snapshot())), 1.0)
    assert fresh.replace("a", "alpha", [], 1.0, seq=4, instance="i1") is None
    assert fresh.replace("b", "beta", [spec(T.TICKER, "KRW-B")], 1.0, seq=1, instance="i2") is None
    assert fresh.keys_of("a") == stream_keys(spec(T.TICKER, "KRW-A"))


def busy_book(base: int, changes: int) -> tuple[SubscriptionBook, list[int]]:
    """A book from ``base`` after ``changes`` sets, each emitted; every generation it gave out."""
    book = SubscriptionBook(generation_base=base)
    a = FakeComponent(book, "a")
    given_out = [book.routing_generation]
    for n in range(changes):
        a.only(spec(T.TICKER, f"KRW-C{n}"), spec(T.MY_ASSET) if n % 2 else spec(T.MY_ORDER), now=float(n))
        given_out += [m.generation for m in book.due(n + 1.0)] + [book.routing_generation]
    return book, given_out


def test_a_registry_restarted_without_a_checkpoint_counts_above_its_predecessor() -> None:
    # The old instance started at t0 and made one change per message; the new one starts later,
    # with nothing restored: its base is its own start time.
    t0 = 1_700_000_000.0
    _, old = busy_book(int(t0 * GENERATIONS_PER_SECOND), changes=50)
    new = SubscriptionBook(generation_base=int((t0 + 0.001) * GENERATIONS_PER_SECOND))
    FakeComponent(new, "a").add(spec(T.TICKER, "KRW-A"), spec(T.MY_ASSET), now=0.0)
    merged = new.due(1.0)
    assert {m.endpoint for m in merged} == {PUB, PRIV}
    assert min(m.generation for m in merged) > max(old)
    assert new.routing_generation > max(old)


def test_restore_keeps_generations_above_the_saved_ones_whatever_the_base() -> None:
    old, given_out = busy_book(10_000, changes=5)
    state = old.snapshot()
    for base in (0, 10_000, max(given_out) + 10 * RESTORE_GENERATION_STEP):  # none, a clock set back, later
        fresh = SubscriptionBook(generation_base=base)
        fresh.restore(state, 0.0)
        floor = max(max(given_out) + RESTORE_GENERATION_STEP, base)
        assert fresh.routing_generation == max(state["routing_generation"] + RESTORE_GENERATION_STEP, base)
        assert all(floor < m.generation for m in fresh.due(1.0))
        assert fresh.routing_generation > max(given_out)


def test_one_command_raises_each_generation_by_one_at_most() -> None:
    """What GENERATIONS_PER_SECOND relies on: one command, one step, however much it changed."""
    book = SubscriptionBook(merge_window=0.0)
    comps = [FakeComponent(book, f"c{n}") for n in range(20)]
    for comp in comps:
        comp.add(spec(T.MY_ASSET), spec(T.TICKER, "KRW-A"), now=0.0)
    before = book.routing_generation
    dropped = book.set_keys(False, 0.0)  # 20 holders lose a key each
    assert len(dropped) == 20 and book.routing_generation == before + 1
    before = book.routing_generation
    comps[0].name = "renamed"
    comps[0].only(spec(T.TICKER, "KRW-B"), now=0.0)  # renamed, one key released, one added
    assert book.routing_generation == before + 1
    before = {m.endpoint: m.generation for m in (book.current(e) for e in Endpoint)}
    for comp in comps[1:]:
        comp.remove(now=0.0)
    assert all(m.generation == before[m.endpoint] + 1 for m in book.due(0.0))
