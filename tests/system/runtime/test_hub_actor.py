"""BaseActor on a real multiprocTCPBase system: status, configuration, timers, watch, crashes."""

from __future__ import annotations

import socket

import psutil
import pytest
from thespian.actors import ActorExitRequest, PoisonMessage

from upbit_actors.messages.admin import ActorStatus
from upbit_actors.messages.lifecycle import Configure, Directory, DirectoryEntry, HubConfig, Shutdown
from upbit_actors.system.runtime import SystemHandle

from .helpers import Do, Done, Probe, ask_for, details, wait_for

pytestmark = pytest.mark.slow


def _gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def test_status_reply_and_unrecognized(hub: SystemHandle) -> None:
    probe = hub.system.createActor(Probe)
    pid = ask_for(hub.system, probe, Do("pid"), Done).value
    hub.system.tell(probe, "not a message of ours")
    info = details(hub.system, probe)
    status: ActorStatus = info["status"]
    assert status.pid == pid
    assert status.role == "Probe"  # class name until configured
    assert status.state == "running"
    assert status.handled >= 2
    assert info["unrecognized"] == 1


def test_configure_and_newer_directory_only(hub: SystemHandle) -> None:
    probe = hub.system.createActor(Probe)
    entry = DirectoryEntry(role="router", address=probe)
    hub.system.tell(
        probe,
        Configure(role="router", config=HubConfig(), directory=Directory(entries=[entry], epoch=1)),
    )
    hub.system.tell(probe, Directory(entries=[], epoch=0))  # older: ignored
    hub.system.tell(probe, Directory(entries=[entry], epoch=1))  # same epoch again: ignored
    info = details(hub.system, probe)
    assert info["status"].role == "router"
    assert (info["directory_epoch"], info["directories"]) == (1, 0)
    hub.system.tell(probe, Directory(entries=[entry], epoch=2))
    info = details(hub.system, probe)
    assert (info["directory_epoch"], info["directories"]) == (2, 1)


def test_rescheduled_tick_makes_the_earlier_one_stale(hub: SystemHandle) -> None:
    probe = hub.system.createActor(Probe)
    ask_for(hub.system, probe, Do("schedule", (0.05, "ping")), Done)
    ask_for(hub.system, probe, Do("schedule", (0.10, "ping")), Done)  # replaces the first
    ask_for(hub.system, probe, Do("schedule", (0.05, "merge")), Done)
    ask_for(hub.system, probe, Do("cancel", "merge"), Done)
    wait_for(lambda: details(hub.system, probe)["stale_ticks"] == 2, what="two stale ticks")
    wait_for(lambda: details(hub.system, probe)["ticks"], what="the current tick")
    assert details(hub.system, probe)["ticks"] == ("ping",)


def test_schedule_by_keeps_a_tick_due_no_later_and_replaces_a_later_one(hub: SystemHandle) -> None:
    probe = hub.system.createActor(Probe)
    ask_for(hub.system, probe, Do("schedule_by", (0.3, "flush")), Done)
    for _ in range(20):  # later deadlines: the pending tick stays, no timer is added
        ask_for(hub.system, probe, Do("schedule_by", (0.6, "flush")), Done)
    ask_for(hub.system, probe, Do("schedule_by", (0.05, "flush")), Done)  # earlier: replaces it
    wait_for(lambda: details(hub.system, probe)["ticks"], what="the tick")
    wait_for(lambda: details(hub.system, probe)["stale_ticks"] == 1, what="the replaced tick, stale")
    ask_for(hub.system, probe, Do("schedule_by", (0.05, "flush")), Done)  # none pending: a new one
    wait_for(lambda: len(details(hub.system, probe)["ticks"]) == 2, what="the second tick")
    ask_for(hub.system, probe, Do("schedule_by", (0.05, "flush")), Done)
    ask_for(hub.system, probe, Do("schedule_by", (None, "flush")), Done)  # None: cancelled
    wait_for(lambda: details(hub.system, probe)["stale_ticks"] == 2, what="the cancelled tick, stale")
    assert details(hub.system, probe)["ticks"] == ("flush", "flush")


def test_watch_survives_other_messages_and_failing_handlers(hub: SystemHandle) -> None:
    probe = hub.system.createActor(Probe)
    port = ask_for(hub.system, probe, Do("open_udp"), Done).value
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as peer:
        peer.settimeout(5.0)

        def echoed(data: bytes) -> bytes:
            # Only the datagram wakes the actor: no message is sent to it while we wait.
            peer.sendto(data, ("127.0.0.1", port))
            return peer.recv(2048)

        assert echoed(b"one") == b"echo:one"
        # A timer and a handler that fails twice are messages too: the watch must outlive both.
        ask_for(hub.system, probe, Do("schedule", (0.01, "tick")), Done)
        wait_for(lambda: details(hub.system, probe)["ticks"], what="tick")
        assert echoed(b"two") == b"echo:two"
        assert isinstance(ask_for(hub.system, probe, Do("fail"), PoisonMessage), PoisonMessage)
        assert echoed(b"three") == b"echo:three"
    assert details(hub.system, probe)["received"] == ("one", "two", "three")


def test_shutdown_message_stops_the_actor(hub: SystemHandle) -> None:
    parent = hub.system.createActor(Probe)
    child = ask_for(hub.system, parent, Do("spawn_child"), Done).value
    child_pid = ask_for(hub.system, child, Do("pid"), Done).value
    hub.system.tell(child, Shutdown(reason="test"))
    # Thespian may report one exit twice (goodbye message and SIGCHLD), hence >= 1.
    wait_for(lambda: details(hub.system, parent)["child_exits"] >= 1, what="ChildActorExited")
    wait_for(lambda: _gone(child_pid), what="child process gone")


def test_segfaulting_actor_dies_and_is_reported(hub: SystemHandle) -> None:
    parent = hub.system.createActor(Probe)
    child = ask_for(hub.system, parent, Do("spawn_child"), Done).value
    child_pid = ask_for(hub.system, child, Do("pid"), Done).value
    hub.system.tell(child, Do("segfault"))
    # Without the reset the child would spin at 100 % CPU and never exit (THESPIAN.md).
    # Thespian may report one exit twice (goodbye message and SIGCHLD), hence >= 1.
    wait_for(lambda: details(hub.system, parent)["child_exits"] >= 1, what="ChildActorExited")
    wait_for(lambda: _gone(child_pid), what="child process gone")
    hub.system.tell(parent, ActorExitRequest())
