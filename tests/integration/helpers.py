"""Polling and wire-inspection helpers shared by the integration tests.

Nothing here sleeps a fixed time to wait for something: ``wait_for`` polls a condition until a
deadline. The wire helpers read the simulator's ``stats()`` (see ``tools/sim/__init__.py``).
"""

from __future__ import annotations

import bisect
import json
import queue
import time
from collections.abc import Callable, Iterable
from typing import Any

from tests.polling import wait_for  # noqa: F401 (re-exported for the tests here)
from upbit_actors.actors.tree import Hub
from upbit_actors.tools.sim import Simulator

__all__ = [
    "actor",
    "client_messages",
    "connections",
    "details",
    "drain",
    "holds_for",
    "max_in_window",
    "next_event",
    "rate_violations",
    "requested",
    "subscribes",
    "wait_for",
]

MESSAGE_KINDS = frozenset({"subscribe", "list", "ping_text", "invalid", "rate_limited"})
"""Client frame kinds that are messages (SPEC §5 counts them); protocol pings are not."""


def subscribes(sim: Simulator, stats: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Every subscribe frame the simulator received, oldest first."""
    stats = stats if stats is not None else sim.stats()
    return [f for f in stats["client_frames"] if f["kind"] == "subscribe"]


def requested(frame: dict[str, Any]) -> dict[str, set[str]]:
    """type -> codes of one subscribe frame."""
    out: dict[str, set[str]] = {}
    for item in json.loads(frame["data"]):
        if isinstance(item, dict) and "type" in item:
            out.setdefault(item["type"], set()).update(item.get("codes", ()))
    return out


def client_messages(stats: dict[str, Any]) -> dict[int, list[float]]:
    """Connection id -> times of every message the client sent on it, sorted."""
    out: dict[int, list[float]] = {}
    for frame in stats["client_frames"]:
        if frame["kind"] in MESSAGE_KINDS:
            out.setdefault(frame["conn"], []).append(frame["time"])
    for times in out.values():
        times.sort()
    return out


def max_in_window(times: Iterable[float], window: float) -> int:
    """The most events in any half-open interval ``(t - window, t]`` (a rolling window)."""
    times = sorted(times)
    best = 0
    for i, t in enumerate(times):
        first = bisect.bisect_right(times, t - window)
        best = max(best, i - first + 1)
    return best


def rate_violations(stats: dict[str, Any]) -> list[dict[str, Any]]:
    """The simulator's message-rate and handshake-rate violations."""
    return [v for v in stats["violations"] if v["kind"] in ("message_rate", "handshake_rate")]


def actor(hub: Hub, role: str):
    """The ``ActorStatus`` of ``role``, or None."""
    for status in hub.status().actors:
        if status.role == role:
            return status
    return None


def details(hub: Hub, role: str) -> dict[str, Any]:
    status = actor(hub, role)
    return dict(status.details) if status is not None else {}


def next_event(stream, timeout: float = 15.0):
    try:
        return stream.get(timeout=timeout)
    except queue.Empty:
        raise AssertionError(f"no event on stream {stream.name} within {timeout} s") from None


def drain(stream) -> list[Any]:
    """Everything the stream holds now (taken off it)."""
    out = []
    while True:
        try:
            out.append(stream.get(timeout=0))
        except queue.Empty:
            return out


def holds_for(check: Callable[[], Any], seconds: float, what: str = "condition") -> None:
    """Assert that ``check`` stays truthy for ``seconds`` (a negative check needs time to pass),
    polling every 100 ms so that a break is reported at once."""
    deadline = time.monotonic() + seconds
    while True:
        if not check():
            raise AssertionError(f"{what} stopped holding")
        if time.monotonic() >= deadline:
            return
        time.sleep(0.1)


def connections(stats: dict[str, Any], path: str) -> list[dict[str, Any]]:
    """The simulator's connection records of one path (``public`` or ``private``), oldest first."""
    return sorted((c for c in stats["connections"] if c["path"] == path), key=lambda c: c["id"])
