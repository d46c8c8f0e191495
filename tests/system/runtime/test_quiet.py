"""system.runtime.quiet: Thespian never describes a message for a debug line nobody writes.

The data-plane issue: Thespian built ``str(message)`` for a DEBUG log line on every send and
receive, whatever the level (THESPIAN.md, Speed). A real system, a real round trip through an
actor, a message that leaves a trace whenever it is described: there must be none.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from upbit_actors.system.runtime import SystemHandle, quiet

from .helpers import Do, Done, Noisy, Probe, ask_for

pytestmark = pytest.mark.slow


def test_the_patch_is_applied() -> None:
    assert quiet.applied()


def test_a_round_trip_never_describes_the_message(hub: SystemHandle, tmp_path: Path) -> None:
    trace = tmp_path / "described.txt"
    probe = hub.asys.createActor(Probe)
    for _ in range(3):
        reply = ask_for(hub.asys, probe, Do("echo", Noisy(str(trace))), Done)
        assert reply.value == Noisy(str(trace))
    assert not trace.exists(), trace.read_text()


def test_the_transport_patch_is_applied() -> None:
    from upbit_actors.system.runtime import transport

    assert transport.applied()


def test_a_big_message_crosses_without_the_backoff_pause(hub: SystemHandle, tmp_path: Path) -> None:
    # A 4 MB payload fills the socket buffer many times over: each EAGAIN cost Thespian a 20 ms+
    # pause before (system.runtime.transport). Round trips of it must all arrive intact.
    probe = hub.asys.createActor(Probe)
    payload = bytes(range(256)) * (4 * 1024 * 4)
    for _ in range(3):
        reply = ask_for(hub.asys, probe, Do("echo", payload), Done, timeout=30)
        assert reply.value == payload
