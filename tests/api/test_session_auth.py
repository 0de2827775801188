"""Staff sign-in: the console's pages and the API with a session cookie, CSRF on writes, keys winning over sessions."""

import math
import secrets
import time
from datetime import timedelta
from uuid import UUID

import pytest

from service import staff as service_staff
from service.extensions import db
from service.models import StaffSession, Verification
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


def _new_user(app, role="intake") -> tuple[str, str]:
    login = (f"user-{secrets.token_hex(4)}", secrets.token_urlsafe(16))
    with app.app_context():
        service_staff.create_user(*login, role)
    return login


def _session_cookie(client) -> str:
    return client.get_cookie("bv_session").value


def test_signing_out_revokes_the_cookie_wherever_it_was_copied(app, staff):
    client = app.test_client()
    sign_in(client, staff["billing"])
    copied = _session_cookie(client)

    client.post("/logout", data={"csrf_token": csrf_token(client, "/billing")})

    thief = app.test_client()
    thief.set_cookie("bv_session", copied)
    assert thief.get("/billing").status_code == 302
    assert thief.get("/api/v1/verifications").status_code == 401


def test_a_session_idle_longer_than_the_timeout_ends(app):
    login = _new_user(app)
    client = app.test_client()
    sign_in(client, login)
    idle = app.config["STAFF_SESSION_IDLE_SECONDS"]

    _age_session_of(app, login, last_seen_at=idle - 90)
    assert client.get("/intake").status_code == 200, "a minute and a half before the timeout: still signed in"
    _age_session_of(app, login, last_seen_at=idle - 30)
    assert client.get("/intake").status_code == 200, "the last request moved the idle clock forward"

    _age_session_of(app, login, last_seen_at=idle + 1)
    assert client.get("/intake").status_code == 302


def test_a_session_ends_at_its_absolute_lifetime_however_busy(app):
    login = _new_user(app)
    client = app.test_client()
    sign_in(client, login)
    assert client.get("/intake").status_code == 200

    _age_session_of(app, login, created_at=app.permanent_session_lifetime.total_seconds(),
                    expires_at=app.permanent_session_lifetime.total_seconds())

    assert client.get("/intake").status_code == 302
    assert "Expires" in sign_in(client, login).headers["Set-Cookie"]
    client.get("/intake")  # the page's CSRF token goes into the cookie once
    later = client.get("/intake")
    assert "Set-Cookie" not in later.headers, "the cookie's lifetime does not slide with each request"


def _age_session_of(app, login, **moved_back):
    with app.app_context():
        user_id = service_staff.find_user(login[0]).id
        for row in db.session.scalars(db.select(StaffSession).where(StaffSession.staff_user_id == user_id)):
            for column, seconds in moved_back.items():
                setattr(row, column, getattr(row, column) - timedelta(seconds=seconds))
        db.session.commit()


def test_the_session_table_holds_only_a_hash_of_the_cookies_token(app):
    login = _new_user(app)
    client = app.test_client()
    sign_in(client, login)

    with app.app_context():
        user_id = service_staff.find_user(login[0]).id
        stored = db.session.scalars(db.select(StaffSession.token_hash).where(StaffSession.staff_user_id == user_id)).all()
    token = app.session_interface.get_signing_serializer(app).loads(_session_cookie(client))["token"]
    assert len(stored) == 1 and token not in stored[0] and len(stored[0]) == 64


def test_wrong_passwords_on_one_account_from_many_addresses_are_stopped(app):
    victim, colleague = _new_user(app), _new_user(app)
    free = app.config["LOGIN_FREE_FAILURES"]
    answers = []
    started = time.monotonic()
    for attempt in range(120):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"198.51.100.{attempt + 1}"
        answers.append(sign_in(client, (victim[0], f"guess {attempt}")))
    elapsed = time.monotonic() - started

    statuses = [answer.status_code for answer in answers]
    assert statuses[:free] == [401] * free
    # Past the free failures each checked guess doubles the wait (1 s, 2 s, 4 s, ...), whatever the address:
    # in `elapsed` seconds at most log2(elapsed + 1) more guesses can have been checked.
    assert statuses[free:].count(401) <= math.log2(elapsed + 1) + 1, (elapsed, statuses)
    assert statuses[-1] == 429
    assert int(answers[-1].headers["Retry-After"]) >= 1
    assert "Too many failed sign-ins for this account" in answers[-1].get_data(as_text=True)
    # The office behind the same address: the others still sign in.
    office = app.test_client()
    office.environ_base["REMOTE_ADDR"] = "198.51.100.1"
    assert sign_in(office, colleague).status_code == 302


def test_the_wait_doubles_and_a_success_forgets_the_failures(app, monkeypatch):
    failures = app.extensions["sign_in_failures"]
    monkeypatch.setattr(failures, "_free", 2)
    monkeypatch.setattr(failures, "_first_wait", 1.0)
    assert [failures.wait_after(n) for n in range(1, 6)] == [0, 1, 2, 4, 8]
    assert failures.wait_after(40) == app.config["LOGIN_BACKOFF_MAX_SECONDS"]
    login = _new_user(app)
    client = app.test_client()

    assert [sign_in(client, (login[0], "wrong")).status_code for _ in range(2)] == [401, 401]
    waiting = sign_in(client, login)
    assert waiting.status_code == 429 and waiting.headers["Retry-After"] == "1", "not even the right password, while it waits"
    time.sleep(1.1)
    assert sign_in(client, login).status_code == 302
    assert sign_in(app.test_client(), (login[0], "wrong")).status_code == 401, "the success started the count again"


def test_an_api_call_with_a_key_gets_no_cookie_and_a_page_still_starts_a_session(client, auth):
    answer = client.post("/api/v1/verifications", json=body(), headers=auth())
    assert answer.status_code in (200, 202)
    assert "Set-Cookie" not in answer.headers and "Cookie" not in answer.headers.get("Vary", "")

    login = client.get("/login")
    assert login.status_code == 200 and "bv_session=" in login.headers["Set-Cookie"]
