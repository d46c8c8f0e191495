"""Errors, close codes, idle close, pings and keep-alive over real WebSockets (SPEC §4, §6)."""

from __future__ import annotations

import json
import time

import pytest
import websocket

from tests.sim.conftest import close_code, subscribe, wait_for

BTC = "KRW-SIM000"


def read_until_close(client, timeout: float = 3.0) -> tuple[list, int | None, float]:
    """Data frames, then the close code and when the close frame arrived (monotonic)."""
    frames = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        frame = client.frame(deadline - time.monotonic())
        if frame.opcode == websocket.ABNF.OPCODE_CLOSE:
            closed_at = time.monotonic()
            client.ws.shutdown()  # the client drops TCP after the closing handshake, as clients do
            return frames, close_code(frame.data), closed_at
        if frame.opcode in (websocket.ABNF.OPCODE_BINARY, websocket.ABNF.OPCODE_TEXT):
            frames.append((time.monotonic(), frame))
    raise AssertionError("no close frame")


@pytest.mark.parametrize(
    ("request_", "name", "message"),
    [
        ("hello", "WRONG_FORMAT", "Format 이 맞지 않습니다."),
        ([{"type": "ticker", "codes": [BTC]}], "NO_TICKET", "티켓이 존재하지 않거나, 유효하지 않습니다."),
        ([{"ticket": "t"}], "NO_TYPE", "type 필드가 존재하지 않습니다."),
        ([{"ticket": "t"}, {"type": "ticker"}], "NO_CODES", "codes 필드가 존재하지 않습니다."),
        ([{"ticket": "t"}, {"type": "ticker", "codes": []}], "INVALID_PARAM", "codes 필드가 비어 있습니다."),
    ],
)
def test_error_frame_then_close_1000_about_150ms_later(sim, connect, request_, name, message) -> None:
    client = connect(sim.public_url)
    client.send(subscribe({"type": "ticker", "codes": [BTC]}))
    client.recv()
    client.send(request_)
    frames, code, closed_at = read_until_close(client)
    errors = [(t, f) for t, f in frames if b'"error"' in f.data]
    assert len(errors) == 1
    sent_at, frame = errors[0]
    assert frame.opcode == websocket.ABNF.OPCODE_BINARY
    assert json.loads(frame.data) == {"error": {"name": name, "message": message}}
    assert code == 1000 and 0.1 <= closed_at - sent_at <= 0.5  # SPEC §6 [WIRE]: 150-180 ms
    stats = sim.stats()
    assert [v["name"] for v in stats["violations"] if v["kind"] == "error_sent"] == [name]
    wait_for(lambda: sim.stats()["connections_closed"] == 1)
    assert sim.stats()["connections"][0]["close_reason"] == f"error:{name}"


def test_idle_close_is_abrupt(make_sim, connect) -> None:
    sim = make_sim(idle_timeout=0.6)
    client = connect(sim.public_url)
    start = time.monotonic()
    with pytest.raises((websocket.WebSocketConnectionClosedException, ConnectionError)):
        client.frame(timeout=3.0)  # no close frame: the socket just ends (1006)
    assert 0.5 <= time.monotonic() - start < 1.5
    wait_for(lambda: sim.stats()["connections"][0]["close_reason"] == "idle")


def test_traffic_either_way_keeps_the_socket_open(make_sim, connect) -> None:
    sim = make_sim(idle_timeout=0.6, status_up_interval=0.25)
    pinger = connect(sim.public_url)
    streamer = connect(sim.public_url)
    streamer.send(subscribe({"type": "trade", "codes": [BTC]}))
    heartbeat = connect(sim.public_url)
    heartbeat.send("PING")
    deadline = time.monotonic() + 1.5
    while time.monotonic() < deadline:
        pinger.ws.ping(b"k")
        pinger.frame(timeout=1.0)
        time.sleep(0.2)
    streamer.collect(0.1)
    heartbeat.collect(0.1)
    stats = sim.stats()
    assert stats["connections_open"] == 3 and stats["connections_closed"] == 0


def test_protocol_pings_answered_and_server_never_pings(make_sim, connect) -> None:
    sim = make_sim()
    client = connect(sim.public_url)
    client.ws.ping(b"hello")
    pong = client.frame(timeout=2.0)
    assert pong.opcode == websocket.ABNF.OPCODE_PONG and pong.data == b"hello"
    client.send(subscribe({"type": "trade", "codes": [BTC]}))
    client.collect(1.0)
    assert websocket.ABNF.OPCODE_PING not in client.opcodes
    assert [f["kind"] for f in sim.stats()["client_frames"]] == ["ping", "subscribe"]


def test_text_ping_starts_status_up_every_interval(make_sim, connect) -> None:
    sim = make_sim(status_up_interval=0.3)
    client = connect(sim.public_url)
    client.send("PING")
    times = []
    for _ in range(3):
        assert client.recv(timeout=1.0) == {"status": "UP"}
        times.append(time.monotonic())
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert all(0.15 <= g <= 0.6 for g in gaps) and 0.2 <= sum(gaps) / len(gaps) <= 0.45, gaps
    assert client.opcodes[-1] == websocket.ABNF.OPCODE_BINARY
    assert sim.stats()["violations"] == []


def test_slow_consumer_is_cut_off(make_sim) -> None:
    import socket

    sim = make_sim(rate=4000.0, max_write_buffer=200_000)
    client = websocket.create_connection(sim.public_url, timeout=5,
                                         sockopt=((socket.SOL_SOCKET, socket.SO_RCVBUF, 4096),))
    try:
        client.send(json.dumps(subscribe(*({"type": t, "codes": [f"KRW-SIM00{i}" for i in range(9)]}
                                           for t in ("ticker", "trade", "orderbook")))))
        # Never read: the server's buffer for this client grows until it is cut off.
        wait_for(lambda: any(v["kind"] == "slow_consumer" for v in sim.stats()["violations"]), timeout=10)
        wait_for(lambda: sim.stats()["connections"][0]["close_reason"] == "slow_consumer", timeout=5)
    finally:
        client.close(timeout=0.2)


def test_json_list_does_not_wrap_errors_or_status(sim, connect) -> None:
    client = connect(sim.public_url)
    client.send(subscribe({"type": "ticker", "codes": [BTC]}, fmt="JSON_LIST"))
    assert isinstance(client.recv(), list)
    client.send([{"ticket": "t"}, {"type": "ticker", "codes": []}])
    assert client.collect(1.0, stop=lambda f: isinstance(f[-1], dict))[-1]["error"]["name"] == "INVALID_PARAM"
