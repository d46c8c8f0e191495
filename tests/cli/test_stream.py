"""``upbit-actors stream`` as a user runs it: a subprocess against the in-process simulator.

Each test starts the command (``python -m tools.cli stream ...``), reads its JSON lines and
stderr notices, and checks that nothing of the actor system survives it: the system's processes
(the session of the admin port's listener) and the command's own children are recorded while it
runs and must all be gone after it exits. Exit statuses are documented in ``tools/stream_cmd.py``:
0 on --count / --duration, 128 + signal on SIGINT (130) / SIGTERM (143), 2 on bad input.
"""

from __future__ import annotations

import json
import os
import signal
from typing import Any

import psutil
import pytest

from tests.cli.conftest import read_line, run_cli, start_cli, stop_cli, system_records, wait_for
from upbit_actors.system.runtime import free_port, processes

pytestmark = pytest.mark.slow

PREFIX = "upbit-actors stream:"


def subscribe_frames(sim, known_conns: set[int]) -> list[dict[str, Any]]:
    """Subscribe frames the simulator received on connections not in ``known_conns``."""
    return [f for f in sim.stats()["client_frames"]
            if f["kind"] == "subscribe" and f["conn"] not in known_conns]


def conn_ids(sim) -> set[int]:
    return {c["id"] for c in sim.stats()["connections"]}


def requested(frame: dict[str, Any]) -> dict[str, set[str]]:
    """type -> codes of one subscribe frame."""
    out: dict[str, set[str]] = {}
    for item in json.loads(frame["data"]):
        if isinstance(item, dict) and "type" in item:
            out.setdefault(item["type"], set()).update(item.get("codes", ()))
    return out


def format_of(frame: dict[str, Any]) -> str | None:
    for item in json.loads(frame["data"]):
        if isinstance(item, dict) and "format" in item:
            return item["format"]
    return None


class Watch:
    """Records the processes of a running command: its own descendants and its actor system."""

    def __init__(self, proc, admin_port: int) -> None:
        self.proc = proc
        self.admin_port = admin_port
        self.records: set[processes.ProcessRecord] = set()

    def snapshot(self) -> None:
        try:
            children = psutil.Process(self.proc.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            children = []
        for child in children:
            rec = processes.record(child.pid)
            if rec is not None:
                self.records.add(rec)
        self.records |= system_records(self.admin_port)

    def assert_gone(self) -> None:
        assert self.proc.returncode is not None
        assert self.records, "no process of the actor system was seen while the command ran"
        left = processes.wait_gone(self.records, timeout=15.0)
        assert left == [], f"processes left after the command exited: {left}"
        assert not processes.listener_pids(self.admin_port), "the admin port still listens"


def events_of(lines: list[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in lines if line.strip()]


def test_several_options_merge_into_one_request_and_stop_on_count(sim) -> None:
    known = conn_ids(sim)
    port = free_port()
    count = 150
    proc = start_cli([
        "stream", "--url", sim.public_url, "--admin-port", str(port), "--count", str(count),
        "--ticker", "KRW-BTC,KRW-ETH", "--ticker", "KRW-XRP", "--trade", "KRW-BTC",
        "--orderbook", "KRW-BTC.5", "--candle", "1m:KRW-BTC",
    ])
    watch = Watch(proc, port)
    first = read_line(proc, timeout=60)
    watch.snapshot()
    lines = [first]
    while (line := read_line(proc, timeout=60)) is not None:
        lines.append(line)
        if len(lines) % 20 == 0:
            watch.snapshot()
    code, _, stderr = stop_cli(proc, timeout=30)
    assert code == 0, stderr
    assert "Traceback" not in stderr
    assert f"{PREFIX} admin port {port}" in stderr
    watch.assert_gone()

    events = events_of(lines)
    assert len(events) == count
    by_component: dict[str, list[dict[str, Any]]] = {}
    for event in events:
        by_component.setdefault(event["component"], []).append(event)
    assert set(by_component) == {"ticker-1", "ticker-2", "trade-1", "orderbook-1", "candle.1m-1"}
    expected = {
        "ticker-1": ("ticker", {"KRW-BTC", "KRW-ETH"}, "trade_price"),
        "ticker-2": ("ticker", {"KRW-XRP"}, "acc_trade_price_24h"),
        "trade-1": ("trade", {"KRW-BTC"}, "sequential_id"),
        "orderbook-1": ("orderbook", {"KRW-BTC"}, "orderbook_units"),
        "candle.1m-1": ("candle.1m", {"KRW-BTC"}, "candle_date_time_utc"),
    }
    for name, (data_type, codes, field) in expected.items():
        for event in by_component[name]:
            assert event["type"] == data_type, event
            assert event["code"] in codes, event
            assert field in event, event
    assert all(len(e["orderbook_units"]) == 5 for e in by_component["orderbook-1"])
    assert list(events[0])[:2] == ["type", "component"]

    frames = subscribe_frames(sim, known)
    assert len({f["conn"] for f in frames}) == 1, "all components share one connection"
    merged = {"ticker": {"KRW-BTC", "KRW-ETH", "KRW-XRP"}, "trade": {"KRW-BTC"},
              "orderbook": {"KRW-BTC.5"}, "candle.1m": {"KRW-BTC"}}
    assert any(requested(f) == merged for f in frames), [requested(f) for f in frames]
    assert not sim.stats()["violations"]


@pytest.mark.parametrize(("sig", "status", "fmt"), [
    (signal.SIGTERM, 143, "SIMPLE"),
    (signal.SIGINT, 130, "DEFAULT"),
])
def test_signal_stops_cleanly(sim, sig: int, status: int, fmt: str) -> None:
    known = conn_ids(sim)
    port = free_port()
    proc = start_cli(["stream", "--url", sim.public_url, "--admin-port", str(port),
                      "--format", fmt, "--ticker", "KRW-BTC", "--trade", "KRW-ETH"])
    watch = Watch(proc, port)
    seen: set[str] = set()
    for n in range(2000):
        event = json.loads(read_line(proc, timeout=60))
        seen.add(event["component"])
        assert "trade_price" in event  # DEFAULT names whatever the wire format
        if n % 20 == 0:
            watch.snapshot()
        if seen == {"ticker-1", "trade-1"}:
            break
    assert seen == {"ticker-1", "trade-1"}
    code, _, stderr = stop_cli(proc, sig, timeout=30)
    assert code == status, stderr
    assert "Traceback" not in stderr
    watch.assert_gone()
    frames = subscribe_frames(sim, known)
    assert frames and all(format_of(f) == fmt for f in frames)


@pytest.mark.parametrize(("args", "needle"), [
    (["--ticker", "krw-btc"], "krw-btc"),
    (["--ticker", "KRW-BTC,,KRW-ETH"], "comma-separated"),
    (["--candle", "7m:KRW-BTC"], "unknown interval"),
    (["--candle", "KRW-BTC"], "INTERVAL:CODES"),
    (["--orderbook", "KRW-BTC.7"], "depth 7"),
    (["--orderbook", "KRW-BTC.5,KRW-ETH.15"], "one depth"),
    (["--my-asset"], "--private-url"),
    (["--ticker", "KRW-BTC", "--my-order", "KRW-BTC"], "--private-url"),
    ([], "nothing to stream"),
    (["--ticker", "KRW-BTC", "--count", "0"], "--count"),
])
def test_bad_input_exits_2_with_one_clear_line(sim, no_key_env, args: list[str], needle: str) -> None:
    result = run_cli(["stream", "--url", sim.public_url, *args], env=no_key_env, timeout=60)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"{PREFIX} error:") and needle in lines[0], lines[0]
    assert result.stdout == ""


def test_private_only_without_keys_exits_2(sim, no_key_env) -> None:
    result = run_cli(["stream", "--url", sim.public_url, "--private-url", sim.private_url,
                      "--my-asset"], env=no_key_env, timeout=60)
    assert result.returncode == 2
    assert result.stderr.startswith(f"{PREFIX} error: private streams need keys")
    assert "UPBIT_ACCESS_KEY" in result.stderr


def test_bad_url_exits_2(no_key_env) -> None:
    result = run_cli(["stream", "--url", "http://127.0.0.1:1/", "--ticker", "KRW-BTC"], env=no_key_env)
    assert result.returncode == 2 and "ws://" in result.stderr


def private_ready(sim, types: set[str], known: set[int]) -> bool:
    """An open, authenticated private connection (not among ``known``) holds ``types``."""
    for conn in sim.stats()["connections"]:
        if (conn["path"] == "private" and conn["id"] not in known and conn["closed"] is None
                and conn["authenticated"]):
            if types <= {s["type"] for s in conn["subscriptions"]}:
                return True
    return False


def test_my_order_and_my_asset_reach_their_components(sim, fake_keys, key_env) -> None:
    known = conn_ids(sim)
    port = free_port()
    proc = start_cli(["stream", "--url", sim.public_url, "--private-url", sim.private_url,
                      "--admin-port", str(port), "--ticker", "KRW-ETH",
                      "--my-order", "KRW-BTC", "--my-asset"], env=key_env)
    watch = Watch(proc, port)
    first = json.loads(read_line(proc, timeout=60))  # the public side streams
    assert first["component"] == "ticker-1" and first["type"] == "ticker"
    watch.snapshot()
    wait_for(lambda: private_ready(sim, {"myOrder", "myAsset"}, known), timeout=60, what="private subscription")
    uuid = sim.place_order(fake_keys.access_key, "KRW-BTC", "bid", "limit", price=100_000_000.0, volume=0.01)
    sim.fill_order(uuid)
    sim.set_balance(fake_keys.access_key, "KRW", 12_345_678.0)
    got: dict[str, list[dict[str, Any]]] = {}
    for _ in range(5000):
        event = json.loads(read_line(proc, timeout=60))
        got.setdefault(event["component"], []).append(event)
        orders = [e for e in got.get("myOrder-1", []) if e.get("uuid") == uuid]
        states = {e["state"] for e in orders}
        assets = [a for e in got.get("myAsset-1", []) for a in e["assets"] if a["currency"] == "KRW"]
        if {"wait", "trade"} <= states and any(float(a["balance"]) == 12_345_678.0 for a in assets):
            break
    else:
        raise AssertionError(f"private events missing: {sorted(got)}")
    watch.snapshot()
    assert all(e["type"] == "myOrder" and e["code"] == "KRW-BTC" for e in got["myOrder-1"])
    assert all(e["type"] == "myAsset" for e in got["myAsset-1"])
    assert all(e["type"] == "ticker" for e in got.get("ticker-1", []))
    code, _, stderr = stop_cli(proc, signal.SIGINT, timeout=30)
    assert code == 130, stderr
    assert "Traceback" not in stderr and "rejected" not in stderr
    watch.assert_gone()


def test_without_keys_private_is_refused_and_public_streams(sim, no_key_env) -> None:
    result = run_cli(["stream", "--url", sim.public_url, "--private-url", sim.private_url,
                      "--ticker", "KRW-BTC", "--my-asset", "--my-order", "--duration", "4"],
                     env=no_key_env, timeout=90)
    assert result.returncode == 0, result.stderr
    events = events_of(result.stdout.splitlines())
    assert events and {e["component"] for e in events} == {"ticker-1"}
    assert f"{PREFIX} myAsset-1: subscription rejected: no Upbit API keys" in result.stderr
    assert f"{PREFIX} myOrder-1: subscription rejected: no Upbit API keys" in result.stderr
    assert "Traceback" not in result.stderr


def test_key_file_and_hs512(sim, fake_keys, no_key_env, tmp_path) -> None:
    from upbit_actors.system.embed.attach import query_status

    key_file = tmp_path / "upbit.keys"
    key_file.write_text(f"ACCESS_KEY={fake_keys.access_key}\nSECRET_KEY={fake_keys.secret_key}\n")
    key_file.chmod(0o600)
    known = conn_ids(sim)
    port = free_port()
    proc = start_cli(["stream", "--url", sim.public_url, "--private-url", sim.private_url,
                      "--admin-port", str(port), "--key-file", str(key_file), "--jwt-algorithm", "HS512",
                      "--my-asset"], env=no_key_env)
    watch = Watch(proc, port)
    wait_for(lambda: private_ready(sim, {"myAsset"}, known), timeout=60, what="private subscription")
    watch.snapshot()
    jwt = next(a for a in query_status(port, timeout=10.0).actors if a.role == "jwt")
    assert dict(jwt.details)["algorithm"] == "HS512"
    sim.set_balance(fake_keys.access_key, "BTC", 0.5)
    event = json.loads(read_line(proc, timeout=60))
    assert event["component"] == "myAsset-1" and event["type"] == "myAsset"
    assert any(a["currency"] == "BTC" for a in event["assets"])
    code, _, stderr = stop_cli(proc, signal.SIGTERM, timeout=30)
    assert code == 143, stderr
    watch.assert_gone()


def test_a_tree_that_gives_up_ends_the_command_with_one_line(sim) -> None:
    # Issue 12: the supervisor is killed (nothing restarts it): the command must not go silent.
    from upbit_actors.system.embed.attach import query_status

    port = free_port()
    proc = start_cli(["stream", "--url", sim.public_url, "--admin-port", str(port), "--ticker", "KRW-BTC"])
    watch = Watch(proc, port)
    json.loads(read_line(proc, timeout=60))
    watch.snapshot()
    supervisor = next(a for a in query_status(port).actors if a.role == "supervisor")
    os.kill(supervisor.pid, signal.SIGKILL)
    try:
        _, stderr = proc.communicate(timeout=60)
    except Exception:
        proc.kill()
        raise
    assert proc.returncode == 1, stderr
    lines = [line for line in stderr.splitlines() if "error:" in line]
    assert len(lines) == 1 and "supervisor died" in lines[0], stderr
    assert "Traceback" not in stderr
    watch.assert_gone()
