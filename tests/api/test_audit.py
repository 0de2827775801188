"""The audit trail: which key created or read which verification, and when; ids only, kept after a purge."""

import pytest
import sqlalchemy.exc
from flask import url_for
from sqlalchemy import inspect, select

from service import audit, pages
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
                           ("list", "None", billing)]


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


def test_every_create_event_says_where_it_came_from(app, client, auth, celery_worker):
    payload = body(**{"coverage.member_id": "AUD-3"})
    address = {"REMOTE_ADDR": "198.51.100.7"}
    queued = client.post("/api/v1/verifications?wait=10", json=payload, headers=auth("intake"), environ_base=address).json
    cached = client.post("/api/v1/verifications", json=payload, headers=auth("intake"), environ_base=address).json

    with app.app_context():
        found = {str(event.verification_id): (event.action, event.endpoint, event.remote_addr)
                 for event in db.session.scalars(select(AuditEvent))}
    assert cached["cached"] is True
    assert found == {queued["id"]: ("create", "verifications.create", "198.51.100.7"),
                     cached["id"]: ("create", "verifications.create", "198.51.100.7")}


def test_refused_and_unknown_reads_leave_no_event(app, client, auth):
    client.get("/api/v1/verifications/00000000-0000-4000-8000-000000000000", headers=auth("intake"))
    client.get("/api/v1/verifications", headers=auth("intake"))

    assert events(app) == []


def test_the_audit_table_can_hold_no_patient_data(app):
    with app.app_context():
        columns = {column["name"] for column in inspect(db.engine).get_columns("audit_events")}

    assert columns == {"id", "at", "action", "endpoint", "verification_id", "batch_id", "query", "remote_addr",
                       "api_key_id", "staff_user_id"}


# Every route, walked from the URL map: one event for each answer that shows a patient's data.

def all_endpoints(app) -> set[str]:
    return {rule.endpoint for rule in app.url_map.iter_rules()}


def test_every_route_is_classed_as_showing_patient_data_or_not(app):
    classes = (set(audit.PATIENT_DATA), set(audit.RECORDED_WITH_THE_ROW), set(audit.NO_PATIENT_DATA))

    assert all_endpoints(app) == set().union(*classes), "a new route must say whether it shows patient data"
    assert sum(len(endpoints) for endpoints in classes) == len(set().union(*classes)), "each route in one class only"


@pytest.fixture
def stored(app, client, auth, celery_worker):
    """A finished insured verification, a finished self-pay one (it has a Good Faith Estimate) and a batch."""
    from tests.api.test_batches import HEADER, finished, row

    insured = client.post("/api/v1/verifications?wait=10", json=body(**{"coverage.member_id": "AUD-WALK"}),
                          headers=auth()).json
    self_pay = client.post("/api/v1/verifications?wait=10", json=body(coverage={"program": "self_pay"}),
                           headers=auth()).json
    batch = client.post("/api/v1/batches", data=f"{HEADER}\n{row('AUD-B1')}\n".encode(), content_type="text/csv",
                        headers=auth()).json
    finished(client, auth, batch["links"]["self"])
    assert insured["status"] == self_pay["status"] == "complete"
    return {"verification_id": insured["id"], "self_pay_id": self_pay["id"], "batch_id": batch["id"]}


def requests_for(app, stored) -> list[tuple[str, str, dict]]:
    """(endpoint, path, query) for every way a patient-data route answers: each route, and CSV where it has it."""
    with app.test_request_context():
        made = []
        for endpoint in audit.PATIENT_DATA:
            rule = next(rule for rule in app.url_map.iter_rules() if rule.endpoint == endpoint)
            values = {name: stored[name] for name in rule.arguments}
            if endpoint == "intake.good_faith_estimate":
                values = {"verification_id": stored["self_pay_id"]}
            made.append((endpoint, url_for(endpoint, **values), {}))
            if endpoint in ("batches.batch", "billing.list_verifications"):
                made.append((endpoint, url_for(endpoint, **values), {"format": "csv"}))
    return made


# The console's pages, read by a signed-in staff user (the API's routes by key).
PAGES = tuple(f"{blueprint.name}." for blueprint in pages.BLUEPRINTS)


def view_role(app, endpoint) -> str:
    return app.view_functions[endpoint].required_role


def test_each_patient_data_route_writes_exactly_one_event(app, client, keys, signed_in, stored, monkeypatch):
    monkeypatch.setitem(app.config, "CLINIC_NAME", "Front Range Ketamine")
    monkeypatch.setitem(app.config, "CLINIC_NPI", "1234567893")
    # The Good Faith Estimate prints only with the clinic's details the law requires.
    monkeypatch.setitem(app.config, "CLINIC_TIN", "12-3456789")
    monkeypatch.setitem(app.config, "CLINIC_ADDRESS", "12 Cedar Street, Fresno, CA 93721")
    staff_clients = {}
    walked = requests_for(app, stored)

    for endpoint, path, query in walked:
        role = view_role(app, endpoint)
        before = len(rows(app))
        if endpoint.startswith(PAGES):
            caller = staff_clients.setdefault(role, signed_in(role))
            response = caller.get(path, query_string=query, environ_base={"REMOTE_ADDR": "203.0.113.9"})
        else:
            response = client.get(path, query_string=query, headers={"X-API-Key": keys[role]},
                                  environ_base={"REMOTE_ADDR": "203.0.113.9"})
        # Read it all: a streamed CSV holds its request's context open until it ends.
        assert response.status_code == 200 and response.get_data(), (endpoint, response.status_code)

        new = rows(app)[before:]
        assert len(new) == 1, f"{endpoint} {query}: {len(new)} events"
        event = new[0]
        assert event.endpoint == endpoint and event.remote_addr == "203.0.113.9"
        assert event.action == ("export" if query.get("format") == "csv" else audit.PATIENT_DATA[endpoint])
        assert (event.api_key_id is None) == endpoint.startswith(PAGES)
        assert (event.staff_user_id is None) != endpoint.startswith(PAGES)
        if "verification_id" in path or "/verifications/" in path:
            assert str(event.verification_id) in path
        if "batches/" in path:
            assert str(event.batch_id) == stored["batch_id"]
    assert {endpoint for endpoint, _, _ in walked} == set(audit.PATIENT_DATA)


def rows(app) -> list[AuditEvent]:
    with app.app_context():
        found = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        db.session.expunge_all()
        return found


def test_a_list_records_its_filters_and_an_export_too(app, client, auth, history):
    client.get("/api/v1/verifications", query_string={"program": "commercial", "carc": "55", "page": 1},
               headers=auth("billing"))
    client.get("/api/v1/verifications", query_string={"format": "csv", "determination": "not_covered"},
               headers=auth("billing"))

    listed, exported = rows(app)[-2:]
    assert (listed.action, listed.query, listed.verification_id) == ("list", "carc=55&page=1&program=commercial", None)
    assert (exported.action, exported.query) == ("export", "determination=not_covered&format=csv")


def test_no_route_without_patient_data_writes_an_event(app, client, keys):
    for path in ("/healthz", "/api/v1/payers", "/api/v1/denial-reasons", "/api/v1/openapi.json", "/api/v1/docs"):
        client.get(path, headers={"X-API-Key": keys["admin"]})

    assert rows(app) == []


def test_a_read_whose_event_cannot_be_written_shows_nothing(app, client, auth, stored, monkeypatch):
    def failing_commit():
        raise sqlalchemy.exc.OperationalError("INSERT INTO audit_events", {}, Exception("database went away"))

    monkeypatch.setattr(audit.db.session, "commit", failing_commit)
    response = client.get(f"/api/v1/verifications/{stored['verification_id']}", headers=auth())

    assert response.status_code == 503
    assert "determination" not in response.get_data(as_text=True)
