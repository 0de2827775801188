"""Where the hot paths spend their time: py-spy on the real PostgreSQL stack, summed per source line.

    python -m bench.profile [--seconds 15] [--requests 300] [--out DIR]

Starts the stack as `make bench` does (private Redis, a fresh PostgreSQL database, the Procfile's
api and worker), then samples with py-spy (the `bench` extra):
  - the API's processes while wrk sends cached POSTs (`api-cached.txt`);
  - the API's and the worker's processes, idle threads included, while uncached POST ?wait=10
    are sent one after another (`api-uncached.txt`, `worker-uncached.txt`).
The files are py-spy's collapsed stacks (speedscope and flamegraph.pl read them). Then, for the
service's own functions on each path, it prints the share of the samples spent under each line,
with the line's text: where a request's time goes, in the code's own words.
"""

from __future__ import annotations

import argparse
import linecache
import signal
import subprocess
import sys
import tempfile
from collections import Counter
from contextlib import ExitStack
from pathlib import Path

from bench import bodies, load, stack
from bench.harness import prime, say, uncached_latency

SPY = str(Path(sys.executable).parent / "py-spy")
# (file the anchor comes from, function name as py-spy prints it) per path, outermost first.
CACHED = (("service/auth.py", "requires.<locals>.decorator.<locals>.guarded"),
          ("service/api/verifications.py", "create"), ("service/verification/accept.py", "submit"))
UNCACHED_API = CACHED + (("service/verification/accept.py", "_waited"),
                         ("service/verification/announcements.py", "Waiter.wait"))
UNCACHED_WORKER = (("service/verification/run.py", "run_many"), ("service/verification/store.py", "finish_all"),
                   ("service/verification/store.py", "finish"))


def record(pid: int, output: Path, seconds: float, idle: bool) -> subprocess.Popen:
    return subprocess.Popen(
        [SPY, "record", "--subprocesses", "--rate", "250", "--duration", str(round(seconds)), "--format", "raw",
         "--output", str(output), "--pid", str(pid), *(["--idle"] if idle else [])],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)


def stacks(path: Path) -> list[tuple[list[str], int]]:
    result = []
    for line in path.read_text().splitlines():
        frames, _, count = line.rpartition(" ")
        result.append((frames.split(";"), int(count)))
    return result


def by_line(samples: list[tuple[list[str], int]], file: str, function: str) -> tuple[int, Counter]:
    """Samples under `function` of `file`, and how they split over its lines (the innermost call of it)."""
    prefix = f"{function} ({file}:"
    total, lines = 0, Counter()
    for frames, count in samples:
        mine = [frame for frame in frames if frame.startswith(prefix)]
        if mine:
            total += count
            lines[int(mine[-1][len(prefix):-1])] += count
    return total, lines


def summary(title: str, path: Path, anchors, within: str) -> str:
    samples = [(frames, count) for frames, count in stacks(path) if any(within in frame for frame in frames)]
    everything = sum(count for _, count in samples) or 1
    out = [f"{title} ({path.name}: {everything} samples)"]
    for file, function in anchors:
        total, lines = by_line(samples, file, function)
        if not total:
            continue
        out.append(f"  {function.rsplit('.', 1)[-1]}() in {file}: {total / everything:.0%}")
        for number, count in lines.most_common(8):
            if count / everything >= 0.01:
                text = linecache.getline(str(stack.ROOT / file), number).strip()
                out.append(f"    {count / everything:5.1%}  line {number:<4} {text[:90]}")
    return "\n".join(out)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=15, help="wrk's cached POST run to sample (default 15)")
    parser.add_argument("--requests", type=int, default=300, help="uncached POSTs to sample (default 300)")
    parser.add_argument("--out", type=Path, default=stack.ROOT / "var" / "bench-profile", help="where the stacks go")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with ExitStack() as running:
        run_dir = Path(running.enter_context(tempfile.TemporaryDirectory(prefix="bv-profile-")))
        processes = stack.Processes(run_dir)
        running.callback(processes.stop_all)
        redis_url = running.enter_context(stack.private_redis(processes, run_dir))
        database_url = running.enter_context(stack.postgres_database())
        service = running.enter_context(stack.service(processes, "postgresql", database_url, redis_url, run_dir / "pg"))
        api, worker = processes.running[service.api].pid, processes.running[service.worker].pid
        client = load.Client(service.base_url, service.key)
        body = run_dir / "cached.json"
        body.write_bytes(bodies.cached())
        prime(client, bodies.cached())
        url = service.base_url + "/api/v1/verifications"
        load.wrk(url, 3, [str(body), service.key])
        say(f"sampling the API during {args.seconds:g} s of cached POSTs")
        spy = record(api, args.out / "api-cached.txt", args.seconds, idle=False)
        figures = load.wrk(url, args.seconds, [str(body), service.key])
        spy.wait()
        say(f"  {figures.rate:,.0f} req/s under py-spy; sampling the API and the worker during {args.requests} "
            "uncached POSTs")
        spies = [record(api, args.out / "api-uncached.txt", 600, idle=True),
                 record(worker, args.out / "worker-uncached.txt", 600, idle=True)]
        latency, _, _ = uncached_latency(client, "profile", args.requests)
        for spy in spies:
            spy.send_signal(signal.SIGINT)  # py-spy writes what it has and exits
            spy.wait(60)
        say(f"  p50 {latency.p50_ms:.1f} ms under py-spy")
        client.close()
    print(summary("Cached POST, API", args.out / "api-cached.txt", CACHED, "handle_request"))
    print(summary("Uncached POST ?wait=10, API", args.out / "api-uncached.txt", UNCACHED_API, "handle_request"))
    print(summary("Uncached POST ?wait=10, worker", args.out / "worker-uncached.txt", UNCACHED_WORKER,
                  "verify (workers/tasks.py"))
    print(f"stacks in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
