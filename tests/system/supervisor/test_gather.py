"""system.supervisor.gather: one SystemStatus from every actor's report, or what came in time."""

from __future__ import annotations

from upbit_actors.system.supervisor.gather import StatusGather


def test_complete_when_every_target_answered() -> None:
    gather = StatusGather()
    gather.begin("r1", "asker", 2, "sup")
    assert gather.add("r1", "a") is None
    assert gather.add("r1", "b") == "r1"
    record = gather.finish("r1")
    assert (record.asker, record.got) == ("asker", ["sup", "a", "b"])
    assert gather.finish("r1") is None  # answered once


def test_a_timeout_answers_with_what_arrived_and_late_reports_go_nowhere() -> None:
    gather = StatusGather()
    gather.begin("r1", "asker", 3, "sup")
    gather.add("r1", "a")
    assert gather.finish("r1").got == ["sup", "a"]
    assert gather.add("r1", "late") is None


def test_a_report_without_a_known_id_fills_the_oldest_request() -> None:
    gather = StatusGather()
    gather.begin("r1", "x", 1, "sup")
    gather.begin("r2", "y", 1, "sup")
    assert gather.add("", "a") == "r1"
    assert gather.add("unknown", "b") == "r2"
