"""Original Medicare (Part B): the rules of policies/medicare.toml.

In order: the 271, the coverage period (26/27), codes; IV/IM ketamine for a psychiatric condition is
not reasonable and necessary (CARC 50: CO-50 without an ABN, PR-50 with one), except that for
depression (possibly treatment-resistant) the contractor's acceptance is unconfirmed (needs review,
asking the MAC); Spravato only through G2082/G2083 with the KX modifier for its labelled indications
(CARC 50 otherwise), a J0013 line being the self-administered drug Part B does not pay, and billing
the drug twice beside a G-code (CARC 97/M15, the rule VA CCN and TRICARE share); mental-health visits covered. The estimate uses the
2026 Part B deductible ($283) and 20% coinsurance where the request gives no figures.

Medicare Advantage (medicare_advantage.py) applies the same coverage rules.
"""

from __future__ import annotations

from typing import Any

from ..engine import NEEDS_REVIEW, NOT_COVERED, Evaluation, Reason, build_result, codes_of, reason
from ..government_rules import covered_visits, psychiatric_ketamine_lines
from ..off_label import find_off_label, require_informed_consent
from ..policy import MEDICARE as POLICY
from ..policy import administrator_directory
from ..program_figures import estimate_with_program_figures
from ..request import VerificationRequest
from ..routing import Route
from ..shared_rules import (
    code_checks,
    coverage_period,
    drug_billed_with_spravato_visit,
    eligibility,
    esketamine_indication,
)
from . import MEDICARE

PROGRAM = MEDICARE
DATA = POLICY.data
RULE_MODULE = DATA["module"]["rule_module"]
ADMINISTRATORS: dict[str, dict[str, Any]] = {row["key"]: row for row in DATA["administrator"]}
KETAMINE = DATA["ketamine"]
ESKETAMINE = DATA["esketamine"]
NOTES = DATA["notes"]
FIGURES = {
    "deductible": DATA["cost_share"]["deductible"],
    "coinsurance_percent": DATA["cost_share"]["coinsurance_percent"],
}
BEFORE = Reason("26", None, "The date of service is before the patient's Medicare Part B coverage starts.")
AFTER = Reason("27", None, "The date of service is after the patient's Medicare Part B coverage ended.")
ESKETAMINE_UNLABELLED = reason(ESKETAMINE["unlabelled"], "")
ESKETAMINE_UNDER_AGE = reason(ESKETAMINE["under_age"], "")
DRUG_ALONE = reason(ESKETAMINE["drug_alone"], "")


def evaluate(verification: VerificationRequest, route: Route) -> dict[str, Any]:
    evaluation = Evaluation(PROGRAM, verification)
    evaluation.off_label = find_off_label(evaluation)
    if eligibility(evaluation) and coverage_period(evaluation, BEFORE, AFTER):
        code_checks(evaluation)
        coverage_rules(evaluation)
    require_informed_consent(evaluation, evaluation.off_label)
    evaluation.note(NOTES["opt_out"])
    estimate_with_program_figures(evaluation, FIGURES, "Medicare Part B (2026)")
    evaluation.note(NOTES["no_out_of_pocket_maximum"])
    evaluation.billing = billing(evaluation, route)
    return build_result(evaluation, rule_module=RULE_MODULE, rule_version=POLICY.version, policy=POLICY.summary())


def coverage_rules(evaluation: Evaluation) -> None:
    """Medicare's coverage of the services, in the order its edits run (shared with Medicare Advantage)."""
    ketamine(evaluation)
    esketamine(evaluation)
    covered_visits(evaluation, DATA["visits"]["basis"])


def ketamine(evaluation: Evaluation) -> None:
    lines = psychiatric_ketamine_lines(evaluation)
    if not lines:
        return
    if "depression" in evaluation.verification.diagnosis_groups and not KETAMINE["depression_confirmed"]:
        for line in lines:
            line.decide(NEEDS_REVIEW)
        evaluation.record("ketamine", "fail", f"IV/IM ketamine with a depression diagnosis ({codes_of(lines)}): whether the contractor accepts it for treatment-resistant depression is unconfirmed.")
        evaluation.require("eligibility_confirmation", KETAMINE["depression_question"])
        evaluation.note(NOTES["abn"])
        return
    indication = (evaluation.off_label or {}).get("indication", "a psychiatric condition")
    why = Reason(KETAMINE["carc"], KETAMINE["rarc"] or None, KETAMINE["explanation"].format(indication=indication))
    for line in lines:
        line.decide(NOT_COVERED, why)
    evaluation.record("ketamine", "fail", f"{why.explanation} ({codes_of(lines)})")
    evaluation.note(NOTES["abn"])


def esketamine(evaluation: Evaluation) -> None:
    """Spravato: the G-code visit includes the drug (a J0013 line beside it bills the drug twice, as for
    every payer that follows Medicare's method); a J0013 line alone is never paid by Part B."""
    drug_billed_with_spravato_visit(evaluation)
    drug_lines = [line for line in evaluation.open_lines(("drug",)) if line.drug == "esketamine"]
    why = DRUG_ALONE
    for line in drug_lines:
        line.decide(NOT_COVERED, why)
    if drug_lines:
        evaluation.record("esketamine_drug_line", "fail", f"{why.explanation} ({codes_of(drug_lines)})")
        evaluation.note(why.explanation)
    lines = esketamine_indication(
        evaluation, ESKETAMINE["labelled_groups"], ESKETAMINE["minimum_age"], ESKETAMINE_UNLABELLED, ESKETAMINE_UNDER_AGE
    )
    if lines:
        evaluation.require("medical_necessity_documentation", ESKETAMINE["requirement"])
        evaluation.record("esketamine_visit", "pass", f"{codes_of(lines)}: Spravato for a labelled indication, with the KX modifier.")




def billing(evaluation: Evaluation, route: Route) -> dict[str, Any]:
    administrator = ADMINISTRATORS.get(route.candidate.key) if route.candidate and route.candidate.key else None
    if administrator is None or administrator["key"] == "other_mac":
        evaluation.note(NOTES["mac_unknown"])
    evaluation.note(NOTES["filing"])
    return {
        "submit_to": administrator["name"] if administrator and administrator["key"] != "other_mac" else DATA["billing"]["submit_to"],
        "payer_id": None,
        "payer_id_confirmed": False,
        "timely_filing_days": DATA["billing"]["timely_filing_days"],
    }


def directory() -> dict[str, Any]:
    return administrator_directory(POLICY)
