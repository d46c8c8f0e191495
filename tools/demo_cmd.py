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
run: the tree and the simulator stop, no process is left, the last line is a summary, and the exit
status is 0.

Meanwhile ``upbit-actors status --admin-port N`` (N is printed at start) attaches to the tree, and
the simulator's control URL (also printed) takes faults: ``curl -X POST URL/drop_all`` closes every
socket, and the screen shows the reconnect, the replayed subscriptions and the data resuming.
"""

from __future__ import annotations

import argparse
import secrets
import signal
import sys
import threading
import time
from typing import Any

from messages import Credentials, HubConfig, SystemStatus
from system.hub import Hub, HubError
from system.runtime import RuntimeSystemError
from tools.sim import SimConfig, Simulator
from tools.sim.markets import krw_tick

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

PUBLIC_COMPONENTS: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("board", "actors.examples.TickerBoard",
     {"codes": ["KRW-BTC", "KRW-ETH", "KRW-XRP"], "pool": ["KRW-SOL", "KRW-DOGE", "KRW-ADA"],
      "every": 3.0}),
    ("book", "actors.examples.OrderbookWatcher", {"codes": ["KRW-BTC", "KRW-ETH"], "switch_every": 5.0}),
    ("tape", "actors.examples.TradeTape", {"codes": ["KRW-BTC", "KRW-ETH", "KRW-XRP"], "keep": 6}),
)
"""(name, class path, parameters) of the components spawned on every run."""
PRIVATE_COMPONENT = ("orders", "actors.examples.OrderTracker", {"keep": 4})
"""Spawned unless ``--no-private``."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--duration", type=float, default=None, metavar="S",
                        help="stop after S seconds of data (default: run until Ctrl-C)")
    parser.add_argument("--no-private", action="store_true",
                        help="no keys, no private stream, no order tracker")
    parser.add_argument("--admin-port", type=int, default=None, metavar="N",
                        help="Thespian admin port of the actor system (default: a free port)")
    parser.add_argument("--plain", action="store_true",
                        help="print one snapshot block per refresh instead of redrawing the screen")


# -- the private side of the simulator --------------------------------------------------------------
class OrderScript:
    """Drives the simulator's private side, one action per ``step``, in a fixed cycle:
    fund the account and place a limit bid, fill part of it, fill the rest, place a limit ask,
    cancel it. Each action makes the simulator send myOrder and/or myAsset frames to our private socket."""

    FALLBACK_PRICES = {"KRW-BTC": 142_000_000.0, "KRW-ETH": 5_000_000.0}
    """Used until the ticker board has a price."""

    def __init__(self, sim: Simulator, access_key: str) -> None:
        self._sim = sim
        self._key = access_key  # never printed
        self._step = 0
        self._uuid: str | None = None
        self.log: list[str] = []
        """The last few actions, for the screen."""

    def step(self, prices: dict[str, float]) -> None:
        """Do the next action; ``prices`` (code -> last price) place the limit orders near the market."""
        try:
            note = self._act(self._step % 5, prices)
        except Exception as exc:  # a demo goes on; the screen says what failed (never the keys)
            note = f"step {self._step % 5} failed: {type(exc).__name__}"
        self._step += 1
        self.log = [*self.log[-2:], note]

    def _act(self, stage: int, prices: dict[str, float]) -> str:
        sim, key = self._sim, self._key
        if stage == 0:
            sim.set_balance(key, "KRW", 10_000_000.0)
            sim.set_balance(key, "ETH", 2.0)
            price = self._price(prices, "KRW-BTC", 0.995)
            self._uuid = sim.place_order(key, "KRW-BTC", "bid", "limit", price=price, volume=0.01)
            return f"set KRW 10,000,000 and ETH 2; placed limit bid KRW-BTC 0.01 @ {_num(price)}"
        if stage == 1:
            sim.fill_order(self._uuid, volume=0.004)
            return "filled 0.004 of the bid"
        if stage == 2:
            sim.fill_order(self._uuid)
            return "filled the rest of the bid"
        if stage == 3:
            price = self._price(prices, "KRW-ETH", 1.02)
            self._uuid = sim.place_order(key, "KRW-ETH", "ask", "limit", price=price, volume=0.5)
            return f"placed limit ask KRW-ETH 0.5 @ {_num(price)}"
        sim.cancel_order(self._uuid)
        return "cancelled the ask"

    def _price(self, prices: dict[str, float], code: str, factor: float) -> float:
        """``factor`` times the last price, on Upbit's KRW tick grid."""
        raw = (prices.get(code) or self.FALLBACK_PRICES[code]) * factor
        tick = krw_tick(raw)
        return round(raw / tick) * tick


def _last_prices(status: SystemStatus | None) -> dict[str, float]:
    """code -> last price seen by the trade tape or the ticker board."""
    details = _details(status)
    prices = {t["code"]: t["price"] for t in reversed(details.get("component:tape", {}).get("tape", ()))}
    prices.update((c, r["price"]) for c, r in details.get("component:board", {}).get("rows", {}).items())
    return prices


def _private_ready(stats: dict[str, Any]) -> bool:
    """True once the simulator holds a private socket subscribed to myOrder and myAsset:
    before that, the simulator would have nobody to send the events to."""
    for conn in stats.get("connections", ()):
        if conn.get("path") == "private" and conn.get("closed") is None:
            types = {s.get("type") for s in conn.get("subscriptions") or ()}
            if {"myOrder", "myAsset"} <= types:
                return True
    return False


# -- rendering --------------------------------------------------------------------------------------
def _num(value: float | None) -> str:
    if value is None:
        return "-"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:,.2f}"
    return f"{value:.4g}"


def _details(status: SystemStatus | None) -> dict[str, dict[str, Any]]:
    return {a.role: dict(a.details) for a in status.actors} if status is not None else {}


def _board(d: dict[str, Any]) -> list[str]:
    lines = [f"TICKER BOARD (board)  codes: {' '.join(d.get('codes', ()))}  "
             f"subscription changes: {d.get('change_count', 0)}"
             + (f"  last: {d['changes'][-1]}" if d.get("changes") else "")]
    for code, row in d.get("rows", {}).items():
        lines.append(f"  {code:<10} {_num(row['price']):>14}  {row['change']:<4} "
                     f"{row['rate'] * 100:+6.2f}%  vol {_num(row['volume'])}")
    return lines


def _book(d: dict[str, Any]) -> list[str]:
    best = d.get("best")
    head = f"ORDERBOOK (book)  {d.get('code')}  switches: {d.get('switches', 0)}"
    if not best:
        return [head, "  waiting for the first orderbook"]
    mid = (best["bid"] + best["ask"]) / 2 or 1.0
    return [head, f"  best bid {_num(best['bid'])} x {best['bid_size']:.4f}   best ask "
                  f"{_num(best['ask'])} x {best['ask_size']:.4f}   spread {_num(best['spread'])} "
                  f"({best['spread'] / mid * 1e4:.1f} bp)"]


def _tape(d: dict[str, Any]) -> list[str]:
    counts = " ".join(f"{c}={n}" for c, n in sorted(d.get("counts", {}).items()))
    lines = [f"TRADES (tape)  {counts}".rstrip()]
    for t in d.get("tape", ()):
        lines.append(f"  {t['time']} {t['code']:<10} {t['side']:<3} {_num(t['price']):>14} x {t['volume']:.4f}")
    return lines


def _orders(d: dict[str, Any], script: OrderScript | None) -> list[str]:
    lines = ["PRIVATE (orders)  myOrder + myAsset"]
    for o in d.get("orders", ()):
        # For a ``trade`` event price and volume are the fill's (SPEC §3.5), hence "last".
        size = "last fill" if o["state"] == "trade" else "volume"
        lines.append(f"  order {o['uuid']} {o['code']:<9} {o['side']} {o['type']:<5} {o['state']:<6} "
                     f"{size} {o['volume'] or 0:g} @ {_num(o['price'])}  executed {o['executed'] or 0:g}"
                     f"  remaining {o['remaining'] or 0:g}")
    for currency, b in sorted(d.get("balances", {}).items()):
        lines.append(f"  balance {currency:<5} {_num(b['balance']):>14}  locked {_num(b['locked'])}")
    for reason in d.get("rejected", ()):
        lines.append(f"  rejected: {reason}")
    if script is not None:
        lines.extend(f"  simulator: {note}" for note in script.log)
    return lines


_TREE_ORDER = {role: rank for rank, role in enumerate(
    ("supervisor", "registry", "limiter", "router", "jwt", "connection.public", "connection.private"))}
"""The supervisor's start order; components come after, by name."""


def _actors(status: SystemStatus | None) -> list[str]:
    if status is None:
        return ["ACTORS  (status unavailable)"]
    lines = ["ACTORS", f"  {'role':<20} {'pid':>7} {'state':<14} {'handled':>8} {'drops':>6} {'restarts':>8}"]
    for a in sorted(status.actors, key=lambda a: (_TREE_ORDER.get(a.role, len(_TREE_ORDER)), a.role)):
        lines.append(f"  {a.role:<20} {a.pid:>7} {a.state:<14} {a.handled:>8} {a.drops:>6} {a.restarts:>8}")
    return lines


def _connections(status: SystemStatus | None, stats: dict[str, Any]) -> list[str]:
    lines = ["CONNECTIONS"]
    states = {a.role: a.state for a in status.actors} if status is not None else {}
    for role, d in sorted(_details(status).items(), reverse=True):  # public first
        if role.startswith("connection."):
            age = d.get("last_frame_age")
            lines.append(f"  {role.partition('.')[2]:<8} {states[role]:<8} epoch {d.get('epoch')}  reconnects "
                         f"{d.get('reconnects', 0)}  frames {d.get('frames', 0)}  requests sent "
                         f"{d.get('requests_sent', 0)}  last frame {'-' if age is None else f'{age:.2f} s'} ago")
    merged = _details(status).get("registry", {}).get("merged", {})
    lines.append("SUBSCRIPTIONS  registry: " + ", ".join(
        f"{e} generation {m['generation']} ({m['streams']} streams)" for e, m in merged.items()))
    lines.append(f"  simulator: {stats.get('connections_opened', 0)} connections opened, "
                 f"{stats.get('connections_open', 0)} open, {len(stats.get('violations', ()))} "
                 f"violations; the merged set on each open socket:")
    for conn in stats.get("connections", ()):
        if conn.get("closed") is None:
            wanted = "; ".join(f"{s['type']} {','.join(s.get('codes') or ['(all)'])}"
                               for s in conn.get("subscriptions") or ())
            lines.append(f"  {conn['path']:<8} {wanted or '(nothing yet)'}")
    return lines


def render(status: SystemStatus | None, stats: dict[str, Any], elapsed: float,
           script: OrderScript | None, admin_port: int | None = None) -> list[str]:
    """One screenful: every example component's view, then actors, connections, subscriptions."""
    details = _details(status)
    lines = [f"=== upbit-actors demo  t={elapsed:.1f} s  admin port {admin_port}  (Ctrl-C to stop) ==="]
    for role, draw in (("component:board", _board), ("component:book", _book), ("component:tape", _tape)):
        if role in details:
            lines += draw(details[role])
    if "component:orders" in details:
        lines += _orders(details["component:orders"], script)
    return lines + _actors(status) + _connections(status, stats)


def summary(status: SystemStatus | None, stats: dict[str, Any], elapsed: float) -> str:
    details = _details(status)
    events = " ".join(f"{role.partition(':')[2]}={d.get('events_received', 0)}"
                      for role, d in details.items() if role.startswith("component:"))
    reconnects = " ".join(f"{role.partition('.')[2]}={details[role].get('reconnects', 0)}"
                          for role in ("connection.public", "connection.private") if role in details)
    board = details.get("component:board", {})
    return (f"summary: {elapsed:.1f} s; events {events or '-'}; board subscription changes "
            f"{board.get('change_count', 0)} (now {' '.join(board.get('codes', ()))}); reconnects "
            f"{reconnects or '-'}; simulator violations {len(stats.get('violations', ()))}")


# -- the run ----------------------------------------------------------------------------------------
def _stop_on_signals(stop: threading.Event) -> dict[int, Any]:
    """SIGINT and SIGTERM set ``stop`` (the loop then ends and everything is stopped in order);
    a second Ctrl-C raises KeyboardInterrupt for the impatient (cleanup still runs)."""

    def handler(signum, frame) -> None:
        if stop.is_set() and signum == signal.SIGINT:
            raise KeyboardInterrupt
        stop.set()

    return {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}


def _status(hub: Hub) -> SystemStatus | None:
    try:
        return hub.status(timeout=3.0)
    except HubError:
        return None  # shown as "status unavailable"; the next poll tries again


def run(args: argparse.Namespace) -> int:
    stop = threading.Event()
    previous = _stop_on_signals(stop)
    # Fake keys, new every run: the simulator accepts them, the JWT actor signs with them, and
    # nothing prints them.
    access_key, secret_key = f"demo-{secrets.token_hex(12)}", secrets.token_hex(32)
    sim_config = SimConfig(host="127.0.0.1", port=0, control_port=0, rate=SIM_RATE,
                           markets=list(MARKETS), access_key=access_key, secret_key=secret_key)
    credentials = None if args.no_private else Credentials(access_key=access_key, secret_key=secret_key)
    try:
        with Simulator(sim_config) as sim:
            hub_config = HubConfig(public_url=sim.public_url, private_url=sim.private_url)
            with Hub(hub_config, credentials=credentials, admin_port=args.admin_port) as hub:
                print(f"upbit-actors demo: simulator {sim.public_url} (control {sim.control_url}); "
                      f"actor system on admin port {hub.admin_port}: try 'upbit-actors status "
                      f"--admin-port {hub.admin_port}' in another terminal", flush=True)
                spawned = PUBLIC_COMPONENTS + (() if args.no_private else (PRIVATE_COMPONENT,))
                for name, path, params in spawned:
                    hub.spawn(path, name, **params)
                script = None if args.no_private else OrderScript(sim, access_key)
                status, stats, elapsed = _live(hub, sim, script, args, stop)
            # Leaving the blocks stopped every actor process, then the simulator.
    except (HubError, RuntimeSystemError) as exc:  # e.g. the admin port is taken
        print(f"upbit-actors demo: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # a second Ctrl-C: everything above was still stopped
        return 130
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    print(summary(status, stats, elapsed), flush=True)
    return 0


def _live(hub: Hub, sim: Simulator, script: OrderScript | None, args: argparse.Namespace,
          stop: threading.Event) -> tuple[SystemStatus | None, dict[str, Any], float]:
    """Poll, drive the private side, redraw, until ``stop`` or ``--duration``; returns the last
    status, the last simulator stats and the seconds run."""
    tty = sys.stdout.isatty() and not args.plain
    status, started, next_step, frames = None, time.monotonic(), 0.0, 0
    while True:
        elapsed = time.monotonic() - started
        status, stats = _status(hub) or status, sim.stats()
        if stop.is_set() or (args.duration is not None and elapsed >= args.duration):
            return status, stats, elapsed
        if script is not None and time.monotonic() >= next_step and _private_ready(stats):
            script.step(_last_prices(status))
            next_step = time.monotonic() + PRIVATE_STEP
        _show(render(status, stats, elapsed, script, hub.admin_port), tty, first=frames == 0)
        frames += 1
        stop.wait(max(0.0, started + frames * REFRESH - time.monotonic()))


def _show(lines: list[str], tty: bool, first: bool = False) -> None:
    if tty:  # home, each line clearing its rest, then clear below: redraw without flicker
        sys.stdout.write(("\x1b[2J" if first else "") + "\x1b[H"
                         + "".join(f"{line}\x1b[K\n" for line in lines) + "\x1b[J")
    else:
        sys.stdout.write("\n".join(lines) + "\n\n")
    sys.stdout.flush()
