"""``upbit-actors bench pipeline``: the whole path, simulator to plain Python, at increasing rates.

simulator -> connection actor -> router -> relay components -> ``Hub.stream`` callbacks. The
simulator runs in-process (its own thread); a real ``Hub`` (multiprocTCPBase tree) subscribes one
stream per public type (ticker, trade, orderbook) to every code, and each stream's callback counts
events and their latency. For each configured simulator rate, after a warm-up, it measures:

- events/s delivered to the callbacks, against frames/s the simulator sent to the hub;
- drops: ``EventStream.dropped`` (the router's overflow policy, counted per batch) and the router's
  own per-component figures (``dropped`` trades, ``replaced`` tickers/orderbooks: only the
  latest per code is kept while a consumer lags);
- end-to-end latency percentiles: arrival time at the callback minus the event's ``timestamp``
  (milliseconds, set by the simulator when it generates the event; same machine, same clock).
  The simulator spreads the frames of one 20 ms tick over that tick, so a few ms are its pacing;
- RSS of the system's processes (admin, logger, every actor) at start and at the end.

Prints one line per rate and a final JSON line. Figures only, never assertions.
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from typing import Any

__all__ = ["HELP", "add_arguments", "run"]

HELP = "events/s, drops, latency and memory of the whole path simulator -> actors -> Python"

_TYPES = ("ticker", "trade", "orderbook")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rate", "--rates", dest="rates", default="200,1000,2000,5000,10000",
                        help="comma-separated simulator frames/s to try, in order (default %(default)s)")
    parser.add_argument("--seconds", type=float, default=5.0, help="measured seconds per rate")
    parser.add_argument("--warmup", type=float, default=1.5, help="seconds before measuring")
    parser.add_argument("--markets", type=int, default=20, help="synthetic KRW codes (default %(default)s)")


class _Counter:
    """One stream's callback: counts events and keeps latencies while ``recording``."""

    def __init__(self) -> None:
        self.recording = False
        self.total = 0
        """Every event seen, recording or not (tells when the pipeline has drained)."""
        self.count = 0
        self.latencies: list[float] = []
        self.lock = threading.Lock()

    def __call__(self, event: Any) -> None:
        now_ms = time.time() * 1000.0
        self.total += 1
        if not self.recording:
            return
        with self.lock:
            self.count += 1
            stamp = getattr(event, "timestamp", None)
            if stamp:
                self.latencies.append(now_ms - stamp)

    def reset(self, recording: bool) -> tuple[int, list[float]]:
        with self.lock:
            out = (self.count, self.latencies)
            self.count, self.latencies, self.recording = 0, [], recording
        return out


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def _rss(hub: Any) -> dict[str, Any]:
    """RSS (MB) of every process of the system, in total and the largest one."""
    import psutil

    sizes = []
    for pid in hub.handle.track():
        try:
            sizes.append(psutil.Process(pid).memory_info().rss)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return {"processes": len(sizes), "total_mb": round(sum(sizes) / 2**20, 1),
            "largest_mb": round(max(sizes, default=0) / 2**20, 1)}


def _router_figures(hub: Any) -> dict[str, int]:
    """Router per-component figures summed over our streams."""
    for status in hub.status(timeout=10).actors:
        if status.role == "router":
            comps = dict(status.details).get("components", {})
            out = {"dropped": 0, "replaced": 0, "buffered": 0}
            for name, figures in comps.items():
                if isinstance(figures, dict) and str(name).startswith("bench-"):
                    for key in out:
                        out[key] += int(figures.get(key, 0) or 0)
            return out
    return {"dropped": 0, "replaced": 0, "buffered": 0}


def _sent(sim: Any) -> int:
    frames = sim.stats()["frames_sent"]
    return sum(frames.get(t, 0) for t in _TYPES)


def _step(hub: Any, sim: Any, streams: dict, counters: dict, rate: float, args: argparse.Namespace) -> dict:
    sim.set_rate(rate)
    time.sleep(args.warmup)
    dropped_before = sum(s.dropped for s in streams.values())
    router_before = _router_figures(hub)
    sent_before = _sent(sim)
    for counter in counters.values():
        counter.reset(recording=True)
    start = time.monotonic()
    time.sleep(args.seconds)
    results = {t: c.reset(recording=False) for t, c in counters.items()}
    elapsed = time.monotonic() - start
    sent = _sent(sim) - sent_before
    router_after = _router_figures(hub)
    sim.set_rate(0.0)
    delivered = sum(count for count, _ in results.values())
    latencies = [x for _, lat in results.values() for x in lat]
    # Let the pipeline drain (no event for 0.5 s, at most 10 s) before the next rate.
    idle_since = time.monotonic()
    last = -1
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and time.monotonic() - idle_since < 0.5:
        time.sleep(0.1)
        seen = sum(c.total for c in counters.values())
        if seen != last:
            last, idle_since = seen, time.monotonic()
    return {
        "rate": rate,
        "sent_per_s": round(sent / elapsed),
        "delivered_per_s": round(delivered / elapsed),
        "by_type_per_s": {t: round(c / elapsed) for t, (c, _) in results.items()},
        "stream_dropped": sum(s.dropped for s in streams.values()) - dropped_before,
        "router_dropped": router_after["dropped"] - router_before["dropped"],
        "router_replaced": router_after["replaced"] - router_before["replaced"],
        "router_buffered": router_after["buffered"],
        "latency_ms": {q: (round(v, 1) if (v := _percentile(latencies, p)) is not None else None)
                       for q, p in (("p50", 0.5), ("p90", 0.9), ("p99", 0.99), ("max", 1.0))},
    }


def run(args: argparse.Namespace) -> int:
    from upbit_actors.actors.tree import Hub
    from upbit_actors.messages import DataType, HubConfig
    from upbit_actors.tools.sim import SimConfig, Simulator
    from upbit_actors.tools.sim.markets import synthetic_codes

    rates = [float(r) for r in args.rates.split(",") if r]
    codes = synthetic_codes(args.markets)
    config = SimConfig(rate=0.0, markets=args.markets, idle_timeout=0, control_port=None)
    results = []
    with Simulator(config) as sim, Hub(HubConfig(public_url=sim.public_url)) as hub:
        counters = {t: _Counter() for t in _TYPES}
        streams = {t: hub.stream(DataType(t), codes, name=f"bench-{t}", callback=counters[t])
                   for t in _TYPES}
        memory_start = _rss(hub)
        print(f"system: {memory_start['processes']} processes, RSS {memory_start['total_mb']} MB "
              f"(largest {memory_start['largest_mb']} MB); {args.markets} codes x {', '.join(_TYPES)}",
              flush=True)
        print(f"{'sim rate':>9} {'sent/s':>8} {'deliv/s':>8} {'str.drop':>8} {'r.drop':>7} "
              f"{'r.repl':>7} {'p50 ms':>7} {'p90 ms':>7} {'p99 ms':>7} {'max ms':>8}", flush=True)
        for rate in rates:
            result = _step(hub, sim, streams, counters, rate, args)
            results.append(result)
            lat = result["latency_ms"]
            print(f"{rate:>9.0f} {result['sent_per_s']:>8} {result['delivered_per_s']:>8} "
                  f"{result['stream_dropped']:>8} {result['router_dropped']:>7} {result['router_replaced']:>7} "
                  + " ".join(f"{(lat[q] if lat[q] is not None else float('nan')):>7.1f}"
                             for q in ("p50", "p90", "p99")) + f" {lat['max'] or float('nan'):>8.1f}",
                  flush=True)
        memory_end = _rss(hub)
        print(f"system at the end: RSS {memory_end['total_mb']} MB (largest {memory_end['largest_mb']} MB)",
              flush=True)
        for stream in streams.values():
            stream.close()
    print(json.dumps({"markets": args.markets, "seconds": args.seconds, "memory_start": memory_start,
                      "memory_end": memory_end, "results": results}))
    return 0
