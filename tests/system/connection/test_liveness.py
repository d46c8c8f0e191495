"""upbit_actors.system.connection.liveness: pings, pong timeouts and data stalls on a fake clock (SPEC §4, §10.2)."""

from __future__ import annotations

import pytest

from upbit_actors.messages.lifecycle import HubConfig
from upbit_actors.system.connection.liveness import LinkAction, Liveness


def opened(now: float = 0.0, **kw: float | None) -> Liveness:
    live = Liveness(**{"ping_interval": 20.0, "pong_timeout": 10.0, **kw})
    live.reset(now)
    return live


def test_nothing_before_a_socket_opens_or_after_it_closes() -> None:
    live = Liveness(ping_interval=1.0, pong_timeout=1.0)
    assert live.next_action(100.0) is None and live.next_deadline() is None
    live.reset(0.0)
    live.on_closed()
    assert live.next_action(100.0) is None and live.next_deadline() is None


def test_ping_every_interval() -> None:
    # SPEC §4: Upbit never pings and drops a socket idle ~60 s; we ping under that.
    live = opened()
    assert live.next_deadline() == 20.0
    assert live.next_action(19.9) is None
    assert live.next_action(20.0) == LinkAction.PING == "ping"
    live.on_ping_sent(20.0)
    live.on_pong(20.2)
    assert live.next_action(30.0) is None
    assert live.next_deadline() == 40.0


def test_busy_stream_still_pings() -> None:
    # The idle close counts traffic both ways; received data alone may not keep it open.
    live = opened()
    for t in range(1, 21):
        live.on_data(float(t))
    assert live.next_action(20.0) == "ping"


def test_quiet_stream_answering_pings_is_alive() -> None:
    # SPEC §3.5-3.6: myOrder/myAsset are silent until the account changes.
    live = opened()
    for k in range(1, 30):
        t = 20.0 * k
        assert live.next_action(t) == "ping"
        live.on_ping_sent(t)
        live.on_pong(t + 0.17)  # ~165 ms pong (SPEC §4)
        assert live.next_action(t + 15.0) is None


def test_no_frame_within_pong_timeout_after_a_ping_is_dead() -> None:
    live = opened()
    live.on_ping_sent(20.0)
    assert live.next_deadline() == 30.0
    assert live.next_action(29.99) is None
    assert live.next_action(30.0) == LinkAction.DEAD == "dead"


def test_any_frame_answers_the_ping() -> None:
    live = opened()
    live.on_ping_sent(20.0)
    live.on_frame(25.0)  # e.g. {"status":"UP"}
    assert live.next_action(31.0) is None


def test_a_second_ping_does_not_extend_the_first_timeout() -> None:
    live = opened(ping_interval=5.0, pong_timeout=8.0)
    live.on_ping_sent(5.0)
    assert live.next_action(10.0) == "ping"
    live.on_ping_sent(10.0)
    assert live.next_action(13.0) == "dead"


def test_data_stall_only_when_enabled_and_expected() -> None:
    live = opened(stall_timeout=30.0)
    assert live.next_action(1000.0) == "ping"  # nothing expected yet: no stall
    live.reset(1000.0)
    live.expect_data(1000.0, True)
    live.on_data(1010.0)
    live.on_ping_sent(1020.0)
    live.on_pong(1020.1)  # pongs do not count as data
    live.on_ping_sent(1040.0)
    live.on_pong(1040.1)
    assert live.next_deadline() == 1040.0  # the stall, before the next ping at 1060
    assert live.next_action(1040.0) == "dead"  # 30 s since the last data frame
    live.expect_data(1040.0, False)  # e.g. only_snapshot-only set
    assert live.next_action(1041.0) is None
    live.expect_data(1050.0, True)
    live.expect_data(1060.0, True)  # repeated: the clock keeps its start
    assert live.next_action(1060.0) == "ping"
    live.on_ping_sent(1060.0)
    live.on_pong(1060.1)
    assert live.next_action(1079.9) is None and live.next_action(1080.0) == "dead"


def test_stall_off_by_default_even_with_data_expected() -> None:
    live = Liveness.from_config(HubConfig(ping_interval=20.0, pong_timeout=10.0))
    live.reset(0.0)
    live.expect_data(0.0, True)
    for k in range(1, 20):
        live.on_ping_sent(20.0 * k)
        live.on_pong(20.0 * k + 0.1)
    assert live.next_action(390.0) is None


def test_reset_clears_an_unanswered_ping() -> None:
    live = opened()
    live.on_ping_sent(20.0)
    live.reset(100.0)
    assert live.next_action(110.0) is None and live.next_deadline() == 120.0
    assert live.status(110.0) == {"open": True, "since_frame": 10.0, "ping_unanswered": False}


@pytest.mark.parametrize("kw", [dict(ping_interval=0), dict(pong_timeout=-1), dict(stall_timeout=0)])
def test_bad_parameters(kw) -> None:
    with pytest.raises(ValueError):
        Liveness(**{"ping_interval": 1.0, "pong_timeout": 1.0, **kw})
