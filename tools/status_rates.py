"""Rates per second for ``upbit-actors status``: the difference of two snapshots over their time.

A rate needs two ``SystemStatus`` of the same actor: matched by role and start time, so an actor
restarted between them (its counters began again at 0) has no rate rather than a negative one.
Rated figures are the totals a user watches: messages handled and drops of every actor, and in
the details the counters named in ``RATED`` (events, frames, drops), also the router's per
consumer figures (``components.NAME.KEY``) and its events per type (``events_in.TYPE``).

Pure: no I/O, no clock. Exception tree: none raised.
"""

from __future__ import annotations

from typing import Any

from upbit_actors.messages import SystemStatus

__all__ = ["RATED", "rates", "with_rates"]

RATED = frozenset({
    "frames", "frames_sent", "frames_lost", "events_received", "events_dropped", "undecodable",
    "delivered", "dropped", "replaced", "requests_sent", "decode_errors", "upbit_errors",
})
"""Detail counters shown with a rate beside them; nested dicts of the router are rated as a whole
(``events_in``, ``events_out``, ``components``)."""
_NESTED = ("events_in", "events_out", "components")


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _figures(details: dict[str, Any]) -> dict[str, float]:
    """Flat ``key`` / ``parent.child`` / ``components.NAME.key`` -> counter value."""
    out = {k: v for k, v in details.items() if k in RATED and _number(v)}
    for parent in _NESTED:
        nested = details.get(parent)
        if not isinstance(nested, dict):
            continue
        for key, value in nested.items():
            if _number(value):
                out[f"{parent}.{key}"] = value
            elif isinstance(value, dict):
                out.update({f"{parent}.{key}.{k}": v for k, v in value.items() if k in RATED and _number(v)})
    return out


def rates(before: SystemStatus | None, after: SystemStatus) -> dict[str, dict[str, float]] | None:
    """role -> figure -> per second between the snapshots; None without a usable ``before``."""
    if before is None or not after.collected_at > before.collected_at:
        return None
    seconds = after.collected_at - before.collected_at
    old = {(a.role, a.started_at): a for a in before.actors}
    out: dict[str, dict[str, float]] = {}
    for actor in after.actors:
        prev = old.get((actor.role, actor.started_at))
        if prev is None:
            continue
        figures = {"handled": (prev.handled, actor.handled), "drops": (prev.drops, actor.drops)}
        was = _figures(dict(prev.details))
        for key, now in _figures(dict(actor.details)).items():
            if key in was:
                figures[key] = (was[key], now)
        out[actor.role] = {k: round(max(0.0, (b - a) / seconds), 1) for k, (a, b) in figures.items()}
    return out


def _rated(value: Any, rate: float | None) -> Any:
    return value if rate is None else f"{value} ({rate:g}/s)"


def with_rates(details: dict[str, Any], actor_rates: dict[str, float] | None) -> dict[str, Any]:
    """``details`` with every rated figure written ``TOTAL (RATE/s)`` (for the human view)."""
    if not actor_rates:
        return details
    out = dict(details)
    for key, value in details.items():
        if key in RATED and _number(value):
            out[key] = _rated(value, actor_rates.get(key))
        elif key in _NESTED and isinstance(value, dict):
            nested = {}
            for sub, inner in value.items():
                if isinstance(inner, dict):
                    nested[sub] = {k: _rated(v, actor_rates.get(f"{key}.{sub}.{k}")) if k in RATED else v
                                   for k, v in inner.items()}
                else:
                    nested[sub] = _rated(inner, actor_rates.get(f"{key}.{sub}"))
            out[key] = nested
    return out
