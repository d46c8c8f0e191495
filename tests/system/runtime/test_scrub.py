"""``scrub_keys``: the key variables leave the environment, the exec-time block included.

Each case runs in a fresh interpreter started with the keys in its environment (scrubbing the
test process would change what the other tests see), and reports back as JSON.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.paths import REPO
from upbit_actors.system.runtime import scrub

pytestmark = pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="Linux /proc")

CHILD = r"""
import json, os, posix, subprocess, sys
from upbit_actors.system.runtime.scrub import scrub_keys
blanked = scrub_keys()
pid = os.fork()
if pid == 0:  # a forked child (as the admin and every actor are) keeps the parent's block
    with open("/proc/self/environ", "rb") as f:
        os.write(1, f.read().hex().encode() + b"\n")
    os._exit(0)
os.waitpid(pid, 0)
with open("/proc/self/environ", "rb") as f:
    own = f.read()
execd = subprocess.run([sys.executable, "-c", "import os; print(os.environ.get('UPBIT_SECRET_KEY'))"],
                       capture_output=True, text=True).stdout.strip()
print(json.dumps({"blanked": blanked, "own": own.hex(), "execd": execd,
                  "os_environ": [k for k in os.environ if k in ("UPBIT_ACCESS_KEY", "UPBIT_SECRET_KEY")],
                  "posix_environ": [k.decode() for k in posix.environ if k in (b"UPBIT_ACCESS_KEY", b"UPBIT_SECRET_KEY")],
                  "other": os.environ.get("OTHER_VAR")}))
"""

ACCESS, SECRET = "AKscrub-0123456789", "SKscrub-abcdefghijklmnopqrstuvwxyz"


def test_keys_leave_the_block_the_environment_and_forked_and_exec_children() -> None:
    env = dict(os.environ, UPBIT_ACCESS_KEY=ACCESS, UPBIT_SECRET_KEY=SECRET, OTHER_VAR="kept",
               PYTHONPATH=str(REPO))
    done = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True, text=True,
                          timeout=60, check=True)
    forked_hex, report_line = done.stdout.splitlines()
    report = json.loads(report_line)
    assert report["blanked"] == 2
    for block in (bytes.fromhex(report["own"]), bytes.fromhex(forked_hex)):
        leaked = ACCESS.encode() in block or SECRET.encode() in block
        assert not leaked
        assert b"OTHER_VAR=kept\0" in block  # only the keys are touched
        entries = block.split(b"\0")
        assert b"UPBIT_SECRET_KEY=" in entries and b"UPBIT_ACCESS_KEY=" in entries
    assert report["execd"] == "None"
    assert report["os_environ"] == [] and report["posix_environ"] == []
    assert report["other"] == "kept"


def test_the_block_is_found_for_this_process() -> None:
    area = scrub.environ_block()
    assert area is not None and area[0] < area[1]
    assert scrub.environ_block(999_999_999) is None
