"""The wheel beside a bot that has its own ``actors``, ``messages``, ``system`` and ``tools`` (issue 10).

Builds the wheel from a copy of the tracked sources, installs it into a fresh virtual environment
(no access to this checkout or its editable install) and runs a small bot there. The bot spawns a
component of its own package ``actors.board`` (the actor processes import it by path), reads
events from the bundled simulator through it and through ``Hub.stream``, and reports which
``actors``/``messages``/``system``/``tools`` modules each process has loaded: only the bot's own.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.paths import REPO

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

FOLDERS = ("actors", "messages", "system", "tools")

BOARD = '''
"""The bot's own component, in the bot's own ``actors`` package."""
import sys

from upbit_actors import Component, DataType

import messages  # the bot's: must not be ours


def foreign_modules():
    """Modules named like the bot's packages that do not come from the bot's folder."""
    here = messages.BOT_HOME
    return sorted(n for n, m in list(sys.modules.items())
                  if n.split(".")[0] in ("actors", "messages", "system", "tools")
                  and not (getattr(m, "__file__", None) or "").startswith(here))


class Board(Component):
    def on_start(self):
        self.seen = 0
        self.subscribe(DataType.TICKER, self.params["codes"])

    def on_ticker(self, ticker):
        self.seen += 1

    def status_details(self):
        return {**super().status_details(), "seen": self.seen, "foreign": foreign_modules()}
'''

BOT = '''
"""A bot with packages named like upbit-actors' folders, using the installed wheel."""
import json
import sys
import time

import actors.board
import messages
import system
import tools
from upbit_actors import DataType, Hub, HubConfig
from upbit_actors.tools.sim import SimConfig, Simulator

CODES = ["KRW-BTC", "KRW-ETH"]

if __name__ == "__main__":
    result = {"bot_messages": messages.__file__, "bot_tools": tools.WHO, "bot_system": system.WHO}
    with Simulator(SimConfig(rate=200.0, markets=CODES)) as sim:
        with Hub(HubConfig(public_url=sim.public_url, private_url=sim.private_url)) as hub:
            hub.spawn(actors.board.Board, name="board", codes=CODES)
            with hub.stream(DataType.TRADE, CODES) as trades:
                result["stream_events"] = [type(trades.get(timeout=30)).__name__ for _ in range(3)]
            deadline = time.monotonic() + 60
            board = None
            while time.monotonic() < deadline:
                status = hub.status()
                board = next((a for a in status.actors if a.role == "component:board"), None)
                details = dict(board.details) if board is not None else {}
                if details.get("seen", 0) >= 3:
                    result["component"] = details
                    break
                time.sleep(0.2)
    result["hub_foreign"] = actors.board.foreign_modules()
    print(json.dumps(result))
'''


def _run(args: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, timeout=600, check=False, **kwargs)


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with the wheel (built from the tracked files) installed."""
    root = tmp_path_factory.mktemp("wheel")
    source = root / "source"
    tracked = _run(["git", "ls-files", "-z"], cwd=REPO).stdout.split("\0")
    for name in filter(None, tracked):
        if (REPO / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, source / name)
    built = _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(root / "dist"),
                  str(source)])
    assert built.returncode == 0, built.stderr[-2000:]
    wheel = next((root / "dist").glob("upbit_actors-*.whl"))
    env_dir = root / "venv"
    made = _run([sys.executable, "-m", "venv", str(env_dir)])
    assert made.returncode == 0, made.stderr
    python = env_dir / "bin" / "python"
    installed = _run([str(python), "-m", "pip", "install", "-q", str(wheel)])
    assert installed.returncode == 0, installed.stderr[-2000:]
    return env_dir


def _site_packages(env_dir: Path) -> Path:
    return next((env_dir / "lib").glob("python3*/site-packages"))


def test_the_wheel_installs_exactly_one_import_name(venv: Path) -> None:
    site = _site_packages(venv)
    record = next(site.glob("upbit_actors-*.dist-info")) / "RECORD"
    paths = [line.split(",")[0] for line in record.read_text().splitlines()]
    tops = {p.split("/")[0] for p in paths if not p.startswith("../")}  # ../../../bin: the script
    assert tops == {"upbit_actors", record.parent.name}
    assert not any((site / name).exists() for name in FOLDERS)
    assert (venv / "bin" / "upbit-actors").exists()


def test_a_bot_with_its_own_packages_runs_beside_the_wheel(venv: Path, tmp_path: Path) -> None:
    bot = tmp_path / "bot"
    for name in FOLDERS:
        (bot / name).mkdir(parents=True)
        (bot / name / "__init__.py").write_text(f"WHO = 'bot {name}'\nBOT_HOME = {str(bot)!r}\n")
    (bot / "actors" / "board.py").write_text(textwrap.dedent(BOARD))
    (bot / "run_bot.py").write_text(textwrap.dedent(BOT))
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = f"{venv / 'bin'}:{env.get('PATH', '')}"
    ran = _run([str(venv / "bin" / "python"), "run_bot.py"], cwd=bot, env=env)
    assert ran.returncode == 0, ran.stderr[-3000:]
    result = json.loads(ran.stdout.strip().splitlines()[-1])
    assert result["bot_messages"].startswith(str(bot))
    assert (result["bot_tools"], result["bot_system"]) == ("bot tools", "bot system")
    assert result["stream_events"] == ["Trade"] * 3
    assert result["component"]["seen"] >= 3, result
    assert result["component"]["foreign"] == [], "the project imported a bare module in an actor"
    assert result["hub_foreign"] == [], "the project imported a bare module in the bot's process"
