"""`python -m bench`: start the stack, take every figure with its reference, print the table and the summary.

The run, in order (each stage says what it does on standard error as it goes):
  1. rules: bench/rules.py's measure(), before anything else runs, so nothing competes for the CPU
  2. a private redis-server and the run's PostgreSQL database; the ceiling app under gunicorn.conf.py
     and the reference Celery worker, idle
  3. SQLite, then PostgreSQL: migrate, key, the Procfile's api and worker; wrk on a cached POST;
     sequential uncached POSTs with ?wait=10. On PostgreSQL, wrk on the ceiling (then on the ceiling
     with one durable write: the floor of a cached POST) comes right before the cached POSTs, and the
     `noop.delay().get()` round trips (then the ones carrying a row, the floor of an uncached POST)
     right before the uncached ones, which alternate with the same floor behind the ceiling app's
     POST /carry (row 3c: one of each in turn, so their ratio sees the same load); then the batch
  4. PostgreSQL again with fresh processes: RSS after the first 1,000 and after 100,000 requests
"""

from __future__ import annotations

import argparse
import gc
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

import orjson
import psycopg
import redis

from bench import batch, bodies, cpu, load, rules, stack
from bench.report import BACKENDS, Memory, Results, render, render_cpu, render_uncached_cpu, summary

STARTED = time.monotonic()


def say(message: str) -> None:
    elapsed = int(time.monotonic() - STARTED)
    print(f"[bench {elapsed // 60:d}:{elapsed % 60:02d}] {message}", file=sys.stderr, flush=True)


def options(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=12, help="length of each wrk measurement (default 12)")
    parser.add_argument("--warmup", type=float, default=3, help="wrk warm-up before each measurement (default 3)")
    parser.add_argument("--round-trips", type=int, default=300, help="sequential Celery round trips (default 300)")
    parser.add_argument("--uncached", type=int, default=300, help="sequential uncached POSTs per database (default 300)")
    parser.add_argument("--batch-rows", type=int, default=10_000, help="rows in the batch (default 10000)")
    parser.add_argument("--memory-first", type=int, default=1_000, help="requests before the first RSS sample (default 1000)")
    parser.add_argument("--memory-last", type=int, default=100_000, help="requests before the last RSS sample (default 100000)")
    parser.add_argument("--memory-seconds", type=float, default=380,
                        help="at most this long for them, so the run keeps to ~8 minutes (default 380)")
    parser.add_argument("--keep", action="store_true", help="keep the run's directory (logs of every process)")
    parser.add_argument("--cached-only", action="store_true",
                        help="only rows 1, 1b and 2 (the cached path, both databases): about a minute at the defaults")
    parser.add_argument("--uncached-only", action="store_true",
                        help="only rows 3, 3b, 3c and 4 (the uncached path, both databases)")
    return parser.parse_args(argv)


def plan(args: argparse.Namespace) -> str:
    return (f"{os.cpu_count()} cores (load average {os.getloadavg()[0]:.2f} before the run); gunicorn {os.environ.get('WEB_CONCURRENCY', '2')} workers × "
            f"{os.environ.get('BV_THREADS', '16')} threads (gunicorn.conf.py); Celery prefork, default concurrency; "
            f"wrk {load.THREADS} threads, {load.CONNECTIONS} connections, {args.warmup:g} s warm-up + {args.seconds:g} s; "
            f"{args.round_trips} Celery round trips; {args.uncached} uncached POSTs per database; "
            f"batch {args.batch_rows:,} rows; RSS after {args.memory_first:,} and {args.memory_last:,} requests "
            f"(at most {args.memory_seconds:g} s)")


def throughput(url: str, args: argparse.Namespace, server: subprocess.Popen, redis_server: subprocess.Popen,
               wrk_args: list[str] = ()) -> load.Throughput:
    """wrk's figures after a warm-up, with the CPU each request cost the server, PostgreSQL, Redis and wrk."""
    load.wrk(url, args.warmup, wrk_args)
    meter = cpu.Meter(server.pid, redis_server.pid)  # each leads its own process group
    figures = load.wrk(url, args.seconds, wrk_args)
    figures.cpu_ms = meter.per_request(figures.requests)
    return figures


def celery_round_trips(redis_url: str, count: int) -> load.Latency:
    os.environ["BV_BENCH_REDIS_URL"] = redis_url
    from bench.celery_reference import app, noop

    noop.delay().get(timeout=90)  # the first waits for the worker to come up
    for _ in range(30):
        noop.delay().get(timeout=10)
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        noop.delay().get(timeout=10)
        samples.append((time.perf_counter() - started) * 1000)
    _close(app)
    return load.Latency(samples)


def carried_round_trips(redis_url: str, database_url: str, count: int) -> load.Latency:
    """The floor of an uncached verification: insert a row (committed), then `carry.delay(id).get()`."""
    os.environ["BV_BENCH_REDIS_URL"] = redis_url
    from bench.celery_reference import TABLE, app, carry

    body = bodies.cached().decode()
    samples = []
    with psycopg.connect(database_url, autocommit=True) as database:
        for number in range(30 + count):
            started = time.perf_counter()
            row_id = uuid.uuid4()
            database.execute(f"INSERT INTO {TABLE} (id, state, body) VALUES (%s, 'queued', %s)",
                             (row_id, body))
            carry.delay(str(row_id)).get(timeout=10)
            if number >= 30:
                samples.append((time.perf_counter() - started) * 1000)
    _close(app)
    return load.Latency(samples)


def _close(app) -> None:
    # Results still held in reference cycles would unsubscribe when collected at exit, with Redis gone by then:
    # Celery retries that for minutes.
    gc.collect()
    app.close()


def carrier_over_http(ceiling_url: str):
    """The floor of an uncached POST as a client sees it: a function that POSTs the ceiling app's /carry once
    (the row carried through Celery, as in carried_round_trips) over a keep-alive connection and answers its
    milliseconds. It is timed one call at a time between the service's uncached POSTs (`uncached_latency`), so
    that the ratio of the two sees the same moment of a shared machine."""
    client = load.Client(ceiling_url.rstrip("/"), "no-key")
    body = bodies.cached()

    def carry() -> float:
        status, _, seconds = client.call("POST", "/carry", body)
        if status != 200:
            raise stack.StackError(f"the ceiling's /carry answered {status}")
        return seconds * 1000

    for _ in range(30):
        carry()
    return carry


def post_verification(client: load.Client, body: bytes, wait: int = 10) -> tuple[int, dict, float]:
    status, data, seconds = client.call("POST", f"/api/v1/verifications?wait={wait}", body)
    return status, orjson.loads(data) if data else {}, seconds


def prime(client: load.Client, body: bytes) -> None:
    """Send `body` until the service answers it from the cache."""
    for _ in range(2):
        status, document, _ = post_verification(client, body)
        if status != 200 or document.get("status") != "complete":
            raise stack.StackError(f"priming the cache: POST answered {status} {document.get('status')}")
    if not document.get("cached"):
        raise stack.StackError("priming the cache: the second identical POST was not answered from the cache")


def uncached_latency(client: load.Client, backend: str, count: int, alongside=None,
                     after_warmup=lambda: None) -> tuple[load.Latency, int, load.Latency | None]:
    """Client-side latency of `count` sequential POST ?wait=10 of requests never sent before; how many were not
    200; and, with `alongside` (a function answering milliseconds), its timings, one call before each POST."""
    for number in range(20):
        post_verification(client, bodies.new(number, f"W{backend[0]}"))
    after_warmup()
    samples, failures, beside = [], 0, []
    for number in range(count):
        if alongside is not None:
            beside.append(alongside())
        status, document, seconds = post_verification(client, bodies.new(number, f"U{backend[0]}"))
        if status != 200 or document.get("status") != "complete" or document.get("cached"):
            failures += 1
        samples.append(seconds * 1000)
    return load.Latency(samples), failures, load.Latency(beside) if beside else None


def wait_for_worker(database_url: str, timeout: float = 300) -> None:
    """Until no verification is queued or running: the worker has done all it was given."""
    deadline = time.monotonic() + timeout
    with psycopg.connect(database_url, autocommit=True) as connection:
        while time.monotonic() < deadline:
            pending = connection.execute(
                "SELECT count(*) FROM verifications WHERE status IN ('queued', 'running')").fetchone()[0]
            if not pending:
                return
            time.sleep(0.5)
    raise stack.StackError(f"the worker still had {pending} verifications after {timeout:.0f} s")


def memory(processes: stack.Processes, service: stack.Service, database_url: str, run_dir: Path,
           args: argparse.Namespace) -> Memory:
    cached_file, template_file = run_dir / "cached.json", run_dir / "template.json"
    cached_file.write_bytes(bodies.cached())
    template_file.write_bytes(bodies.template())
    client = load.Client(service.base_url, service.key)
    prime(client, bodies.cached())
    client.close()
    url = service.base_url + "/api/v1/verifications"
    api_pgid, worker_pgid = processes.running[service.api].pid, processes.running[service.worker].pid
    samples, sent = [], 2
    for phase, target, cap in (("a", args.memory_first, 120), ("b", args.memory_last, args.memory_seconds)):
        started = time.monotonic()
        figures = load.mix(url, target - sent, cached_file, template_file, service.key, phase, cap)
        sent += figures.requests
        say(f"  {figures.requests:,} requests in {time.monotonic() - started:.0f} s "
            f"({figures.rate:,.0f} req/s, {figures.non_2xx + figures.socket_errors} failed); waiting for the worker")
        wait_for_worker(database_url)
        samples.append((sent, stack.group_rss_bytes(api_pgid), stack.group_rss_bytes(worker_pgid)))
        say(f"  after {sent:,} requests: API {samples[-1][1] / 2**20:.0f} MiB, worker {samples[-1][2] / 2**20:.0f} MiB")
    (first, api_first, worker_first), (last, api_last, worker_last) = samples
    short = f"the {args.memory_seconds:g} s cap came before {args.memory_last:,}" if last < args.memory_last * 0.99 else ""
    return Memory(first, last, (api_first, api_last), (worker_first, worker_last), short)


def backend_figures(processes, results, backend, database_url, redis_url, run_dir, args,
                    before_cached=lambda: None, before_uncached=lambda: None, alongside_uncached=lambda: None) -> None:
    say(f"{BACKENDS[backend]}: migrate, make a key, start the API and the worker")
    with stack.service(processes, backend, database_url, redis_url, run_dir / backend) as service:
        client = load.Client(service.base_url, service.key)
        body_file = run_dir / "cached.json"
        body_file.write_bytes(bodies.cached())
        prime(client, bodies.cached())
        if not args.uncached_only:
            before_cached()
            say(f"  cached POST: wrk {args.warmup:g} s + {args.seconds:g} s")
            results.cached[backend] = throughput(service.base_url + "/api/v1/verifications", args,
                                                 processes.running[service.api], processes.running["redis"],
                                                 [str(body_file), service.key])
        if args.cached_only:
            client.close()
            return
        before_uncached()
        alongside = alongside_uncached()
        say(f"  uncached POST ?wait=10: {args.uncached} sequential requests"
            + (", each after one POST /carry of the ceiling app (row 3c)" if alongside else ""))
        groups = {"API": processes.running[service.api].pid, "worker": processes.running[service.worker].pid,
                  "Redis": processes.running["redis"].pid}
        if alongside:
            groups |= {"ceiling": processes.running["ceiling"].pid,
                       "reference worker": processes.running["celery-reference"].pid}
        before = {}
        results.uncached[backend], results.uncached_failures[backend], beside = uncached_latency(
            client, backend, args.uncached, alongside, after_warmup=lambda: before.update(cpu.group_seconds(groups)))
        if alongside:
            after = cpu.group_seconds(groups)
            results.uncached_cpu_ms = {name: (after[name] - before[name]) * 1000 / args.uncached for name in after}
        if beside is not None:
            results.celery_carry_http = beside
        if backend == "postgresql" and not args.uncached_only:
            say(f"  batch of {args.batch_rows:,} rows")
            wait_for_worker(database_url)
            results.batch = batch.measure(client, args.batch_rows)
        client.close()


def run(args: argparse.Namespace, run_dir: Path) -> Results:
    results = Results()
    if not (args.cached_only or args.uncached_only):
        say("rules: bench/rules.py measure() for each program")
        results.rules_us = rules.measure()
    with ExitStack() as running:
        processes = stack.Processes(run_dir)
        running.callback(processes.stop_all)
        say("private redis-server; the ceiling app and the reference Celery worker (idle until measured)")
        redis_url = running.enter_context(stack.private_redis(processes, run_dir))
        database_url = running.enter_context(stack.postgres_database())
        stack.reference_tables(database_url)
        ceiling_key = "bvbench:ceiling"
        with redis.Redis.from_url(redis_url) as client:
            client.set(ceiling_key, orjson.dumps(rules.evaluate(rules.REQUESTS["commercial"])))
        ceiling_url = running.enter_context(stack.ceiling(processes, redis_url, ceiling_key, database_url))
        running.enter_context(stack.reference_worker(processes, redis_url, database_url))

        # The references are measured right before the PostgreSQL figures that the summary divides by them,
        # so other work on the machine weighs on both sides of each ratio alike.
        def ceiling():
            say(f"  ceiling: bare Flask app, wrk {args.warmup:g} s + {args.seconds:g} s; then with one durable write")
            server, redis_server = processes.running["ceiling"], processes.running["redis"]
            results.ceiling = throughput(ceiling_url, args, server, redis_server)
            results.ceiling_write = throughput(ceiling_url + "write", args, server, redis_server)

        def celery():
            say(f"  Celery reference: {args.round_trips} sequential no-op round trips; then carrying a row")
            results.celery = celery_round_trips(redis_url, args.round_trips)
            results.celery_carry = carried_round_trips(redis_url, database_url, args.round_trips)

        backend_figures(processes, results, "sqlite", f"sqlite:///{run_dir / 'sqlite' / 'verifications.sqlite3'}",
                        redis_url, run_dir, args)
        backend_figures(processes, results, "postgresql", database_url, redis_url, run_dir, args,
                        (lambda: None) if args.uncached_only else ceiling, celery,
                        lambda: carrier_over_http(ceiling_url))
        processes.stop("ceiling")
        processes.stop("celery-reference")
        if args.cached_only or args.uncached_only:
            return results

        say(f"memory: fresh PostgreSQL API and worker; {args.memory_first:,} then {args.memory_last:,} requests "
            "(8 cached POSTs, 1 new POST, 1 GET in every 10)")
        with stack.service(processes, "postgresql", database_url, redis_url, run_dir / "memory") as service:
            results.memory = memory(processes, service, database_url, run_dir, args)
    return results


def main(argv=None) -> int:
    args = options(argv)
    if not shutil.which("wrk"):
        say("wrk is not installed: `make bench` installs it (apt-get install wrk).")
        return 1
    # SIGTERM ends the run like Ctrl-C: the `finally` blocks stop every process and drop the database.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    run_dir = Path(tempfile.mkdtemp(prefix="bv-bench-"))
    print(f"make bench: {plan(args)}", flush=True)
    try:
        results = run(args, run_dir)
    except stack.StackError as error:
        say(f"stopped: {error}\n(logs: {run_dir})")
        return 1
    except KeyboardInterrupt:
        say("interrupted; everything stopped")
        return 130
    finally:
        say(f"done in {time.monotonic() - STARTED:.0f} s; load average over the last 5 minutes {os.getloadavg()[1]:.2f}")
    if not args.keep:
        shutil.rmtree(run_dir, ignore_errors=True)
    print()
    print(render(results))
    if cpu_table := render_cpu(results):
        print()
        print(cpu_table)
        print()
    if uncached_cpu := render_uncached_cpu(results):
        print(uncached_cpu)
        print()
    print(summary(results), flush=True)
    return 0
