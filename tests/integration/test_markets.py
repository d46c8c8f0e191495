"""Unknown codes (issue 13 item 4) on the real tree (multiprocTCPBase) against the simulator's REST
and WebSocket port: a code Upbit does not list is refused before the wire (SPEC §2.2: Upbit would
answer it with silence); without a list, silence raises ``no_snapshot``; REST calls stay within
Upbit's 10/s per group (SPEC §5): the simulator counts every 429 as a ``rest_rate`` violation."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest

from upbit_actors.actors.tree import Hub
from upbit_actors.messages import DataType, HubConfig
from upbit_actors.messages.rest import RestGet, RestResult
from upbit_actors.system.errors import RequestError
from upbit_actors.system.rest import parse_markets
from upbit_actors.tools.sim import SimConfig, Simulator

from .helpers import details, requested, subscribes, wait_for
from .request_components import Prober

pytestmark = pytest.mark.slow

MARKETS = ["KRW-BTC", "KRW-ETH"]


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    with Simulator(SimConfig(rate=200, markets=MARKETS, idle_timeout=60.0)) as simulator:
        yield simulator


@pytest.fixture(scope="module")
def hub(sim: Simulator) -> Iterator[Hub]:
    with Hub(HubConfig(public_url=sim.public_url, rest_url=sim.rest_url, merge_window=0.05)) as hub:
        yield hub


def wire_codes(sim: Simulator) -> set[str]:
    return {code for frame in subscribes(sim) for codes in requested(frame).values() for code in codes}


def rest_violations(sim: Simulator) -> list[dict]:
    return [v for v in sim.stats()["violations"] if v["kind"] == "rest_rate"]


def test_an_unlisted_code_is_refused_before_the_wire(hub: Hub, sim: Simulator) -> None:
    with pytest.raises(RequestError, match="KRW-NOPE") as info:
        hub.stream(DataType.TICKER, ["KRW-BTC", "KRW-NOPE"])
    assert "not listed on Upbit" in str(info.value) and "\n" not in str(info.value)
    hub.spawn(Prober, "unlisted", requests=[(("trade", ["KRW-NOPE"]), {}), (("ticker", "KRW-ETH"), {})])
    d = wait_for(lambda: (d := details(hub, "component:unlisted")) and "Ticker:KRW-ETH" in d["codes"]
                 and d["rejected"] and d, timeout=30, what="the unlisted code rejected, the listed one streaming")
    assert "KRW-NOPE" in d["rejected"][0] and "not listed" in d["rejected"][0]
    registry = details(hub, "registry")
    assert registry["markets"] == len(MARKETS) and registry["markets_failures"] == 0
    assert "KRW-NOPE" not in wire_codes(sim)
    assert sim.stats()["rest_counts"].get("/v1/market/all 200", 0) >= 1
    assert rest_violations(sim) == []


def test_rest_calls_stay_within_upbits_limit(hub: Hub, sim: Simulator) -> None:
    """30 calls of one group asked at once: all answered, none refused by the simulator (10/s per
    IP and group), because the limiter grants them 8 per 1.2 s."""
    rest = hub.directory.get("rest")
    got: dict[str, RestResult] = {}
    with hub._asys.private() as ctx:
        for i in range(30):
            ctx.tell(rest, RestGet(ticket=f"burst-{i}", path="/v1/market/all"))
        deadline = time.monotonic() + 60
        while len(got) < 30 and time.monotonic() < deadline:
            msg = ctx.listen(1.0)
            if isinstance(msg, RestResult):
                got[msg.ticket] = msg
    assert len(got) == 30, sorted(got)
    assert all(r.ok and parse_markets(r.body) == tuple(MARKETS) for r in got.values())
    assert rest_violations(sim) == []
    assert details(hub, "limiter")["rest"]["granted"] >= 30


def test_without_a_list_a_silent_code_raises_no_snapshot(sim: Simulator) -> None:
    with socket.socket() as closed:  # bound, never listening: the REST fetch is refused
        closed.bind(("127.0.0.1", 0))
        rest_url = f"http://127.0.0.1:{closed.getsockname()[1]}"
        config = HubConfig(public_url=sim.public_url, rest_url=rest_url, snapshot_timeout=1.0)
        with Hub(config) as hub:
            stream = hub.stream(DataType.TICKER, ["KRW-BTC", "KRW-NOPE"], name="unchecked")
            alert = wait_for(lambda: next((a for a in list(stream.alerts) if a.kind == "no_snapshot"
                                           and "KRW-NOPE" in a.codes), None), timeout=30,
                             what="a no_snapshot alert naming KRW-NOPE")
            assert "could not be fetched" in alert.detail
            registry = details(hub, "registry")
            assert registry["markets"] is None and registry["markets_failures"] >= 1
            stream.close()
