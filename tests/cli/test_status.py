"""``upbit-actors status``: rendering (pure, fast) and the command against a real tree (slow).

The slow tests share one ``Hub`` started in this test process against the in-process simulator,
with a few streams; the command runs as a subprocess attached to it, as a user would run it.
"""

from __future__ import annotations

import json
import os
import queue
import re
import signal
from collections.abc import Iterator

import pytest

from tests.cli.conftest import FakeKeys, read_line, run_cli, start_cli, stop_cli, system_records
from upbit_actors.actors.tree import Hub
from upbit_actors.messages import ActorStatus, Credentials, DataType, HubConfig, SystemStatus
from upbit_actors.system import runtime
from upbit_actors.system.limiter.budget import MESSAGES_PER_MINUTE, MESSAGES_PER_SECOND
from upbit_actors.system.runtime import processes
from upbit_actors.tools.sim import Simulator
from upbit_actors.tools.status_cmd import render, snapshot_document

ROLES = ("supervisor", "registry", "limiter", "rest", "router", "jwt", "connection.public",
         "connection.private")
"""Every actor the ``hub`` fixture runs (its streams are consumers without an actor)."""
STREAMS = ("tick", "trades", "assets")
"""The ``hub`` fixture's streams: the router lists each among its consumers."""

KEYS = ("role", "address", "pid", "state", "started_at", "uptime", "restarts", "handled",
        "queue_depth", "drops", "details")


# -- rendering: a hand-built status, no actor system ----------------------------------------------
def _actor(role: str, pid: int, started_at: float, **details) -> ActorStatus:
    return ActorStatus(role=role, address=f"ActorAddr-(T|:{40000 + pid})", pid=pid,
                       state=details.pop("state", "running"), started_at=started_at, handled=pid * 10,
                       queue_depth=details.pop("queue_depth", 0), drops=details.pop("drops", 0),
                       details=tuple(details.items()))


def _hand_built() -> SystemStatus:
    t0 = 1_000_000.0
    return SystemStatus(request_id="r", collected_at=t0 + 3725.0, actors=(
        _actor("supervisor", 1, t0, epoch=3, components=["board"], unrecognized=0,
               restarts={"registry": 0, "connection.public": 2}),
        _actor("registry", 2, t0, keys=3, routing_generation=7, components=[
            {"name": "board", "address": "ActorAddr-(T|:1)", "keys": 3}],
            merged={"public": {"generation": 4, "streams": 2, "codes": 3, "pending": True, "set": [
                {"type": "ticker", "codes": ["KRW-BTC", "KRW-ETH"]},
                {"type": "orderbook", "codes": ["KRW-BTC.5"], "only_realtime": True}]}}),
        _actor("limiter", 3, t0, requests_sent=5, handshakes_used_1s=1, handshakes_waiting=[],
               public={"epoch": 9, "sent": 5, "pending": False, "used_1s": 1, "used_60s": 3}),
        _actor("router", 4, t0, frames=120, cached=3, queue_depth=7, drops=2,
               components={"board": {"buffered": 7, "delivered": 100, "dropped": 2}}),
        _actor("jwt", 5, t0, state="ready", keys_loaded=True, algorithm="HS256", tokens_issued=1),
        _actor("connection.public", 6, t0 + 3700.0, state="open", endpoint="public", epoch=9,
               reconnects=2, frames=120, requests_sent=5, last_frame_age=0.25, auth_failures=0,
               last_error=""),
        _actor("component:board", 7, t0, name="board", events_received=100, events_dropped=2,
               subscriptions=["ticker:KRW-BTC,KRW-ETH"], future_figure=42, poisoned=1),
    ))


def test_render_table_is_aligned_one_line_per_actor() -> None:
    status = _hand_built()
    text = render(status, admin_port=1900)
    lines = text.splitlines()
    assert lines[0].startswith("upbit-actors on 127.0.0.1:1900: 7 actors")
    header, rows = lines[1], lines[2:2 + len(status.actors)]
    assert header.split() == ["ROLE", "ADDRESS", "PID", "STATE", "UPTIME", "RESTARTS", "HANDLED",
                              "HANDLED/S", "QUEUE", "DROPS", "DROPS/S"]
    assert [row.split()[0] for row in rows] == [a.role for a in status.actors]
    # Aligned: every row's address column starts where the header's does.
    column = header.index("ADDRESS")
    assert all(row[column:].startswith("ActorAddr-") for row in rows)
    cells = {row.split()[0]: row.split() for row in rows}
    assert cells["supervisor"][4] == "1h02m"  # uptime = collected_at - started_at = 3725 s
    assert cells["connection.public"][4] == "25.0s"
    assert cells["connection.public"][5] == "2"  # restarts from the supervisor's ledger
    assert cells["router"][8:10] == ["7", "2"]  # queue depth and drops
    assert cells["router"][7] == cells["router"][10] == "-"  # one snapshot: no rates


def test_render_details_per_role() -> None:
    text = render(_hand_built())
    assert "epoch 3; restarts: connection.public 2" in text
    assert "public: generation 4, 2 streams, 3 codes, change pending; " \
           "ticker: KRW-BTC,KRW-ETH; orderbook: KRW-BTC.5 (only_realtime)" in text
    assert "board (3 keys)" in text
    per_second, per_minute = MESSAGES_PER_SECOND, MESSAGES_PER_MINUTE
    assert f"public: {per_second}/s used 1 left {per_second - 1}, " \
           f"{per_minute}/min used 3 left {per_minute - 3}; sent 5" in text
    assert "board: buffered 7, delivered 100, dropped 2" in text
    assert "keys loaded yes, algorithm HS256, tokens issued 1" in text
    assert "epoch 9, reconnects 2, last frame 0.25s ago" in text
    assert "events received 100, events dropped 2" in text
    assert "subscriptions: ticker:KRW-BTC,KRW-ETH" in text
    assert "future figure 42" in text  # a figure this tool does not know is still shown
    assert "poisoned 1" in text and "unrecognized" not in text  # base counters only when not 0


def test_snapshot_document_has_stable_keys_and_derived_figures() -> None:
    doc = snapshot_document(_hand_built(), admin_port=1900)
    assert list(doc) == ["admin_port", "collected_at", "actors", "rate_budget", "rates", "rate_interval"]
    assert all(list(actor) == list(KEYS) for actor in doc["actors"])
    by_role = {a["role"]: a for a in doc["actors"]}
    assert by_role["supervisor"]["uptime"] == 3725.0
    assert by_role["connection.public"]["restarts"] == 2
    assert by_role["registry"]["details"]["merged"]["public"]["codes"] == 3
    assert doc["rate_budget"]["public"]["per_second"] == {
        "limit": MESSAGES_PER_SECOND, "used": 1, "left": MESSAGES_PER_SECOND - 1}
    assert doc["rate_budget"]["handshakes"]["per_second"]["used"] == 1
    json.dumps(doc)  # JSON-able as it is


def test_a_detail_named_like_a_secret_is_never_shown() -> None:
    leaky = _actor("jwt", 5, 0.0, tokens_issued=2, secret_key="SKleak", nested={"access_key": "AKleak"})
    status = SystemStatus(request_id="r", collected_at=1.0, actors=(leaky,))
    text = render(status) + json.dumps(snapshot_document(status))
    assert "SKleak" not in text and "AKleak" not in text
    assert "tokens issued 2" in text  # a count about tokens is not a secret


def test_details_of_an_unknown_shape_are_shown_plainly() -> None:
    odd = _actor("registry", 2, 0.0, merged=["not", "a", "dict"], components=7)
    text = render(SystemStatus(request_id="r", collected_at=1.0, actors=(odd,)))
    assert "merged not,a,dict" in text and "components 7" in text


def test_nothing_listening_is_one_clear_line_and_starts_nothing() -> None:
    # Not marked slow: no actor system is started (that is the point), only the command.
    port = runtime.free_port()
    result = run_cli(["status", "--admin-port", str(port)], timeout=60)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        f"upbit-actors status: no actor system on 127.0.0.1:{port}: nothing listens there"]
    assert runtime.probe_port(port) is runtime.PortState.FREE
    assert not processes.listener_pids(port)


# -- the command against a real tree ----------------------------------------------------------------
@pytest.fixture(scope="module")
def hub(sim: Simulator, fake_keys: FakeKeys) -> Iterator[Hub]:
    config = HubConfig(public_url=sim.public_url, private_url=sim.private_url, merge_window=0.1)
    with Hub(config, credentials=Credentials(access_key=fake_keys.access_key,
                                             secret_key=fake_keys.secret_key)) as hub:
        streams = [hub.stream(DataType.TICKER, ["KRW-BTC", "KRW-ETH"], name="tick"),
                   hub.stream(DataType.TRADE, ["KRW-XRP"], name="trades"),
                   hub.stream(DataType.MY_ASSET, name="assets")]
        for stream in streams[:2]:
            try:
                stream.get(timeout=30)
            except queue.Empty:
                pytest.fail(f"no event on stream {stream.name} within 30 s")
        yield hub


def _no_secrets(text: str, keys: FakeKeys) -> None:
    assert keys.access_key not in text and keys.secret_key not in text


def _system_pids(hub: Hub) -> set[int]:
    return {record.pid for record in system_records(hub.admin_port)}


@pytest.fixture(scope="module")
def runs(hub: Hub) -> dict[str, object]:
    """One plain and one ``--json`` run of the command (each costs a Python start), and the
    tree's pids by role before them."""
    before = {a.role: a.pid for a in hub.status().actors}
    port = str(hub.admin_port)
    return {"before": before, "table": run_cli(["status", "--admin-port", port]),
            "json": run_cli(["status", "--admin-port", port, "--json"])}


@pytest.mark.slow
def test_table_shows_every_actor_of_the_running_tree(hub: Hub, runs, fake_keys: FakeKeys) -> None:
    result = runs["table"]
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    _no_secrets(result.stdout, fake_keys)
    rows = {}
    for line in result.stdout.splitlines():
        cells = line.split()
        if cells and cells[0] in ROLES and len(cells) == 11 and cells[1].startswith("ActorAddr-"):
            rows[cells[0]] = cells
    assert set(rows) == set(ROLES), result.stdout
    assert {int(cells[2]) for cells in rows.values()} <= _system_pids(hub)
    assert rows["connection.public"][3] == "open" and rows["connection.private"][3] == "open"
    # Details: the public merged set (2 types, 3 codes), the connection's epoch, the budget.
    assert re.search(r"registry\s+public: generation \d+, 2 streams, 3 codes", result.stdout)
    assert re.search(r"connection\.public\s+epoch \d+, reconnects 0", result.stdout), result.stdout
    assert f"{MESSAGES_PER_SECOND}/s used" in result.stdout


@pytest.mark.slow
def test_json_document_lists_every_actor_with_all_fields(hub: Hub, runs, fake_keys: FakeKeys) -> None:
    result = runs["json"]
    assert result.returncode == 0, result.stderr
    _no_secrets(result.stdout, fake_keys)
    doc = json.loads(result.stdout)
    assert doc["admin_port"] == hub.admin_port
    actors = {a["role"]: a for a in doc["actors"]}
    assert set(actors) == set(ROLES)
    assert all(list(a) == list(KEYS) and a["uptime"] >= 0 for a in actors.values())
    assert {a["pid"] for a in actors.values()} <= _system_pids(hub)
    public = actors["connection.public"]
    assert public["state"] == "open" and public["details"]["epoch"] > 0
    merged = actors["registry"]["details"]["merged"]["public"]
    assert (merged["streams"], merged["codes"]) == (2, 3)
    assert set(actors["router"]["details"]["components"]) == set(STREAMS)
    assert actors["jwt"]["details"]["keys_loaded"] is True
    assert doc["rate_budget"]["public"]["per_second"]["limit"] == MESSAGES_PER_SECOND


@pytest.mark.slow
def test_merged_set_shows_the_subscribed_codes(runs) -> None:
    text = runs["table"].stdout
    assert "ticker: KRW-BTC,KRW-ETH" in text and "trade: KRW-XRP" in text


@pytest.mark.slow
def test_the_attached_system_keeps_running(hub: Hub, runs) -> None:
    after = {a.role: a.pid for a in hub.status().actors}
    assert after == runs["before"]
    assert all(os.path.exists(f"/proc/{pid}") for pid in after.values())


@pytest.mark.slow
def test_watch_prints_snapshots_until_sigint(hub: Hub) -> None:
    proc = start_cli(["status", "--admin-port", str(hub.admin_port), "--watch", "0.2"])
    seen: list[str] = []
    while sum(line.startswith("upbit-actors on ") for line in seen) < 2:
        line = read_line(proc, timeout=60)
        assert line is not None, "status --watch ended early"
        seen.append(line)
    code, rest, err = stop_cli(proc, signal.SIGINT)
    assert code == 0, err
    assert err == ""
    assert "-" * 40 + "\n" in seen  # not a terminal: a separator line between snapshots


@pytest.mark.slow
def test_json_watch_prints_one_document_per_line_until_sigterm(hub: Hub) -> None:
    proc = start_cli(["status", "--admin-port", str(hub.admin_port), "--json", "--watch", "0.2"])
    docs = [json.loads(read_line(proc, timeout=60)) for _ in range(2)]
    assert all({a["role"] for a in doc["actors"]} == set(ROLES) for doc in docs)
    assert docs[1]["collected_at"] > docs[0]["collected_at"]
    code, _, err = stop_cli(proc, signal.SIGTERM)
    assert code == 0, err


@pytest.mark.slow
def test_a_thespian_admin_without_a_tree_is_one_clear_line() -> None:
    with runtime.running_system() as handle:
        result = run_cli(["status", "--admin-port", str(handle.admin_port)])
        assert result.returncode == 1
        assert result.stderr.strip().splitlines() == [
            f"upbit-actors status: the actor system on port {handle.admin_port} runs no "
            "upbit-actors supervisor"]
        assert result.stdout == ""


def test_a_role_named_jwt_keeps_its_restart_count() -> None:
    # Issue 12: the supervisor's restarts showed "jwt <hidden>".
    sup = _actor("supervisor", 1, 0.0, restarts={"jwt": 2, "registry": 0}, token="TKleak")
    status = SystemStatus(request_id="r", collected_at=1.0, actors=(sup,))
    doc = snapshot_document(status)
    assert doc["actors"][0]["details"]["restarts"] == {"jwt": 2, "registry": 0}
    text = render(status) + json.dumps(doc)
    assert "TKleak" not in text and "jwt <hidden>" not in text


@pytest.mark.slow
def test_status_help_explains_every_counter_of_the_running_tree(hub: Hub) -> None:
    # Issue 12: "explain every counter in status --help".
    from upbit_actors.tools.status_help import COUNTERS

    unexplained = {(actor.role, key) for actor in hub.status().actors for key in dict(actor.details)
                   if key not in COUNTERS}
    assert unexplained == set()
    help_text = run_cli(["status", "--help"]).stdout
    assert "unrecognized" in help_text and "refused_pickles" in help_text
