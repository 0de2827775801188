"""What an operator reads from a real worker process: its log lines as JSON, carrying the request id of
the POST that queued the task, and its own metrics on its own port."""

import json
import secrets
import urllib.request

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import another_app, serving
from tests.faults.private_services import free_port, wait_until, worker_process
from tests.requests import body

pytestmark = pytest.mark.e2e


@pytest.fixture
def observed_stack(app, tmp_path):
    """An HTTP server and a worker process (prefork, 2 children) on a queue of their own; the worker logs
    JSON to a file and serves its metrics on a free port."""
    queue = f"{app.config['CELERY_QUEUE']}-observed-{secrets.token_hex(3)}"
    port = free_port()
    worker_log = tmp_path / "worker.log"
    with another_app(app, CELERY_QUEUE=queue) as observed_app, worker_process(
        observed_app, worker_log, name="observed",
        env={"BV_LOG_FORMAT": "json", "BV_WORKER_METRICS_PORT": str(port)},
    ), serving(observed_app) as url:
        yield url, worker_log, f"http://127.0.0.1:{port}/metrics"


def json_lines(path) -> list[dict]:
    lines = []
    for line in path.read_text().splitlines():
        try:
            lines.append(json.loads(line))
        except ValueError:
            pass  # Celery's start-up banner is printed, not logged
    return lines


def test_a_request_id_travels_from_the_post_to_the_workers_json_log(observed_stack, keys):
    url, worker_log, _ = observed_stack
    request_id = f"clinic-{secrets.token_hex(8)}"

    answer = requests.post(f"{url}/api/v1/verifications", params={"wait": 10}, timeout=30,
                           json=body(**{"coverage.member_id": f"RID{secrets.token_hex(4)}"}),
                           headers={"Authorization": f"Bearer {keys['intake']}", "X-Request-ID": request_id})

    assert answer.status_code == 200 and answer.headers["X-Request-ID"] == request_id
    ours = wait_until(lambda: [line for line in json_lines(worker_log) if line.get("request_id") == request_id], 10,
                      "a worker log line with the request id")
    assert any("workers.tasks.verify" in line["message"] and "succeeded" in line["message"] for line in ours), ours
    assert all({"time", "level", "logger", "message"} <= line.keys() for line in ours)


def test_a_request_without_a_well_formed_id_gets_one_of_its_own(observed_stack, keys):
    url, _, _ = observed_stack

    for offered in (None, "short", "has spaces in it", "x" * 200):
        headers = {"X-Request-ID": offered} if offered else {}
        answer = requests.get(f"{url}/healthz", headers=headers, timeout=10)
        assert answer.headers["X-Request-ID"] != offered and len(answer.headers["X-Request-ID"]) == 32


def test_the_worker_serves_the_metrics_of_its_pool(observed_stack, keys):
    url, _, metrics_url = observed_stack
    for number in range(3):
        requests.post(f"{url}/api/v1/verifications", params={"wait": 10}, timeout=30,
                      json=body(**{"coverage.member_id": f"MET{number}{secrets.token_hex(3)}"}),
                      headers={"Authorization": f"Bearer {keys['intake']}"})

    # B310 cannot apply: our own http://127.0.0.1.
    text = urllib.request.urlopen(metrics_url, timeout=5).read().decode()  # nosec B310
    samples = {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
               for family in text_string_to_metric_families(text) for sample in family.samples}

    assert samples[("bv_tasks_total", (("state", "SUCCESS"), ("task", "workers.tasks.verify")))] == 3
    assert samples[("bv_task_duration_seconds_count", (("task", "workers.tasks.verify"),))] == 3
    assert sum(count for (name, labels), count in samples.items()
               if name == "bv_checks_total" and ("cached", "false") in labels) == 3
