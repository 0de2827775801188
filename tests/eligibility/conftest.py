"""Fixtures of the eligibility-check tests: the project's fake clearinghouse over real HTTP (each request
it receives counted), the test app pointed at it, and a real Celery worker consuming the eligibility queue."""

import random
import secrets
import socket
import threading
import time
import uuid
from collections import Counter
from contextlib import contextmanager
from datetime import date, timedelta

import pytest
import requests

from service.clearinghouse_fake import create_app as fake_clearinghouse_app
from service.extensions import db
from service.models import EligibilityInquiry
from tests.conftest import another_app, delete_keys, serving
from tests.faults.private_services import worker_process
from tests.rules.builders import make_request

SLOW_SECONDS = 4.0
HANG_SECONDS = 6.0


class CountingFake:
    """The fake clearinghouse's WSGI app, counting the requests that reach it (a 270 sent is one request)."""

    def __init__(self):
        self.app = fake_clearinghouse_app(slow_seconds=SLOW_SECONDS, hang_seconds=HANG_SECONDS)
        self.requests = Counter()
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        if environ["REQUEST_METHOD"] == "POST":
            with self._lock:
                self.requests[environ["PATH_INFO"]] += 1
        return self.app(environ, start_response)

    @property
    def sends(self) -> int:
        return sum(self.requests.values())


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fake_on(port: int, fake: CountingFake):
    """The fake clearinghouse listening on `port` for as long as the block runs."""
    return serving(fake, port)


@pytest.fixture(scope="session")
def fake():
    counting = CountingFake()
    with fake_on(free_port(), counting) as url:
        counting.url = url
        yield counting


def configure(app, url: str, **settings) -> dict:
    """Point the (session's) app, and so its in-process worker, at a clearinghouse; the settings it had."""
    overrides = {
        "CLEARINGHOUSE": {"BV_CLEARINGHOUSE": "fake", "BV_CLEARINGHOUSE_URL": url},
        "CLINIC_NAME": "Cedar Clinic", "CLINIC_NPI": "1234567893",
        "ELIGIBILITY_RETRY_SECONDS": 2, "ELIGIBILITY_BACKOFF_SECONDS": 0.5, "ELIGIBILITY_SEND_RETRIES": 4,
        "ELIGIBILITY_MAX_TIMEOUT_SECONDS": 2.0,
        **settings,
    }
    saved = {name: app.config[name] for name in overrides}
    app.config.update(overrides)
    return saved


@pytest.fixture
def clearinghouse(app, fake, celery_worker, clean_verifications):
    """The app sends 270s to the fake (through its CORE SOAP wire) for the test's length."""
    delete_keys(app.extensions["redis"], app.config["REDIS_KEY_PREFIX"] + "eligibility:")
    saved = configure(app, fake.url)
    yield fake
    app.config.update(saved)


def patient_request(member_id: str, **changes) -> dict:
    """A commercial (Aetna) request with nothing confirmed, for a patient born on a day of its own: no two tests
    ask the payer the same inquiry (the dedupe window outlives a test)."""
    born = date(1950, 1, 1) + timedelta(days=random.randrange(18_000))  # nosec B311
    request = make_request("commercial", coverage__member_id=member_id, coverage__plan_type=None,
                           patient__date_of_birth=born.isoformat(), **changes)
    request["coverage"].pop("benefits", None)
    return request


def poll(http, url: str, headers, until, seconds: float = 30.0) -> dict:
    """GET `url` until `until(document)` holds; the document."""
    deadline = time.monotonic() + seconds
    while True:
        document = http.get(url, headers=headers).json()
        if until(document):
            return document
        assert time.monotonic() < deadline, f"not reached within {seconds} s: {document.get('eligibility_check')}"
        time.sleep(0.2)


def settled(document) -> bool:
    return document.get("eligibility_check", {}).get("status") in ("answered", "failed")


def inquiries_of(app, verification_id) -> list[EligibilityInquiry]:
    with app.app_context():
        rows = db.session.scalars(db.select(EligibilityInquiry).where(
            EligibilityInquiry.verification_id == uuid.UUID(str(verification_id))).order_by(EligibilityInquiry.id)).all()
        db.session.expunge_all()
        return rows


FAKE_ENVIRONMENT = {"BV_CLEARINGHOUSE": "fake", "BV_CLINIC_NAME": "Cedar Clinic", "BV_CLINIC_NPI": "1234567893"}


@contextmanager
def separate_stack(app, fake, log_dir, **environment):
    """An app of its own (its own queues) behind its own HTTP server, and a real worker process (prefork, two
    processes, every queue) with the clearinghouse in its environment, as `make run` runs them: the base URL,
    the worker's log and the app."""
    clearinghouse = {**FAKE_ENVIRONMENT, "BV_CLEARINGHOUSE_URL": fake.url, **environment}
    queue = f"{app.config['CELERY_QUEUE']}-separate-{secrets.token_hex(3)}"
    worker_log = log_dir / "worker.log"
    settings = {"CLEARINGHOUSE": {name: value for name, value in clearinghouse.items() if name.startswith("BV_CLEARINGHOUSE")},
                "CLINIC_NAME": "Cedar Clinic", "CLINIC_NPI": "1234567893"}
    with another_app(app, CELERY_QUEUE=queue, **settings) as separate_app, worker_process(
        separate_app, worker_log, name=f"eligibility-{secrets.token_hex(2)}", loglevel="DEBUG",
        env={**clearinghouse, "BV_LOG_LEVEL": "DEBUG"},
    ), serving(separate_app) as url:
        yield url, worker_log, separate_app


@pytest.fixture
def http():
    with requests.Session() as session:
        yield session
