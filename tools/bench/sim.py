"""``upbit-actors bench sim``: the frames/s the simulator sustains to 1 and to several readers.

The simulator runs in this process (its own thread and loop). For each reader count and each
configured rate, fresh readers in separate processes (so they do not share the simulator's GIL)
subscribe to every public type of every code, realtime only, so each one is *asked* for the
whole configured rate (at high rates over 99% of it is ticker + trade). Once all readers are
connected the rate is set, and after a warm-up every reader counts what it receives in the same
wall-clock window. Readers:

- ``client`` (default): a bare websocket-client ``recv_data`` + ``orjson.loads`` loop, what a
  Python bot reads with;
- ``raw``: counts RFC 6455 frames in large ``recv`` chunks (parses 1 frame in 64), to measure
  the simulator beyond what a websocket-client reader can take.

Each line prints asked, delivered per reader (the slowest one), their ratio, the frame age
(receive time - the frame's ``timestamp``, 1 frame in 64), the simulator thread's CPU share (and
its CPU time per frame it made, which a busy machine does not distort much) and
what limited the step: ``sim`` when its pacer had to forgive frames it could not make in time
(its own cost, or too little CPU left by the readers and the machine: see its CPU share), else
``readers``. A rate is *sustained* when every reader got at least ``--tolerance`` of it
and nobody was cut off as a slow consumer. The last line is JSON: per reader count, the highest
rate sustained with every lower rate sustained too, and the best delivered per reader.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import threading
import time
from multiprocessing.connection import Connection
from typing import Any

from upbit_actors.system.errors import SimulatorError

__all__ = ["HELP", "add_arguments", "run"]

HELP = "frames/s the simulator sustains to 1 and to several concurrent readers"

_TYPES = ("ticker", "trade", "orderbook", "candle.1s", "candle.1m", "candle.3m", "candle.5m", "candle.10m",
          "candle.15m", "candle.30m", "candle.60m", "candle.240m")
_SAMPLE = 63
"""Frame age is measured on 1 frame in 64 (``count & 63 == 0``)."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rates", default="10000,20000,30000,40000,50000,60000,80000,100000,120000",
                        help="comma-separated frames/s to ask, in order (default %(default)s)")
    parser.add_argument("--readers", default="1,3", help="reader counts to run, in order (default %(default)s)")
    parser.add_argument("--reader", choices=("client", "raw"), default="client",
                        help="client: websocket-client + orjson loop; raw: frame counter (default %(default)s)")
    parser.add_argument("--nice", type=int, default=0,
                        help="niceness added to each reader process: with more readers than spare cores, "
                             "keeps them from starving the simulator being measured (default %(default)s)")
    parser.add_argument("--seconds", type=float, default=3.0, help="measured seconds per step")
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds at the rate before measuring")
    parser.add_argument("--markets", type=int, default=20, help="synthetic KRW codes (default %(default)s)")
    parser.add_argument("--number-style", choices=("wire", "plain"), default="wire")
    parser.add_argument("--format", default="DEFAULT", choices=("DEFAULT", "SIMPLE", "JSON_LIST", "SIMPLE_LIST"))
    parser.add_argument("--tape", type=int, default=0, metavar="EVENTS",
                        help="the simulator replays a tape of EVENTS market events (tools.sim.tape) "
                             "instead of its live market (default 0: live); books and candles then "
                             "stand still and the rate is tickers and trades only")
    parser.add_argument("--tolerance", type=float, default=0.95, help="delivered/asked to call it sustained")
    parser.add_argument("--stop-after-failures", type=int, default=2,
                        help="next reader count after this many unsustained rates")


def _reader(url: str, request: str, kind: str, seconds: float, nice: int, pipe: Connection) -> None:
    """Connect, subscribe, say ready, wait for the window start, count; send (count, bytes, ages)."""
    import orjson
    import websocket

    if nice:
        os.nice(nice)

    count = size = 0
    ages: list[float] = []
    error = None
    ws = websocket.create_connection(url, timeout=10, skip_utf8_validation=True)
    try:
        ws.send(request)
        pipe.send("ready")
        begin = pipe.recv()
        end = begin + seconds
        if kind == "client":
            count, size, ages = _client_loop(ws, orjson.loads, begin, end)
        else:
            count, size, ages = _raw_loop(ws.sock, orjson.loads, begin, end)
    except Exception as exc:  # noqa: BLE001 (reported, so the parent neither hangs nor hides it)
        error = repr(exc)
    finally:
        pipe.send((count, size, ages, error))
        ws.shutdown()  # abrupt: a reader far behind would take long to finish a closing handshake


def _age(obj: Any, now: float) -> float | None:
    if type(obj) is list:  # JSON_LIST / SIMPLE_LIST
        obj = obj[0] if obj else {}
    stamp = obj.get("timestamp") or obj.get("tms")
    return now * 1000 - stamp if stamp else None


def _client_loop(ws: Any, loads: Any, begin: float, end: float) -> tuple[int, int, list[float]]:
    recv, clock = ws.recv_data, time.time
    count = size = 0
    ages: list[float] = []
    while True:
        _, data = recv()
        now = clock()
        obj = loads(data)
        if now < begin:
            continue
        if now >= end:
            return count, size, ages
        count += 1
        size += len(data)
        if not count & _SAMPLE:
            age = _age(obj, now)
            if age is not None:
                ages.append(age)


def _raw_loop(sock: Any, loads: Any, begin: float, end: float) -> tuple[int, int, list[float]]:
    """RFC 6455 §5.2 server frames (unmasked): count them straight off the socket."""
    buf = b""
    count = size = 0
    ages: list[float] = []
    while True:
        chunk = sock.recv(1 << 20)
        now = time.time()
        if not chunk:
            raise ConnectionError("closed")
        buf += chunk
        i, n = 0, len(buf)
        while i + 2 <= n:
            length, head = buf[i + 1] & 0x7F, 2
            if length == 126:
                length, head = int.from_bytes(buf[i + 2:i + 4], "big"), 4
            elif length == 127:
                length, head = int.from_bytes(buf[i + 2:i + 10], "big"), 10
            if i + head + length > n:
                break
            if now >= begin:
                count += 1
                size += length
                if not count & _SAMPLE:
                    age = _age(loads(buf[i + head:i + head + length]), now)
                    if age is not None:
                        ages.append(age)
            i += head + length
        buf = buf[i:]
        if now >= end:
            return count, size, ages


def _sim_cpu() -> float:
    """CPU seconds of the simulator thread so far (Linux; 0.0 elsewhere)."""
    for thread in threading.enumerate():
        if thread.name == "upbit-sim" and thread.native_id:
            try:
                with open(f"/proc/self/task/{thread.native_id}/stat") as stat:
                    fields = stat.read().rpartition(")")[2].split()
                return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
            except OSError:
                return 0.0
    return 0.0


def _step(sim: Any, rate: float, readers: int, args: argparse.Namespace, request: str) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    sim.set_rate(0.0)
    sim.reset()
    pipes, processes = [], []
    try:
        for _ in range(readers):
            parent, child = context.Pipe()
            process = context.Process(target=_reader, args=(sim.public_url, request, args.reader,
                                                             args.seconds, args.nice, child), daemon=True)
            process.start()
            pipes.append(parent)
            processes.append(process)
        for pipe in pipes:
            if not pipe.poll(30) or pipe.recv() != "ready":
                raise SimulatorError("a bench reader did not connect")
        sim.set_rate(rate)
        begin = time.time() + args.warmup
        for pipe in pipes:
            pipe.send(begin)
        time.sleep(max(0.0, begin - time.time()))
        cpu0, stats0 = _sim_cpu(), sim.stats()
        time.sleep(max(0.0, begin + args.seconds - time.time()))
        cpu1, stats = _sim_cpu(), sim.stats()
        results = [pipe.recv() if pipe.poll(args.seconds + 30) else (0, 0, [], "timeout") for pipe in pipes]
    finally:
        sim.set_rate(0.0)
        for process in processes:
            process.join(5)
            if process.is_alive():
                process.kill()  # our own child, by its handle
                process.join(5)
    forgiven0, forgiven1 = stats0["market"].get("forgiven"), stats["market"].get("forgiven")
    made = (sum(stats["frames_sent"].values()) - sum(stats0["frames_sent"].values())) / readers
    forgiven = None if forgiven0 is None or forgiven1 is None else forgiven1 - forgiven0
    delivered = [r[0] / args.seconds for r in results]
    ages = sorted(a for r in results for a in r[2])
    errors = [r[3] for r in results if r[3]]
    slow = any(v["kind"] == "slow_consumer" for v in stats["violations"])
    ratio = min(delivered) / rate if rate else 0.0
    return {
        "readers": readers, "asked": rate, "delivered_min": round(min(delivered)),
        "delivered_mean": round(statistics.fmean(delivered)), "ratio": round(ratio, 3),
        "mb_per_s": round(sum(r[1] for r in results) / args.seconds / 1e6, 1),
        "age_ms_p50": round(ages[len(ages) // 2], 1) if ages else None,
        "age_ms_p99": round(ages[int(len(ages) * 0.99)], 1) if ages else None,
        "sim_cpu": round((cpu1 - cpu0) / args.seconds, 2),
        # CPU per frame made and written (one encoding serves every reader): robust to a busy machine.
        "sim_us_per_frame": round((cpu1 - cpu0) / made * 1e6, 1) if made else None,
        "limited_by": "?" if forgiven is None else "sim" if forgiven > 0.01 * rate * args.seconds else "readers",
        "sustained": ratio >= args.tolerance and not slow and not errors,
        "errors": errors[:1] + (["slow_consumer"] if slow else []),
    }


def _line(r: dict[str, Any]) -> str:
    age = f"age p50 {r['age_ms_p50']:>6} ms p99 {r['age_ms_p99']:>6} ms" if r["age_ms_p50"] is not None else ""
    return (f"readers {r['readers']}  asked {r['asked']:>9.0f}/s  delivered {r['delivered_min']:>8}/s"
            f" per reader  ratio {r['ratio']:5.2f}  {r['mb_per_s']:6.1f} MB/s  {age}  sim cpu"
            f" {r['sim_cpu'] * 100:3.0f}% ({r['sim_us_per_frame']} us/frame)  limit {r['limited_by']:<7}"
            f" {'sustained' if r['sustained'] else 'NOT sustained'}"
            + (f"  ({', '.join(r['errors'])})" if r["errors"] else ""))


def run(args: argparse.Namespace) -> int:
    from upbit_actors.tools.sim import SimConfig, Simulator
    from upbit_actors.tools.sim.markets import synthetic_codes

    rates = [float(r) for r in args.rates.split(",") if r]
    counts = [int(n) for n in args.readers.split(",") if n]
    config = SimConfig(rate=0.0, markets=args.markets, number_style=args.number_style, handshake_limit=0,
                       idle_timeout=0, message_limits=(), control_port=None, tape=args.tape)
    codes = synthetic_codes(args.markets)
    request = [{"ticket": "bench"}, *({"type": t, "codes": codes, "is_only_realtime": True} for t in _TYPES),
               {"format": args.format}]
    results: list[dict[str, Any]] = []
    summary: dict[str, Any] = {}
    with Simulator(config) as sim:
        for readers in counts:
            failures, contiguous, best = 0, 0.0, 0
            for rate in rates:
                result = _step(sim, rate, readers, args, json.dumps(request))
                results.append(result)
                print(_line(result), flush=True)
                best = max(best, result["delivered_min"])
                if result["sustained"] and not failures:
                    contiguous = rate
                failures += not result["sustained"]
                if failures >= args.stop_after_failures:
                    break
            summary[str(readers)] = {"highest_sustained_rate": contiguous, "best_delivered_per_reader": best}
    print(json.dumps({"reader": args.reader, "nice": args.nice, "markets": args.markets, "format": args.format,
                      "number_style": args.number_style, "sustained": summary, "results": results}))
    return 0
