"""The burst pacer, on a fake clock: the rate it holds is checked as a ratio, never against wall time."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from upbit_actors.tools.sim.pacer import MIN_DELAY, Pacer

LONGEST = 0.02


def run(rate: float, seconds: float, burst: int, seed: int, slow: float = 0.0) -> tuple[Pacer, float, list[int]]:
    """Drive a pacer like the server loop: burst, then sleep what it asks plus a jittery wake-up.

    ``slow`` is the producer's cost in seconds per frame (0 = infinitely fast). Returns the pacer,
    the frames produced and each burst's size.
    """
    rng = random.Random(seed)
    pacer = Pacer(rate, now=0.0)
    now, produced, bursts = 0.0, 0.0, []
    while now < seconds:
        budget = pacer.take(now, burst)
        made = 0
        while made < budget:
            made += rng.randint(1, 12)  # an event's cost: trade + ticker + book + candles
        pacer.spend(made)
        produced += made
        bursts.append(made)
        now += made * slow
        delay = pacer.delay(now, burst, LONGEST)
        now += delay + rng.uniform(0.0, 0.003) if delay else 1e-5  # a late timer; a loop pass
    return pacer, produced, bursts


@settings(max_examples=40, deadline=None)
@given(rate=st.floats(50.0, 200_000.0), seed=st.integers(0, 1000))
def test_bursts_deliver_the_configured_rate(rate: float, seed: int) -> None:
    seconds = 5.0
    pacer, produced, bursts = run(rate, seconds, 256, seed)
    # What was asked over the run, within what one burst and one late wake-up can leave owed.
    asked = rate * seconds
    assert 1 - (256 + 12 + rate * (LONGEST + 0.003)) / asked <= produced / asked <= 1 + 12 / asked + 0.001
    assert pacer.forgiven == 0.0
    assert max(bursts) < 256 + 12  # one event may overshoot the budget


def test_high_rates_come_in_many_small_bursts() -> None:
    _, produced, bursts = run(80_000.0, 5.0, 256, seed=1)
    assert len(bursts) >= produced / (256 + 12)
    _, _, slow_bursts = run(200.0, 5.0, 256, seed=1)
    assert max(slow_bursts) <= 200.0 * (LONGEST + 0.003) + 12  # low rates tick every ``LONGEST``


def test_delay_is_zero_when_a_burst_is_owed_and_bounded_otherwise() -> None:
    pacer = Pacer(100_000.0, now=0.0)
    assert pacer.delay(0.1, 256, LONGEST) == 0.0  # 10,000 owed
    pacer.spend(10_000)
    assert pacer.delay(0.1, 256, LONGEST) == 256 / 100_000.0
    assert Pacer(1e9, now=0.0).delay(0.0, 256, LONGEST) == MIN_DELAY
    assert Pacer(10.0, now=0.0).delay(0.0, 256, LONGEST) == LONGEST
    assert Pacer(0.0, now=0.0).delay(5.0, 256, LONGEST) == LONGEST
    assert Pacer(0.0, now=0.0).take(5.0, 256) == 0


def test_a_producer_slower_than_the_rate_is_forgiven_not_flooded() -> None:
    # Each frame costs 20 us: at most 50,000 frames/s, asked 80,000.
    pacer, produced, bursts = run(80_000.0, 10.0, 256, seed=2, slow=20e-6)
    ratio = produced / (80_000.0 * 10.0)
    assert 0.6 < ratio < 0.63  # what the producer can make: 1 / (20 us x 80,000/s) = 0.625
    assert pacer.forgiven > 0 and max(bursts) < 256 + 12
    # Owed never exceeds max_burst seconds' worth however long it fell behind.
    assert pacer.owed(10.0) <= 80_000.0 * pacer.max_burst


def test_set_rate_starts_afresh() -> None:
    pacer = Pacer(1000.0, now=0.0)
    pacer.spend(10)
    pacer.set_rate(500.0, now=10.0)
    assert pacer.owed(10.0) == 0.0 and pacer.forgiven == 0.0
    assert pacer.take(10.2, 10_000) == 100
