"""``upbit-actors status``: attach to a running actor tree and show how every actor is.

::

    upbit-actors status --admin-port N [--json] [--watch [SECONDS]] [--timeout S]

Attaches to the system whose Thespian admin listens on 127.0.0.1:N (``system.hub.query_status``:
it never starts a system and never stops the one it attached to), asks the supervisor for the
``SystemStatus`` of the tree, and prints a table with one line per actor (role, address, pid,
state, uptime, restarts, messages handled, queue or buffer depth, drops) followed by the
per-role details each actor reports (``status_details`` in ``actors/*.py``): merged sets, rate
budget used and left, connection state, router buffers, JWT state (never keys or tokens),
components. ``--json`` prints one JSON document instead (``snapshot_document``, stable keys).
``--watch`` repeats every SECONDS (default 1) until Ctrl-C or SIGTERM: a terminal is redrawn,
a pipe gets a separator line between snapshots, ``--json --watch`` one JSON line per snapshot.

There is no default admin port: ``Hub`` and ``system.runtime`` pick a free one per run, so the
port must be the one the running system printed or was given.

Exit status: 0; 1 when there is no actor system on the port, the port is not a Thespian admin,
no upbit-actors tree runs there, or it does not answer (one line on stderr); 2 for a wrong
command line. Only ``ActorStatus`` fields are printed, so nothing secret can appear.
"""

from __future__ import annotations

import argparse
import json
import re
import signal
import sys
import time
from collections.abc import Callable
from typing import Any

from messages import ActorStatus, SystemStatus
from system.limiter import (
    HANDSHAKES_PER_MINUTE,
    HANDSHAKES_PER_SECOND,
    MESSAGES_PER_MINUTE,
    MESSAGES_PER_SECOND,
)

__all__ = ["HELP", "add_arguments", "render", "run", "snapshot_document"]

HELP = "attach to a running actor system and show every actor (table, details, --json, --watch)"

COLUMNS = ("ROLE", "ADDRESS", "PID", "STATE", "UPTIME", "RESTARTS", "HANDLED", "QUEUE", "DROPS")
BASE_COUNTERS = ("unrecognized", "stale_ticks", "poisoned", "failures")
"""Counters every ``HubActor`` reports (``actors/base.py``); shown only when not zero."""


SECRET_NAMES = re.compile(r"secret|password|access_key|private_key|authorization|^(jwt|token|key)$", re.I)
"""Detail names whose values are never shown. Actors report no secrets (``status_details``); this
is the second line of defence against a figure added carelessly later."""


# -- the data --------------------------------------------------------------------------------------
def _redact(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: "<hidden>" if SECRET_NAMES.search(str(k)) else _redact(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_redact(v) for v in value]
    return value


def _details(actor: ActorStatus) -> dict[str, Any]:
    return _redact(dict(actor.details))


def _restarts(status: SystemStatus) -> dict[str, int]:
    """Restarts per role from the supervisor's ledger: a restarted actor starts fresh and cannot
    count its own restarts, so ``ActorStatus.restarts`` alone under-reports."""
    for actor in status.actors:
        if actor.role == "supervisor":
            counts = _details(actor).get("restarts")
            if isinstance(counts, dict):
                return {str(k): int(v) for k, v in counts.items() if isinstance(v, int)}
    return {}


def rate_budget(details: dict[str, Any]) -> dict[str, Any]:
    """Budget used and left per endpoint and for handshakes, from the limiter's details and the
    documented limits in ``system/limiter.py``."""

    def window(limit: int, used: Any) -> dict[str, int]:
        used = int(used or 0)
        return {"limit": limit, "used": used, "left": max(0, limit - used)}

    out: dict[str, Any] = {}
    for endpoint, link in details.items():
        if isinstance(link, dict) and "used_1s" in link:
            out[endpoint] = {"per_second": window(MESSAGES_PER_SECOND, link.get("used_1s")),
                             "per_minute": window(MESSAGES_PER_MINUTE, link.get("used_60s"))}
    if "handshakes_used_1s" in details:
        hs = {"per_second": window(HANDSHAKES_PER_SECOND, details["handshakes_used_1s"])}
        if "handshakes_used_60s" in details:
            hs["per_minute"] = window(HANDSHAKES_PER_MINUTE, details["handshakes_used_60s"])
        out["handshakes"] = hs
    return out


def snapshot_document(status: SystemStatus, admin_port: int | None = None) -> dict[str, Any]:
    """The ``--json`` document. Keys are stable; ``uptime`` is ``collected_at - started_at``
    (both wall-clock seconds on the machine of the system), ``restarts`` includes the
    supervisor's ledger, ``rate_budget`` is derived from the limiter's details."""
    now = status.collected_at or time.time()
    ledger = _restarts(status)
    actors = []
    budget: dict[str, Any] = {}
    for a in status.actors:
        details = _details(a)
        if a.role == "limiter":
            budget = rate_budget(details)
        actors.append({
            "role": a.role, "address": a.address, "pid": a.pid, "state": a.state,
            "started_at": a.started_at, "uptime": round(max(0.0, now - a.started_at), 3),
            "restarts": max(a.restarts, ledger.get(a.role, 0)), "handled": a.handled,
            "queue_depth": a.queue_depth, "drops": a.drops, "details": details,
        })
    return {"admin_port": admin_port, "collected_at": status.collected_at, "actors": actors,
            "rate_budget": budget}


# -- the text ---------------------------------------------------------------------------------------
def _uptime(seconds: float) -> str:
    seconds = max(0.0, seconds)
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, sec = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    if hours < 1:
        return f"{minutes}m{sec:02d}s"
    days, hours = divmod(hours, 24)
    return f"{hours}h{minutes:02d}m" if days < 1 else f"{days}d{hours:02d}h"


def _value(value: Any) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (list, tuple)):
        return ",".join(_value(v) for v in value)
    if isinstance(value, dict):
        return " ".join(f"{k}={_value(v)}" for k, v in value.items())
    return str(value)


def _count(n: Any, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _pairs(details: dict[str, Any], *keys: str) -> str:
    """``key value`` for the given keys that are present (popped, so leftovers show later)."""
    return ", ".join(f"{k.replace('_', ' ')} {_value(details.pop(k))}" for k in keys if k in details)


def _wire_set(streams: Any) -> str:
    """A merged set as ``ticker: KRW-BTC,KRW-ETH; myAsset``."""
    parts = []
    for s in streams or ():
        if not isinstance(s, dict):
            parts.append(_value(s))
            continue
        text = str(s.get("type", "?"))
        if s.get("codes"):
            text += ": " + ",".join(s["codes"])
        flags = [f for f in ("only_snapshot", "only_realtime") if s.get(f)]
        if s.get("level"):
            flags.append(f"level={_value(s['level'])}")
        parts.append(text + (f" ({' '.join(flags)})" if flags else ""))
    return "; ".join(parts) or "(empty)"


def _supervisor(d: dict[str, Any]) -> list[str]:
    restarts = d.pop("restarts", {}) or {}
    counted = ", ".join(f"{r} {n}" for r, n in sorted(restarts.items()) if n) or "none"
    return [f"epoch {_value(d.pop('epoch', None))}; restarts: {counted}",
            f"components: {_value(d.pop('components', None))}"]


def _registry(d: dict[str, Any]) -> list[str]:
    lines = []
    for endpoint, m in (d.pop("merged", None) or {}).items():
        m = dict(m)
        head = (f"{endpoint}: generation {_value(m.pop('generation', None))}, "
                f"{_count(m.pop('streams', 0), 'stream')}, {_count(m.pop('codes', 0), 'code')}")
        if m.pop("pending", False):
            head += ", change pending"
        streams = m.pop("set", None)
        head += ("; " + _wire_set(streams)) if streams is not None else ""
        lines.append(head + "".join(f", {k} {_value(v)}" for k, v in m.items()))
    holders = d.pop("components", None) or []
    named = [f"{h.get('name') or h.get('address')} ({_count(h.get('keys', 0), 'key')})" for h in holders]
    lines.append("components: " + (", ".join(named) or "none"))
    lines.append(_pairs(d, "keys", "routing_generation"))
    return lines


def _limiter(d: dict[str, Any]) -> list[str]:
    budget = rate_budget(d)
    lines = []
    for endpoint, b in budget.items():
        windows = ", ".join(f"{w['limit']}/{'s' if name == 'per_second' else 'min'} used {w['used']} "
                            f"left {w['left']}" for name, w in b.items())
        if endpoint == "handshakes":
            d.pop("handshakes_used_1s", None), d.pop("handshakes_used_60s", None)
            waiting = _value(d.pop("handshakes_waiting", None))
            lines.append(f"handshakes: {windows}; waiting {waiting}")
            continue
        link = dict(d.pop(endpoint))
        link.pop("used_1s", None), link.pop("used_60s", None)
        lines.append(f"{endpoint}: {windows}; " + _pairs(link, "sent", "pending", "live_generation",
                                                         "latest_generation", "superseded", "stale", "epoch"))
    lines.append(_pairs(d, "requests_sent"))
    return lines


def _router(d: dict[str, Any]) -> list[str]:
    lines = [_pairs(d, "frames", "cached", "decode_errors", "upbit_errors", "unrouted", "ignored",
                    "generation")]
    for name, box in (d.pop("components", None) or {}).items():
        box = dict(box) if isinstance(box, dict) else {"state": box}
        if box.get("in_flight") is False:
            box.pop("in_flight")
        lines.append(f"{name}: " + _pairs(box, "buffered", "delivered", "batches", "dropped", "replaced",
                                          "in_flight", "ack_timeouts", *list(box)))
    return lines


def _connection(d: dict[str, Any]) -> list[str]:
    age = d.pop("last_frame_age", None)
    d.pop("endpoint", None)
    first = _pairs(d, "epoch", "reconnects", "generation")
    first += f", last frame {'-' if age is None else f'{age:g}s ago'}"
    return [first, _pairs(d, "frames", "requests_sent", "auth_failures", "last_error", "url")]


def _jwt(d: dict[str, Any]) -> list[str]:
    return [_pairs(d, "keys_loaded", "algorithm", "tokens_issued")]


def _component(d: dict[str, Any]) -> list[str]:
    d.pop("name", None)
    lines = [_pairs(d, "events_received", "events_dropped", "wanted")]
    if "subscriptions" in d:
        lines.append("subscriptions: " + _wire_set(d.pop("subscriptions")))
    return lines


_ROLES: dict[str, Callable[[dict[str, Any]], list[str]]] = {
    "supervisor": _supervisor, "registry": _registry, "limiter": _limiter, "router": _router,
    "jwt": _jwt, "connection": _connection, "component": _component,
}


def _detail_lines(actor: ActorStatus) -> list[str]:
    d = _details(actor)
    kind = actor.role.split(":")[0].split(".")[0]
    try:
        lines = _ROLES[kind](d) if kind in _ROLES else []
    except (AttributeError, KeyError, TypeError, ValueError):  # a shape this tool does not know:
        d, lines = _details(actor), []  # show every figure plainly rather than fail
    counters = {k: d.pop(k) for k in BASE_COUNTERS if k in d}
    lines += [_pairs(d, *list(d))]  # whatever a newer actor adds
    lines += [_pairs({k: v for k, v in counters.items() if v}, *counters)]
    return [line for line in lines if line]


def render(status: SystemStatus, admin_port: int | None = None) -> str:
    """The human view: an aligned table, one line per actor, then the details per role."""
    doc = snapshot_document(status, admin_port)
    rows = [COLUMNS] + [
        (a["role"], a["address"], str(a["pid"]), a["state"], _uptime(a["uptime"]), str(a["restarts"]),
         str(a["handled"]), str(a["queue_depth"]), str(a["drops"])) for a in doc["actors"]
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    numeric = {2, 4, 5, 6, 7, 8}
    table = [" ".join(c.rjust(w) if i in numeric and r is not rows[0] else c.ljust(w)
                      for i, (c, w) in enumerate(zip(r, widths))).rstrip() for r in rows]
    when = time.strftime("%H:%M:%S", time.localtime(status.collected_at)) if status.collected_at else "?"
    where = f" on 127.0.0.1:{admin_port}" if admin_port is not None else ""
    out = [f"upbit-actors{where}: {len(status.actors)} actors at {when}", *table, ""]
    label = max((len(a.role) for a in status.actors), default=0)
    for actor in status.actors:
        for i, line in enumerate(_detail_lines(actor) or ["-"]):
            out.append(f"{actor.role if i == 0 else '':<{label}}  {line}")
    return "\n".join(out) + "\n"


# -- the command ------------------------------------------------------------------------------------
def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--admin-port", type=int, required=True, metavar="N",
                        help="Thespian admin port of the running system (127.0.0.1)")
    parser.add_argument("--json", action="store_true", help="one JSON document (a line per snapshot)")
    parser.add_argument("--watch", type=float, nargs="?", const=1.0, default=None, metavar="SECONDS",
                        help="refresh every SECONDS (default 1) until Ctrl-C or SIGTERM")
    parser.add_argument("--timeout", type=float, default=3.0, metavar="S",
                        help="seconds to wait for the system's answer (default 3)")


class _Stop(Exception):
    """SIGINT or SIGTERM during ``--watch``: end the watch, exit 0."""


def _on_signal(signum, frame) -> None:
    raise _Stop()


def _query(port: int, timeout: float) -> SystemStatus | str:
    """The status, or the one-line reason there is none."""
    from system import runtime  # Thespian and the loopback patch only when the command runs
    from system.hub import HubError, query_status

    try:
        return query_status(port, timeout)
    except (runtime.RuntimeSystemError, HubError) as exc:
        return str(exc)
    except Exception as exc:  # a transport error must still be one line, not a traceback
        return f"cannot query the actor system on 127.0.0.1:{port}: {type(exc).__name__}: {exc}"


def _show(status: SystemStatus, args: argparse.Namespace, number: int) -> None:
    if args.json:
        sys.stdout.write(json.dumps(snapshot_document(status, args.admin_port),
                                    indent=None if args.watch is not None else 2, default=str) + "\n")
    else:
        text = render(status, args.admin_port)
        if args.watch is not None and sys.stdout.isatty():
            text = "\x1b[H\x1b[2J" + text  # home and clear: redraw in place
        elif number > 0:
            text = "-" * 40 + "\n" + text
        sys.stdout.write(text)
    sys.stdout.flush()


def run(args: argparse.Namespace) -> int:
    if args.watch is not None and args.watch <= 0:
        print("upbit-actors status: error: --watch SECONDS must be positive", file=sys.stderr)
        return 2
    # Both signals explicitly: a program started in the background by a non-interactive shell
    # inherits SIGINT ignored, and Python then never raises KeyboardInterrupt.
    watched = (signal.SIGINT, signal.SIGTERM) if args.watch is not None else ()
    previous = {signum: signal.signal(signum, _on_signal) for signum in watched}
    shown, last_error = 0, None
    try:
        while True:
            started = time.monotonic()
            result = _query(args.admin_port, args.timeout)
            if isinstance(result, str):
                if result != last_error:  # a watch repeats a lasting error only once
                    print(f"upbit-actors status: {result}", file=sys.stderr, flush=True)
                last_error = result
                if args.watch is None or not shown:
                    return 1  # a watch that worked once keeps trying: the system may be restarting
            else:
                _show(result, args, shown)
                shown, last_error = shown + 1, None
            if args.watch is None:
                return 0
            time.sleep(max(0.0, args.watch - (time.monotonic() - started)))
    except (KeyboardInterrupt, _Stop):
        return 0
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
