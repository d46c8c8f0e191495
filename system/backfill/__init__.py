"""The backfill actor's decisions: paging ``GET /v1/trades/ticks`` back to the last trade delivered
before a gap (``jobs``), and REST rows as trade frames (``rows``). See ``messages.gaps``."""

from __future__ import annotations

from upbit_actors.system.backfill.jobs import PAGE, REST_GROUP, Backfills, BackfillJob
from upbit_actors.system.backfill.rows import TRADES_TICKS, trade_frame

__all__ = ["PAGE", "REST_GROUP", "TRADES_TICKS", "BackfillJob", "Backfills", "trade_frame"]
