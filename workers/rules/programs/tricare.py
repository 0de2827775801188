"""TRICARE: the rules of policies/tricare_west.toml.

Plans Prime, Select and For Life. The CPT psychiatry range 90785-90899 is covered when medically
necessary. Active-duty members need a referral for all mental-health care outside the military
clinic and pay no cost share; other beneficiaries see a network mental-health provider without a
referral (Prime from a non-network one: point-of-service charges) and pay the plan's cost shares;
psychoanalysis, TMS and ECT need a prior authorization for everyone. A spouse or child recorded as
active duty needs review. Spravato needs prior authorization and an FDA-labelled indication, billed
as G2082/G2083 (which include the drug); IV/IM ketamine for a psychiatric condition is unproven.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..catalog import BEHAVIORAL_VISIT_CATEGORIES, Service
from ..engine import NEEDS_REVIEW, NOT_COVERED, Evaluation, Reason, build_result, codes_of, estimate_lines, reason
from ..off_label import find_off_label, require_informed_consent
from ..policy import TRICARE as POLICY
from ..policy import administrator_directory
from ..request import Verification
from ..routing import TRICARE_PROGRAM, Route
from ..shared_rules import (
    SETTLED,
    apply_authorization,
    authorized_despite_policy,
    code_checks,
    coverage_period,
    drug_billed_with_spravato_visit,
    eligibility,
    eligibility_authorization,
    esketamine_indication,
    is_esketamine,
)

PROGRAM = TRICARE_PROGRAM
DATA = POLICY.data
RULE_MODULE = DATA["module"]["rule_module"]
ADMINISTRATORS: dict[str, dict[str, Any]] = {row["key"]: row for row in DATA["administrator"]}
PLANS: dict[str, str] = {word: plan for plan, words in DATA["plans"].items() for word in words}
ACTIVE_DUTY = DATA["active_duty"]
KETAMINE = DATA["ketamine"]
ESKETAMINE = DATA["esketamine"]
NOTES = DATA["notes"]
AUTHORIZATION_KINDS = ("prior_authorization", "referral", "tricare_referral")
BEFORE = Reason("26", None, "The date of service is before TRICARE coverage starts.")
AFTER = Reason("27", None, "The date of service is after TRICARE coverage ended.")
REFERRAL_REASONS = {
    "absent": reason(ACTIVE_DUTY["referral_absent"], ""),
    "wrong_type": reason(ACTIVE_DUTY["referral_wrong_type"], ""),
    "not_valid_on_date": reason(ACTIVE_DUTY["referral_expired"], ""),
    "exceeded": reason(ACTIVE_DUTY["referral_exceeded"], ""),
    "not_listed": reason(ACTIVE_DUTY["referral_not_listed"], ""),
}
ESKETAMINE_REASONS = {
    status: reason(ESKETAMINE[status], "")
    for status in ("absent", "wrong_type", "not_valid_on_date", "exceeded", "not_listed")
}
ESKETAMINE_UNLABELLED = reason(ESKETAMINE["unlabelled"], "")
ESKETAMINE_UNDER_AGE = reason(ESKETAMINE["under_age"], "")
KETAMINE_REASON = reason(KETAMINE, KETAMINE["explanation"])
MENTAL_HEALTH_RANGE = DATA["mental_health_range"]
ALWAYS = DATA["prior_authorization_always"]
ALWAYS_CODES = frozenset(ALWAYS["codes"])
ALWAYS_REASONS = {
    status: reason(ALWAYS[status], "")
    for status in ("absent", "wrong_type", "not_valid_on_date", "exceeded", "not_listed")
}
PRIME = DATA["prime"]
FAMILY = frozenset({"spouse", "child"})
# Plan words longest first, so the most specific word found in a plan type wins.
PLAN_WORDS_LONGEST_FIRST = sorted(PLANS.items(), key=lambda item: -len(item[0]))


def plan_of(verification: Verification) -> str | None:
    plan_type = verification.plan_type
    if not plan_type:
        return None
    if plan_type in PLANS:
        return PLANS[plan_type]
    for word, plan in PLAN_WORDS_LONGEST_FIRST:
        if word in plan_type:
            return plan
    return None


def active_duty(verification: Verification) -> bool | None:
    if active_duty_recorded(verification):
        if (verification.relationship or "").lower() in FAMILY:
            return None  # a spouse or child recorded as active duty: a contradiction (see active_duty_referral)
        return True
    if verification.veteran or verification.beneficiary_category:
        return False
    return None


def evaluate(verification: Verification, route: Route) -> dict[str, Any]:
    evaluation = Evaluation(PROGRAM, verification)
    evaluation.off_label = find_off_label(evaluation)
    plan = plan_of(verification)
    duty = active_duty(verification)
    if eligibility(evaluation) and coverage_period(evaluation, BEFORE, AFTER):
        mental_health_range(evaluation)
        code_checks(evaluation)
        plan_rule(evaluation, plan)
        drug_billed_with_spravato_visit(evaluation)
        ketamine_unproven(evaluation)
        esketamine_indication(
            evaluation, ESKETAMINE["labelled_groups"], ESKETAMINE["minimum_age"], ESKETAMINE_UNLABELLED, ESKETAMINE_UNDER_AGE,
            accepted_codes=ESKETAMINE.get("accepted_codes", ()),
        )
        active_duty_referral(evaluation, duty)
        always_prior_authorization(evaluation)
        esketamine_prior_authorization(evaluation)
        eligibility_authorization(evaluation, AUTHORIZATION_KINDS)
        behavioral_visits(evaluation)
        network(evaluation, plan, duty)
    require_informed_consent(evaluation, evaluation.off_label)
    estimate_lines(evaluation, cost_share_basis(evaluation, plan, duty))
    evaluation.billing = billing(evaluation, route)
    evaluation.extra["tricare"] = {"plan": plan, "active_duty": duty}
    return build_result(
        evaluation, rule_module=RULE_MODULE, rule_version=POLICY.version, policy=POLICY.summary()
    )


def plan_rule(evaluation: Evaluation, plan: str | None) -> None:
    if plan is None:
        evaluation.record("plan", "info", "TRICARE plan not given.")
        evaluation.note(NOTES["plan_unknown"])
        evaluation.require("eligibility_confirmation", NOTES["plan_unknown"])
        return
    evaluation.record("plan", "pass", f"TRICARE {plan.replace('_', ' ').title()}.")
    if plan == "for_life":
        evaluation.require("coordination_of_benefits", DATA["for_life"]["requirement"])
        evaluation.note(DATA["for_life"]["note"])


def mental_health_range(evaluation: Evaluation) -> None:
    """Codes of the CPT psychiatry range the service catalog does not list are known to TRICARE."""
    first, last = MENTAL_HEALTH_RANGE["first"], MENTAL_HEALTH_RANGE["last"]
    found = [
        line for line in evaluation.lines
        if line.service is None and line.well_formed and line.code.isdigit() and first <= line.code <= last
    ]
    if not found:
        return
    for line in found:
        line.service = range_service(line.code)
        line.category = line.service.category
    codes = codes_of(found)
    evaluation.record("mental_health_range", "pass", f"{codes}: in the CPT psychiatry range {first}-{last} (TPM ch. 7 s. 3.8 para 1.0).")
    evaluation.note(MENTAL_HEALTH_RANGE["note"].format(codes=codes))


def range_service(code: str) -> Service:
    return Service(code, MENTAL_HEALTH_RANGE["description"], MENTAL_HEALTH_RANGE["category"], None, None, Decimal(0), None, None, None, None)


def active_duty_referral(evaluation: Evaluation, duty: bool | None) -> None:
    verification = evaluation.verification
    if duty is None and (verification.relationship or "").lower() in FAMILY and active_duty_recorded(verification):
        lines = evaluation.decide_all(NEEDS_REVIEW)
        text = ACTIVE_DUTY["contradiction"].format(relationship=verification.relationship.lower())
        evaluation.record("active_duty_referral", "fail", f"Contradictory record ({codes_of(lines) or 'no line open'}): {text}")
        evaluation.require("eligibility_confirmation", text)
        return
    if duty is None:
        evaluation.record("active_duty_referral", "info", "Whether the patient is on active duty is not known.")
        evaluation.require("eligibility_confirmation", ACTIVE_DUTY["unknown_requirement"])
        return
    if not duty:
        prime_network(evaluation)
        return
    lines = evaluation.open_lines()
    status = apply_authorization(
        evaluation, "active_duty_referral", lines, verification.authorization, AUTHORIZATION_KINDS, REFERRAL_REASONS
    )
    if status not in SETTLED:
        evaluation.require(
            "prior_authorization", ACTIVE_DUTY["requirement"].format(codes=codes_of(lines), sessions=verification.sessions)
        )


def active_duty_recorded(verification: Verification) -> bool:
    category = (verification.beneficiary_category or "").lower()
    plan_type = verification.plan_type or ""
    return category in ACTIVE_DUTY["categories"] or any(word in plan_type for word in ACTIVE_DUTY["plan_type_words"])


def prime_network(evaluation: Evaluation) -> None:
    """Not active duty: outpatient mental-health office visits need no referral from a network provider
    (TOM ch. 7 s. 2); a Prime enrollee seeing a non-network provider without one pays point-of-service
    charges (see network)."""
    verification = evaluation.verification
    evaluation.record(
        "active_duty_referral",
        "pass",
        "Not an active-duty member: outpatient mental-health office visits need no referral from a network provider.",
    )
    if plan_of(verification) != "prime":
        return
    if verification.network_status == "unknown" and evaluation.open_lines(BEHAVIORAL_VISIT_CATEGORIES):
        evaluation.require("eligibility_confirmation", PRIME["network_unknown"])
    if "substance_use" in verification.diagnosis_groups and evaluation.open_lines(BEHAVIORAL_VISIT_CATEGORIES):
        evaluation.note(PRIME["substance_use_note"])


def always_prior_authorization(evaluation: Evaluation) -> None:
    """Psychoanalysis, TMS and ECT need a prior authorization for every beneficiary, in network or not."""
    lines = [line for line in evaluation.open_lines() if line.code in ALWAYS_CODES]
    if not lines:
        return
    apply_authorization(
        evaluation, "prior_authorization_always", lines, evaluation.verification.authorization,
        AUTHORIZATION_KINDS, ALWAYS_REASONS,
        requirement=("prior_authorization", ALWAYS["requirement"].format(codes=codes_of(lines))),
    )


def ketamine_unproven(evaluation: Evaluation) -> None:
    lines = evaluation.open_lines(drug="ketamine")
    if not lines:
        evaluation.record("ketamine_unproven", "skip", "No ketamine service open to decide.")
        return
    if "psychiatric" not in evaluation.verification.diagnosis_groups:
        for line in lines:
            line.decide(NEEDS_REVIEW)
        evaluation.record("ketamine_unproven", "fail", "Ketamine billed without a psychiatric diagnosis: outside these rules.")
        return
    if authorized_despite_policy(
        evaluation, "ketamine_unproven", lines, AUTHORIZATION_KINDS,
        "IV/IM ketamine for a psychiatric condition is unproven (TPM ch. 1 s. 2.1)",
    ):
        return
    for line in lines:
        line.decide(NOT_COVERED, KETAMINE_REASON)
    evaluation.record("ketamine_unproven", "fail", f"{KETAMINE_REASON.explanation} ({codes_of(lines)})")
    if not KETAMINE["confirmed"]:
        evaluation.note(KETAMINE["note"])
    if any(line.category == "evaluation_management" for line in evaluation.lines):
        evaluation.note(KETAMINE["related_visits_note"])


def esketamine_prior_authorization(evaluation: Evaluation) -> None:
    lines = evaluation.open_lines(drug="esketamine")
    apply_authorization(
        evaluation, "esketamine_prior_authorization", lines, evaluation.verification.authorization,
        AUTHORIZATION_KINDS, ESKETAMINE_REASONS, family=is_esketamine,
        requirement=("prior_authorization", ESKETAMINE["criteria"]),
    )


def behavioral_visits(evaluation: Evaluation) -> None:
    lines = evaluation.open_lines(BEHAVIORAL_VISIT_CATEGORIES)
    if lines:
        evaluation.record("behavioral_visits", "pass", f"{codes_of(lines)}: covered mental-health services (TPM ch. 7 s. 3.8).")
    else:
        evaluation.record("behavioral_visits", "skip", "No behavioral-health visit open to decide.")


def network(evaluation: Evaluation, plan: str | None, duty: bool | None) -> None:
    status = evaluation.verification.network_status
    if status == "out_of_network" and duty:
        evaluation.record("network", "info", "Out of network: an active-duty member's referral decides payment.")
    elif status == "out_of_network":
        evaluation.note(NOTES["prime_out_of_network"] if plan == "prime" else NOTES["select_out_of_network"])
        evaluation.record("network", "info", "Out of network: see the note on cost shares.")
    else:
        evaluation.record("network", "info" if status == "unknown" else "pass", f"Network status: {status}.")


def cost_share_basis(evaluation: Evaluation, plan: str | None, duty: bool | None) -> str:
    if duty:
        evaluation.note(NOTES["active_duty_cost_share"])
        return "no_cost_share"
    if plan == "for_life":
        return "secondary_payer"
    if evaluation.verification.benefits is None:
        if not evaluation.has_payable_lines():
            return "unknown_benefits"
        evaluation.note("No benefits given: the patient's TRICARE cost share is not estimated (deductible and cost shares apply to Select, copays to Prime).")
        evaluation.require("eligibility_confirmation", "Look up the beneficiary's TRICARE deductible, cost shares and catastrophic cap (TriWest portal) and enter them for an estimate.")
        return "unknown_benefits"
    return "benefits_on_file"


def billing(evaluation: Evaluation, route: Route) -> dict[str, Any]:
    key = route.candidate.key if route.candidate and route.candidate.key else "triwest_west"
    administrator = ADMINISTRATORS[key]
    if route.candidate is None or route.candidate.key is None:
        evaluation.note("The card does not name the TRICARE region: claims go to TriWest for the West Region, Humana Military for the East.")
    if not administrator["payer_id_confirmed"]:
        evaluation.note(f"{administrator['name']}'s claims payer id is not confirmed: confirm it with the contractor.")
    evaluation.note(NOTES["filing"])
    return {
        "submit_to": administrator["name"],
        "administrator_regions": administrator["regions"],
        "claims_processor": administrator["claims_processor"],
        "payer_id": administrator["payer_id"] or None,
        "payer_id_confirmed": administrator["payer_id_confirmed"],
        "timely_filing_days": DATA["billing"]["timely_filing_days"],
    }


def directory() -> dict[str, Any]:
    return administrator_directory(POLICY)
