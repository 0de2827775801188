"""The sweep queues again what lost its task: never sent (broker down), a dead leader's followers,
a worker killed mid-task; and leaves alone what is merely waiting its turn."""

from datetime import timedelta
from uuid import UUID

import pytest
from sqlalchemy import update

from service import sweep
from service.extensions import db
from service.models import Verification, utcnow
from service.verification import cache
from tests.conftest import another_app
from tests.requests import body
from tests.workers.test_verify_task import finished, queued, stored

pytestmark = pytest.mark.usefixtures("clean_verifications")

LONG_AGO = timedelta(hours=1)


def set_row(app, verification_id, **values):
    with app.app_context():
        db.session.execute(update(Verification).where(Verification.id == verification_id).values(**values))
        db.session.commit()


def requeue(app, after_seconds=60) -> int:
    with app.app_context():
        return sweep.requeue_lost(after_seconds)


def test_request_saved_while_the_broker_was_down_is_answered_202_and_completed_by_the_sweep(
    app, client, auth, celery_worker, tmp_path
):
    with another_app(app, REDIS_URL=f"unix://{tmp_path}/gone.sock") as cut_off:
        response = cut_off.test_client().post(
            "/api/v1/verifications?wait=5", json=body(**{"coverage.member_id": "SWP-1"}), headers=auth()
        )

    assert response.status_code == 202, response.json
    saved = stored(app, UUID(response.json["id"]))
    assert saved.status == "queued" and saved.dispatched_at is None

    assert requeue(app) == 1
    assert finished(app, saved.id).status == "complete"


def test_followers_of_a_lost_leader_complete_with_one_evaluation(app, celery_worker, evaluations):
    leader = queued(app, **{"coverage.member_id": "SWP-2"})
    follower = queued(app, **{"coverage.member_id": "SWP-2"})
    for verification_id in (leader, follower):
        set_row(app, verification_id, dispatched_at=utcnow() - LONG_AGO)
    with app.app_context():
        # The in-flight marker still names the leader, as after a worker died holding its task.
        claimed = cache.look_up(stored(app, leader).fingerprint, claim_for=leader)
        assert claimed.outcome is cache.Outcome.CLAIMED

    assert requeue(app) == 2

    assert finished(app, leader).status == finished(app, follower).status == "complete"
    assert evaluations.count("SWP-2") == 1


def test_verification_left_running_by_a_killed_worker_is_completed(app, celery_worker):
    verification_id = queued(app, **{"coverage.member_id": "SWP-3"})
    set_row(app, verification_id, status="running", attempts=1, dispatched_at=utcnow() - LONG_AGO)

    assert requeue(app) == 1

    done = finished(app, verification_id)
    assert done.status == "complete"
    assert done.attempts == 2


def test_recently_queued_verification_is_left_to_its_task(app):
    verification_id = queued(app, **{"coverage.member_id": "SWP-4"})
    set_row(app, verification_id, dispatched_at=utcnow())

    assert requeue(app) == 0
    assert stored(app, verification_id).status == "queued"


def test_verification_that_kept_killing_its_worker_is_failed_not_queued_forever(app):
    verification_id = queued(app, **{"coverage.member_id": "SWP-5"})
    set_row(app, verification_id, status="running", attempts=sweep.MAX_ATTEMPTS, dispatched_at=utcnow() - LONG_AGO)

    assert requeue(app) == 0

    failed = stored(app, verification_id)
    assert failed.status == "failed"
    assert "several attempts" in failed.error


def test_beat_runs_the_sweep_and_the_purge(app):
    schedule = app.extensions["celery"].conf.beat_schedule
    tasks = app.extensions["celery"].tasks

    assert {entry["task"] for entry in schedule.values()} == {"workers.tasks.sweep", "workers.tasks.purge"}
    assert all(entry["task"] in tasks for entry in schedule.values())
    sweep_entry = next(entry for entry in schedule.values() if entry["task"] == "workers.tasks.sweep")
    assert sweep_entry["schedule"] == app.config["SWEEP_INTERVAL_SECONDS"]
    assert app.config["SWEEP_AFTER_SECONDS"] > app.config["TASK_TIME_LIMIT"], "a running task is never swept"
