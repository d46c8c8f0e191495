"""The readers ``bench pipeline`` compares, behind one small interface.

Each reader has its own simulator process (``SimProcess``), so one can be driven while the others
sit idle, and offers:

- ``start()`` / ``stop()`` (stop is safe to call twice and after a failed start);
- ``sample()`` -> :class:`Sample`: every consumer's cumulative :class:`Snapshot`, the CPU seconds
  used so far by the processes that count for it, and cumulative loss counters;
- ``processes()`` -> {pid: role} of the processes whose memory is reported.

Only the public API is used: ``Hub``, ``Hub.spawn``, ``Hub.stream``, ``Hub.status`` and
``hub.handle.track()`` (the system's processes). CPU counted per reader:

- ``baseline``: the reader's process;
- components: every process of the actor tree (admin, logger, every actor; the consumers are
  actors of it);
- ``stream``: every process of the tree plus the bench's own process minus its main thread (the
  stream threads that run the callbacks live in the bench; its main thread only drives the bench).
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import subprocess
import sys
import threading
import time
from typing import Any

import psutil
from attrs import field, frozen

from upbit_actors.system.errors import UpbitActorsError
from upbit_actors.tools.bench.pipeline_sim import SimProcess
from upbit_actors.tools.bench.pipeline_stats import Recorder, Snapshot

__all__ = ["BareReader", "ComponentReader", "ReaderError", "Sample", "StreamReader", "cpu_seconds"]

ANSWER_TIMEOUT = 15.0
"""Seconds to wait for a snapshot or a status answer (a tree at its limit answers late)."""


class ReaderError(UpbitActorsError, RuntimeError):
    """A reader could not start or answer. Bench-only, so not drawn in ``system.errors``; it
    derives from the root all the same, like every error the package raises on purpose."""


@frozen
class Sample:
    """What a reader's consumers and processes had done at one moment (all cumulative).

    CPU is read just before the consumers are asked for their snapshots and just after they
    answered, so a window can leave the cost of asking out (a status round trip through the tree
    is a few Thespian messages per actor: tens of ms of CPU, a lot against a short window).
    """

    snapshots: tuple[Snapshot, ...]
    cpu_before: float
    """CPU seconds (user + system) of the processes that count for this reader, before asking."""
    cpu_after: float
    """The same, once the consumers answered."""
    clock_before: float
    """``time.monotonic()`` at ``cpu_before``."""
    clock_after: float
    losses: dict[str, int] = field(factory=dict)
    """``router_dropped`` / ``router_replaced`` (the router's per-component buffers),
    ``component_dropped`` (``events_dropped`` the consumers were told of), ``stream_dropped``."""

    @property
    def count(self) -> int:
        return sum(s.count for s in self.snapshots)


_PROCS: dict[int, psutil.Process] = {}


def cpu_seconds(pids: set[int] | list[int]) -> float:
    """User + system CPU seconds of ``pids`` (processes gone meanwhile count as 0)."""
    total = 0.0
    for pid in pids:
        try:
            proc = _PROCS.get(pid) or _PROCS.setdefault(pid, psutil.Process(pid))
            times = proc.cpu_times()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        total += times.user + times.system
    return total


def _bracket(cpu: Any, ask: Any) -> tuple[Any, dict[str, float]]:
    """``ask()`` with CPU and clock read just before and just after it."""
    before, clock_before = cpu(), time.monotonic()
    answer = ask()
    return answer, {"cpu_before": before, "clock_before": clock_before, "cpu_after": cpu(),
                    "clock_after": time.monotonic()}


def _own_cpu_but_main_thread() -> float:
    me = psutil.Process()
    times = me.cpu_times()
    main_id = threading.main_thread().native_id
    main = sum(t.user_time + t.system_time for t in me.threads() if t.id == main_id)
    return times.user + times.system - main


class BareReader:
    """The baseline: ``pipeline_bare`` in its own process, spoken to over stdin and stdout."""

    def __init__(self, name: str, sim: SimProcess, codes: list[str], types: tuple[str, ...]) -> None:
        self.name, self.sim, self.codes, self.types = name, sim, codes, types
        self._proc: subprocess.Popen | None = None
        self._lines: queue.Queue[str | None] = queue.Queue()

    def start(self) -> None:
        request = [{"ticket": f"bench-{self.name}"}]
        request += [{"type": t, "codes": self.codes} for t in self.types]
        request.append({"format": "DEFAULT"})
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "upbit_actors.tools.bench.pipeline_bare", self.sim.public_url,
             json.dumps(request)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
        threading.Thread(target=self._pump, args=(self._proc.stdout,), daemon=True).start()
        if not self._receive().get("ready"):
            raise ReaderError("bare reader did not start")

    def _pump(self, stream: Any) -> None:
        for line in stream:
            self._lines.put(line)
        self._lines.put(None)

    def _receive(self) -> dict:
        try:
            line = self._lines.get(timeout=ANSWER_TIMEOUT)
        except queue.Empty:
            raise ReaderError("bare reader did not answer") from None
        answer = json.loads(line) if line else {"error": "it exited"}
        if "error" in answer:
            raise ReaderError(f"bare reader stopped: {answer['error']}")
        return answer

    def _ask(self) -> Snapshot:
        self._proc.stdin.write("snapshot\n")
        self._proc.stdin.flush()
        return Snapshot.from_dict(self._receive())

    def sample(self) -> Sample:
        pid = self._proc.pid
        snapshot, cpu = _bracket(lambda: cpu_seconds([pid]), self._ask)
        return Sample(snapshots=(snapshot,), **cpu)

    def processes(self) -> dict[int, str]:
        return {self._proc.pid: "bare reader"}

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        with contextlib.suppress(OSError, ValueError):
            proc.stdin.write("stop\n")
            proc.stdin.close()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()  # our own child, by its pid
            proc.wait(5)


class _HubReader:
    """A ``Hub`` on the reader's simulator; subclasses add the consumers. ``log_file``: where the
    tree's log records go (None: the bench's stderr)."""

    def __init__(self, name: str, sim: SimProcess, codes: list[str], types: tuple[str, ...], *,
                 log_file: str | None = None) -> None:
        self.name, self.sim, self.codes, self.types = name, sim, codes, types
        self.log_file = log_file
        self.hub = None

    def _start_hub(self) -> None:
        from upbit_actors import Hub, HubConfig

        config = HubConfig(public_url=self.sim.public_url, private_url=self.sim.private_url)
        self.hub = Hub(config, system_options={"log_file": self.log_file} if self.log_file else None)
        self.hub.start()

    def _status(self) -> Any:
        return self.hub.status(timeout=ANSWER_TIMEOUT)

    def _router_losses(self, status: Any, names: set[str]) -> dict[str, int]:
        out = {"router_dropped": 0, "router_replaced": 0}
        for actor in status.actors:
            if actor.role == "router":
                for name, figures in (dict(actor.details).get("components") or {}).items():
                    if name in names and isinstance(figures, dict):
                        out["router_dropped"] += int(figures.get("dropped", 0) or 0)
                        out["router_replaced"] += int(figures.get("replaced", 0) or 0)
        return out

    def _tree_cpu(self) -> float:
        return cpu_seconds(self.hub.handle.track())

    def processes(self) -> dict[int, str]:
        roles = {actor.pid: actor.role for actor in self._status().actors}
        tree = self.hub.handle.track()
        return {pid: roles.get(pid, "admin/logger") for pid in sorted(tree)}

    def _probe_sample(self, probes: Any, routing: Any, cpu: dict[str, float]) -> Sample:
        """The snapshots of the probes ``self.names`` from the status ``probes`` (the tree they
        run in), and their losses from the router's in ``routing``."""
        found: dict[str, tuple[Snapshot, int]] = {}
        for actor in probes.actors:
            details = dict(actor.details)
            if details.get("name") in self.names and "probe" in details:
                found[details["name"]] = (Snapshot.from_dict(details["probe"]),
                                          int(details.get("events_dropped", 0) or 0))
        missing = [name for name in self.names if name not in found]
        if missing:
            raise ReaderError(f"{self.name}: no status from {', '.join(missing)}")
        losses = self._router_losses(routing, set(self.names))
        losses["component_dropped"] = sum(dropped for _, dropped in found.values())
        return Sample(snapshots=tuple(found[name][0] for name in self.names), losses=losses, **cpu)

    def stop(self) -> None:
        hub, self.hub = self.hub, None
        if hub is not None:
            hub.stop()


class ComponentReader(_HubReader):
    """``count`` ``ProbeComponent`` s in one tree, all subscribed to the same set."""

    def __init__(self, name: str, sim: SimProcess, codes: list[str], types: tuple[str, ...],
                 count: int, *, log_file: str | None = None, slow: float = 0.0) -> None:
        super().__init__(name, sim, codes, types, log_file=log_file)
        self.names = [f"probe-{i}" for i in range(count)]
        self.slow = slow
        """Seconds per event of a slow neighbour in the same tree (0: none); it is not measured."""

    def start(self) -> None:
        from upbit_actors.tools.bench.components import ProbeComponent, SlowComponent

        self._start_hub()
        for name in self.names:
            self.hub.spawn(ProbeComponent, name, codes=list(self.codes), types=list(self.types))
        if self.slow:
            self.hub.spawn(SlowComponent, "slow", codes=list(self.codes), types=list(self.types),
                           delay=self.slow)

    def sample(self) -> Sample:
        status, cpu = _bracket(self._tree_cpu, self._status)
        return self._probe_sample(status, status, cpu)


class _Probe:
    """A stream callback: the same recorder as a component's, one per stream (one thread each)."""

    def __init__(self) -> None:
        self.recorder = Recorder()

    def __call__(self, event: Any) -> None:
        self.recorder.add(time.time() * 1000.0, getattr(event, "timestamp", None))


class StreamReader(_HubReader):
    """``Hub.stream`` with a callback; the API takes one data type per stream, so one stream per
    type of the set (all of them on the same codes)."""

    def __init__(self, name: str, sim: SimProcess, codes: list[str], types: tuple[str, ...], *,
                 log_file: str | None = None) -> None:
        super().__init__(name, sim, codes, types, log_file=log_file)
        self.probes = [_Probe() for _ in types]
        self.streams: list[Any] = []

    def start(self) -> None:
        from upbit_actors import DataType

        self._start_hub()
        self.streams = [self.hub.stream(DataType(t), self.codes, name=f"bench-{t}", callback=probe)
                        for t, probe in zip(self.types, self.probes, strict=True)]

    def _cpu(self) -> float:
        return self._tree_cpu() + _own_cpu_but_main_thread()

    def sample(self) -> Sample:
        status, cpu = _bracket(self._cpu, self._status)
        now = time.time()
        merged = Recorder()
        for probe in self.probes:  # one consumer: the streams' figures summed
            recorder = probe.recorder
            merged.count += recorder.count
            merged.buckets = [a + b for a, b in zip(merged.buckets, list(recorder.buckets), strict=True)]
        losses = self._router_losses(status, {stream.name for stream in self.streams})
        losses["stream_dropped"] = sum(stream.dropped for stream in self.streams)
        return Sample(snapshots=(merged.snapshot(now),), losses=losses, **cpu)

    def processes(self) -> dict[int, str]:
        # The consumer runs in the bench's process, which also holds every other reader's handle.
        return {**super().processes(), os.getpid(): "bench process (stream consumer)"}
