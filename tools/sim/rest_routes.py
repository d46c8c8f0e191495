"""The simulator's REST endpoints: one :class:`tools.sim.rest.RestRoute` per line.

Add an endpoint by writing its handler in a module of its own and one line here (its path, its
rate-limit group of SPEC §5, the handler). ``server.WebSocketSide`` serves this table.
"""

from __future__ import annotations

from upbit_actors.tools.sim.rest import RestRoute, market_all
from upbit_actors.tools.sim.rest_trades import trades_ticks

__all__ = ["ROUTES"]

ROUTES: tuple[RestRoute, ...] = (
    RestRoute("/v1/market/all", "market", market_all),
    RestRoute("/v1/trades/ticks", "trade", trades_ticks),
)
"""Every REST endpoint the simulator serves."""
