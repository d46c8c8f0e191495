"""``upbit-actors demo`` as a user runs it: a subprocess with its own simulator and actor tree.

Each test starts ``python -m tools.cli demo --plain`` (one snapshot block per second), reads its
output, records every process the command started while it runs (psutil descendants of the
command, plus the actor system's session found through the admin port it prints), and checks
that all of them are gone once the command exited.
"""

from __future__ import annotations

import re
import signal
import subprocess
import time
from collections.abc import Callable

import psutil
import pytest

from tests.cli.conftest import read_line, start_cli, stop_cli, system_records

pytestmark = pytest.mark.slow

ROLES = ("supervisor", "registry", "limiter", "rest", "router", "jwt", "connection.public",
         "connection.private", "component:board", "component:book", "component:tape")
HEADER = "=== upbit-actors demo"
BOARD_ROW = re.compile(r"^  (KRW-[A-Z]+) +[\d,.]+ +(RISE|FALL|EVEN) +[+-]\d+\.\d\d%", re.M)
BEST = re.compile(r"^  best bid [\d,.]+ x [\d.]+ +best ask [\d,.]+ x [\d.]+ +spread", re.M)
TRADE = re.compile(r"^  \d\d:\d\d:\d\d KRW-[A-Z]+ +(ASK|BID) +[\d,.]+ x [\d.]+$", re.M)
ORDER = re.compile(r"^  order [0-9a-f]{8} KRW-[A-Z]+ +(BID|ASK) limit +(wait|trade|done|cancel) ", re.M)
BALANCE = re.compile(r"^  balance (KRW|ETH|BTC) +[\d,.]+ +locked ", re.M)
SUMMARY = re.compile(r"^summary: .*board subscription changes (\d+) .*simulator violations (\d+)$")
DEMO_KEY = re.compile(r"demo-[0-9a-f]{24}")
"""Shape of the access key the demo makes up; it must never be printed."""


class Watch:
    """The processes a running command started: psutil descendants and the actor system."""

    def __init__(self, proc: subprocess.Popen) -> None:
        self.root = psutil.Process(proc.pid)
        self.procs: dict[int, psutil.Process] = {}

    def record(self, admin_port: int | None = None) -> None:
        for child in self.root.children(recursive=True):
            self.procs.setdefault(child.pid, child)
        for rec in system_records(admin_port) if admin_port else ():
            try:
                self.procs.setdefault(rec.pid, psutil.Process(rec.pid))
            except psutil.NoSuchProcess:
                pass

    def left(self) -> list[psutil.Process]:
        """Recorded processes still running (psutil checks the creation time: no pid reuse)."""
        _, alive = psutil.wait_procs(list(self.procs.values()), timeout=10)
        return alive


def read_until(proc: subprocess.Popen, watch: Watch, done: Callable[[str], bool]) -> tuple[str, int]:
    """Output up to the end of the first snapshot block after which ``done(output)`` holds, and
    the admin port the demo announced. Records the command's processes at every block."""
    lines: list[str] = []
    port = None
    while True:
        line = read_line(proc, timeout=60)
        assert line is not None, "the demo ended early:\n" + "".join(lines)
        lines.append(line)
        if port is None and (m := re.search(r"admin port (\d+)", line)):
            port = int(m.group(1))
        if line == "\n" and port is not None:  # a block ends with an empty line
            watch.record(port)
            if done("".join(lines)):
                return "".join(lines), port


def snapshots(text: str) -> list[str]:
    return [HEADER + block for block in text.split(HEADER)[1:]]


def section(block: str, title: str) -> str:
    """The lines of one section (from its title line to the next line without indentation)."""
    m = re.search(rf"^{re.escape(title)}.*\n((?:  .*\n)*)", block, re.M)
    return m.group(0) if m else ""


def test_demo_shows_data_private_events_actors_and_exits_clean() -> None:
    proc = start_cli(["demo", "--duration", "10", "--plain"])
    watch = Watch(proc)
    head, port = read_until(proc, watch, lambda out: HEADER in out)
    rest = []
    while (line := read_line(proc, timeout=60)) is not None:
        rest.append(line)
        if line.startswith(HEADER):
            watch.record(port)
    returncode = proc.wait(timeout=60)
    stderr = proc.stderr.read()
    out = head + "".join(rest)
    assert returncode == 0, stderr
    assert len(watch.procs) >= len(ROLES) + 2, "expected the admin, the logger and every actor"
    assert watch.left() == []

    blocks = snapshots(out)
    assert len(blocks) >= 5
    board = "".join(section(b, "TICKER BOARD") for b in blocks)
    assert {m.group(1) for m in BOARD_ROW.finditer(board)} >= {"KRW-ETH", "KRW-XRP"}
    # The board rotates a code every 3 s: KRW-SOL was not on it at start and comes in later.
    assert "KRW-SOL" in {m.group(1) for m in BOARD_ROW.finditer(board)}
    assert "KRW-SOL" not in section(blocks[0], "TICKER BOARD")
    wire = [section(b, "SUBSCRIPTIONS") for b in blocks]
    assert any(re.search(r"public +ticker [A-Z,-]*KRW-SOL", w) for w in wire)
    assert BEST.search("".join(section(b, "ORDERBOOK") for b in blocks))
    assert TRADE.search("".join(section(b, "TRADES") for b in blocks))
    private = "".join(section(b, "PRIVATE") for b in blocks)
    assert ORDER.search(private) and BALANCE.search(private), private
    assert any(re.search(r"private +myOrder \(all\); myAsset \(all\)", w) for w in wire)

    actors = section(blocks[-1], "ACTORS")
    for role in (*ROLES, "component:orders"):
        assert re.search(rf"^  {re.escape(role)} +\d+ +\w+ +\d+ +\d+ +\d+$", actors, re.M), role

    summary = SUMMARY.match(out.splitlines()[-1])
    assert summary, out.splitlines()[-1]
    assert int(summary.group(1)) >= 2 and int(summary.group(2)) == 0
    assert not DEMO_KEY.search(out + stderr)
    assert not re.search(r"[0-9a-f]{64}", out + stderr)  # the secret's shape


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_demo_without_private_stops_clean_on_signal(sig: int) -> None:
    proc = start_cli(["demo", "--plain", "--no-private"])
    watch = Watch(proc)
    head, port = read_until(proc, watch, lambda out: BOARD_ROW.search(out) is not None)
    returncode, stdout, stderr = stop_cli(proc, sig, timeout=60)
    out = head + stdout
    assert returncode == 128 + sig, stderr  # like stream: 130 on Ctrl-C, 143 on SIGTERM
    assert len(watch.procs) >= len(ROLES) + 1, "expected the admin, the logger and the actors"
    assert watch.left() == []
    assert system_records(port) == set()

    assert "PRIVATE" not in out and "component:orders" not in out and "myOrder" not in out
    assert BOARD_ROW.search(out)
    summary = SUMMARY.match(out.splitlines()[-1])
    assert summary and int(summary.group(2)) == 0, out.splitlines()[-1]


@pytest.mark.parametrize("gap", [0.05, 0.3], ids=["50ms", "300ms"])
def test_a_second_ctrl_c_still_stops_everything(gap: float) -> None:
    """An impatient user presses Ctrl-C twice: the orderly stop is cut short, but the actor
    system is still stopped and swept, whatever the second interrupt landed in; exit 130 either
    way (the first Ctrl-C already meant 130)."""
    proc = start_cli(["demo", "--plain", "--no-private"])
    watch = Watch(proc)
    _, port = read_until(proc, watch, lambda out: BOARD_ROW.search(out) is not None)
    proc.send_signal(signal.SIGINT)
    time.sleep(gap)
    returncode, _, stderr = stop_cli(proc, signal.SIGINT, timeout=60)
    assert returncode == 130, stderr
    assert watch.left() == []
    assert system_records(port) == set()
