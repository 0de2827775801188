"""The payer's 271 and the X12/FHIR downloads on the intake page, in Debian's Chromium: a pasted or
uploaded 271 is shown in words and read by the check; a check's 270 and FHIR view download from its card."""

import json
import shutil

import pytest

from tests.pages.conftest import assert_accessible, assert_in_viewport, screenshots, sign_in
from tests.x12.documents import SAMPLES, sample

pytestmark = pytest.mark.e2e


def fill_terry_sample(page):
    """The patient of the real Aetna 271 (tests/x12/samples/01-…), as the card gives them."""
    page.get_by_label("First name").fill("Terry")
    page.get_by_label("Last name").fill("Sample")
    page.get_by_label("Date of birth").fill("1995-01-01")
    page.get_by_label("Carrier").fill("Aetna")
    page.get_by_label("Member ID").fill("W000000001")
    page.get_by_label("Group number").fill("017551302300051")
    page.get_by_label("Network status").select_option("in_network")
    page.get_by_label("Preset").select_option(label="Psychiatric visit")
    page.get_by_label("Sessions planned").fill("2")
    page.get_by_label("First date of service").fill("2025-09-09")
    page.get_by_label("Diagnoses (ICD-10-CM)").fill("F33.1")


def test_a_pasted_real_271_is_summarised_and_the_check_says_eligibility_confirmed(page, staff, app, monkeypatch):
    monkeypatch.setitem(app.config, "CLINIC_NAME", "Cedar Ketamine Clinic")
    monkeypatch.setitem(app.config, "CLINIC_NPI", "1234567893")
    sign_in(page, staff["intake"])
    fill_terry_sample(page)
    page.get_by_label("Paste the 271").fill(sample("01-aetna-choice-pos-ii.271"))

    said = page.locator("#eligibility-271-summary")
    page.locator("#eligibility-271-status").wait_for()
    assert page.locator("#eligibility-271-status").inner_text() == "Coverage active (plan from 01/20/2025)"
    facts = page.locator("#eligibility-271-facts").inner_text()
    for shown in ("AETNA HEALTHCARE", "TERRY R SAMPLE, member ID W000000001, born 01/01/1995", "AETNA CHOICE POS II",
                  "Deductible (in network)\n$5,000.00", "Deductible met (in network)\n$1,244.43",
                  "Copay (in network)\n$70.00", "Out-of-pocket maximum (in network)\n$7,000.00"):
        assert shown in facts, f"{shown!r} in {facts!r}"
    assert page.locator("#eligibility-271-rejections").count() == 0
    page.get_by_label("Paste the 271").scroll_into_view_if_needed()
    screenshots(page, "intake-271-pasted")
    assert_accessible(page)

    page.get_by_role("button", name="Check coverage").click()
    badge = page.locator("#result .badge[data-determination]").first
    badge.wait_for()
    assert badge.get_attribute("data-determination") == "covered"
    assert badge.inner_text().strip().endswith("Covered"), "no 'by policy' hedge once a 271 confirmed it"
    assert page.locator("#eligibility-status").inner_text() == "Eligibility confirmed by the payer's 271"
    assert_in_viewport(page, "#result-heading")
    assert said.is_visible(), "what the 271 said stays beside the form"

    with page.expect_download() as inquiry:
        page.get_by_role("link", name="Download 270").click()
    assert inquiry.value.suggested_filename.endswith(".x12")
    x12 = inquiry.value.path().read_text()
    assert x12.startswith("ISA*") and "ST*270*" in x12 and "NM1*IL*1*SAMPLE*TERRY" in x12
    with page.expect_download() as fhir:
        page.get_by_role("link", name="FHIR view").click()
    resource = json.loads(fhir.value.path().read_text())
    assert resource["resourceType"] == "CoverageEligibilityResponse" and resource["outcome"] == "complete"
    assert resource["insurance"][0]["inforce"] is True
    screenshots(page, "intake-271-confirmed")
    assert_accessible(page)


def test_an_uploaded_271_with_a_rejection_says_so_in_plain_words(page, staff, tmp_path):
    upload = tmp_path / "hets-response.x12"
    shutil.copy(SAMPLES / "07-cms-hets-aaa72-indented.271", upload)
    sign_in(page, staff["intake"])
    page.get_by_label("Or choose a 271 file").set_input_files(str(upload))

    rejected = page.locator("#eligibility-271-rejections")
    rejected.wait_for()
    assert page.locator("#eligibility-271-status").inner_text().startswith("The payer rejected the inquiry")
    assert "The payer rejected the inquiry: Invalid/Missing Subscriber/Insured ID." in rejected.inner_text()
    assert "What to do: Check the member id against the card" in rejected.inner_text()
    assert "AAA" not in rejected.inner_text()
    assert page.get_by_label("Paste the 271").input_value().strip().startswith("ISA*00*"), "the file fills the box the check sends"
    rejected.scroll_into_view_if_needed()
    screenshots(page, "intake-271-rejected")
    assert_accessible(page)

    page.get_by_role("button", name="New patient").click()
    assert page.locator("#eligibility-271-summary").is_hidden() and page.get_by_label("Paste the 271").input_value() == ""


def test_a_garbage_paste_is_an_error_at_the_field_in_everyday_words(page, staff):
    sign_in(page, staff["intake"])
    box = page.get_by_label("Paste the 271")
    box.fill("Member active, copay $40, deductible met")

    error = page.locator("#coverage-eligibility_271-error")
    error.wait_for()
    assert error.inner_text().startswith("This is not a 271: a payer's 271 starts with ISA.")
    assert "segment" not in error.inner_text()
    assert box.get_attribute("aria-invalid") == "true"
    assert "coverage-eligibility_271-error" in box.get_attribute("aria-describedby")
    assert page.locator("#eligibility-271-summary").is_hidden()
    box.scroll_into_view_if_needed()
    screenshots(page, "intake-271-garbage")
    assert_accessible(page)

    box.fill(sample("01-aetna-choice-pos-ii.271"))
    page.locator("#eligibility-271-status").wait_for()
    assert page.locator("#coverage-eligibility_271-error").count() == 0 and box.get_attribute("aria-invalid") is None


def test_without_the_clinics_npi_the_card_says_why_there_is_no_270(page, staff, app, monkeypatch):
    monkeypatch.setitem(app.config, "CLINIC_NAME", "")
    monkeypatch.setitem(app.config, "CLINIC_NPI", "")
    sign_in(page, staff["billing"])
    fill_terry_sample(page)
    page.get_by_role("button", name="Check coverage").click()
    page.locator("#result .badge[data-determination]").first.wait_for()

    assert "needs the clinic's name and NPI" in page.locator("#no-270").inner_text()
    assert page.get_by_role("link", name="Download 270").count() == 0
    assert page.get_by_role("link", name="FHIR view").is_visible()
