"""``upbit-actors sim``: run the simulator until interrupted.

Prints one JSON line with the URLs and ports once both servers accept connections, then serves
until SIGINT or SIGTERM. The line also has the private channel's ``access_key``, and its
``secret_key`` when the simulator made the keys up (no ``--secret-key`` given: a new random pair
per run); stderr then says how to point a bot at it (``UPBIT_ACCESS_KEY``/``UPBIT_SECRET_KEY``).
A secret given with ``--secret-key`` is never printed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import secrets
import signal
import sys

from upbit_actors.tools.sim.config import SimConfig
from upbit_actors.tools.sim.simulator import Runtime

__all__ = ["HELP", "add_arguments", "config_from_args", "run"]

HELP = "run the local Upbit WebSocket simulator"


def _markets(value: str) -> list[str] | int | None:
    if value in ("", "real"):
        return None
    if value.isdigit():
        return int(value)
    return [code.strip() for code in value.split(",") if code.strip()]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    d = SimConfig()
    parser.add_argument("--host", default=d.host, help="interface to bind (default %(default)s)")
    parser.add_argument("--port", type=int, default=d.port, help="WebSocket port, 0 = free port")
    parser.add_argument("--control-port", type=int, default=0,
                        help="HTTP control port, 0 = free port, -1 = off")
    parser.add_argument("--rate", type=float, default=d.rate,
                        help="public data frames per second (default %(default)s)")
    parser.add_argument("--markets", type=_markets, default=None,
                        help="'real' (frozen list, default), N synthetic KRW codes, or CODE,CODE,...")
    parser.add_argument("--seed", type=int, default=d.seed, help="market seed (default %(default)s)")
    parser.add_argument("--idle-timeout", type=float, default=d.idle_timeout, help="seconds; 0 = never")
    parser.add_argument("--status-up-interval", type=float, default=d.status_up_interval)
    parser.add_argument("--handshake-limit", type=int, default=d.handshake_limit,
                        help="per second per client; 0 = off")
    parser.add_argument("--handshake-ban-after", type=int, default=None, help="429s per minute before 418")
    parser.add_argument("--message-limits", default="5/1,100/60",
                        help="COUNT/SECONDS,... per connection ('' = off; default %(default)s)")
    parser.add_argument("--rate-excess", choices=("error", "ignore"), default=d.rate_excess)
    parser.add_argument("--access-key", default=None,
                        help="private channel access key (default: made up, printed)")
    parser.add_argument("--secret-key", default=None,
                        help="private channel secret key (default: made up and printed at start)")
    parser.add_argument("--reject-reused-nonce", action="store_true")
    parser.add_argument("--auth-failure", choices=("frame", "http401"), default=d.auth_failure)
    parser.add_argument("--language", choices=("ko", "en"), default=d.language)
    parser.add_argument("--number-style", choices=("wire", "plain"), default=d.number_style)
    parser.add_argument("--no-compression", action="store_true", help="refuse permessage-deflate")
    parser.add_argument("--tape", type=int, default=d.tape, metavar="EVENTS",
                        help="benchmarks: record EVENTS market events once, replay their tickers and "
                        "trades re-stamped (cheaper per frame; books and candles stand still); 0 = live")
    parser.add_argument("--wait-above", type=int, default=d.wait_above, metavar="BYTES",
                        help="benchmarks: make no frames while a connection has more than BYTES "
                        "waiting (a reader's own top rate); 0 = never wait, as Upbit")


def config_from_args(args: argparse.Namespace) -> SimConfig:
    limits = tuple(
        (int(count), float(seconds))
        for count, _, seconds in (item.partition("/") for item in args.message_limits.split(",") if item)
    )
    return SimConfig(
        host=args.host, port=args.port, control_port=None if args.control_port < 0 else args.control_port,
        rate=args.rate, markets=args.markets, seed=args.seed, idle_timeout=args.idle_timeout,
        status_up_interval=args.status_up_interval, handshake_limit=args.handshake_limit,
        handshake_ban_after=args.handshake_ban_after, message_limits=limits, rate_excess=args.rate_excess,
        access_key=args.access_key, secret_key=args.secret_key, reject_reused_nonce=args.reject_reused_nonce,
        auth_failure=args.auth_failure, language=args.language, number_style=args.number_style,
        compression=None if args.no_compression else "deflate", tape=args.tape, wait_above=args.wait_above,
    )


def _made_up_keys(config: SimConfig) -> tuple[SimConfig, bool]:
    """``config`` with a random access key and secret where none was given; True when the secret
    was made up here (then it is printed: the user has no other way to learn it)."""
    made_up = config.secret_key is None
    return dataclasses.replace(
        config, access_key=config.access_key or f"sim-{secrets.token_hex(8)}",
        secret_key=config.secret_key or secrets.token_hex(32)), made_up


async def _serve(config: SimConfig) -> None:
    config, made_up = _made_up_keys(config)
    runtime = Runtime(config)
    urls = await runtime.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    keys = {"access_key": config.access_key, **({"secret_key": config.secret_key} if made_up else {})}
    print(json.dumps({"ready": True, **urls, **keys}), flush=True)
    if made_up:
        print(f"upbit-actors sim: private channel keys made up for this run: "
              f"UPBIT_ACCESS_KEY={config.access_key} UPBIT_SECRET_KEY={config.secret_key} "
              f"(choose your own with --access-key/--secret-key)", file=sys.stderr, flush=True)
    try:
        await stop.wait()
    finally:
        await runtime.stop()


def run(args: argparse.Namespace) -> int:
    try:
        asyncio.run(_serve(config_from_args(args)))
    except OSError as exc:
        print(json.dumps({"ready": False, "error": str(exc)}), file=sys.stderr)
        return 1
    return 0
