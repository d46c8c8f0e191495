"""The loop of ``upbit-actors chaos``: faults and kills on a schedule, hubs replaced when they fail.

``ChaosRun.run`` starts the first epoch (``chaos_tree.Epoch``) and, until ``duration`` has
passed, applies the planner's faults through the simulator's control API and SIGKILLs its kill
targets, polls the tree's status, and lets the ledger decide what recovered. When the hub fails
(``Hub.failure``: a root was killed, or restarts exceeded the supervisor's intensity) the epoch's
pending kills count as escalated, its processes must all be gone, and a new epoch starts. After
``duration`` the faults stop; the run waits (polling, with generous deadlines) until every
incident is decided and the simulator's live sets hold every consumer's keys, then takes the
final figures and stops everything.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import psutil

from upbit_actors.messages import Credentials, HubConfig
from upbit_actors.system.errors import HubError
from upbit_actors.system.runtime import processes
from upbit_actors.tools.chaos_ledger import ROOT_WINDOW, Ledger
from upbit_actors.tools.chaos_plan import ROOTS, Fault, Planner
from upbit_actors.tools.chaos_report import subscriptions
from upbit_actors.tools.chaos_sim import ChaosSim, PrivateDriver
from upbit_actors.tools.chaos_tree import Epoch, wanted

__all__ = ["ChaosRun"]

POLL = 1.0
"""Seconds between status polls of the tree (each costs ~1 ms of CPU per actor)."""
TICK = 0.1
"""Seconds of one turn of the loop."""
FLOW_DEADLINE = 120.0
"""Seconds for a new epoch's streams to deliver their first events."""
FAILURE_DEADLINE = ROOT_WINDOW
"""Seconds to wait for a root kill to make the hub fail before going on (the design says ~1 s)."""
SETTLE_DEADLINE = 180.0
"""Seconds after the faults stop for every incident to be decided and every key held."""
MEMORY_EVERY = 30.0
"""Seconds between two RSS samples of the tree (the last one before a hub fails is its end)."""


class ChaosRun:
    """One chaos run against ``sim`` (see the module docstring)."""

    def __init__(self, sim: ChaosSim, *, duration: float, seed: int, kill_every: float,
                 fault_every: float, idle_timeout: float, warmup: float,
                 say: Callable[[str], None], stopped: threading.Event, tree_stderr: str | None = None) -> None:
        self.sim, self.duration, self.warmup = sim, duration, warmup
        self.kill_every, self.fault_every = kill_every, fault_every
        self.planner = Planner(seed, idle_timeout=idle_timeout)
        self.say, self.stopped = say, stopped
        self.tree_stderr = tree_stderr
        self.config = HubConfig(public_url=sim.urls["public_url"], private_url=sim.urls["private_url"])
        self.credentials = Credentials(access_key=sim.access_key, secret_key=sim.secret_key)
        self.ledger = Ledger()
        self.epochs: list[Epoch] = []
        self.escalations: list[dict[str, Any]] = []
        self.leftovers: list[int] = []
        self.notes: list[str] = []
        self.totals = {"events": 0, "duplicates": 0, "snapshot_repeats": 0, "left_out": 0}
        self.memory: list[dict[str, Any]] = []
        """Per hub: its first and latest RSS samples (role -> bytes) and the seconds between."""
        self.command_rss: list[int] = []
        """RSS of this process when the first hub flowed and at the end (its heap is in every
        tree it forks afterwards)."""
        self.subs: dict[str, Any] = {}
        self.stats: dict[str, Any] = {}
        self.driver = PrivateDriver(sim)

    @property
    def epoch(self) -> Epoch:
        return self.epochs[-1]

    # -- the run ------------------------------------------------------------------------------
    def run(self) -> None:
        self.driver.start()
        try:
            self._new_epoch()
            began = time.monotonic()
            self._wait(lambda: False, self.warmup)
            self.epoch.rss_first = None  # the first hub's start is after the warm-up
            self.epoch.sample_memory(time.time())
            self.command_rss.append(psutil.Process().memory_info().rss)
            self._chaos(began + self.duration)
            self._settle()
            self.epoch.sample_memory(time.time())
            self.command_rss.append(psutil.Process().memory_info().rss)
            self.stats = self.sim.stats()
        finally:
            self.driver.stop()
            if self.driver.errors:
                self.notes.append(f"{self.driver.errors} private action(s) on the simulator failed")
            if self.epochs:
                self._end_epoch(self.epoch)
            self.ledger.give_up()

    def _chaos(self, end: float) -> None:
        now = time.monotonic()
        next_fault = now + self.planner.gap(self.fault_every)
        next_kill = now + self.planner.gap(self.kill_every)
        next_poll = now
        while not self.stopped.is_set() and (now := time.monotonic()) < end:
            if self.epoch.hub.failure is not None:
                self._escalated()
                now = time.monotonic()  # the new hub gets a breath before the next blows
                next_fault = now + self.planner.gap(self.fault_every)
                next_kill = now + self.planner.gap(self.kill_every)
                continue
            if now >= next_poll:
                self._observe()
                next_poll = now + POLL
            if now >= next_fault:
                self._fault(self.planner.fault())
                next_fault = now + self.planner.gap(self.fault_every)
            if now >= next_kill:
                self._kill()
                next_kill = now + self.planner.gap(self.kill_every)
            self.stopped.wait(TICK)

    def _settle(self) -> None:
        """No more faults: wait until every incident is decided and every key is held again."""
        self.say("faults stopped; waiting for the tree to settle")
        try:
            self.sim.call("set_rate", {"rate": 1000.0})
        except Exception as exc:  # noqa: BLE001 - settling at whatever rate the last fault set
            self.notes.append(f"the rate could not be set for settling: {type(exc).__name__}")
        deadline = time.monotonic() + SETTLE_DEADLINE
        while not self.stopped.is_set() and time.monotonic() < deadline:
            if self.epoch.hub.failure is not None:
                self._escalated()
                continue
            self._observe()
            if not self.ledger.pending():
                self.subs = subscriptions(wanted(), self.sim.stats())
                if not self.subs["lost"]:
                    return
            self.stopped.wait(POLL)
        self.subs = subscriptions(wanted(), self.sim.stats())
        self.notes.append(f"the tree had not settled {SETTLE_DEADLINE:.0f} s after the faults stopped")

    def _wait(self, done: Callable[[], Any], seconds: float) -> bool:
        """Observe until ``done()`` or ``seconds`` passed; False on timeout or a stop request."""
        deadline = time.monotonic() + seconds
        while not self.stopped.is_set() and time.monotonic() < deadline:
            self._observe()
            if done():
                return True
            self.stopped.wait(POLL)
        return False

    def _observe(self) -> None:
        epoch = self.epoch
        pids = epoch.poll()
        now = time.time()
        if epoch.rss_last is not None and now - epoch.rss_last[0] >= MEMORY_EVERY:
            epoch.sample_memory(now)
        streams = {name: epoch.timelines.get(name, {}) for name in epoch.stream_names()}
        self.ledger.observe(epoch.number, time.time(), streams, pids)

    # -- faults and kills ---------------------------------------------------------------------
    def _fault(self, fault: Fault) -> None:
        params = dict(fault.params)
        at = time.time()
        if fault.quiet:
            self.driver.quiet_until = at + fault.quiet
        operation = {"send_error": "send_error_and_close", "idle": "stall_data"}.get(fault.kind, fault.kind)
        try:
            self.sim.call(operation, params)
        except Exception as exc:  # noqa: BLE001 - the simulator was too busy: noted, not an incident
            self.notes.append(f"fault {fault.describe()} could not be applied: {type(exc).__name__}")
            return
        incident = self.ledger.add(at, "fault", fault.describe(), self.epoch.number)
        self.say(f"#{incident.number} fault {fault.describe()}")

    def _kill(self) -> None:
        epoch = self.epoch
        if epoch.poll() is None:  # pids must be fresh; a tree that does not answer: next time
            return
        targets = self.planner.kill_targets(epoch.roles())
        at = time.time()
        killed = epoch.kill(targets)
        if not killed:
            return
        incident = self.ledger.add(at, "kill", "+".join(killed), epoch.number, tuple(killed), killed)
        self.say(f"#{incident.number} kill {' and '.join(f'{r} (pid {p})' for r, p in killed.items())}")
        if set(killed) & set(ROOTS):
            began = time.monotonic()
            while epoch.hub.failure is None and time.monotonic() - began < FAILURE_DEADLINE:
                self.stopped.wait(0.05)
            if epoch.hub.failure is None:
                self.notes.append(f"#{incident.number}: killing {'+'.join(killed)} did not make the hub "
                                  f"fail within {FAILURE_DEADLINE:.0f} s")

    # -- epochs ---------------------------------------------------------------------------------
    def _new_epoch(self) -> None:
        for _ in range(3):
            epoch = Epoch(len(self.epochs) + 1, self.config, self.credentials, self.tree_stderr)
            self.epochs.append(epoch)
            began = time.monotonic()
            try:
                epoch.start()
            except Exception as exc:  # noqa: BLE001 - a slow machine: try again with a new hub
                self.notes.append(f"hub {epoch.number} did not start ({type(exc).__name__}: {exc})")
                self._end_epoch(epoch)
                continue
            self.say(f"hub {epoch.number} started on admin port {epoch.hub.admin_port} in "
                     f"{time.monotonic() - began:.1f} s")
            if self._wait(epoch.flowing, FLOW_DEADLINE):
                self.say(f"hub {epoch.number}: every stream flowing {time.monotonic() - began:.1f} s "
                         f"after its start")
                epoch.sample_memory(time.time())
            elif not self.stopped.is_set():
                self.notes.append(f"hub {epoch.number}: streams silent {FLOW_DEADLINE:.0f} s after start")
            return
        raise HubError("no hub could be started (3 attempts)")

    def _escalated(self) -> None:
        epoch = self.epoch
        noticed = time.time()
        failed_at = epoch.failed_at or noticed
        kills = self.ledger.escalated(epoch.number, failed_at)
        latest = max(kills, key=lambda i: i.at) if kills else None
        self.escalations.append({
            "epoch": epoch.number, "reason": epoch.hub.failure,
            "cause": f"kill #{latest.number} {latest.what}" if latest else "no recent kill",
            "noticed_after": round(failed_at - latest.at, 2) if latest else None})
        cause = self.escalations[-1]["cause"]
        self.say(f"hub {epoch.number} failed loudly ({cause}): {epoch.hub.failure}")
        self._end_epoch(epoch)
        self._new_epoch()

    def _end_epoch(self, epoch: Epoch) -> None:
        """Stop the epoch's hub, count its figures and whatever of its tree is left (once)."""
        if epoch.ended:
            return
        epoch.ended = True
        if epoch.hub.handle is not None and epoch.hub.failure is None:
            epoch.poll()  # the components' last figures
        for key, value in epoch.totals().items():
            self.totals[key] += value
        if epoch.rss_first is not None and epoch.rss_last is not None:
            self.memory.append({"hub": epoch.number, "seconds": round(epoch.rss_last[0] - epoch.rss_first[0], 1),
                                "start": epoch.rss_first[1], "end": epoch.rss_last[1]})
        epoch.release()
        began = time.monotonic()
        left, error = epoch.stop()
        self.say(f"hub {epoch.number} stopped in {time.monotonic() - began:.1f} s")
        if error:
            self.notes.append(f"hub {epoch.number} stop: {error}")
        if left:
            self.leftovers.extend(rec.pid for rec in left)
            self.say(f"hub {epoch.number} left {len(left)} process(es): {[r.pid for r in left]}")
        if epoch.hub.handle is not None and processes.alive(epoch.hub.handle.records):
            self.notes.append(f"hub {epoch.number}: processes still alive after the sweep")
