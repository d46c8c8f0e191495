"""Frames on their way from the socket to the router: credit, coalescing and back-pressure.

THESPIAN.md (Speed): Thespian keeps one message in flight per destination and queues the rest in
the sender's transmit queue, which stops the sender reading its own mail past ~950 queued and
drops sends past ~1,050; a connection that flooded the router stopped answering pings. So the
connection keeps at most ``CREDIT`` ``FrameBatch`` messages unacknowledged. The acknowledgement
is Thespian's own: its transport ACKs every message once the receiving process has it, and the
connection hears of that (``BaseActor.send_acked``), so the hop costs no reply message (each
Thespian message costs ~0.2 ms of CPU at each end, THESPIAN.md). Frames read while the credit is spent wait here and leave together in
the next batch (coalesced, oldest first, one batch per socket epoch); an event waits only while
a batch is in flight, never when the hop is idle.

===========================  ===================================================================
situation                    rule
===========================  ===================================================================
credit left                  the waiting frames leave at once (up to ``MAX_BATCH`` per batch)
``PAUSE_AT`` frames waiting  stop reading the socket (``paused``): the kernel's buffer and then
                             TCP's window hold the rest; resume below ``RESUME_AT``
not delivered                the batch counts as lost (``lost_frames``: the router died) and its
                             credit returns; so does a batch without ack within ``ACK_TIMEOUT``
a new router                 batches in flight to the old one are lost the same way
===========================  ===================================================================

Nothing is dropped silently: frames are either delivered to a router, waiting here, or counted
in ``lost_frames``. Pure: time comes in as arguments.

Exception tree: none raised.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from attrs import define, field

__all__ = ["ACK_TIMEOUT", "CREDIT", "MAX_BATCH", "PAUSE_AT", "RESUME_AT", "Outflow", "Outgoing"]

CREDIT: int = 2
"""Batches unacknowledged at most. The prototype measured 1 and 2 alike; 2 lets the router
route one batch while the next crosses the socket."""
MAX_BATCH: int = 500
"""Frames per ``FrameBatch`` at most. The router takes a batch in one handler, and hears its
consumers' ACKs only between handlers: with 2,000 a pass took ~14 ms at the simulator's top rate
and one component got 26k events/s; with 500, 44k (1,000: 41k; 250: 36k; Dec 2026)."""
PAUSE_AT: int = 4_000
"""Frames waiting before the socket is no longer read (the prototype's cap)."""
RESUME_AT: int = 1_000
"""Frames waiting below which reading resumes."""
ACK_TIMEOUT: float = 2.0
"""Seconds without an ack after which a batch is taken as lost. Taking in 2,000 frames takes a
few ms; only a dead or replaced router is slower (a safety net: Thespian reports every send's
end)."""


@define(frozen=True)
class Outgoing:
    """One batch to send now."""

    seq: int
    epoch: int
    frames: tuple[bytes, ...]


@define
class Outflow:
    """The connection's side of the connection -> router hop."""

    credit: int = CREDIT
    max_batch: int = MAX_BATCH
    pause_at: int = PAUSE_AT
    resume_at: int = RESUME_AT
    ack_timeout: float = ACK_TIMEOUT
    _waiting: deque[tuple[int, list[bytes]]] = field(factory=deque, init=False)
    """(epoch, frames) segments, oldest first; a new socket starts a new segment."""
    _in_flight: dict[int, tuple[float, int]] = field(factory=dict, init=False)
    """seq -> (sent at, frames)."""
    _seq: int = field(default=0, init=False)
    waiting: int = field(default=0, init=False)
    """Frames read and not sent yet."""
    paused: bool = field(default=False, init=False)
    """True while the socket should not be read."""
    sent_frames: int = field(default=0, init=False)
    batches: int = field(default=0, init=False)
    lost_frames: int = field(default=0, init=False)
    """Frames in batches never acknowledged (a router that died or was replaced)."""
    pauses: int = field(default=0, init=False)

    def add(self, epoch: int, frames: list[bytes]) -> None:
        """Frames read from the socket of ``epoch``, oldest first."""
        if not frames:
            return
        if self._waiting and self._waiting[-1][0] == epoch:
            self._waiting[-1][1].extend(frames)
        else:
            self._waiting.append((epoch, list(frames)))
        self.waiting += len(frames)
        if self.waiting >= self.pause_at and not self.paused:
            self.paused = True
            self.pauses += 1

    def take(self, now: float) -> list[Outgoing]:
        """The batches that may leave now (none while the credit is spent)."""
        out = []
        while self._waiting and len(self._in_flight) < self.credit:
            epoch, frames = self._waiting[0]
            if len(frames) > self.max_batch:
                batch, self._waiting[0] = frames[: self.max_batch], (epoch, frames[self.max_batch:])
            else:
                batch = self._waiting.popleft()[1]
            self._seq += 1
            self._in_flight[self._seq] = (now, len(batch))
            self.waiting -= len(batch)
            self.sent_frames += len(batch)
            self.batches += 1
            out.append(Outgoing(seq=self._seq, epoch=epoch, frames=tuple(batch)))
        if self.paused and self.waiting < self.resume_at:
            self.paused = False
        return out

    def acked(self, seq: int) -> bool:
        """The router took batch ``seq``; False for an unknown or repeated ack."""
        return self._in_flight.pop(seq, None) is not None

    def failed(self, seq: int) -> int:
        """Batch ``seq`` could not be delivered; returns the frames lost (0 if already counted)."""
        return self._lose([seq] if seq in self._in_flight else [])

    def expire(self, now: float) -> int:
        """Batches unacknowledged for ``ack_timeout`` are lost; returns the frames lost now."""
        late = [s for s, (sent, _) in self._in_flight.items() if now - sent >= self.ack_timeout]
        return self._lose(late)

    def router_changed(self) -> int:
        """A new router: whatever is in flight to the old one is lost; returns the frames."""
        return self._lose(list(self._in_flight))

    def _lose(self, seqs: list[int]) -> int:
        lost = sum(self._in_flight.pop(s)[1] for s in seqs)
        self.lost_frames += lost
        return lost

    def status(self) -> dict[str, Any]:
        return {"frames_sent": self.sent_frames, "batches_sent": self.batches,
                "frames_waiting": self.waiting, "batches_in_flight": len(self._in_flight),
                "paused": self.paused, "pauses": self.pauses, "frames_lost": self.lost_frames}
