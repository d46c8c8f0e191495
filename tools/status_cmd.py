"""``upbit-actors status``: attach to a running actor tree and show how every actor is.

::

    upbit-actors status --admin-port N [--json] [--watch [SECONDS]] [--timeout S]

Attaches to the system whose Thespian admin listens on 127.0.0.1:N (``system.embed.hub.query_status``:
it never starts a system and never stops the one it attached to), asks the supervisor for the
``SystemStatus`` of the tree, and prints a table with one line per actor (role, address, pid,
state, uptime, restarts, messages handled, queue or buffer depth, drops) followed by the
per-role details each actor reports (``status_details`` in ``actors/*.py``): merged sets, rate
budget used and left, connection state, router buffers, JWT state (never keys or tokens),
components. ``--json`` prints one JSON document instead (``snapshot_document``, stable keys).
``--watch`` repeats every SECONDS (default 1) until Ctrl-C or SIGTERM: a terminal is redrawn,
a pipe gets a separator line between snapshots, ``--json --watch`` one JSON line per snapshot.

Rates per second stand beside the totals (messages handled, drops, events, frames; the JSON's
``rates``), from two snapshots. A single ``status`` takes a second one ``--rate-interval`` seconds
after the first (default 1 s, so it takes about that long) and shows the rates over that time;
``--rate-interval 0`` takes one snapshot and says ``rates: n/a``. ``--watch`` rates each snapshot
against the previous one: the first says ``rates: n/a``. An actor restarted in between has none.

There is no default admin port: ``Hub`` and ``system.runtime`` pick a free one per run, so the
port must be the one the running system printed or was given.

Exit status: 0; 1 when there is no actor system on the port, the port is not a Thespian admin,
no upbit-actors tree runs there, or it does not answer (one line on stderr); 2 for a wrong
command line. Only ``ActorStatus`` fields are printed, so nothing secret can appear.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from upbit_actors.messages import SystemStatus
from upbit_actors.tools.cli_common import EXIT_FAILED, EXIT_USAGE, say, stop_signals, system_errors
from upbit_actors.tools.status_help import COUNTERS
from upbit_actors.tools.status_rates import rates
from upbit_actors.tools.status_render import render
from upbit_actors.tools.status_snapshot import snapshot_document

__all__ = ["HELP", "add_arguments", "render", "run", "snapshot_document"]

HELP = "attach to a running actor system and show every actor (table, details, --json, --watch)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = COUNTERS
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("--admin-port", type=int, required=True, metavar="N",
                        help="Thespian admin port of the running system (127.0.0.1)")
    parser.add_argument("--host", default=None, metavar="IP",
                        help="the system's listen_host when it is not 127.0.0.1 (a convention "
                             "leader on a private network); this tool then listens there too")
    parser.add_argument("--json", action="store_true", help="one JSON document (a line per snapshot)")
    parser.add_argument("--watch", type=float, nargs="?", const=1.0, default=None, metavar="SECONDS",
                        help="refresh every SECONDS (default 1) until Ctrl-C or SIGTERM")
    parser.add_argument("--timeout", type=float, default=3.0, metavar="S",
                        help="seconds to wait for the system's answer (default 3)")
    parser.add_argument("--rate-interval", type=float, default=1.0, metavar="S",
                        help="rates per second beside the totals: a single status takes a second "
                             "snapshot S seconds after the first (default 1; 0: one snapshot, "
                             "'rates: n/a'); --watch rates each snapshot against the previous one "
                             "(the first: n/a)")


class _Stop(Exception):
    """SIGINT or SIGTERM during ``--watch``: end the watch, exit 0."""


def _on_signal(signum, frame) -> None:
    raise _Stop()


def _query(port: int, timeout: float) -> SystemStatus | str:
    """The status, or the one-line reason there is none."""
    from upbit_actors.system.embed.attach import (
        query_status,  # Thespian and the loopback patch only when the command runs
    )

    try:
        return query_status(port, timeout)
    except system_errors() as exc:
        return str(exc)
    except Exception as exc:  # a transport error must still be one line, not a traceback
        return f"cannot query the actor system on 127.0.0.1:{port}: {type(exc).__name__}: {exc}"


def _show(status: SystemStatus, args: argparse.Namespace, number: int,
          before: SystemStatus | None = None) -> None:
    per_second = rates(before, status)
    interval = status.collected_at - before.collected_at if per_second is not None else None
    if args.json:
        sys.stdout.write(json.dumps(snapshot_document(status, args.admin_port, per_second, interval),
                                    indent=None if args.watch is not None else 2, default=str) + "\n")
    else:
        text = render(status, args.admin_port, per_second, interval)
        if args.watch is not None and sys.stdout.isatty():
            text = "\x1b[H\x1b[2J" + text  # home and clear: redraw in place
        elif number > 0:
            text = "-" * 40 + "\n" + text
        sys.stdout.write(text)
    sys.stdout.flush()


def run(args: argparse.Namespace) -> int:
    if args.watch is not None and args.watch <= 0:
        say("status", "error: --watch SECONDS must be positive")
        return EXIT_USAGE
    if not args.rate_interval >= 0:
        say("status", "error: --rate-interval S must be 0 or more")
        return EXIT_USAGE
    if args.host is not None:  # before Thespian's first socket (system.runtime.convention)
        from upbit_actors.system.members.exposure import host_problem
        from upbit_actors.system.runtime import loopback

        if (why := host_problem(args.host)) is not None:
            say("status", f"error: --host {args.host}: {why}")
            return EXIT_USAGE
        loopback.configure(args.host)
    try:
        with stop_signals(_on_signal, enabled=args.watch is not None):
            return _watch(args)
    except (KeyboardInterrupt, _Stop):
        return 0


def _watch(args: argparse.Namespace) -> int:
    """One snapshot, or one every ``--watch`` seconds until a signal raises ``_Stop``."""
    shown, last_error, before = 0, None, None
    while True:
        started = time.monotonic()
        result = _query(args.admin_port, args.timeout)
        if args.watch is None and args.rate_interval > 0 and not isinstance(result, str):
            time.sleep(max(0.0, args.rate_interval - (time.monotonic() - started)))
            before, result = result, _query(args.admin_port, args.timeout)
            if isinstance(result, str):  # gone in between: show the one snapshot there is
                before, result = None, before
        if isinstance(result, str):
            if result != last_error:  # a watch repeats a lasting error only once
                say("status", result)
            last_error = result
            if args.watch is None or not shown:
                return EXIT_FAILED  # a watch that worked once keeps trying: the system may be restarting
        else:
            _show(result, args, shown, before)
            shown, last_error, before = shown + 1, None, result
        if args.watch is None:
            return 0
        time.sleep(max(0.0, args.watch - (time.monotonic() - started)))
