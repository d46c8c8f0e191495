"""The supervisor: starts the tree, restarts what crashes, and keeps every address current.

| Accepts                    | Emits                                                            |
|----------------------------|------------------------------------------------------------------|
| ``Configure`` (from hub)   | creates every child; ``Configure`` to each; replies ``Directory`` |
| ``Credentials``            | forwards to the JWT actor only (kept for its restarts)           |
| ``ResetAuth``              | forwards to ``connection.private``                               |
| ``AuthFailed``             | forwards to the hub (``Hub.auth_failure``)                        |
| ``StreamAlert``            | (consumer_behind, from the router) forwards to the hub            |
| ``SpawnComponent``         | creates the component; ``ComponentSpawned`` to the asker         |
| ``Started`` (from a child) | its pid is watched: a process gone unreported counts as exited   |
| ``ChildActorExited``       | restart per the ledger; new ``Directory`` to everyone;            |
|                            | ``ComponentExited`` to the registry for a dead component         |
| ``ComponentExited``        | (from a component leaving cleanly) its exit is not a crash       |
| ``Checkpoint``             | keeps the role's durable state for its next restart              |
| ``StatusRequest``          | gathers ``ActorStatus`` from every actor; ``SystemStatus``        |
| ``Shutdown``               | components exit first, then the other children; ``TreeStopped``  |
|                            | to the asker once all exited (or ``STOP_WAIT`` per phase passed) |
| (its owner's process gone) | the same ordered stop, then the whole system (``runtime.owner``)  |

OTP style (STYLE.md): child specs in ``CHILD_SPECS``, one_for_one restarts, restart intensity over a period
(``system.supervisor.ledger``), escalation when exceeded: the supervisor tells the hub with
``ActorCrashed(role="supervisor")`` and exits, and the hub stops the system. Components are children too:
``spawn(restart=True)`` makes one transient (restarted after a crash, not after a clean exit), ``restart=False``
temporary; their restarts count toward the same intensity (a crash in ``on_start`` ends in an escalation).

Durable state: the registry checkpoints its book here after every change, and components keep
what they asked for and send it again to a new registry (a whole numbered set, applied once).
A restarted actor has a new address (THESPIAN.md), hence a new ``Directory`` after every restart.
"""

from __future__ import annotations

import time

import attrs
from thespian.actors import ActorExitRequest, ChildActorExited

from upbit_actors.actors.base_root import RootActor
from upbit_actors.actors.component import Component
from upbit_actors.actors.connection import ConnectionActor
from upbit_actors.actors.jwt import JwtActor
from upbit_actors.actors.limiter import LimiterActor
from upbit_actors.actors.registry import RegistryActor
from upbit_actors.actors.rest import RestActor
from upbit_actors.actors.router import RouterActor
from upbit_actors.messages import (
    ActorCrashed,
    ActorStatus,
    AuthFailed,
    Checkpoint,
    ComponentExited,
    ComponentSpawned,
    Configure,
    Credentials,
    Directory,
    DirectoryEntry,
    ResetAuth,
    Shutdown,
    SpawnComponent,
    Started,
    StatusRequest,
    StreamAlert,
    SystemStatus,
    TreeStopped,
)
from upbit_actors.system.errors import HubError
from upbit_actors.system.runtime import actor_path, import_actor_class, processes
from upbit_actors.system.supervisor.components import ComponentBook
from upbit_actors.system.supervisor.gather import STATUS_TIMEOUT, StatusGather
from upbit_actors.system.supervisor.ledger import STOP_WAIT, ChildSpec, RestartLedger
from upbit_actors.system.supervisor.shutdown import StopOrder, StopStep
from upbit_actors.system.supervisor.watch import WATCH_INTERVAL, PidWatch

__all__ = ["CHILD_SPECS", "STOP_WAIT", "Supervisor"]

CHILD_SPECS: tuple[tuple[ChildSpec, type], ...] = (
    (ChildSpec(role="registry"), RegistryActor),
    (ChildSpec(role="limiter"), LimiterActor),
    (ChildSpec(role="rest"), RestActor),
    (ChildSpec(role="router"), RouterActor),
    (ChildSpec(role="jwt"), JwtActor),
    (ChildSpec(role="connection.public"), ConnectionActor),
    (ChildSpec(role="connection.private"), ConnectionActor),
)
"""The permanent children, in start order, with the actor class each runs (``rest``: the blocking REST calls)."""


class Supervisor(RootActor):
    """Root of the actor tree (see the module docstring)."""

    def __init__(self, capabilities: dict | None = None) -> None:  # Thespian passes the system's
        super().__init__(capabilities)
        self._classes = {spec.role: actor_path(cls) for spec, cls in CHILD_SPECS}
        self._ledger = RestartLedger([spec for spec, _ in CHILD_SPECS])
        self._children: dict[str, object] = {}          # role -> address
        self._components = ComponentBook(self._ledger)
        self._state: dict[str, object] = {}             # role -> durable state (checkpoints)
        self._credentials: Credentials | None = None
        self._epoch = 0
        self._gather = StatusGather()
        self._stop = StopOrder()
        self._stop_asker = None                         # who gets TreeStopped
        self._exit_when_stopped = False                 # escalation: exit after the children
        self._watch = PidWatch(alive=processes.alive)    # exits Thespian may not report

    # -- start --------------------------------------------------------------------------------
    def on_configure(self, msg: Configure) -> None:
        if self._children:
            self.send(self._owner, self._directory())
            return  # idempotent: the tree exists already
        for spec, _ in CHILD_SPECS:
            self._children[spec.role] = self.createActor(self._classes[spec.role])
        self._publish_directory(configure=list(self._children))
        self.send(self._owner, self._directory())
        self.schedule(WATCH_INTERVAL, "watch")

    def receiveMsg_Started(self, msg: Started, sender) -> None:
        if msg.role in self._children or msg.role.partition(":")[2] in self._components:
            self._watch.started(msg.role, processes.record(msg.pid))

    def _watch_children(self) -> None:
        """Children whose process is gone without a ``ChildActorExited`` (see the watch module)."""
        self.schedule(WATCH_INTERVAL, "watch")
        for role in self._watch.dead():
            name = role.partition(":")[2] if role.startswith("component:") else None
            if name is not None and name in self._components:
                self._component_exited(name)
            elif role in self._children:
                self._child_exited(role)

    def receiveMsg_Credentials(self, msg: Credentials, sender) -> None:
        self._credentials = msg
        jwt = self._children.get("jwt")
        if jwt is not None:
            self.send(jwt, msg)

    def receiveMsg_ResetAuth(self, msg: ResetAuth, sender) -> None:
        connection = self._children.get("connection.private")
        if connection is not None:
            self.send(connection, msg)

    def receiveMsg_AuthFailed(self, msg: AuthFailed, sender) -> None:
        self._notify(msg)

    def receiveMsg_StreamAlert(self, msg: StreamAlert, sender) -> None:
        self._notify(msg)  # from the router: a block consumer fell behind

    def receiveMsg_Checkpoint(self, msg: Checkpoint, sender) -> None:
        self._state[msg.role] = msg.state

    # -- components ---------------------------------------------------------------------------
    def receiveMsg_SpawnComponent(self, msg: SpawnComponent, sender) -> None:
        if msg.name in self._components:
            self.send(sender, ComponentSpawned(name=msg.name, address=self._components.address_of(msg.name)))
            return
        try:  # a bad class is the caller's error, not a crash (Thespian would swallow it)
            address = self.createActor(import_actor_class(msg.actor_class, Component))
        except Exception as exc:
            self.send(sender, ComponentSpawned(name=msg.name, error=str(exc) if isinstance(exc, HubError)
                                               else f"{type(exc).__name__}: {exc}"))
            return
        self._components.started(msg.name, address, msg, msg.restart)
        self._configure(f"component:{msg.name}", address, state=msg.params)
        self.send(sender, ComponentSpawned(name=msg.name, address=address))

    # -- supervision --------------------------------------------------------------------------
    def receiveMsg_ChildActorExited(self, msg: ChildActorExited, sender) -> None:
        address = msg.childAddress
        role = next((r for r, a in self._children.items() if a == address), None)
        if role is not None:
            self._child_exited(role)
            return
        name = self._components.name_of(address)
        if name is not None:
            self._component_exited(name)

    def _child_exited(self, role: str) -> None:
        self._watch.forget(role)
        if self._stop.stopping:
            del self._children[role]
            self._stop_progress()
            return
        if not self._ledger.record_exit(role, time.monotonic()).restart:
            self._escalate(role)
            return
        self._children[role] = self.createActor(self._classes[role])
        self._publish_directory(configure=[role])
        self._notify(ActorCrashed(role=role, reason="exited", restarted=True))

    def receiveMsg_ComponentExited(self, msg: ComponentExited, sender) -> None:
        self._components.leaving(msg.name, msg.address, msg.instance)

    def _component_exited(self, name: str) -> None:
        self._watch.forget(f"component:{name}")
        gone = self._components.exited(name, time.monotonic(), stopping=self._stop.stopping)
        registry = self._children.get("registry")
        if registry is not None:
            self.send(registry, ComponentExited(address=gone.address, name=name, instance=gone.instance))
        if self._stop.stopping:
            self._stop_progress()
        elif gone.escalate:
            self._escalate(f"component:{name}")
        else:
            if gone.restart:
                self.receiveMsg_SpawnComponent(gone.spec, self._owner)
            if gone.crashed:
                self._notify(ActorCrashed(role=f"component:{name}", reason="exited", restarted=gone.restart))

    def _escalate(self, role: str) -> None:
        self._notify(ActorCrashed(role="supervisor", restarted=False,
                                  reason=f"restart intensity exceeded by {role}"))
        self._exit_when_stopped = True
        self._begin_stop()

    # -- directory ----------------------------------------------------------------------------
    def _directory(self) -> Directory:
        pairs = [*self._children.items(), ("supervisor", self.myAddress)]
        return Directory(entries=[DirectoryEntry(role=r, address=a) for r, a in pairs], epoch=self._epoch)

    def _publish_directory(self, configure: list[str]) -> None:
        """New epoch: configure the (re)started roles, tell everyone else the new addresses."""
        self._epoch += 1
        directory = self._directory()
        self.directory = directory
        for role, address in self._children.items():
            if role in configure:
                self._configure(role, address)
            else:
                self.send(address, directory)
        for address in self._components.addresses():
            self.send(address, directory)
        if self._owner is not None:
            self.send(self._owner, directory)

    def _configure(self, role: str, address, state=None) -> None:
        if state is None:
            state = self._state.get(role)
        self.send(address, Configure(role=role, config=self.config, directory=self._directory(),
                                     state=state))
        if role == "jwt" and self._credentials is not None:
            self.send(address, self._credentials)

    def _notify(self, event) -> None:
        if self._owner is not None:
            self.send(self._owner, event)

    # -- status -------------------------------------------------------------------------------
    def receiveMsg_StatusRequest(self, msg: StatusRequest, sender) -> None:
        if sender in self._all_addresses():
            return  # a child relaying; never happens, but never loop
        request_id = msg.request_id or f"status-{self.handled}"
        targets = self._all_addresses()
        self._gather.begin(request_id, sender, len(targets), self.status_report())
        for address in targets:
            self.send(address, StatusRequest(request_id=request_id))
        self.schedule(STATUS_TIMEOUT, f"status:{request_id}")

    def receiveMsg_ActorStatus(self, msg: ActorStatus, sender) -> None:
        report = attrs.evolve(msg, restarts=self._ledger.restart_counts().get(msg.role, 0))
        if (done := self._gather.add(msg.request_id, report)) is not None:
            self._answer_status(done)

    def on_tick(self, purpose: str) -> None:
        kind, _, rest = purpose.partition(":")
        if kind == "status":
            self._answer_status(rest)
        elif kind == "stop":
            self._stop_progress(waited=rest)
        elif kind == "watch" and not self._stop.stopping:  # the hub's process gone: stop all
            self._begin_stop() if self._owner_watch.gone() else self._watch_children()

    def _answer_status(self, request_id: str) -> None:
        record = self._gather.finish(request_id)
        if record is not None:
            self.send(record.asker, SystemStatus(request_id=request_id, actors=record.got,
                                                 collected_at=time.time()))

    def status_details(self) -> dict:
        return {"epoch": self._epoch, "restarts": self._ledger.restart_counts(),
                "components": self._components.names()}

    def _all_addresses(self) -> list:
        return list(self._children.values()) + self._components.addresses()

    # -- stop ---------------------------------------------------------------------------------
    def receiveMsg_Shutdown(self, msg: Shutdown, sender) -> None:
        self._stop_asker = sender
        self._begin_stop()

    def _begin_stop(self) -> None:
        """Components first, then the connections, then the other children
        (``system.supervisor.shutdown``)."""
        if self._stop.begin():
            for address in self._components.addresses():
                self.send(address, ActorExitRequest())
            self.schedule(STOP_WAIT, "stop:components")
            self._stop_progress()

    def _stop_progress(self, waited: str = "") -> None:
        connections = [a for role, a in self._children.items() if role.startswith("connection.")]
        for step in self._stop.progress(bool(self._components), bool(self._children), waited,
                                        connections_left=bool(connections)):
            if step is not StopStep.DONE:  # the connections first, then every child still there
                for address in connections if step is StopStep.STOP_CONNECTIONS else self._children.values():
                    self.send(address, ActorExitRequest())
                self.schedule(STOP_WAIT, "stop:" + step.value.removeprefix("stop_"))  # the phase's wait
            else:  # done
                lingering = list(self._children) + [f"component:{n}" for n in self._components.names()]
                if self._stop_asker is not None:
                    self.send(self._stop_asker, TreeStopped(lingering=lingering))
                if self._owner_watch.gone():  # nobody to report to: the whole system goes
                    self._owner_watch.take_down_system(self.send)
                elif self._exit_when_stopped:
                    self.send(self.myAddress, ActorExitRequest())
