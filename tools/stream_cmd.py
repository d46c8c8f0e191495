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
``--my-order`` without CODES means every market; ``--my-asset`` takes none. ``--level L`` groups
every ``--orderbook`` in price steps of L (Upbit's ``level``).

Settings: ``--config FILE`` (TOML, see ``system.embed.settings``) and ``--preset NAME`` give the
``HubConfig``; ``--url``, ``--private-url`` and ``--format`` win over them, and the URLs default to
``UPBIT_PUBLIC_URL`` / ``UPBIT_PRIVATE_URL``, then the file, then Upbit's. ``--metrics-port N``
serves Prometheus metrics on 127.0.0.1:N (the URL is printed on stderr).

Output: stdout gets one JSON object per event with Upbit's DEFAULT field names (``type``
first, as ``upbit-actors decode`` prints them) and ``component``, the component's name. After a
reconnect, a ``{"type":"gap",...}`` line per stream and code (``messages.Gap``: ``data_type``,
``code``, ``epoch``, ``last_seen``, ``resumed``, ``filled``, ``backfilled``, ``detail``; not
counted by ``--count``), then the missed trades fetched from REST with ``"stream_type":"BACKFILL"``
(not an Upbit value), in time order, before the live ones.
stderr gets one line per notice, each starting ``upbit-actors stream:``: the admin port
(``upbit-actors status --admin-port N`` attaches there), rejected subscriptions, alerts
(``connection_lost``, ``connection_restored``, ``upbit_error``, ``auth_failed``, and per stream
``no_snapshot``: codes silent while Upbit's market list is unknown), and Thespian's
own warnings. Keys never appear: the lines are also passed through ``credentials.redact``.

Keys: ``UPBIT_ACCESS_KEY``/``UPBIT_SECRET_KEY``, or ``--key-file`` (JSON or KEY=VALUE, mode 600),
signed HS256 or ``--jwt-algorithm HS512``. They are read only when a private option is given,
and handed to the hub's JWT actor.

``--stop-stale``: an actor system still running on ``--admin-port`` (left by a crashed run) is shut
down first; without it the command says so and exits 1.

Stops, always leaving no process of the system behind (``Hub.stop``): after ``--count`` events
(exit 0), after ``--duration`` seconds of streaming (exit 0), on SIGINT / Ctrl-C (exit 130) or
SIGTERM (exit 143), the shell convention 128 + signal. Exit 1: the system could not start, or
no requested stream can ever deliver: every one was rejected (a code Upbit does not list, checked
against ``GET /v1/market/all`` at ``--rest-url``) or got ``no_snapshot`` for each of its codes. Exit 2: invalid command line
(bad codes, unknown interval, a private option without a private URL or, when no public
option is given either, without keys; a bad ``--config`` value, named with its key). With keys missing and public options given, the
private components are started anyway: the system rejects them with its own reason, printed
on stderr, and the public ones stream on.
"""

from __future__ import annotations

import argparse
import os
import queue
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

import attrs
import orjson

from upbit_actors.messages import Credentials, Gap, HubConfig, WireFormat
from upbit_actors.messages.common import Endpoint
from upbit_actors.system.embed.markets import check_listed
from upbit_actors.system.errors import ConfigError, RequestError
from upbit_actors.system.jwt.credentials import redact
from upbit_actors.tools.cli_common import EXIT_FAILED, EXIT_USAGE, StopFlag, config_from_args, say, system_errors
from upbit_actors.tools.stream_args import (
    StreamRequest,
    UsageError,
    add_arguments,
    check_arguments,
    credentials_for,
    parse_requests,
)

__all__ = ["HELP", "StreamRequest", "add_arguments", "parse_requests", "run"]

HELP = "start the actor tree and print its events as JSON lines (one component per stream option)"

QUEUE_LIMIT = 10_000
"""Events waiting to be printed; beyond it the stream threads wait (back-pressure: each stream's
buffer in the router then applies its own overflow policy)."""
POLL = 0.2
"""Seconds between checks of the stop conditions, rejections and alerts while no event arrives."""


# -- running -----------------------------------------------------------------------------------
def _say(text: str, credentials: Credentials | None) -> None:
    say("stream", text if credentials is None else redact(text, credentials))


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
        def shared(s: Any) -> list[Any]:  # no_snapshot is per stream: printed by _Session.silence
            return [a for a in list(s.alerts) if a.kind != "no_snapshot"]
        seen = shared(max(streams, key=lambda s: len(shared(s))))
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
        check_arguments(args)
        requests = parse_requests(args)
        config = _config(args)
        known = args.private_url is not None or bool(os.environ.get("UPBIT_PRIVATE_URL")) or (
            args.config is not None and config.private_url != HubConfig().private_url)
        credentials = credentials_for(args, requests, known)
    except (UsageError, ConfigError) as exc:
        say("stream", f"error: {exc}")
        return EXIT_USAGE
    with StopFlag() as stop:
        return _stream(args, config, requests, credentials, stop)


def _config(args: argparse.Namespace) -> HubConfig:
    """``--config``/``--preset`` with the command's own options on top."""
    fields: dict[str, Any] = {}
    if args.url is not None:
        fields["public_url"] = args.url
    if args.private_url is not None:
        fields["private_url"] = args.private_url
    if args.format is not None:
        fields["format"] = WireFormat(args.format)
    return config_from_args(args, **fields)


class _Session:
    """One run: the hub, its streams, and what has been printed so far."""

    def __init__(self, args: argparse.Namespace, config: HubConfig, requests: list[StreamRequest],
                 credentials: Credentials | None) -> None:
        from upbit_actors.actors.tree import Hub

        self.args = args
        self.requests = requests
        self.credentials = credentials
        self.hub = Hub(config, credentials=credentials, admin_port=args.admin_port,
                       system_options={"stop_stale": args.stop_stale})
        self.events: queue.Queue = queue.Queue(QUEUE_LIMIT)
        self.stopping = threading.Event()
        self.running: list[tuple[StreamRequest, Any]] = []
        self.rejected: set[str] = set()
        self.silent: dict[str, set[str]] = {}
        """Stream name -> its codes that got a ``no_snapshot`` alert (all of them: it cannot deliver)."""
        self.alerts_shown: dict[Endpoint, int] = {}
        self.printed = 0

    def say(self, text: str) -> None:
        _say(text, self.credentials)

    def start(self, stop: StopFlag) -> bool:
        """Start the tree and one stream per request; False (said why) when the system failed."""
        try:
            self.hub.start()
            port = self.hub.admin_port
            self.say(f"admin port {port} (attach with: upbit-actors status --admin-port {port})")
            if self.hub.metrics_url is not None:
                self.say(f"metrics at {self.hub.metrics_url}")
            for request in self.requests:
                if stop.event.is_set():
                    break
                spec = request.spec
                if not self._listed(request):
                    continue
                stream = self.hub.stream(spec.data_type, spec.codes, name=request.name,
                                         callback=_enqueue(self.events, request.name, self.stopping),
                                         gaps=True, **attrs.asdict(spec.options, recurse=False))
                self.running.append((request, stream))
        except system_errors() as exc:
            self.say(f"error: the actor system did not start: {exc}")
            return False
        return True

    def _listed(self, request: StreamRequest) -> bool:
        """False (said why) when a code of ``request`` is not on Upbit's market list."""
        try:
            check_listed(self.hub, request.spec)
        except RequestError as exc:
            self.rejected.add(request.name)
            self.say(f"{request.name}: subscription rejected: {exc}")
            return False
        return True

    def silence(self) -> set[str]:
        """Print new ``no_snapshot`` alerts; the streams none of whose codes ever delivered."""
        for request, stream in self.running:
            codes = self.silent.setdefault(request.name, set())
            for alert in [a for a in list(stream.alerts) if a.kind == "no_snapshot"]:
                if not set(alert.codes) <= codes:
                    codes.update(alert.codes)
                    self.say(f"{request.name}: alert: no_snapshot: {alert.detail}")
        return {r.name for r, _ in self.running if r.spec.codes and set(r.spec.codes) <= self.silent[r.name]}

    def check(self) -> bool:
        """Print new rejections and alerts; False (after one line saying why) once the tree
        gave up, a stream ended by itself, or every subscription was rejected."""
        if self.hub.failure is not None:
            self.say(f"error: the actor tree gave up ({self.hub.failure}); every stream ended")
            return False
        for request, stream in self.running:
            if stream.ended is not None:
                self.say(f"error: stream {request.name} ended: {stream.ended}")
                return False
        for request, stream in self.running:
            if stream.rejections and request.name not in self.rejected:
                self.rejected.add(request.name)
                for rejection in list(stream.rejections):
                    self.say(f"{request.name}: subscription rejected: {rejection.reason}")
        silent = self.silence() - self.rejected
        if self.requests and len(self.rejected) + len(silent) >= len(self.requests):
            self.say("error: every subscription was rejected; nothing left to stream" if not silent else
                     "error: no requested stream can deliver (rejected, or no_snapshot for every code)")
            return False
        _show_alerts(self.running, self.rejected, self.alerts_shown, self.credentials)
        return True

    def print_events(self, timeout: float) -> bool:
        """Print what arrives within ``timeout`` (and all queued after it); False at --count."""
        from upbit_actors.system.wire.codec import to_default_dict
        from upbit_actors.system.wire.codec.gapframe import gap_dict

        out = sys.stdout.buffer
        try:
            item = self.events.get(timeout=timeout)
        except queue.Empty:
            return True
        try:
            while True:
                name, event = item
                gap = isinstance(event, Gap)
                body = gap_dict(event) if gap else to_default_dict(event)
                out.write(orjson.dumps({"type": body.pop("type", None), "component": name, **body}) + b"\n")
                self.printed += not gap
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


def _stream(args: argparse.Namespace, config: HubConfig, requests: list[StreamRequest],
            credentials: Credentials | None, stop: StopFlag) -> int:
    session = _Session(args, config, requests, credentials)
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
        return stop.exit_status()
    finally:
        session.close()
