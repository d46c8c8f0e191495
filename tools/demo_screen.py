"""The screen of ``upbit-actors demo``: every example component's view, then the actor table,
the connections and the subscription set the simulator sees (``render``), and the last line
(``summary``). Pure text from a ``SystemStatus`` and the simulator's stats; ``show`` writes it.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

from upbit_actors.messages import SystemStatus

__all__ = ["ID_LEGEND", "details_by_role", "number", "render", "short_id", "show", "summary"]


def number(value: float | None) -> str:
    """A price or an amount: thousands separated, fewer decimals the larger it is."""
    if value is None:
        return "-"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:,.2f}"
    return f"{value:.4g}"


def details_by_role(status: SystemStatus | None) -> dict[str, dict[str, Any]]:
    """role -> details of every actor (empty while no status came)."""
    return {a.role: dict(a.details) for a in status.actors} if status is not None else {}


def _board(d: dict[str, Any]) -> list[str]:
    lines = [f"TICKER BOARD (board)  codes: {' '.join(d.get('codes', ()))}  "
             f"subscription changes: {d.get('change_count', 0)}"
             + (f"  last: {d['changes'][-1]}" if d.get("changes") else "")]
    for code, row in d.get("rows", {}).items():
        lines.append(f"  {code:<10} {number(row['price']):>14}  {row['change']:<4} "
                     f"{row['rate'] * 100:+6.2f}%  vol {number(row['volume'])}")
    return lines


def _book(d: dict[str, Any]) -> list[str]:
    best = d.get("best")
    head = f"ORDERBOOK (book)  {d.get('code')}  switches: {d.get('switches', 0)}"
    if not best:
        return [head, "  waiting for the first orderbook"]
    mid = (best["bid"] + best["ask"]) / 2 or 1.0
    return [head, f"  best bid {number(best['bid'])} x {best['bid_size']:.4f}   best ask "
                  f"{number(best['ask'])} x {best['ask_size']:.4f}   spread {number(best['spread'])} "
                  f"({best['spread'] / mid * 1e4:.1f} bp)"]


def _tape(d: dict[str, Any]) -> list[str]:
    counts = " ".join(f"{c}={n}" for c, n in sorted(d.get("counts", {}).items()))
    lines = [f"TRADES (tape)  {counts}".rstrip()]
    for t in d.get("tape", ()):
        lines.append(f"  {t['time']} {t['code']:<10} {t['side']:<3} {number(t['price']):>14} x {t['volume']:.4f}")
    return lines


def _orders(d: dict[str, Any], notes: Sequence[str]) -> list[str]:
    lines = ["PRIVATE (orders)  myOrder + myAsset"]
    for o in d.get("orders", ()):
        # For a ``trade`` event price and volume are the fill's (SPEC §3.5), hence "last".
        size = "last fill" if o["state"] == "trade" else "volume"
        lines.append(f"  order {o['uuid']} {o['code']:<9} {o['side']} {o['type']:<5} {o['state']:<6} "
                     f"{size} {o['volume'] or 0:g} @ {number(o['price'])}  executed {o['executed'] or 0:g}"
                     f"  remaining {o['remaining'] or 0:g}")
    for currency, b in sorted(d.get("balances", {}).items()):
        lines.append(f"  balance {currency:<5} {number(b['balance']):>14}  locked {number(b['locked'])}")
    for reason in d.get("rejected", ()):
        lines.append(f"  rejected: {reason}")
    lines.extend(f"  simulator: {note}" for note in notes)
    return lines


ID_LEGEND = ("socket # changes with every new socket (a reconnect), set # with every new merged "
             "request; 'upbit-actors status' calls them epoch and generation")
"""Said under the subscriptions: what the two changing numbers mean."""


def short_id(value: Any) -> str:
    """The last four digits of an epoch or generation: they count from the clock, so only a change
    means something (a new socket, a new merged set), not the size."""
    return "-" if value is None else str(value)[-4:]


_TREE_ORDER = {role: rank for rank, role in enumerate(
    ("supervisor", "registry", "limiter", "rest", "router", "jwt", "connection.public", "connection.private"))}
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
    for role, d in sorted(details_by_role(status).items(), reverse=True):  # public first
        if role.startswith("connection."):
            age = d.get("last_frame_age")
            lines.append(f"  {role.partition('.')[2]:<8} {states[role]:<8} socket #{short_id(d.get('epoch'))}  reconnects "
                         f"{d.get('reconnects', 0)}  frames {d.get('frames', 0)}  requests sent "
                         f"{d.get('requests_sent', 0)}  last frame {'-' if age is None else f'{age:.2f} s'} ago")
    merged = details_by_role(status).get("registry", {}).get("merged", {})
    lines.append("SUBSCRIPTIONS  registry: " + ", ".join(
        f"{e} set #{short_id(m['generation'])} ({m['streams']} streams)" for e, m in merged.items()))
    lines.append(f"  {ID_LEGEND}")
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
           notes: Sequence[str] = (), admin_port: int | None = None) -> list[str]:
    """One screenful: every example component's view, then actors, connections, subscriptions.
    ``notes``: the last actions on the simulator's private side (``OrderScript.log``)."""
    details = details_by_role(status)
    lines = [f"=== upbit-actors demo  t={elapsed:.1f} s  admin port {admin_port}  (Ctrl-C to stop) ==="]
    for role, draw in (("component:board", _board), ("component:book", _book), ("component:tape", _tape)):
        if role in details:
            lines += draw(details[role])
    if "component:orders" in details:
        lines += _orders(details["component:orders"], notes)
    return lines + _actors(status) + _connections(status, stats)


def summary(status: SystemStatus | None, stats: dict[str, Any], elapsed: float) -> str:
    details = details_by_role(status)
    events = " ".join(f"{role.partition(':')[2]}={d.get('events_received', 0)}"
                      for role, d in details.items() if role.startswith("component:"))
    reconnects = " ".join(f"{role.partition('.')[2]}={details[role].get('reconnects', 0)}"
                          for role in ("connection.public", "connection.private") if role in details)
    board = details.get("component:board", {})
    return (f"summary: {elapsed:.1f} s; events {events or '-'}; board subscription changes "
            f"{board.get('change_count', 0)} (now {' '.join(board.get('codes', ()))}); reconnects "
            f"{reconnects or '-'}; simulator violations {len(stats.get('violations', ()))}")


def show(lines: list[str], tty: bool, first: bool = False) -> None:
    """Redraw the terminal in place (``tty``), else print the screen as one block."""
    if tty:  # home, each line clearing its rest, then clear below: redraw without flicker
        sys.stdout.write(("\x1b[2J" if first else "") + "\x1b[H"
                         + "".join(f"{line}\x1b[K\n" for line in lines) + "\x1b[J")
    else:
        sys.stdout.write("\n".join(lines) + "\n\n")
    sys.stdout.flush()
