"""Private events from ``/websocket/v1/private``: myOrder and myAsset (SPEC §3.5-§3.6).

Both are REALTIME only and arrive only when something happens to the account. Number types
follow ``messages.market``: amounts are float, timestamps int milliseconds. Fields Upbit added
after 2024 default to None so that older frames still decode.
"""

from __future__ import annotations

from typing import ClassVar

from attrs import field, frozen

from upbit_actors.messages.common import AskBid, DataType, OrderState, OrderType, StreamType

__all__ = ["AssetBalance", "MyAsset", "MyOrder"]


@frozen(kw_only=True)
class MyOrder:
    """An order or fill event of the account (``myOrder``, SPEC §3.5)."""

    data_type: ClassVar[DataType] = DataType.MY_ORDER

    code: str
    uuid: str
    """Order id."""
    ask_bid: AskBid
    order_type: OrderType
    state: OrderState
    price: float | None = None
    """Order price, or the fill price when ``state`` is ``trade``."""
    avg_price: float | None = None
    """Average fill price (SIMPLE ``ap``; in orderbook ``ap`` means ask price)."""
    volume: float | None = None
    """Order volume, or the fill volume when ``state`` is ``trade``; None for ``price`` orders."""
    remaining_volume: float | None = None
    executed_volume: float | None = None
    trades_count: int
    reserved_fee: float
    remaining_fee: float
    paid_fee: float
    locked: float
    executed_funds: float
    order_timestamp: int
    timestamp: int
    stream_type: StreamType
    time_in_force: str | None = None
    """``ioc``, ``fok``, ``post_only`` or None."""
    trade_uuid: str | None = None
    """Fill id (added 2024-05-29)."""
    trade_timestamp: int | None = None
    trade_fee: float | None = None
    """None unless ``state`` is ``trade`` (added 2024-12-04)."""
    is_maker: bool | None = None
    identifier: str | None = None
    """Client order id (added 2024-12-04)."""
    smp_type: str | None = None
    """``reduce``, ``cancel_maker`` or ``cancel_taker`` (2025-07-02)."""
    prevented_volume: float | None = None
    prevented_locked: float | None = None


@frozen(kw_only=True)
class AssetBalance:
    """One currency of a myAsset event."""

    currency: str
    balance: float
    """Available."""
    locked: float
    """Held by open orders."""


@frozen(kw_only=True)
class MyAsset:
    """Balances that changed (``myAsset``, SPEC §3.6)."""

    data_type: ClassVar[DataType] = DataType.MY_ASSET

    asset_uuid: str
    assets: tuple[AssetBalance, ...] = field(converter=tuple)
    asset_timestamp: int
    timestamp: int
    stream_type: StreamType
