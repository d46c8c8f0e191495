"""The data path under load (issue 11): raw frames through the actors, credit on every hop,
nothing lost without being counted.

A fast component, a ``Hub.stream`` and a slow component hold the same trades while the simulator
sends them at a high rate, then stops. Afterwards, for every consumer: what the router delivered
plus what its overflow policy dropped equals every trade frame the connection read, and the
consumer's own counts agree with the router's. The connection never lost a batch, and nothing
waited in a transmit queue for the router.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from upbit_actors.actors.tree import Hub
from upbit_actors.messages import DataType, HubConfig
from upbit_actors.tools.sim import SimConfig, Simulator

from .components import Collector, SlowTape
from .helpers import details, wait_for

pytestmark = pytest.mark.slow

CODES = ["KRW-BTC", "KRW-ETH", "KRW-XRP", "KRW-SOL"]
BUFFER = 300
"""The per-consumer bound on kept trades (``HubConfig.buffer_limit``), small to make drops."""


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    with Simulator(SimConfig(rate=0.0, markets=CODES, idle_timeout=60.0)) as simulator:
        yield simulator


@pytest.fixture(scope="module")
def hub(sim: Simulator) -> Iterator[Hub]:
    with Hub(HubConfig(public_url=sim.public_url, buffer_limit=BUFFER)) as hub:
        yield hub


def test_every_trade_is_delivered_or_counted(hub: Hub, sim: Simulator) -> None:
    hub.spawn(Collector, "fast", trade=CODES)
    hub.spawn(SlowTape, "slow", trade=CODES, delay=0.002)  # 500 events/s at most
    seen = []
    stream = hub.stream(DataType.TRADE, CODES, name="plain", callback=seen.append)
    wait_for(lambda: set(details(hub, "router").get("components", {})) == {"fast", "slow", "plain"},
             what="three consumers routed")
    sim.set_rate(3000.0)
    wait_for(lambda: details(hub, "router").get("frames", 0) >= 6000, timeout=60,
             what="6,000 trades read")
    sim.set_rate(0.0)

    def settled():
        router = details(hub, "router")
        outboxes = router["components"]
        if any(o["buffered"] or o["in_flight"] for o in outboxes.values()):
            return None
        return router

    router = wait_for(settled, timeout=60, what="every consumer drained")
    frames = router["frames"]
    connection = details(hub, "connection.public")
    assert connection["frames"] == frames and connection["frames_lost"] == 0
    assert connection["frames_waiting"] == 0 and connection["batches_in_flight"] == 0
    assert router["decode_errors"] == 0 and router["unrouted"] == 0
    for name, outbox in router["components"].items():
        # Every frame read is delivered, dropped by the policy, or a snapshot repeat (a consumer
        # subscribing resends the merged set: Upbit answers with snapshots the others have).
        assert outbox["delivered"] + outbox["dropped"] + outbox["snapshots_skipped"] == frames, (name, outbox)
        assert outbox["replaced"] == 0  # trades are never conflated
    slow = router["components"]["slow"]
    assert slow["dropped"] > 0, "the slow consumer never fell behind: the test proves nothing"
    for name in ("fast", "slow"):
        mine = details(hub, f"component:{name}")
        outbox = router["components"][name]
        assert (mine["events_received"], mine["events_dropped"]) == (outbox["delivered"], outbox["dropped"])
        assert mine["undecodable"] == 0
    plain = router["components"]["plain"]
    assert (stream.received, stream.dropped) == (plain["delivered"], plain["dropped"])
    assert len(seen) == stream.received and all(t.code in CODES for t in seen)
    stream.close()


def test_every_trade_once_across_reconnects(hub: Hub, sim: Simulator) -> None:
    # Issue 13: on every new socket Upbit (and the simulator) sends the last trade of each code
    # as a SNAPSHOT; when no trade happened during the gap it is one the consumer already has.
    # A slow market makes that the common case.
    seen = []
    stream = hub.stream(DataType.TRADE, CODES, name="once", callback=seen.append)
    sim.set_rate(6.0)
    try:
        wait_for(lambda: {t.code for t in seen} == set(CODES), timeout=60, what="a trade of every code")
        for _ in range(3):
            reconnects = details(hub, "connection.public")["reconnects"]
            sim.drop_all()
            wait_for(lambda: details(hub, "connection.public")["reconnects"] > reconnects, timeout=30,
                     what="a reconnect")
            count = len(seen)
            wait_for(lambda: len(seen) > count or stream.duplicates, timeout=30, what="trades again")
            if stream.duplicates:
                break
        wait_for(lambda: stream.duplicates >= 1, timeout=30, what="a repeated snapshot trade left out")
    finally:
        sim.set_rate(0.0)
        stream.close()
    ids = [(t.code, t.sequential_id) for t in seen]
    assert len(ids) == len(set(ids))
