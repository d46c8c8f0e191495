"""The supervisor's restart ledger: OTP child specs, restart types and restart intensity.

Modelled on Erlang/OTP supervisors (``sup_princ``): each child has a restart type and the
supervisor a restart intensity: more than ``intensity`` restarts within ``period`` seconds means
restarting is not helping, so the supervisor gives up and escalates (stops the tree and reports)
instead of spinning. Every child counts, the components a bot spawns included (OTP's dynamic
children do too). Thespian tells a parent ``ChildActorExited`` within ~10-20 ms of a child's
death (THESPIAN.md); the supervisor feeds that here and acts on the ``Decision``.

=============  ====================================================  =========================
restart type   restarted when it exits                               used for
=============  ====================================================  =========================
permanent      always                                                the infrastructure roles
transient      only after an abnormal exit (not when asked to stop)  ``spawn(restart=True)``
temporary      never (an abnormal exit is still reported)            ``spawn(restart=False)``
=============  ====================================================  =========================

The strategy is one_for_one: only the child that exited is restarted. The others need no
restart to follow it: they learn its new address from the next ``Directory`` and re-send what it
must know (STYLE: a restarted actor rebuilds its state from whoever keeps the durable copy), so
rest_for_one and one_for_all would only throw state away.

Exception tree: ``ConfigError`` for an unknown role or bad parameters (a supervisor bug).
"""

from __future__ import annotations

import enum
from collections import deque
from collections.abc import Iterable

from attrs import define, field, frozen

from upbit_actors.system.errors import ConfigError

__all__ = [
    "DEFAULT_INTENSITY",
    "DEFAULT_PERIOD",
    "Action",
    "ChildSpec",
    "Decision",
    "RestartLedger",
    "RestartType",
    "STOP_WAIT",
]

DEFAULT_INTENSITY: int = 5
"""Restarts allowed within ``DEFAULT_PERIOD`` before giving up (OTP's default is 1 in 5 s; a
network-facing tree sees more transient crashes, and a restart here costs ~10 ms)."""

DEFAULT_PERIOD: float = 30.0
"""Seconds of the restart-intensity window."""


STOP_WAIT: float = 2.0
"""Seconds a shutdown waits for each phase (components, then the other children) to exit.
Components go first: while they leave, the registry, the router and the supervisor are still
there to receive their last messages, so no process lingers on a transmit to a dead peer. The
hub waits for two phases and a margin."""


class RestartType(enum.StrEnum):
    PERMANENT = "permanent"
    TRANSIENT = "transient"
    TEMPORARY = "temporary"


class Action(enum.StrEnum):
    RESTART = "restart"
    """Start the child again."""
    IGNORE = "ignore"
    """Nothing to do (a temporary child, or a transient one that was asked to stop)."""
    ESCALATE = "escalate"
    """Restart intensity exceeded: stop the tree and report."""


@frozen(kw_only=True)
class ChildSpec:
    """One child the supervisor starts, in start order."""

    role: str
    restart: RestartType = field(default=RestartType.PERMANENT, converter=RestartType)


@frozen(kw_only=True)
class Decision:
    """What the supervisor does about one exit."""

    action: Action
    reason: str = ""

    @property
    def restart(self) -> bool:
        return self.action is Action.RESTART

    @property
    def escalate(self) -> bool:
        return self.action is Action.ESCALATE


@define
class RestartLedger:
    """Decides restarts and keeps the counts the status tool shows."""

    children: list[ChildSpec] = field(converter=list)
    intensity: int = DEFAULT_INTENSITY
    period: float = DEFAULT_PERIOD
    _recent: deque[float] = field(init=False)
    """Times of the last ``intensity + 1`` restarts (bounded)."""
    _counts: dict[str, int] = field(init=False)
    gave_up: bool = field(default=False, init=False)

    def __attrs_post_init__(self) -> None:
        if self.intensity < 0 or self.period <= 0:
            raise ConfigError("intensity must be >= 0 and period > 0")
        roles = [c.role for c in self.children]
        if len(set(roles)) != len(roles):
            raise ConfigError("child roles must be unique")
        self._recent = deque(maxlen=self.intensity + 1)
        self._counts = dict.fromkeys(roles, 0)

    def add_child(self, spec: ChildSpec) -> None:
        """A child started later (a user component); it goes last in start order."""
        if spec.role in self._counts:
            raise ConfigError(f"role {spec.role!r} already supervised")
        self.children.append(spec)
        self._counts[spec.role] = 0

    def remove_child(self, role: str) -> None:
        """Stop supervising ``role`` (it was stopped on purpose and will not come back)."""
        self.children = [c for c in self.children if c.role != role]
        self._counts.pop(role, None)

    def _spec(self, role: str) -> ChildSpec:
        for spec in self.children:
            if spec.role == role:
                return spec
        raise ConfigError(f"unknown child role {role!r}")

    def record_exit(self, role: str, now: float, *, abnormal: bool = True) -> Decision:
        """``role`` exited at ``now``; ``abnormal=False`` when it was asked to stop."""
        spec = self._spec(role)
        if spec.restart is RestartType.TEMPORARY:
            return Decision(action=Action.IGNORE, reason="temporary child")
        if spec.restart is RestartType.TRANSIENT and not abnormal:
            return Decision(action=Action.IGNORE, reason="transient child exited normally")
        if self.gave_up:
            return Decision(action=Action.ESCALATE, reason="already gave up")
        while self._recent and self._recent[0] <= now - self.period:
            self._recent.popleft()
        if len(self._recent) >= self.intensity:
            self.gave_up = True
            return Decision(
                action=Action.ESCALATE,
                reason=f"more than {self.intensity} restarts within {self.period:g} s",
            )
        self._recent.append(now)
        self._counts[role] += 1
        return Decision(action=Action.RESTART, reason=f"{role} exited")

    def restart_counts(self) -> dict[str, int]:
        """Restarts per role since start."""
        return dict(self._counts)

    def recent_restarts(self, now: float) -> int:
        """Restarts within the intensity window ending at ``now``."""
        return sum(1 for t in self._recent if t > now - self.period)

    def status(self, now: float) -> dict[str, object]:
        return {
            "restarts": self.restart_counts(),
            "recent": self.recent_restarts(now),
            "intensity": self.intensity,
            "period": self.period,
            "gave_up": self.gave_up,
        }

    @classmethod
    def for_roles(cls, roles: Iterable[str], **kwargs: object) -> RestartLedger:
        """Every role permanent, in the given start order."""
        return cls([ChildSpec(role=r) for r in roles], **kwargs)  # type: ignore[arg-type]
