"""CPU per cached POST in one process, beside the floor's view, and the Python calls each makes.

    python -m bench.cpu_profile [--requests 2000] [--rounds 5] [--database postgresql|sqlite] [--profile N]

The app runs in this process (Flask's test client, so no HTTP server: what is left is the app's own
work) against a fresh PostgreSQL database or a SQLite file and a private redis-server, with a real
Celery worker in a thread to put the first answer in the cache. Then, for each round, this thread's
CPU time (`time.thread_time`) over `--requests` cached POSTs, and over as many requests to the
floor's view (bench/ceiling.py's `/write`: one Redis GET, one durable INSERT) on the same database
(PostgreSQL only). The CPU time of a thread that waits on PostgreSQL or Redis does not count its
waits, so the figure is what the process spends, not how long the request took. On a machine
other work keeps busy, each wake-up finds the CPU's caches cold and CPU time per request rises
(0.7 ms on a quiet run, 1.0–2.3 ms at a load average of 12): read the minimum of several rounds, and
the count of function calls per request, which load does not move.
`--profile N` prints cProfile's N costliest functions (own time) over one more round of cached POSTs.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import secrets
import statistics
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

import orjson
import redis

from bench import bodies, rules, stack
from service.config import database_url as database_url_for


def per_request_ms(call, count: int) -> float:
    started = time.thread_time()
    for _ in range(count):
        call()
    return (time.thread_time() - started) * 1000 / count


def calls_per_request(call, count: int = 200) -> float:
    """Python (and C) function calls per request: the same on a busy machine as on a quiet one."""
    profiler = cProfile.Profile()
    profiler.runcall(lambda: [call() for _ in range(count)])
    return (pstats.Stats(profiler).total_calls - count - 1) / count


def service_client(database_url: str, redis_url: str, data_dir: Path):
    """The app, an intake key's headers, and its test client; the cached body answered from the cache once."""
    from celery.contrib.testing.worker import start_worker
    from flask_migrate import upgrade

    from service import create_app
    from service.auth import create_key

    app = create_app({
        "SECRET_KEY": secrets.token_urlsafe(32), "DATA_DIR": str(data_dir), "SQLALCHEMY_DATABASE_URI": database_url,
        "REDIS_URL": redis_url, "REDIS_KEY_PREFIX": "bvbench:cpu:", "CELERY_QUEUE": "bench-cpu", "LOG_LEVEL": "WARNING",
        "RATE_LIMIT_INTAKE": stack.BENCH_RATE_LIMIT,
    })
    with app.app_context():
        upgrade()
        _, key = create_key("intake", "bench.cpu_profile")
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    client = app.test_client()
    with start_worker(app.extensions["celery"], pool="solo", perform_ping_check=False, loglevel="WARNING"):
        for _ in range(2):
            answer = client.post("/api/v1/verifications?wait=10", data=bodies.cached(), headers=headers)
    if answer.status_code != 200 or not answer.json["cached"]:
        raise stack.StackError(f"priming the cache: {answer.status_code} {answer.json}")
    return app, headers, client


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.cpu_profile", description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=2000, help="requests per round (default 2000)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds, alternating service and floor (default 5)")
    parser.add_argument("--database", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="print cProfile's N costliest functions")
    parser.add_argument("--profile-out", type=Path, help="also write the profile there (pstats, snakeviz read it)")
    args = parser.parse_args(argv)
    os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="bv-cpu-metrics-"))  # as under gunicorn
    with ExitStack() as running:
        run_dir = Path(running.enter_context(tempfile.TemporaryDirectory(prefix="bv-cpu-")))
        processes = stack.Processes(run_dir)
        running.callback(processes.stop_all)
        redis_url = running.enter_context(stack.private_redis(processes, run_dir))
        if args.database == "postgresql":
            database_url = running.enter_context(stack.postgres_database())
        else:
            database_url = f"sqlite:///{run_dir / 'verifications.sqlite3'}"
        app, headers, client = service_client(database_url_for(database_url), redis_url, run_dir)
        body = bodies.cached()

        def cached_post():
            answer = client.post("/api/v1/verifications", data=body, headers=headers)
            assert answer.status_code == 200, answer.status_code

        floor = None
        if args.database == "postgresql":
            from bench import ceiling

            stack.reference_tables(database_url)
            ceiling_key = "bvbench:cpu:ceiling"
            with redis.Redis.from_url(redis_url) as direct:
                direct.set(ceiling_key, orjson.dumps(rules.evaluate(rules.REQUESTS["commercial"])))
            os.environ.update({"REDIS_URL": redis_url, "BV_BENCH_CEILING_KEY": ceiling_key,
                               "BV_BENCH_CEILING_DATABASE_URL": database_url})
            floor_client = ceiling.create_app().test_client()

            def floor():
                assert floor_client.get("/write").status_code == 200

        per_request_ms(cached_post, 200)  # warm: first connections, memos, lazy imports
        if floor:
            per_request_ms(floor, 200)
        service_ms, floor_ms = [], []
        for _ in range(args.rounds):
            service_ms.append(per_request_ms(cached_post, args.requests))
            if floor:
                floor_ms.append(per_request_ms(floor, args.requests))
        load = os.getloadavg()
        print(f"cached POST ({args.database}), ms of this process's CPU per request, {args.rounds} rounds of "
              f"{args.requests}: min {min(service_ms):.3f}, median {statistics.median(service_ms):.3f}, "
              f"max {max(service_ms):.3f}; Python function calls per request {calls_per_request(cached_post):,.0f}; "
              f"load average {load[0]:.2f}")
        if floor:
            print(f"floor (bench/ceiling.py /write): min {min(floor_ms):.3f}, median {statistics.median(floor_ms):.3f}, "
                  f"max {max(floor_ms):.3f}; calls per request {calls_per_request(floor):,.0f}")
        if args.profile:
            profiler = cProfile.Profile(time.thread_time)  # CPU, not waits
            profiler.runcall(per_request_ms, cached_post, args.requests)
            if args.profile_out:
                profiler.dump_stats(args.profile_out)
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(args.profile)
            print(out.getvalue())
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(args.profile)
            print(out.getvalue())
        with app.app_context():
            from service.extensions import db

            db.engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
