"""Opt-in exposure (``system.runtime.convention``): what a leader or member system may do."""

from __future__ import annotations

import pytest

from upbit_actors.system.errors import ConfigError, RuntimeSystemError
from upbit_actors.system.runtime import convention, start_system, unpickle


def test_loopback_needs_nothing_and_another_address_needs_the_allow_list(monkeypatch) -> None:
    convention.check_exposure("127.0.0.1")
    convention.check_exposure("10.8.0.2")  # the unpickler is in force (import applies it)
    monkeypatch.setattr(unpickle, "applied", lambda: False)
    convention.check_exposure("127.0.0.1")
    with pytest.raises(RuntimeSystemError, match="allow-list"):
        convention.check_exposure("10.8.0.2")


def test_start_system_refuses_a_wildcard_before_any_socket(monkeypatch) -> None:
    monkeypatch.setattr("upbit_actors.system.runtime.starter.make_system",
                        lambda *a, **k: pytest.fail("a system was started"))
    with pytest.raises(ConfigError, match="all interfaces"):
        start_system(bind_host="0.0.0.0")


def test_capabilities_of_a_member_and_of_a_leader() -> None:
    assert convention.capabilities(leader="10.0.0.1:1900", member="gui") == {
        "Convention Address.IPv4": "10.0.0.1:1900", convention.MEMBER_CAPABILITY: "gui"}
    assert convention.capabilities(accept_members=True) == {convention.LEADER_CAPABILITY: True}


def test_the_convention_messages_are_refused_until_enabled() -> None:
    keys = {unpickle.key_of(cls) for cls in convention.CONVENTION_CLASSES}
    source = {("thespian.system.messages.convention", "SourceHashTransferReply"),
              ("thespian.system.messages.admin", "ValidateSource")}
    convention.enable()
    assert keys <= unpickle.allowed() and not source & unpickle.allowed()  # never code
