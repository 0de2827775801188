"""Redis (broker, cache, pub/sub, rate-limit counters) restarts, losing everything, during traffic.

While it is down the API keeps answering: new verifications are saved and answered 202, reads
come from the database, the rate limits hold in memory; only /readyz says 503 (with
Retry-After). A task running as Redis goes finishes and saves its result, and the worker
survives (Celery 5.7.0's did not). Once Redis is back, the worker reconnects, beat's sweep
queues what the broker never got, and every accepted verification completes.
"""

import secrets
import time
from uuid import UUID

import pytest
from sqlalchemy import select

from service.extensions import db
from service.models import Verification
from tests.conftest import another_app
from tests.faults.private_services import private_redis, wait_until, worker_process
from tests.requests import body

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.usefixtures("clean_verifications")]


def statuses(app, ids) -> list[str]:
    with app.app_context():
        found = db.session.scalars(select(Verification.status).where(Verification.id.in_(ids))).all()
        db.session.rollback()
    return found


def test_redis_restart_during_traffic_degrades_and_loses_nothing(app, auth, tmp_path, record_property):
    with private_redis(tmp_path) as redis_server, another_app(
        app, REDIS_URL=redis_server.url, REDIS_KEY_PREFIX=f"bvfault{secrets.token_hex(3)}:",
        CELERY_QUEUE=f"{app.config['CELERY_QUEUE']}-redis-{secrets.token_hex(3)}",
    ) as api_app, worker_process(api_app, tmp_path / "worker.log", name="steady", beat=True, env={
        "BV_SWEEP_INTERVAL_SECONDS": "1", "BV_SWEEP_AFTER_SECONDS": "10", "BV_TEST_EVALUATION_SECONDS": "1",
    }) as worker:
        client = api_app.test_client()

        def post(member_id, wait=0):
            return client.post(f"/api/v1/verifications?wait={wait}", json=body(**{"coverage.member_id": member_id}),
                               headers=auth())

        before = post("RDS-0", wait=10)
        assert before.status_code == 200 and before.json["status"] == "complete"
        running = post("RDS-running")
        wait_until(lambda: statuses(app, [UUID(running.json["id"])]) == ["running"], 10, "a task in progress")

        redis_server.stop()
        outage = {
            "new": post("RDS-1"),
            "new, waiting": post("RDS-2", wait=3),
            "cached before": post("RDS-0"),
            "read": client.get(before.json["links"]["self"], headers=auth()),
            "search": client.get("/api/v1/verifications", headers=auth("billing")),
            "payers": client.get("/api/v1/payers", headers=auth()),
        }
        ready = client.get("/readyz")
        started = time.monotonic()
        more = [post(f"RDS-{n}") for n in range(3, 8)]
        per_request = (time.monotonic() - started) / len(more)

        assert {name: answer.status_code for name, answer in outage.items()} == {
            "new": 202, "new, waiting": 202, "cached before": 202, "read": 200, "search": 200, "payers": 200,
        }
        assert {answer.status_code for answer in more} == {202}
        assert outage["read"].json["status"] == "complete"
        assert ready.status_code == 503 and ready.json["checks"]["redis"] is False
        assert ready.headers["Retry-After"]
        assert per_request < 1.0, "an outage must not make every request slow"

        redis_server.start()
        back_at = time.monotonic()
        accepted = [UUID(answer.json["id"]) for answer in [running, *outage.values(), *more] if answer.status_code == 202]
        wait_until(lambda: set(statuses(app, accepted)) == {"complete"}, 60, "every accepted verification complete")
        recovered = time.monotonic() - back_at
        after = post("RDS-8", wait=10)
        assert worker.process.poll() is None, "the worker outlived the outage"

    assert after.status_code == 200, after.json
    record_property("redis_outage_request_seconds", round(per_request, 3))
    record_property("redis_recovery_seconds", round(recovered, 1))
    print(f"\nduring the outage a POST took {per_request * 1000:.0f} ms (202); "
          f"{len(accepted)} accepted verifications complete {recovered:.1f} s after Redis came back")
