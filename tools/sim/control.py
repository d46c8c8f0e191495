"""The HTTP/1.1 control API: a tiny asyncio server on its own loopback port.

``GET /health``, ``GET /stats``, ``GET /v1/market/all`` and ``POST /<operation>`` with a JSON
object of keyword arguments (see :mod:`tools.sim` for the list). One request per connection
(``Connection: close``); answers are JSON. Errors: 404 unknown path, 400 bad arguments or a
refused operation (e.g. filling a cancelled order), 405 wrong method.
"""

from __future__ import annotations

import asyncio
import contextlib
import http
import inspect
from typing import Any
from urllib.parse import parse_qs, urlsplit

import orjson

from upbit_actors.tools.sim.ops import Operations

__all__ = ["POST_OPERATIONS", "ControlServer"]

POST_OPERATIONS = (
    "drop_all", "stall_data", "stall_all", "send_garbage", "send_error_and_close",
    "refuse_handshakes", "slow_handshakes", "set_rate", "drop_live_code",
    "place_order", "fill_order", "cancel_order", "set_balance", "reset",
)
"""Operations reachable as ``POST /<name>``."""

_MAX_BODY = 1 << 20


class ControlServer:
    """Serves :class:`Operations` over HTTP."""

    def __init__(self, ops: Operations, host: str, port: int) -> None:
        self.ops = ops
        self.host = host
        self.requested_port = port
        self.port = 0
        self.server: asyncio.Server | None = None
        self._clients: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._serve, self.host, self.requested_port)
        self.port = self.server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            for writer in list(self._clients):
                writer.transport.abort()
            await self.server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._clients.add(writer)
        try:
            status, body = await self._answer(reader)
            payload = orjson.dumps(body)
            head = (f"HTTP/1.1 {status} {http.HTTPStatus(status).phrase}\r\n"
                    f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n"
                    "Connection: close\r\n\r\n")
            writer.write(head.encode() + payload)
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        finally:
            self._clients.discard(writer)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _answer(self, reader: asyncio.StreamReader) -> tuple[int, Any]:
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, target, _ = (lines[0].split(" ") + ["", ""])[:3]
        fields = (line.partition(":") for line in lines[1:] if line)
        headers = {k.strip().lower(): v.strip() for k, _, v in fields}
        length = int(headers.get("content-length", "0") or 0)
        if length > _MAX_BODY:
            return 413, {"error": "body too large"}
        raw = await reader.readexactly(length) if length else b""
        url = urlsplit(target)
        path = url.path.rstrip("/") or "/"
        if method == "GET":
            if path == "/health":
                return 200, {"ok": True, **self.ops.urls}
            if path == "/stats":
                return 200, await self.ops.stats()
            if path == "/v1/market/all":
                details = parse_qs(url.query).get("is_details", ["false"])[0].lower() == "true"
                return 200, await self.ops.market_all(details)
            if path.lstrip("/") in POST_OPERATIONS:
                return 405, {"error": "use POST"}
            return 404, {"error": f"no such path {path}"}
        if method != "POST":
            return 405, {"error": "use GET or POST"}
        name = path.lstrip("/")
        if name not in POST_OPERATIONS:
            return 404, {"error": f"no such operation {name}"}
        try:
            kwargs = orjson.loads(raw) if raw.strip() else {}
        except orjson.JSONDecodeError:
            return 400, {"error": "body is not JSON"}
        if not isinstance(kwargs, dict):
            return 400, {"error": "body must be a JSON object"}
        operation = getattr(self.ops, name)
        try:
            inspect.signature(operation).bind(**kwargs)
        except TypeError as exc:
            return 400, {"error": str(exc)}
        try:
            return 200, await operation(**kwargs)
        except (KeyError, ValueError, TypeError) as exc:
            return 400, {"error": f"{type(exc).__name__}: {exc}"}
