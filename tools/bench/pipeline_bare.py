"""The baseline of ``bench pipeline``: a bare websocket-client + orjson reader in its own process.

What a bot without this package would write: one blocking ``recv_data`` loop that decodes each
frame with ``orjson.loads`` and looks at its ``timestamp``. The same ``Recorder`` as every other
reader notes the event. A second thread, blocked on stdin all the time, answers a ``snapshot``
line with the recorder's cumulative figures (one JSON line on stdout) and ``stop`` (or end of
input) by shutting the socket down, so the loop itself never polls anything.

Run as ``python -m upbit_actors.tools.bench.pipeline_bare URL REQUEST``; it prints
``{"ready": true}`` once subscribed and ``{"error": ...}`` if the loop ends on its own. (A plain
subprocess, not ``multiprocessing``: spawn would re-import the caller's main module.)
"""

from __future__ import annotations

import contextlib
import json
import socket
import sys
import threading
import time

from upbit_actors.tools.bench.pipeline_stats import Recorder, bucket

__all__ = ["main", "serve"]

_out_lock = threading.Lock()


def _say(item: dict) -> None:
    with _out_lock:
        sys.stdout.write(json.dumps(item) + "\n")
        sys.stdout.flush()


def _control(recorder: Recorder, ws, stopping: threading.Event) -> None:
    for line in sys.stdin:
        if line.strip() != "snapshot":
            break
        _say(recorder.snapshot(time.time()).as_dict())
    stopping.set()  # "stop" or end of input
    with contextlib.suppress(OSError):
        ws.sock.shutdown(socket.SHUT_RDWR)


def serve(url: str, request: str) -> None:
    """Read until told to stop (see the module docstring)."""
    import orjson
    import websocket

    ws = websocket.create_connection(url, timeout=10, skip_utf8_validation=True)
    ws.settimeout(None)
    ws.send(request)
    recorder = Recorder()
    stopping = threading.Event()
    _say({"ready": True})
    threading.Thread(target=_control, args=(recorder, ws, stopping), daemon=True).start()
    loads, clock, buckets = orjson.loads, time.time, recorder.buckets
    error = None
    try:
        while True:
            opcode, data = ws.recv_data()
            if opcode == websocket.ABNF.OPCODE_CLOSE:
                error = "the server closed the connection"
                break
            event = loads(data)
            now_ms = clock() * 1000.0
            recorder.count += 1
            stamp = event.get("timestamp")
            if stamp:
                buckets[bucket(now_ms - stamp)] += 1
    except Exception as exc:  # noqa: BLE001 - the stop request shuts the socket: the normal way out
        if not stopping.is_set():
            error = repr(exc)
    finally:
        with contextlib.suppress(Exception):
            ws.close(timeout=0.2)
    if error is not None and not stopping.is_set():
        _say({"error": error})


def main() -> None:
    serve(sys.argv[1], sys.argv[2])


if __name__ == "__main__":
    main()
