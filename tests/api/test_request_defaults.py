"""What the API fills in when a request leaves an optional field out."""

from datetime import date, timedelta

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
