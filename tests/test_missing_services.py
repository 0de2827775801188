"""When Redis or PostgreSQL is not answering, the test run stops at once and says how to start it."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    "variable, url, says",
    [
        ("BV_TEST_REDIS_URL", "redis://127.0.0.1:1/15", ["Redis is not answering", "redis-server --daemonize yes"]),
        ("BV_TEST_POSTGRES_URL", "postgresql://127.0.0.1:1/test", ["PostgreSQL is not answering", "pg_ctlcluster"]),
    ],
)
def test_run_names_the_missing_service_and_how_to_start_it(variable, url, says):
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/api/test_auth.py::test_no_key_is_a_401"],
        cwd=ROOT, env={**os.environ, variable: url}, capture_output=True, text=True, timeout=120,
    )

    assert run.returncode == 3, run.stdout[-2000:]
    for text in says:
        assert text in run.stdout
