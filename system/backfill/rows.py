"""A row of Upbit's REST ``GET /v1/trades/ticks`` as a DEFAULT-format WebSocket trade frame.

REST row (SPEC §8.1 [DOC])::

    {"market":"KRW-BTC","trade_date_utc":"2024-10-31","trade_time_utc":"01:07:42",
     "timestamp":1730336862047,"trade_price":101000000.0,"trade_volume":0.0005,
     "prev_closing_price":100500000.0,"change_price":500000.0,"ask_bid":"BID",
     "sequential_id":17303368620470000}

The frame carries the trade stream's fields (SPEC §3.2): ``trade_timestamp`` and ``timestamp``
are the row's ``timestamp``; ``change`` is derived from the price and the previous close (REST
gives only ``change_price``, taken as its absolute value, as the stream sends it); the best
bid/ask fields are absent (None once decoded); ``stream_type`` is ``BACKFILL``, the hub's own
mark (Upbit sends only SNAPSHOT and REALTIME).

Exception tree: ``RestError(bad_body)`` for a row of the wrong shape.
"""

from __future__ import annotations

from typing import Any

import orjson

from upbit_actors.messages.common import StreamType
from upbit_actors.system.errors import RestError

__all__ = ["TRADES_TICKS", "row_key", "trade_frame"]

TRADES_TICKS = "/v1/trades/ticks"
"""Recent trades of one market, newest first; rate group ``trade``, 10/s per IP (SPEC §5, §8.1)."""


def row_key(row: Any) -> tuple[int, int]:
    """(timestamp ms, sequential_id) of a REST row; ``RestError`` if it has none."""
    try:
        return int(row["timestamp"]), int(row["sequential_id"])
    except (KeyError, TypeError, ValueError):
        raise RestError(200, "bad_body", f"{TRADES_TICKS}: a row without timestamp/sequential_id") from None


def trade_frame(row: dict[str, Any], code: str) -> bytes:
    """The DEFAULT trade frame of ``row`` (see the module docstring)."""
    try:
        stamp, sid = row_key(row)
        price, prev = float(row["trade_price"]), float(row["prev_closing_price"])
        return orjson.dumps({
            "type": "trade", "code": code, "timestamp": stamp,
            "trade_date": row["trade_date_utc"], "trade_time": row["trade_time_utc"],
            "trade_timestamp": stamp, "trade_price": price, "trade_volume": float(row["trade_volume"]),
            "ask_bid": row["ask_bid"], "prev_closing_price": prev,
            "change": "RISE" if price > prev else "FALL" if price < prev else "EVEN",
            "change_price": abs(float(row["change_price"])), "sequential_id": sid,
            "stream_type": StreamType.BACKFILL.value,
        })
    except (KeyError, TypeError, ValueError) as exc:
        raise RestError(200, "bad_body", f"{TRADES_TICKS}: bad row: {exc!r}"[:200]) from None
