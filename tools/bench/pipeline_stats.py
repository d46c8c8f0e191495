"""Pure figures of ``bench pipeline``: a latency histogram every consumer keeps, and windows.

No I/O and no clock here: callers pass ``now``. The same :class:`Recorder` runs in every kind of
consumer (the bare reader's process, a component actor, a ``Hub.stream`` callback), so every
reader is measured the same way, and a consumer reports cumulative figures only: a window is the
difference of two :class:`Snapshot` s, whenever and from wherever they were taken.

Latency buckets are logarithmic, :data:`BUCKETS_PER_DECADE` per decade from :data:`LOW_MS` to
100 s, so a percentile is known to within one bucket (about 4.7 %); it is reported as the bucket's
upper edge (an upper bound). The maximum of a window is the upper edge of its highest bucket.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from attrs import frozen

__all__ = ["BUCKETS_PER_DECADE", "LOW_MS", "SIZE", "Recorder", "Snapshot", "Window", "bucket",
           "percentiles", "upper_edge", "window"]

BUCKETS_PER_DECADE = 50
"""Resolution of latency figures: 10 ** (1 / 50) = 1.047, one bucket is 4.7 % wide."""
LOW_MS = 0.1
"""Latencies below this (and negative ones: the frame timestamp is whole milliseconds) go to
bucket 0."""
SIZE = BUCKETS_PER_DECADE * 6 + 2
"""Buckets: underflow, six decades (0.1 ms to 100 s), overflow."""


def bucket(latency_ms: float) -> int:
    """Index of the bucket of ``latency_ms``: bucket i > 0 holds [edge(i - 1), edge(i))."""
    if latency_ms < LOW_MS:
        return 0
    index = int(math.log10(latency_ms / LOW_MS) * BUCKETS_PER_DECADE) + 1
    return min(SIZE - 1, index)


def upper_edge(index: int) -> float:
    """Upper edge of bucket ``index`` in ms (the overflow bucket has none: +inf)."""
    if index >= SIZE - 1:
        return math.inf
    return LOW_MS * 10 ** (index / BUCKETS_PER_DECADE)


@frozen
class Snapshot:
    """One consumer's cumulative figures at ``at`` (seconds on the consumer's wall clock)."""

    at: float
    count: int
    """Events delivered to user code so far."""
    buckets: tuple[tuple[int, int], ...]
    """(bucket index, events) of every non-empty latency bucket so far."""

    def as_dict(self) -> dict:
        """JSON-able form (status details travel as plain values)."""
        return {"at": self.at, "count": self.count, "buckets": [list(b) for b in self.buckets]}

    @classmethod
    def from_dict(cls, data: dict) -> Snapshot:
        return cls(at=float(data["at"]), count=int(data["count"]),
                   buckets=tuple((int(i), int(n)) for i, n in data["buckets"]))


class Recorder:
    """Cumulative event count and latency histogram of one consumer.

    Written by one thread only; a snapshot taken from another thread may be off by the event
    being recorded (list copies are atomic under the GIL), which windows of thousands ignore.
    """

    __slots__ = ("buckets", "count")

    def __init__(self) -> None:
        self.count = 0
        self.buckets = [0] * SIZE

    def add(self, now_ms: float, stamp_ms: float | None) -> None:
        """One event seen by user code at ``now_ms``, generated at ``stamp_ms`` (None: unknown)."""
        self.count += 1
        if stamp_ms:
            self.buckets[bucket(now_ms - stamp_ms)] += 1

    def add_batch(self, now_ms: float, stamps: Iterable[float | None]) -> None:
        """Several events seen together at ``now_ms``."""
        buckets = self.buckets
        count = 0
        for stamp in stamps:
            count += 1
            if stamp:
                buckets[bucket(now_ms - stamp)] += 1
        self.count += count

    def snapshot(self, at: float) -> Snapshot:
        counts = list(self.buckets)
        return Snapshot(at=at, count=self.count,
                        buckets=tuple((i, n) for i, n in enumerate(counts) if n))


@frozen
class Window:
    """What a set of consumers saw between two snapshots each."""

    events: int
    """Events delivered to user code, all consumers together."""
    per_second: float
    """Sum over consumers of events / seconds on that consumer's own clock."""
    seconds: float
    """Longest window of any consumer."""
    latencies: tuple[tuple[int, int], ...]
    """(bucket, events) of the window, all consumers together."""


def window(before: Sequence[Snapshot], after: Sequence[Snapshot]) -> Window:
    """The difference of two snapshots of the same consumers (in the same order)."""
    events, rate, longest = 0, 0.0, 0.0
    merged: dict[int, int] = {}
    for first, last in zip(before, after, strict=True):
        count = last.count - first.count
        seconds = last.at - first.at
        events += count
        longest = max(longest, seconds)
        rate += count / seconds if seconds > 0 else 0.0
        start = dict(first.buckets)
        for index, total in last.buckets:
            if total - start.get(index, 0):
                merged[index] = merged.get(index, 0) + total - start.get(index, 0)
    return Window(events=events, per_second=rate, seconds=longest, latencies=tuple(sorted(merged.items())))


def percentiles(latencies: Sequence[tuple[int, int]], quantiles: Sequence[float]) -> list[float | None]:
    """Upper bucket edge (ms) at each quantile (1.0 = the maximum); None without events."""
    total = sum(n for _, n in latencies)
    if not total:
        return [None for _ in quantiles]
    out = []
    for q in quantiles:
        rank = max(1, math.ceil(q * total))
        seen = 0
        for index, n in latencies:
            seen += n
            if seen >= rank:
                out.append(upper_edge(index))
                break
    return out
