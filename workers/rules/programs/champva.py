"""CHAMPVA: the rules of policies/champva.toml.

In order: the 271, the coverage period, the beneficiary (the veteran is not one: needs review; a
child from 18 needs review: to 23 only as a full-time student), codes; ketamine and Spravato
coverage are unconfirmed (needs review, asking CHAMPVA); mental-health visits covered without a
referral or network. The estimate uses CHAMPVA's outpatient deductible ($50), 25% cost share and
$3,000 cap where the request gives no figures. CHAMPVA pays after other insurance except Medicaid.
"""

from __future__ import annotations

from typing import Any

from ..dependents import child_past_age_limit
from ..engine import NEEDS_REVIEW, Evaluation, Reason, build_result, codes_of
from ..government_rules import covered_visits
from ..off_label import find_off_label, require_informed_consent
from ..policy import CHAMPVA as POLICY
from ..policy import administrator_directory
from ..program_figures import estimate_with_program_figures
from ..request import Verification
from ..routing import Route
from ..shared_rules import code_checks, coverage_period, eligibility
from . import CHAMPVA

PROGRAM = CHAMPVA
DATA = POLICY.data
RULE_MODULE = DATA["module"]["rule_module"]
ADMINISTRATOR = DATA["administrator"][0]
COST_SHARE = DATA["cost_share"]
CHILDREN = DATA["children"]
NOTES = DATA["notes"]
FIGURES = {
    "deductible": COST_SHARE["deductible"],
    "coinsurance_percent": COST_SHARE["coinsurance_percent"],
    "out_of_pocket_max": COST_SHARE["catastrophic_cap"],
}
AGE_LIMITS = [
    (CHILDREN["age_limit"], CHILDREN["student_question"]),
    (CHILDREN["student_age_limit"], CHILDREN["over_age_question"]),
]
BEFORE = Reason("26", None, "The date of service is before the patient's CHAMPVA eligibility starts.")
AFTER = Reason("27", None, "The date of service is after the patient's CHAMPVA eligibility ended.")


def evaluate(verification: Verification, route: Route) -> dict[str, Any]:
    evaluation = Evaluation(PROGRAM, verification)
    evaluation.off_label = find_off_label(evaluation)
    if (
        eligibility(evaluation)
        and coverage_period(evaluation, BEFORE, AFTER)
        and beneficiary(evaluation)
        and not child_past_age_limit(evaluation, AGE_LIMITS)
    ):
        code_checks(evaluation)
        unconfirmed_drug(evaluation, "ketamine")
        unconfirmed_drug(evaluation, "esketamine")
        covered_visits(evaluation, DATA["visits"]["basis"])
    require_informed_consent(evaluation, evaluation.off_label)
    evaluation.require("coordination_of_benefits", DATA["coordination"]["requirement"])
    evaluation.note(NOTES["no_network"])
    estimate_with_program_figures(evaluation, FIGURES, "CHAMPVA")
    evaluation.note(NOTES["allowable"])
    evaluation.billing = billing(evaluation)
    return build_result(evaluation, rule_module=RULE_MODULE, rule_version=POLICY.version, policy=POLICY.summary())


def beneficiary(evaluation: Evaluation) -> bool:
    """CHAMPVA covers a veteran's spouse or child: the veteran as the patient is a contradiction."""
    verification = evaluation.verification
    if verification.veteran is True and verification.relationship in (None, "self"):
        evaluation.decide_all(NEEDS_REVIEW)
        evaluation.record("beneficiary", "fail", "The patient is recorded as the veteran, but CHAMPVA covers the veteran's spouse or child.")
        evaluation.require("eligibility_confirmation", DATA["veteran"]["question"])
        return False
    evaluation.record("beneficiary", "pass" if verification.veteran is False else "info",
                      "The patient is a CHAMPVA beneficiary (not the veteran)." if verification.veteran is False
                      else "Veteran status not given; CHAMPVA eligibility decides.")
    return True


def unconfirmed_drug(evaluation: Evaluation, drug: str) -> None:
    """Ketamine and Spravato: CHAMPVA's coverage is not confirmed, so a person asks."""
    lines = evaluation.open_lines(drug=drug)
    if not lines:
        evaluation.record(drug, "skip", f"No {drug} service open to decide.")
        return
    row = DATA[drug]
    for line in lines:
        line.decide(NEEDS_REVIEW)
    indication = (evaluation.off_label or {}).get("indication", "the billed diagnosis")
    evaluation.record(drug, "fail", f"CHAMPVA's coverage of {drug} is not confirmed ({codes_of(lines)}).")
    evaluation.require("eligibility_confirmation", row["question"].format(indication=indication))


def billing(evaluation: Evaluation) -> dict[str, Any]:
    evaluation.note(NOTES["filing"])
    if not ADMINISTRATOR["payer_id_confirmed"]:
        evaluation.note(f"CHAMPVA's electronic payer id ({ADMINISTRATOR['payer_id']}) is not confirmed: check it with your clearinghouse.")
    return {
        "submit_to": DATA["billing"]["submit_to"],
        "payer_id": ADMINISTRATOR["payer_id"] or None,
        "payer_id_confirmed": ADMINISTRATOR["payer_id_confirmed"],
        "timely_filing_days": DATA["billing"]["timely_filing_days"],
    }


def directory() -> dict[str, Any]:
    return administrator_directory(POLICY)
