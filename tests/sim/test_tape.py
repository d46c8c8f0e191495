"""Tape mode (benchmarks): recorded tickers and trades replayed with fresh stamps; a reader's own
top rate (``wait_above``). Fake clock and fake sockets, as ``test_fanout``."""

from __future__ import annotations

import collections

import orjson
import pytest

from tests.sim.test_fanout import T0, Clock, FakeWebSocket, connect, hub, run_for
from upbit_actors.system.errors import SimulatorError
from upbit_actors.tools.sim.tape import template

STAMPS = {"DEFAULT": ("timestamp", "trade_timestamp", "sequential_id"), "SIMPLE": ("tms", "ttms", "sid")}


def _without(frame: dict, names: tuple[str, ...]) -> dict:
    return {k: v for k, v in frame.items() if k not in names}


@pytest.mark.parametrize("fmt", ["DEFAULT", "SIMPLE"])
def test_replayed_frames_are_the_recorded_ones_stamped_when_made(fmt: str) -> None:
    clock = Clock(T0, step=0.0001)  # each clock reading 0.1 ms later
    fan = hub(20_000.0, clock, tape=300)
    ws = connect(fan, ("ticker", "trade"), fmt=fmt)
    run_for(fan, clock, 0.5)
    event, trade_ts, sid = STAMPS[fmt]
    frames = [orjson.loads(f) for f in ws.frames()]
    assert fan.tape.loops >= 3  # the recording played through several times
    # Apart from the stamps, the frames repeat the recording's loop exactly.
    kinds = collections.Counter(f["type" if fmt == "DEFAULT" else "ty"] for f in frames)
    assert kinds["ticker"] == kinds["trade"] > 1000
    loop = len(frames) // (fan.tape.loops + 1)
    period = next(n for n in range(1, loop * 2) if all(
        _without(frames[i], STAMPS[fmt]) == _without(frames[i + n], STAMPS[fmt]) for i in range(200)))
    assert period > 100
    # Stamps: when made, never backwards per code; ids unique per code (as live),
    # trade_timestamp * 10000 + n.
    stamps = [f[event] for f in frames]
    assert stamps == sorted(stamps) and stamps[-1] - stamps[0] > 400
    last: dict[str, int] = {}
    ids: set[tuple[str, int]] = set()
    code_key = "code" if fmt == "DEFAULT" else "cd"
    for f in frames:
        assert f[trade_ts] <= f[event]
        assert f[trade_ts] >= last.get(f[code_key], 0)
        last[f[code_key]] = f[trade_ts]
        if sid in f:
            assert f[sid] // 10_000 == f[trade_ts] and (f[code_key], f[sid]) not in ids
            ids.add((f[code_key], f[sid]))
    assert len(ids) == kinds["trade"]


def test_a_new_subscriber_is_recorded_for_and_gets_the_rate() -> None:
    clock = Clock(T0)
    fan = hub(20_000.0, clock, tape=2_000)
    first = connect(fan, ("ticker", "trade"))
    run_for(fan, clock, 0.3)
    later = connect(fan, ("ticker", "trade"), fmt="SIMPLE")  # the routes changed: a new recording
    before = len(first.frames())
    run_for(fan, clock, 1.0)
    assert later.frames() and orjson.loads(later.frames()[0])["ty"] in ("ticker", "trade")
    assert len(later.frames()) == len(first.frames()) - before
    assert 0.95 < len(later.frames()) / 20_000.0 < 1.05  # the rate holds, tickers and trades only


def test_no_frames_while_a_reader_has_more_than_wait_above_waiting() -> None:
    clock = Clock(T0)
    fan = hub(20_000.0, clock, tape=2_000, wait_above=1_000)
    ws = connect(fan, ("ticker", "trade"))
    backlog = {"bytes": 5_000}
    ws.get_write_buffer_size = lambda: backlog["bytes"]  # type: ignore[method-assign]
    run_for(fan, clock, 0.5)
    assert ws.frames() == []
    backlog["bytes"] = 0
    run_for(fan, clock, 0.5)
    # Made again at the rate; the backlog of the wait is forgiven (at most max_burst's worth).
    assert 0.9 * 10_000 < len(ws.frames()) < 10_000 + 20_000 * 0.25 + 300
    assert fan.pacer.forgiven > 0


def test_a_template_keeps_every_byte_but_the_stamps() -> None:
    payload = b'{"type":"trade","code":"KRW-X","note":"50%","timestamp":17,"trade_timestamp":15,"sequential_id":150001}'
    tpl = template(payload, 17, 15, 150001)
    assert tpl % {b"e": 17, b"t": 15, b"s": 150001} == payload
    assert orjson.loads(tpl % {b"e": 1, b"t": 2, b"s": 3}) == {
        "type": "trade", "code": "KRW-X", "note": "50%", "timestamp": 1, "trade_timestamp": 2, "sequential_id": 3}
    simple = template(b'{"ty":"ticker","tms":9,"ttms":9}', 9, 9, 0)
    assert simple % {b"e": 1, b"t": 2, b"s": 3} == b'{"ty":"ticker","tms":1,"ttms":2}'
    with pytest.raises(SimulatorError, match="re-stamp"):
        template(b'{"type":"ticker","timestamp":1}', 1, 2, 0)


def test_live_mode_is_unchanged_without_a_tape() -> None:
    clock = Clock(T0)
    fan = hub(5_000.0, clock)
    assert fan.tape is None
    ws: FakeWebSocket = connect(fan)
    run_for(fan, clock, 1.0)
    assert any(orjson.loads(f)["type"] == "orderbook" for f in ws.frames())  # books move live
