"""Timed walk-throughs at the front desk, one per kind of patient: from the empty intake page (signed in)
to the moment staff know what to say, when the result card's Tell the patient and Do now sit in the
window. The form is driven as staff drive it, a click or a typed value at a time, with what the card,
the referral and the portal say.

Each case asserts the card says the right thing for it (the answer, who owes what in dollars, the step
that blocks) against the verification's own document, and writes its seconds to
tests/artifacts/walkthrough.json; the test session ends with a table of them. No ceiling is asserted:
the machine's figure is for reading (a person's typing is not simulated, only counted in steps).
"""

import json
import time

import pytest

from tests.pages.conftest import ARTIFACTS, assert_in_viewport, screenshots, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

WALKTHROUGH = ARTIFACTS / "walkthrough.json"
DATE_OF_SERVICE = "12082026"
SPRAVATO_VISIT = "Spravato, visit code alone (Medicare, TRICARE, VA)"


class Desk:
    """Staff at the intake form: each method is one thing a person does, counted."""

    def __init__(self, page):
        self.page, self.steps = page, 0

    def type(self, label: str, text: str, exact: bool = False) -> None:
        self.page.get_by_label(label, exact=exact).click()
        self.page.keyboard.type(text)
        self.steps += 1

    def date(self, label: str, digits: str) -> None:
        # A date field takes the digits segment by segment (MM, DD, YYYY), as typed after tabbing in.
        self.page.get_by_label(label).focus()
        self.page.keyboard.type(digits)
        self.steps += 1

    def pick(self, label: str, option: str) -> None:
        self.page.get_by_label(label).select_option(label=option)
        self.steps += 1

    def tick(self, label: str) -> None:
        self.page.get_by_label(label).check()
        self.steps += 1

    def click(self, name: str) -> None:
        self.page.get_by_role("button", name=name).click()
        self.steps += 1


def patient(desk: Desk, first: str, last: str, born: str, veteran: bool = False) -> None:
    desk.type("First name", first)
    desk.type("Last name", last)
    desk.date("Date of birth", born)
    if veteran:
        desk.tick("Veteran")


def va_ccn_with_referral(desk: Desk) -> None:
    patient(desk, "Dana", "Reyes", "03141979", veteran=True)
    desk.type("Carrier", "TriWest")
    desk.pick("Program", "VA Community Care Network")
    desk.type("Member ID", "123456789")
    desk.pick("Network status", "In network")
    desk.pick("Kind", "VA referral")
    desk.type("Number", "VA0012345678", exact=True)
    desk.date("Valid from", "11012026")
    desk.date("Valid to", "04302027")
    desk.type("Visits approved", "8")
    desk.type("Visits used", "2")
    desk.type("Codes approved", "96365, 96366, J3490")
    desk.pick("Preset", "Ketamine IV series")
    desk.date("First date of service", DATE_OF_SERVICE)
    desk.type("Diagnoses (ICD-10-CM)", "F43.10")


def tricare(desk: Desk) -> None:
    patient(desk, "Marcus", "Hale", "07221968")
    desk.type("Carrier", "TRICARE West")
    desk.pick("Program", "TRICARE")
    desk.type("Plan type", "SELECT")
    desk.type("Member ID", "1234567890")
    desk.pick("Network status", "In network")
    desk.pick("TRICARE beneficiary", "Retiree")
    desk.type("Deductible ($)", "150")
    desk.type("Deductible met ($)", "0")
    desk.type("Copay ($)", "41")
    desk.type("Out-of-pocket maximum ($)", "3000")
    desk.type("Out-of-pocket met ($)", "0")
    desk.pick("Preset", SPRAVATO_VISIT)
    desk.date("First date of service", DATE_OF_SERVICE)
    desk.type("Diagnoses (ICD-10-CM)", "F33.2")


def commercial(desk: Desk) -> None:
    patient(desk, "Sam", "Okafor", "09211977")
    desk.type("Carrier", "Aetna")
    desk.type("Plan type", "PPO")
    desk.type("Member ID", "W123456789")
    desk.type("Group number", "GRP-77")
    desk.pick("Network status", "In network")
    desk.type("Deductible ($)", "1500")
    desk.type("Deductible met ($)", "1500")
    desk.type("Coinsurance (%)", "20")
    desk.pick("Preset", "Ketamine IV series")
    desk.date("First date of service", DATE_OF_SERVICE)
    desk.type("Diagnoses (ICD-10-CM)", "F43.10")


def medicare(desk: Desk) -> None:
    patient(desk, "Ruth", "Castillo", "02031952")
    desk.type("Carrier", "Medicare")
    desk.pick("Program", "Medicare (Original, Part B)")
    desk.type("Member ID", "1EG4TE5MK73")
    desk.type("Deductible ($)", "257")
    desk.type("Deductible met ($)", "257")
    desk.type("Coinsurance (%)", "20")
    desk.pick("Preset", SPRAVATO_VISIT)
    desk.date("First date of service", DATE_OF_SERVICE)
    desk.type("Diagnoses (ICD-10-CM)", "F33.2")


def self_pay(desk: Desk) -> None:
    patient(desk, "Jo", "Nguyen", "11301990")
    desk.pick("Program", "Self-pay (no insurance billed)")
    desk.pick("Preset", "Ketamine IM")
    desk.date("First date of service", DATE_OF_SERVICE)
    desk.type("Diagnoses (ICD-10-CM)", "F43.10")
    desk.date("Scheduled on", "12012026")


def money(value) -> str:
    return f"${value:,.2f}"


def says_the_share(card: str, v: dict) -> None:
    per_session, total = v["estimate"]["per_session"]["patient"], v["estimate"]["total"]["patient"]
    assert per_session > 0 and money(per_session) in card and money(total) in card, card


def va_ccn_card(page, v: dict) -> None:
    assert v["determination"] == "covered" and v["estimate"]["total"]["patient"] == 0
    assert page.locator("#result-heading").inner_text().strip().endswith("Covered by policy")
    assert "You owe nothing" in page.locator("#tell-patient").inner_text()
    assert page.locator('#collect-sign li[data-kind="informed_consent"]').is_visible()


def tricare_card(page, v: dict) -> None:
    assert v["determination"] == "authorization_required"
    says_the_share(page.locator("#tell-patient").inner_text(), v)
    assert "for the first session" in page.locator("#tell-patient").inner_text(), "the deductible falls on session 1"
    assert "once the authorization is approved" in page.locator("#tell-patient").inner_text()
    assert page.locator("#do-now li").first.get_attribute("data-kind") == "prior_authorization"


def commercial_card(page, v: dict) -> None:
    assert v["determination"] == "not_covered"
    assert [reason["carc"] for reason in v["denial_reasons"]] == ["55"]
    said = page.locator("#tell-patient").inner_text()
    not_covered = v["estimate"]["per_session"]["non_covered"]
    assert "does not pay" in said and money(not_covered) in said and money(v["estimate"]["total"]["non_covered"]) in said
    assert page.locator('#collect-sign li[data-kind="agreement_to_pay"]').inner_text().count(money(not_covered)) == 1


def medicare_card(page, v: dict) -> None:
    assert v["determination"] == "covered"
    assert page.locator("#result-heading").inner_text().strip().endswith("Covered by policy")
    says_the_share(page.locator("#tell-patient").inner_text(), v)
    assert page.locator("#do-now li").first.get_attribute("data-kind") == "medical_necessity_documentation"
    assert "KX modifier" in page.locator("#do-now").inner_text()


def self_pay_card(page, v: dict) -> None:
    assert v["determination"] == "self_pay"
    said = page.locator("#tell-patient").inner_text()
    assert f"You pay {money(v['estimate']['per_session']['patient'])} per session" in said
    assert money(v["estimate"]["total"]["patient"]) in said
    assert page.locator("#collect-sign li").first.get_attribute("data-kind") == "good_faith_estimate"
    assert "rules" not in page.locator("#answer + .meaning").inner_text(), "no payer's rules decided a self-pay visit"


CASES = {
    "VA CCN with referral": (va_ccn_with_referral, va_ccn_card),
    "TRICARE": (tricare, tricare_card),
    "Commercial": (commercial, commercial_card),
    "Medicare": (medicare, medicare_card),
    "Self-pay": (self_pay, self_pay_card),
}


def record(case: str, backend: str, figures: dict) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    recorded = json.loads(WALKTHROUGH.read_text()) if WALKTHROUGH.exists() else {}
    recorded.setdefault(case, {})[backend] = figures
    WALKTHROUGH.write_text(json.dumps(recorded, indent=2) + "\n")


@pytest.mark.parametrize("case", CASES)
def test_from_patient_at_the_desk_to_knowing_what_to_say(page, staff, case):
    fill, card_says = CASES[case]
    sign_in(page, staff["intake"])
    page.wait_for_load_state("networkidle")
    desk = Desk(page)

    started = time.monotonic()
    fill(desk)
    asked = time.monotonic()
    desk.click("Check coverage")
    page.locator("#result .badge[data-determination]").first.wait_for()
    page.locator("#tell-patient").wait_for()
    assert_in_viewport(page, "#tell-patient")
    assert_in_viewport(page, "#do-now-heading")
    knows = time.monotonic()

    verification = page.locator("#result section[data-verification]").get_attribute("data-verification")
    v = page.request.get(f"/api/v1/verifications/{verification}").json()
    card_says(page, v)
    record(case, page.backend, {"seconds": round(knows - started, 2), "check_to_card_seconds": round(knows - asked, 2),
                                "steps": desk.steps, "determination": v["determination"]})
    screenshots(page, f"walkthrough-{case.lower().replace(' ', '-')}")
