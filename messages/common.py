"""Vocabulary shared by every protocol: Upbit data types, formats, sides and states.

Enum values are Upbit's own wire spellings (DEFAULT format), so ``DataType("candle.1m")`` and
``AskBid("ASK")`` parse the wire directly. See ../shared/upbit/SPEC.md §2-§3.
"""

from __future__ import annotations

import enum

__all__ = [
    "AskBid",
    "CandleInterval",
    "Change",
    "DataType",
    "Endpoint",
    "OrderState",
    "OrderType",
    "StreamType",
    "WireFormat",
    "CANDLE_TYPES",
    "PRIVATE_TYPES",
    "PUBLIC_TYPES",
]


class Endpoint(enum.StrEnum):
    """Which Upbit WebSocket a stream lives on (SPEC §1)."""

    PUBLIC = "public"
    """``/websocket/v1``: ticker, trade, orderbook, candle.*"""
    PRIVATE = "private"
    """``/websocket/v1/private``: myOrder, myAsset (JWT on the upgrade)."""


class CandleInterval(enum.StrEnum):
    """Candle intervals Upbit streams over WebSocket (SPEC §3.4); no day/week candles."""

    S1 = "1s"
    M1 = "1m"
    M3 = "3m"
    M5 = "5m"
    M10 = "10m"
    M15 = "15m"
    M30 = "30m"
    M60 = "60m"
    M240 = "240m"


class DataType(enum.StrEnum):
    """The ``type`` of a request object and of a data frame (SPEC §2)."""

    TICKER = "ticker"
    TRADE = "trade"
    ORDERBOOK = "orderbook"
    CANDLE_1S = "candle.1s"
    CANDLE_1M = "candle.1m"
    CANDLE_3M = "candle.3m"
    CANDLE_5M = "candle.5m"
    CANDLE_10M = "candle.10m"
    CANDLE_15M = "candle.15m"
    CANDLE_30M = "candle.30m"
    CANDLE_60M = "candle.60m"
    CANDLE_240M = "candle.240m"
    MY_ORDER = "myOrder"
    MY_ASSET = "myAsset"

    @property
    def endpoint(self) -> Endpoint:
        """The connection this type must be requested on."""
        return Endpoint.PRIVATE if self in PRIVATE_TYPES else Endpoint.PUBLIC

    @property
    def interval(self) -> CandleInterval | None:
        """The candle interval of a ``candle.*`` type, else None."""
        return CandleInterval(self.value[7:]) if self.value.startswith("candle.") else None

    @classmethod
    def candle(cls, interval: CandleInterval) -> DataType:
        return cls(f"candle.{CandleInterval(interval).value}")


CANDLE_TYPES: frozenset[DataType] = frozenset(t for t in DataType if t.value.startswith("candle."))
PRIVATE_TYPES: frozenset[DataType] = frozenset({DataType.MY_ORDER, DataType.MY_ASSET})
PUBLIC_TYPES: frozenset[DataType] = frozenset(DataType) - PRIVATE_TYPES


class WireFormat(enum.StrEnum):
    """Response format of a whole connection (SPEC §2, §3.8)."""

    DEFAULT = "DEFAULT"
    SIMPLE = "SIMPLE"
    JSON_LIST = "JSON_LIST"
    SIMPLE_LIST = "SIMPLE_LIST"


class StreamType(enum.StrEnum):
    """First frame per code is SNAPSHOT, later ones REALTIME (SPEC §3)."""

    SNAPSHOT = "SNAPSHOT"
    REALTIME = "REALTIME"
    BACKFILL = "BACKFILL"
    """Not Upbit's: a trade missed during a gap, fetched from REST afterwards (``messages.gaps``)."""


class AskBid(enum.StrEnum):
    """Taker side of a trade (ASK: the seller took) or side of an order."""

    ASK = "ASK"
    BID = "BID"


class Change(enum.StrEnum):
    """Direction versus the previous close (UTC 00:00)."""

    RISE = "RISE"
    EVEN = "EVEN"
    FALL = "FALL"


class OrderType(enum.StrEnum):
    """myOrder ``order_type`` (SPEC §3.5)."""

    LIMIT = "limit"
    PRICE = "price"
    """Market buy by amount."""
    MARKET = "market"
    """Market sell by volume."""
    BEST = "best"


class OrderState(enum.StrEnum):
    """myOrder ``state`` (SPEC §3.5); ``prevented`` is SMP (2025-07-02)."""

    WAIT = "wait"
    WATCH = "watch"
    TRADE = "trade"
    DONE = "done"
    CANCEL = "cancel"
    PREVENTED = "prevented"
