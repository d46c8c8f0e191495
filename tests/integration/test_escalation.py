"""Restart intensity: a child that keeps dying makes the supervisor give up, and the hub hears it."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from upbit_actors.actors.tree import Hub
from upbit_actors.messages import DataType, HubConfig
from upbit_actors.system.runtime import processes
from upbit_actors.system.supervisor.ledger import DEFAULT_INTENSITY
from upbit_actors.tools.sim import SimConfig, Simulator

pytestmark = pytest.mark.slow


def _pid_of(hub: Hub, role: str) -> int | None:
    try:
        return next((a.pid for a in hub.status(timeout=2).actors if a.role == role), None)
    except Exception:
        return None


def test_exceeding_the_restart_intensity_escalates_and_ends_the_streams() -> None:
    failures: list[str] = []
    with Simulator(SimConfig(rate=100, markets=["KRW-BTC"])) as sim:
        hub = Hub(HubConfig(public_url=sim.public_url, private_url=sim.private_url),
                  on_failure=failures.append)
        with hub:
            ticks = hub.stream(DataType.TICKER, ["KRW-BTC"], name="s-ticks")
            assert ticks.get(timeout=15).code == "KRW-BTC"
            consumed = threading.Event()

            def consume() -> None:  # a bot's loop over the stream: it must end, not hang
                for _ in ticks:
                    pass
                consumed.set()

            threading.Thread(target=consume, daemon=True).start()
            killed = 0
            deadline = time.monotonic() + 60
            while hub.failure is None and time.monotonic() < deadline:
                pid = _pid_of(hub, "router")
                if pid is None:
                    time.sleep(0.1)
                    continue
                os.kill(pid, signal.SIGKILL)
                killed += 1
                while _pid_of(hub, "router") == pid and hub.failure is None:
                    time.sleep(0.05)
            assert hub.failure is not None and "router" in hub.failure, hub.crashes
            assert killed == DEFAULT_INTENSITY + 1
            assert failures == [hub.failure]
            assert consumed.wait(5), "iterating the stream did not end after the escalation"
            handle = hub.handle
        assert not processes.alive(handle.records), hub.stop_report


def test_a_restartable_component_that_dies_on_start_ends_in_an_escalation() -> None:
    # Issue 10: it counts toward the restart intensity like every other child (before: forever).
    from .components import CrashOnStart

    failures: list[str] = []
    with Simulator(SimConfig(rate=10, markets=["KRW-BTC"])) as sim:
        with Hub(HubConfig(public_url=sim.public_url), on_failure=failures.append) as hub:
            hub.spawn(CrashOnStart, "doomed", restart=True)
            deadline = time.monotonic() + 60
            while hub.failure is None and time.monotonic() < deadline:
                time.sleep(0.1)
            assert hub.failure is not None and "component:doomed" in hub.failure
            restarts = [c for c in hub.crashes if c.role == "component:doomed"]
            assert len(restarts) == DEFAULT_INTENSITY and all(c.restarted for c in restarts)
            assert failures == [hub.failure]
