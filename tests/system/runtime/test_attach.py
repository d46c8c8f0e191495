"""attach() never starts a system; guarded bases never attach or start by surprise."""

from __future__ import annotations

import pytest

from upbit_actors.messages.admin import ActorStatus, StatusRequest
from upbit_actors.system.runtime import NoSystemError, StaleSystemError, SystemHandle, attach, detach, processes
from upbit_actors.system.runtime.bases import AttachOnlyBase, FreshAdminBase, make_system
from upbit_actors.system.runtime.logdefs import build_log_defs
from upbit_actors.system.runtime.ports import free_port, is_listening

from .helpers import Probe, ask_for

pytestmark = pytest.mark.slow


def test_attach_to_nothing_raises_and_starts_nothing() -> None:
    port = free_port()
    with pytest.raises(NoSystemError):
        attach(port, timeout=0.5)
    assert not is_listening(port)
    assert not processes.listener_pids(port)


def test_attach_only_base_refuses_to_start_an_admin() -> None:
    # Bypasses attach()'s probe: the race it guards against (the admin vanished after the probe).
    port = free_port()
    with pytest.raises(NoSystemError):
        make_system(AttachOnlyBase, {"Admin Port": port}, build_log_defs())
    assert not is_listening(port)


def test_fresh_base_refuses_to_attach_to_a_running_admin(hub: SystemHandle) -> None:
    with pytest.raises(StaleSystemError):
        make_system(FreshAdminBase, {"Admin Port": hub.admin_port}, build_log_defs())


def test_attach_then_detach_leaves_the_system_running(hub: SystemHandle) -> None:
    probe = hub.system.createActor(Probe)
    tool = attach(hub.admin_port)
    try:
        assert ask_for(tool, probe, StatusRequest(), ActorStatus).role == "Probe"
    finally:
        detach(tool)
    assert ask_for(hub.system, probe, StatusRequest(), ActorStatus).role == "Probe"
