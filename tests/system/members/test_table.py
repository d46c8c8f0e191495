"""The leader's table of members (``system.members.table``): joins, releases, rejoins."""

from __future__ import annotations

from upbit_actors.messages import MemberComponent, MemberJoin
from upbit_actors.system.members.table import MEMBER_TIMEOUT, TAKEOVER, MemberTable


def join(name="m1", session="s1", components=("a", "b"), agent="agent-1", admin="admin-1"):
    return MemberJoin(member=name, session=session, agent=agent, admin=admin, host="10.0.0.2",
                      components=[MemberComponent(name=c, address=f"{name}/{c}") for c in components])


def test_a_join_adds_the_member_and_releases_nothing() -> None:
    table = MemberTable()
    assert table.join(join(), 0.0) == (False, [])
    assert [m.name for m in table.members()] == ["m1"]
    assert table.status(1.0)["members"][0]["components"][0]["name"] == "a"


def test_silence_beyond_the_timeout_releases_every_component_once() -> None:
    table = MemberTable()
    table.join(join(), 0.0)
    assert table.expire(MEMBER_TIMEOUT) == []  # not beyond yet
    (release,) = table.expire(MEMBER_TIMEOUT + 0.1)
    assert release.member == "m1" and release.addresses == ("m1/a", "m1/b")
    assert table.expire(100.0) == [] and table.members() == []


def test_a_released_member_that_was_alive_is_told_to_restart_its_components() -> None:
    table = MemberTable()
    table.join(join(), 0.0)
    table.expire(MEMBER_TIMEOUT + 1)
    released, releases = table.join(join(), MEMBER_TIMEOUT + 2)
    assert released and releases == []
    assert table.join(join(), MEMBER_TIMEOUT + 3) == (False, [])  # told once


def test_a_new_session_releases_the_old_components() -> None:
    table = MemberTable()
    table.join(join(components=("a",)), 0.0)
    released, (release,) = table.join(join(session="s2", components=("c",)), 1.0)
    assert not released and release.addresses == ("m1/a",) and release.reason == "the member restarted"


def test_a_dead_letter_to_the_agent_or_a_component_releases_the_member() -> None:
    table = MemberTable()
    table.join(join(), 0.0)
    table.join(join(name="m2", agent="agent-2", admin="admin-2"), 0.0)
    assert table.dead_letter("someone-else", 1.0) == []
    (release,) = table.dead_letter("m2/b", 1.0)
    assert release.member == "m2"
    (release,) = table.dead_letter("agent-1", 1.0)
    assert release.member == "m1" and table.members() == []


def test_a_system_leaving_the_convention_releases_its_member_only() -> None:
    table = MemberTable()
    table.join(join(), 0.0)
    table.system_joined("admin-1", "m1")
    assert table.system_left("admin-9", "other", 1.0) == []
    (release,) = table.system_left("admin-1", "", 1.0)
    assert release.member == "m1" and release.reason == "its actor system left the convention"
    assert table.status(2.0)["departures"][0]["member"] == "m1"


def test_a_name_held_by_a_live_member_is_refused_until_its_session_falls_silent() -> None:
    table = MemberTable()
    table.join(join(session="s1"), 0.0)
    other = join(session="s2", agent="agent-2")
    assert table.in_use(other, TAKEOVER)  # s1 was heard TAKEOVER s ago: still live
    table.join(join(session="s1"), 5.0)
    assert table.in_use(other, 5.0 + TAKEOVER)
    assert not table.in_use(other, 5.0 + TAKEOVER + 0.1)  # s1 silent: a restart takes over
    assert not table.in_use(join(session="s1"), 100.0)  # its own session never is
