"""The lifecycle protocol: configuration, the address directory, supervision, shutdown.

Configuration arrives as a message (STYLE.md §6): a restarted actor rebuilds its state from
``Configure`` and from whoever keeps the durable copy. A restarted actor has a new address
(THESPIAN.md), so the supervisor sends a new ``Directory`` to everyone after every restart.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, ClassVar

from attrs import field, frozen

from upbit_actors.messages.common import WireFormat

__all__ = [
    "ActorCrashed",
    "Checkpoint",
    "ComponentExited",
    "ComponentSpawned",
    "Configure",
    "Directory",
    "DirectoryEntry",
    "HubConfig",
    "Shutdown",
    "Started",
    "SpawnComponent",
    "Tick",
    "TreeStopped",
]


@frozen(kw_only=True)
class HubConfig:
    """Everything the actor tree needs to know, except keys (those go to the JWT actor only)."""

    public_url: str = "wss://api.upbit.com/websocket/v1"
    """WebSocket URL of the public endpoint (tickers, trades, orderbooks, candles); ``ws://`` or
    ``wss://``. Environment: ``UPBIT_PUBLIC_URL``."""
    private_url: str = "wss://api.upbit.com/websocket/v1/private"
    """WebSocket URL of the private endpoint (myOrder, myAsset; opened only with keys).
    Environment: ``UPBIT_PRIVATE_URL``."""
    rest_url: str | None = "https://api.upbit.com"
    """Base URL of Upbit's REST API (the market list, SPEC §8; trade backfill, §8.1); None turns
    REST off. Left at Upbit's while ``public_url`` is not Upbit's (a simulator), REST is off too:
    set it explicitly (the bundled simulator serves it on its WebSocket port, ``http://HOST:PORT``).
    Environment: ``UPBIT_REST_URL``."""
    rest_timeout: float = 5.0
    """Seconds a REST call may take to connect and for each read."""
    market_refresh: float | None = 3600.0
    """Seconds between fetches of the market list (``/v1/market/all``, 10/s group ``market``);
    codes not on it are rejected before they reach the wire. After a failed fetch, the next is tried
    after a tenth of this (at least 10 s). None: the list is never fetched and codes are unchecked."""
    snapshot_timeout: float | None = 10.0
    """Seconds within which a code accepted unchecked (no market list) must produce its first
    event; otherwise its holders get a ``no_snapshot`` alert (Upbit answers an unknown code with
    silence, SPEC §2.2, §10 item 10: 10 s). None turns the check off."""
    format: WireFormat = WireFormat.DEFAULT
    """Format requested on every connection; the codec reads all four."""
    merge_window: float = 0.1
    """Seconds of subscription changes folded into one request (the pending state)."""
    ping_interval: float = 20.0
    """Protocol ping period; Upbit drops a socket idle for ~60 s live (SPEC §4)."""
    pong_timeout: float = 10.0
    """No pong (or any frame) within this after a ping: the link is dead."""
    stall_timeout: float | None = 12.0
    """Public connection only: a set with streaming types that delivers no data frame for this
    long is a stalled link, and is reconnected (Upbit sends nothing for a broken subscription,
    SPEC §2.2). 12 s notices a stall within 15 s (issue 12); each stall in a row doubles it, up
    to 8 times, for sets of quiet codes; None turns it off. An only_snapshot set and the
    private stream are silent by nature and never judged by this."""
    live_check_interval: float | None = 300.0
    """Seconds between checks of the set Upbit holds for each connection (``LIST_SUBSCRIPTIONS``,
    SPEC §2.1), besides the check after every set sent; a set that differs is sent again. Each
    check is one message of the 5/s, 100/min budget (SPEC §5); None turns periodic checks off."""
    connect_timeout: float = 5.0
    """Bound on the blocking TCP connect and WebSocket handshake."""
    backoff_initial: float = 0.5
    """Seconds: floor of the delay before the second reconnect attempt (the first is immediate);
    doubles per failure, with jitter."""
    backoff_max: float = 30.0
    """Seconds: cap of any reconnect delay."""
    max_auth_failures: int = 3
    """Private connection stops retrying after this many consecutive auth failures."""
    buffer_limit: int = 10_000
    """Events held per component before the overflow policy drops the oldest trades."""
    backfill_limit: int = 2_000
    """Trades per code fetched from REST after a gap at most (``GET /v1/trades/ticks``, 500 a
    call); 0 turns the backfill off (trade gaps are then reported unfilled)."""
    backfill_window: float = 300.0
    """Seconds back from the reconnect a trade backfill reaches. A longer gap (or more than
    ``backfill_limit`` trades) is filled only in part: its ``Gap`` says unfilled and the holders
    get a ``backfill_exceeded`` alert."""
    metrics_port: int | None = None
    """Serve Prometheus metrics on 127.0.0.1 at this port (0: a free port, see
    ``Hub.metrics_url``); None: no endpoint. Needs the ``metrics`` extra (``prometheus_client``)."""
    component_output: bool = True
    """What components print and log reaches the bot's ``logging`` under
    ``upbit_actors.component.NAME``; False discards it (their stdout stays /dev/null)."""
    component_log_level: str = "INFO"
    """Lowest level of component records forwarded; ``print`` lines are INFO, stderr lines
    WARNING."""
    listen_host: str = "127.0.0.1"
    """Where every socket of the hub's actor system listens, and the address it advertises.
    Loopback unless set: another value must be one IP address of this machine (a private network
    or a tunnel: README, Security), never a wildcard; it exposes the tree to that network."""
    accept_members: bool = False
    """This hub leads a convention: member systems (``leader`` on their side) may join, and
    their components are fed by this hub's connections (README, Members)."""
    leader: str | None = None
    """``IP:PORT`` of a leader hub's admin: this hub is a member; its components subscribe
    through the leader (``upbit-actors member``)."""
    member_name: str = ""
    """This member's name on the leader (unique there); empty: ``HOST-PID``."""
    extra: tuple[tuple[str, Any], ...] = field(converter=tuple, default=())
    """Free-form settings for user components."""

    ENV_URLS: ClassVar[dict[str, str]] = {"UPBIT_PUBLIC_URL": "public_url",
                                          "UPBIT_PRIVATE_URL": "private_url",
                                          "UPBIT_REST_URL": "rest_url"}
    """Environment variables ``from_env`` reads, and the field each sets."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **fields: Any) -> HubConfig:
        """A config with ``fields``, the URLs taken from ``UPBIT_PUBLIC_URL`` /
        ``UPBIT_PRIVATE_URL`` when set (to point a bot at the bundled simulator or a regional
        endpoint without changing code); Upbit's own URLs otherwise. Checked like ``from_file``."""
        from upbit_actors.system.embed.settings import build_config

        return build_config(cls, environ=environ, fields=fields)

    @classmethod
    def from_file(cls, path: str | os.PathLike[str] | None, *, preset: str | None = None,
                  environ: Mapping[str, str] | None = None, **fields: Any) -> HubConfig:
        """A config from a TOML file (None: no file), over the defaults and a named ``preset``
        (or the file's ``preset`` key), under the environment's URLs and ``fields``. Raises
        ``ConfigError`` naming the bad key and its source. See ``system.embed.settings``."""
        from upbit_actors.system.embed.settings import build_config

        return build_config(cls, path=path, preset=preset, environ=environ, fields=fields)


@frozen(kw_only=True)
class DirectoryEntry:
    """One role and its current address."""

    role: str
    """``registry``, ``limiter``, ``router``, ``jwt``, ``connection.public``, ``connection.private``."""
    address: Any


@frozen(kw_only=True)
class Directory:
    """Supervisor -> everyone: the current address of every role (sent again after a restart)."""

    entries: tuple[DirectoryEntry, ...] = field(converter=tuple)
    epoch: int = 0
    """Increases with every restart; an older directory is ignored."""

    def get(self, role: str) -> Any:
        for entry in self.entries:
            if entry.role == role:
                return entry.address
        return None


@frozen(kw_only=True)
class Configure:
    """Supervisor -> child: your configuration and the directory; sent after every (re)start."""

    role: str
    config: HubConfig
    directory: Directory
    state: Any = None
    """Durable state the supervisor kept for this role (e.g. the registry's subscriptions)."""
    owner_pid: int | None = None
    """Hub -> supervisor only: the pid of the process that started the tree. When that process
    is gone, however it went, the supervisor stops every child and the whole system
    (``system.runtime.owner``). None: nobody is watched."""


@frozen(kw_only=True)
class ActorCrashed:
    """Event for status: a child exited and what the supervisor did about it."""

    role: str
    reason: str
    restarted: bool


@frozen(kw_only=True)
class Tick:
    """A timer payload; ``generation`` lets an actor ignore stale wake-ups (no cancel in Thespian)."""

    purpose: str
    generation: int = 0


@frozen
class Shutdown:
    """Stop cleanly: close sockets, then exit."""

    reason: str = ""


@frozen(kw_only=True)
class TreeStopped:
    """Supervisor -> the asker of ``Shutdown``: components, then the other children, exited."""

    lingering: tuple[str, ...] = field(converter=tuple, default=())
    """Roles that had not exited when the supervisor stopped waiting for them."""


@frozen(kw_only=True)
class Checkpoint:
    """Child -> supervisor: the durable copy of a role's state, handed back after a restart.

    The registry sends one after every change, so a restarted registry comes back with every
    component's subscriptions and the connection replays them.
    """

    role: str
    state: Any


@frozen(kw_only=True)
class SpawnComponent:
    """Hub -> supervisor: create a component actor of ``actor_class`` (``module:Class``)."""

    actor_class: str
    name: str
    params: tuple[tuple[str, Any], ...] = field(converter=tuple, default=())
    """Keyword parameters handed to the component in its ``Configure``."""
    restart: bool = False
    """Restart the component if it crashes (it re-subscribes on start)."""


@frozen(kw_only=True)
class Started:
    """Child -> supervisor, after its ``Configure``: the process it runs in (the supervisor
    watches it: ``system.supervisor.watch``)."""

    role: str
    pid: int


@frozen(kw_only=True)
class ComponentSpawned:
    """Supervisor -> hub: the component exists (or could not be created: ``error`` set)."""

    name: str
    address: Any = None
    error: str = ""


@frozen(kw_only=True)
class ComponentExited:
    """Supervisor -> registry: a component is gone; drop all of its subscriptions.

    Also component -> supervisor when it leaves cleanly (its exit is then not a crash), and a
    closing ``Hub.stream`` -> registry (a stream is a consumer without an actor).
    """

    address: Any
    name: str = ""
    instance: str = ""
    """The component instance's ``SetSubscriptions.instance``, when known: its requests that
    arrive later are ignored."""

