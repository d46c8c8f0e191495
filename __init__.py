"""upbit-actors: a market-data and private-event hub for trading bots on Upbit's WebSocket.

This file is the package's public face: everything a bot needs, importable from one place::

    from upbit_actors import Component, DataType, Hub, HubConfig

Names are loaded on first use (``decode`` and the simulator do not pay for Thespian).
Everything not listed in ``__all__`` is an implementation detail that may move.

The repository root is the package ``upbit_actors`` (setup.cfg maps it): ``actors/`` holds the
actor shells, ``messages/`` the typed vocabulary, ``system/`` the decisions, the wire and the
Thespian runtime, ``tools/`` the commands, the simulator and the benchmarks.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS: dict[str, str] = {
    # embedding: the tree, components, plain-Python streams
    "Hub": "upbit_actors.actors.tree",
    "Component": "upbit_actors.actors.component",
    "EventStream": "upbit_actors.system.embed.streams",
    "AsyncHub": "upbit_actors.system.embed.aio",
    "AsyncStream": "upbit_actors.system.embed.aio",
    "query_status": "upbit_actors.system.embed.attach",
    # settings and keys
    "HubConfig": "upbit_actors.messages.lifecycle",
    "Credentials": "upbit_actors.messages.auth",
    "load_credentials": "upbit_actors.system.jwt.credentials",
    "read_key_file": "upbit_actors.system.jwt.credentials",
    # the vocabulary a handler sees
    "DataType": "upbit_actors.messages.common",
    "CandleInterval": "upbit_actors.messages.common",
    "Endpoint": "upbit_actors.messages.common",
    "StreamType": "upbit_actors.messages.common",
    "AskBid": "upbit_actors.messages.common",
    "Change": "upbit_actors.messages.common",
    "OrderType": "upbit_actors.messages.common",
    "OrderState": "upbit_actors.messages.common",
    "WireFormat": "upbit_actors.messages.common",
    "Ticker": "upbit_actors.messages.market",
    "Trade": "upbit_actors.messages.market",
    "Orderbook": "upbit_actors.messages.market",
    "OrderbookUnit": "upbit_actors.messages.market",
    "Candle": "upbit_actors.messages.market",
    "MyOrder": "upbit_actors.messages.private",
    "MyAsset": "upbit_actors.messages.private",
    "EventBatch": "upbit_actors.messages.connection",
    "StreamAlert": "upbit_actors.messages.connection",
    "SubscriptionRejected": "upbit_actors.messages.subscription",
    "UpbitError": "upbit_actors.messages.server",
    "AuthFailed": "upbit_actors.messages.auth",
    "ActorCrashed": "upbit_actors.messages.lifecycle",
    "SystemStatus": "upbit_actors.messages.admin",
    "ActorStatus": "upbit_actors.messages.admin",
    # errors (the whole tree is in upbit_actors.system.errors)
    "UpbitActorsError": "upbit_actors.system.errors",
    "ConfigError": "upbit_actors.system.errors",
    "CredentialsError": "upbit_actors.system.errors",
    "HubError": "upbit_actors.system.errors",
    "RequestError": "upbit_actors.system.errors",
    "StaleSystemError": "upbit_actors.system.errors",
}

_OPTIONAL_EXPORTS: dict[str, str] = {
    # need an optional extra: importable from here once it is installed, left out of __all__ so
    # that ``from upbit_actors import *`` never needs it
    "QtFeed": "upbit_actors.system.embed.qt",  # the ``qt`` extra (PySide6)
}

__all__ = sorted(_EXPORTS)
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name) or _OPTIONAL_EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'upbit_actors' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
