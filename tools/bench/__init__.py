"""``upbit-actors bench NAME``: benchmarks that print figures (never assertions).

Each benchmark is a module ``tools.bench.<name>`` defining ``HELP``, ``add_arguments(parser)``
and ``run(args) -> int``, exactly like the top-level subcommands (see ``tools.cli``).
"""

from __future__ import annotations

import argparse
import importlib

__all__ = ["BENCHMARKS", "HELP", "add_arguments", "run"]

HELP = "run a benchmark and print its figures"

BENCHMARKS: dict[str, str] = {
    "codec": "upbit_actors.tools.bench.codec",
    "hop": "upbit_actors.tools.bench.hop",
    "sim": "upbit_actors.tools.bench.sim",
    "pipeline": "upbit_actors.tools.bench.pipeline",
}
"""Benchmark name -> module."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("benchmark", choices=sorted(BENCHMARKS), help="which benchmark")
    parser.add_argument("options", nargs=argparse.REMAINDER, help="the benchmark's own options")


def run(args: argparse.Namespace) -> int:
    # Import only the chosen benchmark, then let it parse its own options.
    module = importlib.import_module(BENCHMARKS[args.benchmark])
    own = argparse.ArgumentParser(prog=f"upbit-actors bench {args.benchmark}", description=module.HELP)
    module.add_arguments(own)
    return int(module.run(own.parse_args(args.options)) or 0)
