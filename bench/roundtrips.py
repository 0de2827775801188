"""Database and Redis round trips per request, counted on the real code paths.

    python -m bench.roundtrips            # counts per path
    python -m bench.roundtrips --trace    # and each round trip in order, with the service's line that sent it

For each database (SQLite, a fresh PostgreSQL database): the app in this process with a private
redis-server and a real Celery worker (solo pool, in a thread). SQLAlchemy events count what goes
to the database (pool pre-pings, BEGIN, each statement by verb, COMMIT, ROLLBACK) and wrapped
redis-py methods count Redis commands, each on the thread that issued it: the request (API) or the
worker. A table per path: a cached POST, an uncached POST ?wait=10, a GET by id.
"""

from __future__ import annotations

import secrets
import sys
import tempfile
import threading
import time
import traceback
from collections import Counter
from contextlib import ExitStack
from pathlib import Path

import redis.client
from sqlalchemy import event

from bench import bodies, stack
from service.config import database_url as database_url_for

API = "api"
WORKER = "worker"


class Tally:
    """Counts per (side, what), where side is the thread that did it: the request's or the worker's."""

    def __init__(self, trace: bool = False):
        self.counts: Counter = Counter()
        self.api_thread = threading.get_ident()
        self.trace = trace
        self.events: list[tuple[float, str]] = []

    def add(self, what: str, amount: int = 1) -> None:
        side = API if threading.get_ident() == self.api_thread else WORKER
        self.counts[(side, what)] += amount
        if self.trace:
            self.events.append((time.perf_counter(), f"{side:<7}{what:<28} {_sender()}"))

    def take(self) -> Counter:
        counts, self.counts = self.counts, Counter()
        return counts

    def take_events(self) -> list[str]:
        """Each round trip since the last call, after the milliseconds from the first one (sent, not answered)."""
        events, self.events = self.events, []
        return [f"    {1000 * (moment - events[0][0]):6.2f} ms  {line}" for moment, line in events]


def _sender() -> str:
    """The innermost frame of the service's own code (service/, workers/) on the stack: who sent it."""
    for frame in reversed(traceback.extract_stack()):
        if ("/service/" in frame.filename or "/workers/" in frame.filename) and "/bench/" not in frame.filename:
            return f"{frame.filename.split('/')[-2]}/{frame.filename.split('/')[-1]}:{frame.lineno} {frame.name}"
    return "(library)"


def watch_database(engine, tally: Tally) -> None:
    def transactional(what):
        # In autocommit mode SQLAlchemy still marks a transaction's start and end, but nothing is sent.
        def counted(connection):
            if connection.get_execution_options().get("isolation_level") != "AUTOCOMMIT":
                tally.add(what)
        return counted

    event.listen(engine.pool, "checkout", lambda *args: tally.add("db ping (pool_pre_ping)")
                 if engine.pool._pre_ping else None)
    event.listen(engine, "begin", transactional("db BEGIN"))
    event.listen(engine, "commit", transactional("db COMMIT"))
    event.listen(engine, "rollback", transactional("db ROLLBACK"))
    event.listen(engine, "before_cursor_execute",
                 lambda conn, cursor, statement, *rest: tally.add(f"db {statement.split(None, 1)[0].upper()}"))


def watch_redis(tally: Tally) -> None:
    """Count commands sent through redis-py (the service's client, kombu's and Celery's alike)."""
    plain, pipeline, pubsub = redis.client.Redis.execute_command, redis.client.Pipeline.execute, redis.client.PubSub.execute_command

    def counted_plain(self, *args, **options):
        tally.add(f"redis {args[0]}")
        return plain(self, *args, **options)

    def counted_pipeline(self, *args, **options):
        tally.add(f"redis pipeline ({len(self.command_stack)} commands)")
        return pipeline(self, *args, **options)

    def counted_pubsub(self, *args, **options):
        tally.add(f"redis {args[0]}")
        return pubsub(self, *args, **options)

    redis.client.Redis.execute_command = counted_plain
    redis.client.Pipeline.execute = counted_pipeline
    redis.client.PubSub.execute_command = counted_pubsub


def round_trips(counts: Counter, side: str) -> int:
    return sum(count for (where, what), count in counts.items() if where == side)


def count(backend: str, database_url: str, redis_url: str, data_dir: Path, tally: Tally) -> dict[str, Counter]:
    from celery.contrib.testing.worker import start_worker
    from flask_migrate import upgrade

    from service import create_app
    from service.auth import create_key
    from service.extensions import db

    app = create_app({
        "SECRET_KEY": secrets.token_urlsafe(32), "DATA_DIR": str(data_dir), "SQLALCHEMY_DATABASE_URI": database_url,
        "REDIS_URL": redis_url, "REDIS_KEY_PREFIX": f"bvbench:roundtrips:{backend}:",
        "CELERY_QUEUE": f"bench-roundtrips-{backend}", "LOG_LEVEL": "WARNING",
    })
    with app.app_context():
        upgrade()
        _, key = create_key("intake", "bench.roundtrips")
        engine = db.engine
    watch_database(engine, tally)
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    client = app.test_client()
    paths = {}
    with start_worker(app.extensions["celery"], pool="solo", perform_ping_check=False, loglevel="WARNING"):
        # Warm every path once (first connections, first imports), then count the second time round.
        for number in range(2):
            client.post("/api/v1/verifications?wait=10", data=bodies.new(number, "R"), headers=headers)
            client.post("/api/v1/verifications?wait=10", data=bodies.cached(), headers=headers)
        tally.take()
        tally.take_events()
        answer = client.post("/api/v1/verifications?wait=10", data=bodies.cached(), headers=headers)
        assert answer.status_code == 200 and answer.json["cached"], answer.status_code
        paths["cached POST"] = tally.take()
        traces = {"cached POST": tally.take_events()}
        answer = client.post("/api/v1/verifications?wait=10", data=bodies.new(7, "R"), headers=headers)
        assert answer.status_code == 200 and not answer.json["cached"], answer.status_code
        paths["uncached POST ?wait=10"] = tally.take()
        traces["uncached POST ?wait=10"] = tally.take_events()
        answer = client.get(f"/api/v1/verifications/{answer.json['id']}", headers=headers)
        assert answer.status_code == 200
        paths["GET by id"] = tally.take()
        traces["GET by id"] = tally.take_events()
    with app.app_context():
        db.engine.dispose()
    if tally.trace:
        for path, events in traces.items():
            print(f"{backend}, {path}, in order:", *events, sep="\n")
    return paths


def render(backend: str, paths: dict[str, Counter]) -> str:
    lines = [f"{backend}:"]
    for path, counts in paths.items():
        lines.append(f"  {path}: {round_trips(counts, API)} round trips in the API, "
                     f"{round_trips(counts, WORKER)} in the worker")
        for side in (API, WORKER):
            items = sorted((what, number) for (where, what), number in counts.items() if where == side)
            if items:
                lines.append(f"    {side:<7}" + ", ".join(f"{what} ×{number}" for what, number in items))
    return "\n".join(lines)


def main() -> int:
    with ExitStack() as running, tempfile.TemporaryDirectory(prefix="bv-roundtrips-") as tmp:
        run_dir = Path(tmp)
        processes = stack.Processes(run_dir)
        running.callback(processes.stop_all)
        redis_url = running.enter_context(stack.private_redis(processes, run_dir))
        tally = Tally(trace="--trace" in sys.argv[1:])
        watch_redis(tally)
        for backend, database_url in (
            ("sqlite", f"sqlite:///{run_dir / 'verifications.sqlite3'}"),
            ("postgresql", running.enter_context(stack.postgres_database())),
        ):
            print(render(backend, count(backend, database_url_for(database_url), redis_url, run_dir, tally)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
