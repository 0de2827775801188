"""Self-pay: the No Surprises Act Good Faith Estimate (policies/self_pay.toml).

The patient pays every charge; the estimate is the Good Faith Estimate: itemised lines with service
and diagnosis codes, per session and for the series, the dispute right, the delivery deadline, and
placeholders for the clinic's name, NPI, TIN and location (the printable document merges the
patient's name and date of birth from the stored request; this result carries neither).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from ..engine import SELF_PAY, Evaluation, build_result, estimate_lines, money
from ..off_label import find_off_label, off_label_items
from ..policy import SELF_PAY as POLICY
from ..request import Verification
from ..routing import SELF_PAY_PROGRAM, Route
from ..shared_rules import codes_valid_on_date, known_codes

PROGRAM = SELF_PAY_PROGRAM
DATA = POLICY.data
RULE_MODULE = DATA["module"]["rule_module"]
GFE = DATA["good_faith_estimate"]
REQUIREMENTS = DATA["requirements"]
NOTES = DATA["notes"]
DISPUTE_THRESHOLD = Decimal(GFE["dispute_threshold"])
DISPUTE_TEXT = (
    f"If the bill is at least ${DISPUTE_THRESHOLD:,.0f} more than this estimate, the patient can dispute it. "
    f"{GFE['dispute_how']}"
)


def add_business_days(day: date, count: int) -> date:
    """Monday-Friday; a negative count goes back."""
    step = 1 if count >= 0 else -1
    left = abs(count)
    while left:
        day += timedelta(days=step)
        if day.weekday() < 5:
            left -= 1
    return day


def business_days_between(start: date, end: date) -> int:
    """Business days after `start` up to and including `end` (five in every whole week, then the
    weekdays among the days left over), without walking the calendar day by day."""
    days = (end - start).days
    if days <= 0:
        return 0
    weeks, left = divmod(days, 7)
    weekday = start.weekday()
    return weeks * 5 + sum(1 for offset in range(1, left + 1) if (weekday + offset) % 7 < 5)


def delivery(verification: Verification) -> dict[str, Any]:
    """When the Good Faith Estimate is due, from the scheduling date when given."""
    service_day = verification.date_of_service
    scheduled = verification.scheduled_on
    if scheduled is not None:
        lead = business_days_between(scheduled, service_day)
        if lead >= 10:
            deliver_by, rule = add_business_days(scheduled, 3), "scheduled at least 10 business days ahead: within 3 business days of scheduling"
        elif lead >= 3:
            deliver_by, rule = add_business_days(scheduled, 1), "scheduled at least 3 business days ahead: within 1 business day of scheduling"
        else:
            deliver_by, rule = None, "scheduled less than 3 business days ahead: no scheduling deadline applies; give it on request (within 3 business days) and before the session"
        return {"deliver_by": deliver_by.isoformat() if deliver_by else None, "basis": rule, "rule": GFE["delivery_rule"], "business_days": GFE["business_days"]}
    deliver_by = add_business_days(service_day, -2)
    return {
        "deliver_by": deliver_by.isoformat(),
        "basis": GFE["delivery_without_scheduling_date"].format(deliver_by=deliver_by.isoformat()),
        "rule": GFE["delivery_rule"],
        "business_days": GFE["business_days"],
    }


def evaluate(verification: Verification, route: Route) -> dict[str, Any]:
    evaluation = Evaluation(PROGRAM, verification)
    evaluation.forced = SELF_PAY
    evaluation.off_label = find_off_label(evaluation)
    if verification.has_coverage_identifiers:
        evaluation.note(NOTES["insured_self_pay"])
    known_codes(evaluation)
    codes_valid_on_date(evaluation, deny=False)
    for line in evaluation.lines:
        line.determination = SELF_PAY
    estimate_lines(evaluation, SELF_PAY)
    when = delivery(verification)
    deadline = f"by {when['deliver_by']}" if when["deliver_by"] else "before the session"
    evaluation.require("good_faith_estimate", REQUIREMENTS["good_faith_estimate"].format(deadline=deadline))
    evaluation.record("good_faith_estimate", "pass", f"Good Faith Estimate itemised for {verification.sessions} session(s); deliver {deadline}.")
    for item in off_label_items(evaluation.off_label):
        evaluation.require("informed_consent", REQUIREMENTS["informed_consent_off_label"].format(notice=item["notice"]))
    evaluation.require("informed_consent", REQUIREMENTS["informed_consent"])
    evaluation.extra["good_faith_estimate"] = good_faith_estimate(evaluation, when)
    evaluation.billing = {
        "submit_to": None,
        "payer_id": None,
        "timely_filing_days": None,
        "note": "No claim is filed: the patient pays the clinic.",
    }
    return build_result(evaluation, rule_module=RULE_MODULE, rule_version=POLICY.version, policy=POLICY.summary())


def good_faith_estimate(evaluation: Evaluation, when: dict[str, Any]) -> dict[str, Any]:
    verification = evaluation.verification
    items = [
        {
            "code": line.code,
            "description": line.service.description if line.service else "Code not in the catalog: describe it before giving the estimate",
            "units": line.units,
            "charge": money(line.charge),
            "charge_source": line.charge_source,
            "series_charge": money(line.series_patient),
            "diagnosis_codes": list(verification.diagnoses),
            "expected_date": verification.date_of_service.isoformat(),
        }
        for line in evaluation.lines
    ]
    estimate = evaluation.estimate
    return {
        "items": items,
        "diagnosis_codes": list(verification.diagnoses),
        "date_of_service": verification.date_of_service.isoformat(),
        "sessions": verification.sessions,
        "per_session": estimate["per_session"]["patient"],
        "total": estimate["total"]["patient"],
        "recurring_series": {
            "sessions": verification.sessions,
            "covers_up_to_months": GFE["recurring_series_months"],
            "confirmed": GFE["recurring_series_confirmed"],
            "note": "One estimate may cover a recurring series; issue a new one for care beyond 12 months (limit not confirmed: check 45 CFR 149.610).",
        },
        "dispute": {
            "threshold": float(DISPUTE_THRESHOLD),
            "window_days": GFE["dispute_window_days"],
            "text": DISPUTE_TEXT,
        },
        "delivery": when,
        "not_a_contract": GFE["not_a_contract"],
        "disclaimer": GFE["estimate_only"],
        "provider": {field: None for field in GFE["provider_fields"]} | {"source": "clinic configuration"},
        "patient": "merged from the stored request when printed (name, date of birth)",
        "retention_years": GFE["retention_years"],
    }


def directory() -> dict[str, Any]:
    return {
        "program": PROGRAM,
        "rule_module": RULE_MODULE,
        "rule_version": POLICY.version,
        "description": DATA["module"]["description"],
        "carriers": [],
    }
