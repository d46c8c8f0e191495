"""The whole actor tree on multiprocTCPBase (via ``Hub``) against an in-process simulator.

The tests run in file order and share one hub and one simulator (starting a tree costs seconds):
each step leaves the tree streaming for the next. Every wait polls with a deadline.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from typing import Any

import pytest

from upbit_actors.actors.examples import OrderTracker, TickerBoard
from upbit_actors.actors.tree import Hub
from upbit_actors.messages import Credentials, DataType, HubConfig, MyAsset, Ticker, Trade
from upbit_actors.system.errors import RequestError
from upbit_actors.system.runtime import processes
from upbit_actors.tools.sim import SimConfig, Simulator

from .components import Collector
from .helpers import actor, details, drain, next_event, requested, subscribes, wait_for

pytestmark = pytest.mark.slow

MARKETS = ["KRW-BTC", "KRW-ETH", "KRW-XRP"]


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    config = SimConfig(rate=200, markets=MARKETS, idle_timeout=60.0, access_key="a" * 40,
                       secret_key="s" * 40)
    with Simulator(config) as simulator:
        yield simulator


@pytest.fixture(scope="module")
def hub(sim: Simulator) -> Iterator[Hub]:
    config = HubConfig(public_url=sim.public_url, private_url=sim.private_url, merge_window=0.1,
                       backoff_initial=0.2, backoff_max=2.0)
    hub = Hub(config, credentials=Credentials(access_key=sim.access_key, secret_key=sim.secret_key))
    hub.start()
    try:
        yield hub
    finally:
        hub.stop()


@pytest.fixture(scope="module")
def streams(hub: Hub) -> dict[str, Any]:
    return {}


def test_component_gets_typed_events_with_one_merged_subscribe(hub: Hub, sim: Simulator) -> None:
    hub.spawn(Collector, "collector", ticker=["KRW-BTC"], trade=["KRW-ETH"])
    frames = wait_for(lambda: subscribes(sim), what="a subscribe frame")
    assert len(frames) == 1, frames
    assert requested(frames[0]) == {"ticker": {"KRW-BTC"}, "trade": {"KRW-ETH"}}

    def both_types():
        d = details(hub, "component:collector")
        return d if {"Ticker", "Trade"} <= set(d.get("by_type", {})) else None

    d = wait_for(both_types, timeout=15, what="ticker and trade events at the component")
    assert set(d["codes_seen"]) == {"Ticker:KRW-BTC", "Trade:KRW-ETH"}
    assert len(subscribes(sim)) == 1
    assert sim.stats()["connections_opened"] == 1


def test_streams_deliver_typed_events(hub: Hub, sim: Simulator, streams: dict[str, Any]) -> None:
    streams["ticker"] = hub.stream(DataType.TICKER, ["KRW-BTC"], name="s-ticker")
    streams["trade"] = hub.stream(DataType.TRADE, ["KRW-ETH"], name="s-trade")
    event = next_event(streams["ticker"])
    assert isinstance(event, Ticker) and event.code == "KRW-BTC"
    event = next_event(streams["trade"])
    assert isinstance(event, Trade) and event.code == "KRW-ETH"
    # Same keys as the collector's: the merged set is unchanged, so nothing new on the wire.
    assert len(subscribes(sim)) == 1


def test_invalid_request_is_rejected_before_the_wire(hub: Hub, sim: Simulator) -> None:
    # Issue 12: Hub.stream checks the whole request itself and raises RequestError at the call
    # (it used to open a stream that only ever got a SubscriptionRejected from the registry).
    # What only the registry can judge still arrives as stream.rejections:
    # tests/integration/test_requests.py.
    before = len(subscribes(sim))
    with pytest.raises(RequestError, match="krw-xrp"):
        hub.stream(DataType.TICKER, ["krw-xrp"], name="s-bad")
    # Let a merge window (0.1 s) pass several times over: still nothing new on the wire.
    deadline = time.monotonic() + 0.6
    while time.monotonic() < deadline:
        assert len(subscribes(sim)) == before
        time.sleep(0.05)


def test_closing_a_stream_shrinks_the_merged_set(hub: Hub, sim: Simulator, streams) -> None:
    xrp = hub.stream(DataType.TICKER, ["KRW-XRP"], name="s-xrp")
    frame = wait_for(lambda: [f for f in subscribes(sim) if "KRW-XRP" in requested(f).get("ticker", ())],
                     what="a subscribe frame with KRW-XRP")[-1]
    assert requested(frame) == {"ticker": {"KRW-BTC", "KRW-XRP"}, "trade": {"KRW-ETH"}}
    assert next_event(xrp).code == "KRW-XRP"
    count = len(subscribes(sim))
    xrp.close()
    frame = wait_for(lambda: subscribes(sim)[count:], what="a subscribe frame after the close")[-1]
    assert requested(frame) == {"ticker": {"KRW-BTC"}, "trade": {"KRW-ETH"}}
    hub.status()  # a round trip through the supervisor, after the stream left
    assert not [c for c in hub.crashes if c.role == "component:s-xrp"], "a closed stream is no crash"


def test_drop_all_reconnects_and_replays(hub: Hub, sim: Simulator, streams) -> None:
    opened = sim.stats()["connections_opened"]
    count = len(subscribes(sim))
    sim.drop_all()
    wait_for(lambda: sim.stats()["connections_opened"] > opened, what="a reconnect")
    frame = wait_for(lambda: subscribes(sim)[count:], what="the replayed subscribe")[-1]
    assert requested(frame) == {"ticker": {"KRW-BTC"}, "trade": {"KRW-ETH"}}
    for stream in streams.values():
        drain(stream)
    assert isinstance(next_event(streams["ticker"]), Ticker)
    assert isinstance(next_event(streams["trade"]), Trade)
    alerts = wait_for(lambda: (a := details(hub, "component:collector").get("alerts", []))
                      and "connection_restored" in a and a, what="connection alerts at the component")
    assert alerts.index("connection_lost") < alerts.index("connection_restored")
    wait_for(lambda: any(a.kind == "connection_restored" for a in streams["ticker"].alerts),
             what="connection alerts on the stream")


def test_refused_handshakes_back_off_then_reconnect(hub: Hub, sim: Simulator, streams) -> None:
    refused = sum(sim.stats()["handshakes_refused"].values())
    opened = sim.stats()["connections_opened"]
    sim.refuse_handshakes(1.0, 503)
    sim.drop_all()
    wait_for(lambda: sum(sim.stats()["handshakes_refused"].values()) > refused,
             what="a refused handshake")
    wait_for(lambda: sim.stats()["connections_opened"] > opened, timeout=15, what="a reconnect")
    for stream in streams.values():
        drain(stream)
    assert isinstance(next_event(streams["ticker"]), Ticker)
    assert details(hub, "connection.public")["reconnects"] >= 2


@pytest.mark.parametrize("role", ["registry", "router", "limiter", "connection.public"])
def test_killed_actor_is_restarted_and_data_resumes(hub: Hub, sim: Simulator, streams, role) -> None:
    pid = actor(hub, role).pid
    os.kill(pid, signal.SIGKILL)
    restarted = wait_for(lambda: (s := actor(hub, role)) is not None and s.pid != pid and s,
                         timeout=15, what=f"a restarted {role}")
    assert restarted.pid != pid and restarted.restarts >= 1
    for stream in streams.values():
        drain(stream)
    assert isinstance(next_event(streams["ticker"], timeout=15), Ticker)
    assert isinstance(next_event(streams["trade"], timeout=15), Trade)
    # The registry came back with its subscriptions: the set on the wire is still both streams.
    assert requested(subscribes(sim)[-1]) == {"ticker": {"KRW-BTC"}, "trade": {"KRW-ETH"}}
    before = details(hub, "component:collector").get("events_received", 0)
    wait_for(lambda: details(hub, "component:collector").get("events_received", 0) > before,
             what="the collector's events after the restart")


def test_a_restarted_limiter_paces_an_open_socket(hub: Hub, sim: Simulator) -> None:
    """The limiter restarts while the socket stays open: the connection announces the socket
    to the new limiter and sends nothing it did not admit, so changes at ~8/s around the restart
    still reach the wire within Upbit's limits. (The inherited budget itself is unit-tested:
    a restart here takes long enough for the old second to pass.)"""
    opened = sim.stats()["connections_opened"]
    pid = actor(hub, "limiter").pid

    def churn(rounds: int, prefix: str) -> None:
        for i in range(rounds):  # each change outside the merge window: a request each
            stream = hub.stream(DataType.TICKER, ["KRW-XRP"], name=f"{prefix}-{i}")
            time.sleep(0.12)
            stream.close()
            time.sleep(0.12)

    start = time.time()
    churn(3, "s-before")  # spends the budget of the second before the kill
    os.kill(pid, signal.SIGKILL)
    churn(8, "s-after")
    frame = wait_for(lambda: (f := subscribes(sim)) and f[-1]["time"] > start
                     and requested(f[-1]) == {"ticker": {"KRW-BTC"}, "trade": {"KRW-ETH"}} and f,
                     timeout=15, what="the final set on the wire")
    assert sim.stats()["connections_opened"] == opened, "the socket stayed open"
    sent = sorted(f["time"] for f in frame if f["time"] > start - 1)
    # Upbit's limit on the wire: never 6 requests within 1 s (the limiter admits 4 per second;
    # the fifth slot is the headroom for the hop from admission to the wire).
    assert all(b - a > 1.0 for a, b in zip(sent, sent[5:])), [round(t - start, 3) for t in sent]
    assert len(sent) >= 5, "the burst was not paced but folded away: the test proves nothing"
    assert sim.stats()["violations"] == []


def test_private_stream_authenticates_and_delivers(hub: Hub, sim: Simulator) -> None:
    assets = hub.stream(DataType.MY_ASSET, name="s-assets")
    try:
        frame = wait_for(lambda: [f for f in subscribes(sim) if "myAsset" in requested(f)],
                         what="a myAsset subscribe on the private socket")[-1]
        assert requested(frame) == {"myAsset": set()}
        sim.set_balance(sim.access_key, "KRW", 1_000_000.0)
        event = next_event(assets)
        assert isinstance(event, MyAsset)
        assert details(hub, "jwt")["tokens_issued"] >= 1
    finally:
        assets.close()
    # The last private subscriber left: the private socket closes (no empty request is sent).
    wait_for(lambda: actor(hub, "connection.private").state == "idle", what="the private socket closing")


def test_no_protocol_violations(sim: Simulator) -> None:
    assert sim.stats()["violations"] == []


def test_stop_leaves_no_process(hub: Hub) -> None:
    # Components on both connections: they leave first, while the actors they tell are still
    # there, so Thespian's own shutdown stops every process (nothing needs SIGTERM).
    hub.spawn(OrderTracker, "last-orders")
    hub.spawn(TickerBoard, "last-board")
    wait_for(lambda: actor(hub, "connection.private").state == "open", what="the private socket")
    hub.status()
    handle = hub.handle
    handle.track()
    assert len(handle.pids) >= 9  # admin + logger + supervisor + six children + components
    hub.stop()
    assert hub.stop_report is not None and hub.stop_report.clean, hub.stop_report
    assert not processes.alive(handle.records), hub.stop_report
