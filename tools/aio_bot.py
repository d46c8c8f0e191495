"""Example: a bot written in asyncio on the hub (``python -m upbit_actors.tools.aio_bot``).

::

    python -m upbit_actors.tools.aio_bot --sim --duration 10          # the bundled simulator
    python -m upbit_actors.tools.aio_bot --sim --uvloop               # the same on uvloop
    python -m upbit_actors.tools.aio_bot --codes KRW-BTC,KRW-ETH      # Upbit (or UPBIT_PUBLIC_URL)

Three tasks share one Upbit connection: ``watch_trades`` keeps a volume-weighted average price of
the last trades of each code and says when a trade is far from it; ``watch_tickers`` keeps the
last price of every code; and an example component (``TickerBoard``, an actor of its own) runs
beside them. Alerts (connection lost and restored) arrive on the loop through ``on_alert`` and
pause the strategy while the link is down. At the end (``--duration`` or Ctrl-C) the tasks are
cancelled, which releases their subscriptions, and the hub stops: no process is left.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import sys
from collections.abc import Sequence

from upbit_actors.actors.examples import TickerBoard
from upbit_actors.actors.tree import Hub
from upbit_actors.messages import DataType, HubConfig, StreamAlert
from upbit_actors.system.embed.aio import AsyncHub
from upbit_actors.tools.sim import SimConfig, Simulator

__all__ = ["main", "run"]

CODES = ("KRW-BTC", "KRW-ETH", "KRW-XRP")
WINDOW = 50
"""Trades per code in the moving average."""
FAR = 0.001
"""A trade this far (relative) from its code's average is reported."""


async def watch_trades(hub: AsyncHub, codes: Sequence[str], link_up: asyncio.Event) -> None:
    recent: dict[str, collections.deque] = collections.defaultdict(lambda: collections.deque(maxlen=WINDOW))
    async for batch in hub.stream(DataType.TRADE, codes, on_alert=lambda a: _link(a, link_up)).batches():
        for trade in batch:  # a batch: what arrived while the loop was busy elsewhere
            window = recent[trade.code]
            window.append((trade.trade_price, trade.trade_volume))
            volume = sum(v for _, v in window)
            vwap = sum(p * v for p, v in window) / volume if volume else trade.trade_price
            if link_up.is_set() and len(window) == WINDOW and abs(trade.trade_price / vwap - 1) > FAR:
                print(f"trade  {trade.code} {trade.trade_price:,.2f} vs vwap {vwap:,.2f}")


async def watch_tickers(hub: AsyncHub, codes: Sequence[str], last: dict[str, float]) -> None:
    async with hub.stream(DataType.TICKER, codes) as tickers:
        async for ticker in tickers:
            last[ticker.code] = ticker.trade_price


def _link(alert: StreamAlert, link_up: asyncio.Event) -> None:
    """``on_alert`` runs on the loop: it may touch loop objects directly."""
    print(f"alert  {alert.kind} {alert.detail}")
    if alert.kind == "connection_lost":
        link_up.clear()
    elif alert.kind == "connection_restored":
        link_up.set()


async def run(config: HubConfig, codes: Sequence[str], duration: float | None) -> dict[str, float]:
    last: dict[str, float] = {}
    link_up = asyncio.Event()
    link_up.set()
    async with AsyncHub(Hub(config)) as hub:
        await hub.spawn(TickerBoard, "board", codes=list(codes))
        tasks = [asyncio.create_task(watch_trades(hub, codes, link_up)),
                 asyncio.create_task(watch_tickers(hub, codes, last))]
        try:
            await asyncio.wait(tasks, timeout=duration)
        finally:
            for task in tasks:  # cancelling a task releases its stream's subscription
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        board = next(a for a in (await hub.status()).actors if a.role == "component:board")
        print("board ", dict(board.details).get("rows", {}))
    print("last  ", {code: f"{price:,.2f}" for code, price in sorted(last.items())})
    return last


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m upbit_actors.tools.aio_bot",
                                     description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sim", action="store_true", help="run the bundled simulator and use it")
    parser.add_argument("--codes", default=",".join(CODES), help="comma-separated markets")
    parser.add_argument("--duration", type=float, default=None, help="seconds (default: Ctrl-C)")
    parser.add_argument("--uvloop", action="store_true", help="run on uvloop (the aio extra)")
    args = parser.parse_args(argv)
    codes = [c.strip() for c in args.codes.split(",") if c.strip()]
    loop_factory = None
    if args.uvloop:
        import uvloop  # the aio extra

        loop_factory = uvloop.new_event_loop
    with contextlib.ExitStack() as stack:
        config = HubConfig.from_env()
        if args.sim:
            sim = stack.enter_context(Simulator(SimConfig(rate=300, markets=codes)))
            config = HubConfig(public_url=sim.public_url)
        with asyncio.Runner(loop_factory=loop_factory) as runner:
            try:
                runner.run(run(config, codes, args.duration))
            except KeyboardInterrupt:  # the Runner cancelled main; the hub stopped on the way out
                return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
