"""``python -m upbit_actors.system.runtime.reaper AFTER PID:CREATED...``: the last sweep of a system
whose owner is gone (``owner.take_down_system`` starts it).

Waits up to AFTER seconds for the given processes to exit, then SIGTERMs (and after a grace
SIGKILLs) exactly those left: each is a pid with its creation time, so a pid reused meanwhile is
never signalled. It never signals itself and never matches processes by name.
"""

from __future__ import annotations

import os
import sys

from upbit_actors.system.runtime import processes

__all__ = ["main", "parse"]


def parse(args: list[str]) -> tuple[float, set[processes.ProcessRecord]]:
    """``AFTER PID:CREATED...`` -> (seconds, records); this process excluded."""
    after = float(args[0])
    records = set()
    for arg in args[1:]:
        pid, _, created = arg.partition(":")
        if int(pid) != os.getpid():
            records.add(processes.ProcessRecord(int(pid), float(created)))
    return after, records


def main(args: list[str] | None = None) -> int:
    after, records = parse(sys.argv[1:] if args is None else args)
    left = processes.wait_gone(records, after)
    if left:
        processes.terminate(left)
    return 0


if __name__ == "__main__":
    sys.exit(main())
