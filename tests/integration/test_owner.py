"""Nothing left running (issue 12): a bot's tree ends however the bot ends.

Each test runs ``tests/integration/owner_bot.py`` as its own process against the simulator, records
every process of its actor system (the session of the admin port's listener) while it streams,
ends the bot one way or another, and then polls, with a deadline, until none of those processes
and nothing else in that session is left:

- SIGKILL (nothing runs in the bot): the supervisor notices its owner is gone and takes the whole
  system down by itself (``system/runtime/owner.py``), a component that hangs included;
- SIGTERM, an uncaught exception, the bot's own SIGTERM handler: the hub stops at exit
  (``runtime.stop_on_exit``), so the system is already gone when the bot's process has exited.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator

import pytest

from upbit_actors.system.runtime import processes
from upbit_actors.tools.sim import SimConfig, Simulator

from .bots import Bot
from .helpers import wait_for

pytestmark = pytest.mark.slow

GONE_WITHIN = 30.0
"""Seconds a tree may take to end by itself (owner check each second, two stop phases of at
most 2 s, the admin's shutdown, a reaper after 5 s); generous for a loaded 2-core machine."""


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    with Simulator(SimConfig(rate=50, markets=["KRW-BTC"])) as simulator:
        yield simulator


@pytest.fixture
def bot(sim: Simulator) -> Iterator:
    started: list[Bot] = []

    def start(mode: str, **env: str) -> Bot:
        started.append(Bot(sim, mode, **env))
        return started[-1]

    yield start
    for each in started:
        each.close()


@pytest.mark.parametrize("mode", ["run", "stuck"])
def test_a_killed_bot_leaves_nothing_running(bot, mode: str) -> None:
    # stuck: a component hangs and ignores every exit request; the reaper signals its process.
    b = bot(mode)
    b.expect_event()
    b.proc.send_signal(signal.SIGKILL)
    assert b.proc.wait(30) == -signal.SIGKILL
    wait_for(lambda: not b.left(), timeout=GONE_WITHIN, what="the orphaned tree to end by itself")
    assert not processes.listener_pids(b.admin_port)


@pytest.mark.parametrize(("mode", "sig", "status"), [
    ("run", signal.SIGTERM, 128 + signal.SIGTERM),
    ("run", signal.SIGHUP, 128 + signal.SIGHUP),
    ("raise", None, 1),
    ("handler", signal.SIGTERM, 7),   # the bot's own handler ran (chained), then its exit status
], ids=["sigterm", "sighup", "uncaught-exception", "own-sigterm-handler"])
def test_a_bot_that_exits_stops_its_tree_first(bot, mode: str, sig: int | None, status: int) -> None:
    b = bot(mode)
    b.expect_event()
    if sig is not None:
        b.proc.send_signal(sig)
    assert b.proc.wait(60) == status
    # Stopped by the hub at exit: nothing to wait for once the bot's process is gone.
    assert b.left() == []
    assert not processes.listener_pids(b.admin_port)
