"""The figures of a chaos run, from what it recorded: pure functions, no I/O.

``subscriptions`` compares what each consumer asked for with the simulator's live subscription
sets; ``rate_violations`` picks Upbit's rate-limit hits out of the simulator's violations;
``figures`` puts everything into the JSON-able document the command prints last, and ``lines``
renders it for people. ``failures`` lists the reasons for a non-zero exit status.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from upbit_actors.tools.chaos_ledger import Incident

__all__ = ["PRIVATE_TYPES", "failures", "figures", "lines", "rate_violations", "subscriptions", "tree_log"]

PRIVATE_TYPES = frozenset({"myOrder", "myAsset"})
"""Types the tree asks for on the private connection; every other type goes on the public one."""
_NUMBERS = re.compile(r"ActorAddr-\S+|\d+")
_EXCEPTION = re.compile(r"^[A-Za-z_.]*(Error|Exception|Interrupt)\b")
RATE_KINDS = ("message_rate", "handshake_rate")
MEMORY_SPAN = 60.0
"""Seconds a hub must have run between its first and last RSS samples for its growth to count in
``rss_growth`` (a shorter life says nothing about leaks)."""
"""The simulator's violation kinds that are Upbit rate-limit hits (SPEC §5)."""


def _live(stats: Mapping[str, Any]) -> dict[str, set[tuple[str, str]]]:
    """Path (``public``/``private``) -> the (type, code) keys of its open connections."""
    paths = {str(c["id"]): c["path"] for c in stats.get("connections", ()) if c.get("closed") is None}
    out: dict[str, set[tuple[str, str]]] = {"public": set(), "private": set()}
    for conn_id, entries in stats.get("subscriptions", {}).items():
        keys = out.setdefault(paths.get(str(conn_id), "?"), set())
        for entry in entries:
            codes = entry.get("codes") or ["*"]
            keys.update((entry["type"], code.partition(".")[0]) for code in codes)
    return out


def subscriptions(wanted: Mapping[str, Sequence[tuple[str, str]]],
                  stats: Mapping[str, Any]) -> dict[str, Any]:
    """What is lost: every (consumer, type, code) asked for that no open connection of the
    right path holds; also what is held that nobody asked for, and open connections per path."""
    live = _live(stats)
    missing = [f"{consumer} {kind}:{code}" for consumer, keys in wanted.items() for kind, code in keys
               if (kind, code) not in live["private" if kind in PRIVATE_TYPES else "public"]]
    asked = {key for keys in wanted.values() for key in keys}
    extra = sorted(f"{kind}:{code}" for keys in live.values() for kind, code in keys if (kind, code) not in asked)
    open_paths: dict[str, int] = {}
    for conn in stats.get("connections", ()):
        if conn.get("closed") is None:
            open_paths[conn["path"]] = open_paths.get(conn["path"], 0) + 1
    return {"lost": len(missing), "missing": missing, "extra": extra, "open_connections": open_paths}


def rate_violations(stats: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [v for v in stats.get("violations", ()) if v.get("kind") in RATE_KINDS]


def _recoveries(incidents: Sequence[Incident]) -> dict[str, Any]:
    done = [i for i in incidents if i.outcome == "recovered" and i.recovery is not None]
    if not done:
        return {"count": 0}
    times = sorted(i.recovery for i in done)
    slowest = max(done, key=lambda i: i.recovery)
    return {"count": len(done), "p50": round(statistics.median(times), 2), "max": round(slowest.recovery, 2),
            "slowest": slowest.as_dict()}


def figures(*, seconds: float, seed: int, incidents: Sequence[Incident], escalations: Sequence[dict],
            totals: Mapping[str, int], subs: Mapping[str, Any], violations: Sequence[dict],
            memory: Sequence[Mapping[str, Any]], command_rss: Sequence[int], leftovers: Sequence[int],
            hubs: int, tree_log: Mapping[str, Any], notes: Sequence[str]) -> dict[str, Any]:
    """The run's JSON document (the command's last line). ``memory``: per hub, its first and
    latest RSS samples (role -> bytes) and the seconds between them; ``command_rss``: this
    process's RSS when the first hub flowed and at the end."""
    kills = [i for i in incidents if i.kind == "kill"]
    faults = [i for i in incidents if i.kind == "fault"]
    per_hub = []
    for m in memory:
        # Like with like: the roles sampled at both ends (a killed admin is missing at the end).
        common = set(m["start"]) & set(m["end"])
        start, end = sum(m["start"][r] for r in common), sum(m["end"][r] for r in common)
        per_hub.append({"hub": m["hub"], "seconds": m["seconds"], "processes": len(common),
                        "start": start, "end": end,
                        "growth": round(end / start - 1.0, 4) if start else None,
                        "by_role": {r: [m["start"][r], m["end"][r]] for r in sorted(common)}})
    lived = [e["growth"] for e in per_hub if e["seconds"] >= MEMORY_SPAN and e["growth"] is not None]
    first, last = (memory[0], memory[-1]) if memory else ({}, {})
    across = (sum(first["start"].values()), sum(last["end"].values())) if memory else (0, 0)

    def outcomes(group: Sequence[Incident]) -> dict[str, int]:
        out: dict[str, int] = {}
        for i in group:
            out[i.outcome] = out.get(i.outcome, 0) + 1
        return out

    return {
        "chaos": "done", "seconds": round(seconds, 1), "seed": seed, "hubs": hubs,
        "events_delivered": totals.get("events", 0), "duplicates": totals.get("duplicates", 0),
        "snapshot_repeats_after_reconnect": totals.get("snapshot_repeats", 0),
        "repeats_left_out_by_decoders": totals.get("left_out", 0),
        "subscriptions_lost": subs.get("lost", 0), "subscriptions_missing": list(subs.get("missing", ())),
        "subscriptions_extra": list(subs.get("extra", ())), "open_connections": subs.get("open_connections", {}),
        "violations": len(violations), "violation_details": list(violations)[:10],
        "faults": len(faults), "fault_outcomes": outcomes(faults), "kills": len(kills),
        "kill_outcomes": outcomes(kills),
        "kills_neither_recovered_nor_escalated": sum(1 for i in kills if i.outcome not in ("recovered", "escalated")),
        "faults_unrecovered": sum(1 for i in faults if i.outcome == "unrecovered"),
        "escalations": list(escalations),
        "recovery": {"all": _recoveries(incidents), "faults": _recoveries(faults), "kills": _recoveries(kills)},
        "slowest_recovery": _recoveries(incidents).get("max"),
        "rss_growth": max(lived) if lived else None, "rss_hubs": per_hub,
        "rss_start": dict(first.get("start", {})), "rss_end": dict(last.get("end", {})),
        "rss_total_start": across[0] or None, "rss_total_end": across[1] or None,
        "rss_growth_across_hubs": round(across[1] / across[0] - 1.0, 4) if across[0] else None,
        "command_rss": list(command_rss),
        "tree_log": dict(tree_log),
        "leftover_processes": len(leftovers), "leftover_pids": list(leftovers),
        "unrecovered": [i.as_dict() for i in incidents if i.outcome == "unrecovered"],
        "notes": list(notes),
    }


def failures(doc: Mapping[str, Any]) -> list[str]:
    """Why the run failed (empty: it passed). See ``tools/chaos.py`` for the rule."""
    out = []
    for key, label in (("subscriptions_lost", "subscriptions lost"), ("violations", "rate-limit violations"),
                       ("leftover_processes", "processes left after stop"),
                       ("kills_neither_recovered_nor_escalated", "kills neither recovered nor escalated"),
                       ("faults_unrecovered", "faults not recovered")):
        if doc.get(key):
            out.append(f"{label}: {doc[key]}")
    return out


def _mb(value: int | None) -> str:
    return "-" if value is None else f"{value / 2**20:.0f} MB"


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:+.1%}"


def _memory_lines(doc: Mapping[str, Any]) -> list[str]:
    start, end = doc["rss_start"], doc["rss_end"]
    growth = doc["rss_growth"]
    out = [(f"  RSS growth                  {_pct(growth)} (the largest of one hub's tree from its start "
            f"to its last sample, hubs that ran {MEMORY_SPAN:.0f} s or more)")]
    out.extend(f"    hub {e['hub']}: {_mb(e['start'])} -> {_mb(e['end'])} ({_pct(e['growth'])}) over "
               f"{e['seconds']:.0f} s, {e['processes']} processes sampled at both ends" for e in doc["rss_hubs"])
    command = doc["command_rss"]
    out.append(f"  RSS of the tree             {_mb(doc['rss_total_start'])} (hub 1 at start) -> "
               f"{_mb(doc['rss_total_end'])} (last hub at end), {_pct(doc['rss_growth_across_hubs'])}"
               + (f"; this command's own RSS {_mb(command[0])} -> {_mb(command[-1])}, inherited by every "
                  f"tree forked later" if len(command) > 1 else ""))
    for role in sorted(set(start) | set(end)):
        out.append(f"    {role:<22} {_mb(start.get(role)):>7} -> {_mb(end.get(role)):>7}")
    return out


def tree_log(text: str) -> dict[str, Any]:
    """Counts of what the tree's processes wrote to stderr (their log records and tracebacks),
    and its most frequent lines with numbers and addresses folded."""
    rows = text.splitlines()
    # A record's text after its time, level and pid; the last line of a traceback (no indent).
    folded = Counter(_NUMBERS.sub("#", row)[:120] for row in rows
                     if " WARNING " in row or " ERROR " in row or _EXCEPTION.match(row))
    return {"lines": len(rows), "warnings": sum("WARNING" in r for r in rows),
            "errors": sum(" ERROR " in r for r in rows),
            "tracebacks": sum(r.startswith("Traceback") for r in rows), "top": folded.most_common(5)}


def lines(doc: Mapping[str, Any]) -> list[str]:
    """The readable summary of ``figures``."""
    rec = doc["recovery"]

    def rec_text(r: Mapping[str, Any]) -> str:
        if not r.get("count"):
            return "none"
        s = r["slowest"]
        return (f"{r['count']} recovered, median {r['p50']} s, slowest {r['max']} s "
                f"(#{s['n']} {s['what']}, waiting for {s['slowest']})")

    out = [
        f"chaos: {doc['seconds']} s, seed {doc['seed']}, {doc['hubs']} hub(s) started",
        f"  events delivered            {doc['events_delivered']:,}",
        (f"  duplicates                  {doc['duplicates']} (a trade seen twice by one consumer "
         f"in its life, not as a snapshot)"),
        (f"  snapshot repeats            {doc['snapshot_repeats_after_reconnect']} reached user code; "
         f"{doc['repeats_left_out_by_decoders']} left out by the consumers' decoders (the last trade "
         f"per code resent as a snapshot after a reconnect, issue 13)"),
        f"  subscriptions lost          {doc['subscriptions_lost']}"
        + (f": {', '.join(doc['subscriptions_missing'][:8])}" if doc["subscriptions_missing"] else "")
        + (f"; held but not asked for: {', '.join(doc['subscriptions_extra'][:8])}" if doc["subscriptions_extra"] else "")
        + f"; open connections {doc['open_connections']}",
        f"  rate-limit violations       {doc['violations']}",
        f"  faults                      {doc['faults']} {doc['fault_outcomes']}",
        f"  kills                       {doc['kills']} {doc['kill_outcomes']}",
        f"  escalations (loud)          {len(doc['escalations'])}: "
        + ("; ".join(f"hub {e['epoch']} after {e['cause']}"
                     + (f" (failed {e['noticed_after']} s later)" if e["noticed_after"] is not None else "")
                     for e in doc["escalations"]) or "none"),
        f"  recovery, faults            {rec_text(rec['faults'])}",
        f"  recovery, kills             {rec_text(rec['kills'])}",
        f"  slowest recovery            {doc['slowest_recovery']} s",
    ]
    out.extend(_memory_lines(doc))
    out.append(f"  processes left after stop   {doc['leftover_processes']}"
               + (f" {doc['leftover_pids']}" if doc["leftover_pids"] else ""))
    for incident in doc["unrecovered"]:
        out.append(f"  UNRECOVERED #{incident['n']} {incident['kind']} {incident['what']} "
                   f"(hub {incident['epoch']}): waiting for {incident['slowest']}")
    log = doc["tree_log"]
    if log.get("lines"):
        out.append(f"  tree's stderr               {log['lines']} lines, {log['warnings']} warnings, "
                   f"{log['errors']} errors, {log['tracebacks']} tracebacks"
                   + "".join(f"\n    {n} x {text}" for text, n in log["top"]))
    out.extend(f"  note: {note}" for note in doc["notes"])
    problems = failures(doc)
    out.append("result: " + ("FAILED: " + "; ".join(problems) if problems else "passed"))
    return out
