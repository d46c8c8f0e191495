"""Shared fixtures and helpers for the command tests (``tests/cli``).

What other test modules may import or request (stable; ask before changing)::

    # fixtures (request them by name)
    fake_keys   module-scoped FakeKeys(access_key="AKfake-<uuid>", secret_key="SKfake-<uuid>"),
                distinctive so a scan of any output finds them; the simulator accepts them
    sim         module-scoped in-process Simulator on 127.0.0.1 (rate 200 frames/s, markets
                KRW-BTC, KRW-ETH, KRW-XRP), private channel keyed with ``fake_keys``
    key_env     dict: os.environ plus UPBIT_ACCESS_KEY / UPBIT_SECRET_KEY = fake_keys
    no_key_env  dict: os.environ without UPBIT_ACCESS_KEY / UPBIT_SECRET_KEY

    # helpers:  from tests.cli.conftest import run_cli, start_cli, stop_cli, ...
    run_cli(args, env=None, timeout=60.0) -> subprocess.CompletedProcess (text, stdout/stderr captured)
    start_cli(args, env=None) -> subprocess.Popen (text, stdout/stderr PIPE, own process group)
    stop_cli(proc, sig=signal.SIGINT, timeout=30.0) -> (returncode, stdout, stderr); kills only
        proc.pid (SIGKILL) if it outlives ``timeout``
    read_line(proc, timeout=30.0) -> str | None: next stdout line of a ``start_cli`` process
    system_records(admin_port) -> set[ProcessRecord]: every process of the actor system listening
        on ``admin_port`` (empty when none); record them while the command runs, then assert
        ``processes.wait_gone(records, timeout) == []`` after it exited
    wait_for(check, timeout=30.0, what="...") -> the first truthy result of ``check()``, polled
    CLI_ENV_BASE: dict of variables every helper adds (PYTHONPATH = repo root, unbuffered output)

``args`` never include ``python -m tools.cli``: ``run_cli(["stream", "--url", sim.public_url])``.
``env`` replaces the environment (use ``key_env`` / ``no_key_env`` or ``dict(os.environ, ...)``);
the helpers add :data:`CLI_ENV_BASE` on top. Every process a helper starts is killed by exact pid
at the end of the session if a test left it running.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import pytest
from attrs import frozen

from tests.polling import wait_for  # noqa: F401 (re-exported for the tests here)
from upbit_actors.system.runtime import processes
from upbit_actors.tools.sim import SimConfig, Simulator

__all__ = [
    "CLI_ENV_BASE",
    "FakeKeys",
    "MARKETS",
    "REPO_ROOT",
    "read_line",
    "run_cli",
    "start_cli",
    "stop_cli",
    "system_records",
    "wait_for",
]

from tests.paths import REPO as REPO_ROOT

"""The repository root (holds ``tools/``, ``system/``...)."""

MARKETS = ("KRW-BTC", "KRW-ETH", "KRW-XRP")
"""Codes the ``sim`` fixture trades."""

CLI_ENV_BASE = {"PYTHONPATH": str(REPO_ROOT), "PYTHONUNBUFFERED": "1"}
"""Added to every command's environment: the checkout's code, lines as soon as printed."""

_started: list[subprocess.Popen] = []
"""Every process the helpers started, killed by pid at session end if still running."""


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: starts real actor processes (seconds per test)")


@frozen(repr=False)
class FakeKeys:
    """Fake API keys, unique per module, easy to find in any text."""

    access_key: str
    secret_key: str

    def __repr__(self) -> str:  # the test output itself stays free of them
        return "FakeKeys(<hidden>)"


@pytest.fixture(scope="module")
def fake_keys() -> FakeKeys:
    # Long enough for PyJWT's HS512 key-length check (64 bytes).
    return FakeKeys(access_key=f"AKfake-{uuid.uuid4().hex}", secret_key=f"SKfake-{uuid.uuid4().hex}{uuid.uuid4().hex}")


@pytest.fixture(scope="module")
def sim(fake_keys: FakeKeys) -> Iterator[Simulator]:
    config = SimConfig(
        rate=200.0,
        markets=list(MARKETS),
        access_key=fake_keys.access_key,
        secret_key=fake_keys.secret_key,
    )
    with Simulator(config) as simulator:
        yield simulator


@pytest.fixture(scope="module")
def key_env(fake_keys: FakeKeys) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("UPBIT_")}
    env["UPBIT_ACCESS_KEY"] = fake_keys.access_key
    env["UPBIT_SECRET_KEY"] = fake_keys.secret_key
    return env


@pytest.fixture(scope="module")
def no_key_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("UPBIT_ACCESS_KEY", "UPBIT_SECRET_KEY")}


def _env(env: Mapping[str, str] | None) -> dict[str, str]:
    base = dict(os.environ if env is None else env)
    base.update(CLI_ENV_BASE)
    return base


def _command(args: Sequence[str]) -> list[str]:
    return [sys.executable, "-m", "upbit_actors.tools.cli", *args]


def run_cli(
    args: Sequence[str], env: Mapping[str, str] | None = None, timeout: float = 60.0
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m tools.cli ARGS`` to completion; stdout and stderr captured as text.

    On ``timeout`` the process (by pid) is killed and ``subprocess.TimeoutExpired`` raised.
    """
    proc = start_cli(args, env=env)
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise
    return subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)


def start_cli(args: Sequence[str], env: Mapping[str, str] | None = None) -> subprocess.Popen[str]:
    """Start ``python -m tools.cli ARGS`` in the background (text pipes, its own process group,
    so a signal sent to it never reaches pytest)."""
    proc = subprocess.Popen(
        _command(args),
        cwd=REPO_ROOT,
        env=_env(env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    _started.append(proc)
    return proc


def stop_cli(
    proc: subprocess.Popen[str], sig: int = signal.SIGINT, timeout: float = 30.0
) -> tuple[int, str, str]:
    """Send ``sig`` to ``proc`` (by pid) and collect its exit status and remaining output.

    If ``read_line`` was used on ``proc``, the stdout returned is what its reader thread had
    not handed out yet (the whole rest, up to EOF).
    """
    if proc.poll() is None:
        proc.send_signal(sig)
    lines = _readers.get(proc)
    if lines is not None:
        proc.stdout = None  # the reader thread owns stdout; communicate reads stderr only
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise AssertionError(f"{proc.args} did not stop within {timeout} s of signal {sig}") from None
    if lines is not None:
        rest = []
        while (line := read_line(proc, timeout=timeout)) is not None:
            rest.append(line)
        stdout = "".join(rest)
    return proc.returncode, stdout or "", stderr or ""


_readers: dict[subprocess.Popen, queue.Queue[str | None]] = {}


def read_line(proc: subprocess.Popen[str], timeout: float = 30.0) -> str | None:
    """The next stdout line of ``proc`` (a thread reads it), None at EOF (and ever after).

    Raises AssertionError after ``timeout`` without a line. Once called, read the rest of stdout
    with this function or ``stop_cli`` (never ``proc.communicate``: the thread owns stdout).
    """
    lines = _readers.get(proc)
    if lines is None:
        lines = _readers[proc] = queue.Queue()

        def pump(stream: Any = proc.stdout, out: queue.Queue[str | None] = lines) -> None:
            for line in stream:
                out.put(line)
            out.put(None)

        threading.Thread(target=pump, daemon=True).start()
    try:
        line = lines.get(timeout=timeout)
    except queue.Empty:
        raise AssertionError(f"no stdout line from {proc.args} within {timeout} s") from None
    if line is None:
        lines.put(None)  # EOF stays EOF for the next call
    return line


def system_records(admin_port: int) -> set[processes.ProcessRecord]:
    """Every live process of the actor system whose admin listens on ``admin_port``.

    Thespian's admin starts its own session (``setsid``), so the system is the session of the
    process listening on the admin port (see ``system/runtime/processes.py``).
    """
    sid = processes.session_of(processes.listener_pids(admin_port))
    return processes.session_records(sid) if sid is not None else set()


@pytest.fixture(scope="session", autouse=True)
def _kill_leftover_commands() -> Iterator[None]:
    yield
    for proc in _started:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
