"""The HTTP control API and the ``upbit-actors sim`` command line."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from tests.paths import REPO
from tests.sim.conftest import Client, port_is_closed, subscribe


def call(base: str, path: str, body: dict | None = None) -> tuple[int, object]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method="GET" if body is None else "POST")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_http_operations(sim, connect) -> None:
    base = sim.control_url
    status, health = call(base, "/health")
    assert status == 200 and health["public_url"] == sim.public_url and health["ok"] is True
    client = connect(sim.private_url, header=[f"Authorization: Bearer {sim.make_token()}"])
    client.send(subscribe({"type": "myOrder"}, {"type": "myAsset"}))
    client.collect(0.2)
    order = {"access_key": sim.access_key, "code": "KRW-SIM000", "side": "ask", "ord_type": "limit",
             "price": 100.0, "volume": 1.5}
    status, placed = call(base, "/place_order", order)
    assert status == 200
    assert call(base, "/fill_order", {"uuid": placed["uuid"]})[1]["state"] == "done"
    balance = {"access_key": sim.access_key, "currency": "KRW", "balance": 7.0}
    assert call(base, "/set_balance", balance)[0] == 200
    frames = client.collect(1.0, stop=lambda f: len(f) >= 6)
    assert [f.get("state") for f in frames if f["type"] == "myOrder"] == ["wait", "trade", "done"]
    assert frames[-1]["assets"] == [{"currency": "KRW", "balance": 7.0, "locked": 0.0}]
    assert call(base, "/stall_data", {"seconds": 0.1})[0] == 200
    assert call(base, "/refuse_handshakes", {"seconds": 0.1, "status": 429})[0] == 200
    assert call(base, "/slow_handshakes", {"seconds": 0.1, "delay": 0.01})[0] == 200
    assert call(base, "/set_rate", {"rate": 50})[1] == {"rate": 50.0}
    status, stats = call(base, "/stats")
    assert status == 200 and stats["market"]["rate"] == 50.0 and stats["frames_sent"]["myOrder"] == 3
    assert call(base, "/send_garbage", {})[1] == {"sent": 1}
    assert call(base, "/drop_all", {})[1] == {"dropped": 1}
    assert call(base, "/reset", {})[1]["reset"] is True


def test_http_errors_and_rest_market_list(sim) -> None:
    base = sim.control_url
    assert call(base, "/nope")[0] == 404
    assert call(base, "/drop_all")[0] == 405
    assert call(base, "/stall_data", {"wrong": 1})[0] == 400
    assert call(base, "/fill_order", {"uuid": "missing"})[0] == 400
    status, markets = call(base, "/v1/market/all?is_details=true")
    assert status == 200 and len(markets) == 12 and markets[0]["market"] == "KRW-SIM000"
    assert set(markets[0]["market_event"]["caution"]) >= {"PRICE_FLUCTUATIONS"}


@pytest.mark.timeout(30)
def test_cli_prints_urls_then_serves_until_interrupted(tmp_path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "upbit_actors.tools.cli", "sim", "--port", "0", "--control-port", "0", "--rate", "100",
         "--markets", "KRW-BTC,KRW-ETH", "--seed", "3", "--idle-timeout", "30", "--message-limits", "10/1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        cwd=REPO,
    )
    try:
        ready = json.loads(process.stdout.readline())
        assert ready["ready"] is True and ready["public_url"].startswith("ws://127.0.0.1:")
        assert call(ready["control_url"], "/health")[1]["port"] == ready["port"]
        client = Client(ready["public_url"])
        client.send(subscribe({"type": "ticker", "codes": ["KRW-BTC"]}))
        assert client.recv()["code"] == "KRW-BTC"
        client.close()
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
    assert port_is_closed(ready["port"]) and port_is_closed(ready["control_port"])


def test_stop_closes_every_socket_and_joins_the_thread(connect) -> None:
    from upbit_actors.tools.sim import SimConfig, Simulator

    sim = Simulator(SimConfig(markets=2, handshake_limit=0)).start()
    try:
        client = connect(sim.public_url)
        client.send(subscribe({"type": "trade", "codes": ["KRW-SIM000"]}))
        client.recv()
    finally:
        sim.stop()
    assert port_is_closed(sim.port) and port_is_closed(sim.control_port)
    assert sim._thread is None
    with pytest.raises(RuntimeError):
        sim.stats()
