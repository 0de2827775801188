"""`make soak`: 60 s of mixed new and cached verifications against the real stack on loopback.

gunicorn (the production settings), a Celery worker and beat, a private redis-server and a
fresh database (a new PostgreSQL database on the test server at BV_TEST_POSTGRES_URL, or SQLite
with --sqlite), driven by locust headless; then every accepted verification must complete.

    python bench/soak.py [--seconds 60] [--users 20] [--sqlite]

Prints requests per second, p50 and p99 per kind of request, errors, and how long the queue took
to drain. Traffic goes to 127.0.0.1 only, and stops by itself.
"""

import argparse
import csv
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from uuid import UUID

import psycopg
import redis
from sqlalchemy import create_engine, func, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from service.config import database_url  # noqa: E402
from service.launcher import embedded_redis  # noqa: E402

POSTGRES_URL = os.environ.get("BV_TEST_POSTGRES_URL", "postgresql://127.0.0.1:5432/test")
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(predicate, seconds, what):
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit(f"soak: {what} not within {seconds} s")
        time.sleep(0.2)


def start(command, env, log: Path) -> subprocess.Popen:
    with open(log, "ab") as output:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
                                start_new_session=True)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def statuses(url: str, ids: list[str]) -> dict:
    """How many of `ids` are in each status (the ids the API accepted)."""
    from service.models import Verification

    engine = create_engine(database_url(url))
    found = {}
    with engine.connect() as connection:
        for start_at in range(0, len(ids), 500):
            chunk = [UUID(i) for i in ids[start_at:start_at + 500]]
            for status, count in connection.execute(
                select(Verification.status, func.count()).where(Verification.id.in_(chunk)).group_by(Verification.status)
            ):
                found[status] = found.get(status, 0) + count
    engine.dispose()
    return found


def report(stats_csv: Path) -> list[dict]:
    with open(stats_csv) as handle:
        return list(csv.DictReader(handle))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--sqlite", action="store_true", help="SQLite instead of a PostgreSQL database")
    options = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bv-soak-"))
    redis_url, redis_command = embedded_redis(work)
    processes = [start(redis_command.split(), os.environ.copy(), work / "redis.log")]
    postgres_database = None
    try:
        if options.sqlite:
            db_url = f"sqlite:///{work / 'verifications.sqlite3'}"
        else:
            postgres_database = f"bv_soak_{secrets.token_hex(4)}"
            with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
                admin.execute(f'CREATE DATABASE "{postgres_database}"')
            db_url = POSTGRES_URL.rsplit("/", 1)[0] + f"/{postgres_database}"
        port = free_port()
        env = {
            **os.environ, "BV_DATA_DIR": str(work), "DATABASE_URL": db_url, "REDIS_URL": redis_url,
            "PORT": str(port), "BV_SECRET_KEY": secrets.token_urlsafe(32), "BV_LOG_LEVEL": "WARNING",
            "BV_RATE_LIMIT_INTAKE": "1000000/minute", "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        }
        def redis_answers():
            try:
                return redis.Redis.from_url(redis_url).ping()
            except redis.exceptions.ConnectionError:
                return False

        wait_for(redis_answers, 10, "redis-server")
        subprocess.run([sys.executable, "-m", "service", "db", "upgrade"], cwd=ROOT, env=env, check=True,
                       capture_output=True)
        key = subprocess.run([sys.executable, "-m", "service", "keys", "create", "--role", "intake", "--label", "soak"],
                             cwd=ROOT, env=env, check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
        processes.append(start([str(BIN / "gunicorn"), "service:create_app()"], env, work / "api.log"))
        processes.append(start([str(BIN / "celery"), "-A", "workers.make_celery", "worker", "--loglevel", "WARNING"],
                               env, work / "worker.log"))
        processes.append(start([str(BIN / "celery"), "-A", "workers.make_celery", "beat", "--loglevel", "WARNING"],
                               env, work / "beat.log"))
        base = f"http://127.0.0.1:{port}"

        def ready():
            try:
                return subprocess.run(["curl", "-sf", f"{base}/readyz"], capture_output=True).returncode == 0
            except OSError:
                return False

        wait_for(ready, 60, "the stack answering /readyz")
        print(f"soak: {options.users} users for {options.seconds} s against {base} "
              f"({'SQLite' if options.sqlite else 'PostgreSQL'}, gunicorn {env.get('WEB_CONCURRENCY', '2')}×"
              f"{env.get('BV_THREADS', '16')} threads, one Celery worker)", flush=True)
        subprocess.run(
            [str(BIN / "locust"), "-f", str(ROOT / "bench" / "locustfile.py"), "--headless", "--only-summary",
             "-u", str(options.users), "-r", str(options.users), "-t", f"{options.seconds}s", "--host", base,
             "--csv", str(work / "soak"), "--loglevel", "WARNING", "--stop-timeout", "15"],
            env={**env, "BV_SOAK_KEY": key, "BV_SOAK_ACCEPTED": str(work / "accepted")}, cwd=ROOT, capture_output=True,
        )
        ended = time.monotonic()
        accepted = (work / "accepted").read_text().split()
        wait_for(lambda: set(statuses(db_url, accepted)) <= {"complete", "failed"}, 180,
                 "every accepted verification complete")
        drained = time.monotonic() - ended
        final = statuses(db_url, accepted)

        rows = report(work / "soak_stats.csv")
        print(f"{'request':<16}{'count':>8}{'errors':>8}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}")
        for row in rows:
            print(f"{row['Name']:<16}{row['Request Count']:>8}{row['Failure Count']:>8}"
                  f"{float(row['Requests/s']):>9.1f}{row['50%']:>9}{row['99%']:>9}")
        total = next(row for row in rows if row["Name"] == "Aggregated")
        print(f"accepted verifications: {len(accepted)}, of which {final}; "
              f"all finished {drained:.1f} s after the load stopped")
        ok = final == {"complete": len(set(accepted))} and total["Failure Count"] == "0"
        print("soak: OK" if ok else "soak: FAILED", flush=True)
        return 0 if ok else 1
    finally:
        for process in reversed(processes):
            stop(process)
        if postgres_database:
            with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{postgres_database}" WITH (FORCE)')


if __name__ == "__main__":
    sys.exit(main())
