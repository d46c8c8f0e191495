"""The incidents of a chaos run and what became of each: pure decisions, no clock, no I/O.

An ``Incident`` is a fault or a kill at a wall-clock time ``at`` in one epoch (one hub). The
command feeds the ledger what it observes (stream timelines, the roles' pids from the tree's
status, the hub's failure) and the ledger decides, for every pending incident:

- **recovered** when every stream of the epoch has delivered an event generated after ``at``
  (``chaos_tally.first_after``) and, for a kill, every target role runs again under a new pid.
  ``recovery`` is the time from ``at`` to the slowest stream's first such event;
- **escalated** when the epoch's hub failed loudly (``Hub.failure``) before that, soon after
  the kill (``ROOT_WINDOW`` for a root, ``ESCALATION_WINDOW`` for any other): the outcome the
  design asks for when a root (supervisor, admin) dies, or when restarts exceed the
  supervisor's intensity. A kill still pending when the hub fails later than that did not cause
  the failure, and counts as **unrecovered**; a fault pending then is **interrupted** (not
  counted as recovered);
- **unrecovered** when neither happened within ``deadline`` seconds: the failure the run exists
  to find. A kill of the admin cannot recover (nobody restarts it): only escalation saves it.

Deadlines are generous on purpose (a loaded 2-core machine is slow); the figures report the
times, the verdict never depends on them being short.
"""

from __future__ import annotations

from collections.abc import Mapping

from attrs import define, field

from upbit_actors.tools.chaos_plan import ROOTS
from upbit_actors.tools.chaos_tally import first_after

__all__ = ["DEADLINE", "ESCALATION_WINDOW", "ROOT_WINDOW", "Incident", "Ledger"]

DEADLINE = 120.0
"""Seconds an incident may take to recover before it counts as unrecovered: above the tree's
worst legitimate path (backoff capped at 30 s after refused handshakes, plus restarts)."""
ESCALATION_WINDOW = 30.0
"""Seconds after a kill within which a failure of its hub counts as that kill escalating: the
supervisor's restart-intensity period (5 restarts in 30 s)."""
ROOT_WINDOW = 15.0
"""The same for a kill of a root: its death is to fail the hub within ~1 s (the hub's monitor
looks every 0.5 s); 15 s leaves room for a loaded machine."""


@define
class Incident:
    """One fault or kill and its outcome."""

    number: int
    at: float
    """Wall-clock seconds (``time.time()``) when it was done."""
    kind: str
    """``fault`` or ``kill``."""
    what: str
    """The fault's description, or the kill's targets joined by ``+``."""
    epoch: int
    targets: tuple[str, ...] = ()
    """Kill targets (roles, or ``admin``)."""
    old_pids: dict[str, int] = field(factory=dict)
    outcome: str = "pending"
    """``pending``, ``recovered``, ``escalated``, ``interrupted`` or ``unrecovered``."""
    recovery: float | None = None
    """Seconds from ``at`` until every stream delivered an event generated after it."""
    slowest: str = ""
    """The stream that took longest (or that had not recovered at the deadline)."""
    restarted_at: float | None = None
    """When every target was first seen running under a new pid."""

    def as_dict(self) -> dict:
        out = {"n": self.number, "at": round(self.at, 3), "kind": self.kind, "what": self.what,
               "epoch": self.epoch, "outcome": self.outcome, "slowest": self.slowest,
               "recovery": None if self.recovery is None else round(self.recovery, 2)}
        if self.kind == "kill":
            out["pids"] = dict(self.old_pids)
        return out


class Ledger:
    """Every incident of a run, oldest first."""

    def __init__(self, deadline: float = DEADLINE) -> None:
        self.deadline = deadline
        self.incidents: list[Incident] = []

    def add(self, at: float, kind: str, what: str, epoch: int, targets: tuple[str, ...] = (),
            old_pids: Mapping[str, int] | None = None) -> Incident:
        incident = Incident(len(self.incidents) + 1, at, kind, what, epoch, targets, dict(old_pids or {}))
        self.incidents.append(incident)
        return incident

    def pending(self, epoch: int | None = None) -> list[Incident]:
        return [i for i in self.incidents
                if i.outcome == "pending" and (epoch is None or i.epoch == epoch)]

    def observe(self, epoch: int, now: float, timelines: Mapping[str, dict[int, float]],
                pids: Mapping[str, int] | None) -> None:
        """Decide what can be decided about the epoch's pending incidents. ``timelines``: every
        stream of the epoch; ``pids``: role -> pid from the latest status (None: no answer)."""
        for incident in self.pending(epoch):
            if (incident.kind == "kill" and incident.restarted_at is None and pids is not None
                    and all(t in pids and pids[t] != incident.old_pids.get(t) for t in incident.targets)):
                incident.restarted_at = now
            arrived = {name: first_after(line, incident.at) for name, line in timelines.items()}
            waiting = sorted(name for name, t in arrived.items() if t is None)
            restarted = incident.kind != "kill" or incident.restarted_at is not None
            if timelines and not waiting and restarted:
                slowest = max(arrived, key=lambda n: arrived[n])
                incident.outcome = "recovered"
                incident.recovery = max(0.0, arrived[slowest] - incident.at)
                incident.slowest = slowest
            elif now - incident.at > self.deadline:
                incident.outcome = "unrecovered"
                incident.slowest = ", ".join(waiting) if waiting else "targets not restarted"

    def escalated(self, epoch: int, failed_at: float) -> list[Incident]:
        """The epoch's hub failed at ``failed_at``: its pending kills of the last
        ``ESCALATION_WINDOW`` seconds escalated, older pending kills did not recover, its pending
        faults were interrupted. Returns the kills that escalated."""
        kills = []
        for incident in self.pending(epoch):
            if incident.kind != "kill":
                incident.outcome = "interrupted"
            elif failed_at - incident.at <= (ROOT_WINDOW if set(incident.targets) & set(ROOTS)
                                             else ESCALATION_WINDOW):
                incident.outcome = "escalated"
                kills.append(incident)
            else:
                incident.outcome = "unrecovered"
                incident.slowest = (f"targets not restarted; the hub failed "
                                    f"{failed_at - incident.at:.0f} s later, not from this kill")
        return kills

    def give_up(self) -> None:
        """The run is over: whatever is still pending did not recover."""
        for incident in self.pending():
            incident.outcome = "unrecovered"
            incident.slowest = incident.slowest or "still pending at the end"

    def counts(self, kind: str) -> dict[str, int]:
        out: dict[str, int] = {}
        for incident in self.incidents:
            if incident.kind == kind:
                out[incident.outcome] = out.get(incident.outcome, 0) + 1
        return out
