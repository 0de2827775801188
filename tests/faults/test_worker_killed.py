"""SIGKILL a real Celery worker (prefork) while it holds verifications: after a new worker starts,
every accepted verification completes exactly once, none lost, none finished twice.

The killed worker's two messages were delivered but never acknowledged. The Redis transport
hands such messages out again only after the broker's visibility timeout (an hour in
production, so that no long task is ever run twice), so in production it is the sweep that
brings them back, SWEEP_AFTER_SECONDS after they were queued. Both ways are measured here: the
sweep under the production visibility timeout, and a 5 s visibility timeout without a sweep.
"""

import json
import secrets
import time
from uuid import UUID

import pytest
from sqlalchemy import select

from service.extensions import db
from service.models import Verification
from tests.conftest import another_app
from tests.faults.private_services import wait_until, worker_process
from tests.requests import body

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.usefixtures("clean_verifications")]

ACCEPTED = 6
EVALUATION_SECONDS = 4


def statuses(app, ids) -> dict:
    with app.app_context():
        rows = db.session.execute(select(Verification.id, Verification.status).where(Verification.id.in_(ids))).all()
        db.session.rollback()
    return dict(rows)


@pytest.mark.parametrize("redelivery", ["sweep", "visibility_timeout"])
def test_worker_killed_mid_task_loses_nothing_and_finishes_each_once(app, auth, tmp_path, redelivery, record_property):
    queue = f"{app.config['CELERY_QUEUE']}-kill-{secrets.token_hex(3)}"
    # kombu looks for overdue messages every unacked_restore_interval × unacked_restore_throttle seconds (100 s by default).
    short_visibility = {"broker_transport_options": {
        "global_keyprefix": app.config["REDIS_KEY_PREFIX"], "visibility_timeout": 5,
        "unacked_restore_interval": 1, "unacked_restore_throttle": 1,
    }}
    celery = json.dumps(short_visibility if redelivery == "visibility_timeout" else {})
    with another_app(app, CELERY_QUEUE=queue) as kill_app:
        client = kill_app.test_client()
        with worker_process(kill_app, tmp_path / "first.log", name="first",
                            env={"BV_TEST_EVALUATION_SECONDS": str(EVALUATION_SECONDS), "BV_TEST_CELERY": celery}) as first:
            answers = [
                client.post("/api/v1/verifications", json=body(**{"coverage.member_id": f"KILL-{n}"}), headers=auth())
                for n in range(ACCEPTED)
            ]
            assert {answer.status_code for answer in answers} == {202}
            ids = [UUID(answer.json["id"]) for answer in answers]
            wait_until(lambda: list(statuses(app, ids).values()).count("running") == 2, 30,
                       "the worker taking one verification per pool process")
            first.kill()
            killed_at = time.monotonic()

        held = {i for i, status in statuses(app, ids).items() if status == "running"}
        assert len(held) == 2 and "complete" not in statuses(app, ids).values(), "killed mid-task"
        second_env = {"BV_TEST_CELERY": celery}
        if redelivery == "sweep":
            # Tasks here last seconds, so the sweep may call a verification lost after 5 s.
            second_env.update(BV_SWEEP_INTERVAL_SECONDS="1", BV_SWEEP_AFTER_SECONDS="5")
        with worker_process(kill_app, tmp_path / "second.log", name="second", beat=redelivery == "sweep",
                            env=second_env):
            wait_until(lambda: set(statuses(app, ids).values()) == {"complete"}, 60, "every verification complete")
            recovered = time.monotonic() - killed_at

    record_property(f"recovery_after_kill_{redelivery}_seconds", round(recovered, 1))
    print(f"\nworker killed holding {len(held)} of {ACCEPTED}; all complete {recovered:.1f} s later ({redelivery})")
    with app.app_context():
        rows = db.session.scalars(select(Verification).where(Verification.id.in_(ids))).all()
        assert len(rows) == ACCEPTED
        for row in rows:
            assert row.status == "complete"
            assert len(row.denials) == len(row.result["denial_reasons"]), "finished once: one set of denial reasons"
            assert row.attempts == (2 if row.id in held else 1)
        assert len(db.session.scalars(select(Verification.id)).all()) == ACCEPTED, "no extra rows"
