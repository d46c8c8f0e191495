"""Issue 14's command-line options, as a user runs them: ``--config`` / ``--preset`` on
``stream``, ``--level`` for orderbook grouping, and the keys ``upbit-actors sim`` prints."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import uuid

import jwt
import pytest
import websocket

from tests.cli.conftest import CLI_ENV_BASE, REPO_ROOT, run_cli, start_cli, stop_cli, wait_for

pytestmark = pytest.mark.slow

PREFIX = "upbit-actors stream:"


def subscribe_items(sim, known: set[int]) -> list[dict]:
    """Every stream item of the subscribe frames on connections not in ``known``."""
    items = []
    for frame in sim.stats()["client_frames"]:
        if frame["kind"] == "subscribe" and frame["conn"] not in known:
            items += [i for i in json.loads(frame["data"]) if isinstance(i, dict) and "type" in i]
    return items


def conn_ids(sim) -> set[int]:
    return {c["id"] for c in sim.stats()["connections"]}


def test_level_groups_the_orderbook_on_the_wire(sim, no_key_env) -> None:
    known = conn_ids(sim)
    result = run_cli(["stream", "--url", sim.public_url, "--orderbook", "KRW-BTC.5", "--level", "10000",
                      "--count", "2"], env=no_key_env, timeout=90)
    assert result.returncode == 0, result.stderr
    books = [i for i in subscribe_items(sim, known) if i["type"] == "orderbook"]
    assert books and all(i.get("level") == 10000 for i in books), books
    assert all(json.loads(line)["type"] == "orderbook" for line in result.stdout.splitlines())


@pytest.mark.parametrize(("args", "needle"), [
    (["--ticker", "KRW-BTC", "--level", "10"], "--orderbook"),
    (["--orderbook", "KRW-BTC", "--level", "-1"], "--level"),
])
def test_bad_level_exits_2(sim, no_key_env, args: list[str], needle: str) -> None:
    result = run_cli(["stream", "--url", sim.public_url, *args], env=no_key_env)
    assert result.returncode == 2 and result.stderr.startswith(f"{PREFIX} error:")
    assert needle in result.stderr


def test_config_file_gives_the_url_and_a_bad_value_exits_2_naming_the_key(sim, no_key_env, tmp_path) -> None:
    good = tmp_path / "bot.toml"
    good.write_text(f'preset = "low-latency"\npublic_url = "{sim.public_url}"\nformat = "SIMPLE"\n')
    known = conn_ids(sim)
    result = run_cli(["stream", "--config", str(good), "--ticker", "KRW-ETH", "--count", "2"],
                     env=no_key_env, timeout=90)
    assert result.returncode == 0, result.stderr
    assert [json.loads(line)["code"] for line in result.stdout.splitlines()] == ["KRW-ETH"] * 2
    formats = [i["format"] for f in sim.stats()["client_frames"] if f["conn"] not in known
               and f["kind"] == "subscribe" for i in json.loads(f["data"]) if "format" in i]
    assert formats and set(formats) == {"SIMPLE"}

    bad = tmp_path / "bad.toml"
    bad.write_text('merge_window = "soon"\n')
    result = run_cli(["stream", "--config", str(bad), "--url", sim.public_url, "--ticker", "KRW-ETH"],
                     env=no_key_env)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith(f"{PREFIX} error:") and "merge_window" in result.stderr
    assert str(bad) in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_demo_refuses_a_bad_config_before_starting(tmp_path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("buffer_limit = 0\n")
    result = run_cli(["demo", "--config", str(bad), "--duration", "1"])
    assert result.returncode == 2 and "buffer_limit" in result.stderr and result.stdout == ""


def _sim_process(*extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "upbit_actors.tools.cli", "sim", "--port", "0", "--control-port", "-1",
         "--rate", "10", "--markets", "KRW-BTC", *extra],
        cwd=REPO_ROOT, env={**os.environ, **CLI_ENV_BASE}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, start_new_session=True)


def _first_line_then_stop(proc: subprocess.Popen[str], check=lambda ready: None) -> tuple[dict, str]:
    """The simulator's JSON line (``check(ready)`` runs while it serves), and its stderr."""
    try:
        ready = json.loads(proc.stdout.readline())
        check(ready)
    finally:
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=30)
    return ready, stderr


def _handshake(url: str, access_key: str, secret: str) -> bool:
    """True when the private endpoint accepts a JWT signed with ``secret`` (it answers 401 otherwise)."""
    token = jwt.encode({"access_key": access_key, "nonce": str(uuid.uuid4())}, secret, "HS256")
    try:
        websocket.create_connection(url, header=[f"Authorization: Bearer {token}"], timeout=10).close()
    except websocket.WebSocketBadStatusException:
        return False
    return True


def test_sim_prints_the_secret_it_made_up_and_it_is_accepted() -> None:
    seen = {}

    def check(ready: dict) -> None:
        seen["good"] = _handshake(ready["private_url"], ready["access_key"], ready["secret_key"])
        seen["bad"] = _handshake(ready["private_url"], ready["access_key"], "x" * 64)

    ready, stderr = _first_line_then_stop(_sim_process("--auth-failure", "http401"), check)
    assert ready["ready"] and ready["access_key"].startswith("sim-") and len(ready["secret_key"]) == 64
    assert f"UPBIT_SECRET_KEY={ready['secret_key']}" in stderr
    assert seen == {"good": True, "bad": False}


def test_sim_never_prints_a_secret_it_was_given() -> None:
    ready, stderr = _first_line_then_stop(_sim_process("--access-key", "mine", "--secret-key", "S" * 64))
    assert ready["access_key"] == "mine" and "secret_key" not in ready
    assert "S" * 64 not in stderr


def test_replace_subscriptions_is_one_request(sim) -> None:
    """``Component.replace_subscriptions`` swaps the whole set in one ``SetSubscriptions``."""
    from upbit_actors import Hub, HubConfig
    from tests.cli.bot_components import Swapper

    with Hub(HubConfig(public_url=sim.public_url, private_url=sim.private_url)) as hub:
        hub.spawn(Swapper, "swapper")
        details = lambda: next((dict(a.details) for a in hub.status().actors  # noqa: E731
                                if a.role == "component:swapper"), {})
        done = wait_for(lambda: details().get("swapped") and details(), timeout=60, what="the swap")
        assert done["subscriptions"] == ["trade:KRW-ETH", "orderbook:KRW-XRP depth=5"]
        assert done["rejected"] == 1


def test_stream_serves_metrics_while_it_runs(sim, no_key_env) -> None:
    import urllib.request

    from upbit_actors.system.runtime import free_port

    port = free_port()
    url = f"http://127.0.0.1:{port}/metrics"
    proc = start_cli(["stream", "--url", sim.public_url, "--trade", "KRW-BTC", "--metrics-port", str(port)],
                     env=no_key_env)

    def scraped() -> str | None:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                text = response.read().decode()
        except OSError:
            return None
        return text if 'upbit_actors_events_in_total{type="trade"}' in text else None

    try:
        text = wait_for(scraped, timeout=60, what="a scrape with trades")
    finally:
        code, _, stderr = stop_cli(proc, signal.SIGINT, timeout=60)
    assert "upbit_actors_up 1.0" in text
    assert code == 130 and f"{PREFIX} metrics at {url}" in stderr
