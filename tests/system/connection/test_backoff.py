"""upbit_actors.system.connection.backoff: reconnect delays and the auth-failure stop (SPEC §5, §7, §10.3)."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from upbit_actors.messages.lifecycle import HubConfig
from upbit_actors.system.connection.backoff import DEFAULT_STABLE_AFTER, AuthFailurePolicy, Backoff


class Top:
    """An rng that always returns the upper bound, to see the caps."""

    def uniform(self, a: float, b: float) -> float:
        return b


class Bottom:
    def uniform(self, a: float, b: float) -> float:
        return a


def test_first_retry_is_immediate_then_capped_exponential() -> None:
    b = Backoff(initial=0.5, maximum=4.0, rng=Top())
    assert [b.next_delay() for _ in range(7)] == [0.0, 0.5, 1.0, 2.0, 4.0, 4.0, 4.0]
    assert b.attempts == 7
    b.reset()
    assert b.next_delay() == 0.0


def test_full_jitter_draws_between_zero_and_the_cap() -> None:
    calls = []

    class Spy:
        def uniform(self, a: float, b: float) -> float:
            calls.append((a, b))
            return (a + b) / 2

    b = Backoff(initial=1.0, maximum=3.0, rng=Spy())
    assert [b.next_delay() for _ in range(4)] == [0.0, 0.5, 1.0, 1.5]
    assert calls == [(0.0, 1.0), (0.0, 2.0), (0.0, 3.0)]


def test_decorrelated_jitter() -> None:
    b = Backoff(initial=1.0, maximum=10.0, rng=Top(), jitter="decorrelated")
    assert [b.next_delay() for _ in range(5)] == [0.0, 1.0, 3.0, 9.0, 10.0]
    b = Backoff(initial=1.0, maximum=10.0, rng=Bottom(), jitter="decorrelated")
    assert [b.next_delay() for _ in range(3)] == [0.0, 1.0, 1.0]


@settings(max_examples=50, deadline=None)
@given(
    st.integers(min_value=0, max_value=2**32),
    st.floats(min_value=0.01, max_value=5),
    st.floats(min_value=1, max_value=100),
    st.sampled_from(["full", "decorrelated"]),
)
def test_delays_stay_within_bounds(seed: int, initial: float, factor: float, jitter: str) -> None:
    b = Backoff(initial=initial, maximum=initial * factor, rng=random.Random(seed), jitter=jitter)
    delays = [b.next_delay() for _ in range(200)]
    assert delays[0] == 0.0
    assert all(0.0 <= d <= initial * factor for d in delays)


def test_same_seed_same_delays() -> None:
    a = Backoff(initial=0.5, maximum=30, rng=random.Random(7))
    b = Backoff(initial=0.5, maximum=30, rng=random.Random(7))
    assert [a.next_delay() for _ in range(10)] == [b.next_delay() for _ in range(10)]


def test_from_config() -> None:
    b = Backoff.from_config(HubConfig(backoff_initial=0.25, backoff_max=8.0), rng=Top())
    assert (b.initial, b.maximum) == (0.25, 8.0)
    assert [b.next_delay() for _ in range(3)] == [0.0, 0.25, 0.5]


def test_a_stable_connection_resets_the_sequence() -> None:
    b = Backoff(initial=1.0, maximum=8.0, rng=Top(), stable_after=10.0)
    assert b.on_closed(0.0) == 0.0
    b.on_opened(1.0)
    assert b.on_closed(2.0) == 1.0  # up 1 s: not stable
    b.on_opened(3.0)
    assert b.on_closed(4.0) == 2.0
    b.on_opened(5.0)
    assert not b.check_stable(14.9)
    assert b.check_stable(15.0)  # up 10 s: stable
    assert not b.check_stable(16.0)  # nothing more to reset
    assert b.on_closed(20.0) == 0.0
    assert DEFAULT_STABLE_AFTER > 0.2  # past the ~150 ms error close (SPEC §6)


@pytest.mark.parametrize(
    "kwargs",
    [dict(initial=0, maximum=1), dict(initial=2, maximum=1), dict(initial=1, maximum=2, jitter="x"),
     dict(initial=1, maximum=2, multiplier=0.5)],
)
def test_bad_parameters(kwargs) -> None:
    with pytest.raises(ValueError):
        Backoff(rng=Top(), **kwargs)


def test_auth_failures_stop_retrying_until_reset() -> None:
    # SPEC §7: wrong keys are not fixed by retrying; each retry is a signed handshake.
    p = AuthFailurePolicy.from_config(HubConfig(max_auth_failures=3))
    assert [p.record_failure() for _ in range(3)] == [True, True, False]
    assert p.blocked and p.failures == 3
    assert not p.record_failure() and p.failures == 4
    p.reset()
    assert not p.blocked and p.failures == 0
    assert p.record_failure()
    p.record_success()
    assert p.failures == 0
    with pytest.raises(ValueError):
        AuthFailurePolicy(max_failures=0)
