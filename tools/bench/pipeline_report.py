"""What ``bench pipeline`` prints: step rows as they are measured, then the summary.

Pure formatting of the figures ``pipeline_steps`` returns; the summary's ratios are computed here
(reader / baseline, within this run). Events/s are compared per consumer: 1.0 means each
consumer got what the bare reader got. CPU is compared per delivered event.
"""

from __future__ import annotations

from typing import Any

__all__ = ["STEP_HEADER", "memory_lines", "step_row", "summarize", "summary_lines", "ten_line"]

STEP_HEADER = (f"{'reader':<10} {'rate':>7} {'offer/s':>8} {'deliv/s':>8} {'per-cons':>8} "
               f"{'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} {'us/ev':>7} {'cores':>5} "
               f"{'lost':>7} {'r.drop':>7} {'r.repl':>7} {'other':>7}")


def _num(value: Any, width: int, digits: int = 1) -> str:
    if value is None:
        return f"{'-':>{width}}"
    if isinstance(value, float):
        return f"{value:>{width}.{digits}f}"
    return f"{value:>{width}}"


def step_row(reader: str, step: dict[str, Any]) -> str:
    """One measured step; ``other`` = lost but neither dropped nor replaced by the router (lost
    before it: the socket, or a connection the simulator cut as a slow consumer)."""
    lat, extra = step["latency_ms"], step["step"]
    dropped, replaced = extra.get("router_dropped", 0), extra.get("router_replaced", 0)
    notes = [] if extra["drained"] else ["not drained"]
    if extra["reconnects"]:
        notes.append(f"{extra['reconnects']} reconnect(s), simulator cut {extra['sim_slow_consumers']} "
                     "slow consumer(s)")
    return (f"{reader:<10} {step['rate']:>7} {step['offered_per_s']:>8} {step['delivered_per_s']:>8} "
            f"{step['per_consumer_per_s']:>8} {_num(lat['p50'], 7)} {_num(lat['p99'], 7)} "
            f"{_num(lat['max'], 7)} {_num(step['cpu_us_per_event'], 7)} {_num(step['cpu_cores'], 5, 2)} "
            f"{extra['lost']:>7} {dropped:>7} {replaced:>7} {extra['lost'] - dropped - replaced:>7}"
            + (f"  ({'; '.join(notes)})" if notes else ""))


def _ratio(value: float | None, base: float | None) -> float | None:
    if value is None or not base:
        return None
    return round(value / base, 2)


def summarize(steps: dict[str, list[dict]], latency_rates: list[str], top: str) -> dict[str, Any]:
    """Per reader: events/s at ``top`` (the highest step), latency at ``latency_rates``, CPU per
    event at those and at ``top``, and every ratio to ``baseline``."""
    def at(name: str, label: str) -> dict | None:
        return next((s for s in steps.get(name, ()) if s["rate"] == label), None)

    cpu_rates = list(dict.fromkeys([*latency_rates, top]))
    out = {}
    for name in steps:
        best, base = at(name, top), at("baseline", top)
        entry: dict[str, Any] = {
            "rate": top,
            "offered_per_s": best and best["offered_per_s"],
            "delivered_per_s": best and best["delivered_per_s"],
            "per_consumer_per_s": best and best["per_consumer_per_s"],
            "events_ratio": _ratio(best and best["per_consumer_per_s"], base and base["per_consumer_per_s"]),
            "latency_ms": {label: (at(name, label) or {}).get("latency_ms") for label in latency_rates},
            "cpu_us_per_event": {label: (at(name, label) or {}).get("cpu_us_per_event") for label in cpu_rates},
        }
        entry["cpu_ratio"] = {
            label: _ratio(entry["cpu_us_per_event"][label], (at("baseline", label) or {}).get("cpu_us_per_event"))
            for label in cpu_rates}
        out[name] = entry
    return out


def _lat(figures: dict | None) -> str:
    if not figures or figures.get("p50") is None:
        return f"{'-':>18}"
    return "/".join(f"{figures[k]:.1f}" if figures[k] is not None else "-"
                    for k in ("p50", "p99", "max")).rjust(18)


def summary_lines(summary: dict[str, Any], latency_rates: list[str], top: str) -> list[str]:
    """Two blocks: throughput and latency, then CPU per event; one row per reader each."""
    cpu_rates = list(dict.fromkeys([*latency_rates, top]))
    lines = [f"{'reader':<10} {'offer/s':>8} {'deliv/s':>8} {'per-cons':>8} {'x base':>6}  "
             + " ".join(f"{'p50/p99/max @' + r:>18}" for r in latency_rates) + f"   (events/s at {top}; ms)"]
    for name, entry in summary.items():
        lines.append(f"{name:<10} {_num(entry['offered_per_s'], 8)} {_num(entry['delivered_per_s'], 8)} "
                     f"{_num(entry['per_consumer_per_s'], 8)} {_num(entry['events_ratio'], 6, 2)}  "
                     + " ".join(_lat(entry["latency_ms"][r]) for r in latency_rates))
    lines.append(f"{'reader':<10} " + " ".join(f"{'us/ev @' + r:>12}" for r in cpu_rates) + "  "
                 + " ".join(f"{'x base @' + r:>13}" for r in cpu_rates))
    for name, entry in summary.items():
        lines.append(f"{name:<10} " + " ".join(_num(entry["cpu_us_per_event"][r], 12) for r in cpu_rates)
                     + "  " + " ".join(_num(entry["cpu_ratio"][r], 13, 2) for r in cpu_rates))
    return lines


def ten_line(name: str, step: dict[str, Any]) -> str:
    extra = step["step"]
    return (f"{name} at {step['rate']} frames/s: {step['delivered_per_s']} deliveries/s in total "
            f"({step['per_consumer_per_s']}/s per component, {step['offered_per_s']} frames/s offered); "
            f"over the step {extra['delivered']} of {extra['expected_deliveries']} delivered, "
            f"{extra['lost']} lost (router dropped {extra.get('router_dropped', 0)}, replaced "
            f"{extra.get('router_replaced', 0)}; components told of {extra.get('component_dropped', 0)} dropped; "
            f"{extra['reconnects']} reconnect(s))")


def memory_lines(name: str, run: dict[str, Any]) -> list[str]:
    growth = "-" if run["growth_pct"] is None else f"{run['growth_pct']:+.1f} %"
    lines = [(f"{name}: RSS {run['before_mb']} MB -> {run['after_mb']} MB ({growth}) over "
              f"{run['events']} events in {run['seconds']} s")]
    for row in run["processes"]:
        growth = "-" if row["growth_pct"] is None else f"{row['growth_pct']:+.1f} %"
        lines.append(f"    {row['pid']:>7} {row['role']:<34} {row['before_mb']:>7.1f} -> "
                     f"{row['after_mb']:>7.1f} MB  {growth}")
    return lines
