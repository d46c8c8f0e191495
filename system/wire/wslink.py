"""One WebSocket to Upbit, read without ever blocking: the I/O half of the connection actor.

The connection actor is woken by ``ThespianWatch`` when its socket is readable and must not block
(THESPIAN.md): a blocked actor stops answering its queue, and a stuck read on a half-arrived frame
would freeze it. So:

- ``open`` connects and does the HTTP upgrade with a short timeout (the only blocking step);
- afterwards the socket is non-blocking and ``read_available`` reads what the kernel holds in
  large chunks and splits it into frames itself (``system.wire.frames.FrameParser``, which keeps
  a half-arrived frame for the next read): websocket-client's own ``recv_frame`` makes two or
  three system calls per frame;
- with TLS, decrypted bytes already in the SSL buffer do not wake ``select``, so reading goes on
  while ``sock.pending()`` is non-zero (THESPIAN.md: reading once per wake-up lost 199 of 200
  frames);
- sends switch the socket to blocking with the connect timeout for the duration of the send, so a
  full send buffer cannot corrupt a frame.

Exception tree::

    LinkError                 the socket cannot be used (any failure to open, read or send)
    ├── HandshakeRejected     the server answered the upgrade with an HTTP status (401, 429, 503...)
    └── ProtocolViolation     the server's frames break RFC 6455 (masked, RSV bits, bad fragments)
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Sequence

import websocket
from attrs import define, field

from upbit_actors.system.errors import HandshakeRejected, LinkError
from upbit_actors.system.wire.frames import CHUNK, FrameParser, Parsed

__all__ = ["HandshakeRejected", "LinkError", "ReadResult", "WsLink"]

MAX_FRAMES_PER_READ = 5_000
"""Upper bound of frames read in one wake-up, so one burst cannot starve the actor's other mail;
the rest stays in the kernel buffer and wakes the actor again at once."""




@define
class ReadResult:
    """What one ``read_available`` call found, in arrival order per kind."""

    frames: list[bytes] = field(factory=list)
    """Data frames (BINARY or TEXT payloads as bytes)."""
    pongs: int = 0
    """Pong frames received (answers to our pings)."""
    closed: bool = False
    """The peer closed (close frame) or the TCP stream ended."""
    close_code: int | None = None
    """Close status from the close frame; None for an abrupt end (1006)."""
    close_reason: str = ""


class WsLink:
    """A websocket-client ``WebSocket`` opened once, then read without blocking."""

    def __init__(self, url: str, *, headers: Sequence[str] = (), timeout: float = 5.0) -> None:
        self.url = url
        self._headers = list(headers)
        self._timeout = timeout
        self._ws: websocket.WebSocket | None = None
        self._parser = FrameParser()
        """Frames from bulk reads; keeps a frame that has not fully arrived."""

    def __repr__(self) -> str:
        # Headers may carry a bearer token: never show them.
        return f"WsLink(url={self.url!r}, open={self.is_open})"

    @property
    def is_open(self) -> bool:
        return self._ws is not None and self._ws.sock is not None

    def fileno(self) -> int:
        if not self.is_open:
            raise LinkError("link is not open")
        return self._ws.sock.fileno()

    def open(self) -> None:
        """Connect and upgrade; blocks at most about ``timeout`` seconds per step."""
        ws = websocket.WebSocket(skip_utf8_validation=True, enable_multithread=False)
        try:
            ws.connect(self.url, header=self._headers, timeout=self._timeout,
                       suppress_origin=True)  # SPEC §5: an Origin header costs 1 request per 10 s.
        except websocket.WebSocketBadStatusException as exc:
            ws.shutdown()
            raise HandshakeRejected(exc.status_code, f"handshake refused: HTTP {exc.status_code}") from None
        except (OSError, websocket.WebSocketException) as exc:
            ws.shutdown()
            raise LinkError(f"connect failed: {type(exc).__name__}: {exc}") from None
        ws.sock.setblocking(False)
        self._ws = ws

    def read_available(self, max_frames: int = MAX_FRAMES_PER_READ) -> ReadResult:
        """Read every complete frame available now; never blocks. The socket is read in bulk
        (``system.wire.frames``: one system call for many frames) until it is empty or
        ``max_frames`` were found; every complete frame read is returned."""
        result = ReadResult()
        ws = self._require()
        sock = ws.sock
        parsed = Parsed(frames=result.frames)
        feed = self._parser.feed
        try:
            while len(parsed.frames) < max_frames and parsed.close is None:
                try:
                    data = sock.recv(CHUNK)
                except (BlockingIOError, ssl.SSLWantReadError):
                    if isinstance(sock, ssl.SSLSocket) and sock.pending():
                        continue
                    break
                if not data:
                    result.closed = True
                    break
                feed(data, parsed)
        except OSError as exc:
            raise LinkError(f"read failed: {type(exc).__name__}: {exc}") from None
        result.pongs = parsed.pongs
        for payload in parsed.pings:
            self._send(payload, websocket.ABNF.OPCODE_PONG)
        if parsed.close is not None:
            result.closed = True
            if len(parsed.close) >= 2:
                result.close_code = int.from_bytes(parsed.close[:2], "big")
                result.close_reason = parsed.close[2:].decode("utf-8", "replace")
        return result

    def send_text(self, text: str | bytes) -> None:
        """Send one request frame (Upbit requests are TEXT frames of a JSON array, SPEC §2)."""
        self._send(text, websocket.ABNF.OPCODE_TEXT)

    def ping(self) -> None:
        """A protocol ping; Upbit answers with a pong and it counts as traffic (SPEC §4)."""
        self._send(b"", websocket.ABNF.OPCODE_PING)

    def close(self) -> None:
        """Close politely if possible, then drop the socket; never raises."""
        ws, self._ws = self._ws, None
        if ws is None:
            return
        try:
            if ws.sock is not None:
                ws.sock.settimeout(0.2)
                ws.send_close()
        except (OSError, websocket.WebSocketException):
            pass
        finally:
            ws.shutdown()

    def _require(self) -> websocket.WebSocket:
        if not self.is_open:
            raise LinkError("link is not open")
        return self._ws

    def _send(self, payload: str | bytes, opcode: int) -> None:
        ws = self._require()
        sock = ws.sock
        sock.settimeout(self._timeout)
        try:
            ws.send(payload, opcode)
        except (OSError, websocket.WebSocketException, socket.timeout) as exc:
            raise LinkError(f"send failed: {type(exc).__name__}: {exc}") from None
        finally:
            if ws.sock is not None:
                sock.setblocking(False)
