"""``wait_for``: the one polling helper every test package uses."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


def wait_for(check: Callable[[], Any], timeout: float = 30.0, what: str = "condition",
             interval: float = 0.05) -> Any:
    """Poll ``check`` every ``interval`` seconds until it returns something truthy (returned);
    fail after ``timeout`` seconds (generous: a loaded 2-core machine is slow, a pass is fast)."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what} ({timeout} s)")
        time.sleep(interval)
