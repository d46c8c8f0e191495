"""One epoch of ``upbit-actors chaos``: a ``Hub``, its consumers, and the exact pids of its tree.

An ``Epoch`` starts a hub against the chaos simulator, spawns the ``ChaosProbe`` components of
``COMPONENTS`` (restarted when they die) and opens the ``Hub.stream`` s of ``STREAMS``; together
they hold a known set of subscriptions on both connections. ``poll`` reads the tree's status:
every role's pid, the components' tallies, and the Thespian admin's pid. ``kill`` sends SIGKILL
to the exact pids of named roles, after checking that each is still the process of this tree
(its session and its creation time). ``stop`` stops the hub and returns what is left of it.

Which process is the admin: the parent of the supervisor (the admin creates actors that are
asked for from outside the tree), checked to listen on the admin port. ``listener_pids`` alone
cannot tell: every process of the system inherits the admin's listening socket at fork, and
``psutil.net_connections`` names only one holder per socket (on this machine, the logger).
"""

from __future__ import annotations

import os
import signal
import threading
import time
from typing import Any

import psutil

from upbit_actors.actors.tree import Hub
from upbit_actors.messages import Credentials, DataType, HubConfig
from upbit_actors.system.errors import HubError
from upbit_actors.system.runtime import processes
from upbit_actors.tools.chaos_tally import Tally, merge

__all__ = ["COMPONENTS", "STREAMS", "Epoch", "wanted"]

COMPONENTS: tuple[tuple[str, tuple[tuple[str, tuple[str, ...]], ...]], ...] = (
    ("board", (("ticker", ("KRW-BTC", "KRW-ETH", "KRW-XRP")),)),
    ("tape", (("trade", ("KRW-BTC", "KRW-ETH", "KRW-SOL")),)),
    ("book", (("orderbook", ("KRW-BTC", "KRW-XRP")), ("ticker", ("KRW-DOGE",)))),
    ("orders", (("myOrder", ()), ("myAsset", ()))),
)
"""(name, ((type, codes), ...)) of each component: public types on three, private on one."""
STREAMS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("trades", "trade", ("KRW-BTC", "KRW-ETH", "KRW-XRP", "KRW-SOL", "KRW-DOGE")),
    ("tickers", "ticker", ("KRW-ETH", "KRW-ADA")),
    ("assets", "myAsset", ()),
)
"""(name, type, codes) of each ``Hub.stream`` held in the command's process."""
STATUS_TIMEOUT = 5.0
"""Seconds one status request may take (every actor answers; a busy tree is slow)."""
EXIT_WAIT = 30.0
"""Seconds for the processes of a stopped or failed tree to be gone."""


def wanted() -> dict[str, list[tuple[str, str]]]:
    """Consumer name -> the (type, code) keys it asks for (``*``: every code)."""
    out = {f"component:{name}": [(kind, code) for kind, codes in specs for code in codes or ("*",)]
           for name, specs in COMPONENTS}
    out.update({f"stream:{name}": [(kind, code) for code in codes or ("*",)]
                for name, kind, codes in STREAMS})
    return out


class _StreamTally:
    """A ``Hub.stream`` callback feeding a ``Tally`` (the stream's thread adds, we read)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.tally = Tally()

    def __call__(self, event: Any) -> None:
        with self.lock:
            self.tally.add(event, time.time())

    def export(self) -> dict[str, Any]:
        with self.lock:
            return self.tally.export()


class Epoch:
    """One hub and its consumers (see the module docstring)."""

    def __init__(self, number: int, config: HubConfig, credentials: Credentials,
                 tree_stderr: str | None = None) -> None:
        self.number = number
        options = {"child_stderr": tree_stderr} if tree_stderr else {}
        self.hub = Hub(config, credentials=credentials, start_timeout=60.0, system_options=options,
                       on_failure=self._failed)
        self.handle = None
        self.streams: dict[str, _StreamTally] = {}
        self.event_streams: list[Any] = []
        self.components: dict[tuple[str, int], dict[str, Any]] = {}
        """(role, pid) -> the last tally export of that component instance."""
        self.timelines: dict[str, dict[int, float]] = {}
        """``consumer/type`` -> slot -> newest stamp (``chaos_tally``)."""
        self.pids: dict[str, int] = {}
        self.admin: processes.ProcessRecord | None = None
        self.logger: int | None = None
        """Pid of Thespian's logger (the admin's child that is no actor), once seen."""
        self.started_at = 0.0
        self.failed_at: float | None = None
        self.ended = False
        """Set once the run counted and stopped this epoch."""
        self.rss_first: tuple[float, dict[str, int]] | None = None
        """(time, role -> RSS) of the first sample once the streams flowed."""
        self.rss_last: tuple[float, dict[str, int]] | None = None
        """The latest sample while the tree ran."""

    def _failed(self, reason: str) -> None:
        """``Hub.on_failure`` (on the hub's monitor thread): when the hub gave up."""
        self.failed_at = self.failed_at or time.time()

    def start(self) -> Epoch:
        self.started_at = time.time()
        self.hub.start()
        self.handle = self.hub.handle
        for name, specs in COMPONENTS:
            self.hub.spawn("upbit_actors.tools.chaos_components.ChaosProbe", name, restart=True,
                           specs=[[kind, list(codes)] for kind, codes in specs])
        for name, kind, codes in STREAMS:
            tally = self.streams[name] = _StreamTally()
            self.event_streams.append(
                self.hub.stream(DataType(kind), list(codes), name=f"chaos-{name}", callback=tally))
        return self

    def stream_names(self) -> list[str]:
        return ([f"component:{name}/{kind}" for name, specs in COMPONENTS for kind, _ in specs]
                + [f"stream:{name}/{kind}" for name, kind, _ in STREAMS])

    def poll(self) -> dict[str, int] | None:
        """Read the tree's status; role -> pid (``admin`` included), None when it did not answer."""
        for name, tally in self.streams.items():
            for kind, entries in tally.export()["timelines"].items():
                merge(self.timelines.setdefault(f"stream:{name}/{kind}", {}), entries)
        try:
            status = self.hub.status(timeout=STATUS_TIMEOUT)
        except HubError:
            return None
        pids = {actor.role: actor.pid for actor in status.actors}
        for actor in status.actors:
            chaos = dict(actor.details).get("chaos") if actor.role.startswith("component:") else None
            if chaos:
                # the repeats the component's decoder left out before user code (issue 13)
                chaos["left_out"] = int(dict(actor.details).get("duplicates", 0))
                self.components[(actor.role, actor.pid)] = chaos
                for kind, entries in chaos.get("timelines", {}).items():
                    merge(self.timelines.setdefault(f"{actor.role}/{kind}", {}), entries)
        admin = self._admin(pids.get("supervisor"))
        if admin is not None:
            pids["admin"] = admin.pid
        self.pids = pids
        self.handle.track()
        return pids

    def _admin(self, supervisor: int | None) -> processes.ProcessRecord | None:
        if self.admin is None and supervisor is not None:
            try:
                parent = psutil.Process(supervisor).ppid()
                listening = any(c.status == psutil.CONN_LISTEN and c.laddr.port == self.hub.admin_port
                                for c in psutil.Process(parent).net_connections(kind="tcp"))
            except (psutil.Error, OSError):
                return None
            if listening and self._ours(parent):
                self.admin = processes.record(parent)
        if self.admin is not None and not processes.alive([self.admin]):
            return None
        return self.admin

    def _ours(self, pid: int) -> bool:
        """True when ``pid`` is a process of this epoch's actor system (its session)."""
        try:
            return self.handle.session_id is not None and os.getsid(pid) == self.handle.session_id
        except OSError:
            return False

    def flowing(self) -> bool:
        """Every stream of the epoch has delivered events."""
        return all(self.timelines.get(name) for name in self.stream_names())

    def roles(self) -> list[str]:
        return sorted(self.pids)

    def kill(self, targets: tuple[str, ...]) -> dict[str, int]:
        """SIGKILL the current process of each target role; role -> pid killed. Only a pid that
        is still in this tree's session and was created after the tree started is signalled."""
        killed = {}
        for role in targets:
            pid = self.pids.get(role)
            rec = processes.record(pid) if pid else None
            if rec is None or not self._ours(pid) or rec.create_time < self.started_at - 1.0:
                continue
            try:
                process = psutil.Process(pid)
                if process.create_time() != rec.create_time:
                    continue
                process.send_signal(signal.SIGKILL)
            except psutil.Error:
                continue
            killed[role] = pid
        return killed

    def memory(self) -> dict[str, int]:
        """Role -> bytes of resident memory (RSS) of every process of the tree (``admin``,
        ``logger``, ``pid N`` for one not identified). A forked actor's RSS includes the pages it
        still shares with the process it was forked from (this command's, for the supervisor)."""
        roles = {pid: role for role, pid in self.pids.items()}
        out: dict[str, int] = {}
        for rec in processes.session_records(self.handle.session_id) if self.handle.session_id else ():
            try:
                process = psutil.Process(rec.pid)
                rss, parent = process.memory_info().rss, process.ppid()
            except psutil.Error:
                continue
            if rec.pid not in roles and self.admin and parent == self.admin.pid:
                self.logger = self.logger or rec.pid  # the logger outlives a killed admin
            role = roles.get(rec.pid) or ("logger" if rec.pid == self.logger else f"pid {rec.pid}")
            out[role] = out.get(role, 0) + rss
        return out

    def sample_memory(self, now: float) -> dict[str, int]:
        """Take an RSS sample (``memory``) and keep it as the first and/or the latest."""
        sample = self.memory()
        if sample:
            self.rss_first = self.rss_first or (now, sample)
            self.rss_last = (now, sample)
        return sample

    def release(self) -> None:
        """Forget the bulky records of an epoch that is over (its totals are counted): the
        command's heap is inherited by the next hub's processes at fork, and shows in their RSS."""
        self.timelines.clear()
        self.components = {key: {k: v for k, v in e.items() if k != "timelines"}
                           for key, e in self.components.items()}
        self.streams.clear()

    def totals(self) -> dict[str, int]:
        """Events, duplicates, snapshot repeats and repeats left out by the decoders, summed
        over every consumer of the epoch (each component instance's last figures)."""
        exports = [s.export() for s in self.streams.values()] + list(self.components.values())
        out = {key: sum(int(e.get(key, 0)) for e in exports)
               for key in ("events", "duplicates", "snapshot_repeats", "left_out")}
        out["left_out"] += sum(int(getattr(s, "duplicates", 0)) for s in self.event_streams)
        return out

    def stop(self) -> tuple[list[processes.ProcessRecord], str]:
        """Stop the hub. Returns the processes of its tree still alive ``EXIT_WAIT`` s later
        (each then SIGTERMed/SIGKILLed by exact pid, so that a run leaves nothing behind), and
        what went wrong while stopping ("" when nothing did)."""
        error = ""
        handle = self.hub.handle
        if handle is not None and not handle.stopped:
            handle.track()
        try:
            self.hub.stop()
        except Exception as exc:  # noqa: BLE001 - reported; the sweep below still runs
            error = f"{type(exc).__name__}: {exc}"
        if handle is None:
            return [], error
        records = set(handle.records)
        if handle.session_id is not None:
            records |= processes.session_records(handle.session_id)
        left = processes.wait_gone(records, EXIT_WAIT)
        if left:
            processes.terminate(left)
        return left, error
