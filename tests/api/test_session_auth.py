"""Staff sign-in: the console's pages and the API with a session cookie, CSRF on writes, keys winning over sessions."""

from uuid import UUID

import pytest

from service import staff as service_staff
from service.extensions import db
from service.models import Verification
from tests.conftest import csrf_token, sign_in
from tests.requests import body


@pytest.fixture
def intake_client(signed_in):
    return signed_in("intake")


def test_pages_send_a_stranger_to_sign_in(client):
    response = client.get("/billing")

    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/billing"


def test_sign_in_sets_an_httponly_samesite_session_cookie(client, staff):
    response = sign_in(client, staff["intake"], "/batches")

    assert response.status_code == 302 and response.headers["Location"] == "/batches"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie, "Secure only when BV_SESSION_COOKIE_SECURE says the site is HTTPS"
    assert staff["intake"][1] not in cookie


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil.example"])
def test_sign_in_never_redirects_off_the_site(client, staff, target):
    response = sign_in(client, staff["intake"], target)

    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_wrong_password_is_refused_without_saying_which_part_was_wrong(client, staff):
    wrong = sign_in(client, (staff["intake"][0], "not the password"))
    unknown = sign_in(client, ("nobody-here", "not the password"))

    assert wrong.status_code == unknown.status_code == 401
    assert "do not match an active account" in wrong.get_data(as_text=True)
    assert client.get("/intake").status_code == 302


def test_sign_in_form_without_its_csrf_token_is_refused(client, staff):
    response = client.post("/login", data={"username": staff["intake"][0], "password": staff["intake"][1]})

    assert response.status_code == 401
    assert client.get("/intake").status_code == 302


def test_a_role_reaches_only_its_pages(intake_client):
    assert intake_client.get("/intake").status_code == 200
    assert intake_client.get("/batches").status_code == 200
    refused = intake_client.get("/billing")
    assert refused.status_code == 403
    assert "Not for your role" in refused.get_data(as_text=True)


def test_pages_carry_no_api_key_and_are_never_cached(intake_client):
    response = intake_client.get("/intake")

    assert "bvk_" not in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"


def test_session_reads_the_api_without_a_key(intake_client):
    assert intake_client.get("/api/v1/payers").status_code == 200
    assert intake_client.get("/api/v1/verifications").status_code == 403


def test_session_writes_need_the_csrf_token(app, intake_client, staff):
    refused = intake_client.post("/api/v1/verifications", json=body(**{"coverage.member_id": "SESS-1"}))
    token = csrf_token(intake_client, "/intake")
    accepted = intake_client.post("/api/v1/verifications?wait=0", json=body(**{"coverage.member_id": "SESS-1"}),
                                  headers={"X-CSRFToken": token})

    assert refused.status_code == 403
    assert "CSRF" in refused.json["error"]["message"]
    assert accepted.status_code in (200, 202)
    with app.app_context():
        stored = db.session.get(Verification, UUID(accepted.json["id"]))
        user = service_staff.find_user(staff["intake"][0])
        assert (stored.staff_user_id, stored.api_key_id) == (user.id, None)


def test_a_key_wins_over_the_session(app, staff, auth):
    client = app.test_client()
    sign_in(client, staff["billing"])
    assert client.get("/api/v1/verifications").status_code == 200

    assert client.get("/api/v1/verifications", headers=auth("intake")).status_code == 403
    written = client.post("/api/v1/verifications", json=body(**{"coverage.member_id": "KEY-WINS"}), headers=auth("intake"))
    assert written.status_code in (200, 202), "a key needs no CSRF token"


def test_sign_out_needs_a_post_with_its_token_and_ends_the_session(intake_client):
    assert intake_client.get("/logout").status_code == 405
    assert intake_client.post("/logout").status_code == 400
    assert intake_client.get("/intake").status_code == 200

    token = csrf_token(intake_client, "/intake")
    assert intake_client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert intake_client.get("/intake").status_code == 302
    assert intake_client.get("/api/v1/payers").status_code == 401


def test_disabling_a_user_or_changing_the_password_ends_open_sessions(app):
    with app.app_context():
        service_staff.create_user("shift-worker", "correct horse battery", "intake")
    client = app.test_client()
    sign_in(client, ("shift-worker", "correct horse battery"))
    assert client.get("/intake").status_code == 200

    with app.app_context():
        service_staff.set_password(service_staff.find_user("shift-worker"), "another long passphrase")
    assert client.get("/intake").status_code == 302

    sign_in(client, ("shift-worker", "another long passphrase"))
    with app.app_context():
        service_staff.set_disabled(service_staff.find_user("shift-worker"), True)
    assert client.get("/intake").status_code == 302
    assert sign_in(client, ("shift-worker", "another long passphrase")).status_code == 401


def test_only_an_argon2_hash_of_the_password_is_stored(app, staff):
    with app.app_context():
        user = service_staff.find_user(staff["billing"][0])

    assert user.password_hash.startswith("$argon2id$")
    assert staff["billing"][1] not in user.password_hash


def test_good_faith_estimate_only_for_self_pay_and_only_signed_in(app, client, intake_client, auth, celery_worker, monkeypatch):
    insured = client.post("/api/v1/verifications?wait=10", json=body(**{"coverage.member_id": "GFE-1"}), headers=auth()).json
    self_pay = client.post("/api/v1/verifications?wait=10", headers=auth(), json=body(**{
        "coverage": {"program": "self_pay"}, "patient.first_name": "Rowan"})).json

    refused = intake_client.get(f"/intake/verifications/{self_pay['id']}/good-faith-estimate")
    assert refused.status_code == 409 and "BV_CLINIC_TIN" in refused.get_data(as_text=True)
    for setting, value in (("CLINIC_NAME", "Cedar Clinic"), ("CLINIC_NPI", "1234567893"), ("CLINIC_TIN", "12-3456789"),
                           ("CLINIC_ADDRESS", "12 Cedar Street, Fresno, CA")):
        monkeypatch.setitem(app.config, setting, value)
    estimate = intake_client.get(f"/intake/verifications/{self_pay['id']}/good-faith-estimate")

    assert estimate.status_code == 200 and estimate.headers["Cache-Control"] == "no-store"
    assert "Rowan Reyes" in estimate.get_data(as_text=True)
    assert intake_client.get(f"/intake/verifications/{insured['id']}/good-faith-estimate").status_code == 404
    assert client.get(f"/intake/verifications/{self_pay['id']}/good-faith-estimate").status_code == 302
