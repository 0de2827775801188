"""The verify task: ids only in its messages, one evaluation per verification, failures recorded."""

import logging
import time
from uuid import UUID

import pytest
from celery.signals import before_task_publish

import workers.rules
from schemas.verification_request import VerificationRequestSchema
from service import queue
from service.extensions import db
from service.models import Verification
from service.verification.accept import canonical, fingerprints
from service.verification.row import FINISHED
from tests.requests import body

PATIENT = {"patient.first_name": "Marisol", "patient.last_name": "Quintanilla", "coverage.member_id": "QX9981234"}


def queued(app, **changes) -> UUID:
    """A verification saved as the API saves it, not yet sent to the broker."""
    with app.app_context():
        request_json = canonical(VerificationRequestSchema().load(body(**changes)))
        request_digest, fingerprint = fingerprints(request_json)
        verification = Verification(request=request_json, request_digest=request_digest, fingerprint=fingerprint)
        db.session.add(verification)
        db.session.commit()
        return verification.id


def stored(app, verification_id) -> Verification:
    with app.app_context():
        verification = db.session.get(Verification, verification_id)
        db.session.expunge(verification)
        return verification


def finished(app, verification_id, seconds=20) -> Verification:
    deadline = time.monotonic() + seconds
    while (verification := stored(app, verification_id)).status not in FINISHED:
        assert time.monotonic() < deadline, f"still {verification.status}"
        time.sleep(0.05)
    return verification


@pytest.fixture
def verify_task(app):
    """This app's verify task (called with .apply, which runs it here, through Celery's task machinery)."""
    return app.extensions["celery"].tasks["workers.tasks.verify"]


def test_worker_completes_a_queued_verification(app, celery_worker):
    verification_id = queued(app, **{"coverage.member_id": "T-100"})

    with app.app_context():
        queue.verify(verification_id)

    verification = finished(app, verification_id)
    assert verification.status == "complete"
    assert verification.determination == verification.result["determination"]
    assert verification.attempts == 1


def test_task_message_carries_the_id_and_no_patient_data(client, auth, celery_worker):
    published = []

    def capture(body=None, headers=None, **kwargs):
        published.append(repr(body) + repr(headers))

    before_task_publish.connect(capture, weak=False)
    try:
        response = client.post("/api/v1/verifications?wait=10", json=body(**PATIENT), headers=auth())
    finally:
        before_task_publish.disconnect(capture)

    assert response.status_code == 200
    assert len(published) == 1
    assert response.json["id"] in published[0]
    for value in ("Marisol", "Quintanilla", "QX9981234", "1979-03-14"):
        assert value not in published[0]


def test_finished_verification_is_never_evaluated_again(app, verify_task, evaluations):
    verification_id = queued(app, **{"coverage.member_id": "T-200"})

    verify_task.apply(args=[str(verification_id)])
    first = stored(app, verification_id)
    verify_task.apply(args=[str(verification_id)])

    assert evaluations.count("T-200") == 1
    assert stored(app, verification_id).completed_at == first.completed_at
    with app.app_context():
        assert len(db.session.get(Verification, verification_id).denials) == len(first.result["denial_reasons"])


def test_verification_left_running_by_a_lost_worker_is_evaluated_on_redelivery(app, verify_task, evaluations):
    verification_id = queued(app, **{"coverage.member_id": "T-300"})
    with app.app_context():
        db.session.get(Verification, verification_id).status = "running"
        db.session.commit()

    verify_task.apply(args=[str(verification_id)])

    assert stored(app, verification_id).status == "complete"
    assert evaluations.count("T-300") == 1


def test_task_for_a_purged_verification_does_nothing(app, verify_task, evaluations):
    verification_id = queued(app, **{"coverage.member_id": "T-400"})
    with app.app_context():
        db.session.delete(db.session.get(Verification, verification_id))
        db.session.commit()

    result = verify_task.apply(args=[str(verification_id)])

    assert result.successful()
    assert "T-400" not in evaluations


def test_rule_failure_marks_the_verification_failed_without_patient_data_in_the_log(
    app, verify_task, monkeypatch, caplog
):
    def broken(request):
        raise ValueError(f"cannot read member {request['coverage']['member_id']}")

    monkeypatch.setattr(workers.rules, "evaluate", broken)
    verification_id = queued(app, **PATIENT)

    with caplog.at_level(logging.DEBUG):
        verify_task.apply(args=[str(verification_id)])

    verification = stored(app, verification_id)
    assert verification.status == "failed"
    assert "could not evaluate" in verification.error
    assert "ValueError" in caplog.text
    for value in ("Marisol", "Quintanilla", "QX9981234"):
        assert value not in caplog.text
