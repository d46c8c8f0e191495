"""What the ``upbit-actors`` commands share: stop signals, exit statuses, one-line messages.

``stream``, ``status`` and ``demo`` all end on SIGINT / SIGTERM, all report a problem as one
line on stderr starting ``upbit-actors COMMAND:``, and all turn a failure of the actor system
(``HubError``, ``RuntimeSystemError``) into that line and exit status 1 instead of a traceback.
What each does on a signal differs and stays in the command:

=========  ==========================================================================
``stream`` :class:`StopFlag`: the loop sees the flag, stops the hub, exits 128 + signal
``demo``   :class:`StopFlag` ``(impatient=True)``: stops in order, exits 128 + signal; a
           second Ctrl-C raises ``KeyboardInterrupt`` (cleanup still runs), also 130
``status`` :func:`stop_signals` with a handler that raises: ``--watch`` ends, exit 0
=========  ==========================================================================

Thespian is imported only inside :func:`system_errors`, so that importing a command module (as
``upbit-actors COMMAND --help`` does) stays cheap.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from types import FrameType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import argparse

    from upbit_actors.messages import HubConfig

__all__ = [
    "add_config_arguments",
    "config_from_args",
    "EXIT_FAILED",
    "EXIT_USAGE",
    "STOP_SIGNALS",
    "StopFlag",
    "say",
    "signal_exit_status",
    "stop_signals",
    "system_errors",
]

EXIT_FAILED = 1
"""The command could not do its work (the system did not start, did not answer, ...)."""
EXIT_USAGE = 2
"""Invalid command line (argparse uses the same status for its own errors)."""

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
"""Both explicitly: a program started in the background by a non-interactive shell inherits
SIGINT ignored, and Python then never raises ``KeyboardInterrupt``."""


def signal_exit_status(signum: int) -> int:
    """The shell convention for a run ended by a signal: 128 + signal (130 SIGINT, 143 SIGTERM)."""
    return 128 + signum


def say(command: str, text: str) -> None:
    """One line on stderr: ``upbit-actors COMMAND: TEXT``."""
    print(f"upbit-actors {command}: {text}", file=sys.stderr, flush=True)


def system_errors() -> tuple[type[Exception], ...]:
    """The exceptions meaning the actor system failed to start or answer (imported on demand)."""
    from upbit_actors.system.errors import HubError
    from upbit_actors.system.runtime import RuntimeSystemError

    return (HubError, RuntimeSystemError)


Handler = Callable[[int, FrameType | None], Any]


@contextmanager
def stop_signals(handler: Handler, enabled: bool = True) -> Iterator[None]:
    """Install ``handler`` for :data:`STOP_SIGNALS` while the block runs, then put the previous
    handlers back. Only from the main thread (elsewhere signals cannot be caught) and only when
    ``enabled``."""
    previous: dict[int, Any] = {}
    if enabled and threading.current_thread() is threading.main_thread():
        for signum in STOP_SIGNALS:
            previous[signum] = signal.signal(signum, handler)
    try:
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)


class StopFlag:
    """SIGINT / SIGTERM set a flag that the main loop reads: never an exception in the middle of
    a Thespian ``ask`` (see ``system/runtime/onexit.py`` for why that matters). Use it as a
    context manager around the loop; ``signum`` is the first signal received.

    ``impatient``: a second SIGINT raises ``KeyboardInterrupt`` for a user who does not want to
    wait for an orderly stop. Whatever it lands in is cut short, but ``Hub.stop`` still stops the
    actor system (``runtime.stop_system`` holds a Ctrl-C back until the system is swept)."""

    def __init__(self, *, impatient: bool = False) -> None:
        self.event = threading.Event()
        self.signum: int | None = None
        self._impatient = impatient
        self._installed: AbstractContextManager[None] | None = None

    def __enter__(self) -> StopFlag:
        self._installed = stop_signals(self._handle)
        self._installed.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._installed is not None:
            self._installed.__exit__(None, None, None)  # only restores the handlers
            self._installed = None

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        if self._impatient and self.event.is_set() and signum == signal.SIGINT:
            raise KeyboardInterrupt
        if self.signum is None:
            self.signum = signum
        self.event.set()

    def exit_status(self) -> int:
        """:func:`signal_exit_status` of the signal received (SIGINT's when none was)."""
        return signal_exit_status(self.signum or signal.SIGINT)


# -- settings shared by ``stream`` and ``demo`` -----------------------------------------------
def add_config_arguments(parser: argparse.ArgumentParser) -> None:
    """``--config FILE``, ``--preset NAME``, ``--rest-url URL``, ``--metrics-port N``: see
    ``system.embed.settings``."""
    from upbit_actors.system.embed.settings import PRESETS  # no Thespian: stays cheap

    parser.add_argument("--config", default=None, metavar="FILE",
                        help="TOML file of HubConfig settings (see the README's Configuration); "
                             "options given here win over it, UPBIT_PUBLIC_URL/UPBIT_PRIVATE_URL too")
    parser.add_argument("--preset", default=None, choices=sorted(PRESETS),
                        help="start from a named preset (the file's own 'preset' key otherwise)")
    parser.add_argument("--rest-url", default=None, metavar="URL",
                        help="Upbit's REST API (the market list codes are checked against; trade "
                             "backfill): default UPBIT_REST_URL, the --config file, else Upbit's "
                             "(used only with Upbit's WebSocket URL); 'none' turns REST off")
    parser.add_argument("--metrics-port", type=int, default=None, metavar="N",
                        help="serve Prometheus metrics on http://127.0.0.1:N/metrics (0: a free "
                             "port, printed on stderr); needs pip install 'upbit-actors[metrics]'")


def config_from_args(args: argparse.Namespace, **fields: Any) -> HubConfig:
    """The HubConfig of ``--config``/``--preset`` with ``fields`` and ``--metrics-port`` on top.
    Raises ``ConfigError`` (a ``ValueError``) naming the bad setting."""
    from upbit_actors.messages import HubConfig

    if args.metrics_port is not None:
        fields["metrics_port"] = args.metrics_port
    if getattr(args, "rest_url", None) is not None:  # --rest-url wins; "none" turns REST off
        fields["rest_url"] = None if args.rest_url.lower() in ("none", "off") else args.rest_url
    return HubConfig.from_file(args.config, preset=args.preset, **fields)
