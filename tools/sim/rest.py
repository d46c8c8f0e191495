"""Upbit's quotation REST API on the WebSocket port: a path -> handler table and the group limits.

Real Upbit serves REST (``https://api.upbit.com/v1/...``) and WebSocket (``/websocket/v1``) on one
host; so does the simulator: ``server.WebSocketSide`` hands every request whose path starts with
``/v1/`` to :meth:`RestDispatcher.answer` before any WebSocket handshake check.

- Routes: :class:`RestRoute` (path, rate group, handler). The table is ``rest_routes.ROUTES``; a
  new endpoint is one line there. A handler takes ``(side, query, now)`` (the ``WebSocketSide``,
  the query as ``name -> last value``, wall-clock seconds) and returns the JSON-able body, or
  raises :class:`RestFailure` for an Upbit REST error.
- Limits (SPEC §5): quotation groups ``market``, ``candle``, ``trade``, ``ticker``,
  ``orderbook`` allow 10 requests per second each, per IP. Over it: HTTP 429 with Upbit's REST
  error shape ``{"error":{"name":..,"message":..}}`` (SPEC §8.1), counted as a ``rest_rate``
  violation. A refused request does not consume budget (as ``limits.SlidingWindows``).
- Every answer carries ``remaining-req: group=<group>; min=600; sec=<left>`` and
  ``limit-by-ip: Yes`` (SPEC §5 [WIRE]).

Pure apart from the side a handler reads: ``answer`` takes ``now``; nothing here does I/O.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl

import orjson

from upbit_actors.tools.sim.limits import SlidingWindows

__all__ = [
    "REST_LIMIT",
    "REST_PREFIX",
    "RestAnswer",
    "RestDispatcher",
    "RestFailure",
    "RestRoute",
    "error_body",
    "market_all",
]

REST_PREFIX = "/v1/"
"""Paths under it are REST requests, never WebSocket handshakes."""

REST_LIMIT = 10
"""Requests per second per IP in each quotation group (SPEC §5: market, candle, trade, ticker,
orderbook, 10/s each)."""

Handler = Callable[[Any, Mapping[str, str], float], Any]
"""``(side, query, now) -> JSON-able body``; raises ``RestFailure``."""


class RestFailure(Exception):
    """An Upbit REST error answer: HTTP ``status`` and the body's ``name`` and ``message``."""

    def __init__(self, status: int, name: str, message: str) -> None:
        super().__init__(f"{status} {name}: {message}")
        self.status = status
        self.name = name
        self.message = message


@dataclasses.dataclass(frozen=True)
class RestRoute:
    """One endpoint: exact path (no query), its rate-limit group, and the handler."""

    path: str
    group: str
    handler: Handler


@dataclasses.dataclass(frozen=True)
class RestAnswer:
    """What to send back: status, headers, JSON body bytes."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


def error_body(name: str, message: str) -> bytes:
    """Upbit's REST error shape (SPEC §8.1): ``{"error":{"name":..,"message":..}}``."""
    return orjson.dumps({"error": {"name": name, "message": message}})


TOO_MANY_NAME = "too_many_requests"
"""Error name of a 429 ([UNVERIFIED]: SPEC §5 documents the status, not the body's name)."""


class RestDispatcher:
    """Routes REST requests and keeps each client's per-group windows."""

    def __init__(self, routes: Iterable[RestRoute], limit: int = REST_LIMIT) -> None:
        self.routes: dict[str, RestRoute] = {}
        for route in routes:
            self.add(route)
        self.limit = limit
        """Requests per second per client and group; 0 turns the limit off."""
        self._windows: dict[tuple[str, str], SlidingWindows] = {}
        self.requests = 0
        self.refused = 0

    def add(self, route: RestRoute) -> None:
        """Serve ``route`` (a later route for the same path replaces the earlier)."""
        self.routes[route.path] = route

    def reset(self) -> None:
        """Forget every client's windows and the counts."""
        self._windows.clear()
        self.requests = self.refused = 0

    def _window(self, client: str, group: str) -> SlidingWindows:
        key = (client, group)
        window = self._windows.get(key)
        if window is None:
            if len(self._windows) > 10_000:  # bounded: forget every client (a test run has one)
                self._windows.clear()
            window = self._windows[key] = SlidingWindows(((self.limit, 1.0),))
        return window

    def remaining(self, client: str, group: str, now: float) -> int:
        """Requests ``client`` may still make in ``group`` within the current second."""
        window = self._windows.get((client, group))
        if window is None or self.limit <= 0:
            return max(0, self.limit)
        return max(0, self.limit - sum(1 for t in window._times if t > now - 1.0))

    def answer(self, side: Any, target: str, client: str, now: float,
               on_violation: Callable[[str, str], None] | None = None) -> RestAnswer:
        """The answer to ``GET target`` (path and query) from ``client`` at ``now``.

        ``on_violation(group, path)`` is called for a request over the group's limit."""
        self.requests += 1
        path, _, query_text = target.partition("?")
        route = self.routes.get(path.rstrip("/") or "/")
        if route is None:
            # [UNVERIFIED]: the body Upbit sends for an unknown path.
            return RestAnswer(404, _JSON, error_body("not_found", f"no such endpoint {path}"))
        if self.limit > 0 and not self._window(client, route.group).allow(now):
            self.refused += 1
            if on_violation is not None:
                on_violation(route.group, path)
            headers = _JSON + self._limit_headers(client, route.group, now)
            return RestAnswer(429, headers, error_body(TOO_MANY_NAME, "Too many API requests."))
        query = dict(parse_qsl(query_text, keep_blank_values=True))
        headers = _JSON + self._limit_headers(client, route.group, now)
        try:
            body = route.handler(side, query, now)
        except RestFailure as failure:
            return RestAnswer(failure.status, headers, error_body(failure.name, failure.message))
        return RestAnswer(200, headers, orjson.dumps(body))

    def _limit_headers(self, client: str, group: str, now: float) -> tuple[tuple[str, str], ...]:
        # SPEC §5 [WIRE]: quotation replies carry these two headers.
        left = self.remaining(client, group, now)
        return (("remaining-req", f"group={group}; min=600; sec={left}"), ("limit-by-ip", "Yes"))


_JSON: tuple[tuple[str, str], ...] = (("Content-Type", "application/json; charset=utf-8"),)


def _flag(query: Mapping[str, str], name: str) -> bool:
    value = query.get(name, "false").lower()
    if value not in ("true", "false"):
        raise RestFailure(400, "invalid_parameter", f"{name} must be true or false")
    return value == "true"


def market_all(side: Any, query: Mapping[str, str], now: float) -> list[dict[str, Any]]:
    """``GET /v1/market/all[?is_details=true]`` (SPEC §8): every market the simulator streams."""
    return side.directory.market_all(_flag(query, "is_details"))
