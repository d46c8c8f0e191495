"""The live set checked (issue 13 item 5) on the real tree (multiprocTCPBase) against the simulator.

The simulator's live set silently loses a code (``drop_live_code``: no frame, no error, no data, as
a server that lost part of a subscription would behave); the connection's periodic
LIST_SUBSCRIPTIONS check finds the difference, counts it in status, and the set is sent again
through the limiter: the simulator's live set equals the merged set once more and the lost code
streams again. Every request stays within Upbit's message budget (SPEC §5), the checks keep the
connection's own format (SPEC §2.1 rule 4), and no answer reaches a consumer.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from upbit_actors.actors.tree import Hub
from upbit_actors.messages import DataType, HubConfig, Ticker, WireFormat
from upbit_actors.tools.sim import SimConfig, Simulator

from .helpers import client_messages, connections, details, drain, max_in_window, rate_violations, wait_for

BTC, ETH, XRP = "KRW-BTC", "KRW-ETH", "KRW-XRP"


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator(SimConfig(rate=150, markets=[BTC, ETH, XRP], idle_timeout=60.0)) as simulator:
        yield simulator


def live_set(sim: Simulator) -> list[dict]:
    """The simulator's live set of the open public connection (LIST_SUBSCRIPTIONS style)."""
    stats = sim.stats()
    [conn] = [c for c in connections(stats, "public") if c["closed"] is None]
    return stats["subscriptions"][str(conn["id"])]


@pytest.mark.slow
def test_a_code_lost_by_the_server_is_found_counted_and_sent_again(sim: Simulator) -> None:
    config = HubConfig(public_url=sim.public_url, merge_window=0.05, format=WireFormat.SIMPLE,
                       live_check_interval=1.0)
    with Hub(config) as hub, hub.stream(DataType.TICKER, [BTC, ETH], name="watch") as stream:
        wait_for(lambda: details(hub, "connection.public").get("live_matches", 0) >= 1, what="first check")
        wanted = live_set(sim)
        assert wanted == [{"type": "ticker", "codes": [BTC, ETH]}]

        assert sim.drop_live_code(ETH)["dropped_from"]  # (a check may repair it at once: not asserted)
        conn = wait_for(lambda: (d := details(hub, "connection.public")).get("live_resends", 0) >= 1 and d,
                        what="the mismatch found and a resend asked")
        assert conn["live_mismatches"] >= 1 and conn["live_last_mismatch"] == f"missing ticker:{ETH}"
        wait_for(lambda: live_set(sim) == wanted, what="the set sent again")
        limiter = wait_for(lambda: (d := details(hub, "limiter")).get("public", {}).get("resends") and d)
        assert limiter["public"]["resends"] >= 1
        matches = details(hub, "connection.public")["live_matches"]
        wait_for(lambda: details(hub, "connection.public")["live_matches"] > matches, what="a later check matched")

        drain(stream)
        wait_for(lambda: any(isinstance(e, Ticker) and e.code == ETH for e in drain(stream)),
                 what=f"{ETH} streaming again")
        seen = drain(stream)
        assert all(isinstance(e, Ticker) for e in seen)  # answers never reach a consumer

    stats = sim.stats()
    assert rate_violations(stats) == []
    for times in client_messages(stats).values():
        assert max_in_window(times, 1.0) <= 5 and max_in_window(times, 60.0) <= 100
    lists = [f for f in stats["client_frames"] if f["kind"] == "list"]
    assert len(lists) >= 3
    # Every check carried the connection's own format, so the stream never changed format.
    assert all(json.loads(f["data"])[-1] == {"format": "SIMPLE"} for f in lists)
    assert {c["format"] for c in connections(stats, "public")} == {"SIMPLE"}
