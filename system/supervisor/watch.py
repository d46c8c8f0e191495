"""A second way the supervisor learns that a child died: its process is gone.

Thespian tells a parent ``ChildActorExited`` from its SIGCHLD handler, which reaps only the
children already dead when it runs: when two children die at the same instant, the second one's
signal can be lost and that child is never reported (issue 12: SIGKILL of two actors at once left
one dead for good, the stream silent). So every child says ``Started`` with its pid after its
``Configure``, and the supervisor looks at those processes every ``WATCH_INTERVAL``; a child
whose process is gone (or a zombie) is handled exactly as if Thespian had reported it. The late
``ChildActorExited`` for its old address, if it ever comes, matches no child and is ignored.

Pure: the process check is injected (``system.runtime.processes.alive`` in the actor).
Exception tree: none raised.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from attrs import define, field

__all__ = ["WATCH_INTERVAL", "PidWatch"]

WATCH_INTERVAL: float = 1.0
"""Seconds between looks at the children's processes: a lost exit costs at most this long."""


@define
class PidWatch:
    """The processes of the supervisor's children, by role (``component:<name>`` for components)."""

    alive: Callable[[Iterable[Any]], list[Any]]
    """Of the given process records, those still running (not gone, not a zombie)."""
    _records: dict[str, Any] = field(factory=dict, init=False)

    def started(self, role: str, record: Any) -> None:
        """``role`` runs in the process of ``record`` (None: the process is already gone)."""
        if record is not None:
            self._records[role] = record

    def forget(self, role: str) -> None:
        """``role`` exited and was handled (or will not be watched any more)."""
        self._records.pop(role, None)

    def dead(self) -> list[str]:
        """Roles whose process is gone; each is forgotten (reported once)."""
        running = set(map(id, self.alive(list(self._records.values()))))
        gone = [role for role, rec in self._records.items() if id(rec) not in running]
        for role in gone:
            del self._records[role]
        return gone
