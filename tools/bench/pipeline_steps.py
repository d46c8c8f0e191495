"""The measurements of ``bench pipeline`` on one reader: a rate step, a drain, a memory run.

Every function drives the reader's own simulator and leaves it at rate 0 with the reader drained
(its consumers saw nothing new for :data:`QUIET` seconds), so the next reader measured starts
from an idle machine. Figures only; nothing here asserts.
"""

from __future__ import annotations

import time
from typing import Any

import psutil

from upbit_actors.tools.bench.pipeline_readers import Sample
from upbit_actors.tools.bench.pipeline_stats import percentiles, window

__all__ = ["QUIET", "drain", "measure", "memory_run", "wait_flowing"]

QUIET = 0.6
"""Seconds without a new event at any consumer after which a reader counts as drained."""
POLL = 0.2
"""Seconds between samples while waiting."""


def drain(reader: Any, timeout: float) -> tuple[Sample, bool]:
    """Sample until the consumers' count stops moving; returns the last sample and whether it
    did stop within ``timeout``."""
    deadline = time.monotonic() + timeout
    last = reader.sample()
    quiet_since = time.monotonic()
    while time.monotonic() - quiet_since < QUIET:
        if time.monotonic() >= deadline:
            return last, False
        time.sleep(POLL)
        sample = reader.sample()
        if sample.count != last.count:
            quiet_since = time.monotonic()
        last = sample
    return last, True


def wait_flowing(reader: Any, rate: float, timeout: float) -> bool:
    """Run the simulator slowly until every consumer has seen an event; then drain."""
    reader.sim.set_rate(rate)
    deadline = time.monotonic() + timeout
    flowing = False
    try:
        while time.monotonic() < deadline and not flowing:
            time.sleep(POLL)
            flowing = all(s.count > 0 for s in reader.sample().snapshots)
    finally:
        reader.sim.set_rate(0)
    drain(reader, timeout)
    return flowing


def _diff(after: dict[str, int], before: dict[str, int]) -> dict[str, int]:
    return {key: value - before.get(key, 0) for key, value in after.items()}


def measure(reader: Any, rate: float, label: str, *, warmup: float, seconds: float,
            types: tuple[str, ...], drain_timeout: float) -> dict[str, Any]:
    """One step: ``rate`` frames/s for ``warmup`` + ``seconds``, measured over the last
    ``seconds``; then rate 0 and a drain, so losses are counted over the whole step."""
    sim = reader.sim
    start, sent_start = reader.sample(), sim.sent(types)
    sim.set_rate(rate)
    time.sleep(warmup)
    sent_a, a = sim.sent(types), reader.sample()
    time.sleep(seconds)
    b, sent_b = reader.sample(), sim.sent(types)
    sim.set_rate(0)
    end, drained = drain(reader, drain_timeout)
    sent_end = sim.sent(types)
    win = window(a.snapshots, b.snapshots)
    p50, p99, top = percentiles(win.latencies, (0.5, 0.99, 1.0))
    # CPU over its own window (the asking left out, see Sample) and events over theirs (the
    # consumers' clocks), both as rates: the two windows differ by the asking's round trip.
    cores = (b.cpu_before - a.cpu_after) / max(1e-9, b.clock_before - a.clock_after)
    offered = (sent_b["frames"] - sent_a["frames"]) / max(1e-9, sent_b["at"] - sent_a["at"])
    frames = sent_end["frames"] - sent_start["frames"]
    consumers = len(end.snapshots)
    delivered = end.count - start.count
    return {
        "rate": label,
        "configured": rate,
        "offered_per_s": round(offered),
        "delivered_per_s": round(win.per_second),
        "per_consumer_per_s": round(win.per_second / consumers),
        "latency_ms": {"p50": _ms(p50), "p99": _ms(p99), "max": _ms(top), "events": win.events},
        "cpu_us_per_event": round(cores / win.per_second * 1e6, 1) if win.per_second else None,
        "cpu_cores": round(cores, 3),
        "step": {
            "frames_sent": frames,
            "expected_deliveries": frames * consumers,
            "delivered": delivered,
            "lost": frames * consumers - delivered,
            "drained": drained,
            **_diff(end.losses, start.losses),
            "sim_dropped": sent_end["dropped"] - sent_start["dropped"],
            "sim_slow_consumers": sent_end["slow_consumers"] - sent_start["slow_consumers"],
            "reconnects": sent_end["connections"] - sent_start["connections"],
        },
    }


def _ms(value: float | None) -> float | None:
    if value is None:
        return None
    return round(value, 2) if value < 1e6 else None


def _rss(processes: dict[int, str]) -> dict[int, tuple[str, int]]:
    out = {}
    for pid, role in processes.items():
        try:
            out[pid] = (role, psutil.Process(pid).memory_info().rss)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return out


def memory_run(reader: Any, events: int, rate: float, *, timeout: float,
               drain_timeout: float) -> dict[str, Any]:
    """RSS of every process of the reader before and after ``events`` deliveries (all consumers
    together) at ``rate``, both taken drained and idle."""
    before = _rss(reader.processes())
    start = reader.sample().count
    reader.sim.set_rate(rate)
    began = time.monotonic()
    done = 0
    try:
        while time.monotonic() - began < timeout and done < events:
            time.sleep(1.0)
            done = reader.sample().count - start
    finally:
        reader.sim.set_rate(0)
    done = drain(reader, drain_timeout)[0].count - start
    after = _rss(reader.processes())
    rows = []
    for pid, (role, rss) in sorted(before.items()):
        later = after.get(pid, (role, 0))[1]
        rows.append({"pid": pid, "role": role, "before_mb": _mb(rss), "after_mb": _mb(later),
                     "growth_pct": round((later - rss) / rss * 100, 1) if rss else None})
    total_before = sum(rss for _, rss in before.values())
    total_after = sum(after.get(pid, ("", 0))[1] for pid in before)
    return {"events": done, "target": events, "seconds": round(time.monotonic() - began, 1),
            "before_mb": _mb(total_before), "after_mb": _mb(total_after),
            "growth_pct": round((total_after - total_before) / total_before * 100, 1) if total_before else None,
            "new_processes": sorted(set(after) - set(before)), "processes": rows}


def _mb(size: int) -> float:
    return round(size / 2**20, 1)
