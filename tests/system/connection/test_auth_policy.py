"""upbit_actors.system.connection.backoff.AuthFailurePolicy: the bound on auth failures and the least delay between
retries of a refused token (issue 5, SPEC §7)."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from upbit_actors.messages.lifecycle import HubConfig
from upbit_actors.system.connection.backoff import AuthFailurePolicy, Backoff


def test_floor_doubles_per_failure_and_is_capped() -> None:
    p = AuthFailurePolicy(max_failures=10, initial=0.5, maximum=3.0)
    assert p.retry_floor() == 0.0
    floors = []
    for _ in range(5):
        p.record_failure()
        floors.append(p.retry_floor())
    assert floors == [0.5, 1.0, 2.0, 3.0, 3.0]
    p.record_success()
    assert p.retry_floor() == 0.0


def test_from_config_takes_the_backoff_bounds() -> None:
    p = AuthFailurePolicy.from_config(HubConfig(max_auth_failures=4, backoff_initial=0.2, backoff_max=5.0))
    assert (p.max_failures, p.initial, p.maximum) == (4, 0.2, 5.0)


def test_bad_floor_parameters() -> None:
    with pytest.raises(ValueError):
        AuthFailurePolicy(initial=2.0, maximum=1.0)
    with pytest.raises(ValueError):
        AuthFailurePolicy(initial=-1.0)


@given(seed=st.integers(0, 2**32), max_failures=st.integers(1, 8))
def test_retries_are_bounded_and_never_immediate(seed: int, max_failures: int) -> None:
    # What the connection does: the larger of the jittered backoff and the floor, until blocked.
    config = HubConfig(max_auth_failures=max_failures, backoff_initial=0.2, backoff_max=2.0)
    backoff = Backoff.from_config(config, random.Random(seed))
    policy = AuthFailurePolicy.from_config(config)
    delays = []
    while policy.record_failure():
        delays.append(max(backoff.next_delay(), policy.retry_floor()))
    assert len(delays) == max_failures - 1  # attempts = 1 + retries = max_failures
    assert all(d >= 0.2 for d in delays)
    assert all(d <= 2.0 for d in delays)
    assert policy.blocked
    policy.reset()
    assert not policy.blocked and policy.retry_floor() == 0.0
