"""The supervisor's restart ledger: OTP child specs, restart strategies and restart intensity.

Modelled on Erlang/OTP supervisors (``sup_princ``): each child has a restart type, the
supervisor a strategy, and a restart intensity: more than ``intensity`` restarts within
``period`` seconds means restarting is not helping, so the supervisor gives up and escalates
(stops the tree and reports) instead of spinning. Thespian tells a parent ``ChildActorExited``
within ~10-20 ms of a child's death (THESPIAN.md); the supervisor feeds that here and acts on the
``Decision``.

=============  ==========================================================================
restart type   restarted when it exits
=============  ==========================================================================
permanent      always
transient      only after an abnormal exit (not when it was asked to stop)
temporary      never
=============  ==========================================================================

=============  ==========================================================================
strategy       on one child's exit, restart
=============  ==========================================================================
one_for_one    that child only
rest_for_one   that child and every child started after it (they depend on it)
one_for_all    every child
=============  ==========================================================================

Exception tree: ``ValueError`` for an unknown role or bad parameters (a supervisor bug).
"""

from __future__ import annotations

import enum
from collections import deque
from collections.abc import Iterable

from attrs import define, field, frozen

__all__ = [
    "DEFAULT_INTENSITY",
    "DEFAULT_PERIOD",
    "Action",
    "ChildSpec",
    "Decision",
    "RestartLedger",
    "RestartType",
    "Strategy",
]

DEFAULT_INTENSITY: int = 5
"""Restarts allowed within ``DEFAULT_PERIOD`` before giving up (OTP's default is 1 in 5 s; a
network-facing tree sees more transient crashes, and a restart here costs ~10 ms)."""

DEFAULT_PERIOD: float = 30.0
"""Seconds of the restart-intensity window."""


class RestartType(enum.StrEnum):
    PERMANENT = "permanent"
    TRANSIENT = "transient"
    TEMPORARY = "temporary"


class Strategy(enum.StrEnum):
    ONE_FOR_ONE = "one_for_one"
    REST_FOR_ONE = "rest_for_one"
    ONE_FOR_ALL = "one_for_all"


class Action(enum.StrEnum):
    RESTART = "restart"
    """Stop ``Decision.stop`` (if any), then start ``Decision.roles`` in order."""
    IGNORE = "ignore"
    """Nothing to do (temporary child, normal exit of a transient one, an expected exit)."""
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
    roles: tuple[str, ...] = ()
    """Children to (re)start, in start order."""
    stop: tuple[str, ...] = ()
    """Still-running children to stop first (rest_for_one / one_for_all)."""
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
    strategy: Strategy = field(default=Strategy.ONE_FOR_ONE, converter=Strategy)
    intensity: int = DEFAULT_INTENSITY
    period: float = DEFAULT_PERIOD
    _recent: deque[float] = field(init=False)
    """Times of the last ``intensity + 1`` restarts (bounded)."""
    _counts: dict[str, int] = field(init=False)
    _expected: dict[str, int] = field(factory=dict, init=False)
    """Exits the ledger itself ordered (stop lists), to be ignored when they arrive."""
    gave_up: bool = field(default=False, init=False)

    def __attrs_post_init__(self) -> None:
        if self.intensity < 0 or self.period <= 0:
            raise ValueError("intensity must be >= 0 and period > 0")
        roles = [c.role for c in self.children]
        if len(set(roles)) != len(roles):
            raise ValueError("child roles must be unique")
        self._recent = deque(maxlen=self.intensity + 1)
        self._counts = dict.fromkeys(roles, 0)

    def add_child(self, spec: ChildSpec) -> None:
        """A child started later (e.g. a user component); it goes last in start order."""
        if spec.role in self._counts:
            raise ValueError(f"role {spec.role!r} already supervised")
        self.children.append(spec)
        self._counts[spec.role] = 0

    def remove_child(self, role: str) -> None:
        """Stop supervising ``role`` (it was stopped on purpose and will not come back)."""
        self.children = [c for c in self.children if c.role != role]
        self._counts.pop(role, None)
        self._expected.pop(role, None)

    def _spec(self, role: str) -> ChildSpec:
        for spec in self.children:
            if spec.role == role:
                return spec
        raise ValueError(f"unknown child role {role!r}")

    def record_exit(self, role: str, now: float, *, abnormal: bool = True) -> Decision:
        """``role`` exited at ``now``; ``abnormal=False`` when it was asked to stop."""
        spec = self._spec(role)
        if self._expected.get(role):
            self._expected[role] -= 1
            return Decision(action=Action.IGNORE, reason="exit ordered by a previous restart")
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
        order = [c.role for c in self.children]
        if self.strategy is Strategy.ONE_FOR_ONE:
            affected = [role]
        elif self.strategy is Strategy.REST_FOR_ONE:
            affected = order[order.index(role):]
        else:
            affected = order
        stop = tuple(r for r in affected if r != role)
        roles = tuple(r for r in affected if r == role or self._spec(r).restart is not RestartType.TEMPORARY)
        for other in stop:
            self._expected[other] = self._expected.get(other, 0) + 1
        for restarted in roles:
            self._counts[restarted] += 1
        return Decision(action=Action.RESTART, roles=roles, stop=stop, reason=f"{role} exited")

    def restart_counts(self) -> dict[str, int]:
        """Restarts per role since start."""
        return dict(self._counts)

    def recent_restarts(self, now: float) -> int:
        """Restarts within the intensity window ending at ``now``."""
        return sum(1 for t in self._recent if t > now - self.period)

    def status(self, now: float) -> dict[str, object]:
        return {
            "strategy": self.strategy.value,
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
