"""Exposure rules (``system.members.exposure``): loopback by default, one explicit address else."""

from __future__ import annotations

import pytest

from upbit_actors.messages import HubConfig
from upbit_actors.system.errors import ConfigError
from upbit_actors.system.members.exposure import host_problem, parse_leader, settings_problem


@pytest.mark.parametrize("host", ["127.0.0.1", "10.8.0.2", "192.168.1.5", "::1", "fd00::2"])
def test_one_ip_address_is_a_listening_address(host: str) -> None:
    assert host_problem(host) is None


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "", "localhost", "my-host.lan"])
def test_wildcards_and_names_are_refused(host: str) -> None:
    assert host_problem(host)


def test_leader_is_ip_and_port() -> None:
    assert parse_leader("10.8.0.1:1900") == ("10.8.0.1", 1900)
    for bad in ("10.8.0.1", "host:1900", "10.8.0.1:0", "10.8.0.1:99999", ":1900"):
        with pytest.raises(ConfigError):
            parse_leader(bad)


def test_hub_config_checks_the_convention_settings() -> None:
    assert settings_problem(HubConfig()) is None
    assert settings_problem(HubConfig(leader="10.0.0.1:5", member_name="gui-1")) is None
    with pytest.raises(ConfigError, match="listen_host"):
        HubConfig.from_env(environ={}, listen_host="0.0.0.0")
    with pytest.raises(ConfigError, match="leader"):
        HubConfig.from_env(environ={}, leader="nowhere")
    with pytest.raises(ConfigError, match="accept_members"):
        HubConfig.from_env(environ={}, leader="10.0.0.1:5", accept_members=True)
    with pytest.raises(ConfigError, match="member_name"):
        HubConfig.from_env(environ={}, member_name="a b")
