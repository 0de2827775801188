"""A walk through every console page and state a person meets, for the sweeps that check each one.

`walk(page, staff, app)` signs in, drives the pages as staff would and yields a name for each state once
it is on screen: sign-in, the intake form (empty, with errors, with the result of each program's
case), the print view, the Good Faith Estimate, billing's list, filters and each verification's page,
batches, and the console's error pages.
"""

import uuid
from urllib.parse import urlsplit

from tests.pages.conftest import sign_in
from tests.rules.builders import BENEFITS, KETAMINE_IV, SPRAVATO, VA_REFERRAL, make_request

CLINIC = {"CLINIC_NAME": "Cedar Ketamine Clinic", "CLINIC_NPI": "1234567893", "CLINIC_TIN": "12-3456789",
          "CLINIC_ADDRESS": "12 Cedar Street, Fresno, CA 93721"}
PSYCHIATRIC_VISIT = [{"code": "99214", "units": 1, "charge": 180.0}, {"code": "90833", "units": 1, "charge": 95.0}]

# One intake case per program and per undecided kind of card.
CASES = {
    "va-ccn-referral": make_request("va_ccn", coverage__authorization=VA_REFERRAL),
    "va-ccn-expired-referral": make_request("va_ccn", coverage__authorization=VA_REFERRAL | {"valid_from": "2025-11-01",
                                                                                             "valid_to": "2026-04-30"}),
    "tricare": make_request("tricare", services=SPRAVATO, diagnoses=["F33.2"]),
    "commercial": make_request("commercial", services=KETAMINE_IV),
    "commercial-benefits": make_request("commercial", services=SPRAVATO, diagnoses=["F33.2"], coverage__benefits=BENEFITS),
    "medicare": make_request("medicare", services=[SPRAVATO[1]], diagnoses=["F33.2"]),
    "medicare-advantage": make_request("medicare_advantage", services=PSYCHIATRIC_VISIT, diagnoses=["F33.1"]),
    "medicaid": make_request("medicaid"),
    "champva": make_request("champva"),
    "self-pay": make_request("self_pay", services=KETAMINE_IV, coverage__member_id=None),
    "unknown-carrier": make_request("commercial", coverage__program=None, coverage__carrier="Blue Sky Mutual"),
    "near-miss-carrier": make_request("commercial", coverage__program=None, coverage__carrier="Aetan",
                                      services=PSYCHIATRIC_VISIT, diagnoses=["F33.1"]),
    "triwest-card-alone": make_request("va_ccn", coverage__program=None, coverage__carrier="TriWest Healthcare Alliance"),
}


def _flat(prefix: str, value):
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _flat(f"{prefix}.{key}" if prefix else key, inner)
    else:
        yield prefix, value


def fill_form(page, request: dict) -> None:
    """The intake form filled with `request` (a fresh form first), field by field."""
    page.get_by_role("button", name="New patient").click()
    fields = {key: value for key, value in request.items() if key not in ("services", "diagnoses")}
    for name, value in _flat("", fields):
        field = page.locator(f'[name="{name}"]')
        if isinstance(value, bool):
            field.set_checked(value)
        elif field.evaluate("(element) => element.tagName") == "SELECT":
            field.select_option(str(value))
        else:
            field.fill(", ".join(value) if isinstance(value, list) else str(value))
    for index, service in enumerate(request["services"]):
        if index:
            page.get_by_role("button", name="Add a service line").click()
        for part in ("code", "units", "charge"):
            page.locator(f"#services-{index}-{part}").fill(str(service.get(part, "")))
    page.get_by_label("Diagnoses (ICD-10-CM)").fill(", ".join(request["diagnoses"]))


def check(page) -> str:
    """Check coverage and wait for the answer on screen; the verification's id."""
    page.get_by_role("button", name="Check coverage").click()
    page.locator("#result .badge[data-determination]").first.wait_for()
    return page.locator("#result section[data-verification]").get_attribute("data-verification")


def _loaded(page) -> None:
    page.wait_for_load_state("networkidle")


def walk(page, staff, app, monkeypatch, tmp_path):
    """Yield the name of each page or state while it is on screen (the Good Faith Estimate with the
    clinic's details set, as an admin would have them)."""
    page.goto("/login")
    yield "sign-in"
    page.get_by_label("Username").fill(staff["admin"][0])
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    page.locator("#sign-in-problem").wait_for()
    yield "sign-in-refused"

    sign_in(page, staff["admin"])
    yield "intake-empty"

    fill_form(page, CASES["commercial"] | {"diagnoses": ["F43.10", "XYZ"], "patient": {"date_of_birth": "2090-01-01"}})
    page.get_by_label("Carrier").fill("")
    page.get_by_role("button", name="Check coverage").click()
    page.locator("#form-errors:not([hidden])").wait_for()
    page.locator("#patient-date_of_birth-error").wait_for()
    yield "intake-field-errors"

    ids = {}
    for name, request in CASES.items():
        fill_form(page, request)
        ids[name] = check(page)
        yield f"intake-{name}"
    if page.locator("[data-recheck-program]").count() == 0:
        raise AssertionError("the TriWest card alone offers a re-check per program")
    page.locator("[data-recheck-program]").first.click()
    page.locator('#result .badge[data-determination]:not([data-determination="needs_review"])').wait_for()
    yield "intake-triwest-rechecked"

    for name, verification in ids.items():
        page.goto(f"/intake/verifications/{verification}/print")
        yield f"print-{name}"
    page.goto(f"/intake/verifications/{ids['self-pay']}/good-faith-estimate")
    yield "good-faith-estimate-refused"
    for setting, value in CLINIC.items():
        monkeypatch.setitem(app.config, setting, value)
    page.goto(f"/intake/verifications/{ids['self-pay']}/good-faith-estimate")
    yield "good-faith-estimate"

    page.goto("/billing")
    page.locator("#verifications tbody tr").first.wait_for()
    _loaded(page)
    yield "billing-list"
    page.goto("/billing?carc=55&program=commercial")
    page.locator("#verifications tbody tr").first.wait_for()
    _loaded(page)
    yield "billing-filtered"
    page.goto("/billing?carc=not-a-code")
    page.locator("#form-errors:not([hidden])").wait_for()
    yield "billing-filter-error"
    for name, verification in ids.items():
        page.goto(f"/billing/verifications/{verification}")
        yield f"billing-{name}"

    upload = tmp_path / "appointments.csv"
    upload.write_text(
        "first_name,last_name,date_of_birth,program,carrier,plan_type,member_id,group_number,network_status,"
        "services,charges,diagnoses,date_of_service,sessions\n"
        "Lee,Park,1980-05-05,commercial,Aetna,PPO,W1,G1,in_network,96365;J3490,,F43.10,2026-12-02,4\n"
        "Ray,Diaz,1990-09-09,self_pay,,,,,,96372;J3490,300.00;45.00,F32.2,2026-12-03,6\n"
        "Kim,Lo,not-a-date,va_ccn,TriWest,,V1,,in_network,96365,,F43.10,2026-12-01,6\n")
    page.goto("/batches")
    yield "batches"
    page.get_by_label("CSV file of appointments").set_input_files(str(upload))
    page.get_by_role("button", name="Upload and check").click()
    page.locator("#batch-state", has_text="complete").wait_for(timeout=60_000)
    yield "batch-complete"

    page.goto(f"/billing/verifications/{uuid.uuid4()}")
    yield "not-found-verification"
    page.goto("/intake/no-such-page")
    yield "not-found-page"
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, staff["intake"], "/intake")
    page.goto("/billing")
    yield "not-for-your-role"
    assert urlsplit(page.url).path == "/billing"
