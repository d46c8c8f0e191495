"""Frame dict -> wire bytes: SIMPLE key renaming, *_LIST wrapping and wire number spelling.

SIMPLE renames every key per SPEC §3 tables, nested ones included (``obu[].ap``, ``ast[].cu``,
``rslt[].ty``); note the traps of SPEC §10 item 8: trade ``trade_date`` is ``td`` but ticker's is
``tdt``; ``ap`` is ``ask_price`` in ``obu`` but ``avg_price`` in myOrder. ``JSON_LIST`` and
``SIMPLE_LIST`` wrap the object in a one-element array (SPEC §3.8 [UNVERIFIED] batching).

Number spelling (SPEC §3.8 [WIRE]): in ``wire`` style DEFAULT writes floats like Java's
``Double.toString`` (``1.16539E8``, ``3700000.0``) and sizes/volumes with 8 decimals
(``0.00077720``); SIMPLE writes integral values plain (``116606000``) and others like Java
(``7.9276E-4``). ``plain`` style leaves floats to orjson (``116539000.0``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson

__all__ = ["SIMPLE_KEYS", "encode", "fixed8", "java_double", "to_simple"]

_COMMON = {"type": "ty", "code": "cd", "timestamp": "tms", "stream_type": "st"}
_SHARED_PRICES = {
    "opening_price": "op", "high_price": "hp", "low_price": "lp", "trade_price": "tp",
    "prev_closing_price": "pcp", "change": "c", "change_price": "cp", "trade_volume": "tv",
    "ask_bid": "ab", "trade_time": "ttm", "trade_timestamp": "ttms",
}
SIMPLE_KEYS: dict[str, dict[str, str]] = {
    # SPEC §3.1
    "ticker": {**_COMMON, **_SHARED_PRICES, "signed_change_price": "scp", "change_rate": "cr",
               "signed_change_rate": "scr", "acc_trade_volume": "atv", "acc_trade_volume_24h": "atv24h",
               "acc_trade_price": "atp", "acc_trade_price_24h": "atp24h", "trade_date": "tdt",
               "acc_ask_volume": "aav", "acc_bid_volume": "abv", "highest_52_week_price": "h52wp",
               "highest_52_week_date": "h52wdt", "lowest_52_week_price": "l52wp",
               "lowest_52_week_date": "l52wdt", "market_state": "ms", "is_trading_suspended": "its",
               "delisting_date": "dd", "market_warning": "mw"},
    # SPEC §3.2
    "trade": {**_COMMON, **_SHARED_PRICES, "trade_date": "td", "sequential_id": "sid",
              "best_ask_price": "bap", "best_ask_size": "bas", "best_bid_price": "bbp",
              "best_bid_size": "bbs"},
    # SPEC §3.3
    "orderbook": {**_COMMON, "total_ask_size": "tas", "total_bid_size": "tbs", "orderbook_units": "obu",
                  "level": "lv"},
    "orderbook_units": {"ask_price": "ap", "bid_price": "bp", "ask_size": "as", "bid_size": "bs"},
    # SPEC §3.4
    "candle": {**_COMMON, "candle_date_time_utc": "cdttmu", "candle_date_time_kst": "cdttmk",
               "opening_price": "op", "high_price": "hp", "low_price": "lp", "trade_price": "tp",
               "candle_acc_trade_volume": "catv", "candle_acc_trade_price": "catp"},
    # SPEC §3.5
    "myOrder": {**_COMMON, "uuid": "uid", "ask_bid": "ab", "order_type": "ot", "state": "s",
                "trade_uuid": "tuid", "price": "p", "avg_price": "ap", "volume": "v",
                "remaining_volume": "rv", "executed_volume": "ev", "trades_count": "tc",
                "reserved_fee": "rsf", "remaining_fee": "rmf", "paid_fee": "pf", "locked": "l",
                "executed_funds": "ef", "time_in_force": "tif", "trade_fee": "tf", "is_maker": "im",
                "identifier": "id", "smp_type": "smpt", "prevented_volume": "pv",
                "prevented_locked": "pl", "trade_timestamp": "ttms", "order_timestamp": "otms"},
    # SPEC §3.6
    "myAsset": {**_COMMON, "asset_uuid": "astuid", "assets": "ast", "asset_timestamp": "asttms"},
    "assets": {"currency": "cu", "balance": "b", "locked": "l"},
    # SPEC §2.1 rule 4
    "LIST_SUBSCRIPTIONS": {"method": "mthd", "result": "rslt", "ticket": "tckt"},
    "result": {"type": "ty", "codes": "cds", "level": "lv"},
}
"""Frame kind (or nested list key) -> DEFAULT key -> SIMPLE key."""

_SIZE_KEYS = frozenset({
    "trade_volume", "acc_trade_volume", "acc_trade_volume_24h", "acc_ask_volume", "acc_bid_volume",
    "total_ask_size", "total_bid_size", "ask_size", "bid_size", "best_ask_size", "best_bid_size",
    "candle_acc_trade_volume",
})
"""Public fields the live DEFAULT stream writes with 8 decimals (SPEC §3.8 [WIRE] ``0.00077720``)."""


def _kind(frame: dict[str, Any]) -> str:
    kind = frame.get("type") or frame.get("method") or ""
    return "candle" if kind.startswith("candle.") else kind


_RENAMES: dict[tuple[str, tuple[str, ...]], tuple[str, ...]] = {}


def _renamed(kind: str, keys: tuple[str, ...]) -> tuple[str, ...]:
    """SIMPLE names of a key sequence, cached per (kind, keys)."""
    cached = _RENAMES.get((kind, keys))
    if cached is None:
        names = SIMPLE_KEYS.get(kind, {})
        cached = _RENAMES[(kind, keys)] = tuple(names.get(k, k) for k in keys)
    return cached


def to_simple(frame: dict[str, Any]) -> dict[str, Any]:
    """The SIMPLE spelling of a DEFAULT frame (unknown frames, e.g. errors, are unchanged)."""
    kind = _kind(frame)
    if kind not in SIMPLE_KEYS:
        return frame
    out = dict(zip(_renamed(kind, tuple(frame)), frame.values()))
    for key in ("orderbook_units", "assets", "result"):
        items = frame.get(key)
        if items:
            short = SIMPLE_KEYS[kind][key]
            out[short] = [dict(zip(_renamed(key, tuple(item)), item.values())) for item in items]
    return out


def java_double(value: float) -> str:
    """``Double.toString`` spelling: plain in [1e-3, 1e7), else ``d.dddE±n``; always a dot."""
    if value == 0:
        return "0.0"
    magnitude = abs(value)
    if 1e-3 <= magnitude < 1e7:
        text = repr(value)
        return text if "." in text else text + ".0"
    sign = "-" if value < 0 else ""
    if 1e7 <= magnitude < 1e16:
        # The common case (turnovers, KRW-BTC prices): repr is positional with no leading zero.
        whole, _, frac = repr(magnitude).partition(".")
        digits = (whole + frac).rstrip("0")
        return f"{sign}{digits[0]}.{digits[1:] or '0'}E{len(whole) - 1}"
    text = repr(magnitude)
    if "e" in text:
        mantissa, exp_text = text.split("e")
        digits = mantissa.replace(".", "")
        exponent = int(exp_text)
    else:
        whole, _, frac = text.partition(".")
        if whole != "0":
            digits, exponent = (whole + frac).lstrip("0"), len(whole.lstrip("0")) - 1
        else:
            stripped = frac.lstrip("0")
            digits, exponent = stripped, -(len(frac) - len(stripped) + 1)
    digits = digits.rstrip("0") or "0"
    return f"{sign}{digits[0]}.{digits[1:] or '0'}E{exponent}"


def fixed8(value: float) -> str:
    """Eight decimals, trailing zeros kept (``0.00077720``)."""
    return "%.8f" % value


# Fragment caches: prices and unchanged sizes repeat from frame to frame. Bounded: cleared
# when full (a cache miss only costs the formatting).
_CACHE_LIMIT = 200_000
def _memoized(render: Callable[[float], str]) -> Callable[[float], orjson.Fragment]:
    """Cache ``render(value)`` as an orjson fragment; the cache is cleared when it grows too big."""
    cache: dict[float, orjson.Fragment] = {}

    def fragment_of(value: float) -> orjson.Fragment:
        fragment = cache.get(value)
        if fragment is None:
            if len(cache) > _CACHE_LIMIT:
                cache.clear()
            fragment = cache[value] = orjson.Fragment(render(value))
        return fragment

    return fragment_of


_java = _memoized(java_double)
_fixed = _memoized(fixed8)


_NOT_NUMBERS = frozenset({
    "type", "code", "change", "ask_bid", "trade_date", "trade_time", "trade_timestamp",
    "highest_52_week_date", "lowest_52_week_date", "market_state", "is_trading_suspended", "delisting_date",
    "market_warning", "timestamp", "stream_type", "sequential_id", "candle_date_time_utc",
    "candle_date_time_kst", "uuid", "order_type", "state",
    "trade_uuid", "trades_count", "time_in_force", "is_maker", "identifier", "smp_type", "order_timestamp",
    "asset_uuid", "asset_timestamp", "method", "ticket", "result", "currency",
})
"""Keys that never hold a float: skipped by the number speller."""

_NESTED = ("orderbook_units", "assets")
_PLANS: dict[tuple[str, ...], tuple[tuple[str, ...], tuple[str, ...]]] = {}


def _plan(frame: dict[str, Any]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(size keys, other number keys) of a frame shape, cached per key sequence."""
    shape = tuple(frame)
    plan = _PLANS.get(shape)
    if plan is None:
        keys = [k for k in frame if k not in _NOT_NUMBERS and k not in _NESTED]
        sizes = tuple(k for k in keys if k in _SIZE_KEYS)
        plan = _PLANS[shape] = (sizes, tuple(k for k in keys if k not in _SIZE_KEYS))
    return plan


def _wire_default(frame: dict[str, Any]) -> dict[str, Any]:
    # orjson already spells a float like Java inside [1e-3, 1e7); only the rest need a Fragment.
    out = dict(frame)
    sizes, others = _plan(frame)
    for key in sizes:
        value = out[key]
        if type(value) is float:
            out[key] = _fixed(value)
    for key in others:
        value = out[key]
        if type(value) is float and value and not 1e-3 <= abs(value) < 1e7:
            out[key] = _java(value)
    for key in _NESTED:
        items = out.get(key)
        if items:
            out[key] = [_wire_default(item) for item in items]
    return out


def _wire_simple(frame: dict[str, Any]) -> dict[str, Any]:
    # Called on the DEFAULT dict before renaming: integral values plain, the rest like Java.
    out = dict(frame)
    sizes, others = _plan(frame)
    for key in sizes + others:
        value = out[key]
        if type(value) is float:
            if value.is_integer():
                out[key] = int(value)
            elif not 1e-3 <= abs(value) < 1e7:
                out[key] = _java(value)
    for key in _NESTED:
        items = out.get(key)
        if items:
            out[key] = [_wire_simple(item) for item in items]
    return out


def encode(frame: dict[str, Any], fmt: str = "DEFAULT", style: str = "wire") -> bytes:
    """UTF-8 JSON bytes of a DEFAULT frame in format ``fmt`` (DEFAULT, SIMPLE, *_LIST)."""
    simple = fmt in ("SIMPLE", "SIMPLE_LIST")
    if style == "wire":
        frame = _wire_simple(frame) if simple else _wire_default(frame)
    if simple:
        frame = to_simple(frame)
    data = orjson.dumps(frame)
    if fmt in ("JSON_LIST", "SIMPLE_LIST"):
        return b"[" + data + b"]"
    return data
