"""system.connection.wire: the record of what went on one socket, for a restarted limiter."""

from __future__ import annotations

import pytest

from upbit_actors.system.connection.wire import WIRE_KEPT, WIRE_PER_MINUTE, WireRecord, wire_wait

from .test_state import ms, state


def test_the_record_keeps_the_last_minute_oldest_first() -> None:
    record = WireRecord()
    for t in (0.0, 1.0, 30.0):
        record.on_send(t)
    assert record.times() == (0.0, 1.0, 30.0)
    record.on_send(WIRE_KEPT + 0.5)
    assert record.times() == (1.0, 30.0, WIRE_KEPT + 0.5)


def test_sets_sent_are_recorded_and_a_new_socket_starts_empty() -> None:
    conn = state()
    conn.on_opened(5.0)
    conn.on_request_sent(5.1, ms(1, "KRW-BTC"))
    assert conn.wire.times() == (5.1,)
    conn.on_opened(9.0)
    assert conn.wire.times() == ()


def test_the_socket_takes_four_messages_a_second_a_fifth_of_upbits_kept_for_the_road() -> None:
    assert wire_wait((), 0.0) == 0.0
    three = (0.0, 0.1, 0.2)
    assert wire_wait(three, 0.3) == 0.0
    four = (*three, 0.3)
    assert wire_wait(four, 0.5) == pytest.approx(0.75)  # until the first is 1.25 s old
    assert wire_wait(four, 1.25) == 0.0


def test_the_socket_takes_ninety_messages_a_minute() -> None:
    spread = tuple(i * 0.5 for i in range(WIRE_PER_MINUTE))  # 90 messages over 44.5 s
    assert wire_wait(spread, 50.0) == pytest.approx(11.0)
    record = WireRecord()
    for t in spread:
        record.on_send(t)
    assert record.wait(50.0) == wire_wait(spread, 50.0)
