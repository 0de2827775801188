"""The clinic's settings: an admin sets them (page or API), every document reads them, the environment fills gaps."""

import pytest
from sqlalchemy import select

from service.clinic import clinic_details, save
from service.extensions import db
from service.models import AuditEvent
from tests.conftest import csrf_token
from tests.requests import body

pytestmark = pytest.mark.usefixtures("clean_clinic_settings")

CEDAR = {"name": "Cedar Ketamine Clinic", "npi": "1234567893", "tin": "12-3456789",
         "address": "12 Cedar Street, Fresno, CA 93721", "phone": "(559) 555-0100"}


def test_a_stored_detail_beats_the_environment_and_the_environment_fills_the_rest(app, monkeypatch):
    monkeypatch.setitem(app.config, "CLINIC_NAME", "Old Name From The Environment")
    monkeypatch.setitem(app.config, "CLINIC_ADDRESS", "1 Env Road, Fresno, CA")
    with app.test_request_context():
        save({"name": "Cedar Ketamine Clinic", "npi": "1234567893"})
    with app.test_request_context():
        details = clinic_details()

    assert (details.name, details.npi, details.address, details.tin) == (
        "Cedar Ketamine Clinic", "1234567893", "1 Env Road, Fresno, CA", "")
    assert (details.source("name"), details.source("address"), details.source("tin")) == ("settings", "environment", "unset")
    assert details.missing_for_good_faith_estimate() == ["tin"]


def test_an_admin_key_sets_and_reads_the_settings(client, auth):
    saved = client.put("/api/v1/settings/clinic", json=CEDAR, headers=auth("admin"))

    assert saved.status_code == 200, saved.json
    read = client.get("/api/v1/settings/clinic", headers=auth("admin")).json
    assert {field: read[field] for field in CEDAR} == CEDAR
    assert set(read["sources"].values()) == {"settings"}
    assert read["missing_for_good_faith_estimate"] == [] and read["updated_at"]


def test_leaving_a_detail_out_hands_it_back_to_the_environment(client, auth, app, monkeypatch):
    monkeypatch.setitem(app.config, "CLINIC_PHONE", "(559) 555-0199")
    client.put("/api/v1/settings/clinic", json=CEDAR, headers=auth("admin"))

    read = client.put("/api/v1/settings/clinic", json={**CEDAR, "phone": ""}, headers=auth("admin")).json

    assert read["phone"] == "(559) 555-0199" and read["sources"]["phone"] == "environment"
    assert read["name"] == CEDAR["name"]


@pytest.mark.parametrize("role", ["intake", "billing"])
def test_only_admins_reach_the_settings(client, auth, signed_in, role):
    assert client.get("/api/v1/settings/clinic", headers=auth(role)).status_code == 403
    assert client.put("/api/v1/settings/clinic", json=CEDAR, headers=auth(role)).status_code == 403
    staff = signed_in(role)
    assert staff.get("/settings").status_code == 403
    assert staff.get("/api/v1/settings/clinic").status_code == 403
    assert staff.post("/settings", data={**CEDAR, "csrf_token": csrf_token(staff, "/intake")}).status_code == 403
    assert 'href="/settings"' not in staff.get("/intake").get_data(as_text=True), "no Settings link for this role"
    assert client.get("/api/v1/settings/clinic").status_code == 401


@pytest.mark.parametrize(("field", "value", "words"), [
    ("npi", "1234567890", "last digit does not match"),
    ("npi", "12345", "10 digits"),
    ("tin", "12-34567", "9 digits"),
    ("phone", "555-0100", "10-digit phone number"),
])
def test_a_bad_detail_is_refused_naming_its_field_and_nothing_is_saved(client, auth, field, value, words):
    client.put("/api/v1/settings/clinic", json=CEDAR, headers=auth("admin"))

    refused = client.put("/api/v1/settings/clinic", json={**CEDAR, "name": "Changed", field: value}, headers=auth("admin"))

    assert refused.status_code == 422
    assert list(refused.json["error"]["fields"]) == [field]
    assert words in refused.json["error"]["fields"][field][0]
    assert client.get("/api/v1/settings/clinic", headers=auth("admin")).json["name"] == CEDAR["name"]


def test_a_change_is_audited_with_the_details_changed_never_their_values(app, client, auth, signed_in):
    client.put("/api/v1/settings/clinic", json=CEDAR, headers=auth("admin"))
    admin = signed_in("admin")
    page = admin.post("/settings", data={**CEDAR, "npi": "1245319599", "csrf_token": csrf_token(admin, "/settings")})
    assert page.status_code == 302

    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "settings").order_by(AuditEvent.id)).all()
        assert [(event.endpoint, event.query, event.api_key_id is None, event.staff_user_id is None) for event in events] == [
            ("clinic_settings.set_clinic_settings", "changed=name,npi,tin,address,phone", False, True),
            ("settings.clinic_page", "changed=npi", True, False),
        ]


def test_the_settings_page_shows_a_bad_npi_at_its_field_and_keeps_what_was_typed(signed_in):
    admin = signed_in("admin")

    page = admin.post("/settings", data={**CEDAR, "npi": "1234567890", "csrf_token": csrf_token(admin, "/settings")})

    text = page.get_data(as_text=True)
    assert page.status_code == 422
    assert 'id="npi-error"' in text and "last digit does not match" in text
    assert 'value="Cedar Ketamine Clinic"' in text and 'value="1234567890"' in text


def test_the_estimate_and_the_270_name_the_clinic_from_the_settings(app, client, auth, signed_in, celery_worker,
                                                                    monkeypatch):
    for setting in ("CLINIC_NAME", "CLINIC_NPI", "CLINIC_TIN", "CLINIC_ADDRESS"):
        monkeypatch.setitem(app.config, setting, "")
    self_pay = client.post("/api/v1/verifications?wait=10", headers=auth(), json=body(coverage={"program": "self_pay"})).json
    insured = client.post("/api/v1/verifications?wait=10", headers=auth(), json=body(**{"coverage.member_id": "SET-1"})).json
    intake, admin = signed_in("intake"), signed_in("admin")

    refused = intake.get(f"/intake/verifications/{self_pay['id']}/good-faith-estimate")
    assert refused.status_code == 409 and "Ask an admin" in refused.get_data(as_text=True)
    refused_for_admin = admin.get(f"/intake/verifications/{self_pay['id']}/good-faith-estimate").get_data(as_text=True)
    assert 'href="/settings"' in refused_for_admin
    assert client.get(f"/api/v1/verifications/{insured['id']}/x12-270", headers=auth()).status_code == 409

    client.put("/api/v1/settings/clinic", json=CEDAR, headers=auth("admin"))

    estimate = intake.get(f"/intake/verifications/{self_pay['id']}/good-faith-estimate").get_data(as_text=True)
    assert all(CEDAR[field] in estimate for field in ("npi", "tin", "phone")) and "12 Cedar Street" in estimate
    inquiry = client.get(f"/api/v1/verifications/{insured['id']}/x12-270", headers=auth()).get_data(as_text=True)
    assert "CEDAR KETAMINE CLINIC" in inquiry.upper() and "1234567893" in inquiry and "REF*TJ*123456789" in inquiry
    fhir = client.get(f"/api/v1/verifications/{insured['id']}/fhir", headers=auth()).json
    assert fhir["requestor"]["identifier"]["value"] == "1234567893"
