"""The hub's own ``gap`` frame: how a ``Gap`` travels in a consumer's stream (not an Upbit frame).

The router puts a ``Gap`` in a consumer's buffer as one more frame, so it keeps its place among
the events (after the last one before the gap, before the backfilled trades and the live ones
after it) through the overflow policies and the batches; the consumer's codec turns it back into
a ``Gap`` (``decode`` looks it up like an event type: no cost for other frames)::

    {"type":"gap","data_type":"trade","code":"KRW-BTC","epoch":7,"last_seen":1733390000.123,
     "resumed":1733390004.5,"filled":true,"backfilled":42,"detail":""}

Upbit never sends ``"type":"gap"`` (SPEC §3 lists its types).
"""

from __future__ import annotations

from typing import Any

import orjson

from upbit_actors.messages.common import DataType
from upbit_actors.messages.gaps import Gap

__all__ = ["GAP_TYPE", "build_gap", "gap_dict", "gap_frame"]

GAP_TYPE = "gap"
"""The ``type`` of a gap frame."""


def gap_dict(gap: Gap) -> dict[str, Any]:
    """``gap`` as a JSON-able dict, ``type`` first (also how ``upbit-actors stream`` prints it)."""
    return {"type": GAP_TYPE, "data_type": gap.data_type.value, "code": gap.code, "epoch": gap.epoch,
            "last_seen": gap.last_seen, "resumed": gap.resumed, "filled": gap.filled,
            "backfilled": gap.backfilled, "detail": gap.detail}


def gap_frame(gap: Gap) -> bytes:
    """The frame of ``gap``."""
    return orjson.dumps(gap_dict(gap))


def build_gap(data: dict[str, Any]) -> Gap:
    """The ``Gap`` of a parsed gap frame; raises on anything else (the codec then explains)."""
    return Gap(data_type=DataType(data["data_type"]), code=str(data["code"]), epoch=int(data["epoch"]),
               last_seen=float(data["last_seen"]), resumed=float(data["resumed"]),
               filled=bool(data["filled"]), backfilled=int(data.get("backfilled", 0)),
               detail=str(data.get("detail", "")))
