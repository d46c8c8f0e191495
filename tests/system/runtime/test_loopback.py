"""Every listening socket of a started system is on 127.0.0.1 (THESPIAN.md, Security)."""

from __future__ import annotations

import os
import socket

import psutil
import pytest
from thespian.system.transport.IPBase import IPActorAddress, TCPv4ActorAddress

from upbit_actors.system.runtime import SystemHandle, loopback, running_system

from .helpers import Do, Done, Probe, ask_for, wait_for


def _bindname(init: object, external: object) -> tuple:
    addr = TCPv4ActorAddress.__new__(TCPv4ActorAddress)
    tcp = (socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    init(addr, *tcp, None, 0, external)  # type: ignore[operator]
    return addr.bindname


def test_patch_binds_to_the_advertised_address_not_all_interfaces() -> None:
    assert loopback.is_patched()
    # Thespian's own __init__ binds every external address to all interfaces ('')...
    assert _bindname(loopback._ORIGINAL_INIT, True)[0] == ""
    # ...the patched one to the advertised address, 127.0.0.1 by default.
    assert _bindname(IPActorAddress.__init__, True)[0] == "127.0.0.1"
    assert _bindname(IPActorAddress.__init__, False)[0] == "127.0.0.1"


def test_wildcard_bind_host_is_an_explicit_opt_out(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(loopback.BIND_HOST_ENV, "0.0.0.0")
    assert _bindname(IPActorAddress.__init__, True)[0] == ""  # no socket is bound here


def _listening(pid: int) -> list[str]:
    try:
        conns = psutil.Process(pid).net_connections(kind="inet")
    except psutil.NoSuchProcess:
        return []
    return [c.laddr.ip for c in conns if c.status == psutil.CONN_LISTEN]


def _assert_all_on_loopback(hub: SystemHandle, processes_expected: int) -> None:
    parent = hub.system.createActor(Probe)
    other = hub.system.createActor(Probe)
    child = ask_for(hub.system, parent, Do("spawn_child"), Done, timeout=10).value
    actors = (parent, other, child)
    actor_pids = {ask_for(hub.system, a, Do("pid"), Done, timeout=10).value for a in actors}
    # admin + logger + three actors, each with a listening socket of its own
    wait_for(lambda: len(hub.track()) >= processes_expected, timeout=10, what="all processes")
    pids = hub.track() | {os.getpid()}
    assert actor_pids <= pids
    seen = {pid: _listening(pid) for pid in pids}
    assert all(seen[pid] for pid in actor_pids), seen
    assert {ip for ips in seen.values() for ip in ips} == {"127.0.0.1"}, seen


@pytest.mark.slow
def test_every_listening_socket_is_on_loopback(hub: SystemHandle) -> None:
    _assert_all_on_loopback(hub, processes_expected=5)


@pytest.mark.slow
def test_spawned_processes_listen_on_loopback_too() -> None:
    # pytest's __main__ does not import our code, so the spawned admin, logger and actors get the
    # patch only through the logDefs filter class (see system.runtime.logdefs).
    with running_system(capabilities={"Process Startup Method": "spawn"}) as hub:
        _assert_all_on_loopback(hub, processes_expected=5)
