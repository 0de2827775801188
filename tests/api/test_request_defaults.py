"""What the API fills in when a request leaves an optional field out."""

from datetime import date, timedelta
from uuid import UUID

from service.extensions import db
from service.models import Verification
from tests.requests import body


def test_unknown_veteran_status_leaves_va_eligibility_to_the_referral(client, auth, celery_worker):
    response = client.post("/api/v1/verifications?wait=10", json=body(**{"patient.veteran": None}), headers=auth())

    assert response.status_code == 200
    assert response.json["program"] == "va_ccn"
    assert response.json["determination"] != "needs_review", response.json["requirements"]


def test_good_faith_estimate_deadline_is_never_in_the_past(client, auth, celery_worker):
    soon = (date.today() + timedelta(days=1)).isoformat()
    self_pay = body(coverage={"program": "self_pay"}, date_of_service=soon)

    response = client.post("/api/v1/verifications?wait=10", json=self_pay, headers=auth())

    assert response.status_code == 200
    deliver_by = response.json["good_faith_estimate"]["delivery"]["deliver_by"]
    # Booked less than 3 business days ahead, no scheduling deadline applies (45 CFR 149.610).
    assert deliver_by is None or deliver_by >= date.today().isoformat()


def test_the_same_body_sent_the_next_day_is_dated_that_day(app, client, auth, celery_worker, monkeypatch):
    # Identical bodies are validated once (service/body_memo.py); a date the schema fills in must still be the day's.
    undated = body(**{"coverage.member_id": "770011223", "date_of_service": None})
    today, tomorrow = date.today(), date.today() + timedelta(days=1)

    first = client.post("/api/v1/verifications?wait=10", json=undated, headers=auth())

    class Tomorrow(date):
        @classmethod
        def today(cls):
            return tomorrow

    monkeypatch.setattr("schemas.verification_request.date", Tomorrow)
    monkeypatch.setattr("service.body_memo.date", Tomorrow)
    again = client.post("/api/v1/verifications?wait=10", json=undated, headers=auth())

    with app.app_context():
        dated = {answer.json["id"]: db.session.get(Verification, UUID(answer.json["id"])).request["date_of_service"]
                 for answer in (first, again)}
    assert dated == {first.json["id"]: today.isoformat(), again.json["id"]: tomorrow.isoformat()}
    assert again.json["cached"] is False, "another day's date of service is another request"
