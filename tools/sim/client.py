"""One client connection: its state and the two I/O hooks the websockets server needs.

:class:`SimServerConnection` is the websockets ``ServerConnection`` with two extras: every byte
received counts as traffic (for the idle close, SPEC §4), and while a stall-all fault is on the
bytes are held back unprocessed, so a client's ping gets no pong. :class:`SimConnection` is the
simulator's view: format, routes, limiter, counters, and a batched binary writer.
"""

from __future__ import annotations

import collections
import struct
from collections.abc import Callable
from typing import Any

from websockets.asyncio.server import ServerConnection
from websockets.frames import Opcode
from websockets.protocol import State

from upbit_actors.tools.sim.auth import AuthResult
from upbit_actors.tools.sim.limits import SlidingWindows
from upbit_actors.tools.sim.protocol import Subscribe
from upbit_actors.tools.sim.routes import Route

__all__ = ["BINARY", "TEXT", "SimConnection", "SimServerConnection", "framed", "unframe"]


class SimServerConnection(ServerConnection):
    """websockets connection that reports traffic and can stop reading (stall-all)."""

    on_traffic: Callable[[], None] | None = None
    """Called for every chunk of bytes received."""
    on_ping: Callable[[bytes], None] | None = None
    """Called for every protocol ping frame received."""
    stalled: Callable[[], bool] | None = None
    """While it returns True, received bytes are held back (no pong, no message)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.held: list[bytes] = []
        self.sim: SimConnection | None = None
        self.auth: AuthResult | None = None
        self.client_key = ""

    def data_received(self, data: bytes) -> None:
        if self.on_traffic is not None:
            self.on_traffic()
        if self.stalled is not None and self.stalled():
            self.held.append(data)
            return
        if self.held:
            data = b"".join(self.held) + data
            self.held.clear()
        super().data_received(data)

    def release(self) -> None:
        """Process bytes held during a stall."""
        if self.held and self.protocol.state is not State.CLOSED:
            data = b"".join(self.held)
            self.held.clear()
            super().data_received(data)

    def process_event(self, event: Any) -> None:
        if self.on_ping is not None and getattr(event, "opcode", None) is Opcode.PING:
            self.on_ping(bytes(event.data))
        super().process_event(event)


class SimConnection:
    """The simulator's state for one open WebSocket."""

    def __init__(
        self,
        conn_id: int,
        ws: SimServerConnection,
        private: bool,
        limits: SlidingWindows,
        now: float,
        remote: str = "?",
    ) -> None:
        self.remote = remote
        """Client address."""
        self.id = conn_id
        self.ws = ws
        self.private = private
        """Connected on ``/websocket/v1/private``."""
        self.access_key: str | None = ws.auth.access_key if ws.auth and ws.auth.ok else None
        """Authenticated access key, None if the token was bad or absent."""
        self.limits = limits
        self.format = "DEFAULT"
        self.request: Subscribe | None = None
        """The live subscribe request (what LIST_SUBSCRIPTIONS describes)."""
        self.routes: tuple[Route, ...] = ()
        self.active: set[Route] = set()
        """Routes that receive REALTIME frames now (after their snapshot)."""
        self.generation = 0
        """Bumped by every accepted subscribe; stale snapshot bursts check it."""
        self.last_traffic = now
        self.status_up_next: float | None = None
        self.closing = False
        """An error was sent or the server is closing it: nothing more is sent or handled."""
        self.close_reason = "client"
        """Why it closed, for stats: client, error:<NAME>, idle, dropped, slow_consumer, server_stop."""
        self.pending: list[bytes] = []
        """Whole WebSocket frames (header + payload) waiting for :meth:`flush`; the data plane
        appends frames shared by every connection of the same format (see :func:`framed`)."""
        self.pending_kinds: list[str] = []
        """The kind of each pending frame (stats count them per kind once written)."""

    def queue(self, data: bytes | str, kind: str) -> None:
        """Add one frame to the next :meth:`flush`: bytes go BINARY, str goes TEXT."""
        if type(data) is bytes:
            self.pending.append(framed(data))
        else:
            self.pending.append(framed(data.encode(), TEXT))
        self.pending_kinds.append(kind)

    def flush(self, max_buffer: int, drop_when_slow: bool) -> tuple[collections.Counter[str], str | None]:
        """Write every queued frame in one transport write.

        Returns (frames written per kind, problem): problem is ``slow`` when the client's
        unread bytes exceed ``max_buffer`` (frames dropped if ``drop_when_slow``, else the
        caller aborts), ``closed`` when the socket is gone.
        """
        frames, kinds = self.pending, self.pending_kinds
        if not frames:
            return collections.Counter(), None
        self.pending, self.pending_kinds = [], []
        ws = self.ws
        if self.closing or ws.protocol.state is not State.OPEN:
            return collections.Counter(), "closed"
        transport = ws.transport
        if transport.get_write_buffer_size() > max_buffer:
            return collections.Counter(), "slow" if not drop_when_slow else "dropped"
        protocol = ws.protocol
        pending = protocol.data_to_send()  # anything the protocol queued (a pong) goes first
        if protocol.extensions:
            # permessage-deflate negotiated: let websockets compress every frame.
            for data in frames:
                opcode, payload = unframe(data)
                if opcode == BINARY:
                    protocol.send_binary(payload)
                else:
                    protocol.send_text(payload)
            transport.write(b"".join(pending + protocol.data_to_send()))
        else:
            transport.write(b"".join(pending + frames if pending else frames))
        return collections.Counter(kinds), None


BINARY = 0x82
"""FIN + opcode 2: every data frame (SPEC §1 [WIRE])."""
TEXT = 0x81
"""FIN + opcode 1: control answers when ``control_frames_binary`` is off."""


_HEAD16 = struct.Struct("!BBH").pack
_HEAD64 = struct.Struct("!BBQ").pack


def framed(payload: bytes, first: int = BINARY) -> bytes:
    """One unmasked, unfragmented server frame (RFC 6455 §5.2): header + payload.

    Without an extension, server frames need no masking and are never fragmented here, so a
    frame is built once and the same bytes are shared by every connection that gets it.
    """
    size = len(payload)
    if size < 126:
        return bytes((first, size)) + payload
    if size < 65536:
        return _HEAD16(first, 126, size) + payload
    return _HEAD64(first, 127, size) + payload


def unframe(data: bytes) -> tuple[int, bytes]:
    """(first byte, payload) of a frame made by :func:`framed`."""
    size = data[1]
    return data[0], data[2 if size < 126 else 4 if size == 126 else 10:]
