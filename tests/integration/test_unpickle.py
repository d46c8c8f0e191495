"""Nobody gets in through Thespian's ports (issue 12): a pickle that would run code is refused.

A real tree (``Hub`` against the simulator) runs; another local process connects to the admin
port, to every port any process of the tree listens on (actors, the logger) and to the starter's
own Thespian endpoints, and sends pickles framed exactly as Thespian's TCP transport frames them
(``streamBuffer.toSendBuffer``). Each pickle's ``__reduce__`` would append a line to a marker
file. Thespian acknowledges a message after unpickling it, so once the reply is in, code that was
going to run has run: the marker file must not exist, the tree must still stream, and the
refusals must be counted (``refused_pickles`` in the actor's status).
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from thespian.actors import ValidateSource
from thespian.system.transport.streamBuffer import ackDataErrMsg, toSendBuffer

from upbit_actors.actors.tree import Hub
from upbit_actors.messages import DataType, HubConfig, Shutdown
from upbit_actors.system.runtime import PortState, probe_port, processes
from upbit_actors.tools.sim import SimConfig, Simulator

from .helpers import actor, details, next_event, wait_for

pytestmark = pytest.mark.slow

SENDER = r"""
import socket, sys
port, timeout, want = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
for line in sys.stdin:
    reply = b""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
            sock.sendall(bytes.fromhex(line))
            while len(reply) < want:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                reply += chunk
    except OSError:
        pass
    print(reply.hex(), flush=True)
"""
"""Run by a separate Python process: send each frame (a hex line on stdin) to the port on a
connection of its own; print what came back (up to the length of Thespian's ACK+DATAERR frame,
or until the peer closed or ``timeout`` passed), one hex line per frame."""


class RunsCode:
    """Unpickling this runs ``os.system`` (what an attacker sends)."""

    def __init__(self, marker: Path, where: str) -> None:
        self.command = f"echo {where} $$ >> {marker}"

    def __reduce__(self):
        return os.system, (self.command,)


def payloads(marker: Path, where: str) -> list[bytes]:
    """Thespian frames: a bare pickle, one inside an envelope, one inside an allowed message, and
    Thespian's source loading (code shipped into the system)."""
    evil = RunsCode(marker, where)
    return [toSendBuffer(obj, pickle.dumps) for obj in (
        evil,
        ("ActorAddr-(T|:1)", evil),
        ("ActorAddr-(T|:1)", Shutdown(reason=evil)),  # the class is allowed, its content is not
        ("ActorAddr-(T|:1)", ValidateSource("0" * 32, b"PK\x05\x06" + bytes(18))),
    )]


def send_from_another_process(port: int, frames: list[bytes], timeout: float = 10.0) -> list[bytes]:
    done = subprocess.run([sys.executable, "-c", SENDER, str(port), str(timeout), str(len(ackDataErrMsg))],
                          input="".join(f.hex() + "\n" for f in frames), capture_output=True,
                          text=True, timeout=60 + len(frames) * timeout, check=True)
    return [bytes.fromhex(line) for line in done.stdout.splitlines()]


def listening_ports(pids: set[int]) -> set[int]:
    ports = set()
    for pid in pids:
        try:
            conns = psutil.Process(pid).net_connections(kind="tcp")
        except psutil.NoSuchProcess:
            continue
        ports |= {c.laddr.port for c in conns if c.status == psutil.CONN_LISTEN}
    return ports


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    with Simulator(SimConfig(rate=100, markets=["KRW-BTC", "KRW-ETH"])) as simulator:
        yield simulator


@pytest.fixture(scope="module")
def hub(sim: Simulator) -> Iterator[Hub]:
    with Hub(HubConfig(public_url=sim.public_url, private_url=sim.private_url)) as running:
        yield running
    assert not processes.alive(running.handle.records)


def test_a_pickle_sent_to_any_port_of_the_tree_runs_nothing(hub: Hub, sim: Simulator,
                                                            tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    with hub.stream(DataType.TICKER, ["KRW-BTC"]) as before:
        next_event(before)
    tree = hub.handle.track()
    running = set(processes.alive(hub.handle.records))
    router = actor(hub, "router")
    router_port = int(router.address.rpartition(":")[2].rstrip(")"))
    # The tree's processes also hold listening sockets inherited from the starter at fork, on
    # which only the starter accepts: those are the starter's, tried below.
    starter_ports = listening_ports({os.getpid()})
    ports = listening_ports(tree) - starter_ports
    assert {hub.admin_port, router_port} <= ports
    assert len(ports) >= 9, ports  # admin, logger, supervisor and six children at least

    for port in sorted(ports):
        replies = send_from_another_process(port, payloads(marker, f"port-{port}"))
        assert not marker.exists(), marker.read_text()
        assert replies == [ackDataErrMsg] * 4, (port, replies)

    # The starter's own Thespian endpoints (the hub's, its monitor's) listen too.
    sim_ports = {int(url.rpartition(":")[2].partition("/")[0])
                 for url in (sim.public_url, sim.control_url)}
    starter = starter_ports - sim_ports
    refused_here = 0
    for port in sorted(starter):  # some are not Thespian's (the component output receiver)
        replies = send_from_another_process(port, payloads(marker, f"starter-{port}"), timeout=2.0)
        refused_here += replies.count(ackDataErrMsg)
        assert not marker.exists(), marker.read_text()
    assert refused_here >= 4, starter

    # Nothing died, the refusals were counted where they arrived, and the tree still works.
    assert set(processes.alive(running)) == running
    assert probe_port(hub.admin_port) is PortState.THESPIAN_ADMIN
    wait_for(lambda: details(hub, "router").get("refused_pickles", 0) >= 4,
             what="the router counting four refused pickles")
    assert details(hub, "jwt").get("refused_pickles", 0) >= 4
    with hub.stream(DataType.TICKER, ["KRW-ETH"]) as after:
        assert next_event(after).code == "KRW-ETH"
    assert not marker.exists()


class NotAValue:
    """A bot's own class, not on the allow-list."""


def test_spawn_with_a_parameter_the_tree_would_refuse_fails_at_the_call(hub: Hub) -> None:
    from upbit_actors.actors.examples import TradeTape
    from upbit_actors.system.errors import HubError

    with pytest.raises(HubError, match="NotAValue"):
        hub.spawn(TradeTape, "tape", codes=["KRW-BTC"], extra=NotAValue())
    assert hub.spawn(TradeTape, "tape", codes=["KRW-BTC"], keep=3) is not None  # plain values pass
