"""Every trade exactly once across outages (issue 13 items 2-3), as ``upbit-actors stream`` prints it.

The command streams the trades of three codes from its own simulator (trades only, so the
simulator's trade record is the whole market) with ``UPBIT_REST_URL`` pointing at the simulator's
REST API, while the simulator drops every connection, then refuses handshakes (429) and drops
again (lifted once two handshakes were refused), then stalls its data (lifted once the hub re-dialed:
``low-latency`` judges a stall after 8 s). Each fault ends on an observed condition, never after a
fixed time. After each outage the test waits, by polling the printed lines, for one ``gap`` line per
code and a live trade after it. Then, for every code, the printed trades must equal the simulator's own record
between the first and the last printed trade: same (trade_timestamp, sequential_id) keys, no
repeat, nothing missing, in that order; one filled ``gap`` per outage per code; no rate-limit
violation, REST included.
"""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.cli.conftest import read_line, start_cli, stop_cli
from tests.polling import wait_for
from upbit_actors.system.runtime import free_port
from upbit_actors.tools.sim import SimConfig, Simulator

pytestmark = pytest.mark.slow

CODES = ("KRW-BTC", "KRW-ETH", "KRW-XRP")
RATE_KINDS = ("message_rate", "handshake_rate", "rest_rate")


@pytest.fixture
def sim() -> Iterator[Simulator]:
    # 100 events/s: a 60 s run stays well inside the simulator's record (4,000 trades per code).
    with Simulator(SimConfig(rate=100.0, markets=list(CODES), trade_share=1.0, idle_timeout=60.0)) as simulator:
        yield simulator


class Printed:
    """The command's stdout lines, read as they come."""

    def __init__(self, proc: Any) -> None:
        self.proc = proc
        self.events: list[dict[str, Any]] = []

    def until(self, done: Any, what: str, lines: int = 200_000) -> None:
        """Read lines until ``done(events)``; each line must come within 60 s."""
        for _ in range(lines):
            if done(self.events):
                return
            line = read_line(self.proc, timeout=60)
            assert line is not None, f"the command ended before {what}"
            self.events.append(json.loads(line))
        raise AssertionError(f"no {what} in {lines} lines")

    def gaps(self, code: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["type"] == "gap" and e["code"] == code]

    def recovered(self, outages: int) -> Any:
        """Every code has ``outages`` gaps and a live trade printed after the last one."""
        def check(events: list[dict[str, Any]]) -> bool:
            for code in CODES:
                marks = [i for i, e in enumerate(events) if e["type"] == "gap" and e["code"] == code]
                if len(marks) < outages or not any(
                        e["type"] == "trade" and e["code"] == code and e["stream_type"] == "REALTIME"
                        for e in events[marks[-1] + 1:]):
                    return False
            return True
        return check


def handshakes(sim: Simulator, since: float, *, refused: bool) -> list[dict[str, Any]]:
    """The simulator's handshakes at or after wall time ``since``, refused or accepted."""
    return [h for h in sim.stats()["handshakes"] if h["time"] >= since and (h["status"] != 101) == refused]


def test_trades_printed_equal_the_simulator_record_across_outages(sim: Simulator) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("UPBIT_")}
    env["UPBIT_REST_URL"] = sim.rest_url
    proc = start_cli(["stream", "--url", sim.public_url, "--admin-port", str(free_port()),
                      "--preset", "low-latency", "--trade", ",".join(CODES)], env=env)
    printed = Printed(proc)
    try:
        printed.until(lambda ev: {e["code"] for e in ev if e["type"] == "trade"} == set(CODES), "first trades")
        sim.drop_all()
        printed.until(printed.recovered(1), "recovery from a drop")
        since = time.time()
        sim.refuse_handshakes(120.0, status=429)
        sim.drop_all()
        wait_for(lambda: len(handshakes(sim, since, refused=True)) >= 2, timeout=60, what="two refusals")
        sim.refuse_handshakes(0.0)
        printed.until(printed.recovered(2), "recovery from refused handshakes")
        since = time.time()
        sim.stall_data(120.0)
        wait_for(lambda: handshakes(sim, since, refused=False), timeout=60, what="a re-dial for the stall")
        sim.stall_data(0.0)
        printed.until(printed.recovered(3), "recovery from a stall")
    finally:
        code, _, stderr = stop_cli(proc, signal.SIGINT, timeout=60)
    assert code == 130, stderr
    while (line := read_line(proc, timeout=5)) is not None:
        printed.events.append(json.loads(line))
    for code in CODES:
        mine = [(e["trade_timestamp"], e["sequential_id"]) for e in printed.events
                if e["type"] == "trade" and e["code"] == code]
        record = [tuple(t) for t in sim.trade_record(code)]
        assert record[0] < mine[0], "the simulator's record must reach back to the first trade printed"
        expected = [key for key in record if mine[0] <= key <= mine[-1]]
        missing, extra = set(expected) - set(mine), set(mine) - set(expected)
        assert not missing and not extra, (code, sorted(missing)[:5], sorted(extra)[:5])
        assert len(mine) == len(set(mine)), f"{code}: a trade printed twice"
        assert mine == expected, f"{code}: trades out of time order"
        gaps = printed.gaps(code)
        assert len(gaps) == 3 and all(g["filled"] and g["data_type"] == "trade" for g in gaps), gaps
        assert sum(g["backfilled"] for g in gaps) > 0
        backfilled = [e for e in printed.events if e["type"] == "trade" and e["code"] == code
                      and e["stream_type"] == "BACKFILL"]
        assert len(backfilled) <= sum(g["backfilled"] for g in gaps)
    stats = sim.stats()
    assert [v for v in stats["violations"] if v["kind"] in RATE_KINDS] == []
