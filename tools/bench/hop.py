"""``upbit-actors bench hop``: one Thespian hop's round trip, back to back and after idle pauses.

The data path's latency at low rates is made of hops between processes (connection -> router ->
consumer). This measures the cost of one: the bench process asks an echo actor (``Echo``) of a
fresh ``multiprocTCPBase`` system for a payload back, ``--count`` times per pause, with the pause
between asks ``0`` (processes busy) or some milliseconds (processes asleep in ``poll`` when the
ask arrives, as the tree is between a simulator's bursts at 1k frames/s). On the VM of Dec 2026
a process woken after ~20 ms idle answered ~1 ms later per round trip than a busy one: the figure
behind the README's note on p99 at 1k frames/s. Figures only, never assertions; the system is
stopped on the way out.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from thespian.actors import Actor

__all__ = ["HELP", "Echo", "add_arguments", "run"]

HELP = "round trip of one Thespian hop, back to back and after idle pauses"


class Echo(Actor):
    """Sends every bytes payload back to its sender."""

    def receiveMessage(self, message: Any, sender: Any) -> None:
        if isinstance(message, bytes):
            self.send(sender, message)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--count", type=int, default=200, help="round trips per pause (default 200)")
    parser.add_argument("--pauses", default="0,5,20",
                        help="comma-separated milliseconds between round trips (default 0,5,20)")
    parser.add_argument("--payload", type=int, default=8000,
                        help="bytes per message (default 8000: ~12 frames, a batch at 1k frames/s)")


def _quantile(sorted_ms: list[float], q: float) -> float:
    return sorted_ms[min(len(sorted_ms) - 1, int(q * len(sorted_ms)))]


def run(args: argparse.Namespace) -> int:
    from upbit_actors.system.runtime import start_system, stop_system

    pauses = [float(p) / 1000.0 for p in args.pauses.split(",") if p.strip()]
    payload = b"x" * args.payload
    handle = start_system()
    try:
        echo = handle.system.createActor(Echo)
        handle.system.ask(echo, payload, 10)  # the first one opens the sockets
        print(f"bench hop: {args.count} round trips of {args.payload} bytes per pause")
        print(f"{'pause ms':>8}  {'p50 ms':>7}  {'p90 ms':>7}  {'p99 ms':>7}")
        for pause in pauses:
            times = []
            for _ in range(args.count):
                if pause:
                    time.sleep(pause)
                began = time.perf_counter()
                if handle.system.ask(echo, payload, 10) is None:
                    print("  no answer within 10 s")
                    return 1
                times.append((time.perf_counter() - began) * 1000.0)
            times.sort()
            print(f"{pause * 1000:8.0f}  {_quantile(times, 0.5):7.2f}  {_quantile(times, 0.9):7.2f}  "
                  f"{_quantile(times, 0.99):7.2f}")
    finally:
        stop_system(handle)
    return 0
