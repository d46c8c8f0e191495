"""``upbit-actors member``: run components on this machine, fed by a leader hub elsewhere.

::

    upbit-actors member --leader 10.8.0.1:1900 --listen 10.8.0.2 --name gui \\
        --component board=upbit_actors.actors.examples:TickerBoard --param board.codes='["KRW-BTC"]'

Starts a member system (``HubConfig.leader``) that joins the leader's convention, spawns the
components (restarted if they crash), and runs until SIGINT/SIGTERM or ``--duration``. The
leader is a hub with ``accept_members = true`` (e.g. ``upbit-actors stream --config FILE``).
Prints one JSON line on stdout once up (``{"member", "admin_port", "pid", "session"}``: the
session holds every process of the member's system) and
the leader alerts (lost, back) on stderr as they come. Exit 0 after a signal or the duration,
1 when the system fails, 2 on a bad command line.
"""

from __future__ import annotations

import argparse
import json
import os
import time

from upbit_actors.system.errors import UsageError
from upbit_actors.tools.cli_common import (
    EXIT_FAILED,
    EXIT_USAGE,
    StopFlag,
    add_config_arguments,
    config_from_args,
    say,
    system_errors,
)

__all__ = ["HELP", "add_arguments", "parse_components", "run"]

HELP = "join a leader hub: run components here, fed by the leader's Upbit connection"
POLL = 0.2
"""Seconds between looks at the stop flag and the hub's alerts."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--leader", required=True, metavar="IP:PORT",
                        help="the leader hub's admin address (its listen_host and admin port)")
    parser.add_argument("--name", default="", metavar="NAME",
                        help="this member's name on the leader (default: HOST-PID)")
    parser.add_argument("--listen", default=None, metavar="IP",
                        help="listen on this address instead of 127.0.0.1 (needed when the "
                             "leader is on another host: an address the leader can reach)")
    parser.add_argument("--admin-port", type=int, default=None, metavar="N",
                        help="this member system's admin port (default: a free one)")
    parser.add_argument("--component", action="append", default=[], metavar="NAME=MODULE:CLASS",
                        help="a component to run here (repeatable)")
    parser.add_argument("--param", action="append", default=[], metavar="NAME.KEY=JSON",
                        help="a parameter of component NAME (a JSON value, else a string)")
    parser.add_argument("--duration", type=float, default=None, metavar="S",
                        help="stop after S seconds (default: until SIGINT/SIGTERM)")
    add_config_arguments(parser)


def parse_components(specs: list[str], params: list[str]) -> dict[str, tuple[str, dict]]:
    """``NAME=MODULE:CLASS`` and ``NAME.KEY=JSON`` -> name -> (class path, params);
    ``UsageError`` with one line saying what is wrong."""
    out: dict[str, tuple[str, dict]] = {}
    for spec in specs:
        name, sep, path = spec.partition("=")
        if not sep or not name or not ({":", "."} & set(path)):
            raise UsageError(f"--component {spec!r}: expected NAME=MODULE:CLASS")
        out[name] = (path.replace(":", "."), {})  # runtime.actor_path's form: module.Class
    for item in params:
        key, sep, text = item.partition("=")
        name, dot, param = key.partition(".")
        if not sep or not dot or name not in out or not param:
            raise UsageError(f"--param {item!r}: expected NAME.KEY=JSON for a --component NAME")
        try:
            value = json.loads(text)
        except ValueError:
            value = text
        out[name][1][param] = value
    return out


def run(args: argparse.Namespace) -> int:
    from upbit_actors import Hub
    from upbit_actors.system.embed.convention import member_name

    fields = {"leader": args.leader, "member_name": args.name}
    if args.listen is not None:
        fields["listen_host"] = args.listen
    try:
        components = parse_components(args.component, args.param)
        config = config_from_args(args, **fields)
    except ValueError as exc:
        say("member", str(exc))
        return EXIT_USAGE
    deadline = None if args.duration is None else time.monotonic() + args.duration
    try:
        with StopFlag() as stop, Hub(config, admin_port=args.admin_port) as hub:
            for name, (path, params) in components.items():
                hub.spawn(path, name, restart=True, **params)
            print(json.dumps({"member": member_name(config), "admin_port": hub.admin_port,
                              "pid": os.getpid(), "session": hub.handle.session_id,
                              "components": sorted(components)}), flush=True)
            seen = 0
            while not stop.event.wait(POLL):
                alerts = list(hub.alerts)
                for alert in alerts[seen:]:
                    say("member", f"{alert.kind}: {alert.detail}")
                seen = len(alerts)
                if hub.failure is not None:
                    say("member", f"the member tree failed: {hub.failure}")
                    return EXIT_FAILED
                if deadline is not None and time.monotonic() >= deadline:
                    break
    except system_errors() as exc:
        say("member", str(exc))
        return EXIT_FAILED
    return 0
