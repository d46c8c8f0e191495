"""Writing to connections: control frames now, queued frames in one write, slow consumers.

The base of :class:`tools.sim.fanout.Fanout`: whoever queues frames on a connection marks it
dirty (or, on the hot path, every connection is marked once per burst) and :meth:`Outbox.flush`
writes each dirty connection's frames in one transport write, counts them per kind, and cuts
off (or drops frames for) a client whose unread bytes pass ``max_write_buffer``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from upbit_actors.tools.sim.client import SimConnection
from upbit_actors.tools.sim.config import SimConfig
from upbit_actors.tools.sim.encode import encode
from upbit_actors.tools.sim.faults import Faults
from upbit_actors.tools.sim.stats import Stats

__all__ = ["Outbox"]


class Outbox:
    """Dirty connections and how their queued frames reach the socket."""

    def __init__(self, config: SimConfig, stats: Stats, faults: Faults, clock: Callable[[], float]) -> None:
        self.config = config
        self.stats = stats
        self.faults = faults
        self.clock = clock
        self._dirty: dict[int, SimConnection] = {}
        """Connections with frames queued since the last flush."""

    def send_control(self, conn: SimConnection, frame: dict[str, Any], kind: str) -> None:
        """Send a non-market frame now (error, status, LIST_SUBSCRIPTIONS answer)."""
        if self.faults.data_stalled(self.clock()):
            return
        # Errors and status frames keep one shape whatever the format; answers follow it.
        fmt = conn.format if kind == "list_subscriptions" else "DEFAULT"
        data = encode(frame, fmt, self.config.number_style)
        conn.queue(data if self.config.control_frames_binary else data.decode(), kind)
        self._dirty[conn.id] = conn
        self.flush()

    def send_raw(self, conn: SimConnection, data: bytes, kind: str) -> None:
        """Send arbitrary bytes as one BINARY frame now (the garbage fault)."""
        conn.queue(data, kind)
        self._dirty[conn.id] = conn
        self.flush()

    def flush(self) -> None:
        """Write every connection's queued frames; handle slow consumers."""
        if not self._dirty:
            return
        dirty, self._dirty = self._dirty, {}
        now = self.clock()
        cfg = self.config
        drop = cfg.slow_consumer == "drop"
        for conn in dirty.values():
            queued = len(conn.pending)
            if not queued:
                continue
            written, problem = conn.flush(cfg.max_write_buffer, drop)
            if written:
                conn.last_traffic = now
                for kind, count in written.items():
                    self.stats.sent(conn.id, kind, count)
            if problem in ("slow", "dropped"):
                self.stats.dropped_frames += queued
                if problem == "slow":
                    buffered = conn.ws.transport.get_write_buffer_size()
                    self.stats.violation(now, "slow_consumer", conn.id, buffered=buffered)
                    conn.close_reason, conn.closing = "slow_consumer", True
                    conn.ws.transport.abort()
