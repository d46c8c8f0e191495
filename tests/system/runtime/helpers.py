"""Test actors and messages; a module of its own so every actor process can import it.

Thespian pickles messages and actor classes by module path (THESPIAN.md: nothing defined in
``__main__``), and the 'spawn' start method imports this module afresh in each child.
"""

from __future__ import annotations

import ctypes
import os
import socket
import time
from typing import Any

from attrs import frozen
from thespian.actors import ActorSystem, ChildActorExited

from tests.polling import wait_for
from upbit_actors.actors.base import BaseActor
from upbit_actors.messages.admin import ActorStatus, StatusRequest
from upbit_actors.system.runtime import unpickle

__all__ = ["Do", "Done", "Noisy", "Probe", "ask_for", "details", "wait_for"]


@frozen
class Do:
    """Test -> Probe: perform ``action`` (see ``Probe.receiveMsg_Do``)."""

    action: str
    arg: Any = None


@frozen
class Noisy:
    """A payload that writes a line to ``path`` whenever it is described (``str``/``repr``)."""

    path: str

    def __repr__(self) -> str:
        with open(self.path, "a") as out:
            out.write(f"described in pid {os.getpid()}\n")
        return "Noisy"

    __str__ = __repr__


@frozen
class Done:
    """Probe -> test: ``action`` finished with ``value``."""

    action: str
    value: Any = None


# The system unpickles only allow-listed classes (system/runtime/unpickle.py): these test messages
# join the list in this process, and so in every system it starts after importing this module.
unpickle.allow(Do, Noisy, Done)


class Probe(BaseActor):
    """A BaseActor that does what the test tells it and reports it through ``status_details``."""

    def __init__(self) -> None:
        super().__init__()
        self.child: Any = None
        self.ticks: list[str] = []
        self.received: list[str] = []
        self.child_exits = 0
        self.directories = 0
        self.sock: socket.socket | None = None

    def receiveMsg_Do(self, message: Do, sender: Any) -> None:
        action, arg = message.action, message.arg
        value: Any = None
        if action == "spawn_child":
            self.child = self.createActor(Probe)
            value = self.child
        elif action == "pid":
            value = os.getpid()
        elif action == "schedule":
            value = self.schedule(*arg)
        elif action == "schedule_by":  # arg: (seconds from now or None, purpose)
            now = time.monotonic()
            self.schedule_by(None if arg[0] is None else now + arg[0], arg[1], now)
        elif action == "cancel":
            self.cancel(arg)
        elif action == "open_udp":
            self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self.sock.bind(("127.0.0.1", 0))
            self.sock.setblocking(False)
            self.watched_fds = (self.sock.fileno(),)
            value = self.sock.getsockname()[1]
        elif action == "echo":
            value = arg
        elif action == "fail":
            raise RuntimeError("told to fail")
        elif action == "segfault":
            ctypes.string_at(0)  # a real SIGSEGV: reads address 0
        self.send(sender, Done(action, value))

    def receiveMsg_ChildActorExited(self, message: ChildActorExited, sender: Any) -> None:
        self.child_exits += 1

    def on_tick(self, purpose: str) -> None:
        self.ticks.append(purpose)

    def on_directory(self) -> None:
        self.directories += 1

    def on_readable(self, ready_fds: tuple[int, ...]) -> None:
        assert self.sock is not None and self.sock.fileno() in ready_fds
        while True:
            try:
                data, peer = self.sock.recvfrom(2048)
            except BlockingIOError:
                return
            self.received.append(data.decode())
            self.sock.sendto(b"echo:" + data, peer)  # lets a test observe without messaging us

    def on_stop(self) -> None:
        if self.sock is not None:
            self.sock.close()

    def status_details(self) -> dict[str, Any]:
        return {
            "ticks": tuple(self.ticks),
            "received": tuple(self.received),
            "child_exits": self.child_exits,
            "directories": self.directories,
            "directory_epoch": None if self.directory is None else self.directory.epoch,
        }


def ask_for(
    system: ActorSystem, address: Any, message: Any, kind: type, timeout: float = 5.0
) -> Any:
    """Send ``message``; the first reply of type ``kind`` (``ask`` returns any message)."""
    deadline = time.monotonic() + timeout
    reply = system.ask(address, message, timeout)
    while not isinstance(reply, kind):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(f"no {kind.__name__} from {address} within {timeout} s")
        reply = system.listen(remaining)
    return reply


def details(system: ActorSystem, address: Any) -> dict[str, Any]:
    """The actor's status details as a dict, plus the ActorStatus itself under ``"status"``."""
    status = ask_for(system, address, StatusRequest(), ActorStatus)
    return {**dict(status.details), "status": status}
