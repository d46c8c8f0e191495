"""The WebSocket side: handshakes, connection handlers, keep-alive and idle close.

Both paths share one port: ``/websocket/v1`` (public) and ``/websocket/v1/private`` (JWT)
(SPEC §1). ``process_request`` does routing, handshake faults, the handshake limit (429/418) and
the JWT check (INVALID_AUTH later, or HTTP 401). The server never pings (SPEC §4), so websockets
runs with ``ping_interval=None``; it answers pings through the protocol layer.
"""

from __future__ import annotations

import asyncio
import contextlib
import http
import itertools
import logging
import time
from typing import Any

import jwt
from websockets.asyncio.server import Server, serve
from websockets.exceptions import ConnectionClosed
from websockets.datastructures import Headers
from websockets.http11 import Request, Response

from upbit_actors.tools.sim import errors, frames
from upbit_actors.tools.sim.auth import NonceLedger, check_authorization
from upbit_actors.tools.sim.client import SimConnection, SimServerConnection
from upbit_actors.tools.sim.config import SimConfig
from upbit_actors.tools.sim.fanout import Fanout
from upbit_actors.tools.sim.faults import Faults
from upbit_actors.tools.sim.limits import HandshakeLimiter, SlidingWindows
from upbit_actors.tools.sim.market import MarketModel
from upbit_actors.tools.sim.markets import MarketDirectory, load_codes, synthetic_codes
from upbit_actors.tools.sim.private import Accounts
from upbit_actors.tools.sim.protocol import ListSubscriptions, ParseOptions, Rejected, parse_request
from upbit_actors.tools.sim.rest import REST_PREFIX, RestDispatcher
from upbit_actors.tools.sim.rest_routes import ROUTES as REST_ROUTES
from upbit_actors.tools.sim.routes import describe
from upbit_actors.tools.sim.stats import ConnectionRecord, Stats

__all__ = ["PRIVATE_PATH", "PUBLIC_PATH", "WebSocketSide"]

logger = logging.getLogger(__name__)

_TOO_MANY = '{"error":{"name":"too_many_requests","message":"Too many requests"}}'
"""HTTP 429 body of a refused handshake ([UNVERIFIED]: the probe never provoked one)."""

PUBLIC_PATH = "/websocket/v1"
PRIVATE_PATH = "/websocket/v1/private"


def build_directory(config: SimConfig) -> MarketDirectory:
    """The market list of ``config.markets`` (see :class:`SimConfig`)."""
    markets = config.markets
    if markets is None:
        codes = load_codes()
    elif isinstance(markets, int):
        codes = synthetic_codes(markets)
    else:
        codes = list(markets)
    return MarketDirectory(codes, config.seed)


class WebSocketSide:
    """Owns the market, the hub and the websockets server; runs inside one event loop."""

    def __init__(self, config: SimConfig) -> None:
        self.config = config
        self.directory = build_directory(config)
        self.stats = Stats(config.max_recorded)
        self.faults = Faults()
        self.accounts = Accounts(config.seed, config.fee_rate)
        self.nonces = NonceLedger()
        self.limiter = HandshakeLimiter(
            config.handshake_limit, config.handshake_ban_after, config.handshake_ban_seconds)
        self.market = MarketModel(self.directory, config.seed, int(time.time() * 1000), config.trade_share)
        self.rest = RestDispatcher(REST_ROUTES, config.rest_limit)
        self.hub = Fanout(config, self.market, self.stats, self.faults, self._schedule)
        self.server: Server | None = None
        self.port = 0
        self._ids = itertools.count(1)
        self._tasks: set[asyncio.Task[Any]] = set()

    def _schedule(self, delay: float, callback: Any) -> None:
        asyncio.get_running_loop().call_later(delay, callback)

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def start(self) -> None:
        cfg = self.config
        self.server = await serve(
            self._handler, cfg.host, cfg.port,
            process_request=self._process_request, process_response=self._process_response,
            create_connection=SimServerConnection, ping_interval=None, ping_timeout=None,
            close_timeout=cfg.close_timeout, compression=cfg.compression, max_size=2**22,
            max_queue=64, server_header=None,
        )
        self.port = self.server.sockets[0].getsockname()[1]
        self._spawn(self._ticker())
        self._spawn(self._sweeper())

    async def stop(self) -> None:
        for conn in list(self.hub.connections.values()):
            conn.close_reason, conn.closing = "server_stop", True
            conn.ws.transport.abort()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self.server is not None:
            self.server.close(close_connections=False)
            await self.server.wait_closed()

    # -- handshake ---------------------------------------------------------------------------

    async def _process_request(self, connection: SimServerConnection, request: Request) -> Response | None:
        now = time.time()
        path = request.path.partition("?")[0]
        remote = str(connection.remote_address[0]) if connection.remote_address else "?"
        if path.startswith(REST_PREFIX):
            return self._rest(request, remote, now)
        if path not in (PUBLIC_PATH, PRIVATE_PATH):
            self.stats.handshake(now, remote, path, 404)
            return connection.respond(404, "Not Found\n")
        refusal = self.faults.refusal(now)
        if refusal is not None:
            self.stats.handshake(now, remote, path, refusal)
            return connection.respond(refusal, http.HTTPStatus(refusal).phrase + "\n")
        header = request.headers.get("Authorization")
        client = remote
        if header:  # SPEC §5: with a JWT the connect limit is per account, else per IP
            with contextlib.suppress(jwt.PyJWTError, ValueError):
                claims = jwt.decode(header.partition(" ")[2], options={"verify_signature": False})
                client = "key:" + str(claims.get("access_key"))
        connection.client_key = client
        status, block = self.limiter.check(client, now)
        if status != 101:
            self.stats.handshake(now, client, path, status)
            self.stats.violation(now, "handshake_rate", None, status=status, client=client)
            if status == 418:
                body = f'{{"error":{{"name":"418","message":"blocked for {block:.0f} seconds"}}}}'
                return connection.respond(418, body)
            return connection.respond(429, _TOO_MANY)
        delay = self.faults.handshake_delay(now)
        if delay > 0:
            await asyncio.sleep(delay)
        if path == PRIVATE_PATH:
            auth = check_authorization(header, self.config.keys(), self.config.jwt_algorithms,
                                       self.nonces if self.config.reject_reused_nonce else None)
            connection.auth = auth
            if not auth.ok and self.config.auth_failure == "http401":
                self.stats.handshake(now, client, path, 401)
                self.stats.violation(now, "auth_refused", None, reason=auth.reason, client=client)
                body = f'{{"error":{{"name":"INVALID_AUTH","message":"{auth.reason}"}}}}'
                return connection.respond(401, body)
        self.stats.handshake(now, client, path, 101)
        return None

    def _rest(self, request: Request, client: str, now: float) -> Response:
        """A plain HTTP GET of Upbit's REST API (``tools.sim.rest``); per IP, as Upbit counts."""
        def violation(group: str, path: str) -> None:
            self.stats.violation(now, "rest_rate", None, group=group, path=path, client=client)

        answer = self.rest.answer(self, request.path, client, now, violation)
        self.stats.rest(now, client, request.path, answer.status)
        headers = Headers([("Connection", "close"), ("Content-Length", str(len(answer.body))),
                           *answer.headers])
        return Response(answer.status, http.HTTPStatus(answer.status).phrase, headers, answer.body)

    def _process_response(
        self, connection: SimServerConnection, request: Request, response: Response
    ) -> None:
        if response.status_code == 101:
            # SPEC §1, §5 [WIRE]: the upgrade reply carries the websocket rate-limit group.
            left = self.limiter.remaining(connection.client_key, time.time())
            response.headers["remaining-req"] = f"group=websocket; min=300; sec={left}"
            response.headers["limit-by-ip"] = "Yes"

    # -- connection ----------------------------------------------------------------------------

    async def _handler(self, ws: SimServerConnection) -> None:
        now = time.time()
        private = ws.request.path.partition("?")[0] == PRIVATE_PATH
        remote = str(ws.remote_address[0]) if ws.remote_address else "?"
        limits = SlidingWindows(self.config.message_limits)
        conn = SimConnection(next(self._ids), ws, private, limits, now, remote)
        ws.sim = conn
        stats = self.stats
        ws.on_traffic = lambda: setattr(conn, "last_traffic", time.time())
        ws.on_ping = lambda data: stats.client_frame(conn.id, time.time(), "ping", "ping", data)
        ws.stalled = lambda: self.faults.all_stalled(time.time())
        stats.open(ConnectionRecord(conn.id, "private" if private else "public", remote, now,
                                    conn.access_key, conn.access_key is not None))
        self.hub.add(conn)
        try:
            async for message in ws:
                self._on_message(conn, message)
        except ConnectionClosed:
            pass
        finally:
            self.hub.remove(conn)
            stats.close(conn.id, time.time(), conn.close_reason)

    def _on_message(self, conn: SimConnection, message: str | bytes) -> None:
        now = time.time()
        stats, cfg = self.stats, self.config
        opcode = "text" if isinstance(message, str) else "binary"
        if conn.closing:
            stats.client_frame(conn.id, now, opcode, "ignored", message)
            return
        if message in ("PING", b"PING"):
            # SPEC §4: text PING starts {"status":"UP"} every 10 s, on a global 10 s phase
            # ([WIRE]: first one 5.8-7.5 s after the socket opened; no immediate answer).
            stats.client_frame(conn.id, now, opcode, "ping_text", message)
            if conn.status_up_next is None:
                interval = cfg.status_up_interval
                conn.status_up_next = (now // interval + 1) * interval
            return
        if not conn.limits.allow(now):
            stats.client_frame(conn.id, now, opcode, "rate_limited", message)
            stats.violation(now, "message_rate", conn.id, policy=cfg.rate_excess)
            if cfg.rate_excess == "error":
                self.send_error(conn, cfg.rate_excess_error, errors.error_message("too_many", cfg.language))
            return
        options = ParseOptions(conn.private, conn.access_key is not None, cfg.language, cfg.ticket_first,
                               cfg.private_allows_public)
        result = parse_request(message, options)
        record = stats.connections.get(conn.id)
        if isinstance(result, Rejected):
            stats.client_frame(conn.id, now, opcode, "invalid", message)
            self.send_error(conn, result.name, result.message)
        elif isinstance(result, ListSubscriptions):
            stats.client_frame(conn.id, now, opcode, "list", message)
            if result.format is not None:  # SPEC §2.1 rule 4: it sets the whole connection's format
                self.hub.set_format(conn, result.format)
            live = describe([conn.request]) if conn.request else []
            self.hub.send_control(conn, frames.list_subscriptions(live, result.ticket), "list_subscriptions")
        else:
            stats.client_frame(conn.id, now, opcode, "subscribe", message)
            if result.format is not None or cfg.format_resets_on_subscribe:
                self.hub.set_format(conn, result.format or "DEFAULT")
            self.hub.subscribe(conn, result)
        if record is not None:
            record.format = conn.format

    def send_error(self, conn: SimConnection, name: str, message: str) -> None:
        """Error frame now, close 1000 ``error_close_delay`` later (SPEC §6 [WIRE])."""
        if conn.closing:
            return
        self.hub.send_control(conn, errors.error_frame(name, message), "error")
        conn.closing = True
        conn.close_reason = f"error:{name}"
        self.stats.violation(time.time(), "error_sent", conn.id, name=name, message=message)
        self._spawn(self._close_later(conn))

    async def _close_later(self, conn: SimConnection) -> None:
        await asyncio.sleep(self.config.error_close_delay)
        with contextlib.suppress(Exception):
            await conn.ws.close(1000)

    # -- periodic ------------------------------------------------------------------------------

    async def _ticker(self) -> None:
        # One market burst per loop pass; the pacer says when the next one is due (0 = at once,
        # after the loop has served the sockets: a machine too slow for the rate still answers).
        delay = self.config.tick_interval
        while True:
            await asyncio.sleep(delay)
            try:
                delay = self.hub.tick()
            except Exception:  # a bug must not stop the market: log it, keep ticking
                logger.exception("market tick failed")
                delay = self.config.tick_interval

    async def _sweeper(self) -> None:
        while True:
            await asyncio.sleep(0.05)
            try:
                self._sweep()
            except Exception:  # a bug must not stop idle closes and keep-alives
                logger.exception("sweep failed")

    def _sweep(self) -> None:
        """Release stalled input, close idle sockets, send due status frames."""
        cfg = self.config
        now = time.time()
        stalled = self.faults.all_stalled(now)
        for conn in list(self.hub.connections.values()):
            ws = conn.ws
            if ws.held and not stalled:
                ws.release()
            if cfg.idle_timeout and now - conn.last_traffic >= cfg.idle_timeout and not conn.closing:
                # SPEC §4 [WIRE]: 1006, no close frame.
                conn.close_reason, conn.closing = "idle", True
                ws.transport.abort()
                continue
            if conn.status_up_next is not None and now >= conn.status_up_next and not conn.closing:
                while conn.status_up_next <= now:
                    conn.status_up_next += cfg.status_up_interval
                self.hub.send_control(conn, frames.status_up(), "status")
