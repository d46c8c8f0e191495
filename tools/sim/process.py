"""The bundled simulator as a process of its own (``upbit-actors sim``), driven over its control API.

A separate process keeps the simulator's CPU out of a measurement and off the caller's GIL. It
binds 127.0.0.1 on free ports; ``start`` waits for its ready line (its URLs, and the private keys
it made up, kept here and never printed); ``call`` is its HTTP control API
(``tools/sim/__init__.py``); ``stop`` ends it by its pid (SIGTERM, then SIGKILL), never by name.
Used by ``bench pipeline`` and ``chaos``.
"""

from __future__ import annotations

import json
import select
import subprocess
import sys
import tempfile
import urllib.request
from collections.abc import Sequence
from typing import Any

from upbit_actors.system.errors import SimulatorError

__all__ = ["START_TIMEOUT", "SimProcess"]

START_TIMEOUT = 30.0
"""Seconds for the simulator to print its ready line (a loaded 2-core machine is slow)."""

_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))
"""No proxy: every URL is 127.0.0.1."""


class SimProcess:
    """One ``upbit-actors sim`` subprocess with ``args``; ``start``, ``call``, ``stop``."""

    def __init__(self, args: Sequence[str]) -> None:
        self._args = list(args)
        self.proc: subprocess.Popen | None = None
        self.urls: dict[str, Any] = {}
        self.access_key = ""
        self.secret_key = ""
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - the process's stderr; closed by stop

    def __repr__(self) -> str:  # never the keys
        return f"{type(self).__name__}(pid={self.pid}, port={self.urls.get('port')})"

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    @property
    def public_url(self) -> str:
        return self.urls["public_url"]

    @property
    def private_url(self) -> str:
        return self.urls["private_url"]

    def start(self) -> SimProcess:
        command = [sys.executable, "-m", "upbit_actors.tools.cli", "sim", "--host", "127.0.0.1",
                   "--port", "0", "--control-port", "0", *self._args]
        self.proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=self._stderr, text=True)
        ready, _, _ = select.select([self.proc.stdout], [], [], START_TIMEOUT)
        line = self.proc.stdout.readline() if ready else ""
        try:
            urls = json.loads(line)
        except ValueError:
            urls = {}
        if not urls.get("ready"):
            reason = "no ready line" if "secret" in line else (line.strip() or self._error_tail())
            self.stop()
            raise SimulatorError(f"simulator process did not start: {reason}")
        self.access_key = urls.pop("access_key", "")
        self.secret_key = urls.pop("secret_key", "")
        self.urls = urls
        return self

    def _error_tail(self) -> str:
        self._stderr.seek(0)
        return self._stderr.read()[-500:].decode(errors="replace").strip() or "no output"

    def call(self, operation: str, body: dict[str, Any] | None = None, timeout: float = 15.0) -> Any:
        """``POST /operation`` with ``body`` (``GET`` without one); the JSON answer."""
        url = f"{self.urls['control_url'].rstrip('/')}/{operation}"
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(url, data=data, method="GET" if body is None else "POST",
                                         headers={"Content-Type": "application/json"})
        with _OPENER.open(request, timeout=timeout) as answer:
            return json.loads(answer.read())

    def stop(self) -> None:
        """End the process (SIGTERM, then SIGKILL after 5 s), by pid; safe to call twice."""
        proc, self.proc = self.proc, None
        if proc is not None:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(5)
            if proc.stdout is not None:
                proc.stdout.close()
        self._stderr.close()
