"""The leader's table of member systems: who is in, what they run, and what to release.

A member's agent sends ``MemberJoin`` every ``HEARTBEAT`` seconds with its components. The
leader releases a member (every subscription its components hold goes from the merged set) when

- it is silent for ``MEMBER_TIMEOUT`` seconds (a crashed host, a cut network);
- a message to its agent or one of its components came back dead (``DeadEnvelope``: the
  process is gone, its port refuses);
- its system left the convention (``ActorSystemConventionUpdate`` with ``remoteAdded=False``:
  a clean shutdown de-registers at once);
- it joins again with a new session (the member restarted: the old components are gone). A
  new session is let in only once the old one has been silent for ``TAKEOVER`` seconds: two live
  members of one name are not allowed (the second is refused, ``in_use``).

A released member that joins again with the same session was alive after all (a pause longer
than the timeout): it is told (``released``) and restarts its components, whose old
subscriptions the registry now ignores.

Pure: addresses are opaque values; ``now`` is an argument. Exception tree: none raised.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from attrs import define, field, frozen

__all__ = ["HEARTBEAT", "MEMBERS_NAME", "MEMBER_TIMEOUT", "TAKEOVER", "MemberRecord", "MemberTable", "Release"]

MEMBERS_NAME = "upbit-actors.members"
"""The leader's members actor is the component of this name (``actors.members``)."""

HEARTBEAT: float = 1.0
"""Seconds between a member's joins (its heartbeat)."""
MEMBER_TIMEOUT: float = 10.0
"""Seconds of silence after which the leader takes a member for gone: ten heartbeats, so a
loaded machine does not release a live member; a dead one refuses sooner (dead letters)."""
TAKEOVER: float = 3 * HEARTBEAT
"""Seconds a member's session must have been silent before another session of its name is let
in (a restart); a live one keeps its name."""
HISTORY_KEPT = 20
"""Departures kept for status."""


@frozen
class Release:
    """Release every subscription of these component addresses (one member's)."""

    member: str
    reason: str
    addresses: tuple[Any, ...]
    names: tuple[str, ...]


@define
class MemberRecord:
    name: str
    session: str
    agent: Any
    admin: Any
    host: str
    joined_at: float
    last_seen: float
    components: tuple[Any, ...] = ()
    """``MemberComponent`` values from its last join."""


@define
class MemberTable:
    timeout: float = MEMBER_TIMEOUT
    _members: dict[str, MemberRecord] = field(factory=dict, init=False)
    _released: dict[str, str] = field(factory=dict, init=False)
    """member name -> session released while it may still be alive."""
    _systems: list[tuple[Any, str]] = field(factory=list, init=False)
    """Convention members (admin address, member name) as Thespian announced them (addresses
    are not hashable)."""
    departures: deque = field(factory=lambda: deque(maxlen=HISTORY_KEPT), init=False)
    """(member, reason, time) of the last releases, newest last."""

    def in_use(self, msg: Any, now: float) -> bool:
        """True when ``msg`` names a member that another live agent holds: two members of one
        name would release each other at every heartbeat. A member that restarted is let in
        once its old session has been silent for ``TAKEOVER`` seconds (or was released)."""
        record = self._members.get(msg.member)
        return (record is not None and record.session != msg.session
                and now - record.last_seen <= TAKEOVER)

    def join(self, msg: Any, now: float) -> tuple[bool, list[Release]]:
        """A ``MemberJoin`` (not ``in_use``): (whether the member must restart its components,
        releases)."""
        releases: list[Release] = []
        record = self._members.get(msg.member)
        if record is not None and record.session != msg.session:
            releases.append(self._release(record, "the member restarted", now))
            record = None
        released = record is None and self._released.pop(msg.member, None) == msg.session
        if record is None:
            record = MemberRecord(name=msg.member, session=msg.session, agent=msg.agent,
                                  admin=msg.admin, host=msg.host, joined_at=now, last_seen=now)
            self._members[msg.member] = record
        record.agent, record.admin, record.host = msg.agent, msg.admin, msg.host
        record.components = tuple(msg.components)
        record.last_seen = now
        return released, releases

    def expire(self, now: float) -> list[Release]:
        """Members silent for longer than ``timeout``."""
        silent = [r for r in self._members.values() if now - r.last_seen > self.timeout]
        return [self._release(r, f"silent for {self.timeout:g} s", now) for r in silent]

    def dead_letter(self, address: Any, now: float) -> list[Release]:
        """A message to ``address`` came back undeliverable: its member is gone."""
        for record in list(self._members.values()):
            if address == record.agent or any(c.address == address for c in record.components):
                return [self._release(record, "its processes are unreachable", now)]
        return []

    def system_joined(self, admin: Any, name: str) -> None:
        self._systems = [(a, n) for a, n in self._systems if a != admin] + [(admin, name)]

    def system_left(self, admin: Any, name: str, now: float) -> list[Release]:
        """Thespian says the system at ``admin`` left the convention."""
        name = next((n for a, n in self._systems if a == admin), name)
        self._systems = [(a, n) for a, n in self._systems if a != admin]
        record = self._members.get(name)
        if record is None or (record.admin is not None and record.admin != admin):
            return []
        return [self._release(record, "its actor system left the convention", now)]

    def _release(self, record: MemberRecord, reason: str, now: float) -> Release:
        del self._members[record.name]
        self._released[record.name] = record.session
        while len(self._released) > 4 * HISTORY_KEPT:
            del self._released[next(iter(self._released))]
        self.departures.append((record.name, reason, now))
        return Release(member=record.name, reason=reason,
                       addresses=tuple(c.address for c in record.components if c.address is not None),
                       names=tuple(c.name for c in record.components))

    def members(self) -> list[MemberRecord]:
        return [self._members[name] for name in sorted(self._members)]

    def agents(self) -> list[Any]:
        return [r.agent for r in self.members() if r.agent is not None]

    def status(self, now: float) -> dict[str, Any]:
        """JSON-able view for ``upbit-actors status`` (no addresses, no secrets)."""
        return {
            "members": [{"name": r.name, "host": r.host, "joined_s": round(now - r.joined_at, 1),
                         "seen_s": round(now - r.last_seen, 1),
                         "components": [{"name": c.name, "pid": c.pid, "events": c.events_received,
                                         "alerts": c.alerts, "subscriptions": list(c.subscriptions)}
                                        for c in r.components]}
                        for r in self.members()],
            "convention_systems": len(self._systems),
            "departures": [{"member": m, "reason": why, "ago_s": round(now - at, 1)}
                           for m, why, at in self.departures],
        }
