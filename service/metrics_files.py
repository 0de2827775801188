"""Where the processes of one server (gunicorn's, or a Celery worker's pool) keep their Prometheus counts.

prometheus_client reads PROMETHEUS_MULTIPROC_DIR once, when it is first imported, so the process that
forks the others sets it before anything loads the app. Each server gets a directory of its own, made
fresh and removed when it stops: files named by process id must not meet another server's (containers
sharing a volume repeat process ids), nor a previous run's counts.
"""

import atexit
import os
import shutil
import tempfile

VARIABLE = "PROMETHEUS_MULTIPROC_DIR"


def private_directory(role: str) -> str:
    """Set PROMETHEUS_MULTIPROC_DIR for this process and its children, unless the operator set it; its path."""
    if existing := os.environ.get(VARIABLE):
        return existing
    directory = os.environ[VARIABLE] = tempfile.mkdtemp(prefix=f"bv-metrics-{role}-")
    owner = os.getpid()
    # Forked children run atexit handlers too (the solo pool, a gunicorn worker): only the maker removes it.
    atexit.register(lambda: os.getpid() == owner and shutil.rmtree(directory, ignore_errors=True))
    return directory
