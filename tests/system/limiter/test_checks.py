"""RateLimiter's LIST_SUBSCRIPTIONS checks (issue 13): owed after each set and periodically, paid from
the same per-connection budget as the sets, after them (SPEC §2.1 rule 4, §5); ``resend`` owes the set
again."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from upbit_actors.messages.common import DataType, Endpoint
from upbit_actors.messages.subscription import MergedSubscription, WireStream
from upbit_actors.system.limiter.budget import MESSAGES_PER_MINUTE, MESSAGES_PER_SECOND, RateLimiter

PUB, PRIV = Endpoint.PUBLIC, Endpoint.PRIVATE


def ms(gen: int, *codes: str) -> MergedSubscription:
    return MergedSubscription(endpoint=PUB, generation=gen,
                              streams=(WireStream(data_type=DataType.TICKER, codes=codes),))


def opened(interval: float | None = None) -> RateLimiter:
    lim = RateLimiter(check_interval=interval)
    lim.on_connection_opened(PUB, 1, 0.0)
    return lim


def test_a_check_is_owed_after_each_set_sent_and_waits_for_nothing_else() -> None:
    lim = opened()
    lim.offer(ms(1, "KRW-BTC"), 0.0)
    assert lim.poll(0.0) == [(PUB, ms(1, "KRW-BTC"))]
    assert lim.poll_checks(0.0) == []  # nothing owed until the set is on the wire (RequestSent)
    lim.request_check(PUB, 1, 0.01)
    assert lim.next_deadline() == 0.01
    assert lim.poll_checks(0.01) == [(PUB, 1)]
    assert lim.poll_checks(0.02) == [] and lim.next_deadline() is None  # periodic checks off
    assert lim.status(0.02)["public"]["checks"] == 1 and lim.status(0.02)["public"]["used_1s"] == 2


def test_a_check_for_another_socket_or_a_closed_one_is_not_owed() -> None:
    lim = opened()
    lim.request_check(PUB, 7, 0.0)  # stale epoch
    lim.request_check(PRIV, 1, 0.0)  # no private socket
    assert lim.poll_checks(0.0) == [] and lim.next_deadline() is None
    lim.request_check(PUB, 1, 0.0)
    lim.on_connection_lost(PUB, 1)
    assert lim.poll_checks(0.0) == []
    lim.on_connection_opened(PUB, 2, 0.1)  # a new socket owes nothing until its first set
    assert lim.poll_checks(0.1) == []


def test_sets_go_first_and_checks_share_their_budget() -> None:
    lim = opened()
    for gen in range(1, MESSAGES_PER_SECOND):
        lim.offer(ms(gen, f"KRW-C{gen}"), 0.0)
        assert len(lim.poll(0.0)) == 1
    lim.request_check(PUB, 1, 0.0)
    lim.offer(ms(10, "KRW-X"), 0.0)  # the last message of this second goes to the set
    assert lim.poll(0.0) == [(PUB, ms(10, "KRW-X"))] and lim.poll_checks(0.0) == []
    assert lim.next_deadline() > 1.0  # the check waits for the budget
    lim.offer(ms(11, "KRW-Y"), 0.5)  # a pending set blocks the check even when both wait
    due = lim.next_deadline()
    assert lim.poll_checks(due) == [] and lim.poll(due) == [(PUB, ms(11, "KRW-Y"))]
    later = lim.next_deadline()
    assert lim.poll(later) == [] and lim.poll_checks(later) == [(PUB, 1)]


def test_periodic_checks_follow_the_interval() -> None:
    lim = opened(interval=60.0)
    lim.offer(ms(1, "KRW-BTC"), 0.0)
    lim.poll(0.0)
    lim.request_check(PUB, 1, 0.0)
    assert lim.poll_checks(0.0) == [(PUB, 1)]
    assert lim.next_deadline() == 60.0 and lim.poll_checks(59.9) == []
    assert lim.poll_checks(60.0) == [(PUB, 1)] and lim.next_deadline() == 120.0


def test_resend_owes_the_newest_set_again_once() -> None:
    lim = opened()
    lim.offer(ms(1, "KRW-BTC"), 0.0)
    lim.poll(0.0)
    lim.resend(PUB, 2, 0.1)  # another socket: nothing
    assert lim.poll(0.1) == []
    lim.resend(PUB, 1, 0.1)
    lim.resend(PUB, 1, 0.1)  # twice before it went: still one set
    assert lim.poll(0.1) == [(PUB, ms(1, "KRW-BTC"))] and lim.poll(0.2) == []
    assert lim.status(0.2)["public"]["resends"] == 1 and lim.status(0.2)["public"]["sent"] == 2


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["offer", "sent", "resend", "poll"]),
                          st.floats(0.0, 2.0)), max_size=80))
def test_sets_and_checks_together_never_exceed_the_budget(steps) -> None:
    # SPEC §5: whatever the order of sets, checks and resends, at most 4 messages in any closed
    # 1 s and 90 in 60 s go on one connection.
    lim = opened(interval=0.5)
    now, gen, sent = 0.0, 0, []
    for action, dt in steps:
        now += dt
        if action == "offer":
            gen += 1
            lim.offer(ms(gen, f"KRW-C{gen % 5}"), now)
        elif action == "sent":
            lim.request_check(PUB, 1, now)
        elif action == "resend":
            lim.resend(PUB, 1, now)
        sent += [now] * len(lim.poll(now))
        sent += [now] * len(lim.poll_checks(now))
    for t in sent:
        assert sum(1 for u in sent if t <= u <= t + 1.0) <= MESSAGES_PER_SECOND
        assert sum(1 for u in sent if t <= u <= t + 60.0) <= MESSAGES_PER_MINUTE
