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

import functools
from typing import Any

import orjson

__all__ = ["SIMPLE_KEYS", "encode", "java_double", "to_simple"]

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
              "best_ask_price": "bap", "best_ask_size": "bas", "best_bid_price": "bbp", "best_bid_size": "bbs"},
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


def to_simple(frame: dict[str, Any]) -> dict[str, Any]:
    """The SIMPLE spelling of a DEFAULT frame (unknown frames, e.g. errors, are unchanged)."""
    names = SIMPLE_KEYS.get(_kind(frame))
    if names is None:
        return frame
    out = {}
    for key, value in frame.items():
        if isinstance(value, list) and key in SIMPLE_KEYS:
            inner = SIMPLE_KEYS[key]
            value = [{inner.get(k, k): v for k, v in item.items()} for item in value]
        out[names.get(key, key)] = value
    return out


@functools.lru_cache(maxsize=1 << 16)
def java_double(value: float) -> str:
    """``Double.toString`` spelling: plain in [1e-3, 1e7), else ``d.dddE±n``; always a dot."""
    if value == 0:
        return "0.0"
    magnitude = abs(value)
    if 1e-3 <= magnitude < 1e7:
        text = repr(value)
        return text if "." in text else text + ".0"
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
    sign = "-" if value < 0 else ""
    return f"{sign}{digits[0]}.{digits[1:] or '0'}E{exponent}"


def _wire_default(frame: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in frame.items():
        if type(value) is float:
            value = orjson.Fragment(f"{value:.8f}" if key in _SIZE_KEYS else java_double(value))
        elif type(value) is list and value and type(value[0]) is dict:
            value = [_wire_default(item) for item in value]
        out[key] = value
    return out


def _wire_simple(frame: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in frame.items():
        if type(value) is float:
            value = int(value) if value.is_integer() else orjson.Fragment(java_double(value))
        elif type(value) is list and value and type(value[0]) is dict:
            value = [_wire_simple(item) for item in value]
        out[key] = value
    return out


def encode(frame: dict[str, Any], fmt: str = "DEFAULT", style: str = "wire") -> bytes:
    """UTF-8 JSON bytes of a DEFAULT frame in format ``fmt`` (DEFAULT, SIMPLE, *_LIST)."""
    simple = fmt in ("SIMPLE", "SIMPLE_LIST")
    if simple:
        frame = to_simple(frame)
    if style == "wire":
        frame = _wire_simple(frame) if simple else _wire_default(frame)
    data = orjson.dumps(frame)
    if fmt in ("JSON_LIST", "SIMPLE_LIST"):
        return b"[" + data + b"]"
    return data
