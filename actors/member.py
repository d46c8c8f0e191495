"""The member agent: root of a member system; its components are fed by the leader's hub.

A hub with ``HubConfig.leader`` runs this instead of the ``Supervisor`` (no connection, registry
or router of its own). It joins the leader, hands the leader's directory to its components (with
itself as their supervisor), supervises them locally, and tells them when the leader is lost
and back (``system.member.link``).

| Accepts                          | Emits                                                      |
|----------------------------------|------------------------------------------------------------|
| ``Configure`` (from the hub)     | ``Directory`` to the hub; joins the convention's news      |
| ``SpawnComponent``               | creates the component; ``ComponentSpawned`` to the asker   |
| ``Started`` / ``ChildActorExited`` / ``ComponentExited`` | as the supervisor; a gone    |
|                                  | component's ``ComponentExited`` to the leader's registry   |
| ``Tick`` (beat)                  | ``MemberJoin`` to the leader's members actor; while not    |
|                                  | joined, seeks it (admin status, then its supervisor)       |
| ``Thespian_SystemStatus`` / ``ComponentSpawned`` | (leader's admin / supervisor) finding   |
|                                  | the members actor (a ``SpawnComponent`` of its name): join |
| ``MemberWelcome``                | directory to the components (and the hub); alerts; restart |
| ``ActorSystemConventionUpdate``  | the leader's system left: lost; joined: seek now           |
| ``DeadEnvelope`` (dead letters)  | a message to the leader came back: lost                    |
| ``StatusRequest``                | (``member_status``) its components' ``ActorStatus`` gathered |
| ``Shutdown``                     | components exit; ``TreeStopped`` to the asker               |

Leader lost: every component gets ``StreamAlert(kind="connection_lost")``; back:
``connection_restored`` and the new directory (a restarted leader has a new registry: the
components send it their whole set themselves).
"""

from __future__ import annotations

import time
import uuid

import attrs
from thespian.actors import ActorExitRequest, ActorSystemConventionUpdate, ChildActorExited, DeadEnvelope
from thespian.system.messages.status import Thespian_StatusReq, Thespian_SystemStatus
from thespian.system.transport.TCPTransport import TCPTransport

from upbit_actors.actors.base_root import RootActor
from upbit_actors.actors.component import Component
from upbit_actors.actors.member_status import BEAT_ID, MemberStatus
from upbit_actors.actors.members import MEMBERS_NAME, MembersActor
from upbit_actors.messages import (
    ActorCrashed,
    ComponentExited,
    ComponentSpawned,
    Configure,
    Directory,
    Endpoint,
    MemberComponent,
    MemberJoin,
    MemberWelcome,
    Shutdown,
    SpawnComponent,
    Started,
    StatusRequest,
    StreamAlert,
    TreeStopped,
)
from upbit_actors.system.embed.attach import SUPERVISOR_NAME
from upbit_actors.system.member.link import LeaderLink, LinkChange, member_directory
from upbit_actors.system.members.table import HEARTBEAT
from upbit_actors.system.runtime import actor_path, import_actor_class, owner, processes
from upbit_actors.system.runtime.convention import CONVENTION_ADDRESS, LEADER_CAPABILITY, MEMBER_CAPABILITY
from upbit_actors.system.supervisor.components import ComponentBook
from upbit_actors.system.supervisor.gather import StatusGather
from upbit_actors.system.supervisor.ledger import STOP_WAIT, RestartLedger
from upbit_actors.system.supervisor.watch import WATCH_INTERVAL, PidWatch

__all__ = ["MemberAgent"]

RESEEK = 5
"""Seeking steps (one per heartbeat) after which the search starts again from the admin."""


class MemberAgent(MemberStatus, RootActor):
    """See the module docstring."""

    def __init__(self, capabilities: dict | None = None) -> None:
        super().__init__(capabilities)
        caps = capabilities or {}
        self.member = str(caps.get(MEMBER_CAPABILITY, ""))
        self.link = LeaderLink(leader=str(caps.get(CONVENTION_ADDRESS, "")))
        self._leader_admin = TCPTransport.getAddressFromString(self.link.leader) if self.link.leader else None
        self._leader_sup = None
        self._members = None
        self._session = uuid.uuid4().hex
        self._components = ComponentBook(RestartLedger([]))
        self._watch = PidWatch(alive=processes.alive)
        self._admin = owner.admin_address(caps["Admin Port"]) if caps.get("Admin Port") else None
        self._gather = StatusGather()
        self._stopping = False
        self._stopped_all = False
        self._stop_asker = None
        self._epoch = 0
        self._seq = 0
        self._seen: dict[str, MemberComponent] = {}
        self._respawn: set[str] = set()
        self._told_refusal = False
        self._seeks = 0

    # -- start --------------------------------------------------------------------------------
    def on_configure(self, msg: Configure) -> None:
        if self._epoch == 0:
            self.notifyOnSystemRegistrationChanges(True)
            self.handleDeadLetters(True)
            self.schedule(HEARTBEAT, "beat")
            self.schedule(WATCH_INTERVAL, "watch")
            self._seek()
        self._epoch += 1
        self.send(self._owner, self._directory())

    def _directory(self) -> Directory:
        return member_directory(self.link.directory, self.myAddress, self._epoch)

    # -- the leader ---------------------------------------------------------------------------
    def _seek(self) -> None:
        """One step towards the leader's members actor, from what is known so far (every
        ``RESEEK``th step from the leader's admin again: an address that never answers)."""
        self._seeks += 1
        if self._seeks % RESEEK == 0:
            self._members = self._leader_sup = None
        if self._members is not None:
            self._join()
        elif self._leader_sup is not None:
            self.send(self._leader_sup, SpawnComponent(actor_class=actor_path(MembersActor),
                                                       name=MEMBERS_NAME, restart=True))
        elif self._leader_admin is not None:
            self.send(self._leader_admin, Thespian_StatusReq())

    def _join(self) -> None:
        self._seq += 1
        self.send(self._members, MemberJoin(
            member=self.member, session=self._session, agent=self.myAddress,
            host=str(getattr(self.myAddress.addressDetails, "sockname", ("",))[0]),
            admin=self._admin, seq=self._seq,
            components=tuple(self._seen.get(n, MemberComponent(name=n, address=self._components.address_of(n)))
                             for n in self._components.names())))

    def receiveMsg_Thespian_SystemStatus(self, msg: Thespian_SystemStatus, sender) -> None:
        if not (msg.capabilities or {}).get(LEADER_CAPABILITY):
            if not self._told_refusal:
                self._told_refusal = True
                self.log.warning("the system at %s does not accept members (HubConfig.accept_members)",
                                 self.link.leader)
            return
        self._leader_sup = msg.globalActors.get(SUPERVISOR_NAME)
        self._seek()

    def receiveMsg_ComponentSpawned(self, msg: ComponentSpawned, sender) -> None:
        if msg.name == MEMBERS_NAME and msg.address is not None:
            self._members = msg.address
            self._join()

    def receiveMsg_MemberWelcome(self, msg: MemberWelcome, sender) -> None:
        if msg.refused:  # another live member holds our name: keep asking (it may be a restart)
            if not self._told_refusal:
                self._told_refusal = True
                self.log.error("the leader %s refused this member: %s", self.link.leader, msg.refused)
                self.send(self._owner, StreamAlert(endpoint=Endpoint.PUBLIC, kind="member_refused",
                                                   detail=f"leader {self.link.leader}: {msg.refused}"))
            return
        self._members = sender
        self._change(self.link.welcome(msg.leader, msg.directory, msg.released, time.monotonic()))

    def receiveMsg_ActorSystemConventionUpdate(self, msg: ActorSystemConventionUpdate, sender) -> None:
        if not (msg.remoteCapabilities or {}).get(LEADER_CAPABILITY):
            return
        if msg.remoteAdded:
            if not self.link.joined:
                self._seek()
        else:
            self._lost("its actor system left the convention")

    def receiveMsg_DeadEnvelope(self, msg: DeadEnvelope, sender) -> None:
        """A message to the leader came back. Only a current address means a loss: late dead
        letters to a former leader's actors must not undo a search that found the new one."""
        dead = msg.deadAddress
        leader = self.link.directory.entries if self.link.directory is not None else ()
        current = any(dead == a for a in (self._members, self._leader_sup) if a is not None)
        if current or (self.link.joined and any(e.address == dead for e in leader)):
            self._lost("its actors are unreachable")

    def _lost(self, reason: str) -> None:
        self._members = self._leader_sup = None  # seek again from the leader's admin
        self._change(self.link.lost(reason))

    def _change(self, change: LinkChange) -> None:
        if change.push_directory:
            self._epoch += 1
            directory = self._directory()
            for address in self._components.addresses():
                self.send(address, directory)
            self.send(self._owner, directory)
        if change.alert:
            alert = StreamAlert(endpoint=Endpoint.PUBLIC, kind=change.alert, detail=change.detail)
            for name in self._components.names():
                self.send(self._components.address_of(name), alert)
                seen = self._seen.get(name)
                if seen is not None:
                    self._seen[name] = attrs.evolve(seen, alerts=seen.alerts + 1)
            self.send(self._owner, alert)
        if change.restart_components:  # the leader released us: new instances subscribe afresh
            for name in self._components.names():
                self._respawn.add(name)
                self.send(self._components.address_of(name), ActorExitRequest())

    # -- components ---------------------------------------------------------------------------
    def receiveMsg_SpawnComponent(self, msg: SpawnComponent, sender) -> None:
        if msg.name in self._components:
            self.send(sender, ComponentSpawned(name=msg.name, address=self._components.address_of(msg.name)))
            return
        try:
            address = self.createActor(import_actor_class(msg.actor_class, Component))
        except Exception as exc:  # noqa: BLE001 - a bad class is the caller's error, not a crash
            self.send(sender, ComponentSpawned(name=msg.name, error=f"{type(exc).__name__}: {exc}"))
            return
        self._components.started(msg.name, address, msg, msg.restart)
        self.send(address, Configure(role=f"component:{msg.name}", config=self.config,
                                     directory=self._directory(), state=msg.params))
        self.send(sender, ComponentSpawned(name=msg.name, address=address))

    def receiveMsg_Started(self, msg: Started, sender) -> None:
        name = msg.role.partition(":")[2]
        if name in self._components:
            self._watch.started(msg.role, processes.record(msg.pid))

    def receiveMsg_ComponentExited(self, msg: ComponentExited, sender) -> None:
        self._components.leaving(msg.name, msg.address, msg.instance)

    def receiveMsg_ChildActorExited(self, msg: ChildActorExited, sender) -> None:
        name = self._components.name_of(msg.childAddress)
        if name is not None:
            self._component_exited(name)

    def _component_exited(self, name: str) -> None:
        self._watch.forget(f"component:{name}")
        self._seen.pop(name, None)
        gone = self._components.exited(name, time.monotonic(), stopping=self._stopping)
        registry = self.link.directory.get("registry") if self.link.directory is not None else None
        if registry is not None:
            self.send(registry, ComponentExited(address=gone.address, name=f"{self.member}/{name}",
                                                instance=gone.instance))
        if self._stopping:
            self._stop_progress()
        elif name in self._respawn or gone.restart:
            self._respawn.discard(name)
            self.receiveMsg_SpawnComponent(gone.spec, self._owner)
        if gone.crashed and not self._stopping:
            self.send(self._owner, ActorCrashed(role=f"component:{name}", reason="exited",
                                                restarted=gone.restart))

    # -- timers, status -----------------------------------------------------------------------
    def on_tick(self, purpose: str) -> None:
        kind, _, rest = purpose.partition(":")
        if kind == "beat" and not self._stopping:
            self.schedule(HEARTBEAT, "beat")
            self._change(self.link.check(time.monotonic()))
            self._join() if self.link.joined else self._seek()
            for address in self._components.addresses():
                self.send(address, StatusRequest(request_id=BEAT_ID))
        elif kind == "watch" and not self._stopping:
            self.schedule(WATCH_INTERVAL, "watch")
            if self._owner_watch.gone():
                self._begin_stop()
            for role in self._watch.dead():
                if role.partition(":")[2] in self._components:
                    self._component_exited(role.partition(":")[2])
        elif kind == "status":
            self._answer_status(rest)
        elif kind == "stop":
            self._stop_progress(waited=True)

    def status_details(self) -> dict:
        return {"member": self.member, **self.link.status(time.monotonic()),
                "components": self._components.names()}

    # -- stop ---------------------------------------------------------------------------------
    def receiveMsg_Shutdown(self, msg: Shutdown, sender) -> None:
        self._stop_asker = sender
        self._begin_stop()

    def _begin_stop(self) -> None:
        if not self._stopping:
            self._stopping = True
            for address in self._components.addresses():
                self.send(address, ActorExitRequest())
            self.schedule(STOP_WAIT, "stop")
            self._stop_progress()

    def _stop_progress(self, waited: bool = False) -> None:
        if (len(self._components) and not waited) or self._stopped_all:
            return
        self._stopped_all = True
        self.cancel("stop")
        if self._stop_asker is not None:
            self.send(self._stop_asker, TreeStopped(lingering=[f"component:{n}" for n in self._components.names()]))
            self._stop_asker = None
        if self._owner_watch.gone():
            self._owner_watch.take_down_system(self.send)
