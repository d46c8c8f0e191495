"""Faults at the tree's edges (issue 12): two actors dying together, a connection actor killed.

Real processes, SIGKILL by exact pid (taken from the tree's own status), the bundled simulator.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator

import psutil
import pytest

from upbit_actors.actors.tree import Hub
from upbit_actors.messages import DataType, HubConfig, Ticker
from upbit_actors.system.runtime import processes
from upbit_actors.tools.sim import SimConfig, Simulator

from .helpers import actor, drain, next_event, wait_for

pytestmark = pytest.mark.slow

CODES = ["KRW-BTC", "KRW-ETH"]


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    with Simulator(SimConfig(rate=200.0, markets=CODES, idle_timeout=60.0)) as simulator:
        yield simulator


@pytest.fixture
def hub(sim: Simulator) -> Iterator[Hub]:
    config = HubConfig(public_url=sim.public_url, backoff_initial=0.2, backoff_max=2.0)
    with Hub(config) as hub:
        yield hub


@pytest.mark.parametrize("roles", [("registry", "connection.public"), ("router", "limiter"),
                                   ("registry", "router")], ids="+".join)
def test_two_actors_killed_together_are_both_restarted(hub: Hub, roles: tuple[str, str]) -> None:
    ticks = hub.stream(DataType.TICKER, CODES, name="ticks")
    next_event(ticks, timeout=30)
    pids = {role: actor(hub, role).pid for role in roles}
    for pid in pids.values():
        os.kill(pid, signal.SIGKILL)

    def both_back():
        now = {role: actor(hub, role) for role in roles}
        return all(s is not None and s.pid != pids[r] for r, s in now.items()) and now

    back = wait_for(both_back, timeout=30, what=f"both {' and '.join(roles)} restarted")
    assert all(s.restarts >= 1 for s in back.values())
    drain(ticks)
    assert isinstance(next_event(ticks, timeout=30), Ticker), "the stream stayed silent"
    assert hub.failure is None


def test_a_killed_connection_actor_is_told_to_consumers(hub: Hub) -> None:
    ticks = hub.stream(DataType.TICKER, CODES, name="ticks")
    next_event(ticks, timeout=30)
    os.kill(actor(hub, "connection.public").pid, signal.SIGKILL)
    kinds = lambda: [a.kind for a in ticks.alerts]  # noqa: E731
    wait_for(lambda: "connection_lost" in kinds() and "connection_restored" in kinds()
             and kinds().index("connection_lost") < kinds().index("connection_restored"),
             timeout=30, what="connection_lost, then connection_restored")
    lost = next(a for a in ticks.alerts if a.kind == "connection_lost")
    assert "restarted" in lost.detail


def test_a_dead_supervisor_fails_loudly_and_leaves_no_process(sim: Simulator) -> None:
    failures: list[str] = []
    with Hub(HubConfig(public_url=sim.public_url), on_failure=failures.append) as hub:
        ticks = hub.stream(DataType.TICKER, CODES, name="ticks")
        next_event(ticks, timeout=30)
        handle = hub.handle
        handle.track()
        os.kill(actor(hub, "supervisor").pid, signal.SIGKILL)
        wait_for(lambda: hub.failure is not None, timeout=15, what="the hub noticing")
        assert "supervisor died" in hub.failure and failures == [hub.failure]
        ended = threading.Event()
        threading.Thread(target=lambda: (list(ticks), ended.set()), daemon=True).start()
        assert ended.wait(10), "iterating the stream did not end"
        wait_for(lambda: not processes.alive(handle.records), timeout=30,
                 what="every process of the tree gone")
    assert hub.stop_report is not None


def test_a_dead_admin_fails_loudly_and_leaves_no_process(sim: Simulator) -> None:
    with Hub(HubConfig(public_url=sim.public_url)) as hub:
        ticks = hub.stream(DataType.TICKER, CODES, name="ticks")
        next_event(ticks, timeout=30)
        handle = hub.handle
        handle.track()
        admin = psutil.Process(actor(hub, "supervisor").pid).ppid()  # not the logger on the port
        os.kill(admin, signal.SIGKILL)
        wait_for(lambda: hub.failure is not None, timeout=15, what="the hub noticing")
        assert "admin died" in hub.failure
        wait_for(lambda: not processes.alive(handle.records), timeout=30,
                 what="every process of the tree gone")
