"""The console in Debian's Chromium: intake checks coverage, billing reviews denials, a batch runs.

Each test signs in as a staff user, works the page as a person would (one of them by keyboard
alone) and leaves a screenshot in tests/artifacts/.
"""

import csv
import io
import time

import pytest
import requests
from playwright.sync_api import expect

from tests.pages.conftest import (
    assert_accessible,
    assert_every_field_labelled,
    record_timing,
    screenshot,
    screenshots,
    sign_in,
    wait_for_path,
)
from tests.requests import body

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

FOCUSED = """() => {
  const element = document.activeElement;
  const label = element.labels && element.labels.length ? element.labels[0].textContent.trim()
    : (element.getAttribute('aria-label') || element.textContent || '').trim();
  const style = getComputedStyle(element);
  return {label, outline: style.outlineStyle, width: style.outlineWidth};
}"""


def tab_to(page, label: str, limit: int = 40) -> None:
    """Press Tab until the field labelled `label` has the focus, which must be visible."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused["label"] == label:
            assert focused["outline"] != "none" and focused["width"] != "0px", f"no visible focus on {label}"
            return
    raise AssertionError(f"Tab never reached {label!r}")


def type_into(page, label: str, text: str) -> None:
    tab_to(page, label)
    page.keyboard.type(text)


def test_intake_by_keyboard_alone_veteran_with_va_referral_is_covered_with_off_label_notice(page, staff):
    page.goto("/intake")
    wait_for_path(page, "/login")
    assert_every_field_labelled(page)
    screenshot(page, "sign-in")
    type_into(page, "Username", staff["intake"][0])
    type_into(page, "Password", staff["intake"][1])
    page.keyboard.press("Enter")
    wait_for_path(page, "/intake")
    assert_every_field_labelled(page)

    for label, keys in (("First name", "Dana"), ("Last name", "Reyes"), ("Date of birth", "03141979")):
        type_into(page, label, keys)
    tab_to(page, "Veteran")
    page.keyboard.press("Space")
    for label, keys in (
        ("Carrier", "TriWest"), ("Program", "VA"), ("Member ID", "123456789"), ("Network status", "In"),
        ("Kind", "VA"), ("Number", "VA0012345678"), ("Valid from", "11012026"), ("Valid to", "04302027"),
        ("Visits approved", "8"), ("Visits used", "2"), ("Codes approved", "96365, 96366, J3490"),
        ("Preset", "Ketamine IV"),
    ):
        type_into(page, label, keys)
    page.locator("#services-2-code").wait_for()
    type_into(page, "First date of service", "12012026")
    type_into(page, "Diagnoses (ICD-10-CM)", "F43.10")
    tab_to(page, "Check coverage")
    page.keyboard.press("Enter")

    badge = page.locator("#result .badge[data-determination]").first
    badge.wait_for()
    assert badge.get_attribute("data-determination") == "covered"
    assert "Covered" in badge.inner_text()
    assert page.evaluate("document.activeElement.id") == "result-heading", "the result takes the focus"
    assert "not FDA-approved" in page.locator("#off-label-notice").inner_text()
    assert page.locator("#requirements li").count() >= 1
    assert [cell.strip() for cell in page.locator("#result-lines tbody th").all_inner_texts()] == ["96365", "96366", "J3490"]
    assert "$0.00" in page.locator("#estimate").inner_text()
    assert page.locator("#where-to-bill").inner_text().strip()
    assert page.get_by_role("status").inner_text().startswith("Result: ")
    assert_every_field_labelled(page)
    screenshot(page, "intake-va-covered")


def fill_commercial_ketamine(page, member_id="XGH123456789"):
    page.get_by_label("First name").fill("Sam")
    page.get_by_label("Last name").fill("Okafor")
    page.get_by_label("Date of birth").fill("1977-09-21")
    page.get_by_label("Carrier").fill("Anthem Blue Cross")
    page.get_by_label("Program").select_option("commercial")
    page.get_by_label("Plan type").fill("PPO")
    page.get_by_label("Member ID").fill(member_id)
    page.get_by_label("Network status").select_option("in_network")
    page.get_by_label("Preset").select_option(label="Ketamine IV series")
    page.get_by_role("button", name="Add a service line").click()
    page.get_by_label("Service 4 code").fill("90834")
    page.get_by_label("Service 4 charge").fill("160.00")
    page.get_by_label("Sessions planned").fill("4")
    page.get_by_label("First date of service").fill("2026-12-03")
    page.get_by_label("Diagnoses (ICD-10-CM)").fill("F43.12")


def test_commercial_ketamine_shows_the_carc_55_reason_in_plain_language(page, staff):
    sign_in(page, staff["intake"])
    fill_commercial_ketamine(page)
    page.get_by_role("button", name="Check coverage").click()

    page.locator("#result .badge[data-determination]").first.wait_for()
    assert page.locator("#result .badge").first.get_attribute("data-determination") == "partially_covered"
    reason = page.locator('#denial-reasons li[data-carc="55"]')
    assert "CARC 55" in reason.inner_text()
    explanation = reason.locator("p").first.inner_text().replace("CARC 55", "").strip()
    assert len(explanation.split()) > 5, "a plain-language explanation beside the code"
    assert page.locator("#off-label-notice").is_visible()
    assert page.url.endswith("/intake"), "the result comes without leaving the page"
    screenshot(page, "intake-commercial-carc-55")

    with page.expect_popup() as popup:
        page.get_by_role("link", name="Print view").click()
    printed = popup.value
    printed.wait_for_load_state()
    assert "Sam Okafor" in printed.locator(".facts").inner_text()
    assert printed.locator('#denial-reasons li[data-carc="55"]').is_visible()
    screenshot(page, "print-view", printed)


def test_field_errors_from_the_api_appear_next_to_their_fields(page, staff):
    sign_in(page, staff["intake"])
    page.get_by_label("First name").fill("Dana")
    page.get_by_label("Last name").fill("Reyes")
    page.get_by_label("Date of birth").fill("1979-03-14")
    page.get_by_label("Carrier").fill("Aetna")
    page.get_by_label("Member ID").fill("??? bad")
    page.get_by_label("Service 1 code").fill("ABC")
    page.get_by_role("button", name="Check coverage").click()

    member_error = page.locator("#coverage-member_id-error")
    member_error.wait_for()
    assert "Letters, digits" in member_error.inner_text()
    assert page.get_by_label("Member ID").get_attribute("aria-invalid") == "true"
    assert "coverage-member_id-error" in page.get_by_label("Member ID").get_attribute("aria-describedby")
    assert "Not a CPT" in page.locator("#services-0-code-error").inner_text()
    summary = page.locator("#form-errors")
    assert summary.is_visible() and "Member ID" in summary.inner_text()
    assert page.locator("#result").inner_text().strip() == ""
    screenshot(page, "intake-field-errors")


def test_self_pay_gives_a_printable_good_faith_estimate(page, staff, app, monkeypatch):
    monkeypatch.setitem(app.config, "CLINIC_NAME", "Cedar Ketamine Clinic")
    monkeypatch.setitem(app.config, "CLINIC_NPI", "1234567893")
    monkeypatch.setitem(app.config, "CLINIC_TIN", "")
    monkeypatch.setitem(app.config, "CLINIC_ADDRESS", "12 Cedar Street, Fresno, CA 93721")
    sign_in(page, staff["intake"])
    page.get_by_label("First name").fill("Rowan")
    page.get_by_label("Last name").fill("Tamsin")
    page.get_by_label("Date of birth").fill("1985-06-02")
    page.get_by_label("Program").select_option("self_pay")
    page.get_by_label("Preset").select_option(label="Ketamine IM")
    page.get_by_label("Diagnoses (ICD-10-CM)").fill("F33.2")
    page.get_by_role("button", name="Check coverage").click()

    page.locator("#result .badge[data-determination]").first.wait_for()
    assert page.locator("#result .badge").first.get_attribute("data-determination") == "self_pay"
    assert "You pay $" in page.locator("#tell-patient").inner_text()
    with page.expect_popup() as popup:
        page.get_by_role("link", name="Good Faith Estimate").click()
    refused = popup.value
    refused.wait_for_load_state()
    assert "TIN" in refused.locator("#gfe-not-ready").inner_text(), "no estimate without the clinic's TIN"
    assert refused.locator("#good-faith-estimate").count() == 0
    refused.close()

    monkeypatch.setitem(app.config, "CLINIC_TIN", "12-3456789")
    with page.expect_popup() as popup:
        page.get_by_role("link", name="Good Faith Estimate").click()
    estimate = popup.value
    estimate.wait_for_load_state()
    assert estimate.locator("#gfe-patient-name").inner_text() == "Rowan Tamsin"
    assert estimate.locator("#gfe-provider-name").inner_text() == "Cedar Ketamine Clinic"
    text = estimate.locator("#good-faith-estimate").inner_text()
    assert "1234567893" in text and "12-3456789" in text and "Fresno" in text
    assert "06/02/1985" in text, "dates as the patient reads them"
    assert "Unclassified" not in text and "Ketamine" in text
    assert "Give to the patient by" not in text, "no staff note on the patient's copy"
    assert estimate.locator("#gfe-total").inner_text().startswith("$")
    screenshot(page, "good-faith-estimate", estimate)
    estimate.backend = page.backend
    screenshots(estimate, "good-faith-estimate")
    assert_accessible(estimate)


@pytest.fixture
def denials(console_server, keys, celery_worker, clean_verifications):
    """Verifications for billing to review: two commercial ketamine (CARC 55) and a covered VA one."""
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {keys['intake']}"
    commercial = body(**{
        "coverage": {"carrier": "Anthem Blue Cross", "program": "commercial", "plan_type": "PPO",
                     "member_id": "XGH000111", "network_status": "in_network"},
        "patient.veteran": False,
        "diagnoses": ["F43.12"],
        "services": [{"code": "96365", "charge": 500.0}, {"code": "J3490", "charge": 45.0}, {"code": "90834", "charge": 160.0}],
    })
    made = []
    for payload in (commercial, body(**{"coverage.member_id": "XGH000222"}, base=commercial), body()):
        response = session.post(f"{console_server}/api/v1/verifications?wait=10", json=payload, timeout=30)
        assert response.status_code == 200, response.text
        made.append(response.json())
    return made


def test_billing_filters_by_carc_55_and_downloads_the_csv(page, staff, denials):
    sign_in(page, staff["billing"], "/billing")
    assert_every_field_labelled(page)
    page.locator("#verifications tbody tr").first.wait_for()
    assert page.locator("#verifications tbody tr").count() == 3

    page.get_by_label("CARC", exact=True).fill("55")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator("#verifications tbody tr")).to_have_count(2)
    assert all("55" in row.split() for row in page.locator("#verifications tbody tr").evaluate_all(
        "(rows) => rows.map((row) => row.dataset.carcs)"))
    assert page.locator('#denial-table tr[data-carc="55"]').is_visible()
    assert page.locator("#chart svg rect").count() >= 1
    screenshot(page, "billing-carc-55")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    text = download.value.path().read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 2
    assert all("55" in row["carcs"].split(";") for row in rows)
    assert {row["id"] for row in rows} == {item["id"] for item in denials[:2]}
    assert {(row["first_name"], row["last_name"], row["date_of_birth"]) for row in rows} == {("Dana", "Reyes", "1979-03-14")}
    assert {row["member_id"] for row in rows} == {"XGH000111", "XGH000222"}
    assert all(row["payer"] == "Anthem Blue Cross" and row["date_of_service"] for row in rows)
    assert all("CARC 55" in row["explanation"] and len(row["explanation"].split()) > 8 for row in rows)

    listed = page.locator("#verifications tbody tr").first.inner_text()
    for shown in ("Reyes, Dana", "03/14/1979", "XGH000", "Anthem Blue Cross"):
        assert shown in listed, f"{shown!r} in the list row"
    screenshots(page, "billing-list")
    assert_accessible(page)

    page.get_by_role("link", name="Reyes, Dana").first.click()
    page.wait_for_url("**/billing/verifications/*")
    assert page.locator("h1").inner_text() == "Dana Reyes"
    facts = page.locator("#patient-facts").inner_text()
    assert "03/14/1979" in facts and "XGH000" in facts and "Anthem Blue Cross" in facts
    assert page.locator("#trace tbody tr").count() > 3
    assert page.locator('#denial-reasons li[data-carc="55"]').is_visible()
    cited = page.locator("#cited-policy")
    assert "Anthem" in cited.inner_text() and cited.get_by_role("link").get_attribute("href").startswith("https://")
    assert "180 days" in page.locator("#appeal-window").inner_text()
    assert page.locator("#appeal-needs li").count() >= 3
    with page.expect_download() as fhir:
        page.get_by_role("link", name="Download FHIR (CoverageEligibilityResponse)").click()
    assert '"resourceType":"CoverageEligibilityResponse"' in fhir.value.path().read_text().replace(" ", "")
    screenshot(page, "billing-drill-down")
    screenshots(page, "billing-verification")
    assert_accessible(page)


def batch_csv(rows: int) -> str:
    """`rows` appointments in the contract's CSV, two of them bad (rows 7 and 29)."""
    lines = ["first_name,last_name,date_of_birth,program,carrier,plan_type,member_id,group_number,network_status,"
             "services,charges,diagnoses,date_of_service,sessions"]
    for row in range(1, rows + 1):
        kind = row % 3
        member = f"BT{row:05d}"
        if kind == 0:
            line = f"Pat{row},Vet,1970-01-01,va_ccn,TriWest,,{member},,in_network,96365;J3490;99214,550.00;;180.00,F43.10,2026-12-01,6"
        elif kind == 1:
            line = f"Pat{row},Lee,1980-05-05,commercial,Aetna,PPO,{member},G1,in_network,96365;J3490;90834,,F33.2,2026-12-02,4"
        else:
            line = f"Pat{row},Ray,1990-09-09,self_pay,,,,,,96372;J3490,300.00;45.00,F32.2,2026-12-03,6"
        if row == 7:
            line = line.replace("1980-05-05", "not-a-date")
        if row == 29:
            line = line.replace("96372;J3490", "96372;J34")
        lines.append(line)
    return "\n".join(lines) + "\n"


def test_batch_csv_of_50_rows_completes_with_its_progress_shown(page, staff, tmp_path):
    upload = tmp_path / "appointments.csv"
    upload.write_text(batch_csv(50))
    sign_in(page, staff["intake"], "/batches")
    assert_every_field_labelled(page)

    started = time.monotonic()
    page.get_by_label("CSV file of appointments").set_input_files(str(upload))
    page.get_by_role("button", name="Upload and check").click()
    page.locator("#batch-state", has_text="complete").wait_for(timeout=60_000)
    elapsed = time.monotonic() - started
    record_timing("batch of 50 rows in the browser", elapsed, page.backend)

    progress = page.locator("#batch-progress")
    assert progress.get_attribute("max") == "50" and progress.evaluate("(element) => element.value") == 50
    assert "50 of 50 rows done" in page.locator("#batch-count").inner_text()
    bad = page.locator("#batch-errors tbody tr").evaluate_all("(rows) => rows.map((row) => row.cells[0].textContent + ':' + row.cells[1].textContent)")
    assert bad == ["7:date_of_birth", "29:services"]
    tallies = page.locator("#batch-determinations li").all_inner_texts()
    assert sum(int(tally.rsplit(": ", 1)[1]) for tally in tallies) == 48
    assert page.get_by_role("link", name="Download results (CSV)").is_visible()
    screenshot(page, "batch-50-complete")
