"""``BaseActor``: the thin shell every actor of upbit-actors subclasses.

It does the plumbing each actor would otherwise repeat: configuration and directory, typed
timers with stale-wakeup filtering, socket watching, status replies, and crash hardening. A
subclass adds ``receiveMsg_<Class>`` handlers and overrides the ``on_*`` / ``status_*`` hooks.

Importing this module applies the loopback patch (``system.runtime.loopback``), so every process
that loads an actor of ours binds its sockets to 127.0.0.1.

Handlers must be idempotent (STYLE.md §5): Thespian calls a handler that raised once more with
a copy of the same message; if that fails too, the sender gets ``PoisonMessage`` and the actor
keeps running with whatever state the two attempts left.

Never log a message's repr at info level or above: messages may carry secrets. This base only
ever logs message class names.
"""

from __future__ import annotations

import logging
import math
import os
import time
import traceback
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import attrs
from thespian.actors import (
    ActorExitRequest,
    ActorTypeDispatcher,
    PoisonMessage,
    ThespianWatch,
    WakeupMessage,
    WatchMessage,
)
from thespian.system.transport import TransmitIntent

from upbit_actors.messages.admin import ActorStatus, StatusRequest
from upbit_actors.messages.lifecycle import Configure, Directory, HubConfig, Shutdown, Started, Tick
from upbit_actors.system.runtime import (
    loopback,  # noqa: F401  (importing applies the loopback patch)
    unpickle,
)
from upbit_actors.system.runtime.harden import harden_actor_process

__all__ = ["BaseActor"]


class BaseActor(ActorTypeDispatcher):
    """Base of every actor: configuration, timers, socket watch, status, hardening.

    ====================  =======================================================  ==============
    Accepts               does                                                     Emits
    ====================  =======================================================  ==============
    ``Configure``         stores role, config, directory; ``on_configure(msg)``    ``Started``
    ``Directory``         a newer ``epoch`` replaces the current; ``on_directory``  -
    ``StatusRequest``     builds the report from the ``status_*`` hooks            ``ActorStatus``
    ``Shutdown``          ``on_stop()``, then exits (children too)                 -
    ``ActorExitRequest``  ``on_stop()`` (Thespian then exits)                      -
    ``WakeupMessage``     ``Tick`` of the current generation: ``on_tick(purpose)``  -
    ``WatchMessage``      ``on_readable(fds)``                                     -
    ``PoisonMessage``     counts it, warns with the message class name             -
    anything else         ``receiveUnrecognizedMessage``: counts, debug log        -
    ====================  =======================================================  ==============

    Timers: ``schedule(seconds, purpose)`` sends a ``Tick(purpose, generation)`` to self; a new
    ``schedule`` or ``cancel`` of the same purpose makes earlier ticks stale (Thespian cannot
    cancel a wakeup).

    Sockets: put file descriptors in ``self.watched_fds``; every ``receiveMessage`` then returns
    ``ThespianWatch(fds)``. Thespian replaces the watch list after each message with whatever
    the actor returned (``ActorManager._handleOneMessage`` calls ``transport.set_watch``), so a
    single message answered without it would drop the watch (THESPIAN.md). Even a handler that
    fails twice keeps the watch here: the base then sends the ``PoisonMessage`` itself.
    """

    def __init__(self) -> None:
        super().__init__()
        # Runs in the actor process after Thespian installed its signal handlers (THESPIAN.md:
        # with them a segfault spins forever); see system.runtime.harden.
        harden_actor_process()
        # Created here, not at import: Thespian replaces the logging root in the actor process
        # before creating the actor, and a logger made earlier (in the parent, before fork)
        # would write through the parent's handlers instead of the system's logger process.
        self.log = logging.getLogger(f"{type(self).__module__}.{type(self).__qualname__}")
        self.started_at: float = time.time()
        self.pid: int = os.getpid()
        self.role: str = ""
        """Set by ``Configure``; the class name stands in until then."""
        self.config: HubConfig | None = None
        self.directory: Directory | None = None
        self.watched_fds: tuple[int, ...] = ()
        """File descriptors Thespian should watch for this actor (see the class docstring)."""
        self.handled = 0
        """Messages delivered to this actor (a retried delivery counts once)."""
        self.unrecognized = 0
        self.stale_ticks = 0
        self.poisoned = 0
        self.failures = 0
        """Handler exceptions (a message that fails twice counts twice)."""
        self.drops = 0
        """Items dropped by the subclass's overflow policy; reported in ``ActorStatus.drops``."""
        self._generations: dict[str, int] = {}
        self._tick_deadlines: dict[str, float] = {}
        """Purpose -> deadline of its pending tick, when ``schedule_by`` set it."""
        self._failed_once = False
        self._stopped = False

    # -- dispatch ---------------------------------------------------------------------------

    def receiveMessage(self, message: Any, sender: Any) -> ThespianWatch | None:
        """Dispatch by type (``receiveMsg_<Class>``) and return the watch for ``watched_fds``."""
        # Thespian calls receiveMessage again, at once, with a copy of a message whose handler
        # raised (not for ActorExitRequest): the call after a failure is that retry.
        retry, self._failed_once = self._failed_once, False
        if not retry:
            self.handled += 1
        try:
            super().receiveMessage(message, sender)
        except Exception:
            self.failures += 1
            if not retry:
                self._failed_once = not isinstance(message, ActorExitRequest)
                raise
            if not self.watched_fds:
                raise  # Thespian sends PoisonMessage to the sender
            # Second failure: Thespian would send PoisonMessage and clear the watch list because
            # nothing was returned. Do its reply here and keep the watch.
            self.log.error(
                "%s failed twice on %s; sender gets PoisonMessage",
                self._role_name(), type(message).__name__, exc_info=True,
            )
            if not isinstance(message, PoisonMessage):
                self.send(sender, PoisonMessage(message, traceback.format_exc()))
        return ThespianWatch(list(self.watched_fds)) if self.watched_fds else None

    def receiveUnrecognizedMessage(self, message: Any, sender: Any) -> None:
        self.unrecognized += 1
        self.log.debug("%s ignored a %s", self._role_name(), type(message).__name__)

    # -- configuration ----------------------------------------------------------------------

    def receiveMsg_Configure(self, message: Configure, sender: Any) -> None:
        self.role = message.role
        self.config = message.config
        self._adopt(message.directory)
        self.on_configure(message)
        self.send(sender, Started(role=self.role, pid=self.pid))  # the supervisor watches it

    def receiveMsg_Directory(self, message: Directory, sender: Any) -> None:
        if self._adopt(message):
            self.on_directory()

    def _adopt(self, directory: Directory) -> bool:
        """Keep ``directory`` if it is the first or has a newer epoch; True when kept."""
        if self.directory is not None and directory.epoch <= self.directory.epoch:
            return False
        self.directory = directory
        return True

    def on_configure(self, message: Configure) -> None:
        """Hook: configuration arrived (first start, restart or change); ``self.config`` is set."""

    def on_directory(self) -> None:
        """Hook: a newer ``Directory`` replaced ``self.directory`` (a peer was restarted)."""

    # -- timers -----------------------------------------------------------------------------

    def schedule(self, seconds: float, purpose: str) -> int:
        """Call ``on_tick(purpose)`` in ``seconds``; replaces any pending tick of that purpose.

        Returns the generation carried by the tick.
        """
        self._tick_deadlines.pop(purpose, None)
        generation = self._generations.get(purpose, 0) + 1
        self._generations[purpose] = generation
        self.wakeupAfter(timedelta(seconds=seconds), Tick(purpose=purpose, generation=generation))
        return generation

    def schedule_by(self, deadline: float | None, purpose: str, now: float) -> None:
        """Call ``on_tick(purpose)`` just after ``deadline`` (``time.monotonic``; None: never).
        A pending tick of ``purpose`` due no later is kept: on a hot path (the router, every
        message) a timer per call would pile up thousands of Thespian wakeups to deliver."""
        if deadline is None:
            self.cancel(purpose)
        elif self._tick_deadlines.get(purpose, math.inf) > deadline:
            self.schedule(max(0.0, deadline - now) + 0.001, purpose)
            self._tick_deadlines[purpose] = deadline

    def cancel(self, purpose: str) -> None:
        """Make the pending tick of ``purpose`` stale (it still arrives, and is ignored)."""
        self._tick_deadlines.pop(purpose, None)
        if purpose in self._generations:
            self._generations[purpose] += 1

    def receiveMsg_WakeupMessage(self, message: WakeupMessage, sender: Any) -> None:
        tick = message.payload
        if not isinstance(tick, Tick):
            self.on_wakeup(message)
        elif self._generations.get(tick.purpose) != tick.generation:
            self.stale_ticks += 1
        else:
            self._tick_deadlines.pop(tick.purpose, None)
            self.on_tick(tick.purpose)

    def on_tick(self, purpose: str) -> None:
        """Hook: the current timer of ``purpose`` fired."""

    def on_wakeup(self, message: WakeupMessage) -> None:
        """Hook: a wakeup whose payload is not a ``Tick`` (a raw ``wakeupAfter`` call)."""
        self.receiveUnrecognizedMessage(message, None)

    # -- sends whose delivery the sender hears of -------------------------------------------

    def send_acked(self, target: Any, message: Any, done: Callable[[bool], None]) -> None:
        """Send ``message`` like ``send``; then ``done(True)`` once the target's process has it
        (Thespian's own transport ACK: no reply message needed), or ``done(False)`` when it could
        not be delivered (a failure is also handled as Thespian handles any failed send).

        ``done`` runs between handlers, in this actor's thread; it may send, and a change it makes
        to ``watched_fds`` takes effect at once.
        """
        manager = self._myRef

        def finished(result: Any, intent: Any) -> None:
            if not result:
                manager.actor_send_fail(result, intent)
            done(bool(result))
            rewatch = getattr(manager.transport, "set_watch", None)
            if rewatch is not None:
                rewatch(list(self.watched_fds))

        manager._send_intent(TransmitIntent(target, message, onSuccess=finished, onError=finished))

    # -- sockets ----------------------------------------------------------------------------

    def receiveMsg_WatchMessage(self, message: WatchMessage, sender: Any) -> None:
        self.on_readable(tuple(message.ready))

    def on_readable(self, ready_fds: tuple[int, ...]) -> None:
        """Hook: these watched descriptors are readable; read until it would block."""

    # -- status -----------------------------------------------------------------------------

    def receiveMsg_StatusRequest(self, message: StatusRequest, sender: Any) -> None:
        self.send(sender, attrs.evolve(self.status_report(), request_id=message.request_id))

    def status_report(self) -> ActorStatus:
        """This actor's ``ActorStatus``, built from the ``status_*`` hooks."""
        details = {
            "unrecognized": self.unrecognized,
            "stale_ticks": self.stale_ticks,
            "poisoned": self.poisoned,
            "failures": self.failures,
            **self.status_details(),
        }
        if refused := unpickle.refused_total():  # pickles off the allow-list (system.runtime.unpickle)
            details["refused_pickles"] = refused
        return ActorStatus(
            role=self._role_name(),
            address=str(self.myAddress),
            pid=self.pid,
            state=self.status_state(),
            started_at=self.started_at,
            handled=self.handled,
            queue_depth=self.status_queue_depth(),
            drops=self.drops,
            details=tuple(details.items()),
        )

    def status_state(self) -> str:
        """Hook: ``running``, ``connecting``, ``backoff``, ``stopped``…"""
        return "stopped" if self._stopped else "running"

    def status_details(self) -> dict[str, Any]:
        """Hook: role-specific JSON-able figures (never secrets)."""
        return {}

    def status_queue_depth(self) -> int:
        """Hook: items waiting in the subclass's own buffers."""
        return 0

    def _role_name(self) -> str:
        return self.role or type(self).__name__

    # -- failures and stopping --------------------------------------------------------------

    def receiveMsg_PoisonMessage(self, message: PoisonMessage, sender: Any) -> None:
        self.poisoned += 1
        self.log.warning(
            "%s: a %s it sent failed twice in its receiver",
            self._role_name(), type(message.poisonMessage).__name__,
        )

    def receiveMsg_Shutdown(self, message: Shutdown, sender: Any) -> None:
        self._stop()
        self.send(self.myAddress, ActorExitRequest())

    def receiveMsg_ActorExitRequest(self, message: ActorExitRequest, sender: Any) -> None:
        self._stop()

    def _stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        try:
            self.on_stop()
        finally:
            self.watched_fds = ()

    def on_stop(self) -> None:
        """Hook: the actor is about to exit; close sockets and files (called once)."""
