"""The whole tree listens on loopback only, and the connection actors talk to loopback only.

Issue 4, Tests: "loopback-only sockets" (THESPIAN.md, Security: Thespian binds every socket to all
interfaces and unpickles whatever arrives). ``tests/runtime/test_loopback.py`` checks a bare
system; this checks the real tree with both Upbit connections open and components running: every
process of the system (the admin's session, ``system.runtime.processes``) and the starting
process, every LISTEN socket they hold.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import psutil
import pytest

from upbit_actors.actors.tree import Hub
from upbit_actors.messages import Credentials, DataType, HubConfig, MyAsset, Ticker
from upbit_actors.tools.sim import SimConfig, Simulator

from .components import Collector
from .helpers import next_event, wait_for

pytestmark = pytest.mark.slow

LOOPBACK = "127.0.0.1"


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    config = SimConfig(rate=100, markets=["KRW-BTC", "KRW-ETH"], idle_timeout=60.0,
                       access_key="a" * 40, secret_key="s" * 40)
    with Simulator(config) as simulator:
        yield simulator


@pytest.fixture(scope="module")
def hub(sim: Simulator) -> Iterator[Hub]:
    config = HubConfig(public_url=sim.public_url, private_url=sim.private_url)
    credentials = Credentials(access_key=sim.access_key, secret_key=sim.secret_key)
    with Hub(config, credentials=credentials) as hub:
        hub.spawn(Collector, "collector", ticker=["KRW-BTC"], trade=["KRW-ETH"])
        ticker = hub.stream(DataType.TICKER, ["KRW-ETH"], name="s-ticker")
        assets = hub.stream(DataType.MY_ASSET, name="s-assets")
        # Both sockets open and carrying data before anything is inspected.
        assert isinstance(next_event(ticker, timeout=15), Ticker)
        wait_for(lambda: sim.stats()["connections_open"] == 2, timeout=15, what="both Upbit sockets")
        sim.set_balance(sim.access_key, "KRW", 1_000_000.0)
        assert isinstance(next_event(assets, timeout=15), MyAsset)
        yield hub


def inet(pid: int) -> list:
    try:
        return psutil.Process(pid).net_connections(kind="inet")
    except psutil.NoSuchProcess:
        return []


def system_pids(hub: Hub) -> dict[str, int]:
    """Role -> pid of every actor in the status, once all of them are in the tracked session."""
    roles = {a.role: a.pid for a in hub.status().actors}
    wait_for(lambda: set(roles.values()) <= hub.handle.track(), timeout=10, what="every actor's process")
    return roles


def test_every_listening_socket_of_the_tree_is_on_loopback(hub: Hub) -> None:
    roles = system_pids(hub)
    assert {"registry", "limiter", "router", "jwt", "connection.public", "connection.private",
            "component:collector"} <= set(roles)
    pids = hub.handle.pids | {os.getpid()}
    listening = {pid: [c.laddr for c in inet(pid) if c.status == psutil.CONN_LISTEN] for pid in pids}
    # Not vacuous: the admin port and a socket of every actor are among them.
    ports = {addr.port for addrs in listening.values() for addr in addrs}
    assert hub.admin_port in ports, listening
    assert all(listening[pid] for pid in roles.values()), {r: listening[p] for r, p in roles.items()}
    exposed = {pid: [a for a in addrs if a.ip != LOOPBACK] for pid, addrs in listening.items()}
    assert not any(exposed.values()), exposed


def test_connection_actors_talk_to_loopback_only(hub: Hub, sim: Simulator) -> None:
    roles = system_pids(hub)
    for role in ("connection.public", "connection.private"):
        established = [c for c in inet(roles[role]) if c.status == psutil.CONN_ESTABLISHED]
        assert any(c.raddr.port == sim.port for c in established), (role, established)
        assert {c.raddr.ip for c in established} == {LOOPBACK}, (role, established)
        assert {c.laddr.ip for c in established} == {LOOPBACK}, (role, established)
