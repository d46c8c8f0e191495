"""The simulator of ``bench pipeline`` in its own process, driven through its HTTP control API.

A separate process keeps the simulator's CPU out of the figures and off the bench's GIL. It is
``upbit-actors sim`` bound to 127.0.0.1 on free ports, with no idle timeout, no message or
handshake limits (the bench is not testing those) and the market frozen (rate 0) until asked.
``stop`` ends it by its pid (SIGTERM, then SIGKILL), never by name.
"""

from __future__ import annotations

import json
import select
import subprocess
import sys
import tempfile
import time
import urllib.request
from typing import Any

from upbit_actors.system.errors import SimulatorError

__all__ = ["SimProcess"]

START_TIMEOUT = 20.0
"""Seconds for the simulator to print its URLs."""

_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))
"""Loopback requests never go through an HTTP proxy named in the environment."""


class SimProcess:
    """One ``upbit-actors sim`` subprocess; ``start`` it, then ``set_rate``, ``sent``, ``stop``."""

    def __init__(self, markets: int) -> None:
        self.markets = markets
        self.proc: subprocess.Popen | None = None
        self.urls: dict[str, Any] = {}
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - the process's stderr; closed by stop

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
                   "--port", "0", "--control-port", "0", "--rate", "0", "--markets", str(self.markets),
                   "--idle-timeout", "0", "--message-limits", "", "--handshake-limit", "0"]
        self.proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=self._stderr, text=True)
        ready, _, _ = select.select([self.proc.stdout], [], [], START_TIMEOUT)
        line = self.proc.stdout.readline() if ready else ""
        try:
            urls = json.loads(line)
        except ValueError:
            urls = {}
        if not urls.get("ready"):
            reason = line.strip() or self._error_tail()
            self.stop()
            raise SimulatorError(f"simulator process did not start: {reason}")
        self.urls = urls
        return self

    def _error_tail(self) -> str:
        self._stderr.seek(0)
        return self._stderr.read()[-500:].decode(errors="replace").strip() or "no output"

    def _call(self, path: str, body: dict | None = None, timeout: float = 10.0) -> Any:
        url = f"{self.urls['control_url'].rstrip('/')}/{path}"
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(url, data=data, method="GET" if body is None else "POST",
                                         headers={"Content-Type": "application/json"})
        with _OPENER.open(request, timeout=timeout) as answer:
            return json.loads(answer.read())

    def set_rate(self, rate: float) -> None:
        self._call("set_rate", {"rate": float(rate)})

    def codes(self) -> list[str]:
        """The simulator's codes (REST ``/v1/market/all``), in its order."""
        return [item["market"] for item in self._call("v1/market/all")]

    def sent(self, types: tuple[str, ...]) -> dict[str, Any]:
        """Frames of ``types`` sent so far (all connections), frames dropped, slow consumers."""
        stats = self._call("stats")
        frames = stats.get("frames_sent", {})
        slow = sum(1 for v in stats.get("violations", ()) if v.get("kind") == "slow_consumer")
        return {"at": time.monotonic(), "frames": sum(int(frames.get(t, 0)) for t in types),
                "dropped": int(stats.get("dropped_frames", 0)), "slow_consumers": slow,
                "connections": int(stats.get("connections_opened", 0))}

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
