"""upbit_actors.system.limiter.budget: per-connection message budget and handshake permits (SPEC §2.1, §5)."""

from __future__ import annotations

import math
from collections import defaultdict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from upbit_actors.messages.common import DataType, Endpoint
from upbit_actors.messages.subscription import MergedSubscription, WireStream
from upbit_actors.system.limiter.budget import (
    HANDSHAKES_PER_SECOND,
    MESSAGES_PER_MINUTE,
    MESSAGES_PER_SECOND,
    RateLimiter,
    SlidingWindow,
)

PUB, PRIV = Endpoint.PUBLIC, Endpoint.PRIVATE


def ms(gen: int, *codes: str, endpoint: Endpoint = PUB) -> MergedSubscription:
    streams = (WireStream(data_type=DataType.TICKER, codes=codes),) if codes else ()
    if endpoint is PRIV and codes:
        streams = (WireStream(data_type=DataType.MY_ORDER, codes=codes),)
    return MergedSubscription(endpoint=endpoint, generation=gen, streams=streams)


def test_constants_keep_headroom_under_upbit_limits() -> None:
    # SPEC §5: 5 messages/s and 100/min per connection, 5 handshakes/s.
    assert MESSAGES_PER_SECOND < 5 and MESSAGES_PER_MINUTE < 100 and HANDSHAKES_PER_SECOND < 5


def test_sliding_window() -> None:
    w = SlidingWindow(2, 1.0)
    assert w.allows(0.0)
    w.record(0.0)
    w.record(0.3)
    # Closed windows: at exactly 0.0 + 1.0 the event at 0.0 still counts.
    assert not w.allows(1.0) and w.available_at() == math.nextafter(1.0, 2.0) and w.allows(1.0001)
    w.record(1.0001)
    assert w.available_at() == math.nextafter(1.3, 2.0) and w.used(1.1) == 2
    w.record(0.5)  # a clock stepping back is logged at the last time, never out of order
    assert w.available_at() == math.nextafter(1.0001 + 1.0, 3.0)
    with pytest.raises(ValueError):
        SlidingWindow(0, 1.0)


def test_nothing_is_sent_before_a_connection_opens_then_the_set_is_replayed_first() -> None:
    lim = RateLimiter()
    assert lim.offer(ms(1, "KRW-BTC"), 0.0)
    assert lim.poll(0.0) == [] and lim.next_deadline() is None
    lim.on_connection_opened(PUB, epoch=1, now=1.0)
    assert lim.next_deadline() == 1.0
    assert lim.poll(1.0) == [(PUB, ms(1, "KRW-BTC"))]
    assert lim.poll(1.0) == [] and lim.next_deadline() is None


def test_newest_generation_wins_and_stale_is_dropped() -> None:
    lim = RateLimiter()
    lim.on_connection_opened(PUB, 1, 0.0)
    for gen in range(1, 6):
        lim.offer(ms(gen, f"KRW-C{gen}"), 0.0)
        lim.poll(0.0)
    # 4 sent in the first second; gen 5 waits. Newer offers replace it; older are refused.
    assert lim.status(0.0)["public"]["sent"] == 4
    assert lim.offer(ms(7, "KRW-X"), 0.1)
    assert not lim.offer(ms(6, "KRW-Y"), 0.2)
    assert not lim.offer(ms(7, "KRW-X"), 0.2)  # a duplicate delivery changes nothing
    assert lim.next_deadline() == pytest.approx(1.0)
    assert lim.poll(1.0) == []  # closed window: the send at 0.0 still counts at 1.0
    assert lim.poll(lim.next_deadline()) == [(PUB, ms(7, "KRW-X"))]
    status = lim.status(1.1)["public"]
    assert status["stale"] == 1 and status["superseded"] == 1 and status["live_generation"] == 7


def test_per_connection_budget_resets_on_a_new_connection() -> None:
    lim = RateLimiter(messages_per_second=2, messages_per_minute=3)
    lim.on_connection_opened(PUB, 1, 0.0)
    sent = []
    for i, t in enumerate([0.0, 0.1, 1.2, 2.5, 3.0]):
        lim.offer(ms(i + 1, f"KRW-C{i}"), t)
        sent += lim.poll(t)
    assert [m.generation for _, m in sent] == [1, 2, 3]  # the minute budget (3) is spent
    assert lim.next_deadline() == pytest.approx(60.0)
    lim.on_connection_opened(PUB, 1, 3.1)  # the same epoch again (a retried handler): no reset
    assert lim.poll(3.1) == []
    lim.on_connection_lost(PUB, 1)
    assert lim.poll(4.0) == [] and lim.next_deadline() is None
    lim.on_connection_opened(PUB, 2, 5.0)
    assert lim.poll(5.0) == [(PUB, ms(5, "KRW-C4"))]  # replayed at once on the new socket


def test_a_restarted_limiter_takes_the_connections_record_over_its_checkpoint() -> None:
    # The old limiter admitted 4 sets in the second from 10.0 and was killed before its last
    # checkpoint: the restored state knows only 2 of them. The connection tells what went on
    # the wire; the new limiter admits nothing more until that second has passed.
    old = RateLimiter(messages_per_second=4)
    old.on_connection_opened(PUB, 1, 9.0)
    for i, t in enumerate([10.0, 10.1]):
        old.offer(ms(i + 1, f"KRW-C{i}"), t)
        assert old.poll(t)
    checkpoint = old.snapshot()
    new = RateLimiter(messages_per_second=4)
    new.restore(checkpoint, 10.5)
    new.on_connection_opened(PUB, 1, 10.5, sent=(10.0, 10.1, 10.2, 10.3))
    new.offer(ms(9, "KRW-Z"), 10.5)
    assert new.poll(10.5) == [] and new.poll(10.99) == []
    assert new.poll(11.01) == [(PUB, ms(9, "KRW-Z"))]
    assert new.status(11.01)["public"]["used_1s"] == 4  # 10.1, 10.2, 10.3 and 11.01


def test_lost_notice_of_an_old_epoch_is_ignored() -> None:
    lim = RateLimiter()
    lim.on_connection_opened(PUB, 2, 0.0)
    lim.on_connection_lost(PUB, 1)
    lim.offer(ms(1, "KRW-A"), 0.0)
    assert lim.poll(0.0) == [(PUB, ms(1, "KRW-A"))]


def test_endpoints_have_separate_budgets() -> None:
    lim = RateLimiter(messages_per_second=1)
    lim.on_connection_opened(PUB, 1, 0.0)
    lim.on_connection_opened(PRIV, 1, 0.0)
    lim.offer(ms(1, "KRW-A"), 0.0)
    lim.offer(ms(1, "KRW-A", endpoint=PRIV), 0.0)
    assert [e for e, _ in lim.poll(0.0)] == [PUB, PRIV]


def test_empty_and_identical_sets_cost_no_message() -> None:
    lim = RateLimiter(messages_per_second=1)
    lim.on_connection_opened(PUB, 1, 0.0)
    lim.offer(ms(1, "KRW-A"), 0.0)
    assert len(lim.poll(0.0)) == 1
    # Same streams under a newer generation (e.g. a restored registry): nothing to send.
    lim.offer(ms(2, "KRW-A"), 0.1)
    assert lim.poll(0.1) == [] and lim.status(0.1)["public"]["live_generation"] == 2
    # Empty set: handed over at once without a charge (the connection may close the socket).
    lim.offer(ms(3), 0.2)
    assert lim.poll(0.2) == [(PUB, ms(3))]
    lim.offer(ms(4, "KRW-B"), 0.3)
    assert lim.poll(0.3) == [] and lim.next_deadline() == pytest.approx(1.0)


def test_handshake_permits() -> None:
    lim = RateLimiter()
    granted = [lim.request_handshake(PUB if i % 2 else PRIV, 10.0 + i * 0.01) for i in range(6)]
    assert granted == [True] * HANDSHAKES_PER_SECOND + [False] * (6 - HANDSHAKES_PER_SECOND)
    assert lim.handshake_wait(10.5) == pytest.approx(0.5)
    lim.wait_handshake(PUB, attempt=3)
    lim.wait_handshake(PRIV, attempt=1)
    lim.wait_handshake(PUB, attempt=2)  # older attempt: the newer one stays
    assert lim.poll_handshakes(10.5) == []
    assert lim.next_deadline() == pytest.approx(11.0)
    assert lim.poll_handshakes(lim.next_deadline()) == [(PUB, 3)]
    assert lim.poll_handshakes(11.015) == [(PRIV, 1)]
    assert lim.next_deadline() is None and lim.handshake_wait(11.03) == 0.0


def test_grants_at_both_edges_of_a_second_stay_within_upbits_five() -> None:
    # Half-open windows would grant 4 at t and 2 more at exactly t + 1: 6 in a closed second.
    lim = RateLimiter()
    assert all(lim.request_handshake(PUB, 0.0) for _ in range(4))
    lim.wait_handshake(PUB, 1)
    lim.wait_handshake(PRIV, 1)
    assert lim.poll_handshakes(1.0) == []
    assert len(lim.poll_handshakes(lim.next_deadline())) == 2


def test_handshakes_per_minute() -> None:
    lim = RateLimiter(handshakes_per_second=100, handshakes_per_minute=3)
    assert [lim.request_handshake(PUB, t) for t in (0, 1, 2, 3)] == [True, True, True, False]
    assert lim.handshake_wait(3) == pytest.approx(57)


# -- the property: never over Upbit's limits, and the newest set always gets out -------------

op_st = st.tuples(
    st.sampled_from(["offer", "open", "lose", "handshake", "handshake"]),
    st.sampled_from(list(Endpoint)),
    st.booleans(),
)
# Round steps make events land exactly on window edges, where off-by-one bugs live.
dt_st = st.sampled_from([0.0, 0.25, 0.5, 1.0]) | st.floats(min_value=0.0, max_value=3.0)
step_st = st.tuples(dt_st, st.lists(op_st, min_size=1, max_size=4))


def count_max_in_window(times: list[float], period: float, closed: bool) -> int:
    times = sorted(times)
    best, j = 0, 0
    for i, start in enumerate(times):
        while j < len(times) and (times[j] <= start + period if closed else times[j] < start + period):
            j += 1
        best = max(best, j - i)
    return best


@settings(max_examples=120, deadline=None)
@given(st.lists(step_st, min_size=1, max_size=40))
def test_limits_hold_and_the_latest_set_is_always_sent(steps) -> None:
    lim = RateLimiter()
    now = 0.0
    gen = {e: 0 for e in Endpoint}
    epoch = {e: 0 for e in Endpoint}
    open_ = {e: False for e in Endpoint}
    sends: dict[tuple[Endpoint, int], list[float]] = defaultdict(list)
    handshakes: list[float] = []
    last_sent: dict[Endpoint, int] = {}

    def poll(t: float) -> None:
        for endpoint, merged in lim.poll(t):
            assert open_[endpoint]
            assert merged.generation > last_sent.get(endpoint, 0) or merged.empty
            last_sent[endpoint] = merged.generation
            if not merged.empty:
                sends[(endpoint, epoch[endpoint])].append(t)
        handshakes.extend(t for _ in lim.poll_handshakes(t))

    for dt, ops in steps:
        now += dt
        for op, endpoint, flag in ops:
            if op == "offer":
                gen[endpoint] += 1
                codes = ("KRW-A",) if flag else ("KRW-A", f"KRW-G{gen[endpoint]}")
                lim.offer(ms(gen[endpoint], *codes, endpoint=endpoint), now)
            elif op == "open":
                epoch[endpoint] += 1
                open_[endpoint] = True
                last_sent.pop(endpoint, None)
                lim.on_connection_opened(endpoint, epoch[endpoint], now)
            elif op == "lose" and open_[endpoint]:
                open_[endpoint] = False
                lim.on_connection_lost(endpoint, epoch[endpoint])
            elif op == "handshake":
                if lim.request_handshake(endpoint, now):
                    handshakes.append(now)
                else:
                    lim.wait_handshake(endpoint, epoch[endpoint])
            poll(now)
        deadline = lim.next_deadline()
        assert deadline is None or deadline >= now or deadline == pytest.approx(now)

    # Drain: follow next_deadline until nothing is left; it must terminate.
    for _ in range(1000):
        deadline = lim.next_deadline()
        if deadline is None:
            break
        now = max(now, deadline)
        poll(now)
    else:
        pytest.fail("limiter never went idle")

    for times in sends.values():
        assert count_max_in_window(times, 1.0, closed=True) <= 5  # Upbit's rule (SPEC §5)
        assert count_max_in_window(times, 60.0, closed=True) <= 100
        assert count_max_in_window(times, 1.0, closed=False) <= MESSAGES_PER_SECOND  # our headroom
        assert count_max_in_window(times, 60.0, closed=False) <= MESSAGES_PER_MINUTE
    assert count_max_in_window(handshakes, 1.0, closed=True) <= 5
    assert count_max_in_window(handshakes, 1.0, closed=False) <= HANDSHAKES_PER_SECOND
    for endpoint in Endpoint:
        status = lim.status(now)[endpoint.value]
        if open_[endpoint] and gen[endpoint]:
            # The newest offered set is what the connection carries now.
            assert status["live_generation"] == gen[endpoint]
            assert not status["pending"]


def test_a_restored_limiter_keeps_counting_what_its_predecessor_spent() -> None:
    old = RateLimiter()
    old.on_connection_opened(PUB, 7, 0.0)
    for gen in range(1, MESSAGES_PER_SECOND + 1):
        old.offer(ms(gen, f"KRW-C{gen}"), 0.1 * gen)
        assert old.poll(0.1 * gen)
    assert old.request_handshake(PRIV, 0.45)
    state = old.snapshot()

    new = RateLimiter()
    new.restore(state, 0.5)
    # The socket of epoch 7 is known open, its 1 s budget is spent, and the set it carries is
    # unknown: the next set waits for the budget, then goes once.
    new.offer(ms(1, "KRW-C1"), 0.5)
    assert new.poll(0.5) == []
    assert new.next_deadline() == pytest.approx(1.1)
    assert [e for e, _ in new.poll(1.11)] == [PUB]
    # The handshake permit taken before the restart still counts against the shared 1 s budget.
    granted = sum(new.request_handshake(PRIV, 0.6) for _ in range(HANDSHAKES_PER_SECOND))
    assert granted == HANDSHAKES_PER_SECOND - 1
    # Same epoch announced again by the connection: nothing resets.
    new.on_connection_opened(PUB, 7, 1.2)
    new.offer(ms(2, "KRW-C2"), 1.2)
    assert new.status(1.2)["public"]["used_1s"] >= 1


def test_snapshot_of_an_idle_limiter_restores_to_an_idle_limiter() -> None:
    new = RateLimiter()
    new.restore(RateLimiter().snapshot(), 0.0)
    assert new.next_deadline() is None and new.status(0.0)["public"]["epoch"] is None
