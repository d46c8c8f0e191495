"""What one consumer of ``upbit-actors chaos`` saw: events, repeated trades, and when data came.

A ``Tally`` runs inside every consumer of a chaos run (a ``ChaosProbe`` component's actor
process, or the thread of a ``Hub.stream``) and is fed each event with the time it was handed
to user code. It is pure: no clock, no I/O, no Thespian; the caller passes ``now``
(``time.time()``, the clock the simulator stamps its frames with).

It keeps three things:

- **events** handed to user code;
- **repeated trades**: a trade whose ``(code, sequential_id)`` this consumer already saw in its
  life (one epoch: a restarted component or a new hub starts a new tally). After a reconnect
  Upbit resends the last trade of each code as a ``SNAPSHOT`` (SPEC §2.1 rule 2): a repeat that
  arrives as a snapshot is counted apart (``snapshot_repeats``) from any other (``duplicates``);
- **a timeline per data type**: for every ``SLOT`` of receive time in which events arrived, the
  newest frame timestamp seen so far. From it, "when did the first event generated after the
  fault at t0 reach user code" is a search (:func:`first_after`) whatever happened in between:
  events buffered in the tree while an actor restarted arrive late but carry their old stamps,
  so a delayed stream is not mistaken for an uninterrupted one.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable, Sequence
from typing import Any

from upbit_actors.messages.gaps import Gap

__all__ = ["EXPORT_SLOTS", "IDS_KEPT", "SLOT", "TIMELINE_KEPT", "Tally", "first_after", "merge"]

SLOT = 0.2
"""Seconds of receive time per timeline entry: a recovery is known to within this."""
TIMELINE_KEPT = 3_000
"""Timeline entries kept per data type (10 minutes of slots with events); oldest dropped."""
EXPORT_SLOTS = 150
"""Entries exported by ``export`` (the last 30 s): a status poll every few seconds overlaps the
previous one, and the status message stays small."""
IDS_KEPT = 4_000
"""Trade ids remembered per code, newest first out: seconds of trades at the chaos rates, and a
repeat is the latest trade of its code (a snapshot) or something resent just now."""


class Tally:
    """Counts and timelines of one consumer (see the module docstring). Not thread-safe: one
    thread adds; a reader on another thread takes a lock around ``add`` and ``export``."""

    def __init__(self, ids_kept: int = IDS_KEPT, timeline_kept: int = TIMELINE_KEPT) -> None:
        self.events = 0
        self.duplicates = 0
        """Trades seen twice that were not snapshots."""
        self.snapshot_repeats = 0
        """Trades seen twice whose repeat came as a ``SNAPSHOT`` (a resend after a reconnect)."""
        self.by_type: dict[str, int] = {}
        """Events per data type."""
        self._ids_kept = ids_kept
        self._ids: dict[str, tuple[set[int], deque[int]]] = {}
        self._timeline_kept = timeline_kept
        self._timelines: dict[str, deque[list[float]]] = {}
        self._newest: dict[str, float] = {}

    def add(self, event: Any, now: float) -> None:
        """One event handed to user code at ``now`` (seconds); a ``Gap`` notice is not one."""
        if isinstance(event, Gap):
            return
        kind = str(type(event).data_type.value)
        self.events += 1
        self.by_type[kind] = self.by_type.get(kind, 0) + 1
        if kind == "trade":
            self._trade(event)
        stamp = getattr(event, "timestamp", 0) / 1000.0
        newest = max(self._newest.get(kind, 0.0), stamp)
        self._newest[kind] = newest
        slot = math.floor(now / SLOT)
        line = self._timelines.get(kind)
        if line is None:
            line = self._timelines[kind] = deque(maxlen=self._timeline_kept)
        if line and line[-1][0] == slot:
            line[-1][1] = newest
        else:
            line.append([slot, newest])

    def add_all(self, events: Iterable[Any], now: float) -> None:
        for event in events:
            self.add(event, now)

    def _trade(self, trade: Any) -> None:
        seen, order = self._ids.get(trade.code) or self._ids.setdefault(trade.code, (set(), deque()))
        if trade.sequential_id in seen:
            if str(trade.stream_type.value) == "SNAPSHOT":
                self.snapshot_repeats += 1
            else:
                self.duplicates += 1
            return
        seen.add(trade.sequential_id)
        order.append(trade.sequential_id)
        if len(order) > self._ids_kept:
            seen.discard(order.popleft())

    def export(self, slots: int = EXPORT_SLOTS) -> dict[str, Any]:
        """JSON-able figures (a component's ``status_details``): the counts, and per data type
        the last ``slots`` timeline entries as ``[slot, newest stamp]``."""
        return {
            "events": self.events,
            "duplicates": self.duplicates,
            "snapshot_repeats": self.snapshot_repeats,
            "by_type": dict(self.by_type),
            "timelines": {kind: [list(entry) for entry in list(line)[-slots:]]
                          for kind, line in self._timelines.items()},
        }


def merge(into: dict[int, float], entries: Iterable[Sequence[float]]) -> None:
    """Fold exported timeline entries into a ``slot -> newest stamp`` map (several polls, or
    several instances of one consumer: the newest stamp of a slot wins)."""
    for slot, newest in entries:
        slot = int(slot)
        if newest > into.get(slot, -math.inf):
            into[slot] = float(newest)


def first_after(timeline: dict[int, float], t0: float) -> float | None:
    """The end of the first receive slot by which an event generated after ``t0`` had reached
    user code (an upper bound of its arrival, at most ``SLOT`` late); None if none has yet."""
    start = math.floor(t0 / SLOT)
    for slot in sorted(s for s in timeline if s >= start):
        if timeline[slot] > t0:
            return (slot + 1) * SLOT
    return None
