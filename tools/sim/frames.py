"""DEFAULT-format frame dicts built from market state, in the key order of the documented samples.

Key orders copy ``../shared/upbit/samples/`` (ticker 2023, trade 2024, orderbook, candle,
LIST_SUBSCRIPTIONS). Dates and times are UTC: ticker ``trade_date`` is ``yyyyMMdd`` and
``trade_time`` ``HHmmss``, trade ``trade_date`` is ``yyyy-MM-dd`` and ``trade_time`` ``HH:mm:ss``
(SPEC §3.1, §3.2, §10 item 8). Candle times are the period start in UTC and KST.
"""

from __future__ import annotations

import datetime
from typing import Any

from upbit_actors.tools.sim.candles import Candle
from upbit_actors.tools.sim.market import CodeState

__all__ = [
    "candle", "change_fields", "change_values", "date_parts", "list_subscriptions", "orderbook", "status_up", "ticker", "trade",
]

_KST = datetime.timedelta(hours=9)
_UTC = datetime.timezone.utc
_PARTS: dict[int, tuple[str, str, str, str]] = {}


def date_parts(ts_ms: int) -> tuple[str, str, str, str]:
    """(yyyyMMdd, HHmmss, yyyy-MM-dd, HH:mm:ss) of a UTC time, cached per second."""
    second = ts_ms // 1000
    parts = _PARTS.get(second)
    if parts is None:
        if len(_PARTS) > 4096:
            _PARTS.clear()
        t = datetime.datetime.fromtimestamp(second, _UTC)
        iso_date, iso_time = t.strftime("%Y-%m-%d"), t.strftime("%H:%M:%S")
        parts = _PARTS[second] = (iso_date.replace("-", ""), iso_time.replace(":", ""), iso_date, iso_time)
    return parts


def change_values(price: float, prev: float, decimals: int) -> tuple[str, float, float, float]:
    """(change, change_price, signed_change_price, change_rate) of ``price`` against ``prev``."""
    diff = round(price - prev, decimals)
    rate = round(abs(diff) / prev, 10) if prev else 0.0
    if diff > 0:
        return ("RISE", diff, diff, rate)
    if diff < 0:
        return ("FALL", -diff, diff, rate)
    return ("EVEN", 0.0, 0.0, 0.0)


def change_fields(state: CodeState) -> tuple[str, float, float, float]:
    """:func:`change_values` of the last trade against the previous close (SPEC §3.1, §3.2).

    Memoised per trade: ticker and trade frames of one trade share it.
    """
    memo = state.change_memo
    if memo is not None and memo[0] == state.sequential_id:
        return memo[1]
    result = change_values(state.price, state.prev_close, state.instrument.decimals)
    state.change_memo = (state.sequential_id, result)
    return result


def ticker(state: CodeState, stream_type: str, start_ms: int) -> dict[str, Any]:
    """A ticker frame (SPEC §3.1, sample ``ticker_default_official_2023.json``)."""
    change, change_price, signed, rate = change_fields(state)
    date, time, _, _ = date_parts(state.trade_ts)
    volume_24h, price_24h = state.volume_24h(state.event_ts, start_ms)
    return {
        "type": "ticker",
        "code": state.instrument.code,
        "opening_price": state.open,
        "high_price": state.high,
        "low_price": state.low,
        "trade_price": state.price,
        "prev_closing_price": state.prev_close,
        "acc_trade_price": state.acc_price,
        "change": change,
        "change_price": change_price,
        "signed_change_price": signed,
        "change_rate": rate,
        "signed_change_rate": rate if signed >= 0 else -rate,
        "ask_bid": state.ask_bid,
        "trade_volume": state.trade_volume,
        "acc_trade_volume": state.acc_volume,
        "trade_date": date,
        "trade_time": time,
        "trade_timestamp": state.trade_ts,
        "acc_ask_volume": state.acc_ask,
        "acc_bid_volume": state.acc_bid,
        "highest_52_week_price": state.h52,
        "highest_52_week_date": state.h52_date,
        "lowest_52_week_price": state.l52,
        "lowest_52_week_date": state.l52_date,
        "market_state": "ACTIVE",
        "is_trading_suspended": False,
        "delisting_date": None,
        "market_warning": "NONE",
        "timestamp": state.event_ts,
        "acc_trade_price_24h": price_24h,
        "acc_trade_volume_24h": volume_24h,
        "stream_type": stream_type,
    }


def trade(state: CodeState, stream_type: str) -> dict[str, Any]:
    """A trade frame (SPEC §3.2, sample ``trade_default_official_2024.json``)."""
    change, change_price, _, _ = change_fields(state)
    _, _, date, time = date_parts(state.trade_ts)
    inst = state.instrument
    ask, ask_size, bid, bid_size = state.book.best()
    return {
        "type": "trade",
        "code": inst.code,
        "timestamp": state.event_ts,
        "trade_date": date,
        "trade_time": time,
        "trade_timestamp": state.trade_ts,
        "trade_price": state.price,
        "trade_volume": state.trade_volume,
        "ask_bid": state.ask_bid,
        "prev_closing_price": state.prev_close,
        "change": change,
        "change_price": change_price,
        "sequential_id": state.sequential_id,
        "best_ask_price": round(ask * inst.tick, inst.decimals),
        "best_ask_size": ask_size,
        "best_bid_price": round(bid * inst.tick, inst.decimals),
        "best_bid_size": bid_size,
        "stream_type": stream_type,
    }


def orderbook(state: CodeState, depth: int, level: float, timestamp: int, stream_type: str) -> dict[str, Any]:
    """An orderbook frame: the whole book, never a delta (SPEC §3.3, sample file)."""
    inst = state.instrument
    units = state.book.units(depth, level, inst.tick, inst.decimals)
    return {
        "type": "orderbook",
        "code": inst.code,
        "timestamp": timestamp,
        # SPEC §3.3: totals cover only the units in this frame.
        "total_ask_size": round(sum(u[2] for u in units), 8),
        "total_bid_size": round(sum(u[3] for u in units), 8),
        "orderbook_units": [
            {"ask_price": ap, "bid_price": bp, "ask_size": asz, "bid_size": bsz} for ap, bp, asz, bsz in units
        ],
        "stream_type": stream_type,
        "level": level,
    }


def candle(code: str, kind: str, item: Candle, stream_type: str) -> dict[str, Any]:
    """A candle frame (SPEC §3.4, sample ``candle_default_official.json``)."""
    start = datetime.datetime.fromtimestamp(item.start / 1000, _UTC).replace(tzinfo=None)
    return {
        "type": kind,
        "code": code,
        "candle_date_time_utc": start.isoformat(timespec="seconds"),
        "candle_date_time_kst": (start + _KST).isoformat(timespec="seconds"),
        "opening_price": item.open,
        "high_price": item.high,
        "low_price": item.low,
        "trade_price": item.close,
        "candle_acc_trade_volume": round(item.volume, 8),
        "candle_acc_trade_price": item.notional,
        "timestamp": item.timestamp,
        "stream_type": stream_type,
    }


def list_subscriptions(result: list[dict[str, Any]], ticket: str) -> dict[str, Any]:
    """The LIST_SUBSCRIPTIONS answer (SPEC §2.1 rule 4, sample file)."""
    return {"method": "LIST_SUBSCRIPTIONS", "result": result, "ticket": ticket}


def status_up() -> dict[str, str]:
    """The keep-alive frame sent every 10 s after a text ``PING`` (SPEC §4, ``status_up_RAW.txt``)."""
    return {"status": "UP"}
