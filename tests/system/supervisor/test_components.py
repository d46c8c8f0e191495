"""system.supervisor.components: dynamic children, their restart types and what an exit means."""

from __future__ import annotations

from upbit_actors.system.supervisor.components import ComponentBook
from upbit_actors.system.supervisor.ledger import RestartLedger
from upbit_actors.system.supervisor.shutdown import StopOrder, StopPhase, StopStep


def book(intensity: int = 5) -> ComponentBook:
    return ComponentBook(RestartLedger.for_roles(["registry"], intensity=intensity))


def test_a_crash_restarts_a_transient_component_and_reports_it() -> None:
    comps = book()
    comps.started("a", "addr-a", "spec-a", restart=True)
    gone = comps.exited("a", 0.0)
    assert (gone.spec, gone.crashed, gone.restart, gone.escalate) == ("spec-a", True, True, False)
    assert "a" not in comps and comps.ledger.restart_counts()["component:a"] == 1


def test_a_clean_exit_is_no_crash_and_a_temporary_one_is_never_restarted() -> None:
    comps = book()
    comps.started("a", "addr-a", "spec", restart=True)
    comps.leaving("a", "addr-a", "inst-1")
    gone = comps.exited("a", 0.0)
    assert (gone.crashed, gone.restart, gone.instance) == (False, False, "inst-1")
    assert "component:a" not in comps.ledger.restart_counts()
    comps.started("t", "addr-t", "spec", restart=False)
    assert comps.exited("t", 0.0).restart is False


def test_a_crash_loop_escalates() -> None:
    comps = book(intensity=2)
    outcomes = []
    for i in range(3):
        comps.started("loop", f"addr-{i}", "spec", restart=True)
        outcomes.append(comps.exited("loop", 0.1 * i))
    assert [(o.restart, o.escalate) for o in outcomes] == [(True, False), (True, False), (False, True)]


def test_stop_order_components_first_then_connections_then_children() -> None:
    order = StopOrder()
    assert order.begin() and not order.begin()
    assert order.progress(components_left=True, children_left=True, connections_left=True) == []
    assert order.progress(False, True, connections_left=True) == [StopStep.STOP_CONNECTIONS]
    assert order.progress(False, True, connections_left=True) == []  # the router waits for them
    assert order.progress(False, True, waited="connections", connections_left=True) == [StopStep.STOP_CHILDREN]
    assert order.progress(False, True, waited="children") == [StopStep.DONE]
    assert order.phase is StopPhase.DONE
    quick = StopOrder()
    quick.begin()
    assert quick.progress(False, False) == [StopStep.STOP_CONNECTIONS, StopStep.STOP_CHILDREN, StopStep.DONE]
    assert all(StopPhase(step.value.removeprefix("stop_")) for step in (StopStep.STOP_CONNECTIONS,
                                                                       StopStep.STOP_CHILDREN))
