"""The blocking REST client against the bundled simulator on 127.0.0.1 (and a closed port)."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from upbit_actors.system.errors import RestError, RestRateLimited
from upbit_actors.system.rest import MARKET_ALL, RestClient, parse_markets
from upbit_actors.tools.sim import SimConfig, Simulator
from upbit_actors.tools.sim.markets import synthetic_codes


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator(SimConfig(markets=5, rate=0.0, control_port=None, rest_limit=2)) as running:
        yield running


def test_market_list_from_the_simulator(sim: Simulator) -> None:
    reply = RestClient(sim.rest_url, timeout=5.0).get(MARKET_ALL, [("is_details", True)])
    assert reply.status == 200 and reply.remaining is not None and reply.remaining[0] == "market"
    assert parse_markets(reply.body) == tuple(synthetic_codes(5))
    assert all("market_event" in row for row in reply.json())


def test_errors_are_typed(sim: Simulator) -> None:
    client = RestClient(sim.rest_url + "/")
    with pytest.raises(RestError) as missing:
        client.get("/v1/nothing")
    assert (missing.value.status, missing.value.name) == (404, "not_found")
    # the simulator allows 2/s here: three calls in a row cannot all pass within one second
    # unless a whole second went by between them, so call until one is refused
    with pytest.raises(RestRateLimited) as limited:
        for _ in range(100):
            client.get(MARKET_ALL)
    assert limited.value.status == 429 and limited.value.name == "too_many_requests"
    assert any(v["kind"] == "rest_rate" for v in sim.stats()["violations"])


def test_no_server_is_an_unreachable_error_with_status_zero() -> None:
    with socket.socket() as sock:  # a port nobody listens on: bound, never listening
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        with pytest.raises(RestError) as caught:
            RestClient(f"http://127.0.0.1:{port}", timeout=2.0).get(MARKET_ALL)
    assert (caught.value.status, caught.value.name) == (0, "unreachable")
