"""The ``--json`` view of ``upbit-actors status``: a ``SystemStatus`` as one JSON-ready document.

Also what the table of ``tools.status_render`` is drawn from: redacted details, restarts that
include the supervisor's ledger, and the rate budget derived from the limiter's figures.
"""

from __future__ import annotations

import re
import time
from typing import Any

from upbit_actors.messages import ActorStatus, SystemStatus
from upbit_actors.system.limiter.budget import (
    HANDSHAKES_PER_MINUTE,
    HANDSHAKES_PER_SECOND,
    MESSAGES_PER_MINUTE,
    MESSAGES_PER_SECOND,
)

__all__ = ["SECRET_NAMES", "details_of", "rate_budget", "snapshot_document"]

SECRET_NAMES = re.compile(r"secret|password|access_key|private_key|authorization|^(jwt|token|key)$", re.I)
"""Detail names whose values are never shown. Actors report no secrets (``status_details``); this
is the second line of defence against a figure added carelessly later."""


def _redact(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: "<hidden>" if _secret(k, v) else _redact(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_redact(v) for v in value]
    return value


def _secret(name: Any, value: Any) -> bool:
    """A value named like a secret, unless it is a count: a role called ``jwt`` has restarts
    (``restarts: {"jwt": 0}``), and no number is key material."""
    return bool(SECRET_NAMES.search(str(name))) and not isinstance(value, (int, float, type(None)))


def details_of(actor: ActorStatus) -> dict[str, Any]:
    """The actor's details as a dict, every value named like a secret hidden."""
    return _redact(dict(actor.details))


def _restarts(status: SystemStatus) -> dict[str, int]:
    """Restarts per role from the supervisor's ledger: a restarted actor starts fresh and cannot
    count its own restarts, so ``ActorStatus.restarts`` alone under-reports."""
    for actor in status.actors:
        if actor.role == "supervisor":
            counts = details_of(actor).get("restarts")
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


def snapshot_document(status: SystemStatus, admin_port: int | None = None,
                      rates: dict[str, dict[str, float]] | None = None,
                      interval: float | None = None) -> dict[str, Any]:
    """The ``--json`` document. Keys are stable; ``uptime`` is ``collected_at - started_at``
    (both wall-clock seconds on the machine of the system), ``restarts`` includes the
    supervisor's ledger, ``rate_budget`` is derived from the limiter's details, ``rates`` is
    role -> figure -> per second over ``rate_interval`` seconds (null: one snapshot only)."""
    now = status.collected_at or time.time()
    ledger = _restarts(status)
    actors = []
    budget: dict[str, Any] = {}
    for a in status.actors:
        details = details_of(a)
        if a.role == "limiter":
            budget = rate_budget(details)
        actors.append({
            "role": a.role, "address": a.address, "pid": a.pid, "state": a.state,
            "started_at": a.started_at, "uptime": round(max(0.0, now - a.started_at), 3),
            "restarts": max(a.restarts, ledger.get(a.role, 0)), "handled": a.handled,
            "queue_depth": a.queue_depth, "drops": a.drops, "details": details,
        })
    return {"admin_port": admin_port, "collected_at": status.collected_at, "actors": actors,
            "rate_budget": budget, "rates": rates, "rate_interval": interval if rates is not None else None}
