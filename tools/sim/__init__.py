"""A faithful local Upbit WebSocket server for tests, demos and benchmarks (``upbit-actors sim``).

It follows ``../shared/upbit/SPEC.md``: where the live server ([WIRE]) differs from the docs it
copies the live server, and every [UNVERIFIED] behaviour is a :class:`SimConfig` field. It never
imports the project's codec or message packages: it is an independent implementation, so it can
catch our client's mistakes.

Python API (tests run it in a background thread with its own event loop)::

    from upbit_actors.tools.sim import Simulator, SimConfig
    with Simulator(SimConfig(seed=1, rate=200.0, markets=20, idle_timeout=1.0)) as sim:
        sim.public_url, sim.private_url, sim.control_url, sim.rest_url, sim.port, sim.control_port, sim.urls
        sim.make_token(nonce=None, algorithm="HS256")          # a JWT the private path accepts
        sim.stats()                                            # JSON-able dict, see below
        sim.drop_all(); sim.stall_data(s); sim.stall_all(s); sim.send_garbage()
        sim.send_error_and_close(name="INVALID_PARAM")
        sim.refuse_handshakes(s, status=503); sim.slow_handshakes(s, delay)
        sim.set_rate(frames_per_second)
        sim.drop_live_code(code, conn=None)    # the live set silently loses a code (LIST_SUBSCRIPTIONS too)
        uuid = sim.place_order(access_key, code, side, ord_type, price, volume, identifier=None)
        sim.fill_order(uuid, volume=None); sim.cancel_order(uuid)
        sim.set_balance(access_key, currency, balance, locked=0.0)
        sim.reset(market=False)

``stats()`` keys: ``connections_opened``, ``connections_closed``, ``connections_open``,
``connections`` (per connection: id, path, remote, opened, closed, close_reason, access_key,
authenticated, format, subscriptions, frames_sent, frames_received), ``subscriptions``
(open connection id -> live LIST_SUBSCRIPTIONS-style set), ``client_frames`` (conn, time, opcode,
kind = subscribe | list | ping_text | invalid | rate_limited | ignored | ping, data),
``frames_sent`` (per type: ticker, trade, orderbook, candle.*, myOrder, myAsset, status, error,
list_subscriptions, garbage), ``violations`` (time, kind = message_rate | handshake_rate |
error_sent | auth_refused | slow_consumer | rest_rate, conn, detail), ``handshakes`` (time, client, path,
status), ``handshakes_accepted``, ``handshakes_refused`` (status -> count), ``dropped_frames``,
``rest_requests`` (time, client, target,
status), ``rest_counts`` ("path status" -> count), ``faults`` (seconds left of each), ``market`` (rate, events, codes, forgiven = frames the pacer
could not make in time since the last rate change), ``urls``.

REST on the WebSocket port, like api.upbit.com (``rest_url`` = ``http://HOST:PORT``; ``tools.sim.rest``,
endpoints in ``tools.sim.rest_routes``; 10 requests/s per IP and group, then HTTP 429 and a
``rest_rate`` violation, SPEC §5)::

    GET  /v1/market/all[?is_details=true]   the streamed market list (SPEC §8 shape)

HTTP control API on ``control_url`` (127.0.0.1, JSON in and out, ``Connection: close``)::

    GET  /health                    {"ok": true, public_url, private_url, control_url, port, control_port}
    GET  /stats                     the stats() dict
    GET  /v1/market/all[?is_details=true]   REST market list (SPEC §8 shape), for REST-first clients
    POST /drop_all                  {}
    POST /stall_data                {"seconds": 2.0}
    POST /stall_all                 {"seconds": 2.0}
    POST /send_garbage              {}
    POST /send_error_and_close      {"name": "INVALID_PARAM"}
    POST /refuse_handshakes         {"seconds": 5.0, "status": 503}      (503 or 429)
    POST /slow_handshakes           {"seconds": 5.0, "delay": 1.0}
    POST /set_rate                  {"rate": 1000.0}
    POST /drop_live_code            {"code": "KRW-ETH", "conn": null}   -> {"dropped_from": [ids]}
    POST /place_order               {"access_key", "code", "side", "ord_type", "price", "volume",
                                     "identifier", "time_in_force"} -> {"uuid": ...}
    POST /fill_order                {"uuid": ..., "volume": null}
    POST /cancel_order              {"uuid": ...}
    POST /set_balance               {"access_key", "currency", "balance", "locked"}
    POST /reset                     {"market": false}

Throughput: ``upbit-actors bench sim [--readers 1,3] [--reader client|raw]`` prints the frames/s
1 and several websocket-client readers (or raw frame counters) receive at increasing rates.

Modules: ``config`` (SimConfig), ``protocol`` (request parsing), ``routes`` (subscription sets),
``errors`` (error frames), ``markets`` / ``book`` / ``candles`` / ``market`` (the seeded market),
``pacer`` (frame rate), ``frames`` / ``encode`` (wire frames), ``private`` (orders, balances),
``writers`` (pre-compiled ticker/trade bytes), ``auth`` (JWT), ``limits`` (rate limits),
``faults``, ``stats``, ``client`` / ``fanout`` / ``outbox`` / ``server`` (WebSocket I/O: one
connection, the data plane in paced bursts, batched writes, handshakes), ``ops`` / ``control``
(control API), ``simulator`` (thread runner), ``cli`` (``upbit-actors sim``).
"""

from __future__ import annotations

from upbit_actors.tools.sim.config import SimConfig
from upbit_actors.tools.sim.simulator import Runtime, Simulator

__all__ = ["Runtime", "SimConfig", "Simulator"]
