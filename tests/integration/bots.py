"""``Bot``: ``owner_bot`` run as its own process, with every process of its actor system recorded;
``Stuck``: a component that hangs (a module of its own for actor processes to import)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from tests.paths import REPO
from upbit_actors.actors.component import Component
from upbit_actors.system.runtime import processes
from upbit_actors.tools.sim import Simulator

__all__ = ["Bot", "Stuck"]


class Stuck(Component):
    """Hangs in a timer handler soon after it starts: it never handles its exit request, so only
    a signal ends its process."""

    def on_start(self) -> None:
        self.schedule(0.2, "hang")

    def on_tick(self, purpose: str) -> None:
        if purpose == "hang":
            time.sleep(600)


class Bot:
    """``owner_bot`` in its own process; ``system`` is every process of its actor system."""

    def __init__(self, sim: Simulator, mode: str, **env: str) -> None:
        environ = {k: v for k, v in os.environ.items() if not k.startswith("UPBIT_")}
        environ.update(PYTHONPATH=str(REPO), UPBIT_PUBLIC_URL=sim.public_url,
                       UPBIT_PRIVATE_URL=sim.private_url, **env)
        self.proc = subprocess.Popen([sys.executable, "-m", "tests.integration.owner_bot", mode],
                                     cwd=REPO, env=environ, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        first = self.proc.stdout.readline()
        assert first, f"the bot did not start (exit status {self.proc.wait(30)})"
        self.pid: int = json.loads(first)["pid"]
        self.admin_port: int = json.loads(first)["admin_port"]
        self.session = processes.session_of(processes.listener_pids(self.admin_port))
        assert self.session is not None
        self.system = processes.session_records(self.session)
        assert len(self.system) >= 9  # admin, logger, supervisor, six children

    def expect_event(self) -> str:
        """The next ``event TYPE`` line's TYPE (the bot's stream is working)."""
        line = self.proc.stdout.readline()
        assert line.startswith("event "), line
        return line.split()[1]

    def left(self) -> list[processes.ProcessRecord]:
        """What is still running of the system: recorded processes, or anything in its session."""
        return processes.alive(self.system | processes.session_records(self.session))

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(30)
        self.proc.stdout.close()
        # Only if a test failed: exact pids of this bot's own system, round after round (a
        # supervisor still alive may restart a child it saw die, in a process not seen before).
        for _ in range(5):
            if not (left := self.left()):
                break
            processes.terminate(left, grace=1.0)
