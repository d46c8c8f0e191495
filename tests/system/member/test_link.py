"""A member's view of its leader (``system.member.link``): what its components are told, when."""

from __future__ import annotations

from upbit_actors.messages import ActorStatus, Directory, DirectoryEntry
from upbit_actors.system.member.link import (
    LEADER_TIMEOUT,
    LeaderLink,
    LinkState,
    component_summary,
    member_directory,
)


def directory(epoch: int, registry: str = "reg-1") -> Directory:
    return Directory(entries=[DirectoryEntry(role="registry", address=registry),
                              DirectoryEntry(role="supervisor", address="leader-sup")], epoch=epoch)


def test_the_first_welcome_hands_on_the_directory_without_an_alert() -> None:
    link = LeaderLink(leader="10.0.0.1:1900")
    change = link.welcome("L1", directory(1), False, 0.0)
    assert change.push_directory and not change.alert and not change.restart_components
    assert link.state is LinkState.JOINED
    assert not link.welcome("L1", directory(1), False, 1.0).push_directory  # nothing new


def test_a_newer_directory_of_the_same_leader_is_handed_on_quietly() -> None:
    link = LeaderLink(leader="x:1")
    link.welcome("L1", directory(1), False, 0.0)
    change = link.welcome("L1", directory(2, "reg-2"), False, 1.0)
    assert change.push_directory and not change.alert


def test_lost_once_then_restored_by_a_new_leader() -> None:
    link = LeaderLink(leader="10.0.0.1:1900")
    assert not link.lost("gone").alert  # never joined: nothing to tell
    link.welcome("L1", directory(5), False, 0.0)
    lost = link.lost("its actors are unreachable")
    assert lost.alert == "connection_lost" and "10.0.0.1:1900" in lost.detail
    assert not link.lost("again").alert  # told once
    back = link.welcome("L2", directory(1, "reg-9"), False, 3.0)  # a restarted leader: epoch 1
    assert back.alert == "connection_restored" and back.push_directory
    assert link.directory.get("registry") == "reg-9"
    assert link.status(3.0)["rejoins"] == 1 and link.status(3.0)["losses"] == 1


def test_no_welcome_for_the_timeout_is_a_loss() -> None:
    link = LeaderLink(leader="x:1")
    link.welcome("L1", directory(1), False, 0.0)
    assert not link.check(LEADER_TIMEOUT).alert
    assert link.check(LEADER_TIMEOUT + 0.1).alert == "connection_lost"


def test_released_means_restart_the_components() -> None:
    link = LeaderLink(leader="x:1")
    assert link.welcome("L1", directory(1), True, 0.0).restart_components


def test_components_get_the_leaders_directory_with_their_agent_as_supervisor() -> None:
    mine = member_directory(directory(3), "agent", 7)
    assert mine.epoch == 7 and mine.get("supervisor") == "agent" and mine.get("registry") == "reg-1"
    assert member_directory(None, "agent", 1).get("registry") is None


def test_a_component_status_becomes_its_summary() -> None:
    report = ActorStatus(role="component:board", address="a", pid=42, state="running", started_at=0.0,
                         details=[("subscriptions", ["ticker:KRW-BTC"]), ("events_received", 9)])
    summary = component_summary(report, "addr", 2)
    assert (summary.name, summary.pid, summary.events_received, summary.alerts) == ("board", 42, 9, 2)
    assert summary.subscriptions == ("ticker:KRW-BTC",)
