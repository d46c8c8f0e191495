"""``upbit-actors demo``: the simulator, the actor tree and example components, shown live.

One process starts the bundled Upbit simulator (a thread, 127.0.0.1, free ports, fake keys made
up for this run and never shown) and the actor tree (``Hub``), then spawns the components of
``actors.examples``: a ticker board that rotates its codes, an orderbook watcher that switches
code, a trade tape, and (unless ``--no-private``) an order tracker on the private stream. Every
couple of seconds the demo places, fills and cancels orders and sets balances through the
simulator's Python API, so myOrder and myAsset events flow.

The components run in their own processes; each keeps its view in ``status_details``, so the demo
polls ``Hub.status()`` once a second and prints every view, the actor table, the connections and
the subscription set the simulator sees on each socket. On a terminal the screen is redrawn in
place; with ``--plain`` or when stdout is not a terminal each refresh prints one snapshot block.
Ctrl-C, SIGTERM or ``--duration`` (seconds counted from the spawn of the components) end the
run: the tree and the simulator stop, no process is left and the last line is a summary. The exit
status is 0 after ``--duration``, 130 on Ctrl-C and 143 on SIGTERM (128 + signal, like ``stream``;
a second Ctrl-C cuts the orderly stop short and also exits 130), 1 when the system cannot start,
2 for a bad ``--config`` file or value.

``--stop-stale`` shuts down an actor system left running on ``--admin-port`` by a crashed run
before starting (without it, the demo says so and exits 1). ``--config FILE`` / ``--preset NAME``
set the tree's ``HubConfig`` (the simulator's URLs always win),
``--metrics-port N`` serves Prometheus metrics on 127.0.0.1:N while it runs.

Meanwhile ``upbit-actors status --admin-port N`` (N is printed at start) attaches to the tree, and
the simulator's control URL (also printed) takes faults: ``curl -X POST URL/drop_all`` closes every
socket, and the screen shows the reconnect, the replayed subscriptions and the data resuming.
"""

from __future__ import annotations

import argparse
import secrets
import signal
import sys
import time
from typing import Any

from upbit_actors.actors.examples import OrderbookWatcher, OrderTracker, TickerBoard, TradeTape
from upbit_actors.actors.tree import Hub
from upbit_actors.messages import Credentials, SystemStatus
from upbit_actors.system.errors import ConfigError, HubError
from upbit_actors.tools.cli_common import (
    EXIT_FAILED,
    EXIT_USAGE,
    StopFlag,
    add_config_arguments,
    config_from_args,
    say,
    signal_exit_status,
    system_errors,
)
from upbit_actors.tools.demo_orders import OrderScript, last_prices, private_ready
from upbit_actors.tools.demo_screen import render, show, summary
from upbit_actors.tools.sim import SimConfig, Simulator

__all__ = ["HELP", "add_arguments", "run"]

HELP = "run the simulator, the actor tree and example components, and show data and status live"

MARKETS = ("KRW-BTC", "KRW-ETH", "KRW-XRP", "KRW-SOL", "KRW-DOGE", "KRW-ADA")
"""The simulated market: a handful of codes with realistic price levels."""
SIM_RATE = 120.0
"""Public frames per second over all codes and types: lively on screen, light on 2 cores."""
REFRESH = 1.0
"""Seconds between status polls and redraws."""
PRIVATE_STEP = 2.0
"""Seconds between two private actions on the simulator (place, fill, cancel, set balance)."""

PUBLIC_COMPONENTS: tuple[tuple[str, type, dict[str, Any]], ...] = (
    ("board", TickerBoard,
     {"codes": ["KRW-BTC", "KRW-ETH", "KRW-XRP"], "pool": ["KRW-SOL", "KRW-DOGE", "KRW-ADA"],
      "every": 3.0}),
    ("book", OrderbookWatcher, {"codes": ["KRW-BTC", "KRW-ETH"], "switch_every": 5.0}),
    ("tape", TradeTape, {"codes": ["KRW-BTC", "KRW-ETH", "KRW-XRP"], "keep": 6}),
)
"""(name, class, parameters) of the components spawned on every run."""
PRIVATE_COMPONENT = ("orders", OrderTracker, {"keep": 4})
"""Spawned unless ``--no-private``."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--duration", type=float, default=None, metavar="S",
                        help="stop after S seconds of data (default: run until Ctrl-C)")
    parser.add_argument("--no-private", action="store_true",
                        help="no keys, no private stream, no order tracker")
    parser.add_argument("--admin-port", type=int, default=None, metavar="N",
                        help="Thespian admin port of the actor system (default: a free port)")
    parser.add_argument("--stop-stale", action="store_true",
                        help="shut down an actor system left running on --admin-port (by a crashed "
                             "earlier run) before starting; without it such a system is refused")
    parser.add_argument("--plain", action="store_true",
                        help="print one snapshot block per refresh instead of redrawing the screen")
    add_config_arguments(parser)


def _status(hub: Hub) -> SystemStatus | None:
    try:
        return hub.status(timeout=3.0)
    except HubError:
        return None  # shown as "status unavailable"; the next poll tries again


def run(args: argparse.Namespace) -> int:
    # Fake keys, new every run: the simulator accepts them, the JWT actor signs with them, and
    # nothing prints them.
    access_key, secret_key = f"demo-{secrets.token_hex(12)}", secrets.token_hex(32)
    sim_config = SimConfig(host="127.0.0.1", port=0, control_port=0, rate=SIM_RATE,
                           markets=list(MARKETS), access_key=access_key, secret_key=secret_key)
    credentials = None if args.no_private else Credentials(access_key=access_key, secret_key=secret_key)
    try:
        config_from_args(args)  # a bad file or value: one line, before anything starts
    except ConfigError as exc:
        say("demo", f"error: {exc}")
        return EXIT_USAGE
    try:
        # SIGINT and SIGTERM set the flag: the loop ends and everything is stopped in order; a
        # second Ctrl-C raises KeyboardInterrupt for the impatient (see StopFlag for its limits).
        with StopFlag(impatient=True) as stop, Simulator(sim_config) as sim:
            hub_config = config_from_args(args, public_url=sim.public_url, private_url=sim.private_url,
                                          rest_url=sim.rest_url)  # codes checked on its market list
            with Hub(hub_config, credentials=credentials, admin_port=args.admin_port,
                     system_options={"stop_stale": args.stop_stale}) as hub:
                print(f"upbit-actors demo: simulator {sim.public_url} (control {sim.control_url}); "
                      f"actor system on admin port {hub.admin_port}: try 'upbit-actors status "
                      f"--admin-port {hub.admin_port}' in another terminal", flush=True)
                if hub.metrics_url is not None:
                    say("demo", f"metrics at {hub.metrics_url}")
                spawned = PUBLIC_COMPONENTS + (() if args.no_private else (PRIVATE_COMPONENT,))
                for name, cls, params in spawned:
                    hub.spawn(cls, name, **params)
                script = None if args.no_private else OrderScript(sim, access_key)
                status, stats, elapsed = _live(hub, sim, script, args, stop)
            # Leaving the blocks stopped every actor process, then the simulator.
    except system_errors() as exc:  # e.g. the admin port is taken
        say("demo", f"error: {exc}")
        return EXIT_FAILED
    except KeyboardInterrupt:  # a second Ctrl-C: the blocks above were left, stopping what they could
        return signal_exit_status(signal.SIGINT)
    print(summary(status, stats, elapsed), flush=True)
    return stop.exit_status() if stop.signum is not None else 0


def _live(hub: Hub, sim: Simulator, script: OrderScript | None, args: argparse.Namespace,
          stop: StopFlag) -> tuple[SystemStatus | None, dict[str, Any], float]:
    """Poll, drive the private side, redraw, until a stop signal or ``--duration``; returns the
    last status, the last simulator stats and the seconds run."""
    tty = sys.stdout.isatty() and not args.plain
    status, started, next_step, frames = None, time.monotonic(), 0.0, 0
    while True:
        elapsed = time.monotonic() - started
        status, stats = _status(hub) or status, sim.stats()
        if stop.event.is_set() or (args.duration is not None and elapsed >= args.duration):
            return status, stats, elapsed
        if script is not None and time.monotonic() >= next_step and private_ready(stats):
            script.step(last_prices(status))
            next_step = time.monotonic() + PRIVATE_STEP
        show(render(status, stats, elapsed, script.log if script else (), hub.admin_port), tty,
             first=frames == 0)
        frames += 1
        stop.event.wait(max(0.0, started + frames * REFRESH - time.monotonic()))
