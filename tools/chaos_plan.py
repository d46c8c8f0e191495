"""What ``upbit-actors chaos`` does next, and when: pure choices from a seeded ``random.Random``.

No clock and no I/O: the command asks for a ``Fault`` or for kill targets and does them itself.
Faults, kill targets and the gaps between them each draw from a generator of their own, so the
same seed gives the same sequence of faults and the same sequence of kill targets however the
two interleave on a slow or a fast machine (when each lands, and so how many fit in a run,
still depends on the machine).

Faults are the simulator's (``tools/sim/__init__.py``), with durations short enough that a run
of a minute sees many of them and long enough to trip the tree's timeouts now and then:

=====================  ===================================================================
``drop_all``           every socket aborted (the client sees 1006)
``refuse_handshakes``  1-4 s of HTTP 503 or 429 on every handshake
``slow_handshakes``    2-5 s of handshakes held 0.5-2 s before the answer
``stall_data``         1-4 s without a data frame (pongs still answered)
``stall_all``          1-4 s of nothing read or sent (pings unanswered)
``send_garbage``       one non-JSON BINARY frame on every socket
``send_error``         an Upbit error frame, then close 1000, on every socket
``idle``               data stalled and the private side quiet for longer than the simulator's
                       idle timeout: every socket is closed as idle (1006)
``set_rate``           the market's rate set anywhere in ``RATES``
=====================  ===================================================================

Kills: any actor role from the tree's status, and ``admin`` (the Thespian admin process); one
target, or two at once with ``DOUBLE_KILL`` probability. Targets are dealt like cards: every
target once per round, in a new random order each round, so a run of a few rounds has killed
each role, the roots (``supervisor``, ``admin``) included, whatever the seed. Killing a root
ends the tree by design (it escalates loudly and a new hub is started).
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from attrs import field, frozen

__all__ = ["DOUBLE_KILL", "FAULT_WEIGHTS", "RATES", "ROOTS", "Fault", "Planner"]

RATES = (1_000.0, 5_000.0)
"""Frames per second of the simulated market: the range ``set_rate`` draws from."""
DOUBLE_KILL = 0.25
"""Probability that a kill takes two actors at once."""
ROOTS = ("supervisor", "admin")
"""Targets nobody restarts: their death must make the hub fail loudly."""
FAULT_WEIGHTS = {
    "drop_all": 3, "refuse_handshakes": 2, "slow_handshakes": 1, "stall_data": 2, "stall_all": 2,
    "send_garbage": 1, "send_error": 2, "idle": 1, "set_rate": 3,
}
"""Relative frequency of each fault."""
ERRORS = ("INVALID_PARAM", "WRONG_FORMAT", "TOO_MANY_REQUESTS")
"""Error frames ``send_error`` picks from (Upbit closes the socket after any of them)."""


@frozen
class Fault:
    """One fault to apply: its ``kind`` (above) and the simulator call's parameters."""

    kind: str
    params: tuple[tuple[str, object], ...] = field(converter=tuple, default=())
    quiet: float = 0.0
    """Seconds the private side must stay quiet (no orders placed) for the fault to work."""

    def describe(self) -> str:
        args = ", ".join(f"{k}={round(v, 2) if isinstance(v, float) else v}" for k, v in self.params)
        return f"{self.kind}({args})" if args else self.kind


class Planner:
    """Seeded choices of faults, kill targets and the gaps between them."""

    def __init__(self, seed: int, *, idle_timeout: float) -> None:
        self.faults = random.Random(f"faults-{seed}")
        self.kills = random.Random(f"kills-{seed}")
        self.gaps = random.Random(f"gaps-{seed}")
        self.idle_timeout = idle_timeout
        self._deck: list[str] = []

    def gap(self, every: float) -> float:
        """Seconds until the next fault or kill: ``every`` on average, never less than half."""
        return every * self.gaps.uniform(0.5, 1.5)

    def fault(self) -> Fault:
        rng = self.faults
        kind = rng.choices(list(FAULT_WEIGHTS), weights=list(FAULT_WEIGHTS.values()))[0]
        seconds = round(rng.uniform(1.0, 4.0), 2)
        if kind == "refuse_handshakes":
            return Fault(kind, (("seconds", seconds), ("status", rng.choice((503, 429)))))
        if kind == "slow_handshakes":
            return Fault(kind, (("seconds", seconds + 1.0), ("delay", round(rng.uniform(0.5, 2.0), 2))))
        if kind in ("stall_data", "stall_all"):
            return Fault(kind, (("seconds", seconds),))
        if kind == "send_error":
            return Fault(kind, (("name", rng.choice(ERRORS)),))
        if kind == "idle":
            quiet = round(self.idle_timeout + 1.5, 2)
            return Fault(kind, (("seconds", quiet),), quiet=quiet)
        if kind == "set_rate":
            return Fault(kind, (("rate", round(rng.uniform(*RATES))),))
        return Fault(kind)

    def kill_targets(self, roles: Sequence[str]) -> tuple[str, ...]:
        """One or two distinct targets among ``roles`` (``admin`` should be one of them), dealt
        from the current round; a new round, shuffled, when it has none of ``roles`` left."""
        pool = sorted(set(roles))
        if not pool:
            return ()
        count = 2 if len(pool) > 1 and self.kills.random() < DOUBLE_KILL else 1
        chosen: list[str] = []
        while len(chosen) < count:
            left = [r for r in self._deck if r in pool and r not in chosen]
            if not left:
                self._deck = self.kills.sample(pool, len(pool))
                left = [r for r in self._deck if r not in chosen]
            self._deck.remove(left[0])
            chosen.append(left[0])
        return tuple(chosen)
