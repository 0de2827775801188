"""No patient name, date of birth, member id or group number in any log line: an end-to-end run
(HTTP, the worker, the cache, bad input, a rule failure, a server error) with every logger at DEBUG."""

import logging
import secrets

import pytest
import requests

from service.verification import document
from tests.api.test_phi_in_redis import PHI
from tests.conftest import another_app, serving
from tests.faults.private_services import worker_process
from tests.requests import VETERAN_WITH_REFERRAL, body

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

LOGGERS = ("", "celery", "kombu", "werkzeug", "sqlalchemy.engine", "sqlalchemy.pool", "service", "workers",
           "limits", "urllib3", "flask.app")
BAD_DATE_OF_BIRTH = "23/07/1968"
BAD_MEMBER_ID = "ZK4471902!"
# The worker's rules fail on this member id, with an error quoting the whole request.
FAILING_MEMBER_ID = "QF7730015"


def everything_logged(records) -> str:
    """Each record's message, its arguments and extra fields, and its formatted exception."""
    formatter = logging.Formatter()
    parts = []
    for record in records:
        parts.append(record.getMessage())
        parts.append(repr(record.args))
        parts.append(repr({key: value for key, value in vars(record).items() if key not in ("msg", "args")}))
        if record.exc_info:
            parts.append(formatter.formatException(record.exc_info))
    return "\n".join(parts)


@pytest.fixture
def logged_stack(app, caplog, tmp_path):
    """Every logger of the test process at DEBUG, an HTTP server of its own, and a real worker process
    logging at DEBUG to a file. (Celery decides when a worker starts which levels it logs at, and a
    second in-process worker would share the first one's stop flags.)"""
    families = {name.split(".")[0] for name in LOGGERS if name}
    for name in {*LOGGERS, *(known for known in logging.root.manager.loggerDict if known.split(".")[0] in families)}:
        caplog.set_level(logging.DEBUG, logger=name)
    queue = f"{app.config['CELERY_QUEUE']}-logs-{secrets.token_hex(3)}"
    worker_log = tmp_path / "worker.log"
    with another_app(app, CELERY_QUEUE=queue) as logged_app, worker_process(
        logged_app, worker_log, name="logged", loglevel="DEBUG",
        env={"BV_LOG_LEVEL": "DEBUG", "BV_TEST_FAILING_MEMBER_ID": FAILING_MEMBER_ID},
    ), serving(logged_app) as url:
        yield url, worker_log


def test_an_end_to_end_run_logs_no_patient_identifier(logged_stack, keys, caplog, monkeypatch):
    live_server, worker_log = logged_stack
    http = requests.Session()
    url = f"{live_server}/api/v1/verifications"
    # Its own number of sessions: a request of its own in the cache, whatever ran before or runs after.
    patient = body(VETERAN_WITH_REFERRAL, **PHI, sessions=5)
    intake, billing = {"Authorization": f"Bearer {keys['intake']}"}, {"Authorization": f"Bearer {keys['billing']}"}

    done = http.post(url, params={"wait": 10}, json=patient, headers=intake, timeout=30)
    cached = http.post(url, json=patient, headers=intake, timeout=30)
    http.get(f"{live_server}{done.json()['links']['self']}", headers=intake, timeout=30)
    http.get(url, headers=billing, params={"carrier": "TriWest"}, timeout=30)
    invalid = http.post(url, json=body(patient, **{"patient.date_of_birth": BAD_DATE_OF_BIRTH,
                                                   "coverage.member_id": BAD_MEMBER_ID}), headers=intake, timeout=30)
    failed = http.post(url, params={"wait": 10}, json=body(patient, **{"coverage.member_id": FAILING_MEMBER_ID}),
                       headers=intake, timeout=30)
    monkeypatch.setattr(document, "document", lambda verification: 1 / 0 if verification else patient)
    broken = http.post(url, json=patient, headers=intake, timeout=30)

    assert (done.status_code, cached.json()["cached"], invalid.status_code) == (200, True, 422)
    assert failed.json()["status"] == "failed"
    assert broken.status_code == 500 and broken.json()["error"]["code"] == "internal_error"
    assert {"patient.date_of_birth", "coverage.member_id"} <= set(invalid.json()["error"]["fields"])
    for answer in (invalid, failed, broken):
        assert BAD_DATE_OF_BIRTH not in answer.text and BAD_MEMBER_ID not in answer.text, "errors name, never echo"
    logged = everything_logged(caplog.records) + "\n" + worker_log.read_text()
    assert "workers.tasks.verify" in logged and "POST /api/v1/verifications" in logged, "the capture sees it all"
    assert "SELECT" in logged and "DEBUG" in worker_log.read_text(), "SQL and the worker's debug lines included"
    assert "ZeroDivisionError" in logged and "ValueError" in logged
    for value in (*PHI.values(), BAD_DATE_OF_BIRTH, BAD_MEMBER_ID, FAILING_MEMBER_ID):
        assert value not in logged, value
