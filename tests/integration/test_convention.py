"""Components on other actor systems (issue 15): a leader hub, two member systems, for real.

Three multiprocTCPBase systems: the leader (a ``Hub`` with ``accept_members`` in this process,
connected to the simulator) and two members (``upbit-actors member`` processes, each with a
``TickerBoard`` of its own code). Preferably each member runs in a Linux network namespace of its
own, joined to this one by a veth pair (``netns``): the leader listens on ``10.X.1.1``, the
members on ``10.X.i.2``, so nothing depends on 127.0.0.1 and nothing leaves the machine. Where
namespaces cannot be made the variant is skipped with the reason; the loopback variant (three
admin ports on 127.0.0.1) always runs.

The scenario, each step polled with a deadline (no sleeps):

1. both members' components get events through the leader's router; the leader's merged set
   holds the three codes and ``upbit-actors status`` on the leader lists both members and their
   components;
2. member 1 is SIGKILLed, every process of it at once by exact pid (a host that vanished: no
   de-registration): the leader releases it and the merged set shrinks to the other two codes;
   member 2 keeps receiving;
3. the leader crashes (every process of its system SIGKILLed at once, so nothing is
   de-registered) and a new one starts on the same address: member 2's component is told
   (``connection_lost``, then ``connection_restored``), subscribes with the new leader on its
   own, and receives again.

Every process started is stopped; none of the members' processes is left (checked).
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from typing import Any

import psutil
import pytest

from upbit_actors.actors.tree import Hub
from upbit_actors.messages import HubConfig
from upbit_actors.system.embed.convention import MEMBERS_NAME
from upbit_actors.system.runtime import loopback
from upbit_actors.tools.sim import SimConfig, Simulator

from . import netns
from .helpers import details, wait_for

pytestmark = pytest.mark.slow

CODES = ["KRW-BTC", "KRW-ETH", "KRW-XRP"]
LOCAL, FIRST, SECOND = CODES
BOARD = "upbit_actors.actors.examples.TickerBoard"
READY_TIMEOUT = 60.0
"""Seconds for a member process to print its ready line (a loaded 2-core machine is slow)."""


class Member:
    """One ``upbit-actors member`` process (optionally inside a namespace)."""

    def __init__(self, argv: list[str]) -> None:
        self.log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=self.log, text=True)
        self.info: dict[str, Any] = {}

    def ready(self) -> dict[str, Any]:
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            readable, _, _ = select.select([self.proc.stdout], [], [], 0.5)
            if readable:
                line = self.proc.stdout.readline()
                if line.startswith("{"):
                    self.info = json.loads(line)
                    return self.info
                if not line and self.proc.poll() is not None:
                    break
        raise AssertionError(f"member did not come up: {self.stderr()}")

    def stderr(self) -> str:
        self.log.seek(0)
        return self.log.read()[-2000:]

    def session_pids(self) -> set[int]:
        sid = self.info.get("session")
        if sid is None:
            return set()
        return {p.pid for p in psutil.process_iter(["status"])
                if p.info["status"] != psutil.STATUS_ZOMBIE and _sid(p.pid) == sid}

    def kill_all(self) -> list[int]:
        """SIGKILL the member process and every process of its system, by exact pid, at once."""
        pids = sorted(self.session_pids() | {self.proc.pid})
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait(10)
        return pids

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()  # the member stops its system (Hub.stop) and exits
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.kill_all()
        self.proc.stdout.close()
        self.log.close()


def _sid(pid: int) -> int | None:
    try:
        return os.getsid(pid)
    except OSError:
        return None


def members_view(hub: Hub) -> dict[str, dict[str, Any]]:
    """Member name -> its row in the leader's members actor status."""
    return {m["name"]: m for m in details(hub, f"component:{MEMBERS_NAME}").get("members", [])}


def events_of(hub: Hub, member: str) -> int:
    row = members_view(hub).get(member)
    return sum(c["events"] for c in row["components"]) if row else -1


def merged_codes(hub: Hub) -> set[str]:
    merged = details(hub, "registry").get("merged", {}).get("public", {})
    return {code for stream in merged.get("set", []) for code in stream.get("codes", [])}


@pytest.fixture(autouse=True)
def _bind_host_restored() -> Iterator[None]:
    """The leader's listen_host goes into this process's environment (``runtime.loopback``):
    put back what was there, so that a later test attaching to a system looks on loopback."""
    saved = {name: os.environ.get(name) for name in (loopback.BIND_HOST_ENV, loopback.ADVERTISE_ENV)}
    yield
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture(params=["netns", "loopback"])
def network(request: pytest.FixtureRequest) -> Iterator[tuple[str, list[str], Any]]:
    """(leader host, member hosts, namespaces or None)."""
    if request.param == "loopback":
        yield "127.0.0.1", ["127.0.0.1", "127.0.0.1"], None
        return
    if (why := netns.unavailable()) is not None:
        pytest.skip(f"network namespaces cannot be made here: {why}")
    with netns.namespaces(2) as spaces:
        yield spaces.root_hosts[0], list(spaces.hosts), spaces


def test_members_get_events_are_released_when_killed_and_rejoin_a_restarted_leader(network) -> None:
    leader_host, member_hosts, spaces = network
    members: list[Member] = []
    sessions: list[int] = []
    with Simulator(SimConfig(rate=300.0, markets=CODES, idle_timeout=120.0)) as sim:
        config = HubConfig(public_url=sim.public_url, accept_members=True, listen_host=leader_host)
        hub = Hub(config).start()
        try:
            hub.spawn(BOARD, "local", codes=[LOCAL], every=0)
            for i, (code, host) in enumerate(zip((FIRST, SECOND), member_hosts)):
                argv = [sys.executable, "-m", "upbit_actors.tools.cli", "member",
                        "--leader", f"{leader_host}:{hub.admin_port}", "--listen", host,
                        "--name", f"m{i + 1}", "--component", f"board={BOARD}",
                        "--param", f'board.codes=["{code}"]', "--param", "board.every=0"]
                members.append(Member(spaces.command(i, argv) if spaces else argv))
            for member in members:
                sessions.append(member.ready()["session"])

            # 1. both members' components are fed by the leader
            wait_for(lambda: events_of(hub, "m1") > 0 and events_of(hub, "m2") > 0, 30,
                     "events at both members' components")
            assert merged_codes(hub) == set(CODES)
            view = members_view(hub)
            assert {c["name"] for c in view["m1"]["components"]} == {"board"}
            assert [view["m1"]["host"], view["m2"]["host"]] == member_hosts  # where they listen
            shown = subprocess.run([sys.executable, "-m", "upbit_actors.tools.cli", "status",
                                    "--admin-port", str(hub.admin_port), "--host", leader_host,
                                    "--rate-interval", "0"], capture_output=True, text=True, timeout=60,
                                   check=False)
            assert shown.returncode == 0, shown.stderr
            for i, code in ((1, FIRST), (2, SECOND)):  # status on the leader: members, components
                assert f"member m{i} at {member_hosts[i - 1]}" in shown.stdout
                assert f"ticker:{code}" in shown.stdout

            # 2. member 1 vanishes: released, the merged set shrinks, member 2 still fed
            killed = members[0].kill_all()
            assert killed, "no process of member 1 found"
            wait_for(lambda: "m1" not in members_view(hub), 30, "member 1 released")
            wait_for(lambda: merged_codes(hub) == {LOCAL, SECOND}, 15, "merged set without m1's code")
            before = events_of(hub, "m2")
            wait_for(lambda: events_of(hub, "m2") > before, 15, "member 2 still receiving")
            assert not [pid for pid in killed if psutil.pid_exists(pid)
                        and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE]

            # 3. the leader crashes (every process SIGKILLed at once: no de-registration) and
            #    starts again on the same address: member 2 is told and recovers
            port = hub.admin_port
            for pid in sorted(hub.handle.track()):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            hub.stop()  # sweeps what is left of it (nothing: checked by the runtime's report)
            hub = Hub(config, admin_port=port).start()
            hub.spawn(BOARD, "local", codes=[LOCAL], every=0)
            wait_for(lambda: "m2" in members_view(hub), 30, "member 2 joins the new leader")
            wait_for(lambda: merged_codes(hub) == {LOCAL, SECOND}, 30,
                     "member 2's component subscribed with the new leader")
            seen = events_of(hub, "m2")
            wait_for(lambda: events_of(hub, "m2") > seen, 15, "member 2 receiving from the new leader")
            alerts = members_view(hub)["m2"]["components"][0]["alerts"]
            assert alerts >= 2, f"lost and restored not both told ({alerts})"
        finally:
            for member in members:
                member.stop()
            hub.stop()
    left = [p.pid for p in psutil.process_iter(["status"])
            if p.info["status"] != psutil.STATUS_ZOMBIE and _sid(p.pid) in sessions]
    assert not left, f"member processes left: {left}"


def test_a_second_member_of_the_same_name_waits_until_the_first_is_gone() -> None:
    """Two live members of one name would release each other at every heartbeat: the second is
    refused (``member_refused`` alert) until the first leaves, then it joins."""
    def link(member_hub: Hub) -> str:
        return details(member_hub, "supervisor").get("link", "")

    with Simulator(SimConfig(rate=100.0, markets=CODES, idle_timeout=120.0)) as sim, \
            Hub(HubConfig(public_url=sim.public_url, accept_members=True)) as leader:
        config = HubConfig(leader=f"127.0.0.1:{leader.admin_port}", member_name="twin")
        first = Hub(config).start()
        try:
            wait_for(lambda: link(first) == "joined", 30, "the first member joined")
            with Hub(config) as second:
                wait_for(lambda: any(a.kind == "member_refused" for a in list(second.alerts)), 30,
                         "the second member refused")
                assert link(first) == "joined" and link(second) != "joined"
                first.stop()  # a clean stop: its system leaves the convention at once
                wait_for(lambda: link(second) == "joined", 30, "the second member joined")
                assert list(members_view(leader)) == ["twin"]
        finally:
            first.stop()


def test_a_member_paused_past_the_timeout_is_released_then_restarts_its_components() -> None:
    """A member that falls silent for longer than ``MEMBER_TIMEOUT`` (its agent stopped with
    SIGSTOP, its components still alive) is released; when it is back, the leader tells it so and
    it restarts its components, whose new instances subscribe again."""
    with Simulator(SimConfig(rate=100.0, markets=CODES, idle_timeout=120.0)) as sim, \
            Hub(HubConfig(public_url=sim.public_url, accept_members=True)) as leader, \
            Hub(HubConfig(leader=f"127.0.0.1:{leader.admin_port}", member_name="sleepy")) as member:
        member.spawn(BOARD, "board", codes=[FIRST], every=0)
        wait_for(lambda: events_of(leader, "sleepy") > 0, 30, "the member's component fed")
        agent = next(a.pid for a in member.status().actors if a.role == "supervisor")
        board = next(a.pid for a in member.status().actors if a.role == "component:board")
        os.kill(agent, signal.SIGSTOP)
        try:
            wait_for(lambda: "sleepy" not in members_view(leader), 30, "the silent member released")
            wait_for(lambda: FIRST not in merged_codes(leader), 15, "its code out of the merged set")
        finally:
            os.kill(agent, signal.SIGCONT)

        def new_board() -> dict[str, Any]:
            row = members_view(leader).get("sleepy")
            return next((c for c in row["components"] if c["pid"] not in (board, 0)), {}) if row else {}

        wait_for(lambda: new_board().get("events", 0) > 0, 30, "a new instance of the component fed")
        assert FIRST in merged_codes(leader)
