"""Upbit's quotation REST API without I/O: URLs, rate groups, error answers, the market list.

Upbit serves REST under ``https://api.upbit.com/v1/...`` (SPEC §8, §8.1) and limits each quotation
group (``market``, ``candle``, ``trade``, ``ticker``, ``orderbook``) to 10 requests per second per
IP (SPEC §5). Errors come as HTTP 4xx with ``{"error":{"name":..,"message":..}}``; 429 (over the
rate) and 418 (blocked) are ``RestRateLimited``. Replies carry ``remaining-req: group=G; min=M;
sec=S`` (``min`` is deprecated and fixed; ``sec`` is what is left in the current second).

Exception tree: ``RestError`` and ``RestRateLimited`` (``system.errors``), returned by
``error_from`` and raised by ``decode_json`` / ``parse_markets`` for a body of the wrong shape.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlencode, urlsplit

import orjson

from upbit_actors.system.errors import ConfigError, RestError, RestRateLimited

__all__ = [
    "DEFAULT_REST_URL",
    "GROUPS",
    "MARKET_ALL",
    "build_url",
    "check_base_url",
    "decode_json",
    "error_from",
    "group_of",
    "parse_markets",
    "parse_remaining",
    "rest_base",
]

DEFAULT_REST_URL = "https://api.upbit.com"
"""Upbit's REST host (SPEC §8: ``GET https://api.upbit.com/v1/market/all``)."""

MARKET_ALL = "/v1/market/all"
"""The market list endpoint, group ``market`` (SPEC §8)."""

GROUPS: tuple[tuple[str, str], ...] = (
    ("/v1/market/", "market"),
    ("/v1/candles/", "candle"),
    ("/v1/trades/", "trade"),
    ("/v1/ticker", "ticker"),
    ("/v1/orderbook", "orderbook"),
)
"""Path prefix -> Upbit's quotation rate-limit group (SPEC §5, §8, §8.1)."""


def group_of(path: str) -> str:
    """The rate-limit group of a quotation ``path``; ``default`` for any other path."""
    for prefix, group in GROUPS:
        if path.startswith(prefix):
            return group
    return "default"


def check_base_url(url: str) -> str:
    """``url`` without a trailing slash, or ConfigError: an http(s) URL with a host and no query."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ConfigError(f"rest_url = {url!r}: expected an http:// or https:// URL like {DEFAULT_REST_URL}")
    return url.rstrip("/")


def rest_base(public_url: str, rest_url: str | None) -> str | None:
    """The REST base URL the tree uses, or None (REST off): ``rest_url`` None, or left at Upbit's
    while the WebSocket is not Upbit's (a simulator's market list is not Upbit's, and a test must
    not reach the internet). Never derived from ``public_url``: set explicitly (HubConfig.rest_url)."""
    if rest_url is None:
        return None
    if rest_url.rstrip("/") == DEFAULT_REST_URL and urlsplit(public_url).hostname != "api.upbit.com":
        return None
    return rest_url


def build_url(base: str, path: str, params: Iterable[tuple[str, object]] = ()) -> str:
    """``base`` + ``path`` + the query of ``params`` (in order; None values left out; booleans as
    Upbit writes them, ``true``/``false``)."""
    if not path.startswith("/"):
        raise ConfigError(f"REST path {path!r} must start with '/'")
    pairs = [(k, ("true" if v else "false") if isinstance(v, bool) else str(v))
             for k, v in params if v is not None]
    query = urlencode(pairs)
    return f"{base.rstrip('/')}{path}" + (f"?{query}" if query else "")


def parse_remaining(header: str | None) -> tuple[str, int] | None:
    """``remaining-req: group=market; min=600; sec=9`` -> ``("market", 9)``; None if absent or odd."""
    if not header:
        return None
    fields = dict(part.strip().partition("=")[::2] for part in header.split(";"))
    try:
        return fields["group"], int(fields["sec"])
    except (KeyError, ValueError):
        return None


def error_from(status: int, body: bytes) -> RestError:
    """The error of a non-2xx answer: Upbit's ``name`` and ``message`` when the body has them."""
    name, message = f"http_{status}", body[:200].decode("utf-8", "replace").strip() or "no body"
    try:
        error = orjson.loads(body).get("error")
        if isinstance(error, dict):
            name = str(error.get("name") or name)
            message = str(error.get("message") or message)
    except (orjson.JSONDecodeError, AttributeError):
        pass
    cls = RestRateLimited if status in (418, 429) else RestError
    return cls(status, name, message[:500])


def decode_json(body: bytes, status: int = 200) -> object:
    """The JSON of a 2xx body, or ``RestError(bad_body)``."""
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        raise RestError(status, "bad_body", f"not JSON: {body[:80]!r}") from None


def parse_markets(body: bytes) -> tuple[str, ...]:
    """Codes of a ``GET /v1/market/all`` body (SPEC §8: an array of ``{"market": "KRW-BTC",
    "korean_name": .., "english_name": ..}``), in the order given, duplicates dropped."""
    rows = decode_json(body)
    if not isinstance(rows, list):
        raise RestError(200, "bad_body", "the market list is not a JSON array")
    codes: dict[str, None] = {}
    for row in rows:
        market = row.get("market") if isinstance(row, dict) else None
        if not isinstance(market, str) or not market:
            raise RestError(200, "bad_body", f"a market list row without a market: {str(row)[:80]}")
        codes[market] = None
    return tuple(codes)
