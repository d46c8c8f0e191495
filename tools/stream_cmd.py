"""``upbit-actors stream``: start the actor tree, print its events as JSON lines.

::

    upbit-actors stream --url ws://127.0.0.1:PORT/websocket/v1 --ticker KRW-BTC,KRW-ETH \\
        --trade KRW-BTC --orderbook KRW-BTC.5 --candle 1m:KRW-BTC --count 100
    UPBIT_ACCESS_KEY=... UPBIT_SECRET_KEY=... upbit-actors stream --url URL \\
        --private-url URL/private --my-order KRW-BTC --my-asset

Every stream option, and every repetition of one, becomes a component actor of its own
(``Hub.stream``), named after its type and its rank: ``ticker-1``, ``ticker-2``, ``trade-1``,
``orderbook-1``, ``candle.1m-1``, ``myOrder-1``, ``myAsset-1``. The registry merges them, so
one run sends one merged request per connection. CODES are comma-separated upper-case pairs;
an orderbook code may carry its depth (``KRW-BTC.5``; one depth per ``--orderbook``);
``--candle`` takes ``INTERVAL:CODES`` (intervals 1s 1m 3m 5m 10m 15m 30m 60m 240m);
``--my-order`` without CODES means every market; ``--my-asset`` takes none.

Output: stdout gets one JSON object per event with Upbit's DEFAULT field names (``type``
first, as ``upbit-actors decode`` prints them) and ``component``, the component's name.
stderr gets one line per notice, each starting ``upbit-actors stream:``: the admin port
(``upbit-actors status --admin-port N`` attaches there), rejected subscriptions, alerts
(``connection_lost``, ``connection_restored``, ``upbit_error``, ``auth_failed``), and Thespian's
own warnings. Keys never appear: the lines are also passed through ``credentials.redact``.

Keys: ``UPBIT_ACCESS_KEY``/``UPBIT_SECRET_KEY``, or ``--key-file`` (JSON or KEY=VALUE, mode 600),
signed HS256 or ``--jwt-algorithm HS512``. They are read only when a private option is given,
and handed to the hub's JWT actor.

Stops, always leaving no process of the system behind (``Hub.stop``): after ``--count`` events
(exit 0), after ``--duration`` seconds of streaming (exit 0), on SIGINT / Ctrl-C (exit 130) or
SIGTERM (exit 143), the shell convention 128 + signal. Exit 1: the system could not start, or
every subscription was rejected (nothing is left to stream). Exit 2: invalid command line
(bad codes, unknown interval, a private option without ``--private-url`` or, when no public
option is given either, without keys). With keys missing and public options given, the
private components are started anyway: the system rejects them with its own reason, printed
on stderr, and the public ones stream on.
"""

from __future__ import annotations

import argparse
import queue
import signal
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

import attrs
import orjson

from messages import CandleInterval, Credentials, DataType, HubConfig, StreamSpec, WireFormat
from messages.common import Endpoint
from messages.subscription import StreamOptions
from system.credentials import CredentialsError, load_credentials, redact
from system.requests import validate_spec

__all__ = ["HELP", "StreamRequest", "add_arguments", "parse_requests", "run"]

HELP = "start the actor tree and print its events as JSON lines (one component per stream option)"

PREFIX = "upbit-actors stream:"
QUEUE_LIMIT = 10_000
"""Events waiting to be printed; beyond it the stream threads wait (back-pressure to the relays,
whose router buffers then apply their own overflow policy)."""
POLL = 0.2
"""Seconds between checks of the stop conditions, rejections and alerts while no event arrives."""
EXIT_INVALID, EXIT_FAILED = 2, 1


class UsageError(ValueError):
    """The command line cannot be streamed; the message is printed as one line."""


@attrs.frozen
class StreamRequest:
    """One stream option: the component ``name`` and the spec it subscribes."""

    name: str
    spec: StreamSpec


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--url", required=True, help="public WebSocket URL (ws:// or wss://)")
    for flag, what in (("ticker", "tickers"), ("trade", "trades"), ("orderbook", "orderbooks")):
        parser.add_argument(f"--{flag}", action="append", default=[], metavar="CODES",
                            help=f"{what} of CODES (comma-separated)" + (
                                "; CODE.N asks for N units (1, 5, 15, 30)" if flag == "orderbook" else ""))
    parser.add_argument("--candle", action="append", default=[], metavar="IV:CODES",
                        help="candles of interval IV (1s, 1m, 3m, ..., 240m) for CODES, e.g. 1m:KRW-BTC")
    parser.add_argument("--format", type=str.upper, choices=["DEFAULT", "SIMPLE"], default="DEFAULT",
                        help="wire format requested from Upbit (the output is DEFAULT names either way)")
    parser.add_argument("--admin-port", type=int, default=None, metavar="N",
                        help="Thespian admin port (default: a free port, printed on stderr)")
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


# -- command line -> specs ---------------------------------------------------------------------
def _codes(text: str, option: str) -> tuple[str, ...]:
    codes = tuple(code.strip() for code in text.split(","))
    if not text.strip() or not all(codes):
        raise UsageError(f"{option} {text!r}: give comma-separated codes like KRW-BTC,KRW-ETH")
    return codes


def _orderbook(text: str) -> StreamSpec:
    codes, depths = [], set()
    for item in _codes(text, "--orderbook"):
        code, dot, depth = item.partition(".")
        if dot and not depth.isdigit():
            raise UsageError(f"--orderbook {item!r}: the depth after '.' must be a number (1, 5, 15, 30)")
        codes.append(code)
        depths.add(int(depth) if dot else None)
    if len(depths) > 1:
        raise UsageError(f"--orderbook {text!r}: one depth per --orderbook; repeat the option for another depth")
    return StreamSpec(data_type=DataType.ORDERBOOK, codes=codes, options=StreamOptions(depth=depths.pop()))


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
    specs += [_orderbook(t) for t in args.orderbook]
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


def _check_url(url: str | None, option: str) -> None:
    if url is not None and not url.startswith(("ws://", "wss://")):
        raise UsageError(f"{option} {url!r}: expected a ws:// or wss:// URL")


def _credentials(args: argparse.Namespace, requests: list[StreamRequest]) -> Credentials | None:
    """The keys when a private option asks for them; UsageError when they cannot serve at all."""
    private = [r for r in requests if r.spec.data_type.endpoint is Endpoint.PRIVATE]
    if not private:
        return None
    if args.private_url is None:
        raise UsageError(f"{private[0].spec.data_type.value} needs --private-url (the private WebSocket URL)")
    try:
        credentials = load_credentials(key_file=args.key_file, algorithm=args.jwt_algorithm)
    except CredentialsError as exc:  # the message names the source, never key text
        raise UsageError(f"keys: {exc}") from None
    if credentials is None and len(private) == len(requests):
        raise UsageError("private streams need keys: set UPBIT_ACCESS_KEY and UPBIT_SECRET_KEY, or --key-file")
    return credentials


# -- running -----------------------------------------------------------------------------------
class _Stop:
    """SIGINT / SIGTERM set a flag that the main loop reads: never an exception in the middle of
    a Thespian ``ask`` (see ``system/runtime/onexit.py`` for why that matters)."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.signum: int | None = None
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> _Stop:
        if threading.current_thread() is threading.main_thread():  # else signals cannot be caught
            for signum in (signal.SIGINT, signal.SIGTERM):
                self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def _handle(self, signum: int, _frame: Any) -> None:
        if self.signum is None:
            self.signum = signum
        self.event.set()

    def __exit__(self, *exc: object) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)


def _say(text: str, credentials: Credentials | None) -> None:
    line = text if credentials is None else redact(text, credentials)
    print(f"{PREFIX} {line}", file=sys.stderr, flush=True)


def _alert_line(alert: Any) -> str:
    text = f"alert: {alert.endpoint.value} {alert.kind}"
    if alert.error is not None:
        text += f": {alert.error.name}: {alert.error.message}"
    elif alert.detail:
        text += f": {alert.detail}"
    if alert.kind == "auth_failed":
        text += " (check the keys: UPBIT_ACCESS_KEY/UPBIT_SECRET_KEY or --key-file)"
    return text


def _show_alerts(running: list[tuple[StreamRequest, Any]], rejected: set[str],
                 shown: dict[Endpoint, int], credentials: Credentials | None) -> None:
    """Print new alerts once each. An alert reaches every component of its endpoint, so they are
    read from the endpoint's stream that has seen the most (a stream joins the router's table a
    little after another, and a rejected one none at all)."""
    for endpoint in Endpoint:
        streams = [s for r, s in running if r.spec.data_type.endpoint is endpoint and r.name not in rejected]
        if not streams:
            continue
        seen = list(max(streams, key=lambda s: len(s.alerts)).alerts)
        for alert in seen[shown.get(endpoint, 0):]:
            _say(_alert_line(alert), credentials)
        shown[endpoint] = max(shown.get(endpoint, 0), len(seen))


def _enqueue(events: queue.Queue, name: str, stopping: threading.Event) -> Callable[[Any], None]:
    def put(event: Any) -> None:
        while not stopping.is_set():
            try:
                events.put((name, event), timeout=POLL)
                return
            except queue.Full:
                continue
    return put


def run(args: argparse.Namespace) -> int:
    try:
        _check_url(args.url, "--url")
        _check_url(args.private_url, "--private-url")
        if args.count is not None and args.count < 1:
            raise UsageError("--count must be at least 1")
        if args.duration is not None and not args.duration > 0:
            raise UsageError("--duration must be more than 0 seconds")
        if args.admin_port is not None and not 0 < args.admin_port < 65536:
            raise UsageError(f"--admin-port {args.admin_port}: not a TCP port")
        requests = parse_requests(args)
        credentials = _credentials(args, requests)
    except UsageError as exc:
        print(f"{PREFIX} error: {exc}", file=sys.stderr, flush=True)
        return EXIT_INVALID
    with _Stop() as stop:
        return _stream(args, requests, credentials, stop)


class _Session:
    """One run: the hub, its streams, and what has been printed so far."""

    def __init__(self, args: argparse.Namespace, requests: list[StreamRequest],
                 credentials: Credentials | None) -> None:
        from system.hub import Hub

        self.args = args
        self.requests = requests
        self.credentials = credentials
        config = HubConfig(public_url=args.url, format=WireFormat(args.format),
                           **({"private_url": args.private_url} if args.private_url else {}))
        self.hub = Hub(config, credentials=credentials, admin_port=args.admin_port)
        self.events: queue.Queue = queue.Queue(QUEUE_LIMIT)
        self.stopping = threading.Event()
        self.running: list[tuple[StreamRequest, Any]] = []
        self.rejected: set[str] = set()
        self.alerts_shown: dict[Endpoint, int] = {}
        self.printed = 0

    def say(self, text: str) -> None:
        _say(text, self.credentials)

    def start(self, stop: _Stop) -> bool:
        """Start the tree and one stream per request; False (said why) when the system failed."""
        from system import runtime
        from system.hub import HubError

        try:
            self.hub.start()
            port = self.hub.admin_port
            self.say(f"admin port {port} (attach with: upbit-actors status --admin-port {port})")
            for request in self.requests:
                if stop.event.is_set():
                    break
                spec = request.spec
                stream = self.hub.stream(spec.data_type, spec.codes, name=request.name,
                                         callback=_enqueue(self.events, request.name, self.stopping),
                                         **attrs.asdict(spec.options, recurse=False))
                self.running.append((request, stream))
        except (HubError, runtime.RuntimeSystemError) as exc:
            self.say(f"error: the actor system did not start: {exc}")
            return False
        return True

    def check(self) -> bool:
        """Print new rejections and alerts; False once every subscription was rejected."""
        for request, stream in self.running:
            if stream.rejections and request.name not in self.rejected:
                self.rejected.add(request.name)
                for rejection in list(stream.rejections):
                    self.say(f"{request.name}: subscription rejected: {rejection.reason}")
        if self.running and len(self.rejected) == len(self.running):
            self.say("error: every subscription was rejected; nothing left to stream")
            return False
        _show_alerts(self.running, self.rejected, self.alerts_shown, self.credentials)
        return True

    def print_events(self, timeout: float) -> bool:
        """Print what arrives within ``timeout`` (and all queued after it); False at --count."""
        from system.codec import to_default_dict

        out = sys.stdout.buffer
        try:
            item = self.events.get(timeout=timeout)
        except queue.Empty:
            return True
        try:
            while True:
                name, event = item
                body = to_default_dict(event)
                out.write(orjson.dumps({"type": body.pop("type", None), "component": name, **body}) + b"\n")
                self.printed += 1
                if self.args.count is not None and self.printed >= self.args.count:
                    return False
                item = self.events.get_nowait()
        except queue.Empty:
            return True
        finally:
            out.flush()

    def close(self) -> None:
        self.stopping.set()  # stream threads blocked on a full queue give up
        self.hub.stop()


def _stream(args: argparse.Namespace, requests: list[StreamRequest], credentials: Credentials | None,
            stop: _Stop) -> int:
    session = _Session(args, requests, credentials)
    try:
        if not session.start(stop):
            return EXIT_FAILED
        deadline = None if args.duration is None else time.monotonic() + args.duration
        while not stop.event.is_set():
            if not session.check():
                return EXIT_FAILED
            left = POLL if deadline is None else min(POLL, deadline - time.monotonic())
            if left <= 0:
                return 0
            if not session.print_events(left):
                return 0
        return 128 + (stop.signum or signal.SIGINT)
    finally:
        session.close()
