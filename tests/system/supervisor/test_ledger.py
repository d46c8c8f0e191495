"""system.supervisor.ledger: OTP child specs, restart types and restart intensity."""

from __future__ import annotations

import pytest

from upbit_actors.system.supervisor.ledger import (
    DEFAULT_INTENSITY,
    DEFAULT_PERIOD,
    Action,
    ChildSpec,
    Decision,
    RestartLedger,
    RestartType,
)

ROLES = ["registry", "limiter", "router", "jwt", "connection.public"]


def test_one_for_one_restarts_only_the_child() -> None:
    ledger = RestartLedger.for_roles(ROLES)
    d = ledger.record_exit("router", 1.0)
    assert d == Decision(action=Action.RESTART, reason="router exited")
    assert d.restart and not d.escalate
    assert ledger.restart_counts() == {r: int(r == "router") for r in ROLES}


def test_intensity_exceeded_escalates_and_stays_given_up() -> None:
    # OTP: more than MaxR restarts within MaxT seconds -> the supervisor gives up.
    ledger = RestartLedger.for_roles(ROLES)
    assert (DEFAULT_INTENSITY, DEFAULT_PERIOD) == (5, 30.0)
    for i in range(5):
        assert ledger.record_exit(ROLES[i % len(ROLES)], 10.0 + i).restart
    d = ledger.record_exit("jwt", 15.0)
    assert d.escalate and "more than 5" in d.reason
    assert ledger.record_exit("registry", 100.0).escalate
    assert ledger.status(15.0)["gave_up"] is True


def test_restarts_outside_the_period_are_forgotten() -> None:
    ledger = RestartLedger.for_roles(ROLES, intensity=2, period=10.0)
    assert ledger.record_exit("jwt", 0.0).restart
    assert ledger.record_exit("jwt", 5.0).restart
    assert ledger.recent_restarts(9.0) == 2
    assert ledger.record_exit("jwt", 10.0).restart  # the one at 0.0 is 10 s old: out
    assert ledger.record_exit("jwt", 14.0).escalate  # 5.0, 10.0 and now: 3 within 10 s
    assert ledger.restart_counts()["jwt"] == 3


def test_intensity_zero_never_restarts() -> None:
    assert RestartLedger.for_roles(ROLES, intensity=0).record_exit("jwt", 0.0).escalate


def test_restart_types() -> None:
    ledger = RestartLedger(
        [
            ChildSpec(role="p"),
            ChildSpec(role="t", restart="transient"),
            ChildSpec(role="x", restart=RestartType.TEMPORARY),
        ]
    )
    assert ledger.record_exit("p", 0.0, abnormal=False).restart  # permanent: always
    assert ledger.record_exit("t", 0.0, abnormal=False).action is Action.IGNORE
    assert ledger.record_exit("t", 0.0).restart
    assert ledger.record_exit("x", 0.0).action is Action.IGNORE
    assert ledger.restart_counts() == {"p": 1, "t": 1, "x": 0}


def test_a_crash_looping_component_counts_like_every_other_child() -> None:
    # Issue 10: a spawn(restart=True) component that crashes in on_start must not restart forever.
    ledger = RestartLedger.for_roles(ROLES, intensity=3, period=30.0)
    ledger.add_child(ChildSpec(role="component:bad", restart="transient"))
    assert [ledger.record_exit("component:bad", 0.1 * i).restart for i in range(3)] == [True] * 3
    assert ledger.record_exit("component:bad", 0.4).escalate


def test_dynamic_children_and_unknown_roles() -> None:
    ledger = RestartLedger.for_roles(["registry"])
    ledger.add_child(ChildSpec(role="component:bot", restart="transient"))
    assert ledger.record_exit("component:bot", 0.0).restart
    with pytest.raises(ValueError):
        ledger.add_child(ChildSpec(role="registry"))
    ledger.remove_child("component:bot")
    with pytest.raises(ValueError):
        ledger.record_exit("component:bot", 1.0)
    with pytest.raises(ValueError):
        RestartLedger.for_roles(["a", "a"])
    with pytest.raises(ValueError):
        RestartLedger.for_roles(["a"], period=0)
    with pytest.raises(ValueError):
        ChildSpec(role="a", restart="sometimes")
