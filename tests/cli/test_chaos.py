"""``upbit-actors chaos`` (issue 12): the tree under random faults and kills loses nothing.

The slow test runs the command as a user does, for a short while, and checks the figures of its
final JSON line: no subscription lost, no rate-limit violation, no process left, every kill
recovered or escalated loudly. Whether something recovered is decided inside the command by
polling with generous deadlines (``tools/chaos_ledger.py``), so a loaded machine makes the run
slower, not red. The fast tests check the command's pure parts without a tree: the tally, the
ledger, the planner and the subscription comparison.
"""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from tests.cli.conftest import run_cli
from upbit_actors.messages import StreamType
from upbit_actors.tools.chaos_ledger import Ledger
from upbit_actors.tools.chaos_plan import ROOTS, Planner
from upbit_actors.tools.chaos_report import subscriptions
from upbit_actors.tools.chaos_tally import SLOT, Tally, first_after, merge
from upbit_actors.tools.chaos_tree import wanted

SEED = 99
"""Chaos seed of the slow test. Its kills, in order: a component; a component with the supervisor
(the hub fails loudly, a new one takes over); a connection; the limiter with the registry; the
router... The Thespian admin comes later in the round than a 30 s run reaches: a killed admin
is not noticed by the hub today (see the README's Chaos section), which this test is not about."""


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_a_short_chaos_run_loses_nothing_and_leaves_nothing() -> None:
    done = run_cli(["chaos", "--duration", "30", "--seed", str(SEED), "--kill-every", "6",
                    "--fault-every", "3", "--quiet"], timeout=560)
    doc = json.loads(done.stdout.strip().splitlines()[-1])
    context = f"stdout:\n{done.stdout}\nstderr tail:\n{done.stderr[-3000:]}"
    assert doc["chaos"] == "done", context
    assert doc["subscriptions_lost"] == 0, context
    assert doc["violations"] == 0, context
    assert doc["leftover_processes"] == 0, context
    assert doc["kills"] > 0 and doc["faults"] > 0, context
    assert doc["kills_neither_recovered_nor_escalated"] == 0, context
    assert doc["events_delivered"] > 0, context
    assert done.returncode == 0, context


# -- the pure parts ---------------------------------------------------------------------------

def _trade(seq: int, stamp: float, snapshot: bool = False, code: str = "KRW-BTC") -> SimpleNamespace:
    kind = SimpleNamespace(data_type=SimpleNamespace(value="trade"))
    event = type("Trade", (), {"data_type": kind.data_type})()
    event.code, event.sequential_id, event.timestamp = code, seq, int(stamp * 1000)
    event.stream_type = StreamType.SNAPSHOT if snapshot else StreamType.REALTIME
    return event


def test_tally_counts_repeats_apart_from_snapshot_resends() -> None:
    tally = Tally()
    for seq in (1, 2, 3):
        tally.add(_trade(seq, 100.0 + seq), now=100.0 + seq)
    tally.add(_trade(3, 103.0, snapshot=True), now=110.0)  # the resend after a reconnect
    tally.add(_trade(2, 102.0), now=110.1)  # a real duplicate
    tally.add(_trade(2, 102.0, code="KRW-ETH"), now=110.2)  # same id, other code: not a repeat
    assert (tally.events, tally.duplicates, tally.snapshot_repeats) == (6, 1, 1)


def test_first_after_finds_the_first_event_generated_after_the_fault() -> None:
    tally = Tally()
    for k in range(10):  # flowing until t=101, then a gap, then events buffered before 105
        tally.add(_trade(k, 100.0 + k * 0.1), now=100.0 + k * 0.1)
    tally.add(_trade(50, 100.95), now=104.0)  # generated before the fault, arrives late
    tally.add(_trade(51, 103.5), now=106.0)  # the first generated after it
    timeline: dict[int, float] = {}
    merge(timeline, tally.export()["timelines"]["trade"])
    arrived = first_after(timeline, 101.0)
    assert arrived is not None and 106.0 <= arrived <= 106.0 + SLOT
    assert first_after(timeline, 104.0) is None


def test_ledger_decides_recovered_escalated_and_unrecovered() -> None:
    ledger = Ledger(deadline=60.0)
    fault = ledger.add(100.0, "fault", "drop_all", epoch=1)
    kill = ledger.add(100.0, "kill", "router", epoch=1, targets=("router",), old_pids={"router": 7})
    stuck = ledger.add(100.0, "kill", "admin", epoch=1, targets=("admin",), old_pids={"admin": 3})
    line = {int(102.0 / SLOT): 101.5}
    ledger.observe(1, 102.5, {"s": line}, {"router": 7, "admin": 3})
    assert (fault.outcome, kill.outcome) == ("recovered", "pending")  # the router is not back yet
    ledger.observe(1, 103.0, {"s": line}, {"router": 8})
    assert kill.outcome == "recovered" and kill.recovery == pytest.approx(2.2, abs=SLOT)
    ledger.observe(1, 161.0, {"s": line}, {"router": 8})
    assert stuck.outcome == "unrecovered"
    old = ledger.add(180.0, "kill", "admin", epoch=2, targets=("admin",))  # never noticed
    root = ledger.add(200.0, "kill", "supervisor", epoch=2, targets=("supervisor",))
    late = ledger.add(200.5, "fault", "stall_all", epoch=2)
    assert ledger.escalated(2, failed_at=200.3) == [root]
    assert (root.outcome, late.outcome, old.outcome) == ("escalated", "interrupted", "unrecovered")


def test_planner_is_seeded_and_kills_every_target_once_per_round() -> None:
    roles = ["admin", "registry", "router", "supervisor", "connection.public", "component:tape"]
    first, second = Planner(5, idle_timeout=6.0), Planner(5, idle_timeout=6.0)
    kills = [first.kill_targets(roles) for _ in range(200)]
    assert kills == [second.kill_targets(roles) for _ in range(200)]
    assert all(len(set(k)) == len(k) in (1, 2) for k in kills) and any(len(k) == 2 for k in kills)
    dealt = [target for k in kills for target in k]
    assert sorted(dealt[:6]) == sorted(roles)  # the first round: each once
    assert set(ROOTS) <= set(dealt[:6])
    assert [first.fault() for _ in range(50)] == [second.fault() for _ in range(50)]


def test_subscriptions_lost_are_keys_no_open_connection_of_their_path_holds() -> None:
    asked = wanted()
    public = sorted({(k, c) for keys in asked.values() for k, c in keys if k not in ("myOrder", "myAsset")})
    by_type: dict[str, list[str]] = {}
    for kind, code in public:
        by_type.setdefault(kind, []).append(code)
    stats = {"connections": [{"id": 1, "path": "public", "closed": None},
                             {"id": 2, "path": "private", "closed": None},
                             {"id": 3, "path": "private", "closed": 5.0}],
             "subscriptions": {"1": [{"type": k, "codes": c} for k, c in by_type.items()],
                               "2": [{"type": "myOrder", "codes": []}]}}
    result = subscriptions(asked, stats)
    assert result["missing"] == ["component:orders myAsset:*", "stream:assets myAsset:*"]
    assert result["lost"] == 2 and result["open_connections"] == {"public": 1, "private": 1}
