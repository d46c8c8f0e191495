"""Private channel: JWT handshake, INVALID_AUTH, myOrder / myAsset events (SPEC §3.5-3.6, §7)."""

from __future__ import annotations


import pytest
import websocket

from tests.sim.conftest import shared_sample, subscribe

PRIVATE_TYPES = ({"type": "myOrder"}, {"type": "myAsset"})


def sample_keys(name: str) -> list[str]:
    return list(shared_sample(name))


def auth_header(token: str) -> list[str]:
    return [f"Authorization: Bearer {token}"]


@pytest.mark.parametrize("algorithm", ["HS256", "HS512"])
def test_order_life_cycle_events(sim, connect, algorithm) -> None:
    client = connect(sim.private_url, header=auth_header(sim.make_token(algorithm=algorithm)))
    client.send(subscribe(*PRIVATE_TYPES))
    other = connect(sim.private_url, header=auth_header(sim.make_token()))  # same key, only myAsset
    other.send(subscribe({"type": "myAsset"}))
    client.collect(0.2)
    assert sim.stats()["connections"][0]["authenticated"] is True
    sim.set_balance(sim.access_key, "KRW", 5_000_000.0)
    uuid = sim.place_order(sim.access_key, "KRW-SIM000", "bid", "limit", 1000.0, 10.0, identifier="cid-1")
    sim.fill_order(uuid, volume=4.0)
    sim.fill_order(uuid)
    frames = client.collect(1.5, stop=lambda f: sum(x["type"] == "myOrder" for x in f) >= 4)
    orders = [f for f in frames if f["type"] == "myOrder"]
    assets = [f for f in frames if f["type"] == "myAsset"]
    assert [o["state"] for o in orders] == ["wait", "trade", "trade", "done"]
    assert all(list(o) == sample_keys("myorder_default_official.json") for o in orders)
    assert all(list(a) == sample_keys("myasset_default_official.json") for a in assets)
    assert {o["uuid"] for o in orders} == {uuid} and orders[0]["identifier"] == "cid-1"
    assert (orders[1]["price"], orders[1]["volume"], orders[1]["remaining_volume"]) == (1000.0, 4.0, 6.0)
    assert orders[1]["trade_uuid"] and orders[1]["is_maker"] is True
    assert orders[1]["trade_fee"] == pytest.approx(2.0)
    assert orders[3]["executed_volume"] == 10.0 and orders[3]["avg_price"] == 1000.0
    assert {o["stream_type"] for o in orders + assets} == {"REALTIME"}
    assert assets[0]["assets"] == [{"currency": "KRW", "balance": 5_000_000.0, "locked": 0.0}]
    assert {a["currency"] for a in assets[-1]["assets"]} == {"KRW", "SIM000"}
    assert {f["type"] for f in other.collect(0.3)} == {"myAsset"}


def test_events_only_for_the_right_key_and_codes(make_sim, connect) -> None:
    sim = make_sim(extra_keys={"second-key": "x" * 64})
    mine = connect(sim.private_url, header=auth_header(sim.make_token()))
    mine.send(subscribe({"type": "myOrder", "codes": ["KRW-SIM001"]}))
    theirs = connect(sim.private_url, header=auth_header(sim.make_token(access_key="second-key")))
    theirs.send(subscribe({"type": "myOrder"}))
    mine.collect(0.2)
    sim.place_order(sim.access_key, "KRW-SIM000", "ask", "limit", 10.0, 1.0)  # filtered by codes
    target = sim.place_order(sim.access_key, "KRW-SIM001", "ask", "market", None, 2.0)
    sim.cancel_order(target)
    frames = mine.collect(0.8, stop=lambda f: len(f) >= 2)
    assert [(f["code"], f["state"]) for f in frames] == [("KRW-SIM001", "wait"), ("KRW-SIM001", "cancel")]
    assert theirs.collect(0.3) == []


def test_bad_token_gets_invalid_auth_on_first_private_request(sim, connect) -> None:
    bad = sim.make_token(secret_key="wrong-secret-" + "x" * 40)
    client = connect(sim.private_url, header=auth_header(bad))
    client.send(subscribe({"type": "ticker", "codes": ["KRW-SIM000"]}))  # public types still work
    assert client.recv()["type"] == "ticker"
    client.send(subscribe(*PRIVATE_TYPES))
    frames = []
    with pytest.raises(ConnectionAbortedError) as closed:
        while True:
            frames.append(client.recv())
    assert {"error": {"name": "INVALID_AUTH", "message": "인증 정보가 올바르지 않습니다."}} in frames
    assert closed.value.args[0] == 1000
    no_header = connect(sim.private_url)
    no_header.send(subscribe({"type": "myAsset"}))
    assert no_header.recv() == {"error": {"name": "INVALID_AUTH", "message": "인증 정보가 올바르지 않습니다."}}


def test_http_401_mode_and_reused_nonce(make_sim) -> None:
    sim = make_sim(auth_failure="http401", reject_reused_nonce=True)
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        websocket.create_connection(sim.private_url, timeout=2)
    assert refused.value.status_code == 401
    token = sim.make_token(nonce="fixed-nonce")
    websocket.create_connection(sim.private_url, timeout=2, header=auth_header(token)).close()
    with pytest.raises(websocket.WebSocketBadStatusException) as reused:
        websocket.create_connection(sim.private_url, timeout=2, header=auth_header(token))
    assert reused.value.status_code == 401
    assert [v["reason"] for v in sim.stats()["violations"]] == ["missing", "nonce_used"]


def test_myasset_with_codes_is_wrong_format(sim, connect) -> None:
    client = connect(sim.private_url, header=auth_header(sim.make_token()))
    client.send(subscribe({"type": "myAsset", "codes": ["KRW-SIM000"]}))
    assert client.recv() == {"error": {"message": "Format 이 맞지 않습니다.", "name": "WRONG_FORMAT"}}


def test_private_types_refused_on_the_public_path(sim, connect) -> None:
    client = connect(sim.public_url, header=auth_header(sim.make_token()))
    client.send(subscribe({"type": "myOrder"}))
    assert client.recv()["error"]["name"] == "INVALID_AUTH"
