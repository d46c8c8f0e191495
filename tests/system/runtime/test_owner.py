"""The pieces of "nothing left running" (issue 12), without an actor system: the owner watch,
the reaper, the session guard, and ``stop_on_exit`` chaining with a program's own handlers.
The whole tree ending after its owner is ``tests/integration/test_owner.py``."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator

import pytest

from tests.paths import REPO
from upbit_actors.system.runtime import owner, processes, reaper


@pytest.fixture
def sleeper() -> Iterator:
    started: list[subprocess.Popen] = []

    def start() -> subprocess.Popen:
        started.append(subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"]))
        return started[-1]

    yield start
    for proc in started:
        proc.kill()
        proc.wait(10)


def test_the_owner_watch_sees_its_process_go(sleeper) -> None:
    watch = owner.OwnerWatch(admin_port=None)
    assert not watch.gone()  # nobody watched
    proc = sleeper()
    watch.watch(proc.pid)
    assert not watch.gone()
    proc.kill()
    proc.wait(10)
    assert watch.gone()
    late = owner.OwnerWatch(admin_port=None)
    late.watch(proc.pid)  # already gone when the watch starts
    assert late.gone()


def test_the_reaper_signals_exactly_the_records_left(sleeper) -> None:
    target, bystander = sleeper(), sleeper()
    rec = processes.record(target.pid)
    wrong = processes.ProcessRecord(bystander.pid, processes.record(bystander.pid).create_time - 100)
    assert reaper.main(["0.2", f"{rec.pid}:{rec.create_time!r}", f"{wrong.pid}:{wrong.create_time!r}"]) == 0
    assert target.wait(10) == -signal.SIGTERM
    assert bystander.poll() is None  # same pid, another creation time: not the recorded process


def test_start_reaper_runs_the_reaper_as_a_process_of_its_own(sleeper) -> None:
    target = sleeper()
    owner.start_reaper({processes.record(target.pid)}, after=0.1)
    assert target.wait(30) == -signal.SIGTERM


def test_only_the_session_of_the_systems_admin_is_ever_swept(sleeper) -> None:
    # This process's session is a login or CI session (its leader may be alive or gone): without
    # the system's admin listening inside it, nothing in it counts as the system.
    assert owner.system_session(None) is None
    assert owner.system_records(None) == set()
    with socket.create_server(("127.0.0.1", 0)) as elsewhere:  # a listener, but not in our session
        port = elsewhere.getsockname()[1]
        proc = subprocess.Popen([sys.executable, "-c", LISTEN_ELSEWHERE, str(port)],
                                stdout=subprocess.PIPE, text=True, start_new_session=True)
    try:
        other_port = int(proc.stdout.readline())
        assert processes.listener_pids(other_port) == {proc.pid}
        assert owner.system_records(other_port) == set()
    finally:
        proc.kill()
        proc.wait(10)


def test_the_reaper_never_sweeps_a_session_that_is_not_its_own(sleeper) -> None:
    # A session id handed to the reaper that is not the reaper's own is ignored: only the records.
    assert reaper.parse(["0", "--session", str(os.getsid(0) + 1), "1:2.0"]) == (
        0.0, None, {processes.ProcessRecord(1, 2.0)})
    assert reaper.parse(["0", "--session", str(os.getsid(0))])[1] == os.getsid(0)


LISTEN_ELSEWHERE = r"""
import socket, sys, time
server = socket.create_server(("127.0.0.1", 0))
print(server.getsockname()[1], flush=True)
time.sleep(60)
"""


PROGRAM = r"""
import os, signal, sys, time
from upbit_actors.system.runtime import stop_on_exit
mode = sys.argv[1]
if mode == "own":
    signal.signal(signal.SIGTERM, lambda *_: print("own handler", flush=True))
elif mode == "ignored":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
undo = stop_on_exit(lambda: print("stopped", flush=True))
if mode == "undone":
    undo()
os.kill(os.getpid(), signal.SIGTERM)
time.sleep(0.2)  # a handler that raises interrupts this; the others let it finish
print("after", flush=True)
"""


@pytest.mark.parametrize(("mode", "status", "lines"), [
    ("default", 128 + signal.SIGTERM, ["stopped"]),              # SystemExit, then atexit
    ("own", 0, ["own handler", "after", "stopped"]),            # chained: the program decides
    ("ignored", 0, ["after", "stopped"]),                       # an ignored signal stays ignored
    ("undone", -signal.SIGTERM, []),                            # undo restores the default
])
def test_stop_on_exit_chains_with_the_programs_handlers(mode: str, status: int, lines: list[str]) -> None:
    done = subprocess.run([sys.executable, "-c", PROGRAM, mode], cwd=REPO, capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == status, done.stderr
    assert done.stdout.splitlines() == lines
