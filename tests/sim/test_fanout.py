"""The data plane on a fake clock and fake sockets: rate as a ratio, timestamps, shared bytes (SPEC §3)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import orjson
import pytest
from websockets.protocol import State

from upbit_actors.tools.sim import fanout as fanout_module
from upbit_actors.tools.sim.client import SimConnection
from upbit_actors.tools.sim.config import SimConfig
from upbit_actors.tools.sim.fanout import Fanout
from upbit_actors.tools.sim.faults import Faults
from upbit_actors.tools.sim.limits import SlidingWindows
from upbit_actors.tools.sim.market import MarketModel
from upbit_actors.tools.sim.markets import MarketDirectory, synthetic_codes
from upbit_actors.tools.sim.protocol import ParseOptions, parse_request
from upbit_actors.tools.sim.stats import Stats

T0 = 1_730_336_862.0
CODES = synthetic_codes(20)
EVERY_TYPE = ("ticker", "trade", "orderbook", "candle.1s", "candle.1m", "candle.3m", "candle.5m",
              "candle.10m", "candle.15m", "candle.30m", "candle.60m", "candle.240m")


class Clock:
    """A fake ``time.time``; ``step`` is added after every reading (an event takes time to make)."""

    def __init__(self, now: float, step: float = 0.0) -> None:
        self.now, self.step = now, step

    def __call__(self) -> float:
        now = self.now
        self.now += self.step
        return now


class FakeWebSocket:
    """What :class:`SimConnection` touches on a websockets connection: all writes are kept."""

    def __init__(self) -> None:
        self.auth = None
        self.written: list[bytes] = []
        self.transport = self
        self.protocol = self
        self.state = State.OPEN
        self.extensions: list[Any] = []

    def write(self, data: bytes) -> None:
        self.written.append(bytes(data))

    def get_write_buffer_size(self) -> int:
        return 0

    def data_to_send(self) -> list[bytes]:
        return []

    def frames(self) -> list[bytes]:
        """Payloads of every frame written (RFC 6455 §5.2, unmasked server frames)."""
        data, out, i = b"".join(self.written), [], 0
        while i < len(data):
            assert data[i] == 0x82  # FIN + BINARY (SPEC §1 [WIRE])
            size, head = data[i + 1], 2
            if size == 126:
                size, head = int.from_bytes(data[i + 2:i + 4], "big"), 4
            out.append(data[i + head:i + head + size])
            i += head + size
        return out


def hub(rate: float, clock: Clock, **config: Any) -> Fanout:
    cfg = SimConfig(rate=rate, markets=CODES, control_port=None, **config)
    market = MarketModel(MarketDirectory(CODES, 1), 1, int(clock.now * 1000))
    return Fanout(cfg, market, Stats(), Faults(), lambda delay, callback: callback(), clock)


def connect(fan: Fanout, types: tuple[str, ...] = EVERY_TYPE, fmt: str = "DEFAULT") -> FakeWebSocket:
    ws = FakeWebSocket()
    conn = SimConnection(len(fan.connections) + 1, ws, False, SlidingWindows(()), fan.clock())  # type: ignore[arg-type]
    fan.add(conn)
    request = [{"ticket": "t"}, *({"type": t, "codes": CODES, "is_only_realtime": True} for t in types),
               {"format": fmt}]
    fan.set_format(conn, fmt)
    fan.subscribe(conn, parse_request(json.dumps(request), ParseOptions(False, False, "ko", True, True)))  # type: ignore[arg-type]
    return ws


def run_for(fan: Fanout, clock: Clock, seconds: float, cpu: Callable[[int], float] = lambda frames: 0.0) -> None:
    """Tick like the server loop: sleep what the pacer asks, plus the time the burst took."""
    end = clock.now + seconds
    while clock.now < end:
        before = sum(fan.stats.frames_sent.values())
        delay = fan.tick()
        clock.now += delay + cpu(sum(fan.stats.frames_sent.values()) - before) + 1e-5


@pytest.mark.parametrize(("rate", "seconds"), [(200.0, 10.0), (5_000.0, 4.0), (80_000.0, 1.0)])
def test_a_reader_of_everything_gets_the_configured_rate(rate: float, seconds: float) -> None:
    clock = Clock(T0)
    fan = hub(rate, clock)
    ws = connect(fan)
    run_for(fan, clock, seconds)
    received = len(ws.frames())
    asked = rate * seconds
    # Slack: the first tick interval, one wake-up burst, one event's overshoot, and the frames
    # paid for but due later (each code's next book slot and this second's 9 candles).
    slack = rate * 0.02 + 32 + 12 + len(CODES) * 10
    assert 1 - slack / asked <= received / asked <= 1 + 12 / asked
    assert fan.pacer.forgiven == 0.0


def test_a_producer_too_slow_for_the_rate_is_forgiven_not_flooded() -> None:
    clock = Clock(T0)
    fan = hub(80_000.0, clock)
    ws = connect(fan)
    run_for(fan, clock, 1.0, cpu=lambda frames: frames * 20e-6)  # 20 us a frame: 50,000/s at most
    ratio = len(ws.frames()) / (80_000.0 * 1.0)
    assert 0.55 < ratio < 0.64
    assert fan.pacer.forgiven > 0
    assert max(len(chunk) for chunk in ws.written) < (256 + 12) * 1_000  # one burst per write


def test_each_event_is_stamped_with_the_clock_when_it_was_made() -> None:
    clock = Clock(T0)
    fan = hub(50_000.0, clock)
    ws = connect(fan, ("ticker", "trade"))
    clock.now += 0.01
    clock.step = 0.0001  # every clock reading is 0.1 ms later
    start = clock.now
    fan.tick()
    end = clock.now
    frames = [orjson.loads(f) for f in ws.frames()]
    assert len(frames) >= 50
    stamps = [f["timestamp"] for f in frames]
    assert stamps == sorted(stamps) and stamps[0] < stamps[-1]
    assert int(start * 1000) <= stamps[0] and stamps[-1] <= int(end * 1000)
    # A trade and the ticker it moved carry the same time.
    trades = {(f["code"], f["trade_timestamp"]): f["timestamp"] for f in frames if f["type"] == "trade"}
    tickers = {(f["code"], f["trade_timestamp"]): f["timestamp"] for f in frames if f["type"] == "ticker"}
    assert trades == tickers


def test_connections_of_one_format_share_one_encoding(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real = fanout_module.framed
    monkeypatch.setattr(fanout_module, "framed", lambda payload, *a: calls.append(payload) or real(payload, *a))
    clock = Clock(T0)
    fan = hub(20_000.0, clock)
    default = [connect(fan, ("ticker", "trade")) for _ in range(3)]
    simple = connect(fan, ("ticker", "trade"), fmt="SIMPLE")
    run_for(fan, clock, 1.0)
    assert default[0].written == default[1].written == default[2].written  # the same stream
    per_stream = len(default[0].frames())
    assert per_stream == len(simple.frames()) > 1000
    assert len(calls) == 2 * per_stream  # framed once per format, not once per connection
    first = orjson.loads(simple.frames()[0])
    assert first["ty"] in ("ticker", "trade") and "cd" in first  # SIMPLE keys (SPEC §3)
