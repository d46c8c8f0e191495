"""``upbit-actors status`` on a leader: the members actor's table in words (``status_members``)."""

from __future__ import annotations

from upbit_actors.tools.status_members import member_lines


def test_members_and_their_components_in_words() -> None:
    details = {"name": "upbit-actors.members", "events_received": 0, "releases": 1, "convention_systems": 2,
               "members": [{"name": "m1", "host": "10.8.0.2", "joined_s": 12.3, "seen_s": 0.4,
                            "components": [{"name": "board", "pid": 4711, "events": 5321, "alerts": 2,
                                            "subscriptions": ["ticker:KRW-ETH"]}]}],
               "departures": [{"member": "m3", "reason": "its processes are unreachable", "ago_s": 5.2}]}
    lines = member_lines(details)
    assert lines == ["member m1 at 10.8.0.2: joined 12.3 s ago, seen 0.4 s ago, 1 component",
                     "  board (pid 4711): 5321 events, 2 alerts; ticker:KRW-ETH",
                     "left: m3 (its processes are unreachable) 5.2 s ago",
                     "convention systems 2, releases 1"]
    assert details == {}  # everything shown once


def test_a_plain_component_is_not_a_members_table() -> None:
    assert member_lines({"name": "board", "events_received": 3}) == []
