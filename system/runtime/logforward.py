"""Component records from Thespian's logger process to the bot's ``logging``.

::

    component process --(Thespian log forwarding)--> logger process --ForwardHandler--> bot process
      record.component = NAME                       (logDefs routes                 OutputReceiver:
                                                     records with it)               logging.getLogger(
                                                                                    'upbit_actors.component.NAME')

``OutputReceiver`` runs in the bot: a thread with a TCP listener on 127.0.0.1 (a free port) that
takes JSON lines, never pickles (THESPIAN.md, Security: Thespian's own ports unpickle anything;
this one does not), and only after the connection sent the receiver's random token. Each line is
re-emitted as a record of ``upbit_actors.component.NAME`` with the original level, time and pid,
and ``component`` / ``origin`` (the logger name in the component) as record attributes.

``ForwardHandler`` runs in Thespian's logger process (``logdefs`` configures it there with the
receiver's port and token): one connection, opened on the first record and again after a failure.
A record it cannot send is written to the logger process's stderr (the bot's terminal) instead:
never dropped in silence.

When the bot configured no logging at all (the root logger has no handler), the receiver's
fallback handler prints ``NAME: message`` lines on stderr, so that a ``print`` in a component shows
up for a bot that never set up logging; once the bot configures logging it stays quiet.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import logging
import secrets
import selectors
import socket
import sys
import threading
import time
from typing import Any

from upbit_actors.system.runtime.output import COMPONENT_ATTR, COMPONENT_LOGGER

__all__ = ["ForwardHandler", "FromComponents", "NotFromComponents", "OutputReceiver"]

MAX_LINE = 1 << 20
"""Bytes of one JSON line at most; a connection sending a longer one is closed."""
MAX_CONNECTIONS = 4
"""The logger process keeps one; a few more tolerate reconnects. Others are refused."""


class FromComponents(logging.Filter):
    """Records a component made (``output.capture_component_output`` tagged them)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return COMPONENT_ATTR in record.__dict__


class NotFromComponents(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return COMPONENT_ATTR not in record.__dict__


class ForwardHandler(logging.Handler):
    """In the logger process: each record as one JSON line to the bot's ``OutputReceiver``."""

    def __init__(self, port: int, token: str, host: str = "127.0.0.1") -> None:
        super().__init__()
        self._address = (host, port)
        self._token = token
        self._sock: socket.socket | None = None

    def _line(self, record: logging.LogRecord) -> bytes:
        body = {"component": record.__dict__.get(COMPONENT_ATTR, ""), "origin": record.name,
                "levelno": record.levelno, "msg": record.getMessage(), "created": record.created,
                "pid": record.process, "exc_text": record.exc_text or None}
        return json.dumps(body).encode() + b"\n"

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self._line(record)
        except Exception:
            self.handleError(record)
            return
        for _ in range(2):  # once more on a fresh connection
            try:
                if self._sock is None:
                    self._sock = socket.create_connection(self._address, timeout=5.0)
                    self._sock.sendall(self._token.encode() + b"\n")
                self._sock.sendall(line)
                return
            except OSError:
                self._drop_socket()
        with contextlib.suppress(Exception):  # the bot is gone: its terminal still gets the line
            sys.stderr.write(f"{record.__dict__.get(COMPONENT_ATTR, '?')}: {record.getMessage()}\n")
            sys.stderr.flush()

    def _drop_socket(self) -> None:
        if self._sock is not None:
            with contextlib.suppress(OSError):
                self._sock.close()
        self._sock = None

    def close(self) -> None:
        self._drop_socket()
        super().close()


class _Fallback(logging.Handler):
    """Prints component lines while the bot has configured no logging (module docstring)."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(logging.Formatter(f"%({COMPONENT_ATTR})s: %(message)s"))

    def handle(self, record: logging.LogRecord) -> bool:
        if logging.getLogger().handlers:
            return False
        return super().handle(record)

    def emit(self, record: logging.LogRecord) -> None:
        with contextlib.suppress(Exception):
            sys.stderr.write(self.format(record) + "\n")
            sys.stderr.flush()


class OutputReceiver:
    """The bot's end (module docstring). ``forward`` is what ``start_system`` passes to
    ``logdefs``; ``close()`` drains what arrived and stops the thread."""

    def __init__(self, level: int | str = logging.INFO, host: str = "127.0.0.1") -> None:
        self.token = secrets.token_hex(16)
        self.received = 0
        """Records re-emitted so far."""
        self._listener = socket.create_server((host, 0))
        self._listener.setblocking(False)
        self.port: int = self._listener.getsockname()[1]
        self._selector = selectors.DefaultSelector()
        self._selector.register(self._listener, selectors.EVENT_READ, None)
        self._stop = threading.Event()
        self._install(level)
        self._thread = threading.Thread(target=self._run, name="upbit-component-output", daemon=True)
        self._thread.start()

    @property
    def forward(self) -> tuple[int, str]:
        return self.port, self.token

    @staticmethod
    def _install(level: int | str) -> None:
        base = logging.getLogger(COMPONENT_LOGGER)
        if base.level == logging.NOTSET:  # the bot did not choose: show what was forwarded
            base.setLevel(level if isinstance(level, int) else str(level).upper())
        if not any(isinstance(h, _Fallback) for h in base.handlers):
            base.addHandler(_Fallback())

    def _run(self) -> None:
        buffers: dict[socket.socket, bytearray] = {}
        authed: set[socket.socket] = set()
        while not self._stop.is_set() or buffers:
            for key, _ in self._selector.select(0.1):
                if key.fileobj is self._listener:
                    self._accept(buffers)
                else:
                    self._read(key.fileobj, buffers, authed)  # type: ignore[arg-type]
            if self._stop.is_set() and time.monotonic() > self._deadline:
                break
        for conn in list(buffers):
            self._close(conn, buffers, authed)

    def _accept(self, buffers: dict[socket.socket, bytearray]) -> None:
        with contextlib.suppress(BlockingIOError, OSError):
            conn, _ = self._listener.accept()
            if len(buffers) >= MAX_CONNECTIONS:
                conn.close()
                return
            conn.setblocking(False)
            buffers[conn] = bytearray()
            self._selector.register(conn, selectors.EVENT_READ, None)

    def _read(self, conn: socket.socket, buffers: dict[socket.socket, bytearray], authed: set) -> None:
        try:
            data = conn.recv(65_536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        buf = buffers[conn]
        buf += data
        while (end := buf.find(b"\n")) >= 0:
            line = bytes(buf[:end])
            del buf[:end + 1]
            if conn not in authed:
                if not hmac.compare_digest(line, self.token.encode()):
                    self._close(conn, buffers, authed)
                    return
                authed.add(conn)
            else:
                self._emit(line)
        if not data or len(buf) > MAX_LINE:
            self._close(conn, buffers, authed)

    def _close(self, conn: socket.socket, buffers: dict, authed: set) -> None:
        with contextlib.suppress(Exception):
            self._selector.unregister(conn)
        conn.close()
        buffers.pop(conn, None)
        authed.discard(conn)

    def _emit(self, line: bytes) -> None:
        try:
            body: dict[str, Any] = json.loads(line)
            name, levelno = str(body["component"]), int(body["levelno"])
        except (ValueError, KeyError, TypeError):
            return
        logger = logging.getLogger(f"{COMPONENT_LOGGER}.{name}")
        if not logger.isEnabledFor(levelno):
            return
        record = logger.makeRecord(logger.name, levelno, "(component)", 0, str(body.get("msg", "")),
                                   None, None, extra={COMPONENT_ATTR: name,
                                                      "origin": str(body.get("origin", ""))})
        with contextlib.suppress(TypeError, ValueError):
            record.created = float(body["created"])
            record.msecs = (record.created - int(record.created)) * 1000
            record.process = int(body["pid"])
        record.exc_text = body.get("exc_text") or None
        self.received += 1
        logger.handle(record)

    def close(self, drain: float = 1.0) -> None:
        """Stop after reading what is already sent (until the senders close, or ``drain`` s)."""
        self._deadline = time.monotonic() + drain
        self._stop.set()
        self._thread.join(drain + 2.0)
        with contextlib.suppress(Exception):
            self._selector.unregister(self._listener)
        self._listener.close()
        self._selector.close()
