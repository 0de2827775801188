"""VA Community Care Network: the rules of policies/triwest_va_ccn.toml.

Payable only under an approved VA referral valid on the date of service, with visits left for the
planned sessions, listing the billed codes (or an episode of care not itemised). Off-label ketamine
and off-formulary Spravato are paid only where the referral itemises them. The veteran owes nothing.
"""

from __future__ import annotations

import re
from typing import Any

from ..engine import (
    AUTHORIZATION_REQUIRED,
    COVERED,
    NEEDS_REVIEW,
    Evaluation,
    Reason,
    build_result,
    codes_of,
    estimate_lines,
    reason,
)
from ..off_label import find_off_label, require_informed_consent
from ..policy import VA_CCN as POLICY
from ..policy import administrator_directory
from ..request import Authorization, VerificationRequest
from ..routing import VA_CCN_PROGRAM, Route
from ..shared_rules import (
    ABSENT,
    NOT_NEEDED,
    VALID,
    WRONG_TYPE,
    apply_authorization,
    code_checks,
    coverage_period,
    eligibility,
)

PROGRAM = VA_CCN_PROGRAM
DATA = POLICY.data
RULE_MODULE = DATA["module"]["rule_module"]
ADMINISTRATORS: dict[str, dict[str, Any]] = {row["key"]: row for row in DATA["administrator"]}
REFERRAL = DATA["referral"]
REQUIREMENTS = DATA["requirements"]
NOTES = DATA["notes"]
BILLING = DATA["billing"]
REFERRAL_KINDS = (REFERRAL["authorization_type"],)
NUMBER_FORM = re.compile(REFERRAL["number_pattern"])
ITEMISED = frozenset(REFERRAL["itemised_categories"])
REASONS = {
    status: reason(REFERRAL[key], "")
    for status, key in (
        ("absent", "absent"),
        ("wrong_type", "wrong_type"),
        ("not_valid_on_date", "not_valid_on_date"),
        ("exceeded", "visits_exceeded"),
        ("not_listed", "service_not_on_referral"),
    )
}
BEFORE = Reason("26", None, "The date of service is before the veteran's VA community care eligibility starts.")
AFTER = Reason("27", None, "The date of service is after the veteran's VA community care eligibility ended.")


def evaluate(verification: VerificationRequest, route: Route) -> dict[str, Any]:
    evaluation = Evaluation(PROGRAM, verification)
    evaluation.off_label = find_off_label(evaluation)
    if veteran_status(evaluation) and eligibility(evaluation) and coverage_period(evaluation, BEFORE, AFTER):
        code_checks(evaluation)
        referral_rules(evaluation, verification.authorization)
    off_label_consequences(evaluation)
    estimate_lines(evaluation, "payment_in_full", patient_pays_non_covered=False)
    evaluation.note(NOTES["payment_in_full"])
    if any(line.determination != COVERED for line in evaluation.lines):
        evaluation.note(NOTES["no_patient_billing"])
    evaluation.billing = billing(evaluation, route)
    return build_result(
        evaluation, rule_module=RULE_MODULE, rule_version=POLICY.version, policy=POLICY.summary()
    )


def veteran_status(evaluation: Evaluation) -> bool:
    veteran = evaluation.verification.veteran
    if veteran is False:
        evaluation.decide_all(NEEDS_REVIEW)
        evaluation.record(
            "veteran_status", "fail", "The patient is recorded as not a veteran, but the program is VA CCN."
        )
        evaluation.require(
            "eligibility_confirmation",
            "The patient is recorded as not a veteran, but the program is VA Community Care: confirm "
            "VA eligibility and the referral, or correct the program (a TriWest card may be TRICARE).",
        )
        return False
    evaluation.record(
        "veteran_status",
        "pass" if veteran else "info",
        "The patient is a veteran." if veteran else "Veteran status not given; the VA referral decides eligibility.",
    )
    return True


def referral_rules(evaluation: Evaluation, referral: Authorization | None) -> None:
    verification = evaluation.verification
    lines = evaluation.open_lines()
    status = apply_authorization(evaluation, "referral_on_file", lines, referral, REFERRAL_KINDS, REASONS)
    if status == NOT_NEEDED:
        return
    dos = verification.date_of_service.isoformat()
    if status in (ABSENT, WRONG_TYPE):
        evaluation.require(
            "va_referral",
            REQUIREMENTS["new_referral"].format(codes=codes_of(lines), sessions=verification.sessions, dos=dos),
        )
        evaluation.note(REFERRAL["exceptions"])
        for rule in ("referral_number_format", "referral_covers_services", "itemised_services"):
            evaluation.record(rule, "skip", "No VA referral on file to check.")
        return
    referral_number_format(evaluation, referral)
    if status == "not_valid_on_date":
        evaluation.require("va_referral", REQUIREMENTS["renew_referral"].format(dos=dos))
    elif status == "exceeded":
        evaluation.require(
            "va_referral",
            REQUIREMENTS["secondary_authorization"].format(
                what=f"{verification.sessions - referral.visits_left} more visit(s) than the "
                f"{referral.visits_left} left on the referral"
            ),
        )
    elif status == "not_listed":
        unlisted = [line for line in lines if line.determination == AUTHORIZATION_REQUIRED]
        evaluation.require(
            "va_referral",
            REQUIREMENTS["secondary_authorization"].format(
                what=f"{codes_of(unlisted)}, which the referral does not list"
            ),
        )
    if status in (VALID, "not_listed"):
        if not referral.approved_codes:
            evaluation.record("referral_covers_services", "info", "The referral lists no codes: episode of care not itemised.")
            evaluation.note(NOTES["seoc_not_itemised"])
        elif status == VALID:
            evaluation.record("referral_covers_services", "pass", "The referral lists every billed code.")
        else:
            unlisted = [line for line in lines if line.determination == AUTHORIZATION_REQUIRED]
            evaluation.record("referral_covers_services", "fail", f"The referral does not list {codes_of(unlisted)}.")
        itemised_services(evaluation, referral)


def referral_number_format(evaluation: Evaluation, referral: Authorization) -> None:
    number = referral.number or ""
    if NUMBER_FORM.match(number):
        evaluation.record("referral_number_format", "pass", "The referral number is in the form the VA issues it.")
        return
    problem = number_problem(number)
    evaluation.record("referral_number_format", "fail", f"The referral number {problem}.")
    evaluation.note(NOTES["number_format"].format(problem=problem))


def number_problem(number: str) -> str:
    stripped = number.strip()
    if not stripped:
        return "is missing"
    if stripped != number:
        return "has spaces before or after it"
    index = stripped.upper().find("VA")
    if index > 0:
        return f"has a prefix ('{stripped[:index].strip()}')"
    if " " in stripped:
        return "contains a space"
    if not stripped.startswith("VA") and stripped[:2].upper() == "VA":
        return "is in lower case"
    digits = stripped[2:] if stripped.upper().startswith("VA") else stripped
    if not digits.isdigit():
        return "is not 'VA' followed by digits"
    return f"has {len(digits)} digits after 'VA' (shortened: the VA issues at least {REFERRAL['number_min_digits']})"


def itemised_services(evaluation: Evaluation, referral: Authorization) -> None:
    """Ketamine and Spravato are paid only where the referral itemises them."""
    lines = [line for line in evaluation.open_lines() if line.category in ITEMISED]
    if not lines:
        evaluation.record("itemised_services", "skip", "No ketamine or Spravato service open to check.")
        return
    if referral.approved_codes:
        evaluation.record("itemised_services", "pass", f"The referral itemises {codes_of(lines)}.")
        for drug in dict.fromkeys(line.drug for line in lines if line.drug):
            off_label = evaluation.off_label
            if drug == "esketamine":
                evaluation.note(NOTES["spravato"])
            elif off_label:
                evaluation.note(NOTES["off_label_authorized"].format(drug=drug, indication=off_label["indication"]))
        return
    for line in lines:
        line.decide(NEEDS_REVIEW)
    evaluation.record(
        "itemised_services",
        "fail",
        f"{codes_of(lines)}: the referral lists no codes, and the VA pays ketamine and Spravato only where it itemises them.",
    )
    evaluation.require("va_referral", REQUIREMENTS["confirm_itemised"].format(codes=codes_of(lines)))


def off_label_consequences(evaluation: Evaluation) -> None:
    off_label = evaluation.off_label
    require_informed_consent(evaluation, off_label)
    if off_label is None:
        return
    for item in off_label["items"]:
        evaluation.require(
            "medical_necessity_documentation",
            REQUIREMENTS["off_label_records"].format(drug=item["drug"], indication=item["indication"]),
        )
    if any(line.drug and not line.open for line in evaluation.lines):
        evaluation.note(
            f"The VA pays off-label {off_label['drug']} for {off_label['indication']} only where it "
            "authorized it in the referral: ask for a referral that lists it."
        )


def billing(evaluation: Evaluation, route: Route) -> dict[str, Any]:
    administrator = ADMINISTRATORS.get(route.candidate.key) if route.candidate and route.candidate.key else None
    if administrator is None:
        evaluation.note(NOTES["administrator_unknown"])
    elif not administrator["payer_id_confirmed"]:
        evaluation.note(f"{administrator['name']}'s claims payer id is not confirmed: confirm it with the administrator.")
    evaluation.note(NOTES["filing"])
    evaluation.note(NOTES["records"])
    return {
        "submit_to": administrator["name"] if administrator else None,
        "administrator_regions": administrator["regions"] if administrator else None,
        "claims_processor": administrator["claims_processor"] if administrator else None,
        "payer_id": (administrator["payer_id"] or None) if administrator else None,
        "payer_id_confirmed": bool(administrator and administrator["payer_id_confirmed"]),
        "timely_filing_days": BILLING["timely_filing_days"],
        "recommended_filing_days": BILLING["recommended_filing_days"],
        "reconsideration_days": BILLING["reconsideration_days"],
        "medical_records_to": BILLING["medical_records_to"],
        "authorization_number": "on the claim exactly as the VA issued it",
    }


def directory() -> dict[str, Any]:
    return administrator_directory(POLICY)
