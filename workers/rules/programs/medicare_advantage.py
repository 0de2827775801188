"""Medicare Advantage: Medicare's coverage (medicare.py) plus the plan's own rules (policies/medicare_advantage.toml).

In order: the 271, the coverage period, codes, the plan's network (an HMO pays nothing out of network:
CARC 242; a plan type that does not say needs review), Medicare's coverage of ketamine, Spravato and
visits, then the plan's prior authorization of Spravato: a valid one on file is honoured, none is
`needs_review` asking the plan (each plan's rule is not confirmed here); services the 271 flags as
needing an authorization need one. A plan not in the table is named as unknown and asked about.
"""

from __future__ import annotations

from typing import Any

from ..engine import NEEDS_REVIEW, NOT_COVERED, Evaluation, Reason, build_result, codes_of, estimate_lines, reason
from ..off_label import find_off_label, require_informed_consent
from ..policy import MEDICARE_ADVANTAGE as POLICY
from ..policy import administrator_directory
from ..request import VerificationRequest
from ..routing import Route
from ..shared_rules import (
    apply_authorization,
    code_checks,
    coverage_period,
    eligibility,
    eligibility_authorization,
    is_esketamine,
)
from . import MEDICARE_ADVANTAGE, medicare

PROGRAM = MEDICARE_ADVANTAGE
DATA = POLICY.data
RULE_MODULE = DATA["module"]["rule_module"]
PLANS: dict[str, dict[str, Any]] = {row["key"]: row for row in DATA["plan"]}
NETWORK = DATA["network"]
PRIOR_AUTHORIZATION = DATA["prior_authorization"]
NOTES = DATA["notes"]
AUTHORIZATION_KINDS = ("prior_authorization", "referral")
BEFORE = Reason("26", None, "The date of service is before the Medicare Advantage plan's coverage starts.")
AFTER = Reason("27", None, "The date of service is after the Medicare Advantage plan's coverage ended.")
# The plan's prior authorization of Spravato, read as TRICARE's and the commercial carriers' are.
ESKETAMINE_REASONS = {
    "absent": Reason("197", "M62", "Spravato needs the plan's prior authorization; none is on file."),
    "wrong_type": Reason("197", "M62", "The authorization on file is a VA referral, not the plan's prior authorization."),
    "not_valid_on_date": Reason("197", "M62", "The prior authorization is not valid on the date of service ({window})."),
    "exceeded": Reason("198", None, "The prior authorization has {left} visit(s) left for {sessions} planned session(s)."),
    "not_listed": Reason("284", "N54", "The prior authorization does not list Spravato."),
}


def plan_name(route: Route) -> str:
    return route.candidate.name if route.candidate and route.candidate.key else "the Medicare Advantage plan"


def evaluate(verification: VerificationRequest, route: Route) -> dict[str, Any]:
    evaluation = Evaluation(PROGRAM, verification)
    evaluation.off_label = find_off_label(evaluation)
    plan = plan_name(route)
    plan_rule(evaluation, route)
    if eligibility(evaluation) and coverage_period(evaluation, BEFORE, AFTER):
        code_checks(evaluation)
        network(evaluation, plan)
        medicare.coverage_rules(evaluation)
        esketamine_prior_authorization(evaluation, plan)
        eligibility_authorization(evaluation, AUTHORIZATION_KINDS)
    require_informed_consent(evaluation, evaluation.off_label)
    evaluation.note(PRIOR_AUTHORIZATION["visits_note"])
    estimate_lines(evaluation, cost_share_basis(evaluation))
    evaluation.billing = billing(evaluation, route)
    evaluation.extra["plan"] = {"name": plan if route.candidate and route.candidate.key else None,
                                "known": bool(route.candidate and route.candidate.key)}
    return build_result(evaluation, rule_module=RULE_MODULE, rule_version=POLICY.version, policy=POLICY.summary())


def plan_rule(evaluation: Evaluation, route: Route) -> None:
    if route.candidate and route.candidate.key:
        evaluation.record("plan", "pass", f"{route.candidate.name}.")
        return
    evaluation.record("plan", "info", NOTES["plan_unknown"])
    evaluation.note(NOTES["plan_unknown"])
    evaluation.require("eligibility_confirmation", NETWORK["plan_unknown_question"])


def network(evaluation: Evaluation, plan: str) -> None:
    verification = evaluation.verification
    status, plan_type = verification.network_status, verification.plan_type
    if status == "in_network":
        evaluation.record("network", "pass", "In network.")
        return
    if status != "out_of_network":
        evaluation.record("network", "info", "Network status unknown.")
        evaluation.require("eligibility_confirmation", NETWORK["question"].format(plan=plan))
        return
    if plan_type in NETWORK["no_out_of_network"]:
        row = NETWORK["out_of_network"]
        why = reason(row, "")
        why = Reason(why.carc, why.rarc, why.explanation.format(plan_type=plan_type))
        evaluation.decide_all(NOT_COVERED, why)
        evaluation.record("network", "fail", why.explanation)
        return
    if plan_type in NETWORK["out_of_network_benefits"]:
        evaluation.record("network", "pass", f"{plan_type}: out-of-network benefits apply, at the plan's out-of-network cost share.")
        return
    lines = evaluation.decide_all(NEEDS_REVIEW)
    evaluation.record("network", "fail", f"Out of network, and the plan type ({plan_type or 'not given'}) does not say whether the plan pays out of network ({codes_of(lines)}).")
    evaluation.require("eligibility_confirmation", NETWORK["question"].format(plan=plan))


def esketamine_prior_authorization(evaluation: Evaluation, plan: str) -> None:
    lines = evaluation.open_lines(drug="esketamine")
    authorization = evaluation.verification.authorization
    question = PRIOR_AUTHORIZATION["esketamine_question"].format(plan=plan)
    if lines and authorization is None and not PRIOR_AUTHORIZATION["esketamine_confirmed"]:
        for line in lines:
            line.decide(NEEDS_REVIEW)
        evaluation.record("esketamine_prior_authorization", "fail", f"Whether {plan} needs a prior authorization for Spravato is not confirmed, and none is on file ({codes_of(lines)}).")
        evaluation.require("prior_authorization", question)
        return
    apply_authorization(
        evaluation, "esketamine_prior_authorization", lines, authorization, AUTHORIZATION_KINDS, ESKETAMINE_REASONS,
        family=is_esketamine, requirement=("prior_authorization", question),
    )


def cost_share_basis(evaluation: Evaluation) -> str:
    if evaluation.verification.benefits is not None:
        return "benefits_on_file"
    if evaluation.has_payable_lines():
        evaluation.note(NOTES["cost_share"])
        evaluation.require("eligibility_confirmation", NOTES["cost_share"])
    return "unknown_benefits"


def billing(evaluation: Evaluation, route: Route) -> dict[str, Any]:
    row = PLANS.get(route.candidate.key) if route.candidate and route.candidate.key else None
    evaluation.note(NOTES["filing"])
    return {
        "submit_to": row["name"] if row else None,
        "payer_id": (row["payer_id"] or None) if row else None,
        "payer_id_confirmed": bool(row and row["payer_id_confirmed"]),
        "timely_filing_days": None,
    }


def directory() -> dict[str, Any]:
    return administrator_directory(POLICY)
