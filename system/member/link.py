"""A member's view of its leader: joined, lost, back; what its components must be told.

The agent (``actors.member``) feeds it the leader's welcomes and the signs of loss, and acts on
the ``LinkChange`` it answers:

- a welcome while seeking or lost: the leader is there (again); the components get the leader's
  directory (a restarted leader has a new registry and router: the components send their whole
  set to the new registry on their own) and, after a loss, a ``connection_restored`` alert;
- a welcome from the same leader with a newer directory (a leader actor restarted): the new
  directory, quietly;
- a welcome with ``released``: the leader took this member for gone and released its
  subscriptions; the components are restarted (the registry ignores their old instances);
- a loss (a dead letter to the leader, its system leaving the convention, or no welcome for
  ``LEADER_TIMEOUT`` seconds): a ``connection_lost`` alert to every component. The agent then
  seeks the leader again every ``HEARTBEAT`` until it answers.

Pure: ``now`` is an argument. Exception tree: none raised.
"""

from __future__ import annotations

import enum
from typing import Any

from attrs import define, frozen

__all__ = ["LEADER_TIMEOUT", "LeaderLink", "LinkChange", "LinkState", "component_summary", "member_directory"]

LEADER_TIMEOUT: float = 5.0
"""Seconds without a welcome after which a joined member takes its leader for lost (five
heartbeats); a leader that is gone refuses sooner (dead letters)."""


class LinkState(enum.StrEnum):
    SEEKING = "seeking"
    """Not joined yet (start): no alert is due when the leader is not there."""
    JOINED = "joined"
    LOST = "lost"
    """Was joined, lost the leader: components were told; seeking it again."""


@frozen
class LinkChange:
    alert: str = ""
    """``connection_lost`` / ``connection_restored`` for every component, or ""."""
    detail: str = ""
    push_directory: bool = False
    restart_components: bool = False


@define
class LeaderLink:
    leader: str
    """``HOST:PORT`` of the leader's admin, for the alerts."""
    timeout: float = LEADER_TIMEOUT
    state: LinkState = LinkState.SEEKING
    leader_id: str = ""
    directory: Any = None
    last_welcome: float = 0.0
    joins: int = 0
    """Welcomes after a loss or from a new leader (rejoins), for status."""
    losses: int = 0

    @property
    def joined(self) -> bool:
        return self.state is LinkState.JOINED

    def welcome(self, leader_id: str, directory: Any, released: bool, now: float) -> LinkChange:
        was, self.state = self.state, LinkState.JOINED
        self.last_welcome = now
        new_leader = leader_id != self.leader_id
        epoch = getattr(directory, "epoch", 0)
        newer = (self.directory is None or new_leader
                 or epoch > getattr(self.directory, "epoch", 0))
        self.leader_id = leader_id
        if newer:
            self.directory = directory
        if was is not LinkState.JOINED:
            self.joins += 1
        alert = "connection_restored" if was is LinkState.LOST else ""
        return LinkChange(alert=alert, detail=f"leader {self.leader} is back" if alert else "",
                          push_directory=newer, restart_components=released)

    def lost(self, reason: str) -> LinkChange:
        """A sign that the leader is gone; an alert only the first time."""
        if self.state is not LinkState.JOINED:
            return LinkChange()
        self.state = LinkState.LOST
        self.losses += 1
        return LinkChange(alert="connection_lost", detail=f"leader {self.leader} lost: {reason}")

    def check(self, now: float) -> LinkChange:
        """On the heartbeat: no welcome for ``timeout`` seconds is a loss."""
        if self.state is LinkState.JOINED and now - self.last_welcome > self.timeout:
            return self.lost(f"no answer for {self.timeout:g} s")
        return LinkChange()

    def status(self, now: float) -> dict[str, Any]:
        return {"leader": self.leader, "link": self.state.value, "rejoins": max(0, self.joins - 1),
                "losses": self.losses,
                "welcome_s": round(now - self.last_welcome, 1) if self.last_welcome else None}


def member_directory(leader: Any, agent: Any, epoch: int) -> Any:
    """The leader's ``Directory`` (None: not known yet) with ``agent`` as the supervisor: what a
    member's components get, so that their clean exit is reported to their own agent."""
    from upbit_actors.messages import Directory, DirectoryEntry

    entries = [e for e in (leader.entries if leader is not None else ()) if e.role != "supervisor"]
    entries.append(DirectoryEntry(role="supervisor", address=agent))
    return Directory(entries=entries, epoch=epoch)


def component_summary(report: Any, address: Any, alerts: int) -> Any:
    """A component's ``ActorStatus`` as the ``MemberComponent`` its member reports to the leader."""
    from upbit_actors.messages import MemberComponent

    details = dict(report.details)
    return MemberComponent(name=report.role.partition(":")[2], address=address, pid=report.pid,
                           subscriptions=tuple(details.get("subscriptions", ())),
                           events_received=int(details.get("events_received", 0)), alerts=alerts)
