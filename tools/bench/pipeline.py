"""``upbit-actors bench pipeline``: the whole data path against a bare reader, in one interleaved run.

Four readers, each subscribed to ticker and trade of the same ``--markets`` codes, each fed by
its own simulator process (``pipeline_sim``: its CPU is not counted and it does not share the
bench's GIL; while one reader is measured the other simulators are at rate 0, so the other trees
sit idle). The simulators replay a tape of their market (``tools.sim.tape``, ~3 us per frame;
``--live-sim``: the live model, ~12 us) and make no frames while a reader has more than 1 MiB
waiting, so at ``max`` each reader takes what it can, and the reader, not its simulator on the
same two cores, sets the figure:

- ``baseline``  a bare websocket-client + orjson loop in its own process (``pipeline_bare``);
- ``component`` one ``ProbeComponent`` in a ``Hub`` (``components``);
- ``stream``    ``Hub.stream`` with a callback (one stream per data type: the API takes one);
- ``ten``       ``--components`` (10) ``ProbeComponent`` s in one ``Hub``, same set.

The simulator's rate ramps up (``--rates``; ``max`` asks for ``--max-rate``, more than any
reader takes). At each rate every reader is measured in turn (the order rotates from one rate to the
next), so a noisy moment of the 2-core machine hits them alike. Per step (``pipeline_steps``):
frames/s the simulator sent (``offer/s``, ticker + trade only), events/s delivered to user code
(counted at the consumer, over ``--seconds`` after ``--warmup``), latency from the frame's
``timestamp`` to user code (p50/p99/max, same clock; the simulator's own pacing is part of it, for
every reader alike), CPU µs per event (over every process of the tree and the consumer; see
``pipeline_readers``), and what was lost over the whole step once drained: dropped or replaced
by the router's per-consumer buffers (a lagging consumer keeps only the latest ticker per code),
or lost before the router (``other``: the socket, a connection the simulator cut as a slow
consumer). Then ``ten`` at ``--lost-rate`` (6,100: the simulator offers ~99 % of the rate asked,
so >= 6,000 frames/s), and RSS of every process before and after ``--memory-events`` deliveries. The trees log to files whose records are counted at
the end, so their warnings do not break up the table. Prints the rows as measured, a summary
with every ratio to the baseline, and a final JSON line. Figures only, never assertions.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import json
import os
import re
import tempfile
import time
from typing import Any

__all__ = ["HELP", "add_arguments", "run"]

HELP = "a bare reader, one component, one Hub.stream and ten components, interleaved, vs the simulator"

_FULL_QUICK = {
    "rates": ("1000,5000,10000,20000,40000,max", "1000,5000,max"),
    "seconds": (5.0, 0.6),
    "warmup": (1.5, 0.3),
    "memory_events": (1_000_000, 20_000),
    "memory_readers": ("component,stream,ten", "component"),
    "drain_timeout": (30.0, 8.0),
}
"""Option -> (default, default with ``--quick``); an option given explicitly wins over both."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quick", action="store_true",
                        help="short steps, three rates, a small memory run: well under a minute")
    parser.add_argument("--rates", help="comma-separated frames/s, 'max' = --max-rate "
                        f"(default {_FULL_QUICK['rates'][0]}; quick {_FULL_QUICK['rates'][1]})")
    parser.add_argument("--max-rate", type=float, default=250_000.0,
                        help="what 'max' asks the simulator for (default %(default)s)")
    parser.add_argument("--seconds", type=float, help="measured seconds per step (default 5; quick 0.6)")
    parser.add_argument("--warmup", type=float, help="seconds at the rate before measuring (default 1.5; quick 0.3)")
    parser.add_argument("--markets", type=int, default=20, help="simulated KRW codes (default %(default)s)")
    parser.add_argument("--types", default="ticker,trade", help="data types (default %(default)s)")
    parser.add_argument("--components", type=int, default=10, help="components of 'ten' (default 10)")
    parser.add_argument("--lost-rate", type=float, default=6100.0,
                        help="frames/s asked for in the losses step of 'ten' (default %(default)s: "
                             "the simulator offers ~99 %% of it, >= 6,000)")
    parser.add_argument("--latency-rates", default="1000,5000",
                        help="steps whose latency the summary shows (default %(default)s)")
    parser.add_argument("--memory-events", type=int, help="deliveries between the two RSS readings "
                        "(default 1000000; quick 20000)")
    parser.add_argument("--memory-readers", help="readers of the memory run (default "
                        f"{_FULL_QUICK['memory_readers'][0]}; quick {_FULL_QUICK['memory_readers'][1]})")
    parser.add_argument("--memory-rate", default="max", help="frames/s of the memory run (default max)")
    parser.add_argument("--memory-timeout", type=float, default=300.0, help="seconds per memory run at most")
    parser.add_argument("--drain-timeout", type=float, help="seconds to wait for a reader to drain")
    parser.add_argument("--member", action="store_true",
                        help="add 'member': one component on a member system of a leader hub, fed "
                             "across the convention on loopback (pipeline_member; issue 15)")
    parser.add_argument("--live-sim", action="store_true",
                        help="the simulator's live market for every frame, not its tape (pipeline_sim.TAPE): "
                        "~12 us of its CPU per frame on the readers' two cores")
    parser.add_argument("--tree-logs", help="directory for the trees' log files, kept (default: a "
                        "temporary one, removed once its records are counted)")


def _settings(args: argparse.Namespace) -> argparse.Namespace:
    out = argparse.Namespace(**vars(args))
    for key, (full, quick) in _FULL_QUICK.items():
        if getattr(out, key) is None:
            setattr(out, key, quick if args.quick else full)
    out.rate_labels = [r.strip() for r in str(out.rates).split(",") if r.strip()]
    out.types = tuple(t.strip() for t in args.types.split(",") if t.strip())
    return out


def _rate(label: str, settings: argparse.Namespace) -> float:
    return settings.max_rate if label == "max" else float(label)


def _label(label: str) -> str:
    return label if label == "max" else str(int(float(label)))


SLOW_NEIGHBOUR = 0.002
"""Seconds per event of the slow component beside the measured one (500 events/s at most)."""


def _start(stack: contextlib.ExitStack, s: argparse.Namespace, logs: str) -> list[Any]:
    """Five simulators and five readers (the fifth: one component beside a slow one, issue 16),
    each stopped by the stack whatever happens; each tree logs to ``logs/<reader>.log``."""
    from upbit_actors.tools.bench.pipeline_readers import BareReader, ComponentReader, StreamReader
    from upbit_actors.tools.bench.pipeline_sim import TAPE, SimProcess
    from upbit_actors.tools.bench.pipeline_steps import wait_flowing

    sims = []
    for _ in range(6 if s.member else 5):
        sim = SimProcess(s.markets, tape=0 if s.live_sim else TAPE)
        stack.callback(sim.stop)
        sims.append(sim.start())
    codes = sims[0].codes()
    readers = [BareReader("baseline", sims[0], codes, s.types),
               ComponentReader("component", sims[1], codes, s.types, 1, log_file=f"{logs}/component.log"),
               StreamReader("stream", sims[2], codes, s.types, log_file=f"{logs}/stream.log"),
               ComponentReader("ten", sims[3], codes, s.types, s.components, log_file=f"{logs}/ten.log"),
               ComponentReader("by-slow", sims[4], codes, s.types, 1, log_file=f"{logs}/by-slow.log",
                               slow=SLOW_NEIGHBOUR)]
    if s.member:  # a member system's component, beside the local one (issue 15)
        from upbit_actors.tools.bench.pipeline_member import MemberReader

        readers.append(MemberReader("member", sims[5], codes, s.types, log_file=f"{logs}/member.log"))
    for reader in readers:
        stack.callback(reader.stop)
        began = time.monotonic()
        reader.start()
        flowing = wait_flowing(reader, 200.0, s.drain_timeout + 20)
        print(f"  {reader.name}: started in {time.monotonic() - began:.1f} s"
              + ("" if flowing else " (some consumer saw no event yet)"), flush=True)
    return readers


def _step(reader: Any, label: str, s: argparse.Namespace, rate: float | None = None) -> dict[str, Any]:
    from upbit_actors.tools.bench.pipeline_steps import measure

    try:
        return measure(reader, _rate(label, s) if rate is None else rate, _label(label),
                       warmup=s.warmup, seconds=s.seconds, types=s.types, drain_timeout=s.drain_timeout)
    except Exception as exc:  # noqa: BLE001 - a figure that could not be taken is reported, not fatal
        with contextlib.suppress(Exception):
            reader.sim.set_rate(0)
        return {"rate": _label(label), "error": f"{type(exc).__name__}: {exc}"}


_RECORD = re.compile(r"^\S+ \S+ (?P<level>[A-Z]+) \d+ \S+ (?P<name>\S+): (?P<message>.*)$")
"""One log record's first line (``system.runtime.logdefs.LOG_FORMAT``)."""


def _log_summary(path: str) -> dict[str, Any]:
    """Records per level and the most frequent messages of one tree's log file (a bench prints
    figures; the trees' warnings are counted here rather than mixed into the table). A record
    with a traceback is named by its exception (the traceback's last line)."""
    levels: collections.Counter[str] = collections.Counter()
    records: list[list[str]] = []
    with contextlib.suppress(OSError), open(path, errors="replace") as lines:
        for line in lines:
            if match := _RECORD.match(line):
                levels[match["level"]] += 1
                text = re.sub(r"ActorAddr-\S+|\d+", "#", match["message"])
                records.append([f"{match['level']} {match['name'].rpartition('.')[2]}: {text[:80]}"])
            elif line.strip() and records:
                records[-1][1:] = [line.strip()[:100]]
    messages = collections.Counter(" / ".join(record) for record in records)
    return {"levels": dict(levels), "top": messages.most_common(3)}


def _measure_all(s: argparse.Namespace, logs: str) -> dict[str, Any]:
    """Start everything, run every step, stop everything; returns the figures."""
    from upbit_actors.tools.bench.pipeline_report import STEP_HEADER, memory_lines, step_row, ten_line
    from upbit_actors.tools.bench.pipeline_steps import memory_run

    out: dict[str, Any] = {"steps": {}, "memory": {}, "processes": {}}
    began = time.monotonic()
    with contextlib.ExitStack() as stack:
        readers = _start(stack, s, logs)
        by_name = {reader.name: reader for reader in readers}
        for reader in readers:
            out["steps"][reader.name] = []
            out["processes"][reader.name] = len(reader.processes())
        print(STEP_HEADER, flush=True)
        for k, label in enumerate(s.rate_labels):
            for reader in readers[k % len(readers):] + readers[:k % len(readers)]:
                step = _step(reader, label, s)
                out["steps"][reader.name].append(step)
                print(f"{reader.name:<10} {step['rate']:>7} {step['error']}" if "error" in step
                      else step_row(reader.name, step), flush=True)
        ten = out["ten"] = _step(by_name["ten"], str(s.lost_rate), s)
        print(f"ten at {ten['rate']}: {ten['error']}" if "error" in ten else ten_line("ten", ten), flush=True)
        for name in [n.strip() for n in s.memory_readers.split(",") if n.strip() in by_name]:
            try:
                result = memory_run(by_name[name], s.memory_events, _rate(s.memory_rate, s),
                                 timeout=s.memory_timeout, drain_timeout=s.drain_timeout)
            except Exception as exc:  # noqa: BLE001 - reported like a step that failed
                out["memory"][name] = {"error": f"{type(exc).__name__}: {exc}"}
                print(f"{name}: memory run failed: {exc}", flush=True)
                continue
            out["memory"][name] = result
            print("\n".join(memory_lines(name, result)), flush=True)
        print(f"stopping every hub, reader and simulator ({time.monotonic() - began:.0f} s so far)", flush=True)
    return out


def run(args: argparse.Namespace) -> int:
    from upbit_actors.tools.bench.pipeline_report import summarize, summary_lines

    s = _settings(args)
    labels = [_label(r) for r in s.rate_labels]
    latency_labels = [_label(r) for r in s.latency_rates.split(",") if r.strip()]
    # Other work on the machine shifts every figure; the load average says how busy it was.
    load_start = [round(x, 2) for x in os.getloadavg()]
    print(f"bench pipeline: {s.markets} codes x {'+'.join(s.types)}; {s.seconds} s per step after "
          f"{s.warmup} s; rates {', '.join(labels)} (max = {s.max_rate:.0f} asked); one simulator "
          f"process per reader ({'live market' if s.live_sim else 'taped market'}), not counted; load average {load_start} on {os.cpu_count()} CPUs", flush=True)
    began = time.monotonic()
    with contextlib.ExitStack() as outer:
        logs = args.tree_logs or outer.enter_context(tempfile.TemporaryDirectory(prefix="bench-pipeline-"))
        figures = _measure_all(s, logs)
        trees = ("component", "stream", "ten", "by-slow") + (("member",) if s.member else ())
        tree_logs = {name: _log_summary(f"{logs}/{name}.log") for name in trees}
    for name, log in tree_logs.items():
        if log["levels"]:
            print(f"{name} tree logged {log['levels']}; most often: "
                  + "; ".join(f"{text} (x{n})" for text, n in log["top"]), flush=True)
    top = labels[-1] if labels else "max"
    steps = {name: [x for x in rows if "error" not in x] for name, rows in figures["steps"].items()}
    summary = summarize(steps, latency_labels, top)
    load_end = [round(x, 2) for x in os.getloadavg()]
    print(f"summary (x base: reader / baseline in this run; events per consumer, CPU per delivered event; "
          f"{time.monotonic() - began:.0f} s in all; load average now {load_end}):")
    print("\n".join(summary_lines(summary, latency_labels, top)), flush=True)
    print(json.dumps({
        "bench": "pipeline",
        "config": {"markets": s.markets, "types": list(s.types), "seconds": s.seconds, "warmup": s.warmup,
                   "rates": labels, "max_rate": s.max_rate, "components": s.components,
                   "lost_rate": s.lost_rate, "memory_events": s.memory_events, "quick": s.quick,
                   "simulator": "live" if s.live_sim else "tape",
                   "cpus": os.cpu_count(), "load_average": {"start": load_start, "end": load_end}},
        "summary": summary,
        "readers": {name: {"steps": rows, "processes": figures["processes"][name]}
                    for name, rows in figures["steps"].items()},
        "ten_components": figures["ten"],
        "memory": figures["memory"],
        "tree_logs": tree_logs,
        "seconds": round(time.monotonic() - began, 1),
    }), flush=True)
    return 0
