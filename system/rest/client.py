"""A blocking GET of Upbit's quotation REST API, bounded by a timeout (``http.client``, stdlib only).

It blocks: call it only where blocking is allowed, never in the connection's or the router's
receive path (the tree's REST calls run in the ``rest`` actor, ``actors/rest.py``, one at a time,
each after the rate limiter granted it: SPEC §5, 10/s per group per IP). It does not pace itself:
pacing is the limiter's (``system.limiter.rest_budget``).

No ``Origin`` header is ever sent: a quotation request with one is limited to 1 per 10 s (SPEC §5).
No proxy from the environment is used (a loopback simulator must not go through one).

    client = RestClient("https://api.upbit.com", timeout=5.0)
    reply = client.get("/v1/trades/ticks", [("market", "KRW-BTC"), ("count", 500)])
    rows = reply.json()

Exception tree: ``RestError`` (no answer: ``status`` 0, name ``unreachable``; a non-2xx answer
with Upbit's name; a body that is not JSON) and ``RestRateLimited`` for 429/418 (``system.errors``).
"""

from __future__ import annotations

import http.client
import socket
import ssl
from collections.abc import Iterable
from urllib.parse import urlsplit

from attrs import frozen

from upbit_actors.system.errors import RestError
from upbit_actors.system.rest.parse import build_url, check_base_url, decode_json, error_from, parse_remaining

__all__ = ["DEFAULT_TIMEOUT", "MAX_BODY", "RestClient", "RestReply"]

DEFAULT_TIMEOUT = 5.0
"""Seconds for connect and for each read; a call blocks at most about twice this."""

MAX_BODY = 8 * 1024 * 1024
"""Bytes read of a body at most (SPEC §8: the market list with details is 236 KB); beyond it the
call fails with ``RestError(too_large)``."""


@frozen
class RestReply:
    """A 2xx answer: status, body bytes and the ``remaining-req`` budget (group, sec) if sent."""

    status: int
    body: bytes
    remaining: tuple[str, int] | None = None

    def json(self) -> object:
        """The body as JSON; ``RestError(bad_body)`` if it is not."""
        return decode_json(self.body, self.status)


class RestClient:
    """GETs against one base URL (``https://api.upbit.com`` or the simulator's ``http://...``)."""

    def __init__(self, base_url: str, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.base_url = check_base_url(base_url)
        self.timeout = timeout
        parts = urlsplit(self.base_url)
        self._https = parts.scheme == "https"
        self._host = parts.hostname or ""
        self._port = parts.port
        self._prefix = parts.path  # a base with a path (a proxy mount): kept in front

    def url(self, path: str, params: Iterable[tuple[str, object]] = ()) -> str:
        """The full URL ``get`` would ask for."""
        return build_url(self.base_url, path, params)

    def get(self, path: str, params: Iterable[tuple[str, object]] = ()) -> RestReply:
        """GET ``path`` with ``params``; the 2xx reply, or raises ``RestError``."""
        target = build_url(self._prefix or "", path, params)
        if self._https:
            conn: http.client.HTTPConnection = http.client.HTTPSConnection(
                self._host, self._port, timeout=self.timeout, context=ssl.create_default_context())
        else:
            conn = http.client.HTTPConnection(self._host, self._port, timeout=self.timeout)
        try:
            conn.request("GET", target, headers={"Accept": "application/json",
                                                 "User-Agent": "upbit-actors"})
            response = conn.getresponse()
            body = response.read(MAX_BODY + 1)
            status = response.status
            remaining = parse_remaining(response.getheader("remaining-req"))
        except (OSError, http.client.HTTPException, socket.timeout) as exc:
            raise RestError(0, "unreachable", f"GET {self._host}{path}: {type(exc).__name__}: {exc}") from None
        finally:
            conn.close()
        if len(body) > MAX_BODY:
            raise RestError(status, "too_large", f"GET {path}: body over {MAX_BODY} bytes")
        if not 200 <= status < 300:
            raise error_from(status, body)
        return RestReply(status, body, remaining)
