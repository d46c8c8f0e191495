"""``upbit-actors bench pipeline --quick`` as a user runs it: it completes and its last line is the
JSON of every figure. Figures are never checked (a benchmark on a noisy 2-core machine), only
that each is there.
"""

from __future__ import annotations

import json

import pytest

from tests.cli.conftest import run_cli

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

READERS = {"baseline", "component", "stream", "ten", "by-slow"}
STEP_KEYS = {"rate", "configured", "offered_per_s", "delivered_per_s", "per_consumer_per_s", "latency_ms",
             "cpu_us_per_event", "cpu_cores", "step"}
SUMMARY_KEYS = {"rate", "offered_per_s", "delivered_per_s", "per_consumer_per_s", "events_ratio",
                "latency_ms", "cpu_us_per_event", "cpu_ratio"}
MEMORY_KEYS = {"events", "target", "seconds", "before_mb", "after_mb", "growth_pct", "processes"}


def test_quick_run_completes_and_prints_every_figure() -> None:
    result = run_cli(["bench", "pipeline", "--quick"], timeout=240)
    assert result.returncode == 0, result.stderr[-3000:]
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert {"bench", "config", "summary", "readers", "ten_components", "memory", "tree_logs"} <= set(figures)
    assert set(figures["readers"]) == READERS
    assert set(figures["summary"]) == READERS
    for name in READERS:
        steps = figures["readers"][name]["steps"]
        assert [step["rate"] for step in steps] == figures["config"]["rates"]
        assert all(STEP_KEYS <= set(step) for step in steps), name
        assert SUMMARY_KEYS <= set(figures["summary"][name])
        assert set(figures["summary"][name]["latency_ms"]) == {"1000", "5000"}
    assert STEP_KEYS <= set(figures["ten_components"])
    assert {"lost", "expected_deliveries", "delivered"} <= set(figures["ten_components"]["step"])
    assert figures["memory"] and all(MEMORY_KEYS <= set(run) for run in figures["memory"].values())
