"""VA Community Care Network: the rules of policies/triwest_va_ccn.toml.

For the veteran only (a spouse or child needs review: CHAMPVA is theirs), from a clinic in the CCN
network (TriWest cannot pay out-of-network providers). Payable only under an approved VA referral
valid on the date of service, with visits left for the planned sessions, listing the billed codes (or
an episode of care not itemised), its number in a form the VA issues (a prefix, a space or missing
digits deny the claim). Off-label ketamine and off-formulary Spravato are paid only where the
referral itemises them; the Spravato visit (G2082/G2083) includes the drug, as in Medicare's method.
The veteran owes nothing.
"""

from __future__ import annotations

import re
from typing import Any

from ..engine import (
    AUTHORIZATION_REQUIRED,
    COVERED,
    NEEDS_REVIEW,
    NOT_COVERED,
    Evaluation,
    Reason,
    build_result,
    codes_of,
    estimate_lines,
    reason,
)
from ..off_label import find_off_label, off_label_items, require_informed_consent
from ..policy import VA_CCN as POLICY
from ..policy import administrator_directory
from ..request import Authorization, Verification
from ..routing import VA_CCN_PROGRAM, Route
from ..shared_rules import (
    ABSENT,
    NOT_NEEDED,
    VALID,
    WRONG_TYPE,
    apply_authorization,
    code_checks,
    coverage_period,
    drug_billed_with_spravato_visit,
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
NUMBER_FORMS = [re.compile(form) for form in REFERRAL["number_forms"]]
# Longest first, so "Auth #" is taken whole before "Auth".
NUMBER_PREFIXES = sorted(REFERRAL["number_prefixes"], key=len, reverse=True)
NUMBER_INVALID = REFERRAL["number_invalid"]
OUT_OF_NETWORK = reason(DATA["network"]["out_of_network"], "")
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


def evaluate(verification: Verification, route: Route) -> dict[str, Any]:
    evaluation = Evaluation(PROGRAM, verification)
    evaluation.off_label = find_off_label(evaluation)
    if veteran_status(evaluation) and eligibility(evaluation) and coverage_period(evaluation, BEFORE, AFTER):
        code_checks(evaluation)
        network(evaluation)
        drug_billed_with_spravato_visit(evaluation)
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
    """CCN is for the veteran: a patient recorded as not a veteran, or as the veteran's spouse or child,
    is not covered by a veteran's referral (DOMAIN.md: their program is CHAMPVA), so a person must look."""
    verification = evaluation.verification
    veteran = verification.veteran
    relationship = (verification.relationship or "self").lower()
    if veteran is False or relationship != "self":
        who = "a patient recorded as not a veteran" if veteran is False else f"the veteran's {relationship}"
        evaluation.decide_all(NEEDS_REVIEW)
        evaluation.record("veteran_status", "fail", f"The program is VA Community Care, but the patient is {who}.")
        evaluation.require("eligibility_confirmation", REQUIREMENTS["not_the_veteran"].format(who=who))
        if veteran is False:
            evaluation.note("A TriWest card may also be TRICARE (military families): check the card.")
        return False
    evaluation.record(
        "veteran_status",
        "pass" if veteran else "info",
        "The patient is a veteran." if veteran else "Veteran status not given; the VA referral decides eligibility.",
    )
    return True


def network(evaluation: Evaluation) -> None:
    status = evaluation.verification.network_status
    if status == "in_network":
        evaluation.record("network", "pass", "The clinic is in the CCN network.")
        return
    if status == "out_of_network":
        evaluation.decide_all(NOT_COVERED, OUT_OF_NETWORK)
        evaluation.record("network", "fail", OUT_OF_NETWORK.explanation)
        evaluation.require("va_referral", REQUIREMENTS["join_network"])
        return
    evaluation.record("network", "info", "Network status not given: TriWest pays CCN network providers only.")
    evaluation.require("eligibility_confirmation", REQUIREMENTS["network_unknown"])


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
    referral_number_format(evaluation, referral)


def referral_number_format(evaluation: Evaluation, referral: Authorization) -> None:
    """A number TriWest would deny (a prefix, a space, missing digits) blocks the lines a valid referral
    left open, with what to type instead. The fix shows the number's shape, not the number itself: the
    result carries no identifier."""
    number = referral.number or ""
    if valid_number(number):
        evaluation.record("referral_number_format", "pass", "The referral number is in a form the VA issues.")
        return
    problem, fixed = number_problem(number)
    if fixed is not None:
        fix = f"Type it as {masked(fixed)} (the same number without the extra characters)."
    else:
        fix = "Copy it exactly from the referral in HSRM (or the referral letter)."
    why = Reason(NUMBER_INVALID["carc"], NUMBER_INVALID["rarc"] or None, NUMBER_INVALID["explanation"].format(problem=problem))
    for line in evaluation.open_lines():
        line.decide(AUTHORIZATION_REQUIRED, why)
    evaluation.record("referral_number_format", "fail", f"The referral number {problem}.")
    evaluation.require(
        "va_referral", REQUIREMENTS["fix_number"].format(forms=REFERRAL["number_forms_text"], problem=problem, fix=fix)
    )


def valid_number(number: str) -> bool:
    return any(form.match(number) for form in NUMBER_FORMS)


def number_problem(number: str) -> tuple[str, str | None]:
    """What is wrong with a referral number not in a VA form, and the number as the VA issues it when
    taking away the extra characters gives one (None when digits are missing or the form is unknown)."""
    stripped = number.strip()
    if not stripped:
        return "is missing", None
    problems = []
    if stripped != number:
        problems.append("has spaces before or after it")
    candidate = stripped
    for prefix in NUMBER_PREFIXES:
        if candidate.upper().startswith(prefix.upper()) and len(candidate) > len(prefix):
            problems.append(f"has a prefix ('{candidate[:len(prefix)]}')")
            candidate = candidate[len(prefix):].lstrip(" :#")
            break
    if " " in candidate:
        problems.append("contains a space")
        candidate = candidate.replace(" ", "")
    if candidate != candidate.upper():
        problems.append("is in lower case")
        candidate = candidate.upper()
    if valid_number(candidate):
        return " and ".join(problems), candidate
    digits = candidate[2:] if candidate.startswith("VA") else None
    if digits is not None and digits.isdigit():
        problems.append(f"has {len(digits)} digits after 'VA' (the VA issues 7 or 10: shortened, or mistyped)")
    else:
        problems.append("is not in a form the VA issues")
    return " and ".join(problems), None


def masked(number: str) -> str:
    """The number's shape with all but its last 4 characters hidden: 'VA******5678'."""
    head = 2 if number.startswith("VA") else 4  # "VA" or "402-"
    hidden = "".join("*" if char.isalnum() else char for char in number[head:-4])
    return number[:head] + hidden + number[-4:]


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
    items = off_label_items(off_label)
    if not items:
        return
    for item in items:
        evaluation.require(
            "medical_necessity_documentation",
            REQUIREMENTS["off_label_records"].format(drug=item["drug"], indication=item["indication"]),
        )
    if any(line.drug and not line.open for line in evaluation.lines):
        evaluation.note(
            f"The VA pays off-label {items[0]['drug']} for {items[0]['indication']} only where it "
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
