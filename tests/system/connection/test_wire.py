"""system.connection.wire: the record of what went on one socket, for a restarted limiter."""

from __future__ import annotations

from upbit_actors.system.connection.wire import WIRE_KEPT, WireRecord

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
