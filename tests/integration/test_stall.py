"""Reconnect and replay after the simulator stalls; quiet and private sets are left alone.

Issue 4, Tests: "reconnect and replay after the simulator ... stalls". ``HubConfig.stall_timeout``
(public connection only) calls a link that delivers no data frame for that long while streaming
types are subscribed stalled; ``pong_timeout`` calls a link dead when a ping goes unanswered
(``system.connection.liveness``). Short timings here (stall 1.5 s, ping 0.5 s, pong 1 s) keep the module fast.

- ``stall_data``: data stops but pings are answered -> stall detection reconnects, the set is
  replayed on the new socket, data resumes at the component.
- ``stall_all``: nothing is answered -> dead-link detection, reconnect, replay, data resumes.
- An only_snapshot public set expects no data: several stall periods pass without a reconnect,
  and a ``stall_all`` is still noticed (pongs are missing), so the pong check alone works.
- A private-only set (myAsset, silent while the balance does not change) is never judged
  stalled: one private socket over several stall periods.

The module shares one hub and one simulator; the tests run in file order.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from upbit_actors.actors.tree import Hub
from upbit_actors.messages import Credentials, DataType, HubConfig, MyAsset, Ticker, Trade
from upbit_actors.tools.sim import SimConfig, Simulator

from .helpers import (
    connections,
    details,
    drain,
    holds_for,
    next_event,
    rate_violations,
    requested,
    subscribes,
    wait_for,
)

pytestmark = pytest.mark.slow

MARKETS = ["KRW-BTC", "KRW-ETH"]
STALL_TIMEOUT = 1.5
QUIET_PERIOD = 3 * STALL_TIMEOUT + 1.0
"""How long a quiet set is watched for an unwanted reconnect: several stall periods."""


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    config = SimConfig(rate=200, markets=MARKETS, idle_timeout=60.0, access_key="a" * 40,
                       secret_key="s" * 40)
    with Simulator(config) as simulator:
        yield simulator


@pytest.fixture(scope="module")
def hub(sim: Simulator) -> Iterator[Hub]:
    config = HubConfig(public_url=sim.public_url, private_url=sim.private_url, merge_window=0.1,
                       ping_interval=0.5, pong_timeout=1.0, stall_timeout=STALL_TIMEOUT,
                       backoff_initial=0.2, backoff_max=1.0)
    credentials = Credentials(access_key=sim.access_key, secret_key=sim.secret_key)
    with Hub(config, credentials=credentials) as hub:
        yield hub


@pytest.fixture(scope="module")
def streams(hub: Hub) -> dict[str, Any]:
    return {"ticker": hub.stream(DataType.TICKER, ["KRW-BTC"], name="s-ticker"),
            "trade": hub.stream(DataType.TRADE, ["KRW-BTC", "KRW-ETH"], name="s-trade")}


STREAMING = {"ticker": {"KRW-BTC"}, "trade": {"KRW-BTC", "KRW-ETH"}}


def public_reconnects(hub: Hub) -> int:
    return details(hub, "connection.public").get("reconnects", 0)


def replayed_on_a_new_socket(sim: Simulator, after_id: int) -> dict[str, Any] | None:
    """The first subscribe frame on a public connection newer than ``after_id``."""
    stats = sim.stats()
    newer = {c["id"] for c in connections(stats, "public") if c["id"] > after_id}
    frames = [f for f in subscribes(sim, stats) if f["conn"] in newer]
    return frames[0] if frames else None


def data_resumes(streams: dict[str, Any]) -> None:
    for stream in streams.values():
        drain(stream)
    assert isinstance(next_event(streams["ticker"], timeout=15), Ticker)
    assert isinstance(next_event(streams["trade"], timeout=15), Trade)


def test_streams_flow(hub: Hub, sim: Simulator, streams) -> None:
    data_resumes(streams)
    assert requested(subscribes(sim)[-1]) == STREAMING
    assert public_reconnects(hub) == 0


def test_stalled_data_reconnects_and_replays(hub: Hub, sim: Simulator, streams) -> None:
    before = public_reconnects(hub)
    last_id = connections(sim.stats(), "public")[-1]["id"]
    sim.stall_data(2 * STALL_TIMEOUT + 1.0)  # pings are still answered: only stall detection sees it
    wait_for(lambda: public_reconnects(hub) > before, timeout=15, what="a reconnect after the stall")
    frame = wait_for(lambda: replayed_on_a_new_socket(sim, last_id), timeout=15,
                     what="the set replayed on a new socket")
    assert requested(frame) == STREAMING
    data_resumes(streams)


def test_silent_link_is_dead_and_reconnected(hub: Hub, sim: Simulator, streams) -> None:
    before = public_reconnects(hub)
    last_id = connections(sim.stats(), "public")[-1]["id"]
    sim.stall_all(2 * STALL_TIMEOUT)  # no pong, no data, requests held back until it ends
    wait_for(lambda: public_reconnects(hub) > before, timeout=15, what="a reconnect after stall_all")
    frame = wait_for(lambda: replayed_on_a_new_socket(sim, last_id), timeout=15,
                     what="the set replayed on a new socket")
    assert requested(frame) == STREAMING
    data_resumes(streams)


def test_only_snapshot_set_is_not_judged_stalled(hub: Hub, sim: Simulator, streams) -> None:
    quiet = hub.stream(DataType.TICKER, ["KRW-ETH"], name="s-quiet", only_snapshot=True)
    streams.pop("ticker").close()
    streams.pop("trade").close()
    streams["quiet"] = quiet
    wait_for(lambda: requested(subscribes(sim)[-1]) == {"ticker": {"KRW-ETH"}},
             what="the only_snapshot set on the wire")
    assert isinstance(next_event(quiet), Ticker)  # its snapshot
    before, opened = public_reconnects(hub), len(connections(sim.stats(), "public"))
    holds_for(lambda: public_reconnects(hub) == before
              and len(connections(sim.stats(), "public")) == opened,
              QUIET_PERIOD, what="one public socket for a set that expects no data")


def test_unanswered_pings_alone_detect_a_dead_link(hub: Hub, sim: Simulator, streams) -> None:
    # The only_snapshot set expects no data, so the stall check is off: only pong_timeout can
    # notice that nothing answers.
    before = public_reconnects(hub)
    last_id = connections(sim.stats(), "public")[-1]["id"]
    sim.stall_all(2 * STALL_TIMEOUT)
    wait_for(lambda: public_reconnects(hub) > before, timeout=15, what="a reconnect on missing pongs")
    frame = wait_for(lambda: replayed_on_a_new_socket(sim, last_id), timeout=15,
                     what="the set replayed on a new socket")
    assert requested(frame) == {"ticker": {"KRW-ETH"}}


def test_private_only_set_is_never_judged_stalled(hub: Hub, sim: Simulator, streams) -> None:
    streams.pop("quiet").close()
    wait_for(lambda: sim.stats()["connections_open"] == 0, timeout=15, what="the public socket closing")
    assets = hub.stream(DataType.MY_ASSET, name="s-assets")
    try:
        wait_for(lambda: [f for f in subscribes(sim) if "myAsset" in requested(f)], timeout=15,
                 what="a myAsset subscribe on the private socket")
        assert len(connections(sim.stats(), "private")) == 1
        # No balance changes: the private stream is silent for several stall periods.
        holds_for(lambda: len(connections(sim.stats(), "private")) == 1
                  and details(hub, "connection.private").get("reconnects", 0) == 0,
                  QUIET_PERIOD, what="one private socket")
        assert sim.stats()["connections_open"] == 1  # and it is still open
        sim.set_balance(sim.access_key, "KRW", 1_000_000.0)
        assert isinstance(next_event(assets, timeout=15), MyAsset)
    finally:
        assets.close()


def test_no_rate_violations(sim: Simulator) -> None:
    assert rate_violations(sim.stats()) == []
