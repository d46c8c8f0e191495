"""The whole actor tree on multiprocTCPBase (via ``Hub``) against an in-process simulator.

The tests run in file order and share one hub and one simulator (starting a tree costs seconds):
each step leaves the tree streaming for the next. Every wait polls with a deadline.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from messages import DataType, HubConfig, Ticker, Trade
from system.hub import Hub
from system.runtime import processes
from tools.sim import SimConfig, Simulator

from .components import Collector

pytestmark = pytest.mark.slow

MARKETS = ["KRW-BTC", "KRW-ETH", "KRW-XRP"]


def wait_for(check: Callable[[], Any], timeout: float = 10.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def subscribes(sim: Simulator) -> list[dict[str, Any]]:
    return [f for f in sim.stats()["client_frames"] if f["kind"] == "subscribe"]


def requested(frame: dict[str, Any]) -> dict[str, set[str]]:
    """type -> codes of one subscribe frame."""
    out: dict[str, set[str]] = {}
    for item in json.loads(frame["data"]):
        if isinstance(item, dict) and "type" in item:
            out.setdefault(item["type"], set()).update(item.get("codes", ()))
    return out


def actor(hub: Hub, role: str):
    for status in hub.status().actors:
        if status.role == role:
            return status
    return None


def details(hub: Hub, role: str) -> dict[str, Any]:
    status = actor(hub, role)
    return dict(status.details) if status is not None else {}


def next_event(stream, timeout: float = 10.0):
    try:
        return stream.get(timeout=timeout)
    except queue.Empty:
        raise AssertionError(f"no event on stream {stream.name} within {timeout} s") from None


def drain(stream) -> None:
    while True:
        try:
            stream.get(timeout=0)
        except queue.Empty:
            return


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    with Simulator(SimConfig(rate=200, markets=MARKETS, idle_timeout=60.0)) as simulator:
        yield simulator


@pytest.fixture(scope="module")
def hub(sim: Simulator) -> Iterator[Hub]:
    config = HubConfig(public_url=sim.public_url, private_url=sim.private_url, merge_window=0.1,
                       backoff_initial=0.2, backoff_max=2.0)
    hub = Hub(config)
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
