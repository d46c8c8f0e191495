"""start_system / stop_system: stale systems, busy ports, leftovers, stop on SIGTERM."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from upbit_actors.system.runtime import (
    PortBusyError,
    StaleSystemError,
    SystemHandle,
    processes,
    start_system,
    stop_system,
)
from upbit_actors.system.runtime.ports import free_port, is_listening

from .helpers import Do, Done, Probe, ask_for, wait_for

pytestmark = pytest.mark.slow

from tests.paths import REPO

Records = set[processes.ProcessRecord]

STARTER = """
import json, sys, time
from upbit_actors.system.runtime import start_system, stop_on_exit
handle = start_system(int(sys.argv[1]))
if sys.argv[2] == "stop_on_exit":
    stop_on_exit(handle)
print(json.dumps(sorted(handle.track())), flush=True)
time.sleep(60)
"""
"""A starter program in its own process: starts a system on a port, reports its pids, waits."""


@pytest.fixture
def starter_program() -> Iterator:
    """Run STARTER in a subprocess; afterwards kill it and every recorded pid still alive."""
    started: list[tuple[subprocess.Popen, Records]] = []

    def run(port: int, mode: str = "plain") -> tuple[subprocess.Popen, Records]:
        command = [sys.executable, "-c", STARTER, str(port), mode]
        proc = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, text=True)
        records: Records = set()
        started.append((proc, records))
        line = proc.stdout.readline()
        records.update(r for pid in json.loads(line) if (r := processes.record(pid)) is not None)
        return proc, records

    yield run
    for proc, records in started:
        if proc.poll() is None:
            proc.kill()
        proc.wait(5)
        proc.stdout.close()
        processes.terminate(records, grace=1.0)


def test_stop_leaves_no_process(hub: SystemHandle) -> None:
    parent = hub.system.createActor(Probe)
    child = ask_for(hub.system, parent, Do("spawn_child"), Done).value
    pids = {ask_for(hub.system, a, Do("pid"), Done).value for a in (parent, child)}
    assert pids <= hub.track()
    report = stop_system(hub)
    assert report.clean and pids <= set(report.stopped_pids)
    assert not processes.alive(hub.records)
    assert stop_system(hub) is report  # idempotent


def test_orphans_of_a_killed_actor_are_swept(hub: SystemHandle) -> None:
    parent = hub.system.createActor(Probe)
    child = ask_for(hub.system, parent, Do("spawn_child"), Done).value
    parent_pid = ask_for(hub.system, parent, Do("pid"), Done).value
    orphan_pid = ask_for(hub.system, child, Do("pid"), Done).value
    hub.track()
    psutil.Process(parent_pid).kill()  # an actor process of this test's own system
    # THESPIAN.md: the orphan survives shutdown(); stop_system must find and stop it.
    report = stop_system(hub, timeout=1.0)
    assert orphan_pid in report.terminated
    assert not psutil.pid_exists(orphan_pid) or psutil.Process(orphan_pid).status() == "zombie"


def _listening_here() -> set[tuple[str, int]]:
    return {tuple(c.laddr) for c in psutil.Process().net_connections("tcp") if c.status == psutil.CONN_LISTEN}


@pytest.mark.parametrize("admin", ["alive", "killed"])
def test_stop_closes_this_process_end_of_the_system(admin: str) -> None:
    before = _listening_here()
    handle = start_system()
    try:
        assert _listening_here() - before, "the system's client end listens in this process"
        if admin == "killed":  # no shutdown() can reach it: the sweep alone stops the system
            for pid in sorted(handle.track()):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
    finally:
        stop_system(handle)
    assert _listening_here() <= before  # a process forked later inherits nothing of it


def test_busy_port_is_refused() -> None:
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        with pytest.raises(PortBusyError):
            start_system(other.getsockname()[1], probe_timeout=0.5)


def test_stale_system_is_refused_then_stopped_on_request(starter_program) -> None:
    port = free_port()
    starter, old = starter_program(port)
    starter.kill()  # the starting program crashes...
    starter.wait(5)
    assert is_listening(port)  # ...and its system keeps running (THESPIAN.md)
    with pytest.raises(StaleSystemError) as caught:
        start_system(port)
    assert caught.value.pid in {r.pid for r in old}
    assert processes.alive(old)  # refusing touched nothing
    fresh = start_system(port, stop_stale=True)
    try:
        assert not processes.alive(old)
        assert fresh.pids and not fresh.pids & {r.pid for r in old}
    finally:
        assert stop_system(fresh).clean


def test_sigterm_to_the_starter_stops_its_system(starter_program) -> None:
    port = free_port()
    starter, records = starter_program(port, "stop_on_exit")
    assert processes.alive(records)
    starter.send_signal(signal.SIGTERM)
    assert starter.wait(15) == 128 + signal.SIGTERM
    assert not processes.alive(records)
    wait_for(lambda: not is_listening(port), what="admin port closed")


@pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="reads /proc")
def test_system_processes_do_not_hold_the_starters_stdout(hub: SystemHandle) -> None:
    probe = hub.system.createActor(Probe)
    ask_for(hub.system, probe, Do("pid"), Done)
    for pid in hub.track():
        assert os.readlink(f"/proc/{pid}/fd/1") == os.devnull
        assert os.readlink(f"/proc/{pid}/fd/0") == os.devnull

