"""system.router.outbox: a consumer's buffer under its overflow policies (issue 16), flow control.

Every event pushed is delivered, still waiting, or counted as a loss of its type and reason,
reported once with its codes in the consumer's next batch."""

from __future__ import annotations

import pytest
from attrs import frozen
from hypothesis import given, settings
from hypothesis import strategies as st

from upbit_actors.messages.common import DataType
from upbit_actors.messages.subscription import Delivery, Policy
from upbit_actors.system.router.outbox import ComponentBuffer, Outbox
from upbit_actors.system.router.policy import default_delivery
from upbit_actors.system.wire.requests import delivery_reason

T = DataType


@frozen
class Ev:
    data_type: DataType
    code: str
    n: int = 0
    candle_date_time_utc: str | None = None


def push(buf: ComponentBuffer, ev: Ev, now: float = 0.0) -> None:
    buf.push(ev, (ev.data_type, ev.code, None), now, wall=100.0 + now)


def test_defaults_per_type() -> None:
    assert default_delivery(T.TICKER, 50).policy is Policy.LATEST
    assert default_delivery(T.CANDLE_1M, 50) == Delivery(policy=Policy.LATEST, limit=50)
    assert default_delivery(T.TRADE, 50) == Delivery(policy=Policy.DROP_OLDEST, limit=50)
    assert default_delivery(T.MY_ORDER, 50).policy is Policy.BLOCK


@pytest.mark.parametrize("delivery, ok", [
    (Delivery(policy="drop_oldest", limit=0), False), (Delivery(policy="throttle"), False),
    (Delivery(policy="throttle", rate=5), True), (Delivery(policy="latest", rate=5), False),
    (Delivery(policy="block", limit=10), True), (None, True),
])
def test_delivery_reason(delivery: Delivery | None, ok: bool) -> None:
    assert (delivery_reason(delivery) is None) is ok


def test_drop_oldest_and_drop_newest_keep_their_bound_and_report_losses_once() -> None:
    buf = ComponentBuffer(100, {T.TRADE: Delivery(policy="drop_oldest", limit=3),
                                T.TICKER: Delivery(policy="drop_newest", limit=2)})
    for i in range(5):
        push(buf, Ev(T.TRADE, f"KRW-{i % 2}", i))
        push(buf, Ev(T.TICKER, "KRW-A", i))
    events, dropped, losses = buf.take(100)
    assert [(e.data_type, e.n) for e in events] == [(T.TICKER, 0), (T.TICKER, 1), (T.TRADE, 2),
                                                    (T.TRADE, 3), (T.TRADE, 4)]
    assert dropped == 5
    got = {(loss.data_type, loss.reason): (loss.count, set(loss.codes), loss.since) for loss in losses}
    assert got == {(T.TRADE, "drop_oldest"): (2, {"KRW-0", "KRW-1"}, 100.0),
                   (T.TICKER, "drop_newest"): (3, {"KRW-A"}, 100.0)}
    assert buf.take(100) == ((), 0, ())  # reported once


def test_latest_conflates_per_code_and_candles_per_period() -> None:
    buf = ComponentBuffer(2)
    push(buf, Ev(T.TICKER, "A", 1))
    push(buf, Ev(T.TICKER, "B", 2))
    push(buf, Ev(T.TICKER, "A", 3))  # replaces 1, moves to the end
    for start, n in (("t0", 1), ("t0", 2), ("t1", 3), ("t2", 4)):  # bound 2 periods: t0 overflows
        push(buf, Ev(T.CANDLE_1M, "A", n, start))
    events, dropped, losses = buf.take(100)
    assert [(e.data_type.value, e.n) for e in events] == [("ticker", 2), ("ticker", 3), ("candle.1m", 3),
                                                          ("candle.1m", 4)]
    assert {(x.data_type, x.reason): x.count for x in losses} == {
        (T.TICKER, "replaced"): 1, (T.CANDLE_1M, "replaced"): 1, (T.CANDLE_1M, "overflow"): 1}
    assert (buf.replaced, buf.dropped) == (2, 1)


def test_throttle_lets_one_per_interval_per_code_and_the_newest_waits() -> None:
    buf = ComponentBuffer(100, {T.TICKER: Delivery(policy="throttle", rate=2.0)})  # 0.5 s
    push(buf, Ev(T.TICKER, "A", 1), now=0.0)
    push(buf, Ev(T.TICKER, "A", 2), now=0.1)
    push(buf, Ev(T.TICKER, "A", 3), now=0.2)  # replaces 2 in the waiting slot
    push(buf, Ev(T.TICKER, "B", 4), now=0.2)  # another code: its own pace
    events, _, losses = buf.take(100)
    assert [e.n for e in events] == [1, 4]
    assert [(x.reason, x.count, x.codes) for x in losses] == [("throttled", 1, ("A",))]
    assert buf.next_due() == pytest.approx(0.5)
    buf.release_due(0.4)
    assert len(buf) == 0
    buf.release_due(0.5)
    assert [e.n for e in buf.take(100)[0]] == [3]


def test_block_never_drops_and_tells_once_when_behind() -> None:
    buf = ComponentBuffer(3)  # myOrder: block, limit 3
    for i in range(6):
        push(buf, Ev(T.MY_ORDER, "A", i))
    assert buf.behind == [T.MY_ORDER] and buf.totals == {}
    events, dropped, _ = buf.take(100)
    assert [e.n for e in events] == list(range(6)) and dropped == 0


def test_outbox_one_batch_in_flight_and_ack_timeout() -> None:
    box = Outbox(ComponentBuffer(10), credit=1)
    push(box.buffer, Ev(T.TRADE, "A"))
    assert box.free(0.0, 5.0)
    box.take(1, 0.0, 10)
    push(box.buffer, Ev(T.TRADE, "A"))
    assert not box.free(1.0, 5.0) and box.ack_deadline(5.0) == 5.0
    assert box.free(5.0, 5.0) and box.ack_timeouts == 1
    assert not box.done(1)  # the timed-out ack comes late: stale


def test_a_batch_that_cannot_be_delivered_is_counted_lost_and_reported() -> None:
    box = Outbox(ComponentBuffer(10), credit=2)
    for n in range(3):
        push(box.buffer, Ev(T.TRADE, "A", n))
    box.take(1, 0.0, 10)
    assert box.delivered == 3 and box.in_flight == 1
    assert box.done(1, delivered=False, wall=7.0)
    assert box.delivered == 0 and box.in_flight == 0
    assert box.buffer.totals == {(T.TRADE, "undelivered"): 3} and box.buffer.dropped == 3
    push(box.buffer, Ev(T.TRADE, "A", 9))
    events, dropped, losses = box.take(2, 1.0, 10)
    assert dropped == 3 and [(x.reason, x.count, x.codes) for x in losses] == [("undelivered", 3, ("A",))]
    assert not box.done(1, delivered=False)  # reported once: a repeat changes nothing


POLICIES = [None, Delivery(policy="drop_oldest", limit=3), Delivery(policy="drop_newest", limit=2),
            Delivery(policy="throttle", rate=10.0), Delivery(policy="block", limit=2),
            Delivery(policy="latest")]


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(POLICIES), st.integers(1, 6),
       st.lists(st.tuples(st.sampled_from(["trade", "candle", "take", "tick"]), st.integers(0, 3)),
                max_size=80))
def test_every_event_is_delivered_waiting_or_counted(policy, limit, ops) -> None:
    buf = ComponentBuffer(limit, {T.TRADE: policy} if policy else {})
    now, pushed, delivered, reported = 0.0, 0, 0, 0
    for op, k in ops:
        if op == "tick":
            now += 0.05 * (k + 1)
            buf.release_due(now)
        elif op == "take":
            events, dropped, losses = buf.take(k + 1)
            delivered += len(events)
            reported += dropped
            assert dropped == sum(x.count for x in losses)
        else:
            pushed += 1
            ev = Ev(T.TRADE, f"C{k}", pushed) if op == "trade" else Ev(T.CANDLE_1M, "C", pushed, f"p{k}")
            push(buf, ev, now)
        kept = sum(1 for e in buf._items.values() if e.data_type is T.TRADE)
        if policy is not None and policy.policy in (Policy.DROP_OLDEST, Policy.DROP_NEWEST):
            assert kept <= policy.limit
    buf.release_due(float("inf"))
    events, dropped, _ = buf.take(10_000)
    delivered += len(events)
    reported += dropped
    assert buf.waiting() == 0
    lost = sum(buf.totals.values())
    assert pushed == delivered + lost == delivered + reported  # nothing silent
