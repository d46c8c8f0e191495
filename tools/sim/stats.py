"""What the simulator saw and did, kept for tests to assert on (bounded, JSON-able).

Times are wall-clock seconds (``time.time()``) so a test can compare them with its own clock.
"Violations" are every rate-limit hit (REST ones as ``rest_rate``) and every error frame sent, so a healthy client run has
``violations == []``.
"""

from __future__ import annotations

import collections
import dataclasses
from typing import Any

__all__ = ["ConnectionRecord", "Stats"]


@dataclasses.dataclass
class ConnectionRecord:
    """One connection's life."""

    id: int
    path: str
    remote: str
    opened: float
    access_key: str | None = None
    authenticated: bool = False
    closed: float | None = None
    close_reason: str | None = None
    format: str = "DEFAULT"
    subscriptions: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    frames_sent: collections.Counter[str] = dataclasses.field(default_factory=collections.Counter)
    frames_received: int = 0

    def to_json(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out["frames_sent"] = dict(self.frames_sent)
        return out


class Stats:
    """Counters and bounded logs; every list keeps its newest ``limit`` entries."""

    def __init__(self, limit: int = 20000) -> None:
        self.limit = limit
        self.reset()

    def reset(self) -> None:
        """Forget everything (open connections are re-registered by the server)."""
        self.opened = 0
        self.closed = 0
        self.connections: dict[int, ConnectionRecord] = {}
        self.client_frames: collections.deque[dict[str, Any]] = collections.deque(maxlen=self.limit)
        self.frames_sent: collections.Counter[str] = collections.Counter()
        self.violations: collections.deque[dict[str, Any]] = collections.deque(maxlen=self.limit)
        self.handshakes: collections.deque[dict[str, Any]] = collections.deque(maxlen=self.limit)
        self.handshakes_accepted = 0
        self.handshakes_refused: collections.Counter[str] = collections.Counter()
        self.dropped_frames = 0
        self.rest_requests: collections.deque[dict[str, Any]] = collections.deque(maxlen=self.limit)
        self.rest_counts: collections.Counter[str] = collections.Counter()

    def open(self, record: ConnectionRecord) -> None:
        self.opened += 1
        self.connections[record.id] = record
        # Bounded: forget the oldest closed connections first.
        if len(self.connections) > self.limit:
            excess = len(self.connections) - self.limit
            for key in [k for k, r in self.connections.items() if r.closed is not None][:excess]:
                del self.connections[key]

    def close(self, conn_id: int, when: float, reason: str) -> None:
        record = self.connections.get(conn_id)
        if record is not None and record.closed is None:
            record.closed, record.close_reason = when, reason
            self.closed += 1

    def client_frame(self, conn_id: int, when: float, opcode: str, kind: str, data: str | bytes = "") -> None:
        """One frame from a client; ``kind`` is subscribe, list, ping_text, invalid, rate_limited, ping."""
        text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
        self.client_frames.append(
            {"conn": conn_id, "time": when, "opcode": opcode, "kind": kind, "data": text[:2000]}
        )
        record = self.connections.get(conn_id)
        if record is not None:
            record.frames_received += 1

    def sent(self, conn_id: int, kind: str, count: int = 1) -> None:
        self.frames_sent[kind] += count
        record = self.connections.get(conn_id)
        if record is not None:
            record.frames_sent[kind] += count

    def violation(self, when: float, kind: str, conn_id: int | None = None, **detail: Any) -> None:
        """A rate-limit hit, an error frame sent, a slow consumer..."""
        self.violations.append({"time": when, "kind": kind, "conn": conn_id, **detail})

    def handshake(self, when: float, client: str, path: str, status: int) -> None:
        self.handshakes.append({"time": when, "client": client, "path": path, "status": status})
        if status == 101:
            self.handshakes_accepted += 1
        else:
            self.handshakes_refused[str(status)] += 1

    def rest(self, when: float, client: str, target: str, status: int) -> None:
        """One REST request (``tools.sim.rest``): path with query, and the HTTP status answered."""
        self.rest_requests.append({"time": when, "client": client, "target": target[:2000], "status": status})
        self.rest_counts[f"{target.partition('?')[0]} {status}"] += 1

    def snapshot(self) -> dict[str, Any]:
        """Everything, as plain JSON-able data."""
        return {
            "connections_opened": self.opened,
            "connections_closed": self.closed,
            "connections_open": sum(1 for r in self.connections.values() if r.closed is None),
            "connections": [r.to_json() for r in self.connections.values()],
            "subscriptions": {
                str(r.id): r.subscriptions for r in self.connections.values() if r.closed is None
            },
            "client_frames": list(self.client_frames),
            "frames_sent": dict(self.frames_sent),
            "violations": list(self.violations),
            "handshakes": list(self.handshakes),
            "handshakes_accepted": self.handshakes_accepted,
            "handshakes_refused": dict(self.handshakes_refused),
            "dropped_frames": self.dropped_frames,
            "rest_requests": list(self.rest_requests),
            "rest_counts": dict(self.rest_counts),
        }
