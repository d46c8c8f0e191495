"""Fault injection through the Python API (drop, stalls, garbage, errors, refusals, slow handshakes)."""

from __future__ import annotations

import json
import time

import pytest
import websocket

from tests.sim.conftest import subscribe, wait_for

BTC = "KRW-SIM000"


def handshake_ok(url: str) -> bool:
    try:
        websocket.create_connection(url, timeout=2).close()
        return True
    except websocket.WebSocketBadStatusException:
        return False


def streaming(sim, connect):
    client = connect(sim.public_url)
    client.send(subscribe({"type": "trade", "codes": [BTC]}, {"type": "ticker", "codes": [BTC]}))
    client.recv()
    return client


def test_drop_all_is_abrupt(sim, connect) -> None:
    clients = [streaming(sim, connect) for _ in range(2)]
    assert sim.drop_all() == {"dropped": 2}
    for client in clients:
        with pytest.raises((websocket.WebSocketConnectionClosedException, ConnectionError)):
            while True:
                frame = client.frame(timeout=2.0)
                assert frame.opcode != websocket.ABNF.OPCODE_CLOSE  # never a close frame
    wait_for(lambda: sim.stats()["connections_closed"] == 2)
    assert {c["close_reason"] for c in sim.stats()["connections"]} == {"dropped"}


def test_stall_data_sends_nothing_but_pongs(sim, connect) -> None:
    client = streaming(sim, connect)
    client.collect(0.1)
    sim.stall_data(0.6)
    client.collect(0.05)  # frames already in flight
    start = time.monotonic()
    client.ws.ping(b"p")
    assert client.frame(timeout=0.4).opcode == websocket.ABNF.OPCODE_PONG
    first = client.recv(timeout=2.0)
    assert time.monotonic() - start >= 0.45 and first["code"] == BTC  # data resumes after the stall


def test_stall_all_leaves_pings_unanswered(sim, connect) -> None:
    client = streaming(sim, connect)
    sim.stall_all(0.7)
    client.collect(0.05)
    client.ws.ping(b"p")
    with pytest.raises(websocket.WebSocketTimeoutException):
        client.frame(timeout=0.4)
    # Once the stall ends, the held ping is processed and answered.
    wait_for(lambda: client.frame(timeout=1.0).opcode == websocket.ABNF.OPCODE_PONG)


def test_garbage_frame(sim, connect) -> None:
    client = streaming(sim, connect)
    assert sim.send_garbage() == {"sent": 1}
    garbage = wait_for(lambda: next((f for f in [client.frame()] if f.data.startswith(b"\x00")), None))
    assert garbage.opcode == websocket.ABNF.OPCODE_BINARY
    with pytest.raises(ValueError):
        json.loads(garbage.data)
    assert sim.stats()["frames_sent"]["garbage"] == 1


def test_send_error_and_close(sim, connect) -> None:
    client = streaming(sim, connect)
    sim.send_error_and_close("NO_TICKET")
    frames = []
    with pytest.raises(ConnectionAbortedError) as closed:
        while True:
            frames.append(client.recv())
    assert frames[-1] == {"error": {"name": "NO_TICKET", "message": "티켓이 존재하지 않거나, 유효하지 않습니다."}}
    assert closed.value.args[0] == 1000


@pytest.mark.parametrize("status", [503, 429])
def test_refuse_handshakes_for_a_while(sim, status) -> None:
    sim.refuse_handshakes(0.5, status=status)
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        websocket.create_connection(sim.public_url, timeout=2)
    assert refused.value.status_code == status
    wait_for(lambda: handshake_ok(sim.public_url), timeout=3.0, interval=0.05)
    refused_count = sim.stats()["handshakes_refused"][str(status)]
    assert refused_count >= 1 and list(sim.stats()["handshakes_refused"]) == [str(status)]


def test_slow_handshakes(sim) -> None:
    sim.slow_handshakes(5.0, delay=0.4)
    start = time.monotonic()
    websocket.create_connection(sim.public_url, timeout=3).close()
    assert time.monotonic() - start >= 0.35


def test_reset_clears_stats_and_faults(sim, connect) -> None:
    client = streaming(sim, connect)
    sim.refuse_handshakes(30.0)
    sim.reset()
    stats = sim.stats()
    assert stats["client_frames"] == [] and stats["violations"] == []
    assert stats["faults"]["refuse_handshakes"] == 0
    expected = [{"type": "trade", "codes": [BTC]}, {"type": "ticker", "codes": [BTC]}]
    assert list(stats["subscriptions"].values()) == [expected]
    websocket.create_connection(sim.public_url, timeout=2).close()
    assert client.recv()["code"] == BTC
    sim.reset(market=True)
    assert sim.stats()["market"]["events"] < 50
