"""The rest actor's queue: one permit out at a time, used at once; bounded; asked again."""

from __future__ import annotations

from upbit_actors.messages.rest import RestGet
from upbit_actors.system.rest.calls import PERMIT_RETRY, CallQueue


def test_one_permit_request_for_the_first_call_then_the_next() -> None:
    queue = CallQueue()
    assert queue.ask(0.0) is None
    assert queue.push("a", RestGet(ticket="m", path="/v1/market/all"))
    assert queue.push("b", RestGet(ticket="t", path="/v1/trades/ticks", params=[("market", "KRW-BTC")]))
    first = queue.ask(0.0)
    assert (first.group, first.ticket) == ("market", 1)
    assert queue.ask(1.0) is None  # still waiting for that permit
    assert queue.granted(7) is None  # a stale permit
    asker, call = queue.granted(1)
    assert (asker, call.ticket) == ("a", "m")
    assert queue.granted(1) is None  # the same permit twice: one call
    second = queue.ask(1.0)
    assert (second.group, second.ticket) == ("trade", 2)


def test_an_unanswered_request_goes_again_and_the_queue_is_bounded() -> None:
    queue = CallQueue(limit=1)
    assert queue.push("a", RestGet(ticket="1", path="/v1/market/all"))
    assert not queue.push("a", RestGet(ticket="2", path="/v1/market/all")) and queue.refused == 1
    assert queue.ask(0.0) is not None
    assert queue.next_deadline() == PERMIT_RETRY
    assert queue.ask(PERMIT_RETRY - 0.1) is None
    assert queue.ask(PERMIT_RETRY).ticket == 1  # asked again, the same ticket
    queue.reask()
    assert queue.ask(PERMIT_RETRY + 0.1).ticket == 1
