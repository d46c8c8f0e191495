"""The ``upbit-actors stream`` command line: its options, and what they ask for.

The options become named stream specs (``parse_requests``: one component per option and
repetition, checked as the registry would) and, when a private option is given, the keys
(``credentials_for``). Anything that cannot be streamed is a :class:`UsageError`, which
``tools.stream_cmd`` prints as one line and turns into exit status 2. What the options mean for
a user is told in the docstring of ``tools.stream_cmd``.
"""

from __future__ import annotations

import argparse

import attrs

from upbit_actors.messages import CandleInterval, Credentials, DataType, StreamSpec
from upbit_actors.messages.common import Endpoint
from upbit_actors.messages.subscription import StreamOptions
from upbit_actors.system.errors import UsageError
from upbit_actors.system.jwt.credentials import CredentialsError, load_credentials
from upbit_actors.system.wire.requests import validate_spec

__all__ = ["StreamRequest", "UsageError", "add_arguments", "check_arguments", "credentials_for",
           "parse_requests"]


@attrs.frozen
class StreamRequest:
    """One stream option: the component ``name`` and the spec it subscribes."""

    name: str
    spec: StreamSpec


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from upbit_actors.tools.cli_common import add_config_arguments

    parser.add_argument("--url", default=None,
                        help="public WebSocket URL (ws:// or wss://; default: UPBIT_PUBLIC_URL, the "
                             "--config file, else Upbit's)")
    for flag, what in (("ticker", "tickers"), ("trade", "trades"), ("orderbook", "orderbooks")):
        parser.add_argument(f"--{flag}", action="append", default=[], metavar="CODES",
                            help=f"{what} of CODES (comma-separated)" + (
                                "; CODE.N asks for N units (1, 5, 15, 30)" if flag == "orderbook" else ""))
    parser.add_argument("--level", type=float, default=None, metavar="L",
                        help="price grouping unit of every --orderbook (Upbit's 'level', e.g. 10000 "
                             "groups a KRW book into 10,000 KRW steps; default: no grouping)")
    parser.add_argument("--candle", action="append", default=[], metavar="IV:CODES",
                        help="candles of interval IV (1s, 1m, 3m, ..., 240m) for CODES, e.g. 1m:KRW-BTC")
    parser.add_argument("--format", type=str.upper, choices=["DEFAULT", "SIMPLE"], default=None,
                        help="wire format requested from Upbit (default DEFAULT, or the --config "
                             "file's; the output is DEFAULT names either way)")
    parser.add_argument("--admin-port", type=int, default=None, metavar="N",
                        help="Thespian admin port (default: a free port, printed on stderr)")
    parser.add_argument("--stop-stale", action="store_true",
                        help="shut down an actor system left running on --admin-port (by a crashed "
                             "earlier run) before starting; without it such a system is refused")
    parser.add_argument("--count", type=int, default=None, metavar="N", help="stop after N events")
    parser.add_argument("--duration", type=float, default=None, metavar="S",
                        help="stop after S seconds of streaming")
    parser.add_argument("--private-url", default=None, metavar="URL", help="private WebSocket URL")
    parser.add_argument("--my-order", action="append", nargs="?", const="", default=[], metavar="CODES",
                        help="own orders and fills for CODES (no CODES: every market); needs keys")
    parser.add_argument("--my-asset", action="count", default=0, help="own balance changes; needs keys")
    parser.add_argument("--key-file", default=None, metavar="PATH",
                        help="key file (JSON or KEY=VALUE, mode 600) instead of UPBIT_ACCESS_KEY/UPBIT_SECRET_KEY")
    parser.add_argument("--jwt-algorithm", type=str.upper, choices=["HS256", "HS512"], default="HS256",
                        help="JWT signing algorithm for the private handshake")
    add_config_arguments(parser)


def check_arguments(args: argparse.Namespace) -> None:
    """The options argparse cannot check alone: URLs, ``--count``, ``--duration``, the port."""
    _check_url(args.url, "--url")
    _check_url(args.private_url, "--private-url")
    if args.count is not None and args.count < 1:
        raise UsageError("--count must be at least 1")
    if args.duration is not None and not args.duration > 0:
        raise UsageError("--duration must be more than 0 seconds")
    if args.level is not None and not args.orderbook:
        raise UsageError("--level groups orderbooks: give it with --orderbook")
    if args.level is not None and not args.level >= 0:
        raise UsageError(f"--level {args.level:g}: the grouping unit must be 0 or more")
    if args.admin_port is not None and not 0 < args.admin_port < 65536:
        raise UsageError(f"--admin-port {args.admin_port}: not a TCP port")


def _check_url(url: str | None, option: str) -> None:
    if url is not None and not url.startswith(("ws://", "wss://")):
        raise UsageError(f"{option} {url!r}: expected a ws:// or wss:// URL")


# -- stream options -> specs -------------------------------------------------------------------
def _codes(text: str, option: str) -> tuple[str, ...]:
    codes = tuple(code.strip() for code in text.split(","))
    if not text.strip() or not all(codes):
        raise UsageError(f"{option} {text!r}: give comma-separated codes like KRW-BTC,KRW-ETH")
    return codes


def _orderbook(text: str, level: float | None = None) -> StreamSpec:
    codes, depths = [], set()
    for item in _codes(text, "--orderbook"):
        code, dot, depth = item.partition(".")
        if dot and not depth.isdigit():
            raise UsageError(f"--orderbook {item!r}: the depth after '.' must be a number (1, 5, 15, 30)")
        codes.append(code)
        depths.add(int(depth) if dot else None)
    if len(depths) > 1:
        raise UsageError(f"--orderbook {text!r}: one depth per --orderbook; repeat the option for another depth")
    return StreamSpec(data_type=DataType.ORDERBOOK, codes=codes,
                      options=StreamOptions(depth=depths.pop(), level=level))


def _candle(text: str) -> StreamSpec:
    interval, colon, codes = text.partition(":")
    if not colon:
        raise UsageError(f"--candle {text!r}: expected INTERVAL:CODES, e.g. 1m:KRW-BTC")
    valid = [iv.value for iv in CandleInterval]
    if interval not in valid:
        raise UsageError(f"--candle {text!r}: unknown interval {interval!r}; use one of {', '.join(valid)}")
    return StreamSpec(data_type=DataType.candle(CandleInterval(interval)), codes=_codes(codes, "--candle"))


def parse_requests(args: argparse.Namespace) -> list[StreamRequest]:
    """The stream options as named specs, each checked as the registry would (``validate_spec``)."""
    specs: list[StreamSpec] = []
    specs += [StreamSpec(data_type=DataType.TICKER, codes=_codes(t, "--ticker")) for t in args.ticker]
    specs += [StreamSpec(data_type=DataType.TRADE, codes=_codes(t, "--trade")) for t in args.trade]
    specs += [_orderbook(t, args.level) for t in args.orderbook]
    specs += [_candle(t) for t in args.candle]
    specs += [StreamSpec(data_type=DataType.MY_ORDER, codes=_codes(t, "--my-order") if t else ())
              for t in args.my_order]
    specs += [StreamSpec(data_type=DataType.MY_ASSET) for _ in range(args.my_asset)]
    if not specs:
        raise UsageError("nothing to stream: give --ticker, --trade, --orderbook, --candle, --my-order or --my-asset")
    requests, ranks = [], {}
    for spec in specs:
        if reason := validate_spec(spec, spec.data_type.endpoint):
            raise UsageError(f"{spec.data_type.value} {','.join(spec.codes)}: {reason}")
        ranks[spec.data_type] = ranks.get(spec.data_type, 0) + 1
        requests.append(StreamRequest(name=f"{spec.data_type.value}-{ranks[spec.data_type]}", spec=spec))
    return requests


def credentials_for(args: argparse.Namespace, requests: list[StreamRequest],
                    private_url_known: bool = False) -> Credentials | None:
    """The keys when a private option asks for them; UsageError when they cannot serve at all.
    A private stream needs its URL named (``--private-url``, or ``private_url_known``: the config
    file or ``UPBIT_PRIVATE_URL``), so that keys meant for a simulator never go to Upbit."""
    private = [r for r in requests if r.spec.data_type.endpoint is Endpoint.PRIVATE]
    if not private:
        return None
    if args.private_url is None and not private_url_known:
        raise UsageError(f"{private[0].spec.data_type.value} needs --private-url (the private WebSocket "
                         "URL; or private_url in --config, or UPBIT_PRIVATE_URL)")
    try:
        credentials = load_credentials(key_file=args.key_file, algorithm=args.jwt_algorithm)
    except CredentialsError as exc:  # the message names the source, never key text
        raise UsageError(f"keys: {exc}") from None
    if credentials is None and len(private) == len(requests):
        raise UsageError("private streams need keys: set UPBIT_ACCESS_KEY and UPBIT_SECRET_KEY, or --key-file")
    return credentials
