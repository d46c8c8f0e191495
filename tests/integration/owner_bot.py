"""A bot as users write one, run as its own process by the owner and environment tests.

``python -m tests.integration.owner_bot MODE`` reads the URLs (``UPBIT_PUBLIC_URL`` /
``UPBIT_PRIVATE_URL``) and the keys (``UPBIT_ACCESS_KEY`` / ``UPBIT_SECRET_KEY``, if set) from
its environment, starts a ``Hub``, prints one JSON line ``{"pid", "admin_port"}``, then prints
``event TYPE`` for every event of its stream (myAsset with keys, else ticker KRW-BTC). MODE:

- ``run``: streams until a signal ends it (no handler of its own: Python's defaults);
- ``raise``: raises an uncaught ``RuntimeError`` after the first event;
- ``handler``: installs its own SIGTERM handler first (it prints ``handled`` and exits 7 after
  the stream loop ends), to show that the hub's handler chains to it;
- ``stuck``: like ``run``, with a component that hangs (``bots.Stuck``) and never exits by itself.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import sys

from upbit_actors import DataType, Hub, HubConfig
from upbit_actors.system.jwt.credentials import load_credentials


def main(mode: str) -> int:
    stop = []
    if mode == "handler":
        signal.signal(signal.SIGTERM, lambda *_: stop.append(True))
    credentials = load_credentials()  # before the hub starts: it removes the keys from os.environ
    hub = Hub(HubConfig.from_env(), credentials=credentials).start()
    if mode == "stuck":
        from tests.integration.bots import Stuck

        hub.spawn(Stuck, "stuck")
    print(json.dumps({"pid": os.getpid(), "admin_port": hub.admin_port}), flush=True)
    data_type, codes = (DataType.MY_ASSET, ()) if credentials else (DataType.TICKER, ["KRW-BTC"])
    with hub.stream(data_type, codes) as stream:
        while not stop:
            try:
                event = stream.get(timeout=0.2)
            except queue.Empty:  # look at the stop flag again
                continue
            print(f"event {type(event).__name__}", flush=True)
            if mode == "raise":
                raise RuntimeError("the bot fails")
    print("handled", flush=True)
    return 7


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
