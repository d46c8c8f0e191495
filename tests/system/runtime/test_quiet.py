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
