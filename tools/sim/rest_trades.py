"""``GET /v1/trades/ticks``: the simulator's recent trades of one market, the same ones it streams.

Every trade the market model steps is kept per code (``CodeState.record``, the newest
``market.TRADE_RECORD``), streamed or not (a data stall still trades), with the ``sequential_id``
the ``trade`` stream sends. The answer copies Upbit's (SPEC §8.1 [DOC]): a JSON array, newest
first, of ``market``, ``trade_date_utc``, ``trade_time_utc``, ``timestamp`` (the trade's time,
the stream's ``trade_timestamp``), ``trade_price``, ``trade_volume``, ``prev_closing_price``,
``change_price`` (signed), ``ask_bid``, ``sequential_id``.

Parameters: ``market`` (required, exact code; lower case is accepted, as REST does, SPEC §2.2),
``count`` (1 by default, at most ``MAX_COUNT``), ``cursor`` (a ``sequential_id``: the trades
older than it). ``to`` and ``days_ago`` are not modelled (the record is today's newest trades):
they are refused with ``400 invalid_parameter`` rather than answered wrongly. Unknown market:
``404`` ([UNVERIFIED], SPEC §8.1).
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping
from typing import Any

from upbit_actors.tools.sim.frames import change_values, date_parts
from upbit_actors.tools.sim.rest import RestFailure

__all__ = ["MAX_COUNT", "trades_ticks"]

MAX_COUNT = 500
"""Trades per answer at most (SPEC §8.1: clients page with up to 500; the docs give no maximum)."""


def _int(query: Mapping[str, str], name: str, default: int | None) -> int | None:
    value = query.get(name)
    if value in (None, ""):
        return default
    try:
        return int(value)
    except ValueError:
        raise RestFailure(400, "invalid_parameter", f"{name}: not a number: {value!r}") from None


def trades_ticks(side: Any, query: Mapping[str, str], now: float) -> list[dict[str, Any]]:
    """The body of ``GET /v1/trades/ticks`` (see the module docstring)."""
    code = (query.get("market") or "").upper()
    if not code:
        raise RestFailure(400, "invalid_parameter", "market: required")
    for name in ("to", "days_ago"):
        if query.get(name):
            raise RestFailure(400, "invalid_parameter", f"{name}: not supported by the simulator")
    state = side.market.states.get(code)
    if state is None:
        raise RestFailure(404, "404", "Code not found")
    count = _int(query, "count", 1)
    if count is None or not 1 <= count <= MAX_COUNT:
        raise RestFailure(400, "invalid_parameter", f"count: between 1 and {MAX_COUNT}")
    cursor = _int(query, "cursor", None)
    record = list(state.record)  # oldest first; sequential_id grows with time in the model
    end = len(record) if cursor is None else bisect.bisect_left(record, cursor, key=lambda t: t[1])
    decimals = state.instrument.decimals
    rows = []
    for ts, sid, price, volume, ask_bid, prev in reversed(record[max(0, end - count):end]):
        _, _, date, time = date_parts(ts)
        rows.append({"market": code, "trade_date_utc": date, "trade_time_utc": time, "timestamp": ts,
                     "trade_price": price, "trade_volume": volume, "prev_closing_price": prev,
                     "change_price": change_values(price, prev, decimals)[2], "ask_bid": ask_bid,
                     "sequential_id": sid})
    return rows
