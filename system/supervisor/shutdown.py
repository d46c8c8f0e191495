"""The order of a shutdown: components first, then the connections, then the other children,
each phase bounded.

While the components leave, the registry, the router and the supervisor are still there to
receive their last messages, so no process lingers on a transmit to a dead peer; the connections
leave before the router, so no batch of frames in flight to it is lost. A phase that does not
finish within ``STOP_WAIT`` (``system.supervisor.ledger``) is given up on and the lingering roles
are reported.

Pure: the supervisor says what is left and which wait ran out; ``progress`` says what to do.
Exception tree: none raised.
"""

from __future__ import annotations

import enum

from attrs import define

__all__ = ["StopOrder", "StopPhase", "StopStep"]


class StopPhase(enum.StrEnum):
    RUNNING = "running"
    COMPONENTS = "components"
    CONNECTIONS = "connections"
    CHILDREN = "children"
    DONE = "done"


class StopStep(enum.StrEnum):
    STOP_CONNECTIONS = "stop_connections"
    """Ask the connection actors to exit and start their wait."""
    STOP_CHILDREN = "stop_children"
    """Ask every other child to exit and start the children's wait."""
    DONE = "done"
    """Answer ``TreeStopped`` (with whatever still lingers)."""


@define
class StopOrder:
    phase: StopPhase = StopPhase.RUNNING

    @property
    def stopping(self) -> bool:
        return self.phase is not StopPhase.RUNNING

    def begin(self) -> bool:
        """Start stopping (components first); False when already stopping."""
        if self.stopping:
            return False
        self.phase = StopPhase.COMPONENTS
        return True

    def progress(self, components_left: bool, children_left: bool, waited: str = "",
                 connections_left: bool = False) -> list[StopStep]:
        """What to do now that the components, connections or children left are as given, or
        the wait of phase ``waited`` ran out."""
        steps = []
        if self.phase is StopPhase.COMPONENTS and (not components_left or waited == self.phase):
            self.phase = StopPhase.CONNECTIONS
            steps.append(StopStep.STOP_CONNECTIONS)
        if self.phase is StopPhase.CONNECTIONS and (not connections_left or waited == self.phase):
            self.phase = StopPhase.CHILDREN
            steps.append(StopStep.STOP_CHILDREN)
        if self.phase is StopPhase.CHILDREN and (not children_left or waited == self.phase):
            self.phase = StopPhase.DONE
            steps.append(StopStep.DONE)
        return steps
