"""system.supervisor.watch: children whose process is gone are found even if Thespian missed it."""

from __future__ import annotations

from upbit_actors.system.supervisor.watch import PidWatch


def test_gone_processes_are_reported_once() -> None:
    running = {"r1", "r2"}
    watch = PidWatch(alive=lambda records: [r for r in records if r in running])
    watch.started("registry", "r1")
    watch.started("router", "r2")
    watch.started("jwt", None)  # already gone when it said Started: nothing to watch
    assert watch.dead() == []
    running.clear()
    assert sorted(watch.dead()) == ["registry", "router"]
    assert watch.dead() == []


def test_a_handled_exit_is_forgotten() -> None:
    watch = PidWatch(alive=lambda records: [])
    watch.started("component:a", "rec")
    watch.forget("component:a")
    assert watch.dead() == []
