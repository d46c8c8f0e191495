"""``upbit-actors bench hop`` as a user runs it: a row of figures per pause, and no system left
behind (the figures themselves are never checked on a noisy 2-core machine)."""

from __future__ import annotations

import pytest

from tests.cli.conftest import run_cli

pytestmark = [pytest.mark.timeout(120)]


def test_one_row_per_pause() -> None:
    result = run_cli(["bench", "hop", "--count", "5", "--pauses", "0,2", "--payload", "100"], timeout=90)
    assert result.returncode == 0, result.stderr[-3000:]
    rows = [line.split() for line in result.stdout.splitlines() if line.strip()[:1].isdigit()]
    assert [row[0] for row in rows] == ["0", "2"]
    assert all(len(row) == 4 and all(float(x) >= 0 for x in row[1:]) for row in rows)
