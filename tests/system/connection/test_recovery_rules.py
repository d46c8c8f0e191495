"""Recovery under repeated faults (issue 12), decided by the pure classes on a fake clock.

The three findings, each replayed against ``ConnectionState`` the way the connection actor drives
it (``system/connection/state.py``; the actor's reasons are copied from ``actors/connection.py``):

- a link dropped every 2 s got 10 % of the events: the backoff never reset (a link had to stay
  up 10 s, the state's own rule 30 s) and grew to ``backoff_max``;
- a 20 s refusal window became a 27.5 s outage with no attempt inside it;
- a 40 s data stall went unnoticed (``stall_timeout`` 120 s).

The figures the integration tests measure against the simulator are in
``tests/integration/test_recovery.py``.
"""

from __future__ import annotations

import itertools
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from upbit_actors.messages.common import DataType, Endpoint
from upbit_actors.messages.lifecycle import HubConfig
from upbit_actors.messages.subscription import MergedSubscription, WireStream
from upbit_actors.system.connection.backoff import (
    DEFAULT_PRODUCTIVE_AFTER,
    REFUSED_CAP,
    REFUSED_FAST_ATTEMPTS,
    Backoff,
)
from upbit_actors.system.connection.liveness import STALL_CLEAR_AFTER, LinkAction
from upbit_actors.system.connection.state import ConnectionState, Lost
from upbit_actors.system.limiter.budget import HANDSHAKES_PER_MINUTE, HANDSHAKES_PER_SECOND

DATA = b'{"type":"ticker","code":"KRW-BTC"}'
HANDSHAKE = 0.05
"""Seconds from a permit to an open socket (the simulator on 127.0.0.1: a few ms)."""


class Top:
    """Draws the upper bound: the longest delays the rules allow."""

    def uniform(self, a: float, b: float) -> float:
        return b


class Bottom:
    def uniform(self, a: float, b: float) -> float:
        return a


def merged(only_snapshot: bool = False, endpoint: Endpoint = Endpoint.PUBLIC) -> MergedSubscription:
    data_type = DataType.MY_ASSET if endpoint is Endpoint.PRIVATE else DataType.TICKER
    codes = () if endpoint is Endpoint.PRIVATE else ("KRW-BTC",)
    return MergedSubscription(endpoint=endpoint, generation=1,
                              streams=(WireStream(data_type=data_type, codes=codes, only_snapshot=only_snapshot),))


def connection(rng=None, config: HubConfig | None = None, endpoint: Endpoint = Endpoint.PUBLIC,
               only_snapshot: bool = False) -> ConnectionState:
    conn = ConnectionState(epoch=1, endpoint=endpoint)
    conn.configure(config or HubConfig(), rng or Top())
    conn.want(merged(only_snapshot, endpoint))
    return conn


def attempt(conn: ConnectionState) -> None:
    """The limiter granted a handshake (and jwt a token): the socket is about to open."""
    n = conn.begin_handshake()
    assert conn.on_permit(n)
    assert conn.start_connect()


def open_and_stream(conn: ConnectionState, t: float, until: float, every: float = 0.1) -> float:
    """Open at ``t``, send the set, read data every ``every`` s until ``until``; returns ``until``."""
    attempt(conn)
    conn.on_opened(t)
    conn.on_request_sent(t, conn.wanted)
    now = t + 0.2  # first frames: the simulator's snapshot bursts (SPEC §2.1)
    while now < until:
        conn.on_read(now, [DATA], pongs=0)
        now += every
    return until


def lose(conn: ConnectionState, reason: str = "closed by server (1006)") -> Lost:
    conn.on_link_closed()
    lost = conn.on_closed(reason, retry=True, had_link=True)
    assert lost is not None and lost.retry_in is not None
    return lost


# -- drops every 2 s -----------------------------------------------------------------------------
@pytest.mark.parametrize("rng", [Top(), Bottom(), random.Random(3)], ids=["top", "bottom", "random"])
def test_a_link_dropped_every_2_s_is_redialled_at_once_every_time(rng) -> None:
    conn = connection(rng)
    t, up = 0.0, 0.0
    delays = []
    for _ in range(30):  # a minute of drops
        opened = t + HANDSHAKE
        t = open_and_stream(conn, opened, until=t + 2.0)
        up += t - opened - 0.2  # data flows from the first snapshot on
        delays.append(lose(conn).retry_in)
        t += delays[-1]
    assert delays == [0.0] * 30
    assert up / t >= 0.85  # the model's share of time with data flowing


def test_the_backoff_grows_while_links_die_before_proving_themselves() -> None:
    conn = connection(Top())
    delays = []
    for k in range(6):
        attempt(conn)
        conn.on_opened(10.0 * k)
        conn.on_read(10.0 * k + DEFAULT_PRODUCTIVE_AFTER / 2, [DATA], pongs=0)  # too early to count
        delays.append(lose(conn).retry_in)
    assert delays == [0.0, 0.5, 1.0, 2.0, 4.0, 8.0]  # HubConfig: backoff_initial 0.5, full jitter caps


def test_error_frames_alone_prove_nothing() -> None:
    conn = connection(Top())
    for k in range(3):
        attempt(conn)
        conn.on_opened(10.0 * k)
        conn.on_read(10.0 * k + 5.0, [b'{"error":{"name":"INVALID_PARAM","message":"x"}}'], pongs=0)
        lose(conn)
    assert conn.backoff.attempts == 3


# -- a refusal window ----------------------------------------------------------------------------
def refusal_window(conn: ConnectionState, window: float, status: int = 429, start: float = 0.0) -> list[float]:
    """Drop a streaming link at ``start``; every handshake before ``start + window`` is refused
    with ``status``. Returns the attempt times, the last one the first that succeeded."""
    open_and_stream(conn, start - 5.0, until=start)
    t = start + lose(conn).retry_in
    times = [t]
    while t < start + window:
        attempt(conn)
        lost = conn.retry(f"handshake refused: HTTP {status}")
        t += HANDSHAKE + lost.retry_in
        times.append(t)
    return times


def max_in(times: list[float], period: float) -> int:
    return max(sum(1 for u in times if t - period < u <= t) for t in times)


@settings(max_examples=200, deadline=None)
@given(seed=st.integers(0, 2**32), window=st.floats(1.0, 38.0), status=st.sampled_from([429, 503]),
       jitter=st.sampled_from(["full", "decorrelated"]))
def test_the_first_attempt_after_a_refusal_window_comes_within_the_cap(seed, window, status, jitter) -> None:
    conn = connection(random.Random(seed))
    conn.backoff.jitter = jitter
    times = refusal_window(conn, window, status)
    assert times[-1] - window <= HANDSHAKE + REFUSED_CAP + 1e-9  # the outage: window + at most ~1.3 s
    assert max_in(times, 60.0) <= HANDSHAKES_PER_MINUTE  # and never a storm
    assert max_in(times, 1.0) <= HANDSHAKES_PER_SECOND


@pytest.mark.parametrize("rng", [Top(), Bottom()], ids=["top", "bottom"])
def test_the_issue_figure_a_20_s_refusal_is_over_within_22_s(rng) -> None:
    times = refusal_window(connection(rng), 20.0)
    assert 20.0 <= times[-1] <= 22.0
    assert len(times) >= 10  # attempts all through the window (the old rules made 6, none after 12 s)


def test_a_long_outage_slows_down_to_backoff_max() -> None:
    conn = connection(Top())
    times = refusal_window(conn, 600.0)
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert max(gaps[:REFUSED_FAST_ATTEMPTS - 1]) <= HANDSHAKE + REFUSED_CAP + 1e-9
    assert max(gaps) == pytest.approx(HANDSHAKE + HubConfig().backoff_max)
    assert len(times) < REFUSED_FAST_ATTEMPTS + 600 / HubConfig().backoff_max  # then one per backoff_max


def test_upbits_block_gets_the_full_backoff() -> None:
    # HTTP 418: the block lengthens with every repeat (SPEC §5): no fast retries into it.
    times = refusal_window(connection(Top()), 60.0, status=418)
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert max(gaps) > 2 * REFUSED_CAP and len(times) < 15


def test_an_auth_failure_keeps_its_floor() -> None:
    conn = connection(Bottom(), HubConfig(backoff_initial=4.0, backoff_max=30.0), endpoint=Endpoint.PRIVATE)
    n = conn.begin_handshake()
    conn.on_permit(n)
    conn.start_connect()
    event, lost = conn.on_auth_failure("HTTP 401 at the upgrade")
    assert event.retrying and lost.retry_in >= 4.0  # the auth floor, not the refusal cap


def test_backoff_refused_draws() -> None:
    b = Backoff(initial=0.5, maximum=30.0, rng=Top())
    assert [b.next_delay(refused=True) for _ in range(6)] == [0.0, 0.5, 1.0, REFUSED_CAP, REFUSED_CAP, REFUSED_CAP]
    b = Backoff(initial=0.5, maximum=30.0, rng=Bottom())
    assert [b.next_delay(refused=True) for _ in range(5)] == [0.0, 0.0, 0.0, REFUSED_CAP * 2 / 3, REFUSED_CAP * 2 / 3]
    b = Backoff(initial=0.5, maximum=1.0, rng=Top())  # a cap under refused_cap wins
    assert max(b.next_delay(refused=True) for _ in range(10)) == 1.0


def test_backoff_resets_on_data_only_once_the_link_is_productive() -> None:
    b = Backoff(initial=1.0, maximum=8.0, rng=Top())
    b.next_delay()
    b.next_delay()
    b.on_opened(10.0)
    assert not b.on_data(10.0 + DEFAULT_PRODUCTIVE_AFTER - 0.01) and b.attempts == 2
    assert b.on_data(10.0 + DEFAULT_PRODUCTIVE_AFTER) and b.attempts == 0
    assert not b.on_data(12.0)  # nothing more to reset
    assert b.on_closed() == 0.0


# -- a data stall --------------------------------------------------------------------------------
def stall_detected_after(conn: ConnectionState, stall_start: float, horizon: float = 400.0) -> float | None:
    """Seconds from ``stall_start`` (no data from then on, pings answered) to the DEAD verdict,
    checked on the actor's 1 s keep-alive tick; None when the link is never judged dead."""
    now = float(int(stall_start)) + 1.0
    while now < stall_start + horizon:
        action = conn.keepalive(now)
        if action is LinkAction.DEAD:
            return now - stall_start
        if action is LinkAction.PING:
            conn.liveness.on_ping_sent(now)
            conn.on_read(now + 0.2, [], pongs=1)  # the server answers pings (stall_data)
        now += 1.0
    return None


def test_a_stalled_public_stream_is_noticed_within_15_s_by_default() -> None:
    conn = connection()
    open_and_stream(conn, 0.0, until=30.0)
    after = stall_detected_after(conn, 30.0)
    assert after is not None and after <= 15.0 - 1.0  # a tick to spare for the actor


@pytest.mark.parametrize(("endpoint", "only_snapshot"), [(Endpoint.PUBLIC, True), (Endpoint.PRIVATE, False)])
def test_an_only_snapshot_or_private_set_is_never_a_stall(endpoint: Endpoint, only_snapshot: bool) -> None:
    conn = connection(endpoint=endpoint, only_snapshot=only_snapshot)
    open_and_stream(conn, 0.0, until=1.0)
    assert stall_detected_after(conn, 1.0, horizon=600.0) is None


def test_stalls_in_a_row_wait_longer_and_a_streaming_link_clears_them() -> None:
    conn = connection()
    t = open_and_stream(conn, 0.0, until=5.0)
    timeouts = []
    for _ in range(5):  # a quiet market: each new socket gets its snapshot, then nothing
        after = stall_detected_after(conn, t)
        timeouts.append(after)
        lose(conn, "link judged dead")
        t = open_and_stream(conn, t + after, until=t + after + 0.5)
    base = HubConfig().stall_timeout
    for after, factor in zip(timeouts, (1, 2, 4, 8, 8), strict=True):
        assert base * factor <= after <= base * factor + 1.0  # + the 1 s tick
    open_and_stream(conn, t, until=t + STALL_CLEAR_AFTER + 1.0)  # a link that streams again
    assert stall_detected_after(conn, t + STALL_CLEAR_AFTER + 1.0) <= base + 1.0
