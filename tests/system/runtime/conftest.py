"""Fixtures: each test gets its own system on a free admin port, stopped whatever happens."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from upbit_actors.system.runtime import SystemHandle, processes, start_system, stop_system


@pytest.fixture
def hub() -> Iterator[SystemHandle]:
    """A fresh multiprocTCPBase system; afterwards, none of its processes may be left."""
    handle = start_system()
    try:
        yield handle
    finally:
        stop_system(handle)
        assert not processes.alive(handle.records), "processes left after stop_system"
