"""Handshake and message rate limits over real sockets (SPEC §5)."""

from __future__ import annotations

import time

import pytest
import websocket

from tests.sim.conftest import subscribe, wait_for

BTC = "KRW-SIM000"


def handshake_status(url: str) -> int:
    try:
        websocket.create_connection(url, timeout=2).close()
        return 101
    except websocket.WebSocketBadStatusException as exc:
        return exc.status_code


def test_handshakes_beyond_5_per_second_get_429_and_upgrade_headers(make_sim) -> None:
    sim = make_sim(handshake_limit=5)
    ws = websocket.create_connection(sim.public_url, timeout=2)
    headers = ws.getheaders()
    ws.close()
    # SPEC §1 [WIRE]: the upgrade reply carries the websocket rate-limit group.
    assert headers["remaining-req"].startswith("group=websocket; min=300; sec=")
    assert headers["limit-by-ip"] == "Yes"
    statuses = [handshake_status(sim.public_url) for _ in range(6)]
    assert statuses.count(101) == 4 and statuses[-2:] == [429, 429]
    stats = sim.stats()
    assert stats["handshakes_refused"] == {"429": 2}
    assert [v["kind"] for v in stats["violations"]] == ["handshake_rate", "handshake_rate"]


def test_persistent_excess_gets_418(make_sim) -> None:
    sim = make_sim(handshake_limit=2, handshake_ban_after=2, handshake_ban_seconds=0.5)
    statuses = [handshake_status(sim.public_url) for _ in range(5)]
    assert statuses == [101, 101, 429, 418, 418]
    wait_for(lambda: handshake_status(sim.public_url) == 101, timeout=3.0)


@pytest.mark.parametrize("burst", [6])
def test_message_rate_error_then_close_by_default(sim, connect, burst) -> None:
    client = connect(sim.public_url)
    for _ in range(burst):
        client.send(subscribe({"type": "ticker", "codes": [BTC]}))
    frames = []
    with pytest.raises(ConnectionAbortedError) as closed:
        while True:
            frames.append(client.recv(timeout=3.0))
    assert closed.value.args[0] == 1000
    errors = [f for f in frames if "error" in f]
    assert errors == [{"error": {"name": "TOO_MANY_REQUESTS", "message": "요청 수 제한을 초과했습니다."}}]
    kinds = [v["kind"] for v in sim.stats()["violations"]]
    assert kinds == ["message_rate", "error_sent"]


def test_message_rate_ignore_policy_drops_the_excess(make_sim, connect) -> None:
    sim = make_sim(rate_excess="ignore", message_limits=((2, 1.0),))
    client = connect(sim.public_url)
    first_sent = time.monotonic()
    client.send(subscribe({"type": "ticker", "codes": [BTC]}))
    client.send(subscribe({"type": "trade", "codes": [BTC]}))
    client.send(subscribe({"type": "orderbook", "codes": [BTC]}))  # over the limit: ignored
    frames = client.collect(0.8)
    assert frames and {f["type"] for f in frames} == {"trade"} and not any("error" in f for f in frames)
    stats = sim.stats()
    assert [f["kind"] for f in stats["client_frames"]] == ["subscribe", "subscribe", "rate_limited"]
    assert [v["kind"] for v in stats["violations"]] == ["message_rate"] and stats["connections_open"] == 1
    # The socket is still usable once the window has room again.
    client.collect(max(0.0, 1.05 - (time.monotonic() - first_sent)))
    client.send(subscribe({"type": "ticker", "codes": [BTC]}))
    later = client.collect(1.5, stop=lambda f: any(x["type"] == "ticker" for x in f))
    assert any(f["type"] == "ticker" for f in later)
