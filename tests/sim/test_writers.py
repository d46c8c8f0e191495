"""The pre-compiled ticker/trade writers give exactly the bytes of the generic encoder (SPEC §3.1, §3.2, §3.8)."""

from __future__ import annotations

import orjson
import pytest

from upbit_actors.tools.sim import frames
from upbit_actors.tools.sim.client import BINARY, TEXT, framed, unframe
from upbit_actors.tools.sim.encode import encode
from upbit_actors.tools.sim.market import DAY_MS, MarketModel
from upbit_actors.tools.sim.markets import MarketDirectory, load_codes
from upbit_actors.tools.sim.writers import writer

T0 = 1_730_336_862_000
FORMATS = ("DEFAULT", "SIMPLE", "JSON_LIST", "SIMPLE_LIST")


@pytest.mark.parametrize("style", ["wire", "plain"])
def test_writers_match_the_generic_encoder_byte_for_byte(style: str) -> None:
    # Real market list: KRW prices above 1e7 (Java exponent spelling), BTC-quoted prices below
    # 1e-3, thin books; the run crosses UTC midnight so day statistics reset to 0.0 too.
    codes = load_codes()[:80]
    start = (T0 // DAY_MS + 1) * DAY_MS - 3_000
    market = MarketModel(MarketDirectory(codes, 5), 5, start)
    compared = 0
    for i in range(6_000):
        event = market.step(start + i)
        if event.kind != "trade":
            continue
        state = market.states[event.code]
        for fmt in FORMATS:
            for stream_type in ("REALTIME", "SNAPSHOT"):
                ticker = writer("ticker", state.instrument, fmt, style)
                trade = writer("trade", state.instrument, fmt, style)
                assert ticker is not None and trade is not None
                assert ticker(state, stream_type, market.start_ms) == \
                    encode(frames.ticker(state, stream_type, market.start_ms), fmt, style)
                assert trade(state, stream_type, market.start_ms) == \
                    encode(frames.trade(state, stream_type), fmt, style)
                compared += 1
    assert compared > 10_000


def test_other_kinds_take_the_generic_path() -> None:
    btc = MarketDirectory(["KRW-BTC"], 1).instruments["KRW-BTC"]
    assert writer("orderbook", btc, "DEFAULT", "wire") is None
    assert writer("candle.1s", btc, "DEFAULT", "wire") is None
    assert writer("ticker", btc, "DEFAULT", "other") is None


@pytest.mark.parametrize("size", [0, 1, 125, 126, 65535, 65536, 70000])
def test_frames_are_built_once_and_unframed_exactly(size: int) -> None:
    # RFC 6455 §5.2: 7-bit, 16-bit and 64-bit payload lengths; server frames are unmasked.
    payload = bytes(range(256)) * (size // 256) + bytes(size % 256)
    data = framed(payload)
    assert data[0] == BINARY and data[1] & 0x80 == 0
    assert unframe(data) == (BINARY, payload)
    assert unframe(framed(payload, TEXT)) == (TEXT, payload)
    assert len(data) - len(payload) == (2 if size < 126 else 4 if size < 65536 else 10)


def test_a_written_frame_is_one_json_object_with_the_sample_keys() -> None:
    market = MarketModel(MarketDirectory(["KRW-BTC"], 1), 1, T0)
    while market.step(T0).kind != "trade":
        pass
    state = market.states["KRW-BTC"]
    data = writer("trade", state.instrument, "DEFAULT", "wire")(state, "REALTIME", market.start_ms)  # type: ignore[misc]
    assert list(orjson.loads(data)) == list(frames.trade(state, "REALTIME"))
