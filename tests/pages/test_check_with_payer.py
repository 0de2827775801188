""""Check with payer" on billing's verification page, in Debian's Chromium: progress while the payer is
asked, then the 271's summary and the rules' answer on it, without leaving the page."""

import pytest
import requests
from playwright.sync_api import expect

from tests.eligibility.conftest import clearinghouse, configure, fake, patient_request  # noqa: F401  (the fake's fixtures)
from tests.pages.conftest import assert_accessible, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("clearinghouse")]


def test_check_with_payer_shows_progress_then_the_payers_answer(app, live_server, auth, page, staff):
    # Saved while no clearinghouse is configured: nobody has asked the payer yet.
    saved = configure(app, "", CLEARINGHOUSE={}, ELIGIBILITY_MAX_TIMEOUT_SECONDS=10.0)
    created = requests.post(f"{live_server}/api/v1/verifications", params={"wait": 10},
                            json=patient_request("BVSLOW"), headers=auth()).json()
    app.config.update(CLEARINGHOUSE=saved["CLEARINGHOUSE"])
    assert created["eligibility_status"] == "unconfirmed"

    path = f"/billing/verifications/{created['id']}"
    sign_in(page, staff["billing"], path)
    status = page.locator("#payer-check-status")
    expect(status).to_contain_text("has not been asked")
    expect(page.locator("#eligibility-status")).not_to_contain_text("confirmed by the payer")

    page.get_by_role("button", name="Check with payer").click()

    expect(status).to_contain_text("Asking the payer")
    expect(page.get_by_role("button", name="Check with payer")).to_be_disabled()
    expect(page.locator("#payer-check-status")).to_contain_text("coverage is active", timeout=20_000)
    expect(page.locator("#payer-summary")).to_contain_text("Deductible")
    expect(page.locator("#payer-summary")).to_contain_text("Plan dates")
    expect(page.locator("#eligibility-status")).to_contain_text("Eligibility confirmed by the payer's 271")
    stored = requests.get(f"{live_server}/api/v1/verifications/{created['id']}", headers=auth()).json()
    assert stored["eligibility_status"] == "confirmed_271"
    assert_accessible(page)
