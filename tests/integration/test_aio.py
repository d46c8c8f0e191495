"""The asyncio bridge on real processes: ``AsyncHub`` over a ``Hub`` (multiprocTCPBase) against the
simulator on 127.0.0.1, on the default loop and on uvloop.

Every wait polls a condition with a deadline; from inside a loop the poll runs in the executor
(``until``) so the loop keeps serving the streams meanwhile.
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from tests.paths import REPO
from upbit_actors import AsyncHub
from upbit_actors.actors.tree import Hub
from upbit_actors.messages import DataType, HubConfig, Ticker, Trade
from upbit_actors.system.errors import RequestError
from upbit_actors.system.runtime import processes
from upbit_actors.tools.sim import SimConfig, Simulator

from .helpers import details, wait_for

pytestmark = pytest.mark.slow

CODES = ["KRW-BTC", "KRW-ETH", "KRW-XRP", "KRW-SOL", "KRW-DOGE"]


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    with Simulator(SimConfig(rate=400, markets=CODES, idle_timeout=60.0)) as simulator:
        yield simulator


@pytest.fixture(scope="module")
def hub(sim: Simulator) -> Iterator[Hub]:
    with Hub(HubConfig(public_url=sim.public_url, merge_window=0.1, backoff_initial=0.2)) as hub:
        yield hub


async def until(check, timeout: float = 30.0, what: str = "condition") -> Any:
    return await asyncio.get_running_loop().run_in_executor(
        None, lambda: wait_for(check, timeout, what))


def merged(hub: Hub, data_type: str) -> set[str]:
    """Codes of ``data_type`` in the registry's merged public set."""
    return {code for s in details(hub, "registry")["merged"]["public"]["set"]
            if s["type"] == data_type for code in s["codes"]}


def holders(hub: Hub) -> set[str]:
    return {c["name"] for c in details(hub, "registry")["components"]}


def test_events_arrive_on_the_default_loop(hub: Hub) -> None:
    async def main() -> list[Any]:
        assert type(asyncio.get_running_loop()).__module__.startswith("asyncio")
        got: list[Any] = []
        async with asyncio.timeout(60):
            async with AsyncHub(hub).stream(DataType.TRADE, CODES[:2], name="a-trades") as trades:
                async for trade in trades:
                    got.append(trade)
                    if len(got) == 30:
                        break
            async for ticker in AsyncHub(hub).stream(DataType.TICKER, ["KRW-BTC"]):
                return got + [ticker]

    events = asyncio.run(main())
    assert all(isinstance(t, Trade) and t.code in CODES[:2] for t in events[:-1])
    assert isinstance(events[-1], Ticker) and events[-1].code == "KRW-BTC"
    wait_for(lambda: "a-trades" not in holders(hub), what="the closed stream gone from the registry")


def test_cancelling_a_task_releases_its_subscription(hub: Hub) -> None:
    """Both ways of holding a stream: a bare ``async for`` (the cancellation reaches the stream
    while it waits for events) and ``async with`` (it reaches the body's own await)."""
    async def main() -> None:
        ahub = AsyncHub(hub)
        got: dict[str, int] = {"KRW-SOL": 0, "KRW-DOGE": 0}
        never = asyncio.Event()

        async def bare() -> None:
            async for ticker in ahub.stream(DataType.TICKER, ["KRW-SOL"], name="a-bare"):
                got[ticker.code] += 1

        async def held() -> None:
            async with ahub.stream(DataType.TICKER, ["KRW-DOGE"], name="a-held") as tickers:
                async for ticker in tickers:
                    got[ticker.code] += 1
                    await never.wait()  # cancelled here, in the body

        tasks = [asyncio.create_task(bare()), asyncio.create_task(held())]
        await until(lambda: all(got.values()), what="tickers on both streams")
        await until(lambda: {"KRW-SOL", "KRW-DOGE"} <= merged(hub, "ticker"), what="both merged")
        for task in tasks:
            task.cancel()
        results = await asyncio.gather(*tasks, return_exceptions=True)
        assert all(isinstance(r, asyncio.CancelledError) for r in results)
        await until(lambda: not {"KRW-SOL", "KRW-DOGE"} & merged(hub, "ticker"),
                    what="the merged set without the cancelled streams' codes")
        assert not {"a-bare", "a-held"} & holders(hub)

    asyncio.run(main())


def test_a_slow_consumer_slows_only_its_own_stream(hub: Hub) -> None:
    """One consumer stops reading: its stream's thread waits, the router buffers for it alone
    (with its overflow policy), and another stream of the same hub keeps flowing."""
    async def main() -> None:
        ahub = AsyncHub(hub)
        resume = asyncio.Event()
        counts = {"slow": 0, "fast": 0}

        async def consume(stream, key: str, gate: asyncio.Event | None) -> None:
            async with stream:
                if gate is not None:
                    await gate.wait()
                async for _ in stream:
                    counts[key] += 1

        slow = ahub.stream(DataType.TRADE, CODES, name="a-slow", maxsize=20)
        fast = ahub.stream(DataType.TRADE, CODES, name="a-fast")
        tasks = [asyncio.create_task(consume(slow, "slow", resume)),
                 asyncio.create_task(consume(fast, "fast", None))]
        try:
            def backed_up() -> bool:
                outbox = details(hub, "router").get("components", {}).get("a-slow", {})
                return outbox.get("buffered", 0) > 0 or outbox.get("dropped", 0) > 0

            # Past ``maxsize`` decoded and none read, the slow stream's thread waits in the batch
            # it holds, so it decodes nothing more and sends the router no credit.
            await until(lambda: slow.received > 20 and backed_up(),
                        what="the slow stream's thread waiting, the router holding its trades")
            held, before = slow.received, counts["fast"]
            await until(lambda: counts["fast"] >= before + 200, what="the fast stream flowing")
            assert counts["slow"] == 0 and slow.received == held
            resume.set()
            await until(lambda: counts["slow"] > 20, what="the slow stream flowing once read")
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    asyncio.run(main())


def test_rejections_and_alerts_reach_the_loop(hub: Hub, sim: Simulator) -> None:
    async def main() -> list[tuple[str, bool]]:
        ahub = AsyncHub(hub)
        loop_thread = threading.get_ident()
        bad = ahub.stream(DataType.TICKER, ["krw-btc"], name="a-bad")
        with pytest.raises(RequestError, match="krw-btc"):
            async for _ in bad:
                pass
        # (Checked before anything is sent, as Hub.stream does: no rejection round trip needed.)

        seen: list[tuple[str, bool]] = []
        on_alert = lambda a: seen.append((a.kind, threading.get_ident() == loop_thread))
        async with ahub.stream(DataType.TICKER, ["KRW-BTC"], name="a-alerts", on_alert=on_alert) as s:
            await s.get()
            opened = sim.stats()["connections_opened"]
            sim.drop_all()
            await until(lambda: sim.stats()["connections_opened"] > opened, what="a reconnect")
            await until(lambda: lost_then_restored([k for k, _ in seen]), what="alerts on the loop")
            assert [a.kind for a in s.alerts] == [k for k, _ in seen]
            await s.get()  # and events again
        return seen

    seen = asyncio.run(main())
    assert all(on_loop for _, on_loop in seen), seen


def lost_then_restored(kinds: list[str]) -> bool:
    """A ``connection_lost`` and, after it, a ``connection_restored``. (Not just the order of the
    first of each: the public socket closes when the merged set empties between two tests and
    opens again for the next stream, which hears that as ``connection_restored``.)"""
    return "connection_lost" in kinds and "connection_restored" in kinds[kinds.index("connection_lost"):]


def test_a_whole_hub_on_uvloop() -> None:
    """Start, stream, stop from a uvloop loop, with a hub and a simulator of its own."""
    uvloop = pytest.importorskip("uvloop", reason="uvloop is not installed (the aio extra)")

    async def main(url: str) -> tuple[Hub, list[Any]]:
        assert type(asyncio.get_running_loop()).__module__.startswith("uvloop")
        got: list[Any] = []
        async with asyncio.timeout(90):
            async with AsyncHub(Hub(HubConfig(public_url=url))) as ahub:
                async with ahub.stream(DataType.TRADE, ["KRW-BTC"]) as trades:
                    async for batch in trades.batches():
                        got += batch
                        if len(got) >= 20:
                            break
                status = await ahub.status()
                assert any(a.role == "registry" for a in status.actors)
        return ahub.hub, got

    with Simulator(SimConfig(rate=300, markets=["KRW-BTC"])) as own_sim, \
            asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        hub, got = runner.run(main(own_sim.public_url))
    assert len(got) >= 20 and all(isinstance(t, Trade) for t in got)
    assert hub.handle is not None and not processes.alive(hub.handle.records)


def test_the_readme_example_runs_as_printed(sim: Simulator, tmp_path) -> None:
    text = (REPO / "README.md").read_text()
    section = text[text.index("## asyncio and Qt"):]
    (tmp_path / "aio_board.py").write_text(re.search(r"```python\n(.*?)```", section, re.S).group(1))
    env = {**os.environ, "UPBIT_PUBLIC_URL": sim.public_url, "PYTHONUNBUFFERED": "1"}
    env.pop("PYTHONPATH", None)
    done = subprocess.run([sys.executable, "aio_board.py"], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    assert sum(line.startswith("trade KRW-BTC ") for line in lines) == 5, lines
    assert lines[-1].startswith("last {"), lines
