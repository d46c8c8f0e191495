"""Recovery under repeated faults (issue 12), measured against the simulator with default settings.

The issue's three findings and the figures asked for, each with a real ``Hub`` (default
``HubConfig``: only the URL is set) and its own simulator:

- the connection dropped every 2 s: ``>= 80 %`` of the events the simulator generated for our
  codes are delivered (was 10 %);
- every handshake refused for 20 s: the first successful handshake ``<= 22 s`` after the window
  began (was a 27.5 s outage with no attempt inside it);
- data stalled for 40 s (pings still answered): a new connection ``<= 15 s`` after the stall
  began (was never: ``stall_timeout`` 120 s).

The measure of delivery: the simulator makes only trades (``trade_share=1.0``) of our codes
only (``markets``), so every market event it stepped in the window is a trade one stream asked
for; its counter (``stats()["market"]["events"]``) is read at both ends of the window, and the
trades the stream received with a ``timestamp`` inside the window are counted once each (a
reconnect's snapshot repeats the last trade). The rules behind the figures are unit-tested on a
fake clock in ``tests/system/connection/test_recovery_rules.py``. Faults are paced by the
clock (a drop every 2 s is the scenario); every wait for an outcome polls with a deadline.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from upbit_actors.actors.tree import Hub
from upbit_actors.messages import DataType, HubConfig, Trade
from upbit_actors.tools.sim import SimConfig, Simulator

from .helpers import connections, next_event, rate_violations, wait_for

pytestmark = pytest.mark.slow

CODES = ["KRW-BTC", "KRW-ETH", "KRW-XRP"]


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator(SimConfig(rate=200.0, markets=CODES, trade_share=1.0, idle_timeout=60.0)) as simulator:
        yield simulator


@pytest.fixture
def hub(sim: Simulator) -> Iterator[Hub]:
    with Hub(HubConfig(public_url=sim.public_url)) as hub:  # every other setting at its default
        yield hub


def accepted_since(sim: Simulator, since: float) -> list[dict[str, Any]]:
    """The simulator's successful public handshakes at or after wall time ``since``."""
    return [h for h in sim.stats()["handshakes"] if h["status"] == 101 and h["time"] >= since]


def test_drops_every_2_s_still_deliver_80_percent(hub: Hub, sim: Simulator,
                                                  record_property: pytest.RecordProperty) -> None:
    trades: dict[tuple[str, int], int] = {}
    stream = hub.stream(DataType.TRADE, CODES, name="tape",
                        callback=lambda t: trades.setdefault((t.code, t.sequential_id), t.timestamp))
    wait_for(lambda: trades, timeout=30, what="the first trade")
    start_ms, start_events = time.time() * 1000, sim.stats()["market"]["events"]
    next_drop = time.monotonic() + 2.0
    for _ in range(10):  # ~20 s
        time.sleep(max(0.0, next_drop - time.monotonic()))  # the fault's schedule, not a wait
        sim.drop_all()
        next_drop += 2.0
    time.sleep(max(0.0, next_drop - time.monotonic()))  # the last link's 2 s
    end_ms, end_events = time.time() * 1000, sim.stats()["market"]["events"]
    # Everything made in the window has arrived once a trade made after it has (one socket, in order).
    wait_for(lambda: max(trades.values()) > end_ms + 200, timeout=30, what="trades made after the window")
    stream.close()
    generated = end_events - start_events
    delivered = sum(1 for ts in list(trades.values()) if start_ms <= ts <= end_ms)
    share = delivered / generated
    record_property("delivered_share", round(share, 3))
    print(f"\ndrops every 2 s: {delivered} of {generated} trades delivered ({share:.1%}); "
          f"{len(connections(sim.stats(), 'public'))} public connections")
    assert generated > 500, "the market was too slow to measure"
    assert share >= 0.80
    assert rate_violations(sim.stats()) == []


def test_a_20_s_refusal_window_ends_in_a_handshake_within_22_s(hub: Hub, sim: Simulator,
                                                               record_property: pytest.RecordProperty) -> None:
    with hub.stream(DataType.TRADE, CODES, name="tape") as stream:
        next_event(stream, timeout=30)
        began = time.time()
        sim.refuse_handshakes(20.0, status=429)
        sim.drop_all()
        (first, *_) = wait_for(lambda: accepted_since(sim, began), timeout=40, what="a handshake accepted")
        outage = first["time"] - began
        refused = [h["time"] - began for h in sim.stats()["handshakes"] if h["status"] == 429]
        record_property("outage_s", round(outage, 2))
        print(f"\n20 s refusal: first accepted handshake after {outage:.2f} s; {len(refused)} refused "
              f"attempts, the last at {max(refused):.2f} s")
        assert 20.0 <= outage <= 22.0
        assert max(refused) >= 18.0, "no attempt late in the window"
        assert isinstance(next_event(stream, timeout=30), Trade)
    assert rate_violations(sim.stats()) == []


def test_a_data_stall_is_noticed_within_15_s(hub: Hub, sim: Simulator,
                                             record_property: pytest.RecordProperty) -> None:
    with hub.stream(DataType.TRADE, CODES, name="tape") as stream:
        next_event(stream, timeout=30)
        began = time.time()
        sim.stall_data(40.0)  # pongs are still answered: only the stall check can notice it
        (first, *_) = wait_for(lambda: accepted_since(sim, began), timeout=30, what="a reconnect")
        after = first["time"] - began
        record_property("stall_noticed_s", round(after, 2))
        print(f"\n40 s data stall: reconnected after {after:.2f} s")
        assert after <= 15.0
