"""The leader's members actor: member systems join the hub here, and are released when gone.

A hub with ``HubConfig.accept_members`` spawns it as the component ``MEMBERS_NAME`` (so the
supervisor restarts it, keeps its directory current and includes it in ``status``). A member's
agent finds it by asking the leader's supervisor to spawn that name (an existing component's
address is the answer).

| Accepts                          | Emits                                                      |
|----------------------------------|------------------------------------------------------------|
| ``MemberJoin`` (agent heartbeat) | ``MemberWelcome`` (the leader's directory, or ``refused``:  |
|                                  | its name is held by another live member) to the agent;      |
|                                  | ``ComponentExited`` to the registry for an old session's   |
|                                  | components                                                  |
| ``ActorSystemConventionUpdate``  | a system that left: its member's components released        |
| ``DeadEnvelope`` (dead letters)  | a member's agent or component unreachable: released; events |
|                                  | to any other consumer that is gone: that consumer released  |
| ``Directory``                    | the new directory to every member (a leader actor restarted)|
| ``Tick`` (expire)                | members silent for ``MEMBER_TIMEOUT``: released             |
| ``StatusRequest``                | members, their components and the last departures           |

Released: ``ComponentExited`` to the registry for each component address (the merged set
shrinks at the next merge), and a ``StreamAlert`` (``member_lost``) to the hub's alerts through
the supervisor. Decisions: ``system.members.table.MemberTable``.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from thespian.actors import ActorSystemConventionUpdate, DeadEnvelope

from upbit_actors.actors.component import Component
from upbit_actors.messages import ComponentExited, Directory, Endpoint, MemberJoin, MemberWelcome, StreamAlert
from upbit_actors.system.members.table import HEARTBEAT, MEMBERS_NAME, MemberTable, Release
from upbit_actors.system.runtime.convention import MEMBER_CAPABILITY

__all__ = ["MEMBERS_NAME", "MembersActor"]


class MembersActor(Component):
    """See the module docstring."""

    def __init__(self) -> None:
        super().__init__()
        self.table = MemberTable()
        self.leader_id = uuid.uuid4().hex
        self.releases = 0

    def on_start(self) -> None:
        self.notifyOnSystemRegistrationChanges(True)
        self.handleDeadLetters(True)
        self.schedule(HEARTBEAT, "expire")

    def receiveMsg_MemberJoin(self, msg: MemberJoin, sender: Any) -> None:
        if self.table.in_use(msg, time.monotonic()):
            if msg.agent is not None:
                self.send(msg.agent, MemberWelcome(leader=self.leader_id, directory=Directory(entries=()),
                                                   seq=msg.seq, refused=f"member name {msg.member!r} is in use"))
            return
        released, releases = self.table.join(msg, time.monotonic())
        self._apply(releases)
        if msg.agent is not None and self.directory is not None:
            self.send(msg.agent, MemberWelcome(leader=self.leader_id, directory=self.directory,
                                               seq=msg.seq, released=released))

    def receiveMsg_ActorSystemConventionUpdate(self, msg: ActorSystemConventionUpdate, sender: Any) -> None:
        name = str((msg.remoteCapabilities or {}).get(MEMBER_CAPABILITY, ""))
        if msg.remoteAdded:
            self.table.system_joined(msg.remoteAdminAddress, name)
        else:
            self._apply(self.table.system_left(msg.remoteAdminAddress, name, time.monotonic()))

    def receiveMsg_DeadEnvelope(self, msg: DeadEnvelope, sender: Any) -> None:
        releases = self.table.dead_letter(msg.deadAddress, time.monotonic())
        self._apply(releases)
        registry = self.directory.get("registry") if self.directory else None
        if not releases and type(msg.deadMessage).__name__ == "EventFrames" and registry is not None:
            # Events for a consumer no member lists (a member's Hub.stream): it is gone, release it.
            self.send(registry, ComponentExited(address=msg.deadAddress, name="(unreachable consumer)"))

    def on_directory(self) -> None:
        super().on_directory()
        for agent in self.table.agents():  # a restarted registry or router: members must know
            self.send(agent, MemberWelcome(leader=self.leader_id, directory=self.directory))

    def on_tick(self, purpose: str) -> None:
        if purpose == "expire":
            self.schedule(HEARTBEAT, "expire")
            self._apply(self.table.expire(time.monotonic()))

    def _apply(self, releases: list[Release]) -> None:
        registry = self.directory.get("registry") if self.directory else None
        supervisor = self.directory.get("supervisor") if self.directory else None
        for release in releases:
            self.releases += 1
            for address, name in zip(release.addresses, release.names):
                if registry is not None:
                    self.send(registry, ComponentExited(address=address, name=f"{release.member}/{name}"))
            self.log.warning("member %s released (%s): %d component(s)", release.member,
                             release.reason, len(release.addresses))
            if supervisor is not None:
                self.send(supervisor, StreamAlert(endpoint=Endpoint.PUBLIC, kind="member_lost",
                                                  detail=f"member {release.member}: {release.reason}"))

    def on_stop(self) -> None:
        self.handleDeadLetters(False)
        super().on_stop()

    def status_details(self) -> dict:
        return {**self.table.status(time.monotonic()), "releases": self.releases}
