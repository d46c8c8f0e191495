"""The ``upbit-actors`` console script: one entry point, one module per subcommand.

Each subcommand lives in its own module, which defines::

    HELP: str                                   # one line for ``upbit-actors --help``
    def add_arguments(parser) -> None           # fills its argparse sub-parser
    def run(args) -> int                        # does the work, returns the exit status

Modules are imported only when their subcommand runs, so ``decode`` does not pay for
Thespian or the simulator.
"""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
import threading
from collections.abc import Sequence

__all__ = ["SUBCOMMANDS", "main"]

SUBCOMMANDS: dict[str, str] = {
    "decode": "upbit_actors.tools.decode_cmd",
    "sim": "upbit_actors.tools.sim.cli",
    "stream": "upbit_actors.tools.stream_cmd",
    "status": "upbit_actors.tools.status_cmd",
    "demo": "upbit_actors.tools.demo_cmd",
    "bench": "upbit_actors.tools.bench",
    "chaos": "upbit_actors.tools.chaos",
    "member": "upbit_actors.tools.member_cmd",
}
"""Subcommand name -> module implementing it (see the module docstring)."""


def _build_parser(argv: Sequence[str]) -> tuple[argparse.ArgumentParser, dict[str, object]]:
    parser = argparse.ArgumentParser(prog="upbit-actors", description=__doc__.splitlines()[0])
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    modules: dict[str, object] = {}
    # Import only the module that runs; others are listed with a short help.
    wanted = next((a for a in argv if not a.startswith("-")), None)
    for name, module_name in SUBCOMMANDS.items():
        if name == wanted:
            module = importlib.import_module(module_name)
            modules[name] = module
            sub = subparsers.add_parser(name, help=module.HELP, description=module.HELP)
            module.add_arguments(sub)
        else:
            subparsers.add_parser(name, help=f"see 'upbit-actors {name} --help'")
    return parser, modules


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser, modules = _build_parser(argv)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return int(modules[args.command].run(args) or 0)
    except BrokenPipeError:
        # The reader went away (``| head``): stop quietly, as Unix filters do, and keep the
        # interpreter from complaining again while flushing stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:  # a Ctrl-C the command did not turn into its own exit status
        return 128 + signal.SIGINT
    finally:
        # The command is done (its own handlers are gone): a Ctrl-C now, while the interpreter
        # exits, would be an uncaught KeyboardInterrupt and end the process by SIGINT instead of
        # with the status it chose. An impatient second Ctrl-C lands here under load.
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, signal.SIG_IGN)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
