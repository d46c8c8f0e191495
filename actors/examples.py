"""Example components: small, complete ``Component`` subclasses to copy from (``upbit-actors demo``).

Each one shows one thing a bot's component does, and keeps its current *view* (what a screen
would show) in plain data that ``status_details`` reports: the demo polls ``Hub.status()`` and
prints those views, and ``upbit-actors status`` shows them too. Components are actors: each runs
in its own process, so its state is reached through messages (here: the status report), never
through attributes read from outside.

=====================  ================================================================
class                  shows how to
=====================  ================================================================
``TickerBoard``        subscribe per code, and change the subscription on a timer
``OrderbookWatcher``   read the best levels of an orderbook; switch to another code
``TradeTape``          keep a bounded history (a ``deque`` with ``maxlen``)
``OrderTracker``       follow private events: ``myOrder`` (all markets) and ``myAsset``
=====================  ================================================================

Spawn them by class or by path, with their parameters as keywords::

    hub.spawn(TickerBoard, "board", codes=["KRW-BTC"], pool=["KRW-ETH"], every=5)

Why subscribe one code per call: ``unsubscribe`` removes exactly a stream that ``subscribe`` asked
for (same type, codes and options), so a component that will drop codes one at a time asks for
them one at a time. The registry merges everything into one request per connection anyway.
"""

from __future__ import annotations

from collections import deque

from upbit_actors.actors.component import Component
from upbit_actors.messages import DataType

__all__ = ["OrderTracker", "OrderbookWatcher", "TickerBoard", "TradeTape"]


class TickerBoard(Component):
    """Latest price and change of a few codes; every ``every`` seconds it rotates one code out
    and one code in, so the merged subscription on the wire changes while data flows.

    Parameters: ``codes`` shown at start, ``pool`` codes waiting to come in, ``every`` seconds
    between rotations (0: never rotate).
    """

    def __init__(self) -> None:
        super().__init__()
        self.codes: list[str] = []
        """Codes on the board now, oldest first."""
        self.pool: deque[str] = deque()
        self.rows: dict[str, dict] = {}
        """code -> latest figures."""
        self.changes: list[str] = []
        """Subscription changes made, e.g. ``"+KRW-SOL -KRW-BTC"``; the last few are kept."""
        self.change_count = 0

    def on_start(self) -> None:
        self.codes = list(self.params.get("codes", ["KRW-BTC", "KRW-ETH"]))
        self.pool = deque(self.params.get("pool", ()))
        for code in self.codes:
            self.subscribe(DataType.TICKER, [code])
        if self.params.get("every", 0) > 0 and self.pool:
            self.schedule(self.params["every"], "rotate")  # timers, never sleep: on_tick below

    def on_tick(self, purpose: str) -> None:
        if purpose != "rotate":
            return
        leaving, coming = self.codes.pop(0), self.pool.popleft()
        self.unsubscribe(DataType.TICKER, [leaving])
        self.subscribe(DataType.TICKER, [coming])
        self.pool.append(leaving)  # it will come back later
        self.codes.append(coming)
        self.rows.pop(leaving, None)
        self.change_count += 1
        self.changes = [*self.changes[-4:], f"+{coming} -{leaving}"]
        self.schedule(self.params["every"], "rotate")

    def on_ticker(self, ticker) -> None:
        # Events already on their way when a code was dropped may still arrive: ignore them.
        if ticker.code not in self.codes:
            return
        self.rows[ticker.code] = {
            "price": ticker.trade_price,
            "change": str(ticker.change),
            "rate": ticker.signed_change_rate,
            "volume": ticker.acc_trade_volume,
            "stream": str(ticker.stream_type),
        }

    def status_details(self) -> dict:
        return {**super().status_details(), "codes": list(self.codes),
                "rows": {code: self.rows[code] for code in self.codes if code in self.rows},
                "changes": list(self.changes), "change_count": self.change_count}


class OrderbookWatcher(Component):
    """Best bid, best ask and spread of one code; every ``switch_every`` seconds it moves to the
    next code of ``codes`` (unsubscribe the old one first: a component asks only for what it shows).
    """

    def __init__(self) -> None:
        super().__init__()
        self.codes: list[str] = []
        self.index = 0
        self.best: dict | None = None
        """Top of the book of the watched code, or None before its first orderbook."""
        self.switches = 0

    @property
    def code(self) -> str:
        return self.codes[self.index]

    def on_start(self) -> None:
        self.codes = list(self.params.get("codes", ["KRW-BTC"]))
        self.subscribe(DataType.ORDERBOOK, [self.code])
        if self.params.get("switch_every", 0) > 0 and len(self.codes) > 1:
            self.schedule(self.params["switch_every"], "switch")

    def on_tick(self, purpose: str) -> None:
        if purpose != "switch":
            return
        self.unsubscribe(DataType.ORDERBOOK, [self.code])
        self.index = (self.index + 1) % len(self.codes)
        self.subscribe(DataType.ORDERBOOK, [self.code])
        self.best = None
        self.switches += 1
        self.schedule(self.params["switch_every"], "switch")

    def on_orderbook(self, book) -> None:
        if book.code != self.code or not book.orderbook_units:
            return
        top = book.orderbook_units[0]  # units are ordered best first (SPEC §3.3)
        self.best = {"bid": top.bid_price, "bid_size": top.bid_size, "ask": top.ask_price,
                     "ask_size": top.ask_size, "spread": top.ask_price - top.bid_price,
                     "levels": len(book.orderbook_units)}

    def status_details(self) -> dict:
        return {**super().status_details(), "code": self.code if self.codes else None,
                "best": self.best, "switches": self.switches}


class TradeTape(Component):
    """The last ``keep`` trades of ``codes``, newest first, and a count per code."""

    def __init__(self) -> None:
        super().__init__()
        self.tape: deque[dict] = deque()
        self.counts: dict[str, int] = {}

    def on_start(self) -> None:
        # A bounded deque drops the oldest entry by itself: bounded state, stated overflow rule.
        self.tape = deque(maxlen=int(self.params.get("keep", 8)))
        self.subscribe(DataType.TRADE, list(self.params.get("codes", ["KRW-BTC"])))

    def on_trade(self, trade) -> None:
        self.counts[trade.code] = self.counts.get(trade.code, 0) + 1
        self.tape.appendleft({"time": trade.trade_time, "code": trade.code,
                              "side": str(trade.ask_bid), "price": trade.trade_price,
                              "volume": trade.trade_volume, "seq": trade.sequential_id})

    def status_details(self) -> dict:
        return {**super().status_details(), "tape": list(self.tape), "counts": dict(self.counts)}


class OrderTracker(Component):
    """The bot's own orders (``myOrder`` on all markets) and balances (``myAsset``).

    Private types travel on the private connection, which the hub opens only when keys are
    configured and a component asks for one of them. Without keys the request is rejected
    (``on_rejected``), and the public side is untouched.
    """

    def __init__(self) -> None:
        super().__init__()
        self.orders: dict[str, dict] = {}
        """uuid -> latest state of that order; the last ``keep`` orders are kept."""
        self.balances: dict[str, dict] = {}
        """currency -> {"balance", "locked"}."""
        self.rejected: list[str] = []
        self.alerts: list[str] = []

    def on_start(self) -> None:
        self.subscribe(DataType.MY_ORDER)  # no codes: every market (SPEC §3.5)
        self.subscribe(DataType.MY_ASSET)  # never with codes: Upbit would close the socket

    def on_my_order(self, order) -> None:
        self.orders.pop(order.uuid, None)  # re-insert: dict order = most recently updated last
        self.orders[order.uuid] = {
            "code": order.code, "side": str(order.ask_bid), "type": str(order.order_type),
            "state": str(order.state), "price": order.price, "volume": order.volume,
            "executed": order.executed_volume, "remaining": order.remaining_volume,
        }
        while len(self.orders) > int(self.params.get("keep", 6)):
            del self.orders[next(iter(self.orders))]

    def on_my_asset(self, asset) -> None:
        for item in asset.assets:  # only the currencies that changed are listed
            self.balances[item.currency] = {"balance": item.balance, "locked": item.locked}

    def on_rejected(self, msg) -> None:
        self.rejected = [*self.rejected[-2:], msg.reason]

    def on_alert(self, msg) -> None:
        self.alerts = [*self.alerts[-2:], str(msg.kind)]

    def status_details(self) -> dict:
        orders = [{"uuid": uuid[:8], **row} for uuid, row in reversed(self.orders.items())]
        return {**super().status_details(), "orders": orders, "balances": dict(self.balances),
                "rejected": list(self.rejected), "alerts": list(self.alerts)}
