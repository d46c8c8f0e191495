"""``upbit-actors chaos``: the actor tree under random faults and kills, and what it lost (issue 12).

"Impossible to knock over, nothing left running, nobody gets in." One command runs the bundled
simulator (its own process, 127.0.0.1, free ports, made-up private keys never shown) and a
``Hub`` holding a known set of subscriptions on both connections: four ``ChaosProbe`` components
(ticker, trade, orderbook + ticker, myOrder + myAsset; restarted when they die) and three
``Hub.stream`` s in this process (trade, ticker, myAsset). A thread places and cancels an order
every second so the private streams carry events. Then, for ``--duration`` seconds:

- every ``--fault-every`` seconds on average, a simulator fault (``tools/chaos_plan.py``): drops,
  refused or slow handshakes, stalls, garbage and error frames, idle closes, and rate changes
  between 1k and 5k frames/s;
- every ``--kill-every`` seconds on average, SIGKILL of one actor (sometimes two at once) of
  the tree, the supervisor and the Thespian admin included, by exact pid (from the tree's
  status; the admin is the supervisor's parent, which listens on the admin port).

A killed supervisor or admin makes the hub fail loudly by design (``Hub.failure``, the tree
stopped and swept): the run counts it as escalated, checks that no process of that system is
left, starts a new hub and goes on. The same holds for any escalation (restart intensity).
After ``--duration`` the faults stop; the run waits for the tree to settle (polling, generous
deadlines), then prints a summary and one JSON line (``tools/chaos_report.py``): events
delivered, duplicates and snapshot repeats after reconnects, subscriptions lost (each consumer's
keys against the simulator's live sets), rate-limit violations (``message_rate``,
``handshake_rate``), fault and kill outcomes and the slowest recovery (fault or kill until every
stream delivered an event generated after it), RSS of the tree's processes at start and end,
and the processes left after stop (exact pids of every hub's tree).

Exit status: 0 when the run passed; 1 when any subscription was lost, any violation seen, any
process left, or any kill or fault neither recovered nor escalated loudly (a fault that never
recovers is as bad as a kill that never does); 2 for bad options; 128 + signal on SIGINT or
SIGTERM (the figures so far are printed). An escalation with no kill pending (faults alone
made the tree give up) is reported but does not fail the run: it was loud, as designed.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import tempfile
import time

__all__ = ["HELP", "add_arguments", "run"]

HELP = "run the tree under random faults and kills; print what it lost (exit 1 if anything)"

IDLE_TIMEOUT = 6.0
"""Seconds of silence after which the simulator closes a socket as idle: shorter than the
tree's 20 s ping, so the ``idle`` fault (data stalled, private side quiet) closes every socket."""
START_RATE = 2_000.0
"""Frames per second of the market until the first ``set_rate`` fault."""


def _positive(value: str) -> float:
    number = float(value)
    if not number > 0:
        raise argparse.ArgumentTypeError(f"must be positive: {value}")
    return number


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--duration", type=_positive, default=60.0, metavar="S",
                        help="seconds of faults and kills (default %(default)s); settling and the "
                             "report take some more")
    parser.add_argument("--seed", type=int, default=None,
                        help="seed of every random choice (default: a new one, printed)")
    parser.add_argument("--kill-every", type=_positive, default=12.0, metavar="S",
                        help="mean seconds between kills (default %(default)s)")
    parser.add_argument("--fault-every", type=_positive, default=5.0, metavar="S",
                        help="mean seconds between simulator faults (default %(default)s)")
    parser.add_argument("--quiet", action="store_true",
                        help="no line per fault or kill: only the summary and the JSON line")


def run(args: argparse.Namespace) -> int:
    from upbit_actors.tools.chaos_report import failures, figures, lines
    from upbit_actors.tools.chaos_run import ChaosRun
    from upbit_actors.tools.chaos_sim import ChaosSim
    from upbit_actors.tools.chaos_tree import COMPONENTS, STREAMS
    from upbit_actors.tools.cli_common import EXIT_FAILED, StopFlag, say

    seed = args.seed if args.seed is not None else secrets.randbelow(2**31)
    began = time.monotonic()

    def note(text: str) -> None:
        if not args.quiet:
            print(f"[{time.monotonic() - began:6.1f}s] {text}", flush=True)

    markets = sorted({c for _, specs in COMPONENTS for _, codes in specs for c in codes}
                     | {c for _, _, codes in STREAMS for c in codes})
    warmup = min(15.0, max(3.0, args.duration / 10))
    print(f"upbit-actors chaos: {args.duration:g} s of faults (every ~{args.fault_every:g} s) and kills "
          f"(every ~{args.kill_every:g} s), seed {seed}", flush=True)
    with StopFlag() as stop, tempfile.TemporaryDirectory(prefix="upbit-chaos-") as tmp:
        tree_stderr = os.path.join(tmp, "tree-stderr.log")  # every hub's processes write here
        sim = ChaosSim(markets, START_RATE, IDLE_TIMEOUT, seed)
        try:
            sim.start()
        except Exception as exc:  # noqa: BLE001 - one line, not a traceback
            say("chaos", f"error: {exc}")
            return EXIT_FAILED
        try:
            chaos = ChaosRun(sim, duration=args.duration, seed=seed, kill_every=args.kill_every,
                             fault_every=args.fault_every, idle_timeout=IDLE_TIMEOUT, warmup=warmup,
                             say=note, stopped=stop.event, tree_stderr=tree_stderr)
            note(f"simulator on {sim.urls['public_url']} (pid {sim.pid})")
            error = ""
            try:
                chaos.run()
            except Exception as exc:  # noqa: BLE001 - the figures so far are still reported
                error = f"{type(exc).__name__}: {exc}"
            stats = chaos.stats or _stats(sim)
        finally:
            sim.stop()
        log = _read(tree_stderr)
    from upbit_actors.tools.chaos_report import rate_violations, subscriptions, tree_log
    from upbit_actors.tools.chaos_tree import wanted

    subs = chaos.subs or (subscriptions(wanted(), stats) if stats else {})
    notes = chaos.notes + ([f"the run stopped early: {error}"] if error else []) + (
        ["stopped by a signal"] if stop.signum is not None else [])
    doc = figures(seconds=time.monotonic() - began, seed=seed, incidents=chaos.ledger.incidents,
                  escalations=chaos.escalations, totals=chaos.totals, subs=subs,
                  violations=rate_violations(stats), leftovers=chaos.leftovers, hubs=len(chaos.epochs),
                  memory=chaos.memory, command_rss=chaos.command_rss,
                  tree_log=tree_log(log), notes=notes)
    print("\n".join(lines(doc)), flush=True)
    print(json.dumps(doc), flush=True)
    if stop.signum is not None:
        return stop.exit_status()
    return EXIT_FAILED if failures(doc) or error else 0


def _read(path: str) -> str:
    try:
        with open(path, errors="replace") as file:
            return file.read()
    except OSError:
        return ""


def _stats(sim) -> dict:
    try:
        return sim.stats()
    except Exception:  # noqa: BLE001 - the simulator is gone: figures without it
        return {}
