"""The ``drop_live_code`` fault (issue 13 item 5): the server's live set silently loses a code, as
LIST_SUBSCRIPTIONS shows it (SPEC §2.1 rule 4) and for the data, until the set is sent again."""

from __future__ import annotations

import json
import urllib.request

from tests.sim.conftest import subscribe, wait_for

BTC = "KRW-SIM000"
ETH = "KRW-SIM001"
SET = subscribe({"type": "ticker", "codes": [BTC, ETH]}, {"type": "orderbook", "codes": [f"{BTC}.15", f"{ETH}.5"]},
                {"type": "trade", "codes": [ETH]})


def listing(client, ticket: str) -> dict:
    """Ask LIST_SUBSCRIPTIONS; the answer, after every data frame sent before it."""
    client.send([{"ticket": ticket}, {"method": "LIST_SUBSCRIPTIONS"}])
    return wait_for(lambda: next((f for f in [client.recv()] if f.get("ticket") == ticket), None))


def test_a_dropped_code_leaves_the_listing_and_the_data_silently(sim, connect) -> None:
    client = connect(sim.public_url)
    client.send(SET)
    client.recv()
    conn_id = sim.stats()["connections"][0]["id"]
    assert sim.drop_live_code(ETH) == {"dropped_from": [conn_id]}
    answer = listing(client, "after-drop")
    # Every type object loses the code at any depth; one left without codes goes (SPEC §2.2: a
    # server never holds a type with empty codes).
    assert answer["result"] == [{"type": "ticker", "codes": [BTC]}, {"type": "orderbook", "codes": [f"{BTC}.15"],
                                                                      "level": 0}]
    assert sim.stats()["subscriptions"][str(conn_id)] == answer["result"]  # the live set, as listed
    later = client.collect(30.0, stop=lambda frames: sum(f.get("code") == BTC for f in frames) >= 20)
    assert {f.get("code") for f in later} == {BTC}  # no ETH after the answer, no error frame
    stats = sim.stats()
    assert stats["frames_sent"].get("error", 0) == 0 and stats["connections_open"] == 1
    client.send(SET)  # the client's repair: the whole set again (SPEC §2.1)
    assert listing(client, "after-resend")["result"] == [
        {"type": "ticker", "codes": [BTC, ETH]}, {"type": "orderbook", "codes": [f"{BTC}.15", f"{ETH}.5"], "level": 0},
        {"type": "trade", "codes": [ETH]}]


def test_only_the_named_connection_and_only_a_held_code(sim, connect) -> None:
    first, second = connect(sim.public_url), connect(sim.public_url)
    first.send(SET)
    second.send(SET)
    first.recv()
    second.recv()
    ids = sorted(c["id"] for c in sim.stats()["connections"])
    assert sim.drop_live_code("KRW-NOPE") == {"dropped_from": []}
    body = json.dumps({"code": ETH, "conn": ids[1]}).encode()  # through the HTTP control API
    request = urllib.request.Request(f"{sim.control_url}/drop_live_code", data=body, method="POST")
    with urllib.request.urlopen(request, timeout=5) as reply:
        assert json.loads(reply.read()) == {"dropped_from": [ids[1]]}
    assert ETH in listing(first, "first")["result"][0]["codes"]
    assert ETH not in listing(second, "second")["result"][0]["codes"]
