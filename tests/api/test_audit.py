"""The audit trail: which key created or read which verification, and when; ids only, kept after a purge."""

import pytest
from sqlalchemy import inspect, select

from service.auth import find_key
from service.extensions import db
from service.models import AuditEvent
from tests.requests import body

pytestmark = pytest.mark.usefixtures("clean_verifications")


def events(app) -> list[tuple[str, str, int | None]]:
    with app.app_context():
        return [
            (event.action, str(event.verification_id), event.api_key_id)
            for event in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))
        ]


def key_id(app, plain) -> int:
    with app.app_context():
        return find_key(plain).id


def test_creating_and_reading_a_verification_are_recorded_with_the_key(app, client, keys, auth):
    intake, billing = key_id(app, keys["intake"]), key_id(app, keys["billing"])

    created = client.post("/api/v1/verifications", json=body(**{"coverage.member_id": "AUD-1"}), headers=auth("intake")).json
    client.get(f"/api/v1/verifications/{created['id']}", headers=auth("billing"))
    client.get("/api/v1/verifications", headers=auth("billing"))

    assert events(app) == [("create", created["id"], intake), ("read", created["id"], billing),
                           ("list", created["id"], billing)]


def test_a_cache_hit_and_an_idempotent_replay_are_recorded_too(app, client, keys, auth, celery_worker):
    intake = key_id(app, keys["intake"])
    headers = {**auth("intake"), "Idempotency-Key": "form-77"}

    payload = body(**{"coverage.member_id": "AUD-2"})
    first = client.post("/api/v1/verifications?wait=10", json=payload, headers=headers).json
    replay = client.post("/api/v1/verifications", json=payload, headers=headers).json
    hit = client.post("/api/v1/verifications", json=payload, headers=auth("intake")).json

    assert hit["cached"] is True
    assert events(app) == [("create", first["id"], intake), ("read", replay["id"], intake),
                           ("create", hit["id"], intake)]


def test_refused_and_unknown_reads_leave_no_event(app, client, auth):
    client.get("/api/v1/verifications/00000000-0000-4000-8000-000000000000", headers=auth("intake"))
    client.get("/api/v1/verifications", headers=auth("intake"))

    assert events(app) == []


def test_the_audit_table_can_hold_no_patient_data(app):
    with app.app_context():
        columns = {column["name"] for column in inspect(db.engine).get_columns("audit_events")}

    assert columns == {"id", "at", "action", "verification_id", "api_key_id", "staff_user_id"}
