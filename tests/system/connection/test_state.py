"""upbit_actors.system.connection.state.ConnectionState: the connection actor's decisions on a fake clock."""

from __future__ import annotations

import pytest

from upbit_actors.messages.auth import AuthFailed
from upbit_actors.messages.common import DataType, Endpoint
from upbit_actors.messages.lifecycle import HubConfig
from upbit_actors.messages.subscription import MergedSubscription, WireStream
from upbit_actors.system.connection.backoff import DEFAULT_STABLE_AFTER as STABLE_AFTER
from upbit_actors.system.connection.liveness import LinkAction
from upbit_actors.system.connection.state import ConnectionState, Lost, Phase, Want

PUB, PRIV = Endpoint.PUBLIC, Endpoint.PRIVATE
CONFIG = HubConfig(max_auth_failures=3, backoff_initial=0.5, backoff_max=4.0, ping_interval=20.0,
                   pong_timeout=10.0, stall_timeout=120.0)
INVALID_AUTH = b'{"error":{"name":"INVALID_AUTH","message":"bad token"}}'
DATA = b'{"type":"myOrder","code":"KRW-BTC"}'


class Top:
    """An rng that always draws the upper bound: delays are the backoff caps."""

    def uniform(self, a: float, b: float) -> float:
        return b


def ms(gen: int, *codes: str, endpoint: Endpoint = PUB, only_snapshot: bool = False) -> MergedSubscription:
    data_type = DataType.MY_ORDER if endpoint is PRIV else DataType.TICKER
    streams = (WireStream(data_type=data_type, codes=codes, only_snapshot=only_snapshot),) if codes else ()
    return MergedSubscription(endpoint=endpoint, generation=gen, streams=streams)


def state(endpoint: Endpoint = PUB, config: HubConfig = CONFIG) -> ConnectionState:
    conn = ConnectionState(epoch=1000, endpoint=endpoint)
    conn.configure(config, Top())
    return conn


def opened(endpoint: Endpoint = PUB, now: float = 0.0) -> ConnectionState:
    """A connection whose socket is open for generation 1."""
    conn = state(endpoint)
    assert conn.want(ms(1, "KRW-BTC", endpoint=endpoint)) is Want.CONNECT
    attempt = conn.begin_handshake()
    assert conn.on_permit(attempt)
    assert conn.token_current(attempt) is (endpoint is PRIV)
    assert conn.start_connect()
    conn.on_opened(now)
    return conn


def test_a_set_before_configure_is_kept_and_connects_then() -> None:
    conn = ConnectionState(epoch=1)
    assert conn.want(ms(2, "KRW-BTC")) is Want.IGNORE
    assert conn.want(ms(1, "KRW-ETH")) is Want.IGNORE  # stale
    assert conn.wanted.generation == 2
    assert conn.configure(CONFIG, Top())


def test_public_connect_and_open() -> None:
    conn = state()
    assert conn.want(ms(1, "KRW-BTC")) is Want.CONNECT
    assert conn.begin_handshake() == 1 and conn.phase is Phase.WAITING_PERMIT
    assert not conn.on_permit(0)  # an old attempt's permit
    assert conn.on_permit(1) and conn.phase is Phase.WAITING_PERMIT  # no token on public
    assert not conn.token_current(1)
    assert conn.start_connect() and conn.phase is Phase.CONNECTING
    assert conn.on_opened(5.0) == 1001
    assert conn.phase is Phase.OPEN and conn.linked
    assert conn.want(ms(2, "KRW-BTC", "KRW-ETH")) is Want.KEEP
    assert conn.want(ms(1, "KRW-XRP")) is Want.IGNORE  # stale


def test_private_waits_for_a_token_or_for_keys() -> None:
    conn = state(PRIV)
    conn.want(ms(1, "KRW-BTC", endpoint=PRIV))
    attempt = conn.begin_handshake()
    assert conn.on_permit(attempt) and conn.phase is Phase.WAITING_TOKEN
    assert not conn.on_no_token(attempt - 1, "old")
    assert conn.on_no_token(attempt, "no keys loaded")
    assert conn.phase is Phase.NO_KEYS and conn.last_error == "no keys loaded"
    # The first KeysState heard: loaded keys end the wait.
    assert conn.on_keys(version=1, loaded=True)
    assert conn.phase is Phase.IDLE


def test_the_set_going_empty_closes_without_retry() -> None:
    conn = opened()
    assert conn.want(ms(2)) is Want.CLOSE and conn.phase is Phase.IDLE
    conn.on_link_closed()
    assert conn.on_closed("no streams wanted", retry=False, had_link=True) == Lost("no streams wanted", None)
    assert conn.on_closed("no streams wanted", retry=False, had_link=False) is None
    assert conn.start_connect() is False  # a permit arriving now opens nothing


def test_a_lost_socket_retries_with_backoff() -> None:
    conn = opened()
    conn.on_link_closed()
    assert conn.on_closed("reset", retry=True, had_link=True) == Lost("reset", 0.0)  # first: at once
    assert conn.phase is Phase.BACKOFF and conn.retry_due() and conn.reconnects == 1
    assert conn.begin_handshake() == 2 and not conn.retry_due()
    assert conn.retry("connect failed") == Lost("connect failed", 0.5)
    assert conn.retry("connect failed") == Lost("connect failed", 1.0)
    assert conn.last_error == "connect failed" and conn.reconnects == 3
    conn.want(ms(2))
    assert conn.retry("connect failed") is None and conn.phase is Phase.IDLE  # nothing wanted


def test_a_stable_socket_resets_the_backoff() -> None:
    conn = opened(now=0.0)
    conn.backoff.attempts = 2  # two failures before this socket opened
    assert conn.keepalive(STABLE_AFTER - 0.1) is None
    assert conn.backoff.attempts == 2  # not past STABLE_AFTER yet
    conn.keepalive(STABLE_AFTER)
    assert conn.backoff.attempts == 0


def test_stall_check_on_public_only() -> None:
    # SPEC §3.5-3.6: private streams are quiet by nature; pings alone keep the link.
    assert state(PUB).liveness.stall_timeout == 120.0
    assert state(PRIV).liveness.stall_timeout is None


def test_only_snapshot_sets_expect_no_data() -> None:
    conn = opened()
    conn.on_request_sent(0.0, ms(1, "KRW-BTC", only_snapshot=True))
    for t in range(20, 400, 20):
        assert conn.keepalive(float(t)) == LinkAction.PING
        conn.liveness.on_ping_sent(float(t))
        conn.on_read(float(t) + 0.2, [], pongs=1)
    conn.on_request_sent(400.0, ms(2, "KRW-BTC"))
    assert conn.keepalive(521.0) == LinkAction.DEAD  # data expected and none for 120 s
    assert conn.requests_sent == 2


@pytest.mark.parametrize("endpoint", [PUB, PRIV])
def test_invalid_auth_frame_is_a_refused_token(endpoint: Endpoint) -> None:
    conn = opened(endpoint)
    assert conn.on_read(1.0, [DATA, INVALID_AUTH], pongs=0)
    assert conn.frames == 2 and conn.last_error == "INVALID_AUTH: bad token"
    conn.on_link_closed()
    event, lost = conn.on_auth_failure("INVALID_AUTH frame")
    assert event == AuthFailed(endpoint=endpoint, reason="INVALID_AUTH frame", failures=1, retrying=True)
    assert lost == Lost("INVALID_AUTH frame", 0.5)  # the floor, not the immediate first retry


def test_auth_failures_stop_after_the_bound_until_reset() -> None:
    conn = opened(PRIV)
    conn.on_link_closed()
    delays = []
    for _ in range(2):
        event, lost = conn.on_auth_failure("HTTP 401 at the upgrade")
        assert event.retrying
        delays.append(lost.retry_in)
        conn.begin_handshake()
    assert delays == [0.5, 1.0]
    event, lost = conn.on_auth_failure("HTTP 401 at the upgrade")
    assert (event.failures, event.retrying) == (3, False)
    assert lost == Lost("HTTP 401 at the upgrade", None) and conn.phase is Phase.AUTH_FAILED
    assert conn.begin_handshake() is None
    assert conn.on_closed("x", retry=True, had_link=False) is None  # no retry while stopped
    assert conn.want(ms(2)) is Want.CLOSE and conn.phase is Phase.AUTH_FAILED  # stays stopped
    assert not conn.reset_auth()  # nothing wanted: no handshake yet
    assert conn.phase is Phase.IDLE and conn.auth.failures == 0
    assert conn.want(ms(3, "KRW-BTC", endpoint=PRIV)) is Want.CONNECT


def test_new_keys_retry_at_once_but_the_same_keys_do_not() -> None:
    conn = opened(PRIV)
    assert not conn.on_keys(version=1, loaded=True)
    conn.on_link_closed()
    for _ in range(3):
        conn.on_auth_failure("INVALID_AUTH frame")
    assert conn.phase is Phase.AUTH_FAILED
    assert not conn.on_keys(version=1, loaded=True)
    assert not conn.on_keys(version=2, loaded=False)  # new but not loaded
    assert conn.on_keys(version=3, loaded=True)
    assert conn.phase is Phase.IDLE and conn.auth.keys_version == 3


def test_reset_auth_is_private_only() -> None:
    conn = opened(PUB)
    conn.auth.refused()
    assert not conn.reset_auth()
    assert conn.auth.failures == 1


def test_token_counts_as_accepted_when_served_or_confirmed() -> None:
    conn = opened(PRIV)
    assert not conn.on_request_sent(0.0, ms(1, "KRW-BTC", endpoint=PRIV))  # no failures: no wait
    conn.auth.refused()
    assert conn.on_request_sent(0.0, ms(1, "KRW-BTC", endpoint=PRIV))
    conn.confirm_auth()
    assert conn.auth.failures == 0
    conn.auth.refused()
    assert not conn.on_read(1.0, [DATA], pongs=0)
    assert conn.auth.failures == 0
    conn.auth.refused()
    conn.on_request_sent(2.0, ms(1, "KRW-BTC", endpoint=PRIV))
    conn.on_link_closed()  # the socket went before the confirmation time
    conn.confirm_auth()
    assert conn.auth.failures == 1


def test_status() -> None:
    conn = opened(now=10.0)
    conn.on_read(12.0, [DATA], pongs=0)
    status = conn.status(12.5)
    assert status["epoch"] == 1001 and status["frames"] == 1 and status["generation"] == 1
    assert status["last_frame_age"] == 0.5
    conn.on_link_closed()
    assert conn.status(13.0)["last_frame_age"] is None
    assert list(status) == ["epoch", "reconnects", "frames", "requests_sent", "generation",
                            "last_frame_age", "auth_failures", "keys_version", "last_error"]


def test_a_link_we_stopped_reading_is_not_judged_dead() -> None:
    # The router fell behind and the connection paused reading (system.connection.outflow):
    # the missing pong waits in the socket; the link is not dead.
    conn = opened()
    conn.liveness.on_ping_sent(1.0)
    late = 1.0 + CONFIG.pong_timeout + 1.0
    assert conn.keepalive(late) is LinkAction.DEAD
    assert conn.keepalive(late, reading=False) is None
