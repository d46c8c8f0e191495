"""Every entry point refuses a bad request before the wire (issue 12), and takes one code string.

``Hub.stream`` raises ``RequestError`` with one line (nothing starts); ``Component.subscribe``
answers ``SubscriptionRejected`` (the component goes on); what only the registry can judge
(the merged set over its code limit) still arrives as ``stream.rejections``. Regressions: a
plain string was split into characters, orderbook ``level=inf`` went out as ``"level":null`` on
the shared socket (Upbit closes it for every component, SPEC §6), an unknown type, interval or
policy raised a bare ``ValueError`` from inside.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from upbit_actors.actors.tree import Hub
from upbit_actors.messages import DataType, HubConfig, Ticker
from upbit_actors.system.errors import HubError, RequestError
from upbit_actors.system.wire.rules import MAX_CODES_PER_REQUEST
from upbit_actors.tools.sim import SimConfig, Simulator

from .helpers import details, holds_for, next_event, requested, subscribes, wait_for
from .request_components import Prober

MARKETS = ["KRW-BTC", "KRW-ETH"]

BAD_STREAMS = [
    (("orderbook", ["KRW-BTC"]), {"level": float("inf")}, "level"),
    (("orderbook", ["KRW-BTC"]), {"level": 1e308}, "level"),
    (("orderbook", ["KRW-BTC"]), {"level": float("nan")}, "level"),
    (("orderbook", ["KRW-BTC"]), {"level": -1}, "level"),
    (("orderbook", ["KRW-BTC"]), {"depth": 20}, "depth 20"),
    (("orderbook", ["KRW-BTC"]), {"depth": True}, "depth True"),
    (("candle.7m", ["KRW-BTC"]), {}, "unknown candle interval '7m'"),
    (("tickers", ["KRW-BTC"]), {}, "unknown data type 'tickers'"),
    ((42, ["KRW-BTC"]), {}, "unknown data type 42"),
    (("trade", ["KRW-BTC"]), {"policy": "lastest"}, "unknown policy 'lastest'"),
    (("trade", ["KRW-BTC"]), {"policy": "throttle"}, "throttle needs a rate"),
    (("ticker", ["krw-btc"]), {}, "krw-btc"),
    (("ticker", []), {}, "at least one code"),
    (("ticker", ["KRW-BTC"]), {"only_snapshot": "yes"}, "only_snapshot"),
]  # fmt: skip


@pytest.mark.parametrize(("args", "kwargs", "fragment"), BAD_STREAMS)
def test_hub_stream_raises_one_clear_request_error_before_anything_starts(args, kwargs, fragment) -> None:
    hub = Hub(HubConfig())  # not started: the request is judged first
    with pytest.raises(RequestError) as info:
        hub.stream(*args, **kwargs)
    assert fragment in str(info.value) and "\n" not in str(info.value)
    assert isinstance(info.value, ValueError)
    with pytest.raises(HubError, match="not started"):  # a good request gets as far as the hub
        hub.stream(DataType.TICKER, "KRW-BTC")


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    with Simulator(SimConfig(rate=200, markets=MARKETS, idle_timeout=60.0)) as simulator:
        yield simulator


@pytest.fixture(scope="module")
def hub(sim: Simulator) -> Iterator[Hub]:
    with Hub(HubConfig(public_url=sim.public_url, merge_window=0.1)) as hub:
        yield hub


def codes_held(connection: dict) -> int:
    return sum(len(entry.get("codes", ())) for entry in connection["subscriptions"])


def wire_codes(sim: Simulator) -> set[str]:
    return {code for frame in subscribes(sim) for codes in requested(frame).values() for code in codes}


@pytest.mark.slow
def test_one_code_string_is_one_code_for_streams_and_components(hub: Hub, sim: Simulator) -> None:
    with hub.stream(DataType.TICKER, "KRW-BTC", name="one-code") as stream:
        event = next_event(stream, timeout=30)
        assert isinstance(event, Ticker) and event.code == "KRW-BTC"
    hub.spawn(Prober, "string-codes", requests=[(("trade", "KRW-ETH"), {})])
    wait_for(lambda: "Trade:KRW-ETH" in details(hub, "component:string-codes").get("codes", ()),
             timeout=30, what="trades of KRW-ETH at the component")
    assert wire_codes(sim) <= set(MARKETS)  # never 'K', 'R', 'W', ...


@pytest.mark.slow
def test_a_component_gets_a_rejection_for_every_bad_request_and_goes_on(hub: Hub, sim: Simulator) -> None:
    before = len(subscribes(sim))
    requests = [(args, kwargs) for args, kwargs, _ in BAD_STREAMS] + [(("ticker", ["KRW-ETH"]), {})]
    hub.spawn(Prober, "prober", requests=requests)
    d = wait_for(lambda: (d := details(hub, "component:prober")) and "Ticker:KRW-ETH" in d["codes"]
                 and len(d["rejected"]) == len(BAD_STREAMS) and d, timeout=30,
                 what="every bad request rejected and the good one streaming")
    assert d["raised"] == []
    for (_, _, fragment), reason in zip(BAD_STREAMS, d["rejected"], strict=True):
        assert fragment in reason, (fragment, reason)
    assert not [c for c in hub.crashes if c.role == "component:prober"]
    for frame in subscribes(sim)[before:]:
        assert b"null" not in frame["data"].encode() and '"level"' not in frame["data"], frame
    assert wire_codes(sim) <= set(MARKETS)


@pytest.mark.slow
def test_what_only_the_registry_can_judge_still_arrives_as_rejections(hub: Hub, sim: Simulator) -> None:
    half = MAX_CODES_PER_REQUEST // 2 + 1  # each valid alone, together over the limit
    first = hub.stream(DataType.TICKER, [f"KRW-A{i:04d}" for i in range(half)], name="big-1")
    second = hub.stream(DataType.TRADE, [f"KRW-B{i:04d}" for i in range(half)], name="big-2")
    try:
        wait_for(lambda: second.rejections or first.rejections, timeout=30, what="a capacity rejection")
        (rejection,) = second.rejections or first.rejections
        assert "over the limit" in rejection.reason
        # Several merge windows: the rejected set never reaches the wire (the simulator's record
        # of each connection's subscription: its log of client frames keeps 2,000 characters).
        holds_for(lambda: max(map(codes_held, sim.stats()["connections"]), default=0) <= MAX_CODES_PER_REQUEST,
                  0.6, what="every connection's set within the limit")
        assert max(map(codes_held, sim.stats()["connections"])) >= half  # the accepted one did go out
    finally:
        first.close()
        second.close()
