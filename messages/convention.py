"""Members and leader (issue 15): a member system's agent joins the leader's hub.

::

    member agent --MemberJoin (every HEARTBEAT)--> members actor (leader)
    member agent <--MemberWelcome (the leader's directory)--
    member's components --SetSubscriptions--> leader's registry; router --EventFrames--> them

A join is also the heartbeat: it carries the member's components, so the leader always knows
what to release when the member is gone. The welcome carries the leader's ``Directory``; the
agent hands it on to its components (with itself as their supervisor), so they subscribe with
the leader's registry and are fed by the leader's router like local components.
"""

from __future__ import annotations

from typing import Any

from attrs import field, frozen

from upbit_actors.messages.lifecycle import Directory

__all__ = ["MemberComponent", "MemberJoin", "MemberWelcome"]


@frozen(kw_only=True)
class MemberComponent:
    """One component of a member, as its agent last saw it (for release and for status)."""

    name: str
    address: Any = None
    pid: int = 0
    subscriptions: tuple[str, ...] = field(converter=tuple, default=())
    """As ``status`` shows them (``ticker:KRW-BTC``)."""
    events_received: int = 0
    alerts: int = 0
    """Leader alerts the agent sent it (lost, restored)."""


@frozen(kw_only=True)
class MemberJoin:
    """Member agent -> members actor: join, and every ``HEARTBEAT`` after (the same message)."""

    member: str
    """The member's name (``HubConfig.member_name``), unique among the leader's members."""
    session: str
    """One per agent instance: a new session is a new member (the old one's components go)."""
    agent: Any = None
    host: str = ""
    """Where the member listens (its advertised address), for status."""
    admin: Any = None
    """The member system's admin address (matches Thespian's convention updates)."""
    components: tuple[MemberComponent, ...] = field(converter=tuple, default=())
    seq: int = 0


@frozen(kw_only=True)
class MemberWelcome:
    """Members actor -> member agent: you are in; here is the leader's directory."""

    leader: str
    """The members actor's instance: a new value means a restarted leader."""
    directory: Directory
    seq: int = 0
    """The ``MemberJoin.seq`` answered."""
    released: bool = False
    """The leader had taken this member for gone and released its components' subscriptions:
    its agent restarts them (their old subscriptions are ignored from now on)."""
    refused: str = ""
    """Not joined, and why (another live member has this name): ``directory`` is then empty."""
