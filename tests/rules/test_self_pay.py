"""Self-pay: the No Surprises Act Good Faith Estimate (policies/self_pay.toml)."""

from datetime import date

import pytest

from tests.rules.builders import KETAMINE_IV, PSYCHOTHERAPY, kinds, make_request, notes, requirement_texts, run
from workers.rules.programs.self_pay import add_business_days, business_days_between, delivery
from workers.rules.request import read_request


def test_series_estimate_is_every_charge_times_the_sessions():
    result = run("self_pay", services=KETAMINE_IV)
    assert result["determination"] == "self_pay"
    assert result["estimate"]["per_session"]["patient"] == 695.0
    assert result["estimate"]["total"] == {"patient": 4170.0, "payer": 0.0, "allowed": 4170.0, "non_covered": 0.0}
    assert {entry["determination"] for entry in result["lines"]} == {"self_pay"}


def test_good_faith_estimate_is_itemised_with_codes_dates_and_the_dispute_right():
    gfe = run("self_pay", services=KETAMINE_IV, diagnoses=["f4310", "F10.20"])["good_faith_estimate"]
    assert [item["code"] for item in gfe["items"]] == ["96365", "96366", "J3490"]
    first = gfe["items"][0]
    assert (first["units"], first["charge"], first["series_charge"], first["expected_date"]) == (1, 500.0, 3000.0, "2026-12-02")
    assert gfe["items"][0]["diagnosis_codes"] == ["F43.10", "F10.20"]
    assert (gfe["per_session"], gfe["total"], gfe["sessions"]) == (695.0, 4170.0, 6)
    assert gfe["dispute"]["threshold"] == 400.0 and gfe["dispute"]["window_days"] == 120
    assert "$400" in gfe["dispute"]["text"]
    assert "not a contract" in gfe["not_a_contract"]
    assert gfe["provider"] == {"name": None, "npi": None, "tin": None, "location": None, "source": "clinic configuration"}
    assert gfe["retention_years"] == 6
    assert gfe["recurring_series"]["covers_up_to_months"] == 12


def test_good_faith_estimate_and_informed_consent_are_required():
    result = run("self_pay", services=KETAMINE_IV)
    assert {"good_faith_estimate", "informed_consent"} <= set(kinds(result))
    assert "off-label" in requirement_texts(result, "informed_consent")


def test_psychotherapy_only_needs_plain_consent_without_an_off_label_statement():
    result = run("self_pay", services=PSYCHOTHERAPY)
    assert result["off_label"] is None
    assert "off-label" not in requirement_texts(result, "informed_consent")
    assert "informed_consent" in kinds(result)


@pytest.mark.parametrize(
    "scheduled_on, service_day, deliver_by",
    [
        ("2026-11-16", "2026-12-07", "2026-11-19"),  # 15 business days ahead: within 3 business days
        ("2026-11-27", "2026-12-07", "2026-11-30"),  # 6 business days ahead (Friday): next business day
        ("2026-12-03", "2026-12-07", None),  # 2 business days ahead: no scheduling deadline
    ],
)
def test_delivery_deadline_follows_how_far_ahead_the_session_was_scheduled(scheduled_on, service_day, deliver_by):
    verification = read_request(make_request("self_pay", scheduled_on=scheduled_on, date_of_service=service_day))
    assert delivery(verification)["deliver_by"] == deliver_by


def test_without_a_scheduling_date_the_deadline_is_two_business_days_before_the_session():
    verification = read_request(make_request("self_pay", date_of_service="2026-12-07"))
    assert delivery(verification)["deliver_by"] == "2026-12-03"


@pytest.mark.parametrize(
    "start, days, end", [(date(2026, 12, 4), 1, date(2026, 12, 7)), (date(2026, 12, 7), -2, date(2026, 12, 3)), (date(2026, 12, 1), 3, date(2026, 12, 4))]
)
def test_business_days_skip_weekends(start, days, end):
    assert add_business_days(start, days) == end
    assert business_days_between(min(start, end), max(start, end)) == abs(days)


def test_retired_s0013_is_flagged_on_the_estimate_but_still_listed():
    result = run("self_pay", services=[{"code": "S0013", "units": 56, "charge": 900}], diagnoses=["F33.2"])
    assert result["determination"] == "self_pay"
    assert "Bill J0013" in notes(result)
    assert result["good_faith_estimate"]["total"] == 5400.0


def test_missing_charges_use_the_default_fee_schedule_and_say_so():
    result = run("self_pay", services=[{"code": "90837"}], sessions=2)
    assert result["good_faith_estimate"]["items"][0]["charge_source"] == "default_fee_schedule"
    assert result["estimate"]["total"]["patient"] == 400.0
    assert "default fee schedule" in notes(result)


def test_insured_patient_paying_directly_is_told_the_self_pay_rules_apply():
    result = run("self_pay", coverage__carrier="Aetna", coverage__member_id="W1", services=PSYCHOTHERAPY)
    assert "self-pay individuals" in notes(result)


def test_good_faith_estimate_carries_no_patient_identifiers():
    result = run("self_pay", services=KETAMINE_IV)
    text = str(result)
    assert "Reyes" not in text and "Dana" not in text and "1979-03-14" not in text
