"""permessage-deflate (SPEC §1 [WIRE]: accepted when offered): frames are compressed per connection,
still BINARY UTF-8 JSON, one event per frame; controls follow the same path."""

from __future__ import annotations

import json

from websockets.sync.client import connect

from tests.sim.conftest import subscribe

BTC = "KRW-SIM000"


def test_deflate_connection_gets_the_same_frames(sim) -> None:
    with connect(sim.public_url, compression="deflate", proxy=None, open_timeout=5) as ws:
        assert ws.response.headers.get("Sec-WebSocket-Extensions", "").startswith("permessage-deflate")
        ws.send(json.dumps(subscribe({"type": "trade", "codes": [BTC]}, {"type": "ticker", "codes": [BTC]})))
        frames = [ws.recv(timeout=5) for _ in range(6)]
        assert all(isinstance(f, bytes) for f in frames)  # BINARY, decompressed by the client
        decoded = [json.loads(f) for f in frames]
        assert {d["type"] for d in decoded} == {"trade", "ticker"} and all(d["code"] == BTC for d in decoded)
        ws.send(json.dumps([{"ticket": "t"}, {"method": "LIST_SUBSCRIPTIONS"}]))
        answer = None
        for _ in range(200):
            data = json.loads(ws.recv(timeout=5))
            if data.get("method") == "LIST_SUBSCRIPTIONS":
                answer = data
                break
        assert answer is not None and {r["type"] for r in answer["result"]} == {"trade", "ticker"}
