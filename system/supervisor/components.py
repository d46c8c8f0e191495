"""The components a supervisor runs: who they are, how each counts, what their exit means.

A component is a dynamic child (OTP): ``spawn(restart=True)`` makes it transient (restarted after
a crash, not after a clean exit), ``restart=False`` temporary; its restarts count toward the
tree's restart intensity in the same ``RestartLedger`` as every other child. A component that
leaves cleanly says so first (``ComponentExited`` with its instance), so its exit is no crash.

Pure: addresses are opaque values. Exception tree: none raised.
"""

from __future__ import annotations

from typing import Any

from attrs import define, field, frozen

from upbit_actors.system.supervisor.ledger import Action, ChildSpec, RestartLedger, RestartType

__all__ = ["ComponentBook", "Exit"]


@frozen
class Exit:
    """What a component's exit means."""

    spec: Any
    """Its ``SpawnComponent`` (to spawn it again)."""
    address: Any
    instance: str
    """The instance it announced when leaving cleanly, else ""."""
    crashed: bool
    restart: bool
    escalate: bool


@define
class ComponentBook:
    ledger: RestartLedger
    _running: dict[str, tuple[Any, Any]] = field(factory=dict, init=False)
    """name -> (address, SpawnComponent)."""
    _leaving: dict[str, str] = field(factory=dict, init=False)
    """name -> instance, of components that announced a clean exit."""

    def __contains__(self, name: str) -> bool:
        return name in self._running

    def __len__(self) -> int:
        return len(self._running)

    def names(self) -> list[str]:
        return sorted(self._running)

    def addresses(self) -> list[Any]:
        return [address for address, _ in self._running.values()]

    def address_of(self, name: str) -> Any:
        return self._running[name][0]

    def name_of(self, address: Any) -> str | None:
        return next((n for n, (a, _) in self._running.items() if a == address), None)

    def started(self, name: str, address: Any, spec: Any, restart: bool) -> None:
        self._running[name] = (address, spec)
        role = f"component:{name}"
        if role not in self.ledger.restart_counts():
            kind = RestartType.TRANSIENT if restart else RestartType.TEMPORARY
            self.ledger.add_child(ChildSpec(role=role, restart=kind))

    def leaving(self, name: str, address: Any, instance: str) -> None:
        """The component said it exits on purpose (its next exit is not a crash)."""
        if name in self._running and self._running[name][0] == address:
            self._leaving[name] = instance

    def exited(self, name: str, now: float, *, stopping: bool = False) -> Exit:
        """Component ``name`` is gone; while ``stopping`` nothing is restarted or counted."""
        address, spec = self._running.pop(name)
        leaving = name in self._leaving
        instance = self._leaving.pop(name, "")
        role = f"component:{name}"
        if stopping:
            return Exit(spec, address, instance, crashed=False, restart=False, escalate=False)
        decision = self.ledger.record_exit(role, now, abnormal=not leaving)
        if decision.action is not Action.RESTART and not decision.escalate:
            self.ledger.remove_child(role)  # gone for good: asked to exit, or temporary
        return Exit(spec, address, instance, crashed=not leaving, restart=decision.restart,
                    escalate=decision.escalate)
