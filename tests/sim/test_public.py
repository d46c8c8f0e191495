"""Public channel over real WebSockets with websocket-client (SPEC §1-§3, §2.1 overwrite)."""

from __future__ import annotations

import time

import websocket

from tests.sim.conftest import subscribe, wait_for

BTC = "KRW-SIM000"
ETH = "KRW-SIM001"


def test_paths_and_binary_frames(make_sim, connect) -> None:
    sim = make_sim()
    assert sim.public_url.startswith("ws://127.0.0.1:") and sim.public_url.endswith("/websocket/v1")
    assert sim.private_url == sim.public_url + "/private" and sim.control_url.startswith("http://127.0.0.1:")
    client = connect(sim.public_url)
    client.send(subscribe({"type": "ticker", "codes": [BTC]}, {"type": "trade", "codes": [BTC]}))
    frames = client.collect(2.0, stop=lambda f: len(f) >= 6)
    assert len(frames) >= 6
    assert set(client.opcodes) <= {websocket.ABNF.OPCODE_BINARY}  # SPEC §1 [WIRE]: every data frame BINARY
    try:
        websocket.create_connection(sim.public_url.replace("/websocket/v1", "/nope"), timeout=2)
        raise AssertionError("unknown path accepted")
    except websocket.WebSocketBadStatusException as exc:
        assert exc.status_code == 404


def test_snapshot_first_then_realtime_and_rough_snapshot_timing(make_sim, connect) -> None:
    sim = make_sim(snapshot_delays=(0.18, 0.34), rate=400.0)
    client = connect(sim.public_url)
    start = time.monotonic()
    client.send(subscribe({"type": "ticker", "codes": [BTC, ETH]}, {"type": "orderbook", "codes": [BTC]}))
    first = client.recv()
    elapsed = time.monotonic() - start
    assert 0.15 <= elapsed < 0.6  # SPEC §2.1 rule 2 [WIRE]: first burst ~172-188 ms
    frames = [first, *client.collect(1.0)]
    seen: dict[tuple[str, str], list[str]] = {}
    for frame in frames:
        seen.setdefault((frame["type"], frame["code"]), []).append(frame["stream_type"])
    assert set(seen) == {("ticker", BTC), ("ticker", ETH), ("orderbook", BTC)}
    for streams in seen.values():
        assert streams[0] == "SNAPSHOT" and set(streams[1:]) <= {"REALTIME"}
    assert any(len(s) > 1 for s in seen.values())


def test_new_request_replaces_the_whole_subscription_set(sim, connect) -> None:
    client = connect(sim.public_url)
    client.send(subscribe({"type": "ticker", "codes": [BTC]}, ticket="one"))
    wait_for(lambda: client.recv()["code"] == BTC)
    # A different ticket: the new request still replaces the whole set.
    client.send(subscribe({"type": "trade", "codes": [ETH]}, ticket="another"))
    switched = time.monotonic()
    late = []
    for frame in client.collect(1.0):
        if frame["type"] == "ticker":
            late.append(time.monotonic() - switched)
        else:
            assert (frame["type"], frame["code"]) == ("trade", ETH)
    assert all(t < 0.3 for t in late)  # nothing from the old set once the new one is live
    stats = sim.stats()
    (subs,) = stats["subscriptions"].values()
    assert subs == [{"type": "trade", "codes": [ETH]}]
    assert [f["kind"] for f in stats["client_frames"]] == ["subscribe", "subscribe"]


def test_is_only_snapshot_and_is_only_realtime(sim, connect) -> None:
    client = connect(sim.public_url)
    client.send(subscribe({"type": "ticker", "codes": [BTC, ETH], "is_only_snapshot": True}))
    frames = client.collect(0.8)
    assert sorted(f["code"] for f in frames) == [BTC, ETH]
    assert {f["stream_type"] for f in frames} == {"SNAPSHOT"}
    other = connect(sim.public_url)
    other.send(subscribe({"type": "trade", "codes": [BTC], "isOnlyRealtime": True}))
    frames = other.collect(0.5)
    assert frames and {f["stream_type"] for f in frames} == {"REALTIME"}


def test_lowercase_unknown_codes_and_bad_levels_are_silent(sim, connect) -> None:
    client = connect(sim.public_url)
    client.send(subscribe({"type": "ticker", "codes": ["krw-sim000", "KRW-NOPE"]},
                          {"type": "orderbook", "codes": [ETH], "level": 123}))
    assert client.collect(0.6) == []
    client.send(subscribe({"type": "ticker", "codes": ["KRW-NOPE", BTC]}))
    assert {f["code"] for f in client.collect(0.5)} == {BTC}  # mixed: only the valid code, socket still open
    assert sim.stats()["violations"] == []


def test_orderbook_depth_suffix_and_levels(sim, connect) -> None:
    client = connect(sim.public_url)
    client.send(subscribe({"type": "orderbook", "codes": [f"{BTC}.5", f"{ETH}.20"]}))
    frames = client.collect(2.0, stop=lambda f: {x["code"] for x in f} == {BTC, ETH})
    sizes = {f["code"]: len(f["orderbook_units"]) for f in frames}
    assert sizes == {BTC: 5, ETH: 30}  # SPEC §2: unsupported units fall back to 30, code has no suffix
    level = sim._runtime.side.directory.instruments[BTC].levels[0]
    client.send(subscribe({"type": "orderbook", "codes": [BTC], "level": level}))
    # A book of the old set may already be on its way (overwrite takes effect at the request).
    frames = client.collect(5.0, stop=lambda f: any(x["level"] for x in f))
    frame = next(f for f in frames if f["level"])
    assert frame["level"] == level and all(u["ask_price"] % level == 0 for u in frame["orderbook_units"])


def test_formats(sim, connect) -> None:
    client = connect(sim.public_url)
    client.send(subscribe({"type": "trade", "codes": [BTC]}, fmt="SIMPLE"))
    frame = client.recv()
    assert frame["ty"] == "trade" and "td" in frame and "sid" in frame
    client.send(subscribe({"type": "ticker", "codes": [BTC]}, fmt="JSON_LIST"))
    listed = client.recv()
    assert isinstance(listed, list) and listed[0]["type"] == "ticker"
    client.send(subscribe({"type": "orderbook", "codes": [BTC]}, fmt="SIMPLE_LIST"))
    (book,) = client.recv()
    assert "obu" in book and set(book["obu"][0]) == {"ap", "bp", "as", "bs"}
    client.send(subscribe({"type": "ticker", "codes": [BTC]}))  # no format object: DEFAULT again
    frame = client.recv()
    while isinstance(frame, list) and "obu" in frame[0]:  # orderbook frames sent before the switch
        frame = client.recv()
    assert frame["type"] == "ticker"


def test_list_subscriptions_answers_and_switches_format(sim, connect) -> None:
    client = connect(sim.public_url)
    client.send(subscribe({"type": "ticker", "codes": [BTC, ETH]}, {"type": "orderbook", "codes": [BTC]}))
    client.recv()
    client.send([{"ticket": "list-1"}, {"method": "LIST_SUBSCRIPTIONS"}])
    answer = wait_for(lambda: next((f for f in [client.recv()] if "method" in f), None))
    assert answer == {"method": "LIST_SUBSCRIPTIONS", "ticket": "list-1", "result": [
        {"type": "ticker", "codes": [BTC, ETH]}, {"type": "orderbook", "codes": [BTC], "level": 0}]}
    client.send([{"ticket": "list-2"}, {"method": "LIST_SUBSCRIPTIONS"}, {"format": "SIMPLE"}])
    simple = wait_for(lambda: next((f for f in [client.recv()] if "mthd" in f), None))
    assert simple["tckt"] == "list-2" and simple["rslt"][1] == {"ty": "orderbook", "cds": [BTC], "lv": 0}
    # SPEC §2.1 rule 4: the whole connection is now SIMPLE, subscriptions unchanged.
    frame = client.recv()
    assert "ty" in frame and frame["cd"] in (BTC, ETH)
    assert sim.stats()["connections"][0]["format"] == "SIMPLE"


def test_candles_follow_trades(make_sim, connect) -> None:
    sim = make_sim(markets=1, rate=300.0)
    client = connect(sim.public_url)
    client.send(subscribe({"type": "trade", "codes": [BTC]}, {"type": "candle.1s", "codes": [BTC]}))
    frames = client.collect(2.3)
    trades = [f for f in frames if f["type"] == "trade" and f["stream_type"] == "REALTIME"]
    candles = [f for f in frames if f["type"] == "candle.1s" and f["stream_type"] == "REALTIME"]
    assert trades and candles
    by_start: dict[str, dict] = {}
    for candle in candles:
        by_start[candle["candle_date_time_utc"]] = candle  # the latest frame per candle wins
    checked = 0
    for start, candle in by_start.items():
        # A candle frame folds the trades of its second published up to its timestamp; a trade
        # matched just before a flush but published after it lands in a superseded candle (the
        # live gaps, SPEC §10 item 13), so only those up to the candle's timestamp are compared.
        inside = [t for t in trades if f"{t['trade_date']}T{t['trade_time']}" == start
                  and t["timestamp"] <= candle["timestamp"]]
        if not inside:
            continue
        prices = [t["trade_price"] for t in inside]
        assert candle["high_price"] >= max(prices) and candle["low_price"] <= min(prices)
        last = [t for t in inside if t["timestamp"] == candle["timestamp"]]
        if last:
            assert candle["trade_price"] == last[-1]["trade_price"]
        checked += 1
    assert checked >= 1
    times = [c["candle_date_time_utc"] for c in candles]
    assert len(times) == len(set(times)) or len(candles) <= 4  # at most ~one frame per candle per second


def test_configured_rate_is_delivered(make_sim, connect) -> None:
    sim = make_sim(markets=4, rate=2000.0)
    client = connect(sim.public_url)
    types = ["ticker", "trade", "orderbook", "candle.1s", "candle.1m", "candle.3m", "candle.5m", "candle.10m",
             "candle.15m", "candle.30m", "candle.60m", "candle.240m"]
    codes = [f"KRW-SIM00{i}" for i in range(4)]
    client.send(subscribe(*({"type": t, "codes": codes, "is_only_realtime": True} for t in types)))
    client.collect(0.3)
    start = time.monotonic()
    frames = client.collect(1.0)
    rate = len(frames) / (time.monotonic() - start)
    assert 1500 <= rate <= 2500, rate
