"""When the session ends or the server cannot be reached, in Debian's Chromium: the front desk signs in again
in a dialog on the page and gets its answer, or reads what went wrong beside the button; nothing typed is lost."""

import threading
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import delete, select, update
from werkzeug.serving import make_server

from service.extensions import db
from service.models import StaffSession, StaffUser, utcnow
from tests.pages.conftest import DESK, StrictPolicy, assert_accessible, screenshots, sign_in, wait_for_path
from tests.pages.test_front_desk import fill_va_with_referral

pytestmark = pytest.mark.e2e

CSV = ("first_name,last_name,date_of_birth,program,carrier,plan_type,member_id,group_number,network_status,"
       "services,charges,diagnoses,date_of_service,sessions\n"
       "Dana,Reyes,1979-03-14,commercial,Aetna,PPO,W123456789,,in_network,96365;J3490,500;45,F43.10,2026-12-01,1\n")
TYPED = {"First name": "Dana", "Last name": "Reyes", "Member ID": "123456789", "Number": "VA0012345678",
         "Codes approved": "96365, 96366, J3490", "Diagnoses (ICD-10-CM)": "F43.10"}


def typed(page) -> dict[str, str]:
    return {label: page.get_by_label(label, exact=True).input_value() for label in TYPED}


def user_id(username):
    return select(StaffUser.id).where(StaffUser.username == username).scalar_subquery()


def end_sessions(app, username) -> None:
    """Sign the user out on the server, as signing out in another tab (or an admin) would."""
    with app.app_context():
        db.session.execute(delete(StaffSession).where(StaffSession.staff_user_id == user_id(username)))
        db.session.commit()


def expire_sessions(app, username) -> None:
    """Let the user's sessions run out their lifetime."""
    with app.app_context():
        db.session.execute(update(StaffSession).where(StaffSession.staff_user_id == user_id(username))
                           .values(expires_at=utcnow() - timedelta(minutes=1)))
        db.session.commit()


def focused_id(page) -> str:
    return page.evaluate("() => document.activeElement.id")


def test_an_ended_session_signs_in_again_in_place_and_the_check_goes_through(page, staff, app):
    sign_in(page, staff["intake"])
    fill_va_with_referral(page)
    end_sessions(app, staff["intake"][0])

    page.get_by_role("button", name="Check coverage").click()
    dialog = page.get_by_role("dialog", name="Sign in again")
    expect(dialog).to_be_visible()
    assert focused_id(page) == "sign-in-again-username", "the focus moves into the dialog"
    screenshots(page, "sign-in-again")
    assert_accessible(page)

    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    expect(page.locator("#check-problem")).to_contain_text("sign-in has ended")
    assert typed(page) == TYPED

    page.get_by_role("button", name="Check coverage").click()
    dialog.get_by_label("Username").fill(staff["intake"][0])
    dialog.get_by_label("Password").fill("not the password")
    dialog.get_by_role("button", name="Sign in").click()
    expect(dialog.get_by_role("alert")).to_contain_text("do not match")
    assert focused_id(page) == "sign-in-again-password"
    dialog.get_by_label("Password").fill(staff["intake"][1])
    dialog.get_by_role("button", name="Sign in").click()

    expect(dialog).to_have_count(0)
    page.locator("#result .badge[data-determination]").first.wait_for()
    assert page.locator("#result .badge").first.get_attribute("data-determination") == "covered"
    assert typed(page) == TYPED, "the form is as it was typed"
    assert page.locator("#check-problem").inner_text() == ""
    page.get_by_role("button", name="Sign out").click()
    wait_for_path(page, "/login")


def test_a_batch_upload_after_the_session_expired_signs_in_again_and_runs(page, staff, app, tmp_path):
    upload = tmp_path / "appointments.csv"
    upload.write_text(CSV)
    sign_in(page, staff["intake"], "/batches")
    page.get_by_label("CSV file of appointments").set_input_files(str(upload))
    expire_sessions(app, staff["intake"][0])

    page.get_by_role("button", name="Upload and check").click()
    dialog = page.get_by_role("dialog", name="Sign in again")
    dialog.get_by_label("Username").fill(staff["intake"][0])
    dialog.get_by_label("Password").fill(staff["intake"][1])
    dialog.get_by_role("button", name="Sign in").click()

    expect(page.locator("#batch-count")).to_contain_text("1 of 1 rows done", timeout=30_000)
    expect(page.locator("#batch-csv")).to_be_visible()


def check_problem_beside_the_button(page, words: str) -> None:
    problem = page.locator("#check-problem")
    expect(problem).to_contain_text(words)
    assert problem.get_attribute("role") == "alert"
    button, said = page.locator("#check").bounding_box(), problem.bounding_box()
    assert abs(said["y"] - button["y"]) < 80 and said["x"] - (button["x"] + button["width"]) < 40, "beside the button"
    assert page.locator("#result").inner_text().strip() == ""
    assert typed(page) == TYPED


def test_check_coverage_says_so_when_the_request_fails_and_works_again_after(page, staff):
    sign_in(page, staff["intake"])
    fill_va_with_referral(page)

    page.route("**/api/v1/verifications*", lambda route: route.abort("internetdisconnected"))
    page.get_by_role("button", name="Check coverage").click()
    check_problem_beside_the_button(page, "could not be reached")
    screenshots(page, "check-unreachable")
    assert_accessible(page)

    page.unroute("**/api/v1/verifications*")
    page.route("**/api/v1/verifications*", lambda route: route.fulfill(
        status=503, content_type="application/json", headers={"Retry-After": "5"},
        body='{"error": {"code": "unavailable", "message": "The database is not answering; try again shortly."}}'))
    page.get_by_role("button", name="Check coverage").click()
    check_problem_beside_the_button(page, "not working right now")

    page.unroute("**/api/v1/verifications*")
    page.get_by_role("button", name="Check coverage").click()
    page.locator("#result .badge[data-determination]").first.wait_for()
    assert page.locator("#check-problem").inner_text() == ""


def test_check_coverage_gives_up_on_a_server_that_never_answers(page, staff):
    page.clock.install()
    sign_in(page, staff["intake"])
    fill_va_with_referral(page)
    held = []
    page.route("**/api/v1/verifications*", lambda route: held.append(route))  # never answered

    page.get_by_role("button", name="Check coverage").click()
    page.wait_for_function("() => document.getElementById('check').disabled")
    assert held, "the request was sent"
    page.clock.run_for("01:00")

    check_problem_beside_the_button(page, "could not be reached")
    expect(page.get_by_role("button", name="Check coverage")).to_be_enabled()


def test_a_batch_upload_says_so_when_the_server_cannot_be_reached(page, staff, tmp_path):
    upload = tmp_path / "appointments.csv"
    upload.write_text(CSV)
    sign_in(page, staff["intake"], "/batches")
    page.get_by_label("CSV file of appointments").set_input_files(str(upload))

    page.route("**/api/v1/batches", lambda route: route.abort("connectionrefused"))
    page.get_by_role("button", name="Upload and check").click()
    expect(page.locator("#upload-problem")).to_contain_text("could not be reached")

    page.unroute("**/api/v1/batches")
    page.route("**/api/v1/batches", lambda route: route.fulfill(status=502, body="Bad Gateway"))
    page.get_by_role("button", name="Upload and check").click()
    expect(page.locator("#upload-problem")).to_contain_text("not working right now")
    assert page.evaluate("() => document.getElementById('batch-file').files[0].name") == "appointments.csv"
    screenshots(page, "batch-unreachable")
    assert_accessible(page)


def test_check_coverage_against_a_stopped_server(browser, app, staff, celery_worker, backend):
    """No interception: the server the page came from stops, and the next check is answered in words."""
    server = make_server("127.0.0.1", 0, StrictPolicy(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    context = browser.new_context(base_url=f"http://127.0.0.1:{server.server_port}", viewport=DESK, locale="en-US")
    try:
        page = context.new_page()
        page.backend = backend
        sign_in(page, staff["intake"])
        fill_va_with_referral(page)
        server.shutdown()
        server.server_close()
        thread.join(5)

        page.get_by_role("button", name="Check coverage").click()

        check_problem_beside_the_button(page, "could not be reached")
    finally:
        context.close()
