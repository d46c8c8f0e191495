"""Embedding upbit-actors in a bot: start the tree, spawn components, read events in plain Python.

::

    from upbit_actors import DataType, Hub, HubConfig

    with Hub(HubConfig(public_url=url)) as hub:
        hub.spawn(Board, name="board", codes=["KRW-BTC"])
        with hub.stream(DataType.TRADE, ["KRW-BTC"]) as trades:      # no actor needed
            for trade in trades:
                ...
        print(hub.status())

``Hub.start`` starts a loopback-only multiprocTCPBase system (``system.runtime``), creates the
supervisor, and waits until the tree is up; ``Hub.stop`` (or leaving the ``with``) stops every
actor and process it started. A hub is used from one thread; each ``EventStream`` has its own
Thespian endpoint (``ActorSystem.private()``) and its own thread.

``HubBase`` knows the tree only through the class it is given (``root_actor``):
the embedding layer sits beside the decisions in ``system/`` and does not import the actor
shells. ``upbit_actors.Hub`` (``actors/tree.py``) is this class bound to the project's
``Supervisor``.
"""

from __future__ import annotations

import logging
import uuid
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any, ClassVar

from upbit_actors.messages import (
    ActorCrashed,
    AuthFailed,
    ComponentSpawned,
    Credentials,
    DataType,
    Directory,
    HubConfig,
    ResetAuth,
    Shutdown,
    StatusRequest,
    StreamAlert,
    SystemStatus,
    TreeStopped,
)
from upbit_actors.system import runtime
from upbit_actors.system.embed import convention
from upbit_actors.system.embed.attach import SUPERVISOR_NAME, HubError, ask_for, find_supervisor, query_status
from upbit_actors.system.embed.markets import check_listed
from upbit_actors.system.embed.monitor import Monitor
from upbit_actors.system.embed.services import HubServices
from upbit_actors.system.embed.streams import EventStream
from upbit_actors.system.supervisor.ledger import STOP_WAIT
from upbit_actors.system.wire.specs import stream_spec

__all__ = ["EventStream", "HubBase", "HubError", "SUPERVISOR_NAME", "find_supervisor", "query_status"]


ALERTS_KEPT = 100
"""Owner alerts a hub keeps (``HubBase.alerts``)."""

_log = logging.getLogger("upbit_actors.hub")


class HubBase:
    """The actor tree, owned by the calling program; ``root_actor`` names the tree's root."""

    root_actor: ClassVar[type | None] = None
    """The class of the tree's root (a supervisor answering ``Configure``, ``SpawnComponent``,
    ``StatusRequest`` and ``Shutdown``)."""
    member_root: ClassVar[type | None] = None
    """The root of a member's tree (``HubConfig.leader``): answers as the supervisor does."""
    members_actor: ClassVar[type | None] = None
    """The component a leader (``HubConfig.accept_members``) spawns for members to join."""

    def __init__(self, config: HubConfig | None = None, *, credentials: Credentials | None = None,
                 admin_port: int | None = None, start_timeout: float = 15.0,
                 system_options: dict[str, Any] | None = None,
                 on_failure: Callable[[str], None] | None = None) -> None:
        self.config = config or HubConfig()
        self._credentials = credentials
        self._admin_port = admin_port
        self._timeout = start_timeout
        self._system_options = system_options or {}
        self._system = None
        self._asys = None
        self.supervisor = None
        self.directory: Directory | None = None
        self.crashes: list[ActorCrashed] = []
        """Restarts and exits the supervisor reported, oldest first."""
        self._streams: list[EventStream] = []
        self.handle: runtime.SystemHandle | None = None
        """The runtime handle of the last started system (kept after ``stop``)."""
        self.stop_report: runtime.StopReport | None = None
        """What ``runtime.stop_system`` found and did at the last ``stop``."""
        self.on_failure = on_failure
        """Called (on the monitor thread) with the reason when the tree gives up."""
        self._failure: str | None = None
        self.auth_failure: AuthFailed | None = None
        """The private connection's last authentication failure (reason, failures, whether it
        still retries); None when none happened since the last ``set_credentials``/``reset_auth``."""
        self._monitor: Monitor | None = None
        self._supervisor_gone = False
        self._undo_exit: Callable[[], None] | None = None
        self._services = HubServices(self.config)
        self.alerts: deque[StreamAlert] = deque(maxlen=ALERTS_KEPT)
        """Alerts for the owner, newest last: a ``block`` consumer that fell behind
        (``consumer_behind``); also logged as warnings."""

    def __repr__(self) -> str:
        return f"Hub(admin_port={self.admin_port}, running={self._asys is not None})"

    @property
    def admin_port(self) -> int | None:
        return self._system.admin_port if self._system is not None else self._admin_port

    @property
    def metrics_url(self) -> str | None:
        """``http://127.0.0.1:PORT/metrics`` while the hub serves metrics (``HubConfig.metrics_port``)."""
        return self._services.metrics_url

    # -- lifecycle ------------------------------------------------------------------------------
    def start(self) -> HubBase:
        if self._asys is not None:
            return self
        if self.root_actor is None:
            raise HubError(f"{type(self).__name__} has no root_actor: use upbit_actors.Hub")
        if runtime.in_actor_process():
            raise HubError("a Hub cannot start inside an actor process: a component's module was "
                           "imported and started a hub; keep the bot's start-up under "
                           "if __name__ == '__main__':")
        options = {**self._services.system_options(), **convention.system_options(self.config),
                   **self._system_options}
        try:
            self._system = self.handle = runtime.start_system(self._admin_port, **options)
        except BaseException:
            self._services.close_output()
            raise
        self._asys = self._system.asys
        # Stopped at interpreter exit (an uncaught exception too) and on SIGTERM/SIGHUP, chained
        # with the program's own handlers; a SIGKILL is the tree's own watch (runtime.owner).
        self._undo_exit = runtime.stop_on_exit(self.stop)
        try:
            root = self.member_root if self.config.leader else self.root_actor  # a member's agent
            self.supervisor = self._asys.createActor(runtime.actor_path(root),
                                                     globalName=SUPERVISOR_NAME)
            if self._credentials is not None:  # kept by the supervisor for the JWT actor it creates
                self._asys.tell(self.supervisor, self._credentials)
            self._monitor = Monitor(self)
            if not self._monitor.ready.wait(self._timeout):
                raise HubError("the actor tree did not come up within the start timeout")
            self._services.start_metrics(self)
            if self.config.accept_members:  # member systems join here (system.embed.convention)
                self.spawn(self.members_actor, convention.MEMBERS_NAME, restart=True)
        except BaseException:
            self.stop()
            raise
        return self

    @property
    def failure(self) -> str | None:
        """Why the tree gave up (the supervisor's restart intensity was exceeded), else None.
        When set, every stream has ended and the hub should be stopped."""
        return self._failure

    def stop(self) -> None:
        """Stop streams, actors and every process the hub started; safe to call twice.

        The orderly part (streams, then the supervisor's ordered shutdown) may be cut short by a
        Ctrl-C; the system is stopped and swept whatever happens (``runtime.stop_system``)."""
        try:
            self._services.close_metrics()
            for stream in list(self._streams):
                stream.close()
            if self._monitor is not None:
                self._monitor.stop()
                self._monitor = None
            if self._asys is not None and self.supervisor is not None and not self._supervisor_gone:
                try:  # components first, then the infrastructure (the supervisor orders it)
                    self._ask(self.supervisor, Shutdown(reason="hub stopping"), TreeStopped,
                              timeout=2 * STOP_WAIT + 1.0)
                except Exception:  # a dead or stuck tree: stop_system sweeps its processes
                    pass
        finally:
            if self._system is not None:
                self.stop_report = runtime.stop_system(self._system)
            self._services.close_output()
            self._system = self._asys = self.supervisor = None
            if self._undo_exit is not None:
                self._undo_exit()
                self._undo_exit = None

    def __enter__(self) -> HubBase:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- components -----------------------------------------------------------------------------
    def spawn(self, component_class: type | str, name: str, *, restart: bool = False,
              **params: Any) -> Any:
        """Create a component actor; ``params`` reach it as ``self.params``. Returns its address.

        ``component_class`` is the class (or its dotted path); it must be importable by the actor
        processes (see ``runtime.actor_path``), otherwise ``HubError`` says so in one line."""
        from upbit_actors.messages import SpawnComponent

        msg = SpawnComponent(actor_class=runtime.actor_path(component_class), name=name,
                             params=tuple(params.items()), restart=restart)
        if (refused := runtime.unpickle.refused_class(msg)) is not None:  # the tree would drop it
            raise HubError(f"cannot spawn component {name!r}: its parameters hold a {refused}; "
                           "give plain values (numbers, strings, lists, dicts, Decimal...)")
        reply = self._ask(self.supervisor, msg, ComponentSpawned, match=lambda r: r.name == name)
        if reply.error:
            raise HubError(f"cannot spawn component {name!r}: {reply.error}")
        return reply.address

    def stream(self, data_type: DataType | str, codes: Iterable[str] = (), *, name: str | None = None,
               callback: Callable[[Any], None] | None = None, maxsize: int = 100_000,
               gaps: bool = False, **options: Any) -> EventStream:
        """Events of one stream in plain Python: iterate the result, or pass ``callback``.

        ``codes`` is a list of codes, or one code as a string. ``options`` are those of
        ``Component.subscribe`` (depth, level, only_snapshot, only_realtime, and the overflow
        ``policy`` with its ``limit`` or ``rate``). The whole request is checked first: anything
        Upbit would refuse or answer with silence (an unknown type or interval, a bad code, depth,
        level or policy) raises ``RequestError`` with one line saying why, and nothing is sent.
        What only the registry can judge (the merged set over its code limit, a private type
        without keys) arrives as ``stream.rejections``. ``Gap`` notices (a reconnect) collect in
        ``stream.gaps``; with ``gaps=True`` they are also handed over in order with the events."""
        spec = stream_spec(data_type, codes, **options)
        if self._asys is None:
            raise HubError("the hub is not started")
        check_listed(self, spec)  # a code Upbit does not list: RequestError (system.embed.markets)
        stream = EventStream(self, name or f"stream-{uuid.uuid4().hex[:8]}", spec,
                             callback=callback, maxsize=maxsize, gaps=gaps)
        self._streams.append(stream)
        return stream

    def set_credentials(self, credentials: Credentials) -> None:
        """New Upbit keys for the JWT actor (kept by the supervisor across restarts). A private
        connection that stopped after auth failures tries again with them."""
        self._credentials = credentials
        self.auth_failure = None
        self._tell(credentials)

    def reset_auth(self) -> None:
        """Ask the private connection to retry after it stopped on repeated auth failures."""
        self.auth_failure = None
        self._tell(ResetAuth(reason="asked by the user"))

    def status(self, timeout: float = 3.0) -> SystemStatus:
        request_id = uuid.uuid4().hex
        return self._ask(self.supervisor, StatusRequest(request_id=request_id), SystemStatus,
                         match=lambda r: r.request_id == request_id, timeout=timeout)

    # -- plumbing -------------------------------------------------------------------------------
    def _tell(self, msg) -> None:
        if self._asys is None:
            raise HubError("the hub is not started")
        self._asys.tell(self.supervisor, msg)

    def _ask(self, address, msg, reply_type: type, *, match=None, timeout: float | None = None):
        """``ask`` that skips unrelated messages (noting them: a Directory, a crash)."""
        if self._asys is None:
            raise HubError("the hub is not started")
        return ask_for(self._asys, address, msg, reply_type, match=match,
                       timeout=timeout or self._timeout, on_other=self._note)

    def _note(self, msg) -> None:
        if isinstance(msg, Directory):
            if self.directory is None or msg.epoch >= self.directory.epoch:
                self.directory = msg
        elif isinstance(msg, AuthFailed):
            self.auth_failure = msg
        elif isinstance(msg, StreamAlert):
            self.alerts.append(msg)
            _log.warning("upbit-actors: %s", msg.detail or msg.kind)
        elif isinstance(msg, ActorCrashed):
            self.crashes.append(msg)
            if msg.role == "supervisor":
                self._fail(msg.reason)

    def _fail(self, reason: str) -> None:
        """The tree gave up: ``failure`` set (first reason kept), streams ended, owner told."""
        if self._failure is not None:
            return
        self._failure = reason
        for stream in list(self._streams):
            stream._end()
        if self.on_failure is not None:
            self.on_failure(reason)

    def _root_died(self, what: str) -> None:
        """(Monitor thread) the supervisor or the admin is gone: fail loudly, and stop and sweep
        the rest of the tree now, so nothing stays subscribed upstream; ``stop`` finds it done."""
        self._supervisor_gone = True
        self._fail(f"{what} died (its process is gone); the tree was stopped")
        if self._system is not None:
            self.stop_report = runtime.stop_system(self._system)
