"""Tests of system.runtime and actors.base on real multiprocTCPBase systems."""
