"""The hub's ear: a thread with its own Thespian endpoint that owns the supervisor.

It configures the supervisor (and so becomes the address the supervisor reports to), then hears
every ``Directory``, ``ActorCrashed``, ``AuthFailed`` and owner ``StreamAlert`` as they happen,
so an escalation ends the streams at once, not at the next call into the hub.

It also watches the roots (issue 12): nobody supervises the supervisor or the Thespian admin,
and Thespian tells nobody when they die (the hub created the supervisor from outside the tree).
The supervisor answers its ``Configure`` with ``Started`` (its pid); the admin is its parent. Every ``SUPERVISOR_CHECK`` seconds the monitor looks at both, and when one is gone
the hub fails loudly: ``failure`` set, ``on_failure`` called, every stream ended, and the rest of
the tree stopped and swept so that nothing stays subscribed upstream without an owner.
"""

from __future__ import annotations

import os
import threading
import time
from typing import Any

from upbit_actors.messages import Configure, Directory, Started
from upbit_actors.system.runtime import processes

__all__ = ["LISTEN", "SUPERVISOR_CHECK", "Monitor"]

LISTEN = 0.2
"""Seconds of one wait for a message (also how soon ``stop`` is seen)."""
SUPERVISOR_CHECK = 0.5
"""Seconds between looks at the supervisor's process: its death is noticed within ~0.5 s."""


class Monitor:
    """Runs on its own thread from construction until ``stop`` (see the module docstring)."""

    def __init__(self, hub: Any) -> None:
        self._hub = hub
        self.ready = threading.Event()
        """Set once the tree is up (the first ``Directory``)."""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="upbit-hub-monitor", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        hub = self._hub
        roots: dict[str, object] = {}
        next_check = 0.0
        with hub._asys.private() as ctx:
            # owner_pid: the tree ends by itself when this process is gone (runtime.owner)
            ctx.tell(hub.supervisor, Configure(role="supervisor", config=hub.config,
                                               directory=Directory(entries=()), owner_pid=os.getpid()))
            while not self._stop.is_set():
                msg = ctx.listen(LISTEN)
                if isinstance(msg, Started) and msg.role == "supervisor":
                    # The admin is the supervisor's parent (it created it for the hub); the
                    # process listening on the admin port may be the logger, which inherits
                    # the admin's socket.
                    roots["the supervisor"] = processes.record(msg.pid)
                    roots["the Thespian admin"] = processes.parent_record(msg.pid)
                elif msg is not None:
                    hub._note(msg)
                    if isinstance(msg, Directory):
                        self.ready.set()
                now = time.monotonic()
                if now >= next_check:
                    next_check = now + SUPERVISOR_CHECK
                    gone = [name for name, rec in roots.items() if rec is not None and not processes.alive([rec])]
                    if gone:
                        hub._root_died(gone[0])
                        return

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not threading.current_thread():
            self._thread.join(5)
