"""The front desk in Debian's Chromium: the answer on top in five seconds, undecided answers that look
undecided and re-check in one click, a form that forgets the last patient, and a phone that works.

Each test leaves screenshots of what a person sees without scrolling, at 1280×800 and at 390×844,
in tests/artifacts/, and runs axe-core on the page.
"""

import time

import pytest
from playwright.sync_api import expect

from tests.pages.conftest import (
    DESK,
    PHONE,
    assert_accessible,
    assert_in_viewport,
    record_timing,
    screenshots,
    sign_in,
)

pytestmark = pytest.mark.e2e


def fill_patient(page, first="Dana", last="Reyes", born="1979-03-14"):
    page.get_by_label("First name").fill(first)
    page.get_by_label("Last name").fill(last)
    page.get_by_label("Date of birth").fill(born)


def fill_va_with_referral(page):
    fill_patient(page)
    page.get_by_label("Veteran").check()
    page.get_by_label("Carrier").fill("TriWest")
    page.get_by_label("Program").select_option("va_ccn")
    page.get_by_label("Member ID").fill("123456789")
    page.get_by_label("Network status").select_option("in_network")
    page.get_by_label("Kind").select_option("va_referral")
    page.get_by_label("Number", exact=True).fill("VA0012345678")
    page.get_by_label("Valid from").fill("2026-11-01")
    page.get_by_label("Valid to").fill("2027-04-30")
    page.get_by_label("Visits approved").fill("8")
    page.get_by_label("Visits used").fill("2")
    page.get_by_label("Codes approved").fill("96365, 96366, J3490")
    page.get_by_label("Preset").select_option(label="Ketamine IV series")
    page.get_by_label("First date of service").fill("2026-12-01")
    page.get_by_label("Diagnoses (ICD-10-CM)").fill("F43.10")


def fill_triwest_card_only(page):
    fill_patient(page, "Sam", "Okafor", "1977-09-21")
    page.get_by_label("Veteran").check()
    page.get_by_label("Carrier").fill("TriWest Healthcare Alliance")
    page.get_by_label("Member ID").fill("987654321")
    page.get_by_label("Preset").select_option(label="Ketamine IV series")
    page.get_by_label("First date of service").fill("2026-12-02")
    page.get_by_label("Diagnoses (ICD-10-CM)").fill("F43.10")


def fill_psychiatric_visit(page, carrier: str, diagnoses: str):
    fill_patient(page)
    page.get_by_label("Carrier").fill(carrier)
    page.get_by_label("Member ID").fill("W123456789")
    page.get_by_label("Preset").select_option(label="Psychiatric visit")
    page.get_by_label("Diagnoses (ICD-10-CM)").fill(diagnoses)


def check(page) -> str:
    """Press Check coverage and wait for the answer; its determination."""
    page.locator("#result").evaluate("(element) => element.replaceChildren()")
    page.get_by_role("button", name="Check coverage").click()
    badge = page.locator("#result .badge[data-determination]").first
    badge.wait_for()
    return badge.get_attribute("data-determination")


def test_the_answer_is_on_top_with_what_to_say_do_and_collect(page, staff):
    sign_in(page, staff["intake"])
    fill_va_with_referral(page)
    started = time.monotonic()
    assert check(page) == "covered"
    record_timing("VA referral on file: check to answer on screen", time.monotonic() - started, page.backend)

    assert_in_viewport(page, "#answer")
    assert_in_viewport(page, "#tell-patient-heading")
    assert page.locator("#result-heading").inner_text().strip().endswith("Covered by policy")
    status = page.locator("#eligibility-status").inner_text()
    assert "not confirmed" in status, "a covered answer says next to it that nobody confirmed the coverage"
    assert "You owe nothing" in page.locator("#tell-patient").inner_text()
    assert "$" in page.locator("#tell-patient").inner_text() or "no copay" in page.locator("#tell-patient").inner_text()
    consent = page.locator('#collect-sign li[data-kind="informed_consent"]')
    assert "off-label" in consent.inner_text()
    assert page.locator("#do-now").is_visible()
    for text in page.locator("#result").all_inner_texts():
        assert "coverage." not in text and "non_covered" not in text and "_" not in text.replace("__", "")
    screenshots(page, "desk-va-covered")
    assert_accessible(page)

    # The ticks stay with the verification: the print view shows them as they were left.
    consent.locator("input").check()
    with page.expect_popup() as popup:
        page.get_by_role("link", name="Print view").click()
    printed = popup.value
    printed.wait_for_load_state()
    expect(printed.locator('#collect-sign li[data-kind="informed_consent"] input')).to_be_checked()
    assert "12/01/2026" in printed.locator(".facts").inner_text() or "03/14/1979" in printed.locator(".facts").inner_text()


def test_an_ambiguous_triwest_card_looks_undecided_and_rechecks_in_one_click(page, staff):
    sign_in(page, staff["intake"])
    fill_triwest_card_only(page)
    assert check(page) == "needs_review"

    assert_in_viewport(page, "#answer")
    assert "Undecided" in page.locator("#result-heading").inner_text()
    assert page.locator(".result-needs_review").is_visible()
    assert "Not required" not in page.locator("#result-lines").inner_text()
    assert "No claim is filed" not in page.locator("#where-to-bill").inner_text()
    assert "Do not quote a price" in page.locator("#tell-patient").inner_text()
    assert page.locator("#do-now li").first.get_attribute("data-kind") == "eligibility_confirmation"
    assert "set coverage.program" not in page.locator("#result").inner_text()
    screenshots(page, "desk-triwest-undecided")
    assert_accessible(page)

    page.get_by_role("button", name="Re-check as VA Community Care Network").click()
    page.locator('#result .badge[data-determination]:not([data-determination="needs_review"])').wait_for()
    assert page.get_by_label("Program").input_value() == "va_ccn"
    assert page.locator("#result .badge").first.get_attribute("data-determination") == "authorization_required"
    assert page.locator("#do-now li").first.get_attribute("data-kind") in ("va_referral", "eligibility_confirmation")
    assert_in_viewport(page, "#answer")

    page.get_by_label("Program").select_option("")
    assert page.locator("#result").inner_text().strip() == "", "a changed form drops the answer it no longer matches"
    assert check(page) == "needs_review"
    page.get_by_role("button", name="Re-check as TRICARE").click()
    page.locator('#result .badge[data-determination]:not([data-determination="needs_review"])').wait_for()
    assert page.get_by_label("Program").input_value() == "tricare"


def test_a_near_miss_carrier_offers_its_suggestions(page, staff):
    sign_in(page, staff["intake"])
    fill_psychiatric_visit(page, "Aetan", "F33.1")
    assert check(page) == "needs_review"

    suggestion = page.get_by_role("button", name="Re-check as Aetna")
    expect(suggestion).to_be_visible()
    screenshots(page, "desk-near-miss-carrier")
    assert_accessible(page)
    suggestion.click()
    page.locator('#result .badge[data-determination]:not([data-determination="needs_review"])').wait_for()
    assert page.get_by_label("Carrier").input_value() == "Aetna"


def test_new_patient_clears_the_form_and_the_last_answer(page, staff):
    sign_in(page, staff["intake"])
    fill_va_with_referral(page)
    check(page)

    page.get_by_label("First name").fill("Dan")
    assert page.locator("#result").inner_text().strip() == "", "typing the next patient drops the last answer"
    assert "check coverage again" in page.get_by_role("status").inner_text()
    check(page)
    page.get_by_role("button", name="New patient").click()
    assert page.locator("#result").inner_text().strip() == ""
    for label in ("First name", "Last name", "Member ID", "Carrier"):
        assert page.get_by_label(label).input_value() == ""
    assert page.locator("#service-lines tr").count() == 1
    assert page.evaluate("document.activeElement.id") == "patient-first_name"


def test_a_diagnosis_error_sits_at_its_field_in_everyday_words(page, staff):
    sign_in(page, staff["intake"])
    fill_psychiatric_visit(page, "Aetna", "F43.10, XYZ")
    page.get_by_role("button", name="Check coverage").click()

    page.locator("#diagnoses-error").wait_for()
    summary = page.locator("#form-errors").inner_text()
    assert "Diagnoses" in summary and "coverage." not in summary and "diagnoses.1" not in summary
    assert_accessible(page)


WIDER_THAN_WINDOW = """() => [...document.querySelectorAll('body *')]
    .filter((element) => element.getBoundingClientRect().right > document.documentElement.clientWidth
                         && !(element.parentElement && element.parentElement.closest('.table-scroll')))
    .slice(0, 5).map((element) => `${element.tagName}#${element.id}.${element.className}`)"""


def assert_nothing_sideways(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], page.evaluate(WIDER_THAN_WINDOW)


def test_on_a_phone_nothing_scrolls_sideways_and_check_coverage_takes_the_tap(page, staff):
    page.set_viewport_size(PHONE)
    sign_in(page, staff["intake"])
    fill_va_with_referral(page)
    assert_nothing_sideways(page)
    button = page.get_by_role("button", name="Check coverage")
    button.scroll_into_view_if_needed()
    box = button.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 44
    hit = page.evaluate("([x, y]) => document.elementFromPoint(x, y).id", [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2])
    assert hit == "check", "a tap in the middle of Check coverage lands on the button"
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.locator("#result .badge[data-determination]").first.wait_for()

    assert_in_viewport(page, "#answer")
    assert_nothing_sideways(page)
    page.screenshot(path=str(__import__("tests.pages.conftest", fromlist=["ARTIFACTS"]).ARTIFACTS / f"phone-va-result-{page.backend}.png"), full_page=True)
    assert_accessible(page)


def test_every_page_passes_axe_at_the_desk_and_on_a_phone(page, staff):
    page.goto("/login")
    assert_accessible(page)
    screenshots(page, "page-sign-in")
    sign_in(page, staff["admin"])
    for path in ("/intake", "/batches", "/billing"):
        page.goto(path)
        page.wait_for_load_state("networkidle")
        for size in (DESK, PHONE):
            page.set_viewport_size(size)
            assert_accessible(page)
        page.set_viewport_size(DESK)
        screenshots(page, f"page{path.replace('/', '-')}")
