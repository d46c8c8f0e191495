"""The human view of ``upbit-actors status``: an aligned table, one line per actor, then the
details each role reports, in words (``render``)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from upbit_actors.messages import ActorStatus, SystemStatus
from upbit_actors.system.metrics.histogram import is_histogram, quantile
from upbit_actors.tools.status_members import member_lines
from upbit_actors.tools.status_rates import with_rates
from upbit_actors.tools.status_snapshot import details_of, rate_budget, snapshot_document

__all__ = ["render"]

COLUMNS = ("ROLE", "ADDRESS", "PID", "STATE", "UPTIME", "RESTARTS", "HANDLED", "HANDLED/S", "QUEUE",
           "DROPS", "DROPS/S")
"""The /S columns: rates per second between two snapshots (``status_rates``), ``-`` without."""
BASE_COUNTERS = ("unrecognized", "stale_ticks", "poisoned", "failures")
"""Counters every ``BaseActor`` reports (``actors/base.py``); shown only when not zero."""


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
    live = _pairs(d, "live_checks", "live_matches", "live_mismatches", "live_resends", "live_unanswered",
                  "live_last_mismatch")  # LIST_SUBSCRIPTIONS checks (issue 13)
    return [first, _pairs(d, "frames", "requests_sent", "auth_failures", "last_error", "url"),
            "to router: " + _pairs(d, "frames_sent", "batches_sent", "frames_waiting", "batches_in_flight",
                                   "paused", "pauses", "frames_lost"),
            "live set: " + live if live else ""]


def _jwt(d: dict[str, Any]) -> list[str]:
    return [_pairs(d, "keys_loaded", "algorithm", "tokens_issued")]


def _component(d: dict[str, Any]) -> list[str]:
    if "members" in d:  # a leader's members actor (issue 15)
        return member_lines(d)
    d.pop("name", None)
    lines = [_pairs(d, "events_received", "events_dropped", "undecodable", "wanted")]
    if "subscriptions" in d:
        lines.append("subscriptions: " + _wire_set(d.pop("subscriptions")))
    return lines


_ROLES: dict[str, Callable[[dict[str, Any]], list[str]]] = {
    "supervisor": _supervisor, "registry": _registry, "limiter": _limiter, "router": _router,
    "jwt": _jwt, "connection": _connection, "component": _component,
}


def _latency(hist: dict[str, Any]) -> str:
    """A latency histogram in words: the bucket bounds its median and 99th percentile fall under."""
    def ms(q: float) -> str:
        bound = quantile(hist, q)
        if bound == float("inf"):
            return f">{hist['le'][-1] * 1000:g}ms"
        return "-" if bound is None else f"<={bound * 1000:g}ms"
    return f"p50 {ms(0.5)} p99 {ms(0.99)} of {hist['count']} batches"


def _readable(d: dict[str, Any], actor_rates: dict[str, float] | None) -> dict[str, Any]:
    """Histograms in words, rated counters as ``TOTAL (RATE/s)``."""
    d = {k: _latency(v) if is_histogram(v) else v for k, v in d.items()}
    return with_rates(d, actor_rates)


def _detail_lines(actor: ActorStatus, actor_rates: dict[str, float] | None = None) -> list[str]:
    d = _readable(details_of(actor), actor_rates)
    kind = actor.role.split(":")[0].split(".")[0]
    try:
        lines = _ROLES[kind](d) if kind in _ROLES else []
    except (AttributeError, KeyError, TypeError, ValueError):  # a shape this tool does not know:
        d, lines = _readable(details_of(actor), actor_rates), []  # every figure, plainly
    counters = {k: d.pop(k) for k in BASE_COUNTERS if k in d}
    lines += [_pairs(d, *list(d))]  # whatever a newer actor adds
    lines += [_pairs({k: v for k, v in counters.items() if v}, *counters)]
    return [line for line in lines if line]


def _rate(rate: float | None) -> str:
    return "-" if rate is None else f"{rate:g}"


def render(status: SystemStatus, admin_port: int | None = None,
           rates: dict[str, dict[str, float]] | None = None, interval: float | None = None) -> str:
    """The human view: an aligned table, one line per actor, then the details per role.
    ``rates`` (``status_rates.rates``, over ``interval`` seconds) go beside the totals; without
    them the header says ``rates: n/a``."""
    doc = snapshot_document(status, admin_port)
    per = rates or {}
    rows = [COLUMNS] + [
        (a["role"], a["address"], str(a["pid"]), a["state"], _uptime(a["uptime"]), str(a["restarts"]),
         str(a["handled"]), _rate(per.get(a["role"], {}).get("handled")), str(a["queue_depth"]),
         str(a["drops"]), _rate(per.get(a["role"], {}).get("drops"))) for a in doc["actors"]
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    numeric = {2, 4, 5, 6, 7, 8, 9, 10}
    table = [" ".join(c.rjust(w) if i in numeric and r is not rows[0] else c.ljust(w)
                      for i, (c, w) in enumerate(zip(r, widths))).rstrip() for r in rows]
    when = time.strftime("%H:%M:%S", time.localtime(status.collected_at)) if status.collected_at else "?"
    where = f" on 127.0.0.1:{admin_port}" if admin_port is not None else ""
    rated = (f"rates per second over the last {interval:.1f} s" if rates is not None and interval
             else "rates: n/a (one snapshot so far)")
    out = [f"upbit-actors{where}: {len(status.actors)} actors at {when}; {rated}", *table, ""]
    label = max((len(a.role) for a in status.actors), default=0)
    for actor in status.actors:
        for i, line in enumerate(_detail_lines(actor, per.get(actor.role)) or ["-"]):
            out.append(f"{actor.role if i == 0 else '':<{label}}  {line}")
    return "\n".join(out) + "\n"
