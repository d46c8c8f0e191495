"""``RootActor``: what the root of a tree (the hub's supervisor, a member's agent) does about
the program that started it.

The first ``Configure`` comes from the owner (a ``Hub``): its address is where the root answers,
and its pid (``Configure.owner_pid``) is watched, so that a tree whose owner died takes itself
and its system down (``system.runtime.owner``; issue 12). Thespian passes the system's
capabilities to an actor whose ``__init__`` takes them: the admin port is read from there.
"""

from __future__ import annotations

from typing import Any

from upbit_actors.actors.base import BaseActor
from upbit_actors.messages import Configure
from upbit_actors.system.runtime import owner

__all__ = ["RootActor"]


class RootActor(BaseActor):
    """Base of a tree's root: its owner's address (``_owner``) and the watch on its process."""

    def __init__(self, capabilities: dict | None = None) -> None:  # Thespian passes the system's
        super().__init__()
        self._owner: Any = None
        """The hub's address (the sender of the first ``Configure``)."""
        self._owner_watch = owner.OwnerWatch((capabilities or {}).get("Admin Port"))

    def receiveMsg_Configure(self, msg: Configure, sender: Any) -> None:
        if self._owner is None:
            self._owner = sender
            self._owner_watch.watch(msg.owner_pid)
        super().receiveMsg_Configure(msg, sender)
