"""Commercial carriers: the rules, reading one carrier's row from policies/commercial/<carrier>.toml
(default.toml for carriers without one).

In order, as a payer's edits run: the payer's 271 (inactive: CARC 27/26; a rejection: needs review),
coverage period (CARC 26/27), a child past 26 on a parent's plan (needs review), codes, network (HMO/EPO or a closed
network out of network: CARC 242), IV/IM ketamine for psychiatric conditions (experimental 55,
unproven 56, or covered with prior authorization where the row says so; a prior authorization from
the payer that lists the ketamine codes is reviewed, never overridden by the policy row), Spravato
(labelled indication by exact MDD code 167, adults only 188, prior authorization 197/198/284; a
carrier that authorises by another code, BCBS Massachusetts' G2082, says so in its
`authorization_codes`), services the 271 flags as needing
an authorization (197/198/284), behavioral visits (covered at parity), then the estimate from the
benefits on file.
"""

from __future__ import annotations

from typing import Any

from ..catalog import BEHAVIORAL_VISIT_CATEGORIES, content_hash, group_name
from ..dependents import ACA_DEPENDENT_AGE, ACA_QUESTION, child_past_age_limit
from ..engine import NEEDS_REVIEW, NOT_COVERED, Evaluation, Reason, build_result, codes_of, estimate_lines, reason
from ..off_label import find_off_label, require_informed_consent
from ..policy import COMMERCIAL, COMMERCIAL_DEFAULT, COMMERCIAL_WORDING, Policy
from ..request import VerificationRequest
from ..routing import COMMERCIAL_PROGRAM, Route
from ..shared_rules import (
    apply_authorization,
    authorized_despite_policy,
    code_checks,
    coverage_period,
    eligibility,
    eligibility_authorization,
    esketamine_indication,
    is_esketamine,
    reasons_from,
)

PROGRAM = COMMERCIAL_PROGRAM
WORDING = COMMERCIAL_WORDING
AUTHORIZATION_KINDS = ("prior_authorization",)


def is_ketamine(service) -> bool:
    return service.drug == "ketamine" or service.category == "drug_administration"


class CarrierRules:
    """One carrier's row, with its reasons and the texts that depend only on the row worded once at import."""

    def __init__(self, policy: Policy):
        data = policy.data
        self.policy = policy
        self.carrier = data["carrier"]
        self.name = self.carrier["name"]
        self.is_default = bool(self.carrier.get("default"))
        self.rule_module = "commercial" if self.is_default else f"commercial_{self.carrier['key']}"
        self.ketamine = data["ketamine"]
        self.ketamine_routes = frozenset(self.ketamine.get("covered_routes", ()))
        self.esketamine = data["esketamine"]
        self.network = data["network"]
        self.visits = data["visits"]
        # The codes the carrier authorises each drug by, when not the billed ones (BCBSMA: G2082 for both).
        self.authorization_codes = {
            drug: frozenset(codes) for drug, codes in data.get("authorization_codes", {}).items()
        }
        self.accepted_codes = frozenset(self.esketamine.get("accepted_codes", ()))
        fields = {"carrier": "The plan" if self.is_default else self.name}
        wording = WORDING["authorization"]
        authorization = {
            "wrong_type": Reason("197", "M62", wording["wrong_type"].format(**fields)),
            "not_valid_on_date": Reason("197", "M62", wording["not_valid_on_date"]),
            "exceeded": Reason("198", None, wording["exceeded"]),
            "not_listed": Reason("284", "N54", wording["not_listed"]),
        }
        ketamine_fields = fields | {
            "policy": self.ketamine["policy"],
            "routes": " or ".join(route.upper() for route in self.ketamine.get("covered_routes", ())),
            "groups": " or ".join(group_name(g) for g in self.ketamine.get("covered_groups", ())),
        }
        kind = self.ketamine["coverage"]
        self.ketamine_policy_says = (
            f"IV/IM ketamine for psychiatric conditions is "
            f"{'unproven' if kind == 'unproven' else 'experimental/investigational'} ({self.ketamine['policy']})"
        )
        self.ketamine_denial = reason(
            self.ketamine,
            WORDING["ketamine"]["unproven" if kind == "unproven" else "experimental"].format(**ketamine_fields),
        )
        self.ketamine_route = reason(self.ketamine, WORDING["ketamine"]["route_not_covered"].format(**ketamine_fields))
        self.ketamine_indication = reason(self.ketamine, WORDING["ketamine"]["indication_not_covered"].format(**ketamine_fields))
        self.ketamine_authorization = authorization | {
            "absent": reason(self.ketamine.get("absent", {"carc": "197", "rarc": "M62"}), WORDING["ketamine"]["absent"].format(**ketamine_fields)),
        }
        esketamine_fields = fields | {"policy": self.esketamine["policy"]}
        self.esketamine_reasons = reasons_from(self.esketamine, WORDING["esketamine"], **esketamine_fields)
        self.esketamine_authorization = authorization | {"absent": self.esketamine_reasons["absent"]}
        self.out_of_network = reason(self.network["out_of_network"], "")
        # Texts of the carrier's own: the trace, notes for unconfirmed policies, the requirements.
        self.policy_detail = f"{self.name}: {policy.name}."
        self.ketamine_unconfirmed = unconfirmed_note("Ketamine coverage", self.ketamine)
        self.esketamine_unconfirmed = unconfirmed_note("Spravato coverage", self.esketamine)
        self.ketamine_requirement = None
        if kind == "prior_authorization":
            self.ketamine_requirement = WORDING["requirements"]["ketamine_prior_authorization"].format(
                carrier=self.name, policy=self.ketamine["policy"], criteria=self.ketamine["criteria"])
        self.esketamine_requirement = WORDING["requirements"]["esketamine_prior_authorization"].format(
            carrier=self.name, policy=self.esketamine["policy"], criteria=self.esketamine["criteria"])
        payer_ids = self.carrier["payer_ids"]
        self.payer_id_note = None
        if payer_ids and not self.carrier["payer_ids_confirmed"]:
            self.payer_id_note = f"{self.name}'s payer id ({', '.join(payer_ids)}) is from the carrier table and not confirmed: check it with your clearinghouse."

    def summary(self) -> dict[str, Any]:
        return self.policy.summary()


def unconfirmed_note(section: str, row: dict[str, Any]) -> str | None:
    """The note for a policy section the rules could not confirm against the payer's document."""
    if row.get("confirmed"):
        return None
    return WORDING["notes"]["unconfirmed"].format(section=section, policy=row["policy"])


CARRIERS: dict[str, CarrierRules] = {key: CarrierRules(policy) for key, policy in COMMERCIAL.items()}
DEFAULT = CARRIERS[COMMERCIAL_DEFAULT.data["carrier"]["key"]]
BEFORE = Reason("26", None, WORDING["coverage_period"]["before"])
AFTER = Reason("27", None, WORDING["coverage_period"]["after"])


def evaluate(verification: VerificationRequest, route: Route) -> dict[str, Any]:
    rules = CARRIERS[route.candidate.key] if route.candidate else DEFAULT
    evaluation = Evaluation(PROGRAM, verification)
    evaluation.off_label = find_off_label(evaluation)
    carrier_rule(evaluation, rules)
    if (
        eligibility(evaluation)
        and coverage_period(evaluation, BEFORE, AFTER)
        and not child_past_age_limit(evaluation, [(ACA_DEPENDENT_AGE, ACA_QUESTION)])
    ):
        code_checks(evaluation)
        network(evaluation, rules)
        ketamine(evaluation, rules)
        esketamine(evaluation, rules)
        eligibility_authorization(evaluation, AUTHORIZATION_KINDS)
        behavioral_visits(evaluation, rules)
    require_informed_consent(evaluation, evaluation.off_label)
    if evaluation.off_label and any(line.determination == NOT_COVERED for line in evaluation.lines):
        evaluation.note(WORDING["notes"]["off_label_consent"])
    estimate_lines(evaluation, cost_share_basis(evaluation, rules))
    evaluation.billing = billing(evaluation, rules)
    evaluation.extra["carrier"] = {"name": rules.name, "default_policy": rules.is_default}
    return build_result(
        evaluation,
        rule_module=rules.rule_module,
        rule_version=rules.policy.version,
        policy=rules.summary(),
    )


def carrier_rule(evaluation: Evaluation, rules: CarrierRules) -> None:
    carrier = evaluation.verification.carrier or "not given"
    if rules.is_default:
        evaluation.record("carrier_policy", "info", f"No policy on file for '{carrier}': default commercial policy.")
        evaluation.note(WORDING["notes"]["default_policy"].format(carrier=carrier))
    else:
        evaluation.record("carrier_policy", "pass", rules.policy_detail)


def network(evaluation: Evaluation, rules: CarrierRules) -> None:
    verification = evaluation.verification
    status = verification.network_status
    plan = verification.plan_type
    row = rules.network
    if status == "in_network":
        evaluation.record("network", "pass", "In network.")
        return
    fields = {"carrier": rules.name, "plan_type": plan or "This"}
    if status != "out_of_network":
        evaluation.record("network", "info", "Network status unknown.")
        evaluation.note(WORDING["notes"]["network_unknown"])
        evaluation.require("eligibility_confirmation", WORDING["requirements"]["network_status"].format(**fields))
        return
    if row["closed"] or (plan in row["no_out_of_network"]):
        wording = WORDING["network"]["closed" if row["closed"] else "out_of_network"].format(**fields)
        why = Reason(rules.out_of_network.carc, rules.out_of_network.rarc, wording)
        lines = evaluation.decide_all(NOT_COVERED, why)
        evaluation.record("network", "fail", wording)
        if any(line.category in BEHAVIORAL_VISIT_CATEGORIES for line in lines):
            evaluation.note(WORDING["notes"]["sb855"])
        return
    if plan in row["out_of_network_benefits"]:
        evaluation.record("network", "pass", f"{plan} plan: out-of-network benefits apply.")
        evaluation.note(WORDING["notes"]["out_of_network_ppo"].format(**fields))
        return
    lines = evaluation.decide_all(NEEDS_REVIEW)
    evaluation.record("network", "fail", f"Out of network, and the plan type ({plan or 'not given'}) does not say whether it pays out of network ({codes_of(lines)}).")
    evaluation.require("eligibility_confirmation", WORDING["requirements"]["plan_type_out_of_network"])


def ketamine(evaluation: Evaluation, rules: CarrierRules) -> None:
    lines = evaluation.open_lines(drug="ketamine")
    if not lines:
        evaluation.record("ketamine", "skip", "No ketamine service open to decide.")
        return
    groups = evaluation.verification.diagnosis_groups
    if "psychiatric" not in groups:
        for line in lines:
            line.decide(NEEDS_REVIEW)
        evaluation.record("ketamine", "fail", "Ketamine billed without a psychiatric diagnosis: outside these rules.")
        return
    if rules.ketamine_unconfirmed:
        evaluation.note(rules.ketamine_unconfirmed)
    row = rules.ketamine
    codes = rules.authorization_codes.get("ketamine", ())
    if row["coverage"] != "prior_authorization":
        if authorized_despite_policy(
            evaluation, "ketamine", lines, AUTHORIZATION_KINDS, rules.ketamine_policy_says, authorization_codes=codes
        ):
            return
        for line in lines:
            line.decide(NOT_COVERED, rules.ketamine_denial)
        evaluation.record("ketamine", "fail", f"{rules.ketamine_denial.explanation} ({codes_of(lines)})")
        return
    if groups.isdisjoint(row["covered_groups"]) and "depression" in row["covered_groups"] and "depression_not_mdd" in groups:
        # F32.89/F32.A: a depression the carrier's MDD criteria may or may not take (DOMAIN.md "Codes").
        for line in lines:
            line.decide(NEEDS_REVIEW)
        text = f"{rules.name} covers IV ketamine for major depressive disorder only ({row['policy']}); the depression billed is not coded as MDD: code it precisely, or confirm with the payer."
        evaluation.record("ketamine", "fail", text)
        evaluation.require("medical_necessity_documentation", text)
        return
    if groups.isdisjoint(row["covered_groups"]):
        for line in lines:
            line.decide(NOT_COVERED, rules.ketamine_indication)
        evaluation.record("ketamine", "fail", rules.ketamine_indication.explanation)
        return
    routes = rules.ketamine_routes
    wrong_route = [line for line in lines if line.service.route and line.service.route not in routes]
    if not any(line.service.route in routes for line in lines):
        wrong_route = lines
    for line in wrong_route:
        line.decide(NOT_COVERED, rules.ketamine_route)
    if wrong_route:
        evaluation.record("ketamine_route", "fail", f"{rules.ketamine_route.explanation} ({codes_of(wrong_route)})")
    lines = [line for line in lines if line.open]
    apply_authorization(
        evaluation, "ketamine_prior_authorization", lines, evaluation.verification.authorization,
        AUTHORIZATION_KINDS, rules.ketamine_authorization, family=is_ketamine,
        requirement=("prior_authorization", rules.ketamine_requirement), authorization_codes=codes,
    )


def esketamine(evaluation: Evaluation, rules: CarrierRules) -> None:
    row = rules.esketamine
    if rules.esketamine_unconfirmed and evaluation.open_lines(drug="esketamine"):
        evaluation.note(rules.esketamine_unconfirmed)
    lines = esketamine_indication(
        evaluation, row["labelled_groups"], row["minimum_age"],
        rules.esketamine_reasons["unlabelled"], rules.esketamine_reasons["under_age"],
        accepted_codes=rules.accepted_codes,
    )
    apply_authorization(
        evaluation, "esketamine_prior_authorization", lines, evaluation.verification.authorization,
        AUTHORIZATION_KINDS, rules.esketamine_authorization, family=is_esketamine,
        requirement=("prior_authorization", rules.esketamine_requirement),
        authorization_codes=rules.authorization_codes.get("esketamine", ()),
    )


def behavioral_visits(evaluation: Evaluation, rules: CarrierRules) -> None:
    lines = evaluation.open_lines(BEHAVIORAL_VISIT_CATEGORIES)
    if lines and rules.visits["covered"]:
        evaluation.record("behavioral_visits", "pass", f"{codes_of(lines)}: covered under the mental-health benefit ({rules.visits['basis']}).")
    else:
        evaluation.record("behavioral_visits", "skip", "No behavioral-health visit open to decide.")


def cost_share_basis(evaluation: Evaluation, rules: CarrierRules) -> str:
    if evaluation.verification.benefits is not None:
        return "benefits_on_file"
    if not evaluation.has_payable_lines():
        return "unknown_benefits"
    evaluation.note("No benefits given: the patient's share is not estimated, only the allowed amount.")
    evaluation.require(
        "eligibility_confirmation",
        f"Look up the member's mental-health benefits with {rules.name if not rules.is_default else 'the payer'} "
        "(X12 271 or the portal: deductible and amount met, copay, coinsurance, out-of-pocket maximum and amount met, "
        "and whether behavioral health is carved out to another company) and enter them for an estimate.",
    )
    return "unknown_benefits"


def billing(evaluation: Evaluation, rules: CarrierRules) -> dict[str, Any]:
    payer_ids = rules.carrier["payer_ids"]
    if rules.payer_id_note:
        evaluation.note(rules.payer_id_note)
    evaluation.note("Timely filing for commercial plans is set by the provider contract: check it (often 90 to 365 days from the date of service).")
    return {
        "submit_to": None if rules.is_default else rules.name,
        "payer_id": payer_ids[0] if payer_ids else None,
        "payer_ids": list(payer_ids),
        "payer_id_confirmed": bool(payer_ids) and rules.carrier["payer_ids_confirmed"],
        "timely_filing_days": None,
    }


def directory() -> dict[str, Any]:
    return {
        "program": PROGRAM,
        "rule_module": "commercial",
        "rule_version": content_hash(sorted(rules.policy.version for rules in CARRIERS.values())),
        "description": "Commercial carriers: one policy row per carrier, a default row for the rest.",
        "carriers": [
            {
                "name": rules.name,
                "rule_module": rules.rule_module,
                "aliases": list(rules.carrier["aliases"]),
                "payer_ids": list(rules.carrier["payer_ids"]),
                "default": rules.is_default,
                "policy": rules.summary(),
            }
            for rules in CARRIERS.values()
        ],
    }
