"""The broker accepts connections and never answers (a hung Redis, a half-open network path).

Sending a task is bounded (socket timeouts, a bounded publish retry, a bounded wait for a pooled
producer), so a POST that asked to wait still gets its answer in bounded time: the row is saved
and answered 202 (the sweep queues it once the broker is back), never a hang; /readyz answers 503
naming the broker, just as fast, and several requests at once do not starve one another.
"""

import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from uuid import UUID

import pytest

from service.extensions import db
from service.models import Verification
from tests.conftest import another_app
from tests.faults.private_services import silent_server
from tests.requests import body

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("clean_verifications")]

BOUND_SECONDS = 15


def test_a_silent_broker_gets_bounded_answers_and_loses_nothing(app, auth):
    with silent_server() as broker, another_app(
        app, REDIS_KEY_PREFIX=f"bvhung{secrets.token_hex(3)}:",
        CELERY={"broker_url": f"redis://127.0.0.1:{broker.port}/0"},
    ) as hung_app:

        def post(member_id):
            client = hung_app.test_client()
            started = time.monotonic()
            answer = client.post("/api/v1/verifications?wait=5", json=body(**{"coverage.member_id": member_id}),
                                 headers=auth())
            return answer, time.monotonic() - started

        def ready():
            started = time.monotonic()
            answer = hung_app.test_client().get("/readyz")
            return answer, time.monotonic() - started

        # More at once than the broker connection pool holds: none may wait for a pooled producer forever.
        with ThreadPoolExecutor(max_workers=14) as pool:
            posts = [pool.submit(post, f"HUNG-{n}") for n in range(12)]
            checks = [pool.submit(ready) for _ in range(2)]
            posted = [future.result(timeout=120) for future in posts]
            readiness = [future.result(timeout=120) for future in checks]

        for answer, seconds in posted:
            assert answer.status_code in (202, 503), answer.json
            assert seconds < BOUND_SECONDS, f"a POST took {seconds:.1f} s"
        for answer, seconds in readiness:
            assert answer.status_code == 503
            assert answer.json["checks"]["broker"] is False
            assert seconds < BOUND_SECONDS, f"/readyz took {seconds:.1f} s"

        accepted = [UUID(answer.json["id"]) for answer, _ in posted if answer.status_code == 202]
        assert len(accepted) == 12
        with hung_app.app_context():
            saved = db.session.execute(
                db.select(Verification.status, Verification.dispatched_at).where(Verification.id.in_(accepted))
            ).all()
        # Saved, and marked for the sweep (not dispatched), so each is queued once the broker answers.
        assert len(saved) == 12
        assert {(status, dispatched_at) for status, dispatched_at in saved} == {("queued", None)}
