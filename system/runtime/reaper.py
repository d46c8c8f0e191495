"""``python -m upbit_actors.system.runtime.reaper AFTER [--session SID] PID:CREATED...``: the last
sweep of a system whose owner is gone (``owner.take_down_system`` starts it).

Waits up to AFTER seconds for the given processes to exit, then SIGTERMs (and after a grace
SIGKILLs) exactly those left: each is a pid with its creation time, so a pid reused meanwhile is
never signalled. With ``--session SID`` it also takes, round after round until none is left,
every other process of session SID (``owner.system_session`` vouched for it: the session
Thespian's admin made), so that a child a supervisor restarted meanwhile is not missed; only if
SID is the reaper's own session, which it inherits from the supervisor that started it. It never signals itself and never
matches processes by name.
"""

from __future__ import annotations

import os
import sys

from upbit_actors.system.runtime import processes

__all__ = ["ROUNDS", "main", "parse"]

ROUNDS = 5
"""Session sweeps at most (each waits for the processes it signalled)."""


def parse(args: list[str]) -> tuple[float, int | None, set[processes.ProcessRecord]]:
    """``AFTER [--session SID] PID:CREATED...`` -> (seconds, session, records); this process
    excluded; the session is None unless SID is this process's own session."""
    after, rest = float(args[0]), args[1:]
    session = None
    if rest[:1] == ["--session"]:
        sid, rest = int(rest[1]), rest[2:]
        session = sid if sid == os.getsid(0) else None
    records = set()
    for arg in rest:
        pid, _, created = arg.partition(":")
        if int(pid) != os.getpid():
            records.add(processes.ProcessRecord(int(pid), float(created)))
    return after, session, records


def _others(sid: int) -> set[processes.ProcessRecord]:
    return {rec for rec in processes.session_records(sid) if rec.pid != os.getpid()}


def main(args: list[str] | None = None) -> int:
    after, session, records = parse(sys.argv[1:] if args is None else args)
    left = processes.wait_gone(records, after)
    for _ in range(ROUNDS):
        if session is not None:
            left = processes.alive(set(left) | _others(session))
        if not left:
            break
        processes.terminate(left)
        left = []
    return 0


if __name__ == "__main__":
    sys.exit(main())
