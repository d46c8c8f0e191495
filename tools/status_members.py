"""``upbit-actors status`` on a leader (issue 15): every member system and its components.

The members actor (``component:upbit-actors.members``) reports its table; ``member_lines``
turns it into lines under that actor::

    member m1 at 10.8.0.2: joined 12.3 s ago, seen 0.4 s ago, 1 component
      board (pid 4711): 5321 events, 0 alerts; ticker:KRW-ETH
    left: m3 (its processes are unreachable) 5.2 s ago
    convention systems 2, releases 1
"""

from __future__ import annotations

from typing import Any

__all__ = ["member_lines"]


def member_lines(d: dict[str, Any]) -> list[str]:
    """Lines for the members actor's details (popped from ``d``); [] when it has none."""
    if "members" not in d:
        return []
    for key in ("name", "subscriptions", "events_received", "events_dropped", "undecodable",
                "duplicates", "unwanted", "batch_seconds"):
        d.pop(key, None)  # a component's own figures: the members actor subscribes to nothing
    lines = []
    members = d.pop("members")
    if not members:
        lines.append("no members")
    for m in members:
        comps = m.get("components", [])
        lines.append(f"member {m['name']} at {m.get('host') or '?'}: joined {m.get('joined_s')} s ago, "
                     f"seen {m.get('seen_s')} s ago, {len(comps)} component{'' if len(comps) == 1 else 's'}")
        for c in comps:
            subs = " ".join(c.get("subscriptions", [])) or "-"
            lines.append(f"  {c['name']} (pid {c.get('pid') or '?'}): {c.get('events', 0)} events, "
                         f"{c.get('alerts', 0)} alerts; {subs}")
    for gone in d.pop("departures", []):
        lines.append(f"left: {gone['member']} ({gone['reason']}) {gone['ago_s']} s ago")
    lines.append(f"convention systems {d.pop('convention_systems', 0)}, releases {d.pop('releases', 0)}")
    return lines
