"""The README's embedding example, saved as one file as printed, runs and prints events (issue 10).

It runs as ``python board_bot.py`` against the bundled simulator (``UPBIT_PUBLIC_URL``). Two
broken variants show what happens to a component class that the actor processes cannot import
the way it was written: one line at ``spawn`` naming the fix, and no process left behind (the
forked actor processes keep the script's command line, THESPIAN.md, so a leftover is found by
it).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from tests.paths import REPO
from upbit_actors.tools.sim import SimConfig, Simulator

pytestmark = pytest.mark.slow


def readme_example() -> str:
    text = (REPO / "README.md").read_text()
    section = text[text.index("## Embedding in a bot"):]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match, "no python block in the README's embedding section"
    return match.group(1)


def run_script(path: Path, url: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "UPBIT_PUBLIC_URL": url, "PYTHONUNBUFFERED": "1"}
    env.pop("PYTHONPATH", None)
    return subprocess.run([sys.executable, path.name], cwd=path.parent, env=env, capture_output=True,
                          text=True, timeout=120, check=False)


def leftovers(path: Path) -> list[int]:
    """Processes still running with the script on their command line (forked actors keep it)."""
    deadline = time.monotonic() + 5  # the sweep already waited for them; allow reaping
    while True:
        left = []
        for proc in psutil.process_iter(["pid", "cmdline", "status"]):
            cmd = proc.info["cmdline"] or []
            if str(path.name) in cmd and proc.info["status"] != psutil.STATUS_ZOMBIE \
                    and proc.cwd() == str(path.parent):
                left.append(proc.info["pid"])
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.1)


@pytest.fixture(scope="module")
def sim() -> Simulator:
    with Simulator(SimConfig(rate=200.0, markets=["KRW-BTC", "KRW-ETH"])) as simulator:
        yield simulator


def test_the_readme_example_runs_as_printed(sim: Simulator, tmp_path: Path) -> None:
    script = tmp_path / "board_bot.py"
    script.write_text(readme_example())
    ran = run_script(script, sim.public_url)
    assert ran.returncode == 0, ran.stderr[-3000:]
    trades = [line for line in ran.stdout.splitlines() if line.startswith("trade KRW-BTC ")]
    assert len(trades) == 5, ran.stdout
    board = [line for line in ran.stdout.splitlines() if line.startswith("board ")]
    assert board and "KRW-BTC" in board[0] or "KRW-ETH" in board[0], ran.stdout
    assert leftovers(script) == []


@pytest.mark.parametrize("variant", ["no_main_guard", "class_in_function"])
def test_an_unimportable_component_is_one_line_at_spawn(sim: Simulator, tmp_path: Path,
                                                         variant: str) -> None:
    code = readme_example()
    if variant == "no_main_guard":  # importing the script would start a second hub
        code = code.replace('if __name__ == "__main__":', "if True:")
    else:
        code = code.replace("class Board(Component):", "def make():\n  class Board(Component):\n"
                            "    pass\n  return Board\n\n\nclass _Unused(Component):")
        code = code.replace("hub.spawn(Board,", "hub.spawn(make(),")
    script = tmp_path / "board_bot.py"
    script.write_text(code)
    ran = run_script(script, sim.public_url)
    assert ran.returncode != 0
    last = ran.stderr.strip().splitlines()[-1]
    assert last.startswith("upbit_actors.system.errors.HubError: cannot spawn component 'board'") \
        or last.startswith("upbit_actors.system.errors.HubError:"), ran.stderr[-2000:]
    expected = "__main__" if variant == "no_main_guard" else "inside a function"
    assert expected in last, last
    assert leftovers(script) == []
