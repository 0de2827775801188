"""Medicaid and Medi-Cal: the rules of policies/medicaid.toml.

What is known is Medi-Cal's split of the work: mild-to-moderate outpatient mental health with the
managed-care plan (covered), specialty mental health with the county (a note), Spravato with the
plan's prior authorization for its labelled indications (167/188 otherwise; 197/198/284 as
authorizations are read). Everything not confirmed is `needs_review` with the question to ask: IV/IM
ketamine for a psychiatric condition (expected not to be a benefit, CARC 204, once confirmed), a
Medi-Cal card that names no plan, and any other state's Medicaid. Medicaid pays last.
"""

from __future__ import annotations

from typing import Any

from ..catalog import BEHAVIORAL_VISIT_CATEGORIES
from ..engine import NEEDS_REVIEW, NOT_COVERED, Evaluation, Reason, build_result, codes_of, estimate_lines, reason
from ..government_rules import psychiatric_ketamine_lines
from ..off_label import find_off_label, require_informed_consent
from ..policy import MEDICAID as POLICY
from ..policy import administrator_directory
from ..request import Verification
from ..routing import Route, alias_key
from ..shared_rules import (
    apply_authorization,
    code_checks,
    coverage_period,
    eligibility,
    eligibility_authorization,
    esketamine_indication,
    is_esketamine,
)
from . import MEDICAID

PROGRAM = MEDICAID
DATA = POLICY.data
RULE_MODULE = DATA["module"]["rule_module"]
PLANS: dict[str, dict[str, Any]] = {row["key"]: row for row in DATA["plan"]}
MEDI_CAL = DATA["medi_cal"]
MEDI_CAL_WORDS = tuple(f" {alias_key(word)} " for word in DATA["program"]["medi_cal_words"])
KETAMINE = DATA["ketamine"]
ESKETAMINE = DATA["esketamine"]
NOTES = DATA["notes"]
AUTHORIZATION_KINDS = ("prior_authorization",)
BEFORE = Reason("26", None, "The date of service is before the patient's Medicaid eligibility starts.")
AFTER = Reason("27", None, "The date of service is after the patient's Medicaid eligibility ended.")
KETAMINE_REASON = reason(KETAMINE, KETAMINE["explanation"])
ESKETAMINE_UNLABELLED = reason(ESKETAMINE["unlabelled"], "")
ESKETAMINE_UNDER_AGE = reason(ESKETAMINE["under_age"], "")
ESKETAMINE_REASONS = {
    status: reason(ESKETAMINE[status], "")
    for status in ("absent", "wrong_type", "not_valid_on_date", "exceeded", "not_listed")
}


class Plan:
    """The managed-care plan (or fee-for-service) and state the request names, as far as it names them."""

    def __init__(self, verification: Verification, route: Route):
        row = PLANS.get(route.candidate.key) if route.candidate and route.candidate.key else None
        self.row = row
        self.name = row["name"] if row else "the Medicaid plan"
        words = f" {alias_key(verification.carrier or '')} {alias_key(verification.plan_type or '')} "
        self.state = (row and row["state"]) or ("CA" if any(word in words for word in MEDI_CAL_WORDS) else None)
        self.fee_for_service = bool(row and row.get("fee_for_service"))

    @property
    def medi_cal(self) -> bool:
        return self.state == "CA"

    @property
    def known(self) -> bool:
        """A Medi-Cal plan (or fee-for-service) the rules know the responsibilities of."""
        return self.medi_cal and self.row is not None


def evaluate(verification: Verification, route: Route) -> dict[str, Any]:
    evaluation = Evaluation(PROGRAM, verification)
    evaluation.off_label = find_off_label(evaluation)
    plan = Plan(verification, route)
    plan_rule(evaluation, plan)
    if eligibility(evaluation) and coverage_period(evaluation, BEFORE, AFTER):
        code_checks(evaluation)
        ketamine(evaluation, plan)
        esketamine(evaluation, plan)
        eligibility_authorization(evaluation, AUTHORIZATION_KINDS)
        behavioral_visits(evaluation, plan)
    require_informed_consent(evaluation, evaluation.off_label)
    evaluation.require("coordination_of_benefits", DATA["coordination"]["requirement"])
    evaluation.note(NOTES["no_balance_billing"])
    estimate_lines(evaluation, cost_share_basis(evaluation))
    evaluation.billing = billing(evaluation, plan)
    evaluation.extra["plan"] = {"name": plan.row["name"] if plan.row else None, "known": plan.known, "state": plan.state}
    return build_result(evaluation, rule_module=RULE_MODULE, rule_version=POLICY.version, policy=POLICY.summary())


def plan_rule(evaluation: Evaluation, plan: Plan) -> None:
    if plan.known:
        evaluation.record("plan", "pass", f"{plan.name} (Medi-Cal).")
    elif plan.medi_cal:
        evaluation.record("plan", "info", "Medi-Cal, but the managed-care plan is not named.")
        evaluation.require("eligibility_confirmation", MEDI_CAL["plan_unknown_question"])
    else:
        evaluation.record("plan", "info", f"Medicaid outside California, or the state is not known ({plan.name}): the rules know Medi-Cal's split only.")
        evaluation.require("eligibility_confirmation", DATA["state_unknown"]["question"])


def ketamine(evaluation: Evaluation, plan: Plan) -> None:
    lines = psychiatric_ketamine_lines(evaluation)
    if not lines:
        return
    if KETAMINE["confirmed"]:
        for line in lines:
            line.decide(NOT_COVERED, KETAMINE_REASON)
        evaluation.record("ketamine", "fail", f"{KETAMINE_REASON.explanation} ({codes_of(lines)})")
        return
    indication = (evaluation.off_label or {}).get("indication", "a psychiatric condition")
    for line in lines:
        line.decide(NEEDS_REVIEW)
    evaluation.record("ketamine", "fail", f"Ketamine for a psychiatric condition is expected not to be a Medicaid benefit, but that is not confirmed ({codes_of(lines)}).")
    evaluation.require("eligibility_confirmation", KETAMINE["question"].format(plan=plan.name, indication=indication))


def esketamine(evaluation: Evaluation, plan: Plan) -> None:
    lines = esketamine_indication(
        evaluation, ESKETAMINE["labelled_groups"], ESKETAMINE["minimum_age"], ESKETAMINE_UNLABELLED, ESKETAMINE_UNDER_AGE
    )
    if not lines:
        return
    question = ESKETAMINE["route_question"].format(plan=plan.name)
    if not plan.known and evaluation.verification.authorization is None:
        for line in lines:
            line.decide(NEEDS_REVIEW)
        evaluation.record("esketamine_prior_authorization", "fail", f"Who pays Spravato, and its prior authorization, depend on the plan and state, which are not known ({codes_of(lines)}).")
        evaluation.require("prior_authorization", question)
        return
    apply_authorization(
        evaluation, "esketamine_prior_authorization", lines, evaluation.verification.authorization, AUTHORIZATION_KINDS,
        ESKETAMINE_REASONS, family=is_esketamine, requirement=("prior_authorization", question),
    )
    if not ESKETAMINE["route_confirmed"]:
        evaluation.note(MEDI_CAL["pharmacy_note"])


def behavioral_visits(evaluation: Evaluation, plan: Plan) -> None:
    lines = evaluation.open_lines(BEHAVIORAL_VISIT_CATEGORIES)
    if not lines:
        evaluation.record("behavioral_visits", "skip", "No behavioral-health visit open to decide.")
        return
    if plan.known and MEDI_CAL["visits_confirmed"]:
        evaluation.record("behavioral_visits", "pass", f"{codes_of(lines)}: {MEDI_CAL['visits']}")
        evaluation.note(MEDI_CAL["fee_for_service_note"] if plan.fee_for_service else MEDI_CAL["county_note"])
        return
    for line in lines:
        line.decide(NEEDS_REVIEW)
    evaluation.record("behavioral_visits", "fail", f"{codes_of(lines)}: who pays outpatient mental health (the plan, a county or a carve-out) is not known until the plan and state are.")


def cost_share_basis(evaluation: Evaluation) -> str:
    if evaluation.verification.benefits is not None:
        return "benefits_on_file"
    if evaluation.has_payable_lines():
        evaluation.note(NOTES["cost_share"])
    return "unknown_benefits"


def billing(evaluation: Evaluation, plan: Plan) -> dict[str, Any]:
    row = plan.row
    evaluation.note(NOTES["filing"])
    return {
        "submit_to": row["name"] if row else None,
        "payer_id": (row["payer_id"] or None) if row else None,
        "payer_id_confirmed": bool(row and row["payer_id_confirmed"]),
        "timely_filing_days": DATA["billing"]["timely_filing_days_medi_cal_ffs"] if plan.fee_for_service else None,
    }


def directory() -> dict[str, Any]:
    return administrator_directory(POLICY)
