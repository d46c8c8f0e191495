"""Configuration of the Upbit simulator: one frozen value object, every default cited.

Defaults copy the live server where ``../shared/upbit/SPEC.md`` shows it differing from the
docs ([WIRE] beats [DOC]); every [UNVERIFIED] behaviour is a field here so a test can flip it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Literal

__all__ = [
    "DEFAULT_ACCESS_KEY",
    "DEFAULT_SECRET_KEY",
    "ERROR_CLOSE_DELAY",
    "HANDSHAKE_LIMIT",
    "IDLE_TIMEOUT",
    "MESSAGE_LIMITS",
    "SNAPSHOT_DELAYS",
    "STATUS_UP_INTERVAL",
    "SimConfig",
]

IDLE_TIMEOUT = 60.0
"""Seconds without traffic in either direction before an abrupt close (SPEC §4 [WIRE]: 60.5 s,
close 1006, no close frame; the docs say 120 s)."""

STATUS_UP_INTERVAL = 10.0
"""Seconds between ``{"status":"UP"}`` frames once a client sent text ``PING`` (SPEC §4 [DOC][WIRE])."""

SNAPSHOT_DELAYS = (0.18, 0.34)
"""Seconds after an accepted subscribe at which the two snapshot bursts go out
(SPEC §2.1 rule 2 [WIRE]: about 172-188 ms and 328-354 ms)."""

ERROR_CLOSE_DELAY = 0.15
"""Seconds between an error frame and the close 1000 (SPEC §6 [WIRE]: 150 to 180 ms)."""

HANDSHAKE_LIMIT = 5
"""Handshakes per second per client (SPEC §5 ``websocket-connect``: 5/s per IP, or per key with a JWT)."""

MESSAGE_LIMITS = ((5, 1.0), (100, 60.0))
"""(count, window seconds) pairs per connection (SPEC §5 ``websocket-message``: 5/s and 100/min)."""

DEFAULT_ACCESS_KEY = "sim-access-key"
"""Access key accepted when none is configured (the simulator needs some secret to check HMACs)."""

DEFAULT_SECRET_KEY = "sim-secret-key-0123456789abcdef0123456789abcdef0123456789abcdef00"
"""Secret paired with :data:`DEFAULT_ACCESS_KEY` (long enough for PyJWT's HS512 key-length check)."""


@dataclasses.dataclass(frozen=True)
class SimConfig:
    """Everything the simulator can be told at start; every field has a sane default."""

    host: str = "127.0.0.1"
    """Interface for both servers; loopback only by default."""
    port: int = 0
    """WebSocket port; 0 picks a free port (read it back from ``Simulator.port``)."""
    control_port: int | None = 0
    """HTTP control API port; 0 picks a free port, ``None`` disables the HTTP API."""
    seed: int = 1
    """Seed of the market model and of every generated uuid."""
    rate: float = 200.0
    """Public data frames per second produced by the market across all codes and types
    (what a client subscribed to everything receives). 0 freezes the market."""
    markets: Sequence[str] | int | None = None
    """``None``: the frozen real market list (``tools/data/upbit_markets.json``);
    a list: these codes; an int N: N synthetic codes ``KRW-SIM000`` ...``."""
    tick_interval: float = 0.02
    """Longest sleep between market bursts; at high rates bursts come as soon as
    ``burst_frames`` are owed (see :mod:`tools.sim.pacer`)."""
    burst_frames: int = 256
    """Most frames made per burst (one event loop pass) when the loop is behind: bounds how long
    the first frame of a burst waits for its write (about 256 x 10 us here) and keeps sockets
    served between bursts. A burst starts as soon as a frame is owed (``fanout.WAKE_FRAMES``)."""
    trade_share: float = 0.6
    """Share of market events that are trades; the rest are order book changes."""
    tape: int = 0
    """Tape mode for benchmarks (:mod:`tools.sim.tape`): record this many market events once and
    replay their tickers and trades re-stamped; 0: every frame from the live model."""
    wait_above: int = 0
    """Benchmarks: bytes waiting to any one connection above which the market makes no frames
    (the highest rate a reader takes, not a cut-off slow consumer); 0: never waits, as the real
    server does not (it cuts the client off past ``max_write_buffer``)."""
    idle_timeout: float = IDLE_TIMEOUT
    """See :data:`IDLE_TIMEOUT`; ``None`` or 0 disables it."""
    status_up_interval: float = STATUS_UP_INTERVAL
    """See :data:`STATUS_UP_INTERVAL`."""
    snapshot_delays: tuple[float, ...] = SNAPSHOT_DELAYS
    """See :data:`SNAPSHOT_DELAYS`; the subscription's routes are split evenly between bursts."""
    error_close_delay: float = ERROR_CLOSE_DELAY
    """See :data:`ERROR_CLOSE_DELAY`."""
    close_timeout: float = 2.0
    """Seconds the server waits for the client's close frame after its own."""
    language: Literal["ko", "en"] = "ko"
    """Error message set: ``ko`` = api.upbit.com (SPEC §6), ``en`` = regional servers."""
    ticket_first: bool = True
    """Require the ticket object first (SPEC §2 [UNVERIFIED]); the format object may be anywhere."""
    format_resets_on_subscribe: bool = True
    """A subscribe without a format object sets the connection to DEFAULT (SPEC §2 [WIRE]:
    a request without format was served DEFAULT). LIST_SUBSCRIPTIONS never resets it."""
    private_allows_public: bool = True
    """Serve public types on ``/websocket/v1/private`` too ([UNVERIFIED])."""
    number_style: Literal["wire", "plain"] = "wire"
    """``wire``: DEFAULT writes prices like Java doubles (``1.16539E8``) and sizes with 8 decimals
    (``0.00077720``), SIMPLE writes integral prices plain and small values in exponent form
    (SPEC §3.8 [WIRE]); ``plain``: ordinary JSON floats as in the doc samples. Tickers and trades
    take the pre-compiled writers (:mod:`tools.sim.writers`) in either style."""
    control_frames_binary: bool = True
    """Send ``{"status":"UP"}``, errors and LIST_SUBSCRIPTIONS answers as BINARY frames
    (SPEC §1: unrecorded, binary is the safe choice)."""
    compression: Literal["deflate"] | None = "deflate"
    """Accept permessage-deflate when the client offers it (SPEC §4 [DOC][WIRE])."""
    access_key: str | None = None
    """Access key of the private channel; ``None`` means :data:`DEFAULT_ACCESS_KEY`."""
    secret_key: str | None = None
    """Secret of ``access_key``; ``None`` means :data:`DEFAULT_SECRET_KEY`."""
    extra_keys: Mapping[str, str] = dataclasses.field(default_factory=dict)
    """More access key -> secret pairs (several accounts)."""
    jwt_algorithms: tuple[str, ...] = ("HS256", "HS512")
    """Accepted JWT algorithms (SPEC §7: docs sample HS512, official examples and ccxt HS256)."""
    reject_reused_nonce: bool = False
    """Treat a JWT whose nonce was already seen as a bad token (SPEC §7 [UNVERIFIED])."""
    auth_failure: Literal["frame", "http401"] = "frame"
    """Bad or missing token: ``frame`` = accept the upgrade and answer the first private request
    with INVALID_AUTH then close; ``http401`` = refuse the upgrade (SPEC §7 [UNVERIFIED])."""
    handshake_limit: int = HANDSHAKE_LIMIT
    """See :data:`HANDSHAKE_LIMIT`; 0 disables the limit."""
    handshake_ban_after: int | None = None
    """Refusals (429) within a minute after which the client is blocked with HTTP 418
    (SPEC §5 [DOC], 418 on the WebSocket handshake [UNVERIFIED]); ``None`` never blocks."""
    handshake_ban_seconds: float = 60.0
    """First 418 block duration; each further block doubles it (SPEC §5: repeated violations lengthen it)."""
    rest_limit: int = 10
    """REST requests per second per IP in each quotation group (SPEC §5: market, candle, trade,
    ticker, orderbook, 10/s each); beyond it HTTP 429 and a ``rest_rate`` violation. 0: no limit."""
    message_limits: tuple[tuple[int, float], ...] = MESSAGE_LIMITS
    """See :data:`MESSAGE_LIMITS`; an empty tuple disables the limit."""
    rate_excess: Literal["error", "ignore"] = "error"
    """Message over the limit: ``error`` = error frame then close 1000, ``ignore`` = drop it
    (SPEC §5: undocumented, [UNVERIFIED])."""
    rate_excess_error: str = "TOO_MANY_REQUESTS"
    """Error name sent for a message over the limit ([UNVERIFIED]: Upbit documents none)."""
    max_write_buffer: int = 64 * 1024 * 1024
    """Bytes queued to one client beyond which it counts as a slow consumer."""
    slow_consumer: Literal["disconnect", "drop"] = "disconnect"
    """Slow consumer: abort the connection (default) or drop frames until it catches up."""
    fee_rate: float = 0.0005
    """Trading fee of private orders (Upbit KRW market 0.05%)."""
    max_recorded: int = 20000
    """Bound of every list kept in stats (client frames, violations, handshakes); oldest dropped."""

    def keys(self) -> dict[str, str]:
        """Access key -> secret of every account the private channel accepts."""
        keys = {self.access_key or DEFAULT_ACCESS_KEY: self.secret_key or DEFAULT_SECRET_KEY}
        keys.update(self.extra_keys)
        return keys
