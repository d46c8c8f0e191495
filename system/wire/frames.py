"""Server-to-client WebSocket frames parsed from bulk reads: ``FrameParser``.

websocket-client reads a frame with two or three ``recv`` calls (the 2-byte header, the extended
length, the payload), so a reader that lets it parse pays two or three system calls per frame:
at 30k frames/s that was half of the connection actor's CPU (py-spy, Dec 2026). The connection
instead reads whatever the kernel holds (up to ``CHUNK`` bytes per call) and this parser splits it
into frames, keeping the bytes of a frame that has not fully arrived for the next read.

What a client must enforce (RFC 6455 §5): server frames are never masked, no RSV bit is set (no
extension is negotiated: websocket-client offers none), control frames are final and carry at most
125 bytes, a continuation only follows an unfinished data frame. A breach is a ``ProtocolViolation``
(a ``LinkError``): the connection drops the socket and reconnects.
"""

from __future__ import annotations

from attrs import define, field

from upbit_actors.system.errors import ProtocolViolation

__all__ = ["CHUNK", "FrameParser", "Parsed", "OP_BINARY", "OP_CLOSE", "OP_CONT", "OP_PING", "OP_PONG",
           "OP_TEXT"]

CHUNK = 262_144
"""Bytes asked of the kernel per read. More than a TLS record's 16 KB, so a read over TLS never
leaves decrypted bytes in the SSL buffer, where select would not see them (THESPIAN.md)."""

OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA
_DATA = (OP_TEXT, OP_BINARY)
_CONTROL = (OP_CLOSE, OP_PING, OP_PONG)
_MAX_MESSAGE = 1 << 24
"""A message larger than this (16 MiB; Upbit's largest frames are a few kB) is a violation."""


@define
class Parsed:
    """What one ``FrameParser.feed`` found, in arrival order per kind."""

    frames: list[bytes] = field(factory=list)
    """Whole data messages (a fragmented message joined)."""
    pings: list[bytes] = field(factory=list)
    """Payloads of the server's pings (each wants a pong with the same payload)."""
    pongs: int = 0
    close: bytes | None = None
    """The close frame's payload; nothing after it is parsed."""


class FrameParser:
    """Splits a byte stream from the server into frames; keeps a partial frame between feeds."""

    __slots__ = ("_fragments", "_fragment_size", "_rest")

    def __init__(self) -> None:
        self._rest = b""
        self._fragments: list[bytes] | None = None
        """Payloads of a fragmented data message still arriving (None: none started)."""
        self._fragment_size = 0

    @property
    def pending(self) -> int:
        """Bytes of a frame that has not fully arrived."""
        return len(self._rest)

    def feed(self, data: bytes, out: Parsed) -> None:
        """Add ``data`` and append every complete frame to ``out``. Raises ``ProtocolViolation``."""
        buf = self._rest + data if self._rest else data
        end = len(buf)
        pos = 0
        frames = out.frames
        while end - pos >= 2:
            b0 = buf[pos]
            size = buf[pos + 1]
            if size & 0x80:
                raise ProtocolViolation("the server sent a masked frame")
            head = pos + 2
            if size >= 126:
                if size == 126:
                    if end - head < 2:
                        break
                    size = (buf[head] << 8) | buf[head + 1]
                    head += 2
                else:
                    if end - head < 8:
                        break
                    size = int.from_bytes(buf[head:head + 8], "big")
                    head += 8
                if size > _MAX_MESSAGE:
                    raise ProtocolViolation(f"a frame of {size} bytes")
            stop = head + size
            if stop > end:
                break
            pos = stop
            if b0 == 0x82 or b0 == 0x81:  # final BINARY/TEXT: nearly every frame
                if self._fragments is not None:
                    raise ProtocolViolation("a new message began inside a fragmented one")
                frames.append(buf[head:stop])
                continue
            self._rare(b0, buf[head:stop], out)
            if out.close is not None:
                pos = end  # nothing after a close frame counts
                break
        self._rest = buf[pos:] if pos < end else b""

    def _rare(self, b0: int, payload: bytes, out: Parsed) -> None:
        """Every frame but a final data frame: fragments, control frames, violations."""
        if b0 & 0x70:
            raise ProtocolViolation("a frame with an RSV bit set (no extension was negotiated)")
        fin = b0 & 0x80
        opcode = b0 & 0x0F
        if opcode in _CONTROL:
            if not fin or len(payload) > 125:
                raise ProtocolViolation("a fragmented or oversized control frame")
            if opcode == OP_PING:
                out.pings.append(payload)
            elif opcode == OP_PONG:
                out.pongs += 1
            else:
                out.close = payload
        elif opcode in _DATA:  # the first fragment of a message (a final one took the fast path)
            if self._fragments is not None:
                raise ProtocolViolation("a new message began inside a fragmented one")
            self._fragments, self._fragment_size = [payload], len(payload)
        elif opcode == OP_CONT:
            if self._fragments is None:
                raise ProtocolViolation("a continuation frame with no message to continue")
            self._fragments.append(payload)
            self._fragment_size += len(payload)
            if self._fragment_size > _MAX_MESSAGE:
                raise ProtocolViolation(f"a fragmented message of over {_MAX_MESSAGE} bytes")
            if fin:
                out.frames.append(b"".join(self._fragments))
                self._fragments = None
        else:
            raise ProtocolViolation(f"a frame with the reserved opcode {opcode:#x}")
