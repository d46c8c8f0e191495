"""Frames written from ../shared/upbit/SPEC.md for the codec tests, independent of the codec.

``SIMPLE`` is this test suite's own abbreviation table, typed in from the SPEC §3 field tables
(not imported from ``system.wire.codec.wire``), so a wrong entry there fails a test here.
``DEFAULT_FRAMES`` holds one DEFAULT frame per data type, with the spellings SPEC §3.8 and §10.9
describe (exponent form, trailing zeros, ids above 2**53).
"""

from __future__ import annotations

import copy
from typing import Any

import orjson

__all__ = ["DEFAULT_FRAMES", "SIMPLE", "SIMPLE_NESTED", "raw_json", "to_simple"]

SIMPLE: dict[str, dict[str, str]] = {
    # SPEC §3.1
    "ticker": {
        "type": "ty", "code": "cd", "opening_price": "op", "high_price": "hp", "low_price": "lp",
        "trade_price": "tp", "prev_closing_price": "pcp", "change": "c", "change_price": "cp",
        "signed_change_price": "scp", "change_rate": "cr", "signed_change_rate": "scr",
        "trade_volume": "tv", "acc_trade_volume": "atv", "acc_trade_volume_24h": "atv24h",
        "acc_trade_price": "atp", "acc_trade_price_24h": "atp24h", "trade_date": "tdt",
        "trade_time": "ttm", "trade_timestamp": "ttms", "ask_bid": "ab", "acc_ask_volume": "aav",
        "acc_bid_volume": "abv", "highest_52_week_price": "h52wp", "highest_52_week_date": "h52wdt",
        "lowest_52_week_price": "l52wp", "lowest_52_week_date": "l52wdt", "market_state": "ms",
        "is_trading_suspended": "its", "delisting_date": "dd", "market_warning": "mw",
        "timestamp": "tms", "stream_type": "st", "trade_status": "ts", "market_state_for_ios": "msfi",
    },
    # SPEC §3.2: trade_date is td here, tdt in ticker
    "trade": {
        "type": "ty", "code": "cd", "trade_price": "tp", "trade_volume": "tv", "ask_bid": "ab",
        "prev_closing_price": "pcp", "change": "c", "change_price": "cp", "trade_date": "td",
        "trade_time": "ttm", "trade_timestamp": "ttms", "timestamp": "tms", "sequential_id": "sid",
        "best_ask_price": "bap", "best_ask_size": "bas", "best_bid_price": "bbp", "best_bid_size": "bbs",
        "stream_type": "st",
    },
    # SPEC §3.3
    "orderbook": {
        "type": "ty", "code": "cd", "total_ask_size": "tas", "total_bid_size": "tbs",
        "orderbook_units": "obu", "timestamp": "tms", "level": "lv", "stream_type": "st",
    },
    # SPEC §3.4
    "candle": {
        "type": "ty", "code": "cd", "candle_date_time_utc": "cdttmu", "candle_date_time_kst": "cdttmk",
        "opening_price": "op", "high_price": "hp", "low_price": "lp", "trade_price": "tp",
        "candle_acc_trade_volume": "catv", "candle_acc_trade_price": "catp", "timestamp": "tms",
        "stream_type": "st",
    },
    # SPEC §3.5: ap is avg_price here, ask_price in obu; l is locked
    "myOrder": {
        "type": "ty", "code": "cd", "uuid": "uid", "ask_bid": "ab", "order_type": "ot", "state": "s",
        "trade_uuid": "tuid", "price": "p", "avg_price": "ap", "volume": "v", "remaining_volume": "rv",
        "executed_volume": "ev", "trades_count": "tc", "reserved_fee": "rsf", "remaining_fee": "rmf",
        "paid_fee": "pf", "locked": "l", "executed_funds": "ef", "time_in_force": "tif", "trade_fee": "tf",
        "is_maker": "im", "identifier": "id", "smp_type": "smpt", "prevented_volume": "pv",
        "prevented_locked": "pl", "trade_timestamp": "ttms", "order_timestamp": "otms", "timestamp": "tms",
        "stream_type": "st",
    },
    # SPEC §3.6
    "myAsset": {
        "type": "ty", "asset_uuid": "astuid", "assets": "ast", "asset_timestamp": "asttms",
        "timestamp": "tms", "stream_type": "st",
    },
    # SPEC §2.1
    "LIST_SUBSCRIPTIONS": {"method": "mthd", "result": "rslt", "ticket": "tckt"},
}  # fmt: skip
"""Frame kind -> {DEFAULT key: SIMPLE key}."""

SIMPLE_NESTED: dict[str, dict[str, str]] = {
    "orderbook_units": {"ask_price": "ap", "bid_price": "bp", "ask_size": "as", "bid_size": "bs"},
    "assets": {"currency": "cu", "balance": "b", "locked": "l"},
    "result": {"type": "ty", "codes": "cds", "level": "lv"},
}
"""DEFAULT array key -> renaming of its items (``obu.*``, ``ast.*``, ``rslt.*``)."""


def to_simple(frame: dict[str, Any]) -> dict[str, Any]:
    """The SIMPLE form of a DEFAULT frame, renamed with this module's tables only."""
    kind = frame.get("type", "LIST_SUBSCRIPTIONS" if "method" in frame else None)
    table = SIMPLE["candle" if str(kind).startswith("candle.") else kind]
    out = {}
    for key, value in frame.items():
        if key in SIMPLE_NESTED and isinstance(value, list):
            value = [{SIMPLE_NESTED[key].get(k, k): v for k, v in item.items()} for item in value]
        out[table.get(key, key)] = value
    return out


def raw_json(frame: Any) -> bytes:
    """The frame as Upbit would send it: UTF-8 JSON bytes."""
    return orjson.dumps(frame)


DEFAULT_FRAMES: dict[str, dict[str, Any]] = {
    # SPEC §3.1, 2023 doc set (ticker_default_official_2023.json), numbers as the doc shows them.
    "ticker": {
        "type": "ticker", "code": "KRW-BTC", "opening_price": 31883000, "high_price": 32310000,
        "low_price": 31855000, "trade_price": 32287000, "prev_closing_price": 31883000.0,
        "acc_trade_price": 78039261076.5124, "change": "RISE", "change_price": 404000.0,
        "signed_change_price": 404000.0, "change_rate": 0.0126713295, "signed_change_rate": 0.0126713295,
        "ask_bid": "ASK", "trade_volume": 0.03103806, "acc_trade_volume": 2429.58834336,
        "trade_date": "20230221", "trade_time": "074102", "trade_timestamp": 1676965262139,
        "acc_ask_volume": 1146.25573608, "acc_bid_volume": 1283.33260728, "highest_52_week_price": 57678000.0,
        "highest_52_week_date": "2022-03-28", "lowest_52_week_price": 20700000.0,
        "lowest_52_week_date": "2022-12-30", "market_state": "ACTIVE", "is_trading_suspended": False,
        "delisting_date": None, "market_warning": "NONE", "timestamp": 1676965262177,
        "acc_trade_price_24h": 228827082483.70728, "acc_trade_volume_24h": 7158.8028356,
        "stream_type": "REALTIME",
    },
    # SPEC §3.2, with an odd sequential_id above 2**53 (§10.9: a double would round it)
    "trade": {
        "type": "trade", "code": "KRW-BTC", "timestamp": 1730336862082, "trade_date": "2024-10-31",
        "trade_time": "01:07:42", "trade_timestamp": 1730336862047, "trade_price": 100473000.0,
        "trade_volume": 0.00014208, "ask_bid": "BID", "prev_closing_price": 100571000.0, "change": "FALL",
        "change_price": 98000.0, "sequential_id": 17303368620470001, "best_ask_price": 100473000,
        "best_ask_size": 0.43139478, "best_bid_price": 100465000, "best_bid_size": 0.01990656,
        "stream_type": "SNAPSHOT",
    },
    # SPEC §3.3: a thin bid side padded with zero slots
    "orderbook": {
        "type": "orderbook", "code": "KRW-BTC", "timestamp": 1746601573804, "total_ask_size": 0.16767948,
        "total_bid_size": 0.03656812,
        "orderbook_units": [
            {"ask_price": 137002000, "bid_price": 137001000, "ask_size": 0.10623869, "bid_size": 0.03656812},
            {"ask_price": 137023000, "bid_price": 0, "ask_size": 0.06144079, "bid_size": 0},
        ],
        "stream_type": "SNAPSHOT", "level": 0,
    },
    # SPEC §3.4
    "candle": {
        "type": "candle.1s", "code": "KRW-BTC", "candle_date_time_utc": "2025-01-02T04:28:05",
        "candle_date_time_kst": "2025-01-02T13:28:05", "opening_price": 142009000.0,
        "high_price": 142009000.0,
        "low_price": 142009000.0, "trade_price": 142009000.0, "candle_acc_trade_volume": 0.00606119,
        "candle_acc_trade_price": 860743.53071, "timestamp": 1735792085824, "stream_type": "REALTIME",
    },
    # SPEC §3.5, every field including SMP
    "myOrder": {
        "type": "myOrder", "code": "KRW-BTC", "uuid": "ac2dc2a3-fce9-40a2-a4f6-5987c25c438f",
        "ask_bid": "BID",
        "order_type": "limit", "state": "trade", "trade_uuid": "68315169-fba4-4175-ade3-aff14a616657",
        "price": 0.001453, "avg_price": 0.00145372, "volume": 30925891.29839369,
        "remaining_volume": 29968038.09235948, "executed_volume": 30925891.29839369, "trades_count": 1,
        "reserved_fee": 44.23943970238218, "remaining_fee": 21.77177967409916, "paid_fee": 22.467660028283017,
        "locked": 43565.33112787242, "executed_funds": 44935.32005656603, "time_in_force": None,
        "trade_fee": 22.467660028283017, "is_maker": True, "identifier": "test-1", "smp_type": "cancel_maker",
        "prevented_volume": 1.174291929, "prevented_locked": 0.001706246173, "trade_timestamp": 1710751590421,
        "order_timestamp": 1710751590000, "timestamp": 1710751597500, "stream_type": "REALTIME",
    },
    # SPEC §3.6
    "myAsset": {
        "type": "myAsset", "asset_uuid": "e635f223-1609-4969-8fb6-4376937baad6",
        "assets": [
            {"currency": "KRW", "balance": 1386929.3723106678, "locked": 10329.670127489597},
            {"currency": "BTC", "balance": 0.0051, "locked": 0},
        ],
        "asset_timestamp": 1710146517259, "timestamp": 1710146517267, "stream_type": "REALTIME",
    },
}  # fmt: skip
"""Kind -> one DEFAULT frame; ``copy.deepcopy`` before changing one."""


def frame_of(kind: str, simple: bool = False, **fields: Any) -> dict[str, Any]:
    """A SPEC frame of ``kind`` with ``fields`` replaced (a value of ``...`` deletes the key)."""
    frame = copy.deepcopy(DEFAULT_FRAMES[kind])
    for key, value in fields.items():
        if value is ...:
            del frame[key]
        else:
            frame[key] = value
    return to_simple(frame) if simple else frame
