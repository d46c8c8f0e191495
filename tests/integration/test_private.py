"""The private channel end to end (issue 5): the real tree (multiprocTCPBase, via ``Hub``) against
the in-process simulator's JWT-checked ``/websocket/v1/private`` (SPEC §3.5-3.7, §7).

Four module-scoped trees, each with its own simulator:

- ``good``: right keys, HS256, on a simulator that takes ONLY HS256, refuses reused nonces and
  drops a socket idle for 1.5 s: typed myOrder/myAsset events to the right components, one merged
  private request, a quiet link kept by pings, a fresh token per reconnect.
- ``failing`` (once per failure style: INVALID_AUTH frame, HTTP 401): a wrong secret on a
  simulator that takes ONLY HS512: auth_failed alerts and status, bounded spaced retries, the
  public stream unharmed; then the right HS512 keys connect; ``reset_auth`` retries after a stop.
- ``keyless``: no keys at all: private subscriptions rejected with the reason, public data flows,
  and the simulator never sees a private handshake.

Within a tree the tests run in file order, each leaving it as the next one expects (starting a
tree costs seconds). Every wait polls with a deadline; the figures printed (``-s``) are for
reading, not asserted.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from upbit_actors.actors.component import Component
from upbit_actors.actors.tree import Hub
from upbit_actors.messages import Credentials, DataType, HubConfig, MyAsset, MyOrder, Ticker
from upbit_actors.system.registry.book import NO_KEYS_REASON
from upbit_actors.tools.sim import SimConfig, Simulator

from .helpers import actor, details, drain, next_event, requested, wait_for

pytestmark = [
    pytest.mark.slow,
    # The simulator checks HS512 tokens signed with a 40-character secret (Upbit's length).
    pytest.mark.filterwarnings("ignore::jwt.InsecureKeyLengthWarning"),
]

MARKETS = ["KRW-BTC", "KRW-ETH", "KRW-XRP"]
ACCESS = "itest-access-key-0123456789abcdefghijklm"
SECRET = "itest-secret-key-9876543210zyxwvutsrqpon"
WRONG_SECRET = "itest-wrong-secret-00000000000000000000"
PRIVATE_PATH = "/websocket/v1/private"
IDLE = 1.5
"""The good simulator's idle close: far below Upbit's ~60 s, so a test sees several periods."""
MAX_AUTH_FAILURES = 3
BACKOFF_INITIAL = 0.3


# -- helpers ------------------------------------------------------------------------------------
def private_conns(sim: Simulator) -> list[dict[str, Any]]:
    return [c for c in sim.stats()["connections"] if c["path"] == "private"]


def private_handshakes(sim: Simulator) -> list[dict[str, Any]]:
    return [h for h in sim.stats()["handshakes"] if h["path"] == PRIVATE_PATH]


def private_subscribes(sim: Simulator) -> list[dict[str, Any]]:
    stats = sim.stats()
    ids = {c["id"] for c in stats["connections"] if c["path"] == "private"}
    return [f for f in stats["client_frames"] if f["kind"] == "subscribe" and f["conn"] in ids]


def items(frame: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """type -> its request object, of one subscribe frame."""
    return {i["type"]: i for i in json.loads(frame["data"]) if isinstance(i, dict) and "type" in i}


def events_until(stream, done: Callable[[list[Any]], bool], timeout: float = 15.0) -> list[Any]:
    """Events of ``stream`` until ``done(events so far)``."""
    events: list[Any] = []
    deadline = time.monotonic() + timeout
    while not done(events):
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"stream {stream.name}: condition not met; got {events!r}")
        try:
            events.append(stream.get(timeout=min(left, 0.5)))
        except queue.Empty:
            pass
    return events


def assert_no_secrets(hub: Hub, *streams) -> None:
    """Nothing the system reports shows a key (SPEC §7; issue 5)."""
    texts = [repr(hub.status())] + [repr(s.alerts) + repr(s.rejections) for s in streams]
    for text in texts:
        for secret in (ACCESS, SECRET, WRONG_SECRET):
            assert secret not in text


class PrivateCollector(Component):
    """Subscribes to myOrder (params ``my_order``: codes, () for all) and myAsset (``my_asset``)
    in ``on_start``, and records (type, code, state) of every event it gets."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[tuple[str, str, str]] = []

    def on_start(self) -> None:
        if "my_order" in self.params:
            self.subscribe(DataType.MY_ORDER, self.params["my_order"])
        if self.params.get("my_asset"):
            self.subscribe(DataType.MY_ASSET)

    def on_event(self, event) -> None:
        if len(self.seen) < 1000:
            self.seen.append((type(event).__name__, getattr(event, "code", ""),
                              str(getattr(event, "state", ""))))

    def status_details(self) -> dict:
        return {**super().status_details(), "seen": list(self.seen)}


def hub_config(sim: Simulator, **overrides: Any) -> HubConfig:
    settings = dict(public_url=sim.public_url, private_url=sim.private_url, merge_window=0.1,
                    backoff_initial=BACKOFF_INITIAL, backoff_max=2.0, max_auth_failures=MAX_AUTH_FAILURES,
                    ping_interval=0.4, pong_timeout=3.0)
    settings.update(overrides)
    return HubConfig(**settings)


# -- the good tree --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def good() -> Iterator[tuple[Simulator, Hub]]:
    config = SimConfig(rate=100, markets=MARKETS, access_key=ACCESS, secret_key=SECRET,
                       reject_reused_nonce=True, jwt_algorithms=("HS256",), idle_timeout=IDLE)
    with Simulator(config) as sim:
        with Hub(hub_config(sim), credentials=Credentials(access_key=ACCESS, secret_key=SECRET)) as hub:
            yield sim, hub


@pytest.fixture(scope="module")
def good_streams() -> dict[str, Any]:
    return {}


def test_one_merged_private_request_and_typed_events(good) -> None:
    sim, hub = good
    hub.spawn(PrivateCollector, "btc-and-assets", my_order=["KRW-BTC"], my_asset=True)
    frame = wait_for(lambda: private_subscribes(sim), what="a private subscribe")[0]
    # Both types in one request (the component asked twice, the merge window folded them), and
    # myAsset without any codes field (SPEC §3.6: codes make Upbit answer WRONG_FORMAT).
    assert requested(frame) == {"myOrder": {"KRW-BTC"}, "myAsset": set()}
    assert "codes" not in items(frame)["myAsset"]
    assert len(private_subscribes(sim)) == 1

    sim.set_balance(ACCESS, "KRW", 10_000_000.0)
    buy = sim.place_order(ACCESS, "KRW-BTC", "bid", "limit", 100_000_000.0, 0.01)
    sim.fill_order(buy, 0.004)
    sim.fill_order(buy)
    sell = sim.place_order(ACCESS, "KRW-BTC", "ask", "limit", 200_000_000.0, 0.002)
    sim.cancel_order(sell)

    def collected():
        seen = details(hub, "component:btc-and-assets").get("seen", [])
        orders = [tuple(s) for s in seen if s[0] == "MyOrder"]
        return seen if len(orders) >= 6 else None

    seen = wait_for(collected, what="the component's myOrder events")
    orders = [(code, state) for kind, code, state in seen if kind == "MyOrder"]
    assert orders == [("KRW-BTC", "wait"), ("KRW-BTC", "trade"), ("KRW-BTC", "trade"),
                      ("KRW-BTC", "done"), ("KRW-BTC", "wait"), ("KRW-BTC", "cancel")]
    assert sum(1 for kind, _, _ in seen if kind == "MyAsset") >= 2


def test_my_order_by_code_and_for_all_markets(good, good_streams) -> None:
    sim, hub = good
    before = len(private_subscribes(sim))
    good_streams["btc"] = btc = hub.stream(DataType.MY_ORDER, ["KRW-BTC"], name="p-btc")
    good_streams["all"] = every = hub.stream(DataType.MY_ORDER, name="p-all")
    good_streams["assets"] = assets = hub.stream(DataType.MY_ASSET, name="p-assets")

    def all_markets_request():
        frames = [f for f in private_subscribes(sim)[before:] if "myAsset" in items(f)]
        frames = [f for f in frames if "codes" not in items(f).get("myOrder", {"codes": 1})]
        return frames[-1] if frames else None

    frame = wait_for(all_markets_request, what="a private request with myOrder for all markets")
    assert requested(frame) == {"myOrder": set(), "myAsset": set()}  # codes omitted: all markets
    # Every private request went on one socket: a changed set replaces, never reconnects.
    assert len({f["conn"] for f in private_subscribes(sim)}) == 1

    eth = sim.place_order(ACCESS, "KRW-ETH", "bid", "limit", 3_000_000.0, 0.1)
    btc_order = sim.place_order(ACCESS, "KRW-BTC", "bid", "limit", 90_000_000.0, 0.001)
    got_all = events_until(every, lambda ev: {e.uuid for e in ev} >= {eth, btc_order})
    assert all(isinstance(e, MyOrder) for e in got_all)
    assert {e.code for e in got_all} == {"KRW-ETH", "KRW-BTC"}
    # ETH was placed first and one socket delivers in order: had it been routed to the KRW-BTC
    # stream it would be there before the BTC order.
    got_btc = events_until(btc, lambda ev: any(e.uuid == btc_order for e in ev))
    got_btc += drain(btc)
    assert [e.code for e in got_btc] == ["KRW-BTC"] * len(got_btc)
    assert eth not in {e.uuid for e in got_btc}
    got_assets = events_until(assets, lambda ev: len(ev) >= 2)
    assert all(isinstance(e, MyAsset) for e in got_assets)
    seen = details(hub, "component:btc-and-assets")["seen"]
    assert all(code != "KRW-ETH" for kind, code, _ in seen if kind == "MyOrder")
    sim.cancel_order(eth)
    sim.cancel_order(btc_order)


def test_quiet_private_link_survives_idle_periods(good, good_streams) -> None:
    sim, hub = good
    open_private = [c for c in private_conns(sim) if c["closed"] is None]
    assert len(open_private) == 1
    conn_id = open_private[0]["id"]
    reconnects = details(hub, "connection.private")["reconnects"]
    drain(good_streams["assets"])
    # Four of the simulator's idle periods without one private event: pings alone keep it open.
    watch_until = time.monotonic() + 4 * IDLE
    while time.monotonic() < watch_until:
        record = next(c for c in private_conns(sim) if c["id"] == conn_id)
        assert record["closed"] is None, record
        time.sleep(0.2)
    pings = [f for f in sim.stats()["client_frames"] if f["conn"] == conn_id and f["kind"] == "ping"]
    print(f"\nquiet private link: {len(pings)} pings over {4 * IDLE:.1f} s, idle close at {IDLE} s")
    assert details(hub, "connection.private")["reconnects"] == reconnects
    assert actor(hub, "connection.private").state == "open"
    sim.set_balance(ACCESS, "BTC", 1.5)
    event = next_event(good_streams["assets"])
    assert isinstance(event, MyAsset)
    assert next(c for c in private_conns(sim) if c["id"] == conn_id)["closed"] is None


def test_fresh_token_per_reconnect(good, good_streams) -> None:
    sim, hub = good
    for _ in range(3):
        opened = len(private_conns(sim))
        count = len(private_subscribes(sim))
        sim.drop_all()
        wait_for(lambda: len(private_conns(sim)) > opened, what="a private reconnect")
        wait_for(lambda: len(private_subscribes(sim)) > count, what="the replayed private request")
    # reject_reused_nonce is on: a reused token would have been refused (auth_refused or an
    # INVALID_AUTH error frame), and every private socket would not be authenticated.
    stats = sim.stats()
    assert stats["violations"] == []
    assert stats["frames_sent"].get("error", 0) == 0
    assert all(c["authenticated"] for c in private_conns(sim))
    assert details(hub, "jwt")["tokens_issued"] >= len(private_handshakes(sim))
    assert details(hub, "connection.private")["auth_failures"] == 0
    drain(good_streams["assets"])
    sim.set_balance(ACCESS, "KRW", 5_000_000.0)
    assert isinstance(next_event(good_streams["assets"]), MyAsset)
    assert_no_secrets(hub, *good_streams.values())


def kill_and_wait(hub: Hub, role: str) -> None:
    pid = actor(hub, role).pid
    os.kill(pid, signal.SIGKILL)
    wait_for(lambda: (s := actor(hub, role)) is not None and s.pid != pid, what=f"a restarted {role}")


def test_restarts_keep_what_is_known_about_the_keys(good, good_streams) -> None:
    sim, hub = good
    version = details(hub, "jwt")["keys_version"]
    assert details(hub, "connection.private")["keys_version"] == version
    # A restarted JWT actor gets its keys back from the supervisor: same keys, same version, so
    # the private connection sees no key change.
    kill_and_wait(hub, "jwt")
    wait_for(lambda: details(hub, "jwt").get("keys_loaded"), what="the keys back in the JWT actor")
    assert details(hub, "jwt")["keys_version"] == version
    # A restarted registry or private connection hears KeysState again.
    kill_and_wait(hub, "registry")
    wait_for(lambda: details(hub, "registry").get("keys_loaded") is True, what="the registry told")
    kill_and_wait(hub, "connection.private")
    wait_for(lambda: details(hub, "connection.private").get("keys_version") == version,
             what="the private connection told")
    wait_for(lambda: actor(hub, "connection.private").state == "open", what="the private socket back")
    drain(good_streams["assets"])
    sim.set_balance(ACCESS, "ETH", 2.0)
    assert isinstance(next_event(good_streams["assets"]), MyAsset)


# -- wrong keys -----------------------------------------------------------------------------------
@pytest.fixture(scope="module", params=["frame", "http401"])
def failing(request) -> Iterator[dict[str, Any]]:
    config = SimConfig(rate=100, markets=MARKETS, access_key=ACCESS, secret_key=SECRET,
                       reject_reused_nonce=True, jwt_algorithms=("HS512",), auth_failure=request.param)
    wrong = Credentials(access_key=ACCESS, secret_key=WRONG_SECRET, algorithm="HS512")
    with Simulator(config) as sim:
        with Hub(hub_config(sim), credentials=wrong) as hub:
            yield {"sim": sim, "hub": hub, "mode": request.param, "streams": {}}


def stopped_after_failures(case: dict[str, Any], since: int = 0) -> list[dict[str, Any]]:
    """Waits for the private connection to stop on auth failures; returns the handshakes made
    since index ``since`` (checking that no more come for a while)."""
    sim, hub = case["sim"], case["hub"]
    wait_for(lambda: actor(hub, "connection.private").state == "auth_failed", timeout=20,
             what="the private connection to stop on auth failures")
    made = private_handshakes(sim)[since:]
    quiet_until = time.monotonic() + 2.0  # several retry floors: nothing more is tried
    while time.monotonic() < quiet_until:
        assert len(private_handshakes(sim)) - since == len(made)
        time.sleep(0.1)
    return made


def test_wrong_key_alerts_and_stops_retrying(failing) -> None:
    sim, hub, streams = failing["sim"], failing["hub"], failing["streams"]
    streams["ticker"] = ticker = hub.stream(DataType.TICKER, ["KRW-BTC"], name="f-ticker")
    streams["orders"] = orders = hub.stream(DataType.MY_ORDER, ["KRW-BTC"], name="f-orders")
    made = stopped_after_failures(failing)
    times = [h["time"] for h in made]
    gaps = [round(b - a, 3) for a, b in zip(times, times[1:], strict=False)]
    print(f"\n{failing['mode']}: {len(made)} private handshakes, gaps {gaps} s")
    assert len(made) == MAX_AUTH_FAILURES
    assert all(g >= BACKOFF_INITIAL * 0.9 for g in gaps)  # spaced by the retry floor, never a tight loop
    if failing["mode"] == "http401":
        assert [h["status"] for h in made] == [401] * MAX_AUTH_FAILURES
    else:
        assert [h["status"] for h in made] == [101] * MAX_AUTH_FAILURES
        assert sim.stats()["frames_sent"].get("error", 0) >= MAX_AUTH_FAILURES  # INVALID_AUTH

    d = details(hub, "connection.private")
    assert d["auth_failures"] == MAX_AUTH_FAILURES
    failure = wait_for(lambda: hub.auth_failure and hub.auth_failure.failures == MAX_AUTH_FAILURES,
                       what="Hub.auth_failure") and hub.auth_failure
    assert not failure.retrying and failure.reason == d["last_error"]
    assert ("INVALID_AUTH" if failing["mode"] == "frame" else "401") in d["last_error"]
    wait_for(lambda: any(a.kind == "auth_failed" for a in orders.alerts), what="auth_failed on the stream")
    assert not any(a.kind == "auth_failed" for a in ticker.alerts)
    # Subscribing after the retries stopped: told at once, not left waiting in silence.
    late = hub.stream(DataType.MY_ASSET, name="f-late")
    wait_for(lambda: any(a.kind == "auth_failed" for a in late.alerts), what="auth_failed on a late stream")
    late.close()
    # A restarted router is told again by the connection.
    kill_and_wait(hub, "router")
    later = hub.stream(DataType.MY_ASSET, name="f-later")
    wait_for(lambda: any(a.kind == "auth_failed" for a in later.alerts), what="auth_failed after a router restart")
    later.close()
    # The public side kept running throughout.
    drain(ticker)
    assert isinstance(next_event(ticker), Ticker)
    assert actor(hub, "connection.public").state == "open"
    assert_no_secrets(hub, ticker, orders)


def test_new_keys_connect_and_deliver(failing) -> None:
    sim, hub, streams = failing["sim"], failing["hub"], failing["streams"]
    hub.set_credentials(Credentials(access_key=ACCESS, secret_key=SECRET, algorithm="HS512"))
    assert hub.auth_failure is None
    wait_for(lambda: actor(hub, "connection.private").state == "open", what="the private socket opening")
    # This simulator takes only HS512: the socket being authenticated proves the algorithm.
    wait_for(lambda: any(c["authenticated"] and c["closed"] is None for c in private_conns(sim)),
             what="an authenticated private socket")
    wait_for(lambda: private_subscribes(sim), what="the private request")
    uuid = sim.place_order(ACCESS, "KRW-BTC", "bid", "limit", 95_000_000.0, 0.001)
    event = events_until(streams["orders"], lambda ev: any(e.uuid == uuid for e in ev))[-1]
    assert isinstance(event, MyOrder) and event.code == "KRW-BTC"
    wait_for(lambda: details(hub, "connection.private")["auth_failures"] == 0,
             what="the auth failure count reset")
    assert details(hub, "jwt")["algorithm"] == "HS512"


def test_reset_auth_tries_again_after_stopping(failing) -> None:
    sim, hub = failing["sim"], failing["hub"]
    # Wrong keys again: the open socket keeps working until it drops, then the retries fail.
    hub.set_credentials(Credentials(access_key=ACCESS, secret_key=WRONG_SECRET, algorithm="HS512"))
    since = len(private_handshakes(sim))
    sim.drop_all()
    first = stopped_after_failures(failing, since)
    assert len(first) == MAX_AUTH_FAILURES
    since = len(private_handshakes(sim))
    hub.reset_auth()
    again = stopped_after_failures(failing, since)
    print(f"\n{failing['mode']}: reset_auth made {len(again)} more handshakes")
    assert len(again) == MAX_AUTH_FAILURES
    assert details(hub, "connection.private")["auth_failures"] == MAX_AUTH_FAILURES
    assert isinstance(next_event(failing["streams"]["ticker"]), Ticker)


# -- no keys --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def keyless() -> Iterator[tuple[Simulator, Hub]]:
    with pytest.MonkeyPatch.context() as env:
        for name in ("UPBIT_ACCESS_KEY", "UPBIT_SECRET_KEY", "UPBIT_KEY_FILE"):
            env.delenv(name, raising=False)
        assert not any(os.environ.get(n) for n in ("UPBIT_ACCESS_KEY", "UPBIT_SECRET_KEY"))
        config = SimConfig(rate=100, markets=MARKETS, access_key=ACCESS, secret_key=SECRET)
        with Simulator(config) as sim:
            with Hub(hub_config(sim)) as hub:
                yield sim, hub


def test_without_keys_private_is_rejected_and_public_flows(keyless) -> None:
    sim, hub = keyless
    ticker = hub.stream(DataType.TICKER, ["KRW-ETH"], name="k-ticker")
    early = hub.stream(DataType.MY_ORDER, ["KRW-BTC"], name="k-orders")
    wait_for(lambda: early.rejections, what="the private subscription rejected")
    assert early.rejections[0].reason == NO_KEYS_REASON
    assert isinstance(next_event(ticker), Ticker)
    # Once the JWT actor has said "no keys", a new private subscribe is rejected outright.
    wait_for(lambda: details(hub, "registry").get("keys_loaded") is False, what="the registry knowing")
    later = hub.stream(DataType.MY_ASSET, name="k-assets")
    wait_for(lambda: later.rejections, what="the second private subscription rejected")
    assert later.rejections[0].reason == NO_KEYS_REASON
    assert actor(hub, "jwt").state == "no_keys"
    # The set of the early subscription, released when the keys were known absent, empties at
    # the end of the merge window (the checks above can take less than that).
    wait_for(lambda: details(hub, "registry")["merged"]["private"]["streams"] == 0,
             what="the private set emptied")
    drain(ticker)
    assert isinstance(next_event(ticker), Ticker)
    assert private_handshakes(sim) == [] and private_conns(sim) == []
    assert actor(hub, "connection.public").state == "open"
    # A restarted registry is told again that there are no keys.
    kill_and_wait(hub, "registry")
    wait_for(lambda: details(hub, "registry").get("keys_loaded") is False, what="the new registry told")
    assert private_handshakes(sim) == []
    assert_no_secrets(hub, ticker, early, later)
