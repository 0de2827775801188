"""`make run`'s launcher from a fresh data directory: embedded SQLite and a private Redis, the real
gunicorn and Celery processes, every scenario answered over HTTP, and a clean stop on Ctrl-C."""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.scenario_expectations import assert_meets_expectations, load_scenario, scenario_files, scenario_id

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def launched(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("run")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL", "BV_SECRET_KEY")}
    env.update(PORT=str(port), BV_DATA_DIR=str(data_dir))
    log = open(data_dir / "launcher.log", "w+")
    process = subprocess.Popen(
        [sys.executable, "-m", "service.launcher"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 90
    key = None
    while key is None:
        assert process.poll() is None, (data_dir / "launcher.log").read_text()
        assert time.monotonic() < deadline, "no key printed within 90 s:\n" + (data_dir / "launcher.log").read_text()
        found = re.search(r"^(bvk_\S+)$", (data_dir / "launcher.log").read_text(), re.MULTILINE)
        key = found and found.group(1)
        time.sleep(0.2)
    yield {"url": f"http://127.0.0.1:{port}", "key": key, "process": process, "data_dir": data_dir}
    if process.poll() is None:
        # As Ctrl-C does: the launcher stops its children, which a SIGKILL of its group would leave running.
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
    log.close()


def test_banner_shows_the_url_the_docs_and_a_key(launched):
    output = (launched["data_dir"] / "launcher.log").read_text()

    assert f"{launched['url']}/api/v1" in output
    assert f"{launched['url']}/api/v1/docs" in output
    # The banner ends with the key; the worker may still log its own start-up after it (it runs alongside).
    banner = output[output.index("Benefits verification is running."):]
    assert banner.splitlines()[6] == launched["key"], "the key is the banner's last line"
    assert banner.splitlines()[5].strip().startswith("Intake API key")


def test_data_stays_in_the_data_directory(launched):
    names = {path.name for path in launched["data_dir"].iterdir()}

    assert {"verifications.sqlite3", "redis.sock", "secret_key"} <= names


@pytest.mark.parametrize("path", scenario_files(), ids=scenario_id)
def test_every_scenario_is_answered_with_wait(launched, path):
    scenario = load_scenario(path)
    response = requests.post(
        f"{launched['url']}/api/v1/verifications?wait=5",
        data=json.dumps(scenario["request"]),
        headers={"Authorization": f"Bearer {launched['key']}", "Content-Type": "application/json"},
        timeout=30,
    )

    assert response.status_code == 200, response.text
    assert_meets_expectations(response.json(), scenario["expect"])


def test_the_database_files_are_for_the_services_user_alone(launched):
    # The scenarios above wrote to it, so SQLite's -wal and -shm files exist beside it.
    files = sorted(launched["data_dir"].glob("verifications.sqlite3*"))

    assert {path.name for path in files} >= {"verifications.sqlite3", "verifications.sqlite3-wal", "verifications.sqlite3-shm"}
    assert {path.name: oct(path.stat().st_mode & 0o777) for path in files} == {path.name: "0o600" for path in files}


def test_gunicorn_lets_the_app_answer_a_long_url_in_the_error_shape(launched):
    response = requests.get(f"{launched['url']}/api/v1/verifications?carrier=" + "x" * 6000, timeout=10,
                            headers={"Authorization": f"Bearer {launched['key']}"})

    assert response.status_code == 414
    assert response.json()["error"]["code"] == "uri_too_long"


def test_ctrl_c_stops_every_process(launched):
    process = launched["process"]
    children = subprocess.run(
        ["pgrep", "-g", str(os.getpgid(process.pid))], capture_output=True, text=True
    ).stdout.split()
    assert len(children) >= 4, "launcher, redis, gunicorn and celery should all be running"

    os.killpg(process.pid, signal.SIGINT)
    process.wait(timeout=30)

    deadline = time.monotonic() + 15
    while subprocess.run(["pgrep", "-g", str(process.pid)], capture_output=True).returncode == 0:
        assert time.monotonic() < deadline, "processes left running after Ctrl-C"
        time.sleep(0.2)
