"""Pure private-account model: orders and balances that produce myOrder and myAsset frames.

Driven by the control API (place / fill / cancel an order, set a balance); every change returns
the frames to deliver, each tagged with its access key. Field sets and key order copy
``myorder_default_official.json`` and ``myasset_default_official.json`` (SPEC §3.5-3.6). Times and
fill prices are arguments; uuids come from a seeded RNG, so runs repeat.
"""

from __future__ import annotations

import dataclasses
import random
import uuid
from typing import Any

from upbit_actors.system.errors import SimRequestError

__all__ = ["Accounts", "Order", "PrivateEvent"]

_SIDES = {"bid": "BID", "buy": "BID", "ask": "ASK", "sell": "ASK"}
_ORDER_TYPES = ("limit", "price", "market", "best")


@dataclasses.dataclass(frozen=True)
class PrivateEvent:
    """One frame for the connections of one access key."""

    access_key: str
    frame: dict[str, Any]


@dataclasses.dataclass
class Order:
    """A live or finished order and its running totals."""

    uuid: str
    access_key: str
    code: str
    side: str
    """``BID`` or ``ASK``."""
    ord_type: str
    price: float | None
    """Limit price; for ``price``/``best`` bids the amount to spend."""
    volume: float | None
    identifier: str | None
    time_in_force: str | None
    order_timestamp: int
    state: str = "wait"
    remaining: float | None = None
    executed: float = 0.0
    funds: float = 0.0
    trades: int = 0
    reserved_fee: float = 0.0
    paid_fee: float = 0.0
    locked: float = 0.0

    @property
    def quote(self) -> str:
        return self.code.partition("-")[0]

    @property
    def base(self) -> str:
        return self.code.partition("-")[2]


class Accounts:
    """Balances per access key and every order, keyed by uuid."""

    def __init__(self, seed: int, fee_rate: float = 0.0005) -> None:
        self.rng = random.Random(f"private:{seed}")
        self.fee_rate = fee_rate
        self.orders: dict[str, Order] = {}
        self.balances: dict[str, dict[str, list[float]]] = {}
        """access key -> currency -> [balance, locked]."""

    def new_uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def _wallet(self, access_key: str, currency: str) -> list[float]:
        return self.balances.setdefault(access_key, {}).setdefault(currency, [0.0, 0.0])

    def set_balance(
        self, access_key: str, currency: str, balance: float, locked: float, now_ms: int
    ) -> list[PrivateEvent]:
        """Set one currency's balance; returns its myAsset event."""
        wallet = self._wallet(access_key, currency)
        wallet[0], wallet[1] = float(balance), float(locked)
        return [self._asset(access_key, (currency,), now_ms)]

    def place(self, access_key: str, code: str, side: str, ord_type: str, price: float | None,
              volume: float | None, now_ms: int, identifier: str | None = None,
              time_in_force: str | None = None) -> tuple[Order, list[PrivateEvent]]:
        """A new order in state ``wait``: locks funds, emits myOrder then myAsset."""
        side_code = _SIDES.get(side.lower() if isinstance(side, str) else side)
        if side_code is None or ord_type not in _ORDER_TYPES:
            raise SimRequestError(f"bad side or ord_type: {side!r}, {ord_type!r}")
        order = Order(self.new_uuid(), access_key, code, side_code, ord_type,
                      None if price is None else float(price), None if volume is None else float(volume),
                      identifier, time_in_force, now_ms)
        if side_code == "BID":
            amount = order.price * (order.volume if order.volume is not None else 1.0)
            order.reserved_fee = amount * self.fee_rate
            order.locked = amount + order.reserved_fee
            order.remaining = order.volume
            currency = order.quote
        else:
            order.locked = order.volume or 0.0
            order.remaining = order.volume
            currency = order.base
        wallet = self._wallet(access_key, currency)
        wallet[0] -= order.locked
        wallet[1] += order.locked
        self.orders[order.uuid] = order
        return order, [self._order(order, now_ms), self._asset(access_key, (currency,), now_ms)]

    def fill(
        self, order_uuid: str, market_price: float, now_ms: int, volume: float | None = None
    ) -> list[PrivateEvent]:
        """Fill some or all of an order: a ``trade`` event, then ``done`` if nothing remains."""
        order = self.orders[order_uuid]
        if order.state not in ("wait", "watch"):
            raise SimRequestError(f"order {order_uuid} is {order.state}")
        price = order.price if order.ord_type == "limit" else market_price
        if order.remaining is None:  # a "price" / "best" bid spends an amount, not a volume
            left = order.price - order.funds
            qty = volume if volume is not None else left / price
            qty = min(qty, left / price)
        else:
            qty = min(volume if volume is not None else order.remaining, order.remaining)
        qty = round(qty, 8)
        funds = price * qty
        fee = funds * self.fee_rate
        order.executed = round(order.executed + qty, 8)
        order.funds += funds
        order.trades += 1
        order.paid_fee += fee
        if order.remaining is not None:
            order.remaining = round(order.remaining - qty, 8)
        quote, base = self._wallet(order.access_key, order.quote), self._wallet(order.access_key, order.base)
        if order.side == "BID":
            order.locked -= funds + fee
            quote[1] -= funds + fee
            base[0] += qty
        else:
            order.locked -= qty
            base[1] -= qty
            quote[0] += funds - fee
        trade = {"trade_uuid": self.new_uuid(), "price": price, "volume": qty, "trade_fee": fee,
                 "is_maker": order.ord_type == "limit", "trade_timestamp": now_ms}
        events = [self._order(order, now_ms, state="trade", trade=trade)]
        finished = (order.remaining is not None and order.remaining <= 0) or (
            order.remaining is None and order.price - order.funds <= price * 1e-8)
        if finished:
            events.extend(self._finish(order, "done", now_ms))
        events.append(self._asset(order.access_key, (order.quote, order.base), now_ms))
        return events

    def cancel(self, order_uuid: str, now_ms: int) -> list[PrivateEvent]:
        """Cancel what remains: a ``cancel`` event and the unlocked balance."""
        order = self.orders[order_uuid]
        if order.state not in ("wait", "watch"):
            raise SimRequestError(f"order {order_uuid} is {order.state}")
        currency = order.quote if order.side == "BID" else order.base
        return [*self._finish(order, "cancel", now_ms), self._asset(order.access_key, (currency,), now_ms)]

    def _finish(self, order: Order, state: str, now_ms: int) -> list[PrivateEvent]:
        wallet = self._wallet(order.access_key, order.quote if order.side == "BID" else order.base)
        wallet[0] += order.locked
        wallet[1] -= order.locked
        order.locked = 0.0
        order.state = state
        return [self._order(order, now_ms)]

    def _order(self, order: Order, now_ms: int, state: str | None = None,
               trade: dict[str, Any] | None = None) -> PrivateEvent:
        """myOrder frame; for ``trade`` price and volume are the fill's (SPEC §3.5)."""
        t = trade or {}
        avg = order.funds / order.executed if order.executed else 0.0
        remaining_fee = max(0.0, order.reserved_fee - order.paid_fee)
        frame = {
            "type": "myOrder",
            "code": order.code,
            "uuid": order.uuid,
            "ask_bid": order.side,
            "order_type": order.ord_type,
            "state": state or order.state,
            "trade_uuid": t.get("trade_uuid"),
            "price": t.get("price", order.price),
            "avg_price": avg,
            "volume": t.get("volume", order.volume),
            "remaining_volume": order.remaining,
            "executed_volume": order.executed,
            "trades_count": order.trades,
            "reserved_fee": order.reserved_fee,
            "remaining_fee": remaining_fee,
            "paid_fee": order.paid_fee,
            "locked": max(0.0, order.locked),
            "executed_funds": order.funds,
            "time_in_force": order.time_in_force,
            "trade_fee": t.get("trade_fee"),
            "is_maker": t.get("is_maker"),
            "identifier": order.identifier,
            "smp_type": None,
            "prevented_volume": 0.0,
            "prevented_locked": 0.0,  # SPEC §3.5 [WIRE]: 0 when SMP is unused
            "trade_timestamp": t.get("trade_timestamp"),
            "order_timestamp": order.order_timestamp,
            "timestamp": now_ms,
            "stream_type": "REALTIME",
        }
        return PrivateEvent(order.access_key, frame)

    def _asset(self, access_key: str, currencies: tuple[str, ...], now_ms: int) -> PrivateEvent:
        """myAsset frame listing the changed currencies (SPEC §3.6)."""
        wallets = self.balances.get(access_key, {})
        assets = [{"currency": c, "balance": wallets[c][0], "locked": wallets[c][1]}
                  for c in dict.fromkeys(currencies) if c in wallets]
        frame = {
            "type": "myAsset",
            "asset_uuid": self.new_uuid(),
            "assets": assets,
            "asset_timestamp": now_ms,
            "timestamp": now_ms + 8,  # sample: the frame leaves a few ms after the change
            "stream_type": "REALTIME",
        }
        return PrivateEvent(access_key, frame)
