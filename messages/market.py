"""Public market events: ticker, trade, orderbook and candle (SPEC §3.1-§3.4).

Field names are Upbit's DEFAULT names; the codec (``system.wire.codec``) maps SIMPLE names onto them.
The event class is the ``type``: ``Ticker`` is ``"ticker"``, and ``Candle.interval`` gives
``"candle.<interval>"``.

Number types:

- Prices, sizes, volumes and rates are ``float``. Upbit sends them as JSON numbers (plain, with
  trailing zeros, or in exponent form such as ``1.16539E8``), with at most 8 decimals and at most
  about 16 significant digits, which a binary64 float carries to within one unit in the last
  place: rounding the float to the venue's tick gives back the exact decimal. Floats keep the
  codec at C speed (orjson parses straight to float) and are what a strategy computes with. Code
  that books money should convert with ``decimal.Decimal(repr(x))``, which is exact for these
  values.
- Identifiers such as ``Trade.sequential_id`` are exact ``int``: they exceed 2**53 and a float
  would corrupt them.
- Timestamps are ``int`` milliseconds since the epoch (UTC).
"""

from __future__ import annotations

from typing import ClassVar

from attrs import field, frozen

from upbit_actors.messages.common import AskBid, CandleInterval, Change, DataType, StreamType

__all__ = ["Candle", "Orderbook", "OrderbookUnit", "Ticker", "Trade"]


@frozen(kw_only=True)
class Ticker:
    """Current price and day statistics of one pair (``ticker``, SPEC §3.1)."""

    data_type: ClassVar[DataType] = DataType.TICKER

    code: str
    """Pair code, e.g. ``KRW-BTC``."""
    opening_price: float
    """Open of the UTC day."""
    high_price: float
    low_price: float
    trade_price: float
    """Last trade price."""
    prev_closing_price: float
    change: Change
    change_price: float
    """Absolute change versus the previous close."""
    signed_change_price: float
    change_rate: float
    signed_change_rate: float
    trade_volume: float
    """Volume of the last trade."""
    acc_trade_volume: float
    """Volume since UTC 00:00."""
    acc_trade_volume_24h: float
    acc_trade_price: float
    """Turnover since UTC 00:00."""
    acc_trade_price_24h: float
    trade_date: str
    """``yyyyMMdd`` (UTC); note trade events use ``yyyy-MM-dd``."""
    trade_time: str
    """``HHmmss`` (UTC)."""
    trade_timestamp: int
    ask_bid: AskBid
    """Taker side of the last trade."""
    acc_ask_volume: float
    acc_bid_volume: float
    highest_52_week_price: float
    highest_52_week_date: str
    lowest_52_week_price: float
    lowest_52_week_date: str
    market_state: str
    """``PREVIEW`` / ``ACTIVE`` / ``DELISTED``; a string so a new state does not lose the frame."""
    timestamp: int
    stream_type: StreamType
    is_trading_suspended: bool | None = None
    """Deprecated by Upbit; absent from newer frames."""
    delisting_date: str | None = None
    market_warning: str | None = None
    """``NONE`` / ``CAUTION`` (deprecated by Upbit)."""


@frozen(kw_only=True)
class Trade:
    """One executed trade (``trade``, SPEC §3.2)."""

    data_type: ClassVar[DataType] = DataType.TRADE

    code: str
    trade_price: float
    trade_volume: float
    ask_bid: AskBid
    """``ASK``: the seller was the taker; ``BID``: the buyer was."""
    prev_closing_price: float
    change: Change
    change_price: float
    trade_date: str
    """``yyyy-MM-dd`` (UTC); ticker uses ``yyyyMMdd``."""
    trade_time: str
    """``HH:mm:ss`` (UTC)."""
    trade_timestamp: int
    timestamp: int
    sequential_id: int
    """Unique trade id, above 2**53: exact int. Unique, but not ordered (SPEC §3.2)."""
    stream_type: StreamType
    best_ask_price: float | None = None
    """Added 2024-11-27; None in older frames."""
    best_ask_size: float | None = None
    best_bid_price: float | None = None
    best_bid_size: float | None = None


@frozen(kw_only=True)
class OrderbookUnit:
    """One depth level holding both sides; a thin side is padded with zeros (SPEC §3.3)."""

    ask_price: float
    bid_price: float
    ask_size: float
    bid_size: float


@frozen(kw_only=True)
class Orderbook:
    """A whole order book (never a delta): replace the previous one (``orderbook``, SPEC §3.3)."""

    data_type: ClassVar[DataType] = DataType.ORDERBOOK

    code: str
    """Pair code without the ``.N`` depth suffix."""
    total_ask_size: float
    """Sum over the units in this frame only."""
    total_bid_size: float
    orderbook_units: tuple[OrderbookUnit, ...] = field(converter=tuple)
    """Best first on both sides: asks ascending, bids descending."""
    timestamp: int
    stream_type: StreamType
    level: float = 0.0
    """Price grouping unit; 0 means none (always 0 outside KRW markets)."""

    @property
    def depth(self) -> int:
        """The depth this book was requested with: Upbit pads to the requested unit count."""
        return len(self.orderbook_units)


@frozen(kw_only=True)
class Candle:
    """An OHLCV candle; the same ``candle_date_time_utc`` may repeat, latest wins (SPEC §3.4)."""

    code: str
    interval: CandleInterval
    """The ``type`` on the wire is ``candle.<interval>``."""
    candle_date_time_utc: str
    """Start of the period, ``yyyy-MM-dd'T'HH:mm:ss``."""
    candle_date_time_kst: str
    opening_price: float
    high_price: float
    low_price: float
    trade_price: float
    """Close (last trade) so far."""
    candle_acc_trade_volume: float
    candle_acc_trade_price: float
    timestamp: int
    stream_type: StreamType

    @property
    def data_type(self) -> DataType:
        return DataType.candle(self.interval)
