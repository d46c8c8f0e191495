"""The keys are in no process's environment (issue 12), and the private stream still works.

A bot is started with ``UPBIT_ACCESS_KEY`` / ``UPBIT_SECRET_KEY`` in its environment (as a user
exports them) and reads them with ``load_credentials`` before starting its hub. Afterwards the
exec-time environment block (``/proc/PID/environ``) of the bot itself and of every process of its
actor system (admin, logger, every actor) must not contain either key, while the JWT actor signs
with them: the simulator authenticates the private connection and a balance change arrives as a
myAsset event.
"""

from __future__ import annotations

import signal
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from upbit_actors.system.runtime import processes
from upbit_actors.tools.sim import SimConfig, Simulator

from .bots import Bot
from .helpers import wait_for

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="reads /proc/PID/environ"),
]

ACCESS = f"AKenv-{uuid.uuid4().hex}"
SECRET = f"SKenv-{uuid.uuid4().hex}{uuid.uuid4().hex}"


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    config = SimConfig(rate=20, markets=["KRW-BTC"], access_key=ACCESS, secret_key=SECRET)
    with Simulator(config) as simulator:
        yield simulator


def environ_of(pid: int) -> bytes:
    return Path(f"/proc/{pid}/environ").read_bytes()


def test_no_process_of_the_tree_has_the_keys_in_its_environment(sim: Simulator) -> None:
    bot = Bot(sim, "run", UPBIT_ACCESS_KEY=ACCESS, UPBIT_SECRET_KEY=SECRET)
    try:
        wait_for(lambda: any(c["path"] == "private" and c["authenticated"] and c["closed"] is None
                             and c["access_key"] == ACCESS
                             and "myAsset" in {s["type"] for s in c["subscriptions"]}
                             for c in sim.stats()["connections"]),
                 what="the private connection authenticated with the bot's keys, subscribed")
        sim.set_balance(ACCESS, "BTC", 1.5)
        assert bot.expect_event() == "MyAsset"
        pids = {bot.proc.pid} | {rec.pid for rec in processes.alive(bot.system)}
        assert len(pids) >= 10, pids  # the bot, admin, logger, supervisor, six children
        for pid in pids:
            block = environ_of(pid)
            assert block, pid
            leaked = ACCESS.encode() in block or SECRET.encode() in block  # (kept out of the report)
            assert not leaked, f"pid {pid} has a key in /proc/{pid}/environ"
        bot.proc.send_signal(signal.SIGTERM)
        assert bot.proc.wait(60) == 128 + signal.SIGTERM
        assert bot.left() == []
    finally:
        bot.close()
