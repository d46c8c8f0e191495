"""Integration tests: the real actor tree (multiprocTCPBase) against the in-process simulator."""

from __future__ import annotations


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", "slow: starts real actor processes (seconds per test)")
