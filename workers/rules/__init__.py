"""Payer rules for benefits verification: one request in, the contract's result out.

    evaluate(request)    -> the result (CONTRACT.md "Read a verification"), JSON-ready, no patient identifiers
    rules_version()      -> one string that changes whenever any module's version or policy data changes
    payer_directory()    -> the programs, their carriers with aliases and payer ids, and rule versions

Pure Python: no web framework, task queue or database. Each payer's whole policy is one TOML file
under policies/ (see policy.py); the engine (engine.py) knows no payer.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from .catalog import content_hash
from .engine import NEEDS_REVIEW, Evaluation, build_result, estimate_lines
from .off_label import find_off_label, require_informed_consent
from .policy import ENGINE_VERSION
from .programs import champva, commercial, medicaid, medicare, medicare_advantage, self_pay, tricare, va_ccn
from .request import Verification, read_request
from .routing import GOVERNMENT_POLICIES, ROUTING_VERSION, Route, route
from .unrecognised_carrier import as_guidance

__all__ = ["evaluate", "rules_version", "payer_directory"]

MODULES = {
    va_ccn.PROGRAM: va_ccn,
    tricare.PROGRAM: tricare,
    commercial.PROGRAM: commercial,
    medicare.PROGRAM: medicare,
    medicare_advantage.PROGRAM: medicare_advantage,
    medicaid.PROGRAM: medicaid,
    champva.PROGRAM: champva,
    self_pay.PROGRAM: self_pay,
}

def _directory() -> list[dict[str, Any]]:
    entries = [module.directory() for module in MODULES.values()]
    # A name two programs share ("VA": VA CCN and CHAMPVA) is listed under each.
    for policy in GOVERNMENT_POLICIES.values():
        shared = policy.data.get("shared_names")
        for entry in entries if shared else ():
            if entry["program"] in shared["programs"]:
                entry["aliases"] = [*entry.get("aliases", ()), *shared["aliases"]]
    return entries


_DIRECTORY = _directory()
# Every module's version and every carrier row's: any policy edit anywhere changes it.
_RULES_VERSION = f"{ENGINE_VERSION}+" + content_hash(
    ROUTING_VERSION,
    [(entry["program"], entry["rule_version"]) for entry in _DIRECTORY],
    [carrier["policy"]["version"] for entry in _DIRECTORY for carrier in entry["carriers"]],
)


def rules_version() -> str:
    return _RULES_VERSION


def payer_directory() -> list[dict[str, Any]]:
    return copy.deepcopy(_DIRECTORY)


def evaluate(request: Mapping[str, Any]) -> dict[str, Any]:
    """The verification result for one request body (already validated by the API's schema)."""
    verification = read_request(request)
    steps: list[tuple[str, str, str]] = []
    if verification.date_of_service is None:
        return needs_review(verification, Route(verification.program, None, review="No valid date of service.", question="Give the date of service (YYYY-MM-DD)."), steps)
    chosen = route(verification, steps)
    if chosen.review is not None and not chosen.unrecognised:
        return needs_review(verification, chosen, steps)
    result = MODULES[chosen.program].evaluate(verification, chosen)
    result["trace"][:0] = [{"rule": rule, "outcome": outcome, "detail": detail} for rule, outcome, detail in steps]
    if chosen.unrecognised:
        return as_guidance(result, chosen)
    if chosen.suggestions:
        result["carrier_suggestions"] = list(chosen.suggestions)
    return result


def needs_review(verification: Verification, chosen: Route, steps: list[tuple[str, str, str]]) -> dict[str, Any]:
    """A request the rules cannot route or that contradicts itself: every line needs a person."""
    evaluation = Evaluation(chosen.program, verification)
    evaluation.trace.extend({"rule": rule, "outcome": outcome, "detail": detail} for rule, outcome, detail in steps)
    evaluation.forced = NEEDS_REVIEW
    evaluation.decide_all(NEEDS_REVIEW)
    if verification.date_of_service is not None:
        evaluation.off_label = find_off_label(evaluation)
        require_informed_consent(evaluation, evaluation.off_label)
    evaluation.require("eligibility_confirmation", chosen.question or chosen.review)
    evaluation.note(chosen.review)
    estimate_lines(evaluation, "unknown_benefits")
    evaluation.billing = {"submit_to": None, "payer_id": None, "timely_filing_days": None}
    if chosen.suggestions:
        evaluation.extra["carrier_suggestions"] = list(chosen.suggestions)
    return build_result(evaluation, rule_module="routing", rule_version=f"{ENGINE_VERSION}+{ROUTING_VERSION}", policy=None)
