"""``AsyncStream`` on a fake stream thread (no actor system): hand-off in batches, back-pressure
by waiting, the ends of an iteration, alerts on the loop, cancellation closing the stream.

The real thing, on real processes against the simulator, is ``tests/integration/test_aio.py``.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from tests.polling import wait_for
from upbit_actors.messages import StreamAlert, SubscriptionRejected, Trade
from upbit_actors.system.embed import aio_stream
from upbit_actors.system.embed.aio_stream import AsyncStream
from upbit_actors.system.errors import HubError, RequestError

from .samples import event


class FakeHub:
    failure: str | None = None


class FakeStream:
    """Stands for a ``BridgeStream``: ``push`` calls the callback from a thread of its own."""

    def __init__(self, name: str, callback, on_notice, on_end) -> None:
        self.name, self.callback, self.on_notice, self.on_end = name, callback, on_notice, on_end
        self.received = self.dropped = 0
        self.losses = ()
        self.failure = None
        self.accepted = 0
        self.closed = threading.Event()

    def push(self, events: list[Any]) -> threading.Thread:
        def run() -> None:
            for e in events:
                self.received += 1
                self.callback(e)
                self.accepted += 1
        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        return thread

    def close(self) -> None:
        self.closed.set()
        self.on_end()


@pytest.fixture
def fakes(monkeypatch) -> list[FakeStream]:
    made: list[FakeStream] = []

    def open_stream(hub, data_type, codes, *, name, callback, on_notice, on_end, **options):
        made.append(FakeStream(name, callback, on_notice, on_end))
        made[-1].codes = codes
        return made[-1]

    monkeypatch.setattr(aio_stream, "open_stream", open_stream)
    return made


def trades(n: int, start: int = 0) -> list[Trade]:
    return [event(Trade, sequential_id=i) for i in range(start, start + n)]


def make(hub: Any = None, **kwargs: Any) -> AsyncStream:
    return AsyncStream(hub or FakeHub(), "trade", ["KRW-BTC"], name="t",
                       maxsize=kwargs.pop("maxsize", 100), on_alert=kwargs.pop("on_alert", None),
                       options={})


async def until(check, timeout: float = 10.0) -> None:
    """``wait_for`` for a coroutine: poll without blocking the loop."""
    await asyncio.get_running_loop().run_in_executor(None, lambda: wait_for(check, timeout))


def test_events_arrive_in_order_and_the_stream_closes_with_the_block(fakes) -> None:
    async def main() -> list[int]:
        async with make() as stream:
            fakes[0].push(trades(50))
            return [(await stream.get()).sequential_id for _ in range(50)]

    assert asyncio.run(main()) == list(range(50))
    assert fakes[0].closed.is_set()


def test_a_full_stream_makes_its_thread_wait_until_the_consumer_reads(fakes) -> None:
    async def main() -> list[int]:
        async with make(maxsize=5) as stream:
            fake = fakes[0]
            thread = fake.push(trades(20))
            await until(lambda: fake.accepted == 5 and fake.received == 6)  # the 6th waits
            assert thread.is_alive()
            got = []
            async for batch in stream.batches():
                assert 1 <= len(batch) <= 5
                got += [t.sequential_id for t in batch]
                if len(got) == 20:
                    return got

    assert asyncio.run(main()) == list(range(20))


def test_a_rejection_raises_request_error_after_what_came_before(fakes) -> None:
    async def main(stream: AsyncStream) -> list[int]:
        got = []
        async with stream:
            fakes[0].push(trades(3)).join(5)
            fakes[0].on_notice(SubscriptionRejected(request_id="t-1", reason="code 'x' is bad"))
            async for trade in stream:
                got.append(trade.sequential_id)
        return got

    stream = make()
    with pytest.raises(RequestError, match="code 'x' is bad"):
        asyncio.run(main(stream))
    assert [r.reason for r in stream.rejections] == ["code 'x' is bad"]


def test_alerts_reach_on_alert_on_the_loop_thread(fakes) -> None:
    seen: list[tuple[str, bool]] = []

    async def main() -> None:
        loop_thread = threading.get_ident()
        stream = make(on_alert=lambda a: seen.append((a.kind, threading.get_ident() == loop_thread)))
        async with stream:
            threading.Thread(target=fakes[0].on_notice,
                             args=(StreamAlert(endpoint="public", kind="connection_lost"),)).start()
            await until(lambda: seen)
            assert [a.kind for a in stream.alerts] == ["connection_lost"]

    asyncio.run(main())
    assert seen == [("connection_lost", True)]


def test_cancelling_the_task_closes_a_stream_its_loop_opened(fakes) -> None:
    async def main() -> None:
        got = []

        async def consume() -> None:
            async for trade in make():
                got.append(trade)

        task = asyncio.create_task(consume())
        await until(lambda: fakes)
        fakes[0].push(trades(3))
        await until(lambda: len(got) == 3)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await until(fakes[0].closed.is_set)

    asyncio.run(main())


def test_an_escalation_ends_the_iteration_with_hub_error(fakes) -> None:
    hub = FakeHub()

    async def main() -> list[int]:
        got = []
        async with make(hub) as stream:
            fakes[0].push(trades(2)).join(5)
            hub.failure = "restart intensity exceeded"
            fakes[0].on_end()  # the stream's thread ends: the hub ended it
            with pytest.raises(HubError, match="restart intensity"):
                async for trade in stream:
                    got.append(trade.sequential_id)
        return got

    assert asyncio.run(main()) == [0, 1]


def test_aclose_ends_a_waiting_iteration_quietly(fakes) -> None:
    async def main() -> None:
        stream = await make().open()
        waiting = asyncio.create_task(stream.get())
        await asyncio.sleep(0)  # let it start waiting
        await stream.aclose()
        with pytest.raises(HubError, match="has ended"):
            await waiting
        assert fakes[0].closed.is_set()
        await stream.aclose()  # twice is fine

    asyncio.run(main())


def test_one_code_as_a_string_and_two_tasks_opening_at_once(fakes) -> None:
    async def main() -> None:
        stream = AsyncStream(FakeHub(), "trade", "KRW-BTC", name=None, maxsize=10, on_alert=None,
                             options={})
        first, second = await asyncio.gather(stream.open(), stream.open())
        assert first is second is stream
        await stream.aclose()

    asyncio.run(main())
    assert len(fakes) == 1 and fakes[0].codes == "KRW-BTC"
