"""Retention: verifications past BV_RETENTION_DAYS go (command and nightly task), with their denial
reasons; newer ones and the whole audit trail stay."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from service import audit
from service.cli import purge
from service.extensions import db
from service.models import AuditEvent, Verification, VerificationDenial, utcnow
from tests.workers.test_verify_task import queued

pytestmark = pytest.mark.usefixtures("clean_verifications")


def aged(app, days, member_id) -> object:
    """A verification made `days` days ago, with a denial reason and an audit event."""
    verification_id = queued(app, **{"coverage.member_id": member_id})
    with app.app_context():
        db.session.execute(
            update(Verification).where(Verification.id == verification_id)
            .values(created_at=utcnow() - timedelta(days=days), status="complete")
        )
        db.session.add(VerificationDenial(verification_id=verification_id, carc="197", description="No referral."))
        audit.record("create", [verification_id])
    return verification_id


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def remaining(app) -> set:
    with app.app_context():
        return set(db.session.scalars(select(Verification.id)))


def test_purge_command_deletes_what_is_older_than_the_retention(app):
    old = aged(app, app.config["RETENTION_DAYS"] + 1, "RET-1")
    recent = aged(app, app.config["RETENTION_DAYS"] - 1, "RET-2")

    result = app.test_cli_runner().invoke(purge)

    assert result.exit_code == 0, result.output
    assert "Deleted 1 verification" in result.output
    assert remaining(app) == {recent}
    assert count(app, VerificationDenial) == 1
    with app.app_context():
        assert old in set(db.session.scalars(select(AuditEvent.verification_id))), "the audit trail is kept"
    assert count(app, AuditEvent) == 2


def test_purge_takes_a_shorter_period_on_the_command_line(app):
    aged(app, 10, "RET-3")
    kept = aged(app, 2, "RET-4")

    assert app.test_cli_runner().invoke(purge, ["--days", "5"]).exit_code == 0
    assert remaining(app) == {kept}


def test_nightly_task_purges_through_the_worker_machinery(app):
    aged(app, app.config["RETENTION_DAYS"] + 30, "RET-5")
    kept = aged(app, 0, "RET-6")

    result = app.extensions["celery"].tasks["workers.tasks.purge"].apply()

    assert result.get() == 1
    assert remaining(app) == {kept}
