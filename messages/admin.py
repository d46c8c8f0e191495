"""The admin protocol: the status tool asks, every actor answers about itself."""

from __future__ import annotations

from typing import Any

from attrs import field, frozen

__all__ = ["ActorStatus", "StatusRequest", "SystemStatus"]


@frozen(kw_only=True)
class StatusRequest:
    """Ask an actor (or the supervisor, for the whole tree) how it is."""

    request_id: str = ""


@frozen(kw_only=True)
class ActorStatus:
    """One actor's report. Never contains keys or tokens."""

    role: str
    address: str
    pid: int
    state: str
    """``running``, ``connecting``, ``backoff``, ``stopped``, ``auth_failed``…"""
    started_at: float
    restarts: int = 0
    handled: int = 0
    """Messages handled since start."""
    queue_depth: int = 0
    drops: int = 0
    details: tuple[tuple[str, Any], ...] = field(converter=tuple, default=())
    """Role-specific figures as (name, JSON-able value) pairs."""
    request_id: str = ""
    """Echo of the ``StatusRequest.request_id`` this answers."""


@frozen(kw_only=True)
class SystemStatus:
    """Supervisor -> status tool: every actor of the tree."""

    request_id: str
    actors: tuple[ActorStatus, ...] = field(converter=tuple)
    collected_at: float = 0.0
