"""``upbit-actors stream`` and what its actor system leaves behind (issue 12).

- SIGKILL of the command (nothing runs in it): its tree ends by itself, no process is left;
- a stale system on the admin port (a starter that died without stopping it) is refused with a
  line naming ``--stop-stale``; with ``--stop-stale`` it is shut down and the command streams
  (``demo`` takes the option too).
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Iterator

import pytest

from tests.cli.conftest import REPO_ROOT, read_line, run_cli, start_cli, system_records, wait_for
from upbit_actors.system.runtime import free_port, processes

pytestmark = pytest.mark.slow

STALE = """
import json, sys, time
from upbit_actors.system.runtime import start_system
handle = start_system(int(sys.argv[1]))
print(json.dumps(sorted(handle.track())), flush=True)
time.sleep(120)
"""
"""Starts a bare system (no tree, so no watch on its owner) on the port, and waits to be killed."""


@pytest.fixture
def stale_system() -> Iterator:
    left: set[processes.ProcessRecord] = set()

    def make(port: int) -> set[processes.ProcessRecord]:
        proc = subprocess.Popen([sys.executable, "-c", STALE, str(port)], cwd=REPO_ROOT,
                                stdout=subprocess.PIPE, text=True)
        pids = json.loads(proc.stdout.readline())
        proc.kill()  # the starting program crashes; its system stays (THESPIAN.md)
        proc.wait(10)
        proc.stdout.close()
        left.update(r for pid in pids if (r := processes.record(pid)) is not None)
        assert processes.alive(left)
        return set(left)

    yield make
    processes.terminate(left, grace=1.0)  # exact pids of the system this test made, if any survive


def test_a_killed_stream_command_leaves_no_process(sim) -> None:
    port = free_port()
    proc = start_cli(["stream", "--url", sim.public_url, "--admin-port", str(port), "--ticker", "KRW-BTC"])
    json.loads(read_line(proc, timeout=60))  # streaming: the tree is up
    records = system_records(port)
    assert len(records) >= 9, records  # admin, logger, supervisor, six children
    sid = processes.session_of(processes.listener_pids(port))
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    wait_for(lambda: not processes.alive(records | processes.session_records(sid)), timeout=30,
             what="the tree of the killed command to end by itself")
    assert not processes.listener_pids(port)


def test_stop_stale_shuts_down_the_system_left_on_the_port(sim, stale_system) -> None:
    port = free_port()
    old = stale_system(port)
    refused = run_cli(["stream", "--url", sim.public_url, "--admin-port", str(port), "--ticker", "KRW-BTC",
                       "--count", "1"])
    assert refused.returncode == 1, refused.stderr
    assert "--stop-stale" in refused.stderr and "stop_stale=True" not in refused.stderr
    assert set(processes.alive(old)) == old  # refusing touched nothing
    done = run_cli(["stream", "--url", sim.public_url, "--admin-port", str(port), "--ticker", "KRW-BTC",
                    "--count", "1", "--stop-stale"])
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[0])["type"] == "ticker"
    assert not processes.alive(old)
    assert not processes.listener_pids(port)


def test_demo_stop_stale_too(stale_system) -> None:
    port = free_port()
    old = stale_system(port)
    done = run_cli(["demo", "--duration", "1", "--plain", "--no-private", "--admin-port", str(port),
                    "--stop-stale"], timeout=120)
    assert done.returncode == 0, done.stderr
    assert not processes.alive(old)
    assert not processes.listener_pids(port)
