"""``upbit-actors stream`` and unknown codes (issue 13 item 4): a code Upbit does not list is
printed as a rejection; a stream whose codes all stay silent (no market list) gets ``no_snapshot``;
when no requested stream can ever deliver, the command exits 1, leaving no process behind."""

from __future__ import annotations

import socket

import pytest

from tests.cli.conftest import run_cli

pytestmark = pytest.mark.slow

PREFIX = "upbit-actors stream:"


def test_an_unlisted_code_is_rejected_and_the_command_exits_1(sim) -> None:
    result = run_cli(["stream", "--url", sim.public_url, "--rest-url", sim.rest_url,
                      "--ticker", "KRW-NOPE", "--duration", "30"], timeout=90)
    assert result.returncode == 1, result.stderr
    assert f"{PREFIX} ticker-1: subscription rejected: ticker: not listed on Upbit" in result.stderr
    assert "every subscription was rejected" in result.stderr
    assert result.stdout == "" and "Traceback" not in result.stderr


def test_a_listed_stream_goes_on_beside_a_rejected_one(sim) -> None:
    result = run_cli(["stream", "--url", sim.public_url, "--rest-url", sim.rest_url,
                      "--ticker", "KRW-NOPE", "--ticker", "KRW-BTC", "--count", "2"], timeout=90)
    assert result.returncode == 0, result.stderr
    assert f"{PREFIX} ticker-1: subscription rejected" in result.stderr
    assert result.stdout.count('"component":"ticker-2"') == 2


def test_silent_codes_without_a_list_raise_no_snapshot_and_exit_1(sim, tmp_path) -> None:
    config = tmp_path / "hub.toml"
    config.write_text("snapshot_timeout = 1.0\n")
    with socket.socket() as closed:  # bound, never listening: the market list cannot be fetched
        closed.bind(("127.0.0.1", 0))
        result = run_cli(["stream", "--url", sim.public_url, "--config", str(config),
                          "--rest-url", f"http://127.0.0.1:{closed.getsockname()[1]}",
                          "--ticker", "KRW-NOPE,KRW-NADA", "--duration", "60"], timeout=120)
    assert result.returncode == 1, result.stderr
    assert f"{PREFIX} ticker-1: alert: no_snapshot: ticker KRW-N" in result.stderr
    assert "no requested stream can deliver" in result.stderr
