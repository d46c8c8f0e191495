"""Typed messages of upbit-actors: frozen attrs classes, one module per protocol.

=====================  =====================================================================
module                 protocol
=====================  =====================================================================
``common``             enums shared by all: data types, formats, sides, states
``market``             public events: Ticker, Trade, Orderbook, Candle
``private``            private events: MyOrder, MyAsset
``server``             non-data server frames and the codec's DecodeError
``subscription``       SetSubscriptions / replies / rejection / merged set / routing table
``connection``         socket lifecycle, frame and event batches, alerts
``gaps``               Gap events and the REST backfill of missed trades
``auth``               keys in, tokens out (secrets hidden from repr)
``rest``               REST calls and their permits, the market list, snapshot checks
``lifecycle``          configuration, directory, supervision, shutdown
``admin``              status requests and reports
``convention``         a member system joins the leader's hub (issue 15)
=====================  =====================================================================

Thespian dispatches ``receiveMsg_<ClassName>`` by the bare class name, so every class name here
is unique (a test checks it). ``MESSAGE_CLASSES`` lists every class.
"""

from __future__ import annotations

from upbit_actors.messages import admin, auth, common, connection, lifecycle, market, private, server, subscription
from upbit_actors.messages import rest
from upbit_actors.messages import gaps
from upbit_actors.messages import convention
from upbit_actors.messages.admin import *  # noqa: F403
from upbit_actors.messages.auth import *  # noqa: F403
from upbit_actors.messages.common import *  # noqa: F403
from upbit_actors.messages.connection import *  # noqa: F403
from upbit_actors.messages.convention import *  # noqa: F403
from upbit_actors.messages.gaps import *  # noqa: F403
from upbit_actors.messages.lifecycle import *  # noqa: F403
from upbit_actors.messages.market import *  # noqa: F403
from upbit_actors.messages.private import *  # noqa: F403
from upbit_actors.messages.rest import *  # noqa: F403
from upbit_actors.messages.server import *  # noqa: F403
from upbit_actors.messages.subscription import *  # noqa: F403

_MODULES = (common, market, private, server, subscription, connection, gaps, rest, auth, lifecycle, admin)
_MODULES += (convention,)

MESSAGE_CLASSES: tuple[type, ...] = tuple(
    obj
    for module in _MODULES
    for name in module.__all__
    if isinstance(obj := getattr(module, name), type) and hasattr(obj, "__attrs_attrs__")
)
"""Every attrs message class, in module order."""

MARKET_EVENT_CLASSES: tuple[type, ...] = (
    market.Ticker,
    market.Trade,
    market.Orderbook,
    market.Candle,
    private.MyOrder,
    private.MyAsset,
)
"""The data events the router delivers to components."""

__all__ = [name for module in _MODULES for name in module.__all__] + [
    "MARKET_EVENT_CLASSES",
    "MESSAGE_CLASSES",
]
