"""The allow-list unpickler (``system.runtime.unpickle``): what it builds, what it refuses, where.

The in-memory tests feed ``safe_loads`` pickles; the last two start real systems (forked and
spawned) and send a pickle that would run code to their ports from this process's own socket.
The whole tree under the patch, attacked from another process, is ``tests/integration/test_unpickle``.
"""

from __future__ import annotations

import builtins
import datetime
import decimal
import os
import pickle
import socket
import struct
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from thespian.actors import ActorAddress, ChildActorExited, PoisonMessage, ValidateSource
from thespian.system.messages.admin import PendingActor, QueryAck
from thespian.system.transport import TCPTransport, streamBuffer
from thespian.system.transport.IPBase import TCPv4ActorAddress

from tests.messages.test_message_roundtrip import messages_of
from upbit_actors import messages
from upbit_actors.messages import Shutdown, StreamOptions, Ticker
from upbit_actors.system.errors import RefusedClass
from upbit_actors.system.runtime import running_system, unpickle
from upbit_actors.system.wire.rules import Unusable

from .helpers import Do, Done, Probe, ask_for

ADDRESS = ActorAddress(TCPv4ActorAddress("127.0.0.1", 1234, external=True))


class RunsCode:
    def __init__(self, call, *args) -> None:
        self.call, self.args = call, args

    def __reduce__(self):
        return self.call, self.args


def test_the_patch_is_in_force_on_every_receive_path() -> None:
    assert unpickle.applied()
    assert TCPTransport.serializer.loads is unpickle.safe_loads
    assert TCPTransport.serializer.dumps is pickle.dumps
    buffer = streamBuffer.ReceiveBuffer()  # the default deserializer too
    buffer.addMore(streamBuffer.toSendBuffer(RunsCode(os.getpid), pickle.dumps))
    with pytest.raises(RefusedClass):
        buffer.completed()


@pytest.mark.parametrize("cls", messages.MESSAGE_CLASSES, ids=lambda c: c.__name__)
@settings(max_examples=10, deadline=None)
@given(data=st.data())
def test_every_message_class_is_built(cls: type, data) -> None:
    message = data.draw(messages_of(cls))
    assert unpickle.safe_loads(pickle.dumps((ADDRESS, message))) == (ADDRESS, message)


def test_thespian_internals_and_values_are_built() -> None:
    values = [ADDRESS, ChildActorExited(ADDRESS), PoisonMessage(Shutdown("x"), "trace"),
              QueryAck("system", 4, False), PendingActor("upbit_actors.actors.supervisor.Supervisor",
                                                         None, 1, {}, globalName="supervisor"),
              decimal.Decimal("1.5"), datetime.datetime.now(datetime.UTC),
              datetime.timedelta(seconds=2), {1, 2}, frozenset({3}), bytearray(b"x"),
              StreamOptions(), {"params": [1, "a", None, (2.5,)]}, Ticker]
    for value in values:
        back = unpickle.safe_loads(pickle.dumps(value))
        assert back == value or type(back) is type(value)
    # A __reduce__ naming a built-in type (an Unusable spec value travels as a str).
    assert isinstance(unpickle.safe_loads(pickle.dumps(Unusable("no such policy"))), str)
    # Thespian pickles with the default protocol (4); 3 names set and frozenset as classes.
    # Protocols 0-2 spell them in Python 2 terms (__builtin__), which stay refused.
    for protocol in range(3, pickle.HIGHEST_PROTOCOL + 1):
        assert unpickle.safe_loads(pickle.dumps(({1}, frozenset(), bytearray()), protocol)) is not None


@pytest.mark.parametrize("evil", [
    RunsCode(os.system, "true"),
    RunsCode(builtins.eval, "1"),
    RunsCode(builtins.getattr, ADDRESS, "__class__"),
    (ADDRESS, Shutdown(reason=RunsCode(os.system, "true"))),   # hidden in an allowed class
    (ADDRESS, ValidateSource("0" * 32, b"zip")),              # Thespian's source loading
], ids=["os.system", "eval", "getattr", "nested", "source-loading"])
def test_classes_off_the_list_are_refused_and_counted(evil) -> None:
    before = unpickle.refused_total()
    with pytest.raises(RefusedClass) as refused:
        unpickle.safe_loads(pickle.dumps(evil))
    assert unpickle.refused_total() == before + 1
    assert refused.value.name in unpickle.refusals()


def _global(module: str, name: str) -> bytes:
    """A pickle of nothing but ``STACK_GLOBAL module name`` (any text, as an attacker writes it)."""
    def text(s: str) -> bytes:
        raw = s.encode()
        return b"X" + struct.pack("<I", len(raw)) + raw  # BINUNICODE
    return b"\x80\x04" + text(module) + text(name) + b"\x93."


def test_names_an_attacker_makes_up_are_cut_and_bounded() -> None:
    for i in range(unpickle.NAMES_KEPT + 5):
        data = _global(f"made.up{i}" + "x" * 500 + "\n", "Evil")
        with pytest.raises(RefusedClass) as refused:
            unpickle.safe_loads(data)
        assert len(refused.value.name) < 2 * unpickle.NAME_CHARS + 10
        assert "\n" not in refused.value.name
    assert len(unpickle.refusals()) <= unpickle.NAMES_KEPT + 1
    assert unpickle.refusals()[unpickle.OTHER] >= 5


def test_a_sender_checks_its_own_data_without_counting() -> None:
    before = unpickle.refusals()
    assert unpickle.refused_class({"codes": ["KRW-BTC"], "keep": 3}) is None
    assert unpickle.refused_class((Do("x"), [RunsCode(os.getpid)])) == "posix.getpid"
    assert unpickle.refusals() == before


def test_persistent_ids_are_refused() -> None:
    with pytest.raises(pickle.UnpicklingError):
        unpickle.safe_loads(b"\x80\x04\x8c\x01x\x94Q.")  # BINPERSID


def test_allow_adds_a_value_class() -> None:
    assert unpickle.key_of(Do) in unpickle.allowed()  # helpers allows its test messages
    assert unpickle.safe_loads(pickle.dumps(Do("echo", 1))) == Do("echo", 1)


def _send_raw(port: int, obj: object) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(streamBuffer.toSendBuffer(obj, pickle.dumps))
        reply = b""
        while len(reply) < len(streamBuffer.ackDataErrMsg):
            chunk = sock.recv(4096)
            if not chunk:
                break
            reply += chunk
    return reply


@pytest.mark.slow
@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_a_started_system_refuses_in_the_admin_and_in_actors(method: str, tmp_path: Path) -> None:
    # With spawn, the admin, logger and actors are fresh interpreters: they get the patch only
    # through the logDefs filter class (system.runtime.logdefs), like the loopback patch.
    marker = tmp_path / "marker"
    evil = (ADDRESS, RunsCode(os.system, f"touch {marker}"))
    with running_system(capabilities={"Process Startup Method": method}) as hub:
        probe = hub.system.createActor(Probe)
        pid = ask_for(hub.system, probe, Do("pid"), Done, timeout=30).value
        port = int(str(probe).rpartition(":")[2].rstrip(")"))
        for target in (hub.admin_port, port):
            assert _send_raw(target, evil) == streamBuffer.ackDataErrMsg
            assert not marker.exists()
        assert ask_for(hub.system, probe, Do("echo", 7), Done, timeout=30).value == 7
        assert ask_for(hub.system, probe, Do("pid"), Done, timeout=30).value == pid
