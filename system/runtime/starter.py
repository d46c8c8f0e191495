"""Start and stop a multiprocTCPBase actor system so that nothing is exposed and nothing is left.

``start_system`` (THESPIAN.md, Security / Admin attach / Failures and supervision):

1. applies the loopback policy (``loopback.configure``) before any Thespian socket exists;
2. looks at the admin port: a stale Thespian admin there (a crashed earlier run) is refused with
   ``StaleSystemError`` unless ``stop_stale=True`` asks to shut it down first; anything else
   listening is a ``PortBusyError``;
3. removes the API key variables from the starter's environment, the exec-time block included
   (``scrub``), so that no process of the system has them in ``/proc/PID/environ``;
4. starts a fresh admin through ``FreshAdminBase`` (never attaches), with our ``logDefs``, while
   the starter's stdin/stdout are pointed at /dev/null so that no system process inherits them;
5. records the system's processes: the admin calls ``setsid()``, so every process of the system
   (admin, logger, actors, orphans) is in the admin's session (see ``processes``).

``stop_system`` asks Thespian to shut down, then waits for every recorded process and every
process still in the session to exit, and SIGTERMs/SIGKILLs the exact pids that did not (orphans of
a SIGKILLed actor survive ``shutdown()``). The ``StopReport`` says what it had to do.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator, Mapping
from typing import Any

from attrs import define, field, frozen
from thespian.actors import ActorSystem

from upbit_actors.system.runtime import convention, loopback, processes, scrub
from upbit_actors.system.runtime.attach import attach, detach
from upbit_actors.system.runtime.bases import FreshAdminBase, connect_host, make_system
from upbit_actors.system.runtime.errors import PortBusyError, RuntimeSystemError, StaleSystemError
from upbit_actors.system.runtime.interrupts import interrupts_deferred
from upbit_actors.system.runtime.logdefs import build_log_defs
from upbit_actors.system.runtime.ports import PortState, free_port, is_listening, probe_port
from upbit_actors.system.runtime.stdio import detached_stdio

__all__ = [
    "StopReport",
    "SystemHandle",
    "running_system",
    "start_system",
    "stop_stale_system",
    "stop_system",
]

_log = logging.getLogger(__name__)

EXIT_TIMEOUT = 5.0
"""Seconds to wait for the system's processes to exit after ``shutdown()`` before signalling them.
Thespian's own ``shutdown()`` already waits up to 10 s for the admin's confirmation."""


@frozen
class StopReport:
    """What ``stop_system`` found and did."""

    port: int
    stopped_pids: tuple[int, ...]
    """Processes of the system that exited after the shutdown request."""
    terminated: tuple[int, ...] = ()
    """Left after the shutdown and the wait: sent SIGTERM."""
    killed: tuple[int, ...] = ()
    """Survived SIGTERM too: sent SIGKILL."""

    @property
    def clean(self) -> bool:
        """True when Thespian's shutdown alone stopped every process."""
        return not self.terminated and not self.killed


@define(eq=False)
class SystemHandle:
    """A system started by ``start_system``; pass it to ``stop_system``."""

    system: ActorSystem
    """The Thespian endpoint: ``createActor``, ``tell``, ``ask``. Do not call its ``shutdown()``."""
    admin_port: int
    bind_host: str
    session_id: int | None
    """Session of the admin and every process it starts; None if it could not be determined."""
    records: set[processes.ProcessRecord] = field(factory=set)
    """Every process of the system seen so far (pid with creation time)."""
    report: StopReport | None = None
    """Set once the system is stopped."""

    @property
    def asys(self) -> ActorSystem:
        """Alias of ``system``."""
        return self.system

    @property
    def pids(self) -> set[int]:
        return {rec.pid for rec in self.records}

    @property
    def stopped(self) -> bool:
        return self.report is not None

    def track(self) -> set[int]:
        """Record the processes now in the system's session; returns all recorded pids."""
        if self.session_id is not None:
            self.records |= processes.session_records(self.session_id)
        return self.pids


def _locate(port: int, host: str) -> tuple[int | None, set[processes.ProcessRecord]]:
    """Session id and processes of the system whose admin listens on ``host:port``."""
    listeners = processes.listener_pids(port, host)
    sid = processes.session_of(listeners)
    if sid is not None:
        return sid, processes.session_records(sid)
    return None, {rec for pid in listeners if (rec := processes.record(pid)) is not None}


SWEEP_ROUNDS = 5
"""Rounds of signalling what is left in the system's session (see ``_sweep``)."""


def _sweep(
    port: int, sid: int | None, records: set[processes.ProcessRecord], timeout: float
) -> StopReport:
    """Wait for the processes of a system that was asked to shut down; signal what remains."""
    if sid is not None:
        records = records | processes.session_records(sid)
    survivors = processes.wait_gone(records, timeout)
    if sid is not None:  # anything new in the session (a child forked during shutdown)
        survivors = processes.alive(set(survivors) | processes.session_records(sid))
    terminated: list[processes.ProcessRecord] = []
    killed: list[processes.ProcessRecord] = []
    for _ in range(SWEEP_ROUNDS):
        # A supervisor that outlives a signalled child for a moment restarts it: the new process
        # joins the session after the first round, so look again until none is left.
        if not survivors:
            break
        records = records | set(survivors)
        more_terminated, more_killed = processes.terminate(survivors)
        terminated += more_terminated
        killed += more_killed
        _log.warning(
            "actor system on port %d left %d process(es) after shutdown; SIGTERM %s, SIGKILL %s",
            port, len(survivors), [r.pid for r in more_terminated], [r.pid for r in more_killed],
        )
        survivors = processes.alive(processes.session_records(sid)) if sid is not None else []
    all_pids = {rec.pid for rec in records | set(survivors)}
    # The session leader is the short-lived intermediate process of the admin's double fork; when
    # we started the system it is our own (zombie) child.
    processes.reap_own_zombies(all_pids | ({sid} if sid is not None else set()))
    return StopReport(
        port=port,
        stopped_pids=tuple(sorted(all_pids - {r.pid for r in terminated})),
        terminated=tuple(r.pid for r in terminated),
        killed=tuple(r.pid for r in killed),
    )


def stop_stale_system(
    port: int, *, timeout: float = EXIT_TIMEOUT, probe_timeout: float = 2.0
) -> StopReport:
    """Shut down the Thespian system listening on ``port`` (attach, ``shutdown()``, sweep).

    Only for a system the user explicitly asked to stop (``start_system(stop_stale=True)``):
    it stops every actor of that system, whoever started it. An admin that no longer answers
    (hung, or already shutting down) is not asked; its session's processes are signalled.
    """
    host = connect_host()
    sid, records = _locate(port, host)
    try:
        stale = attach(port, probe_timeout)
    except RuntimeSystemError as exc:
        _log.warning("stale admin on port %d cannot be asked to shut down (%s)", port, exc)
    else:
        # The one deliberate shutdown() of an attached system: the user asked for it.
        stale.shutdown()
    report = _sweep(port, sid, records, timeout)
    if is_listening(port, host):
        raise StaleSystemError(port, min(processes.listener_pids(port, host), default=None))
    return report


def _abort_start(port: int, host: str, began: float) -> None:
    """After a failed start, stop what listens on ``port`` if every process of it is ours.

    "Ours" means created after this start began: an admin Thespian started and then gave up on.
    A system that was there before is never touched.
    """
    sid, records = _locate(port, host)
    if sid is not None and records and all(rec.create_time >= began for rec in records):
        report = _sweep(port, sid, records, timeout=0.0)
        _log.warning("start on port %d failed; stopped its processes %s", port, report.terminated)


ADMIN_PROBE = 1.0
"""Seconds ``stop_system`` gives the admin to answer before taking it for dead."""
AUTO_PORT_TRIES = 5
"""Free ports tried when the caller did not choose one (another run may take one first)."""


def start_system(
    admin_port: int | None = None,
    *,
    bind_host: str = loopback.DEFAULT_BIND_HOST,
    log_level: int | str = logging.WARNING,
    log_file: str | None = None,
    capabilities: Mapping[str, Any] | None = None,
    stop_stale: bool = False,
    probe_timeout: float = 2.0,
    detach_stdout: bool = True,
    child_stderr: str | None = None,
    log_forward: tuple[int, str] | None = None,
    scrub_env: bool = True,
) -> SystemHandle:
    """Start a fresh multiprocTCPBase system whose sockets all listen on ``bind_host`` only.

    ``admin_port`` None picks a free port. A Thespian admin already on the port raises
    ``StaleSystemError`` (``stop_stale=True``: shut it down first); another listener raises
    ``PortBusyError``. ``log_level`` is filtered in every actor before records are sent;
    ``log_file`` None logs to stderr. ``capabilities`` are passed to Thespian (e.g.
    ``{'Process Startup Method': 'spawn'}``); ``'Admin Port'`` is set from ``admin_port``.
    ``detach_stdout`` keeps the starter's stdin/stdout out of the system's processes;
    ``child_stderr`` (a path) does the same for stderr. ``log_forward`` (port, token of a
    ``logforward.OutputReceiver``) sends component records to it. ``scrub_env`` (default)
    removes ``UPBIT_ACCESS_KEY``/``UPBIT_SECRET_KEY`` from this process's environment first
    (``scrub.scrub_keys``): read the keys before. Stop with ``stop_system``. A ``bind_host``
    other than loopback must be one IP address, and the allow-list unpickler must be in force
    (``convention.check_exposure``), or nothing starts.
    """
    convention.check_exposure(bind_host, admin_port)
    loopback.configure(bind_host)
    host = connect_host()
    if admin_port is None:
        # A port picked here can be taken by another run between the pick and the admin's bind
        # (seen: two test runs at once): then it is not stale, just someone else's; pick again.
        options = dict(bind_host=bind_host, log_level=log_level, log_file=log_file,
                       capabilities=capabilities, probe_timeout=probe_timeout,
                       detach_stdout=detach_stdout, child_stderr=child_stderr,
                       log_forward=log_forward, scrub_env=scrub_env)
        for attempt in range(AUTO_PORT_TRIES):
            try:
                return start_system(free_port(host), **options)
            except (StaleSystemError, PortBusyError):
                if attempt == AUTO_PORT_TRIES - 1:
                    raise
    port = admin_port
    state = probe_port(port, host, probe_timeout)
    if state is PortState.OTHER:
        raise PortBusyError(port, host)
    if state is PortState.THESPIAN_ADMIN:
        if not stop_stale:
            raise StaleSystemError(port, min(processes.listener_pids(port, host), default=None))
        stop_stale_system(port, probe_timeout=probe_timeout)
    caps = {**(capabilities or {}), "Admin Port": port}
    log_defs = build_log_defs(log_level, log_file, forward=log_forward)
    if scrub_env:  # before the first fork: every process of the system copies our memory
        scrub.scrub_keys()
    began = time.time() - 0.05  # creation times are rounded: a little slack
    try:
        with detached_stdio(stdout=detach_stdout, stderr_path=child_stderr):
            system = make_system(FreshAdminBase, caps, log_defs)
    except StaleSystemError:
        raise  # someone else's admin took the port: not ours to stop
    except BaseException:
        _abort_start(port, host, began)
        raise
    sid, records = _locate(port, host)
    if sid is None:
        _log.warning("no session found for the admin on port %d; leftovers may go unseen", port)
    return SystemHandle(
        system=system, admin_port=port, bind_host=bind_host, session_id=sid, records=records
    )


def stop_system(handle: SystemHandle, *, timeout: float = EXIT_TIMEOUT) -> StopReport:
    """Shut the system down and make sure none of its processes is left (idempotent).

    After Thespian's ``shutdown()``, waits up to ``timeout`` seconds for every recorded process
    and every process still in the system's session to exit, then SIGTERMs (and if needed
    SIGKILLs) exactly those that did not. A Ctrl-C meanwhile is raised once this is done.
    """
    if handle.report is not None:
        return handle.report
    with interrupts_deferred():  # a Ctrl-C now would leave the system running: it waits
        handle.track()
        base = getattr(handle.system, "_systemBase", None)  # shutdown() forgets it
        # Something still listening is not enough: the logger inherits the admin's socket.
        admin_alive = probe_port(handle.admin_port, connect_host(), ADMIN_PROBE) is PortState.THESPIAN_ADMIN
        if not admin_alive:  # killed: shutdown() would wait for it forever; only we stop the rest
            _log.warning("the admin on port %d is gone; sweeping its processes", handle.admin_port)
            timeout = 0.0
        else:
            try:
                handle.system.shutdown()
            except Exception:  # a dead admin must not keep us from sweeping its processes
                _log.exception("shutdown request to the admin on port %d failed", handle.admin_port)
        detach(handle.system, base)  # Thespian leaves it open when the admin is gone
        handle.report = _sweep(handle.admin_port, handle.session_id, handle.records, timeout)
    return handle.report


@contextlib.contextmanager
def running_system(admin_port: int | None = None, **kwargs: Any) -> Iterator[SystemHandle]:
    """``start_system`` on entry, ``stop_system`` on exit, whatever happens in between."""
    handle = start_system(admin_port, **kwargs)
    try:
        yield handle
    finally:
        stop_system(handle)
