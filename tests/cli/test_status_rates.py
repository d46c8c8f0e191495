"""Rates per second in ``upbit-actors status``: two snapshots, a restarted actor without a rate,
``rates: n/a`` with one snapshot; and the command on a running tree (a second snapshot ~1 s later,
``--rate-interval 0`` for one)."""

from __future__ import annotations

import json
import re

import attrs
import pytest

from tests.cli.conftest import run_cli, wait_for
from upbit_actors import DataType, Hub, HubConfig
from upbit_actors.messages import ActorStatus, SystemStatus
from upbit_actors.tools.status_rates import rates, with_rates
from upbit_actors.tools.status_render import render


def _status(at: float, router_frames: int, delivered: int, handled: int, started: float = 0.0,
            hist: bool = False) -> SystemStatus:
    router = ActorStatus(role="router", address="ActorAddr-(T|:1)", pid=1, state="running",
                         started_at=started, handled=handled, drops=delivered // 10, details=(
                             ("frames", router_frames), ("events_in", {"trade": router_frames}),
                             ("components", {"tape": {"delivered": delivered, "dropped": 0,
                                                      "in_flight": False}}),
                             *((("ack_latency", {"le": [0.001, 0.01], "buckets": [5, 9, 10],
                                                 "sum": 0.05, "count": 10}),) if hist else ())))
    return SystemStatus(request_id="r", collected_at=at, actors=(router,))


def test_rates_are_the_differences_over_the_time_between_snapshots() -> None:
    per = rates(_status(100.0, 1000, 500, 40), _status(102.0, 1600, 900, 60))
    assert per == {"router": {"handled": 10.0, "drops": 20.0, "frames": 300.0,
                              "events_in.trade": 300.0, "components.tape.delivered": 200.0,
                              "components.tape.dropped": 0.0}}


def test_no_rate_for_a_restarted_actor_or_without_a_first_snapshot() -> None:
    assert rates(_status(100.0, 1000, 500, 40), _status(102.0, 10, 5, 1, started=101.0)) == {}
    assert rates(None, _status(102.0, 10, 5, 1)) is None
    assert rates(_status(102.0, 10, 5, 1), _status(102.0, 10, 5, 1)) is None


def test_the_human_view_shows_rates_beside_totals_and_says_n_a_without() -> None:
    before, after = _status(100.0, 1000, 500, 40), _status(102.0, 1600, 900, 60, hist=True)
    text = render(after, 1900, rates(before, after), 2.0)
    assert "rates per second over the last 2.0 s" in text.splitlines()[0]
    row = next(line for line in text.splitlines() if line.startswith("router "))
    assert row.split()[6:] == ["60", "10", "0", "90", "20"]
    assert "frames 1600 (300/s)" in text and "delivered 900 (200/s)" in text
    assert "ack latency p50 <=1ms p99 >10ms of 10 batches" in text
    alone = render(after, 1900)
    assert "rates: n/a" in alone.splitlines()[0] and "(300/s)" not in alone


def test_with_rates_leaves_details_without_rates_alone() -> None:
    details = {"frames": 5, "components": {"a": {"delivered": 1}}}
    assert with_rates(details, None) is details


@pytest.mark.slow
def test_status_of_a_running_tree_shows_rates(sim) -> None:
    with Hub(HubConfig(public_url=sim.public_url, private_url=sim.private_url)) as hub:
        with hub.stream(DataType.TRADE, ["KRW-BTC", "KRW-ETH"]) as trades:
            next(iter(trades))
            port = str(hub.admin_port)
            table = run_cli(["status", "--admin-port", port], timeout=60)
            one = run_cli(["status", "--admin-port", port, "--rate-interval", "0", "--json"], timeout=60)
            both = run_cli(["status", "--admin-port", port, "--json"], timeout=60)
    assert table.returncode == 0, table.stderr
    head = table.stdout.splitlines()[0]
    assert re.search(r"rates per second over the last \d+\.\d s", head), head
    router = next(line.split() for line in table.stdout.splitlines() if line.startswith("router "))
    assert float(router[7]) >= 0 and router[10] != ""  # HANDLED/S and DROPS/S are numbers
    assert re.search(r"frames \d+ \(\d+(\.\d)?/s\)", table.stdout)
    assert json.loads(one.stdout)["rates"] is None
    doc = json.loads(both.stdout)
    assert doc["rate_interval"] > 0 and "handled" in doc["rates"]["router"]
