"""Upbit's wire vocabulary: which ``type`` values exist and how SIMPLE abbreviates each key.

This is the only table of Upbit field names in the project (STYLE.md principle 4). DEFAULT keys
are the attribute names of the message classes (``messages.market`` and ``messages.private`` use
Upbit's DEFAULT names on purpose), so only the SIMPLE spellings are listed here, copied from the
field tables of ../shared/upbit/SPEC.md §3.1-§3.6 and §2.1.

Traps the tables encode (SPEC §10.8):

- ``trade_date`` is ``td`` in trade but ``tdt`` in ticker;
- ``ap`` is ``ask_price`` inside ``obu`` but ``avg_price`` in myOrder;
- ``l`` is ``locked`` in myOrder and in ``ast`` entries alike;
- LIST_SUBSCRIPTIONS uses ``mthd``/``rslt``/``tckt`` (not ``mth``/``rst``/``tck``).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from upbit_actors.messages.common import CANDLE_TYPES, DataType
from upbit_actors.messages.market import Candle, Orderbook, OrderbookUnit, Ticker, Trade
from upbit_actors.messages.private import AssetBalance, MyAsset, MyOrder
from upbit_actors.messages.server import ListedSubscription, SubscriptionListing

__all__ = [
    "DEFAULT_TYPE_KEY",
    "EVENT_TYPES",
    "LABELS",
    "LEGACY_KEYS",
    "LIST_METHOD",
    "SIMPLE_KEYS",
    "SIMPLE_TYPE_KEY",
]

DEFAULT_TYPE_KEY = "type"
"""Key of the data type in a DEFAULT frame (SPEC §3: common to every data frame)."""
SIMPLE_TYPE_KEY = "ty"
"""Key of the data type in a SIMPLE frame; its value is spelt as in DEFAULT."""
LIST_METHOD = "LIST_SUBSCRIPTIONS"
"""Value of ``method``/``mthd`` in the reply to a LIST_SUBSCRIPTIONS request (SPEC §2.1)."""

_COMMON = {"code": "cd", "timestamp": "tms", "stream_type": "st"}

SIMPLE_KEYS: Mapping[type, Mapping[str, str]] = MappingProxyType(
    {
        # SPEC §3.1; ``trade_date`` is ``tdt`` here (yyyyMMdd).
        Ticker: {
            **_COMMON,
            "opening_price": "op",
            "high_price": "hp",
            "low_price": "lp",
            "trade_price": "tp",
            "prev_closing_price": "pcp",
            "change": "c",
            "change_price": "cp",
            "signed_change_price": "scp",
            "change_rate": "cr",
            "signed_change_rate": "scr",
            "trade_volume": "tv",
            "acc_trade_volume": "atv",
            "acc_trade_volume_24h": "atv24h",
            "acc_trade_price": "atp",
            "acc_trade_price_24h": "atp24h",
            "trade_date": "tdt",
            "trade_time": "ttm",
            "trade_timestamp": "ttms",
            "ask_bid": "ab",
            "acc_ask_volume": "aav",
            "acc_bid_volume": "abv",
            "highest_52_week_price": "h52wp",
            "highest_52_week_date": "h52wdt",
            "lowest_52_week_price": "l52wp",
            "lowest_52_week_date": "l52wdt",
            "market_state": "ms",
            "is_trading_suspended": "its",
            "delisting_date": "dd",
            "market_warning": "mw",
        },
        # SPEC §3.2; ``trade_date`` is ``td`` here (yyyy-MM-dd).
        Trade: {
            **_COMMON,
            "trade_price": "tp",
            "trade_volume": "tv",
            "ask_bid": "ab",
            "prev_closing_price": "pcp",
            "change": "c",
            "change_price": "cp",
            "trade_date": "td",
            "trade_time": "ttm",
            "trade_timestamp": "ttms",
            "sequential_id": "sid",
            "best_ask_price": "bap",
            "best_ask_size": "bas",
            "best_bid_price": "bbp",
            "best_bid_size": "bbs",
        },
        # SPEC §3.3: the ``obu`` entries; ``ap`` is the ASK price here.
        OrderbookUnit: {"ask_price": "ap", "bid_price": "bp", "ask_size": "as", "bid_size": "bs"},
        Orderbook: {
            **_COMMON,
            "total_ask_size": "tas",
            "total_bid_size": "tbs",
            "orderbook_units": "obu",
            "level": "lv",
        },
        # SPEC §3.4; ``interval`` is not a key: it is read from ``type``/``ty`` (``candle.1m``).
        Candle: {
            **_COMMON,
            "candle_date_time_utc": "cdttmu",
            "candle_date_time_kst": "cdttmk",
            "opening_price": "op",
            "high_price": "hp",
            "low_price": "lp",
            "trade_price": "tp",
            "candle_acc_trade_volume": "catv",
            "candle_acc_trade_price": "catp",
        },
        # SPEC §3.5; ``ap`` is the AVERAGE price here, ``l`` is locked.
        MyOrder: {
            **_COMMON,
            "uuid": "uid",
            "ask_bid": "ab",
            "order_type": "ot",
            "state": "s",
            "trade_uuid": "tuid",
            "price": "p",
            "avg_price": "ap",
            "volume": "v",
            "remaining_volume": "rv",
            "executed_volume": "ev",
            "trades_count": "tc",
            "reserved_fee": "rsf",
            "remaining_fee": "rmf",
            "paid_fee": "pf",
            "locked": "l",
            "executed_funds": "ef",
            "time_in_force": "tif",
            "trade_fee": "tf",
            "is_maker": "im",
            "identifier": "id",
            "smp_type": "smpt",
            "prevented_volume": "pv",
            "prevented_locked": "pl",
            "trade_timestamp": "ttms",
            "order_timestamp": "otms",
        },
        # SPEC §3.6: the ``ast`` entries.
        AssetBalance: {"currency": "cu", "balance": "b", "locked": "l"},
        MyAsset: {
            "timestamp": "tms",
            "stream_type": "st",
            "asset_uuid": "astuid",
            "assets": "ast",
            "asset_timestamp": "asttms",
        },
        # SPEC §2.1: ``rslt.ty``, ``rslt.cds``, ``rslt.lv``.
        ListedSubscription: {"type": "ty", "codes": "cds", "level": "lv"},
        SubscriptionListing: {"result": "rslt", "ticket": "tckt"},
    }
)
"""Message class -> {attribute (= DEFAULT key): SIMPLE key}."""

EVENT_TYPES: Mapping[str, type] = MappingProxyType(
    {
        DataType.TICKER.value: Ticker,
        DataType.TRADE.value: Trade,
        DataType.ORDERBOOK.value: Orderbook,
        **{t.value: Candle for t in sorted(CANDLE_TYPES)},
        DataType.MY_ORDER.value: MyOrder,
        DataType.MY_ASSET.value: MyAsset,
    }
)
"""Wire ``type`` value (the same in DEFAULT and SIMPLE) -> event class."""

LABELS: Mapping[type, str] = MappingProxyType(
    {
        Ticker: "ticker",
        Trade: "trade",
        Orderbook: "orderbook",
        Candle: "candle",
        MyOrder: "myOrder",
        MyAsset: "myAsset",
        SubscriptionListing: "LIST_SUBSCRIPTIONS",
    }
)
"""Class -> the name decode reasons start with (``ticker.trade_price: …``)."""

LEGACY_KEYS: Mapping[type, Mapping[str, str]] = MappingProxyType(
    {Ticker: {"trade_status": "ts", "market_state_for_ios": "msfi"}}
)
"""Keys Upbit sent as ``null`` in 2020-2021 frames (SPEC §3.1); read by nobody, tolerated."""
