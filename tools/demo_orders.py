"""The private side of ``upbit-actors demo``: orders and balances made on the simulator.

``OrderScript`` acts on the simulator's Python API, so that the simulator sends myOrder and
myAsset frames to the private socket of the actor tree; ``private_ready`` says when there is such
a socket to send them to, and ``last_prices`` where the market is, so the orders sit near it.
"""

from __future__ import annotations

from typing import Any

from upbit_actors.messages import SystemStatus
from upbit_actors.tools.demo_screen import details_by_role, number
from upbit_actors.tools.sim import Simulator
from upbit_actors.tools.sim.markets import krw_tick

__all__ = ["OrderScript", "last_prices", "private_ready"]


class OrderScript:
    """Drives the simulator's private side, one action per ``step``, in a fixed cycle:
    fund the account and place a limit bid, fill part of it, fill the rest, place a limit ask,
    cancel it. Each action makes the simulator send myOrder and/or myAsset frames to our private socket."""

    FALLBACK_PRICES = {"KRW-BTC": 142_000_000.0, "KRW-ETH": 5_000_000.0}
    """Used until the ticker board has a price."""

    def __init__(self, sim: Simulator, access_key: str) -> None:
        self._sim = sim
        self._key = access_key  # never printed
        self._step = 0
        self._uuid: str | None = None
        self.log: list[str] = []
        """The last few actions, for the screen."""

    def step(self, prices: dict[str, float]) -> None:
        """Do the next action; ``prices`` (code -> last price) place the limit orders near the market."""
        try:
            note = self._act(self._step % 5, prices)
        except Exception as exc:  # a demo goes on; the screen says what failed (never the keys)
            note = f"step {self._step % 5} failed: {type(exc).__name__}"
        self._step += 1
        self.log = [*self.log[-2:], note]

    def _act(self, stage: int, prices: dict[str, float]) -> str:
        sim, key = self._sim, self._key
        if stage == 0:
            sim.set_balance(key, "KRW", 10_000_000.0)
            sim.set_balance(key, "ETH", 2.0)
            price = self._price(prices, "KRW-BTC", 0.995)
            self._uuid = sim.place_order(key, "KRW-BTC", "bid", "limit", price=price, volume=0.01)
            return f"set KRW 10,000,000 and ETH 2; placed limit bid KRW-BTC 0.01 @ {number(price)}"
        if stage == 1:
            sim.fill_order(self._uuid, volume=0.004)
            return "filled 0.004 of the bid"
        if stage == 2:
            sim.fill_order(self._uuid)
            return "filled the rest of the bid"
        if stage == 3:
            price = self._price(prices, "KRW-ETH", 1.02)
            self._uuid = sim.place_order(key, "KRW-ETH", "ask", "limit", price=price, volume=0.5)
            return f"placed limit ask KRW-ETH 0.5 @ {number(price)}"
        sim.cancel_order(self._uuid)
        return "cancelled the ask"

    def _price(self, prices: dict[str, float], code: str, factor: float) -> float:
        """``factor`` times the last price, on Upbit's KRW tick grid."""
        raw = (prices.get(code) or self.FALLBACK_PRICES[code]) * factor
        tick = krw_tick(raw)
        return round(raw / tick) * tick


def last_prices(status: SystemStatus | None) -> dict[str, float]:
    """code -> last price seen by the trade tape or the ticker board."""
    details = details_by_role(status)
    prices = {t["code"]: t["price"] for t in reversed(details.get("component:tape", {}).get("tape", ()))}
    prices.update((c, r["price"]) for c, r in details.get("component:board", {}).get("rows", {}).items())
    return prices


def private_ready(stats: dict[str, Any]) -> bool:
    """True once the simulator holds a private socket subscribed to myOrder and myAsset:
    before that, the simulator would have nobody to send the events to."""
    for conn in stats.get("connections", ()):
        if conn.get("path") == "private" and conn.get("closed") is None:
            types = {s.get("type") for s in conn.get("subscriptions") or ()}
            if {"myOrder", "myAsset"} <= types:
                return True
    return False

