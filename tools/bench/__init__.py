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
    "codec": "tools.bench.codec",
    "sim": "tools.bench.sim",
    "pipeline": "tools.bench.pipeline",
}
"""Benchmark name -> module."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="benchmark", metavar="NAME", required=True)
    for name, module_name in BENCHMARKS.items():
        module = importlib.import_module(module_name)
        module.add_arguments(sub.add_parser(name, help=module.HELP, description=module.HELP))


def run(args: argparse.Namespace) -> int:
    return int(importlib.import_module(BENCHMARKS[args.benchmark]).run(args) or 0)
