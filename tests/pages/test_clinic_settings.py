"""The clinic settings page in Debian's Chromium: an admin names the clinic, and the Good Faith Estimate then
prints with it; a bad NPI is refused at its field; intake staff cannot reach the page."""

import pytest
from playwright.sync_api import expect

from tests.pages.conftest import assert_accessible, screenshot, screenshots, sign_in
from tests.pages.test_front_desk import fill_patient

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("clean_clinic_settings")]


@pytest.fixture
def no_clinic_in_the_environment(app, monkeypatch):
    for setting in ("CLINIC_NAME", "CLINIC_NPI", "CLINIC_TIN", "CLINIC_ADDRESS", "CLINIC_PHONE"):
        monkeypatch.setitem(app.config, setting, "")


def check_self_pay(page):
    fill_patient(page, "Rowan", "Tamsin", "1985-06-02")
    page.get_by_label("Program").select_option("self_pay")
    page.get_by_label("Preset").select_option(label="Ketamine IM")
    page.get_by_label("Diagnoses (ICD-10-CM)").fill("F33.2")
    page.get_by_role("button", name="Check coverage").click()
    page.locator('#result .badge[data-determination="self_pay"]').first.wait_for()


def fill_settings(page, **values):
    for label, value in values.items():
        page.get_by_label(label, exact=True).fill(value)


def test_an_admin_sets_the_clinic_and_the_good_faith_estimate_prints_with_it(page, staff, no_clinic_in_the_environment):
    sign_in(page, staff["admin"])
    check_self_pay(page)

    with page.expect_popup() as popup:
        page.get_by_role("link", name="Good Faith Estimate").click()
    settings = popup.value
    settings.wait_for_load_state()
    refused = settings.locator("#gfe-not-ready").inner_text()
    assert "name" in refused and "NPI" in refused and "TIN" in refused and "address" in refused
    settings.get_by_role("link", name="clinic settings page").click()
    expect(settings.get_by_role("heading", name="Clinic settings")).to_be_visible()
    expect(settings.get_by_role("navigation").get_by_role("link", name="Settings")).to_have_attribute("aria-current", "page")

    fill_settings(settings, **{"Clinic name": "Cedar Ketamine Clinic", "NPI": "1234567890", "Tax ID (TIN)": "12-3456789",
                               "Address": "12 Cedar Street, Fresno, CA 93721", "Phone": "(559) 555-0100"})
    settings.get_by_role("button", name="Save settings").click()

    npi = settings.get_by_label("NPI", exact=True)
    expect(settings.locator("#npi-error")).to_contain_text("last digit does not match")
    assert npi.get_attribute("aria-invalid") == "true" and "npi-error" in npi.get_attribute("aria-describedby")
    assert "NPI" in settings.get_by_role("alert").inner_text()
    assert settings.get_by_label("Clinic name").input_value() == "Cedar Ketamine Clinic", "what was typed stays"
    assert npi.input_value() == "1234567890"
    settings.backend = page.backend
    screenshots(settings, "settings-bad-npi")
    assert_accessible(settings)

    npi.fill("1234567893")
    settings.get_by_role("button", name="Save settings").click()
    expect(settings.locator("#settings-saved")).to_have_text("Clinic settings saved.")
    assert settings.locator(".brand").inner_text().endswith("Cedar Ketamine Clinic")
    screenshots(settings, "settings-saved")
    assert_accessible(settings)
    settings.close()

    with page.expect_popup() as popup:
        page.get_by_role("link", name="Good Faith Estimate").click()
    estimate = popup.value
    estimate.wait_for_load_state()
    assert estimate.locator("#gfe-provider-name").inner_text() == "Cedar Ketamine Clinic"
    provider = estimate.locator("#good-faith-estimate").inner_text()
    assert all(detail in provider for detail in ("1234567893", "12-3456789", "12 Cedar Street, Fresno", "(559) 555-0100"))
    screenshot(page, "good-faith-estimate-from-settings", estimate)


def test_a_value_set_on_the_page_beats_the_environment(page, staff, app, monkeypatch):
    monkeypatch.setitem(app.config, "CLINIC_NAME", "Name From The Environment")
    sign_in(page, staff["admin"], "/settings")
    assert "Name From The Environment" in page.locator("#name-hint").inner_text(), "the page says what is in use"
    assert page.get_by_label("Clinic name").input_value() == ""

    page.get_by_label("Clinic name").fill("Cedar Ketamine Clinic")
    page.get_by_role("button", name="Save settings").click()

    expect(page.locator("#settings-saved")).to_be_visible()
    assert page.locator(".brand").inner_text().endswith("Cedar Ketamine Clinic")
    assert page.locator("#name-hint").count() == 0


def test_intake_staff_cannot_reach_the_settings(page, staff):
    sign_in(page, staff["intake"])
    assert page.get_by_role("navigation").get_by_role("link", name="Settings").count() == 0

    response = page.goto("/settings")

    assert response.status == 403
    expect(page.get_by_role("heading", name="Not for your role")).to_be_visible()
    assert page.request.get("/api/v1/settings/clinic").status == 403
