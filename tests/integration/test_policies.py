"""Each consumer chooses what happens when it falls behind (issue 16), on the real tree.

Slow consumers beside a fast one, the simulator sending trades at a high rate: the fast one gets
every trade; each slow one's losses follow its policy, and what it was told (``on_losses``), what
it counted and what the router counted agree exactly with what the connection read. A slow
``block`` consumer of myOrder loses nothing, and its owner hears that it is behind.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from upbit_actors.actors.tree import Hub
from upbit_actors.messages import Credentials, DataType, HubConfig
from upbit_actors.tools.sim import SimConfig, Simulator

from .components import PolicyTape
from .helpers import details, wait_for

pytestmark = pytest.mark.slow

CODES = ["KRW-BTC", "KRW-ETH", "KRW-XRP"]
ACCESS, SECRET = "p" * 40, "q" * 40
SLOW = 0.002
"""Seconds per event of a slow consumer: 500 events/s at most, far below the rate sent."""


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    with Simulator(SimConfig(rate=0.0, markets=CODES, idle_timeout=60.0, access_key=ACCESS,
                             secret_key=SECRET)) as simulator:
        yield simulator


@pytest.fixture(scope="module")
def hub(sim: Simulator) -> Iterator[Hub]:
    config = HubConfig(public_url=sim.public_url, private_url=sim.private_url, buffer_limit=100_000)
    with Hub(config, credentials=Credentials(access_key=ACCESS, secret_key=SECRET)) as hub:
        yield hub


def settled(hub: Hub) -> dict | None:
    router = details(hub, "router")
    boxes = router.get("components", {})
    if not boxes or any(b["buffered"] or b["in_flight"] for b in boxes.values()):
        return None
    return router


def test_slow_consumers_lose_by_their_policy_and_the_fast_one_nothing(hub: Hub, sim: Simulator) -> None:
    trade = {"type": DataType.TRADE, "codes": CODES}
    hub.spawn(PolicyTape, "fast", **trade)
    hub.spawn(PolicyTape, "oldest", delay=SLOW, delivery={"policy": "drop_oldest", "limit": 50}, **trade)
    hub.spawn(PolicyTape, "newest", delay=SLOW, delivery={"policy": "drop_newest", "limit": 50}, **trade)
    hub.spawn(PolicyTape, "paced", delay=SLOW, delivery={"policy": "throttle", "rate": 5.0}, **trade)
    names = {"fast", "oldest", "newest", "paced"}
    wait_for(lambda: set(details(hub, "router").get("components", {})) == names, what="four consumers")
    sim.set_rate(2000.0)
    wait_for(lambda: details(hub, "router").get("frames", 0) >= 5000, timeout=60, what="5,000 trades")
    sim.set_rate(0.0)
    router = wait_for(lambda: settled(hub), timeout=90, what="every consumer drained")
    frames = router["frames"]
    boxes = router["components"]
    connection = details(hub, "connection.public")
    assert connection["frames"] == frames and connection["reconnects"] == 0  # keep-alive unharmed
    fast = boxes["fast"]
    # Snapshot repeats (each spawn resends the merged set) are counted apart: not losses.
    assert (fast["delivered"] + fast["snapshots_skipped"], fast["dropped"], fast["replaced"]) == (frames, 0, 0)
    for name, reason in (("oldest", "drop_oldest"), ("newest", "drop_newest"), ("paced", "throttled")):
        box = boxes[name]
        lost = box["losses"].get(f"trade/{reason}", 0)
        assert lost > 0, f"{name} never fell behind: the test proves nothing"
        assert box["delivered"] + lost + box["snapshots_skipped"] == frames, (name, box)
        assert sum(box["losses"].values()) == lost, (name, box)
        mine = details(hub, f"component:{name}")
        assert mine["events_received"] == box["delivered"]
        assert mine["told"] == {f"trade/{reason}": lost}  # every loss reported, exactly once
        assert mine["events_dropped"] == lost
    # throttle: at most one event per code per 0.2 s entered while the rate was on
    paced = details(hub, "component:paced")["per_code"]
    assert all(n <= 5.0 * 60 + 2 for n in paced.values()) and sum(paced.values()) < frames


def test_block_never_loses_a_my_order_event_and_tells_the_owner(hub: Hub, sim: Simulator) -> None:
    hub.spawn(PolicyTape, "orders", type=DataType.MY_ORDER, delay=0.05,
              delivery={"policy": "block", "limit": 5})
    wait_for(lambda: any(a.role == "connection.private" and a.state == "open" for a in hub.status().actors),
             timeout=30, what="the private socket")
    orders = [sim.place_order(ACCESS, "KRW-BTC", "bid", "limit", 100_000_000.0 + i, 0.01) for i in range(40)]
    for uuid in orders:
        sim.cancel_order(uuid)
    expected = 80  # each order: one wait event, one cancel event
    wait_for(lambda: details(hub, "component:orders").get("events_received", 0) >= expected, timeout=60,
             what="every myOrder event")
    box = details(hub, "router")["components"]["orders"]
    assert box["dropped"] == 0 and box["losses"] == {}
    assert details(hub, "component:orders")["events_received"] == expected
    wait_for(lambda: [a for a in hub.alerts if a.kind == "consumer_behind" and "orders" in a.detail],
             what="the owner told that 'orders' is behind")
