"""The REST budget (SPEC §5: 10/s per quotation group per IP; ours 8 per 1.2 s), fake clock."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from upbit_actors.system.limiter.rest_budget import REST_CALLS, REST_PERIOD, RestBudget


def test_grants_up_to_the_window_then_queues_in_order() -> None:
    budget = RestBudget()
    granted = [budget.request("market", i, 100.0) for i in range(REST_CALLS + 3)]
    assert granted == [True] * REST_CALLS + [False] * 3
    assert budget.poll(100.5) == []
    assert budget.next_deadline() > 100.0 + REST_PERIOD
    later = budget.next_deadline()
    assert budget.poll(later) == [("market", REST_CALLS), ("market", REST_CALLS + 1), ("market", REST_CALLS + 2)]
    assert budget.next_deadline() is None


def test_groups_are_separate_and_asking_twice_is_one_request() -> None:
    budget = RestBudget(calls=1, period=1.0)
    assert budget.request("market", "a", 0.0)
    assert budget.request("trade", "b", 0.0)  # another group: its own window
    assert not budget.request("market", "c", 0.1)
    assert not budget.request("market", "c", 0.2)  # the same waiting ticket: nothing new
    assert budget.poll(1.1) == [("market", "c")]
    assert budget.poll(5.0) == []
    assert budget.status(5.0)["granted"] == 3


def test_a_waiting_ticket_goes_before_a_new_one() -> None:
    budget = RestBudget(calls=1, period=1.0)
    assert budget.request("trade", 1, 0.0)
    assert not budget.request("trade", 2, 0.5)
    assert not budget.request("trade", 3, 1.5)  # the window is free, but 2 waits first
    assert budget.poll(1.5) == [("trade", 2)]
    assert budget.poll(2.6) == [("trade", 3)]


def test_a_restarted_budget_counts_its_predecessors_grants() -> None:
    old = RestBudget()
    for i in range(REST_CALLS):
        assert old.request("market", i, 10.0)
    new = RestBudget()
    new.restore(old.snapshot(), 10.5)
    assert not new.request("market", "x", 10.5)
    assert new.poll(10.0 + REST_PERIOD + 1e-6) == [("market", "x")]


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["market", "trade"]), st.floats(0, 0.5)), max_size=80))
def test_never_more_than_the_window_in_any_period(asks: list[tuple[str, float]]) -> None:
    """Whatever the arrivals, the grants of a group never exceed REST_CALLS in any closed
    REST_PERIOD (so never 10 in one of Upbit's seconds, even 200 ms late)."""
    budget = RestBudget()
    now, grants = 0.0, {"market": [], "trade": []}
    for ticket, (group, step) in enumerate(asks):
        now += step
        for g, _ in budget.poll(now):
            grants[g].append(now)
        if budget.request(group, ticket, now):
            grants[group].append(now)
    while (deadline := budget.next_deadline()) is not None:
        now = max(now, deadline)
        for g, _ in budget.poll(now):
            grants[g].append(now)
    assert sum(map(len, grants.values())) == len(asks)
    for times in grants.values():
        for i, t in enumerate(times):
            assert sum(1 for u in times[i:] if u <= t + REST_PERIOD) <= REST_CALLS
