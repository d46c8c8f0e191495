"""The control operations, shared by the Python API and the HTTP control API.

Every operation is a coroutine that runs on the simulator's event loop and returns JSON-able
data. :data:`OPERATIONS` maps the HTTP endpoint names to them.
"""

from __future__ import annotations

import time
from typing import Any

from upbit_actors.tools.sim import errors
from upbit_actors.tools.sim.market import MarketModel
from upbit_actors.tools.sim.pacer import Pacer
from upbit_actors.tools.sim.private import Accounts
from upbit_actors.tools.sim.routes import describe
from upbit_actors.tools.sim.server import WebSocketSide
from upbit_actors.tools.sim.stats import ConnectionRecord

__all__ = ["GARBAGE", "Operations"]

GARBAGE = b"\x00\xffnot json \x80\xfe{"
"""The garbage fault's frame: BINARY, not UTF-8, not JSON."""


class Operations:
    """Control operations over one :class:`WebSocketSide`."""

    def __init__(self, side: WebSocketSide) -> None:
        self.side = side
        self.urls: dict[str, Any] = {}
        """Filled in by the simulator once the ports are known."""

    async def stats(self) -> dict[str, Any]:
        side = self.side
        out = side.stats.snapshot()
        out["faults"] = side.faults.snapshot(time.time())
        out["market"] = {
            "rate": side.hub.pacer.rate, "events": side.market.events, "codes": len(side.directory.codes),
            "forgiven": side.hub.pacer.forgiven,
        }
        out["urls"] = self.urls
        return out

    async def drop_all(self) -> dict[str, Any]:
        """Abort every connection: no close frame (clients see 1006)."""
        count = 0
        for conn in list(self.side.hub.connections.values()):
            conn.close_reason, conn.closing = "dropped", True
            conn.ws.transport.abort()
            count += 1
        return {"dropped": count}

    async def stall_data(self, seconds: float) -> dict[str, Any]:
        """Send nothing for ``seconds`` (pongs still answered)."""
        self.side.faults.stall_data(time.time(), float(seconds))
        return {"stall_data": float(seconds)}

    async def stall_all(self, seconds: float) -> dict[str, Any]:
        """Read and send nothing for ``seconds``: pings go unanswered."""
        self.side.faults.stall_all(time.time(), float(seconds))
        return {"stall_all": float(seconds)}

    async def send_garbage(self) -> dict[str, Any]:
        """One non-JSON BINARY frame to every connection."""
        count = 0
        for conn in list(self.side.hub.connections.values()):
            if not conn.closing:
                self.side.hub.send_raw(conn, GARBAGE, "garbage")
                count += 1
        return {"sent": count}

    async def send_error_and_close(self, name: str = errors.INVALID_PARAM) -> dict[str, Any]:
        """Error frame ``name`` (with the server's message) then close 1000, on every connection."""
        key = "empty_codes" if name == errors.INVALID_PARAM else name
        message = errors.error_message(key, self.side.config.language)
        count = 0
        for conn in list(self.side.hub.connections.values()):
            if not conn.closing:
                self.side.send_error(conn, name, message)
                count += 1
        return {"sent": count}

    async def refuse_handshakes(self, seconds: float, status: int = 503) -> dict[str, Any]:
        self.side.faults.refuse(time.time(), float(seconds), int(status))
        return {"refuse_handshakes": float(seconds), "status": int(status)}

    async def slow_handshakes(self, seconds: float, delay: float) -> dict[str, Any]:
        self.side.faults.slow(time.time(), float(seconds), float(delay))
        return {"slow_handshakes": float(seconds), "delay": float(delay)}

    async def drop_live_code(self, code: str, conn: int | None = None) -> dict[str, Any]:
        """Fault: the server silently loses ``code`` from the live set of every open connection
        (or of connection ``conn``): no frame, no error, no more data for it, and LIST_SUBSCRIPTIONS
        no longer lists it, until the client sends its set again."""
        hub = self.side.hub
        dropped = [c.id for c in list(hub.connections.values())
                   if (conn is None or c.id == int(conn)) and not c.closing and hub.forget(c, str(code))]
        return {"dropped_from": dropped}

    async def set_rate(self, rate: float) -> dict[str, Any]:
        """Change the market's total frame rate from now on."""
        self.side.hub.pacer.set_rate(float(rate), time.time())
        return {"rate": float(rate)}

    def _market_price(self, code: str, side: str) -> float:
        state = self.side.market.states.get(code)
        if state is None:
            return 0.0
        ask, _, bid, _ = state.book.best()
        inst = state.instrument
        return round((ask if side == "BID" else bid) * inst.tick, inst.decimals)

    async def place_order(self, access_key: str, code: str, side: str, ord_type: str,
                          price: float | None = None,
                          volume: float | None = None, identifier: str | None = None,
                          time_in_force: str | None = None) -> dict[str, Any]:
        order, events = self.side.accounts.place(access_key, code, side, ord_type, price, volume,
                                                 int(time.time() * 1000), identifier, time_in_force)
        self.side.hub.deliver(events)
        return {"uuid": order.uuid}

    async def fill_order(self, uuid: str, volume: float | None = None) -> dict[str, Any]:
        order = self.side.accounts.orders[uuid]
        price = self._market_price(order.code, order.side) or (order.price or 0.0)
        events = self.side.accounts.fill(uuid, price, int(time.time() * 1000), volume)
        self.side.hub.deliver(events)
        return {"uuid": uuid, "state": order.state, "executed_volume": order.executed}

    async def cancel_order(self, uuid: str) -> dict[str, Any]:
        events = self.side.accounts.cancel(uuid, int(time.time() * 1000))
        self.side.hub.deliver(events)
        return {"uuid": uuid, "state": self.side.accounts.orders[uuid].state}

    async def set_balance(
        self, access_key: str, currency: str, balance: float, locked: float = 0.0
    ) -> dict[str, Any]:
        now_ms = int(time.time() * 1000)
        events = self.side.accounts.set_balance(access_key, currency, balance, locked, now_ms)
        self.side.hub.deliver(events)
        return {"currency": currency, "balance": float(balance), "locked": float(locked)}

    async def reset(self, market: bool = False) -> dict[str, Any]:
        """Forget stats, faults, limits, nonces, orders and balances; keep open connections.

        ``market=True`` also restarts the market from its seed.
        """
        side = self.side
        now = time.time()
        side.stats.reset()
        side.faults.reset()
        side.limiter.reset()
        side.rest.reset()
        side.nonces.clear()
        side.accounts = Accounts(side.config.seed, side.config.fee_rate)
        if market:
            cfg = side.config
            side.market = MarketModel(side.directory, cfg.seed, int(now * 1000), cfg.trade_share)
            side.hub.market = side.market
            side.hub.pacer = Pacer(side.hub.pacer.rate, now)
        for conn in side.hub.connections.values():
            conn.limits.reset()
            record = ConnectionRecord(conn.id, "private" if conn.private else "public", conn.remote, now,
                                      conn.access_key, conn.access_key is not None, format=conn.format,
                                      subscriptions=describe([conn.request]) if conn.request else [])
            side.stats.connections[conn.id] = record
        return {"reset": True, "market": market}

    async def trade_record(self, code: str) -> list[list[int]]:
        """[trade_timestamp, sequential_id] of the newest trades of ``code`` stepped (streamed or
        not), oldest first: what ``GET /v1/trades/ticks`` serves."""
        state = self.side.market.states.get(code)
        return [] if state is None else [[t[0], t[1]] for t in state.record]

    async def market_all(self, details: bool = False) -> list[dict[str, Any]]:
        """REST ``GET /v1/market/all`` body, so REST-first clients (ccxt) need no network."""
        return self.side.directory.market_all(details)
