"""Rules every insurance program runs the same way, parameterised by its policy data.

The payer's 271 eligibility response (inactive coverage, rejections, authorization flags), code
checks (known code, valid on the date of service, infusion billed with its drug), the coverage
period, reading an authorization (referral or prior authorization) against the date of service,
the planned sessions and the billed codes (and a payer's authorization that contradicts its own
policy), Spravato's labelled indication by exact MDD code, and, for payers that follow Medicare's
method, the esketamine drug line billed beside the G2082/G2083 visit that includes it. They know no
payer: each program passes its own reasons.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import timedelta
from typing import Any

from .catalog import DRUGS, ELIGIBILITY, SERVICES, Service, check_reason, diagnosis_groups
from .engine import NEEDS_REVIEW, NOT_COVERED, Evaluation, Line, Reason, codes_of, reason
from .request import Authorization, Eligibility


def known_codes(evaluation: Evaluation) -> None:
    unknown = [line for line in evaluation.lines if line.service is None]
    for line in unknown:
        why = "is in the service catalog's format but not in the catalog" if line.well_formed else (
            "is not a well-formed CPT/HCPCS code"
        )
        line.decide(NEEDS_REVIEW)
        evaluation.record("code_known", "fail", f"{line.code} {why}: a person must review this line.")
    if unknown:
        evaluation.note(
            f"{codes_of(unknown)}: not a service these rules know; check the code, and any "
            "payer's coverage of it, by hand."
        )
    else:
        evaluation.record("code_known", "pass", "Every billed code is in the service catalog.")


def replacement_text(line: Line) -> str:
    service = line.service
    if service.replaced_by:
        replaced_on = service.valid_to + timedelta(days=1)
        return f"{line.code} is invalid on the date of service: {service.replaced_by} replaced it on {replaced_on.isoformat()}. Bill {service.replaced_by}."
    earlier = service.replaces or "the code in force on the date of service"
    return f"{line.code} is invalid on the date of service: it is valid from {service.valid_from.isoformat()}. Bill {earlier}."


def codes_valid_on_date(evaluation: Evaluation, *, deny: bool = True) -> None:
    day = evaluation.verification.date_of_service
    invalid = [
        line
        for line in evaluation.lines
        if line.determination is None and line.service is not None and day is not None and not line.service.valid_on(day)
    ]
    for line in invalid:
        text = replacement_text(line)
        if deny:
            line.decide(NOT_COVERED, Reason("181", None, text))
        evaluation.record("code_valid_on_date", "fail", text)
        evaluation.note(text)
    if not invalid:
        evaluation.record("code_valid_on_date", "pass", "Every billed code is valid on the date of service.")


ADMINISTRATION = frozenset({"drug_administration"})


def administration_has_drug(evaluation: Evaluation) -> None:
    orphans = [line for line in evaluation.open_lines(ADMINISTRATION) if line.drug is None]
    for line in orphans:
        line.decide(NEEDS_REVIEW)
    if orphans:
        evaluation.record(
            "administration_has_drug",
            "fail",
            f"{codes_of(orphans)} billed without a drug line: the rules cannot tell what was infused or injected.",
        )
        evaluation.note(
            f"{codes_of(orphans)}: bill the drug line (J3490 with the ketamine NDC) with the "
            "administration so the service can be matched to its drug."
        )
    elif any(line.category == "drug_administration" for line in evaluation.lines):
        evaluation.record(
            "administration_has_drug", "pass", "Every infusion or injection is billed with its drug."
        )


def code_checks(evaluation: Evaluation) -> None:
    """The claim edits every insurance program runs first: known code, valid on the date, drug billed."""
    known_codes(evaluation)
    codes_valid_on_date(evaluation)
    administration_has_drug(evaluation)


def coverage_period(evaluation: Evaluation, before: Reason, after: Reason) -> bool:
    """Deny every line outside [coverage_start, coverage_end]; True when the date is inside."""
    verification = evaluation.verification
    day, start, end = verification.date_of_service, verification.coverage_start, verification.coverage_end
    if start is None and end is None:
        evaluation.record("coverage_period", "skip", "No coverage dates given.")
        return True
    if start is not None and end is not None and end < start:
        evaluation.decide_all(NEEDS_REVIEW)
        evaluation.record("coverage_period", "fail", "The coverage end date is before its start date.")
        evaluation.require(
            "eligibility_confirmation",
            "The coverage dates contradict each other (end before start): confirm the plan's effective dates with the payer.",
        )
        return False
    if start is not None and day < start:
        evaluation.decide_all(NOT_COVERED, before)
        evaluation.record("coverage_period", "fail", f"Date of service {day} is before coverage starts ({start}).")
        return False
    if end is not None and day > end:
        evaluation.decide_all(NOT_COVERED, after)
        evaluation.record("coverage_period", "fail", f"Date of service {day} is after coverage ended ({end}).")
        return False
    evaluation.record("coverage_period", "pass", f"Date of service {day} is inside the coverage period.")
    return True


# -- authorizations ---------------------------------------------------------------------------

ABSENT = "absent"
WRONG_TYPE = "wrong_type"
CONTRADICTORY = "contradictory"
NOT_VALID_ON_DATE = "not_valid_on_date"
EXCEEDED = "exceeded"
VALID = "valid"
NOT_NEEDED = "not_needed"
SETTLED = frozenset({VALID, NOT_NEEDED})


def authorization_status(
    authorization: Authorization | None, kinds: tuple[str, ...], evaluation: Evaluation
) -> str:
    """Whether an authorization of one of `kinds` is on file and valid for the planned series."""
    if authorization is None:
        return ABSENT
    if authorization.kind not in kinds:
        return WRONG_TYPE
    start, end = authorization.valid_from, authorization.valid_to
    if start is not None and end is not None and end < start:
        return CONTRADICTORY
    day = evaluation.verification.date_of_service
    if (start is not None and day < start) or (end is not None and day > end):
        return NOT_VALID_ON_DATE
    left = authorization.visits_left
    if left is not None and left < evaluation.verification.sessions:
        return EXCEEDED
    return VALID


def listed(
    authorization: Authorization,
    line: Line,
    family: Callable[[Service], bool] | None = None,
    authorization_codes: Collection[str] = (),
) -> bool:
    """Whether the authorization lists the line's code; with `family`, a code of the same family counts
    (a Spravato authorization listing J0013 covers the G2082 visit, and an S0013 listing covers J0013);
    `authorization_codes` are the codes the payer authorises this service by (BCBS Massachusetts
    authorises both ketamine and esketamine as G2082)."""
    codes = authorization.approved_codes
    if not codes or line.code in codes:
        return True
    if authorization_codes and not codes.isdisjoint(authorization_codes):
        return True
    return (
        family is not None
        and line.service is not None
        and family(line.service)
        and any(code in SERVICES and family(SERVICES[code]) for code in codes)
    )


def apply_authorization(
    evaluation: Evaluation,
    rule: str,
    lines: list[Line],
    authorization: Authorization | None,
    kinds: tuple[str, ...],
    reasons: dict[str, Reason],
    *,
    family: Callable[[Service], bool] | None = None,
    requirement: tuple[str, str] | None = None,
    authorization_codes: Collection[str] = (),
) -> str:
    """Decide `lines` that need an authorization; returns the status. Valid and listed lines stay open
    (marked as needing the authorization, which is on file). `requirement` (kind, text) is added
    whenever the authorization on file does not settle the lines."""
    status = _apply_authorization(evaluation, rule, lines, authorization, kinds, reasons, family, authorization_codes)
    if requirement is not None and status not in SETTLED:
        evaluation.require(*requirement)
    return status


def _apply_authorization(
    evaluation: Evaluation,
    rule: str,
    lines: list[Line],
    authorization: Authorization | None,
    kinds: tuple[str, ...],
    reasons: dict[str, Reason],
    family: Callable[[Service], bool] | None,
    authorization_codes: Collection[str],
) -> str:
    if not lines:
        evaluation.record(rule, "skip", "No service here needs this authorization.")
        return NOT_NEEDED
    status = authorization_status(authorization, kinds, evaluation)
    codes = codes_of(lines)
    if status == CONTRADICTORY:
        for line in lines:
            line.decide(NEEDS_REVIEW)
        evaluation.record(rule, "fail", f"The authorization's end date is before its start date ({codes}).")
        evaluation.require(
            "eligibility_confirmation",
            "The authorization's dates contradict each other (end before start): confirm them with the payer.",
        )
        return status
    if status != VALID:
        why = reasons[status]
        window = authorization.window() if authorization else ""
        left = authorization.visits_left if authorization else 0
        why = Reason(
            why.carc,
            why.rarc,
            why.explanation.format(window=window, left=left, sessions=evaluation.verification.sessions),
        )
        for line in lines:
            line.decide("authorization_required", why)
        evaluation.record(rule, "fail", f"{why.explanation} ({codes})")
        return status
    unlisted = [line for line in lines if not listed(authorization, line, family, authorization_codes)]
    for line in lines:
        line.authorization_required = True
    for line in unlisted:
        line.decide("authorization_required", reasons["not_listed"])
    if unlisted:
        evaluation.record(rule, "fail", f"The authorization on file does not list {codes_of(unlisted)}.")
        return "not_listed"
    evaluation.record(rule, "pass", f"A valid authorization is on file for {codes}.")
    return VALID


def reasons_from(rows: dict[str, Any], wording: dict[str, str], **fields: str) -> dict[str, Reason]:
    """Reasons keyed by authorization status from policy rows and their default wording."""
    return {
        status: reason(rows[status], wording.get(status, "").format(**fields))
        for status in rows
        if isinstance(rows[status], dict) and "carc" in rows[status]
    }


def authorized_despite_policy(
    evaluation: Evaluation,
    rule: str,
    lines: list[Line],
    kinds: tuple[str, ...],
    policy_says: str,
    *,
    authorization_codes: Collection[str] = (),
) -> bool:
    """A payer-issued authorization, valid for the planned series, that names these lines' codes (or the
    payer's own authorization code for them) while the payer's published policy denies them: the
    lines need a person rather than a denial that overrides the payer's own authorization, or a green
    answer that ignores its policy. True when it decided the lines."""
    authorization = evaluation.verification.authorization
    if not lines or authorization is None or not authorization.approved_codes:
        return False
    if authorization_status(authorization, kinds, evaluation) != VALID:
        return False
    approved = authorization.approved_codes
    named = [line for line in lines if line.code in approved]
    if not named and approved.isdisjoint(authorization_codes):
        return False
    for line in lines:
        line.authorization_required = True
        line.decide(NEEDS_REVIEW)
    codes = ", ".join(sorted(approved & ({line.code for line in lines} | set(authorization_codes))))
    text = (
        f"The payer authorised {codes}, but its published policy says {policy_says}: confirm with the "
        "payer that the authorization is for this drug and this diagnosis (J3490 and the infusion codes "
        "are also billed for other drugs) before counting on payment."
    )
    evaluation.record(rule, "fail", text)
    evaluation.require("prior_authorization", text)
    return True


def is_esketamine(service: Service) -> bool:
    """The Spravato family: the drug (J0013, S0013) and its monitoring visits (G2082, G2083)."""
    return service.drug == "esketamine"


ESKETAMINE = DRUGS["esketamine"]
MDD_CODES = "F32.0-F32.5, F32.9, F33.0-F33.3, F33.4x, F33.8, F33.9"


def esketamine_indication(
    evaluation: Evaluation,
    labelled_groups: Collection[str],
    minimum_age: int,
    unlabelled: Reason,
    under_age: Reason,
    *,
    accepted_codes: Collection[str] = (),
) -> list[Line]:
    """Deny open Spravato lines without a labelled diagnosis or for a minor; the lines left need
    the payer's prior authorization.

    Labelled means a major depressive disorder code (the diagnosis group "depression" lists them one
    by one: never the prefix F32, as F32.81 is premenstrual dysphoric disorder), or a code the payer's
    policy names as accepted (`accepted_codes`, e.g. F32.A where a payer takes it as MDD). F32.89 and
    F32.A without such a policy need a person (DOMAIN.md "Codes")."""
    verification = evaluation.verification
    lines = evaluation.open_lines(drug="esketamine")
    if not lines:
        evaluation.record("esketamine_labelled_indication", "skip", "No Spravato service open to decide.")
        return []
    if not verification.diagnosis_groups.isdisjoint(labelled_groups):
        evaluation.record(
            "esketamine_labelled_indication", "pass", f"A major depressive disorder code ({MDD_CODES}) is billed."
        )
    elif accepted := [code for code in verification.diagnoses if code in accepted_codes]:
        evaluation.record(
            "esketamine_labelled_indication",
            "pass",
            f"{', '.join(accepted)} is not an MDD code, but the payer's policy accepts it for Spravato.",
        )
    elif unconfirmed := [
        code for code in verification.diagnoses if not diagnosis_groups(code).isdisjoint(ESKETAMINE.unconfirmed_groups)
    ]:
        codes = ", ".join(unconfirmed)
        text = (
            f"{codes} is not a major depressive disorder code ({MDD_CODES}), which Spravato's FDA label "
            f"needs; some payers accept it as MDD, and this payer's policy does not say. Code the MDD "
            f"precisely if the record supports it, or confirm with the payer that it accepts {codes} for Spravato."
        )
        for line in lines:
            line.decide(NEEDS_REVIEW)
        evaluation.record("esketamine_labelled_indication", "fail", text)
        evaluation.require("medical_necessity_documentation", text)
        return []
    else:
        for line in lines:
            line.decide(NOT_COVERED, unlabelled)
        evaluation.record("esketamine_labelled_indication", "fail", unlabelled.explanation)
        return []
    evaluation.note(
        "Treatment-resistant depression has no ICD-10-CM code of its own: the history "
        "(antidepressants tried, doses, durations, response) must be documented."
    )
    if verification.age is not None and verification.age < minimum_age:
        for line in lines:
            line.decide(NOT_COVERED, under_age)
        evaluation.record("esketamine_age", "fail", under_age.explanation)
        return []
    if verification.age is None:
        evaluation.record("esketamine_age", "info", f"Age not known: confirm the patient is {minimum_age} or older.")
    else:
        evaluation.record("esketamine_age", "pass", f"The patient is {minimum_age} or older on the date of service.")
    return lines


SPRAVATO_VISIT = "esketamine_monitoring"


def drug_billed_with_spravato_visit(evaluation: Evaluation) -> None:
    """For payers that follow Medicare's method (Medicare, VA CCN, TRICARE): G2082/G2083 include the
    supply of esketamine, so an esketamine drug line (J0013, or S0013 before 2026) billed with the visit
    on the same date of service bills the drug twice and is not paid (CARC 97, RARC M15: bundled)."""
    visits = [line for line in evaluation.lines if line.category == SPRAVATO_VISIT]
    drugs = [line for line in evaluation.open_lines(("drug",)) if line.drug == "esketamine"] if visits else []
    if not drugs:
        outcome = "pass" if visits else "skip"
        evaluation.record("drug_billed_with_spravato_visit", outcome, "No esketamine drug line billed with a Spravato visit.")
        return
    why = Reason(
        "97",
        "M15",
        f"{codes_of(visits)} includes the supply of esketamine: {codes_of(drugs)} on the same day bills "
        "the drug twice. Bill the Spravato visit code alone (this payer follows Medicare's method).",
    )
    for line in drugs:
        line.decide(NOT_COVERED, why)
    evaluation.record("drug_billed_with_spravato_visit", "fail", why.explanation)
    evaluation.note(f"Take {codes_of(drugs)} off the claim: {codes_of(visits)} pays for the esketamine dispensed in the visit.")


# -- the payer's 271 eligibility response -----------------------------------------------------

def _catalog_reason(row: dict[str, Any], **fields: str) -> Reason:
    return Reason(row["carc"], row.get("rarc") or None, row["explanation"].format(**fields))


for _row in (ELIGIBILITY["inactive"]["before"], ELIGIBILITY["inactive"]["after"], *(
    row for row in ELIGIBILITY["authorization"].values() if isinstance(row, dict)
)):
    check_reason(_row["carc"], _row.get("rarc"))

SERVICE_TYPES_OF_CATEGORY: dict[str, tuple[str, ...]] = {
    category: tuple(types) for category, types in ELIGIBILITY["service_types"].items()
}


def eligibility(evaluation: Evaluation) -> bool:
    """The payer's 271, before any other rule: a rejection (AAA), a 271 about someone else or one that
    matches several people needs a person; inactive coverage denies every line (CARC 27, or 26 when
    the plan begins later). True when the other rules should go on."""
    found = evaluation.verification.eligibility
    if found is None:
        evaluation.record("eligibility_271", "skip", "No 271 eligibility response given.")
        return True
    evaluation.extra["eligibility"] = found.summary
    if found.rejections:
        evaluation.decide_all(NEEDS_REVIEW)
        wording = ELIGIBILITY["rejection"]
        for rejection in found.rejections:
            evaluation.require("eligibility_confirmation", wording["requirement"].format(
                code=rejection.get("code"), loop=rejection.get("loop"), meaning=rejection.get("meaning"),
                follow_up_code=rejection.get("follow_up_code") or "-",
                follow_up=rejection.get("follow_up") or wording["no_follow_up"], action=rejection.get("action"),
            ))
        codes = ", ".join(f"AAA {r.get('code')} ({r.get('meaning')})" for r in found.rejections)
        evaluation.record("eligibility_271", "fail", f"The payer rejected the eligibility inquiry: {codes}.")
        return False
    wording = ELIGIBILITY["identity"]
    mismatches = [name for name in found.mismatches if name != "first_name"] if found.mismatches else []
    if mismatches or found.ambiguous:
        evaluation.decide_all(NEEDS_REVIEW)
        if found.ambiguous:
            evaluation.require("eligibility_confirmation", wording["ambiguous"])
        else:
            fields = " and ".join(name.replace("_", " ") for name in mismatches)
            evaluation.require("eligibility_confirmation", wording["requirement"].format(fields=fields))
        evaluation.record("eligibility_271", "fail", "The 271's patient does not match the request's." if mismatches else wording["ambiguous"])
        return False
    if "first_name" in found.mismatches:
        evaluation.note(wording["first_name"])
    for carve_out in found.carve_outs:
        contact = f" ({'; '.join(carve_out['contacts'])})" if carve_out.get("contacts") else ""
        evaluation.note(ELIGIBILITY["carve_out"]["note"].format(
            name=carve_out.get("name"), service_types=", ".join(carve_out.get("service_types") or ()), contact=contact))
    if found.status == "inactive":
        return _inactive(evaluation, found)
    if found.status == "active":
        evaluation.record("eligibility_271", "pass", "The payer's 271 says the coverage is active.")
        return True
    evaluation.record("eligibility_271", "info", ELIGIBILITY["unknown"]["note"])
    evaluation.note(ELIGIBILITY["unknown"]["note"])
    evaluation.require("eligibility_confirmation", ELIGIBILITY["unknown"]["requirement"])
    return True


def _inactive(evaluation: Evaluation, found: Eligibility) -> bool:
    day = evaluation.verification.date_of_service
    rows = ELIGIBILITY["inactive"]
    if found.plan_begin is not None and day < found.plan_begin:
        why = _catalog_reason(rows["before"], begin=found.plan_begin.isoformat())
    else:
        ended = f" (the plan ended {found.plan_end.isoformat()})" if found.plan_end is not None else ""
        why = _catalog_reason(rows["after"], ended=ended)
    evaluation.decide_all(NOT_COVERED, why)
    evaluation.require("eligibility_confirmation", rows["requirement"])
    evaluation.record("eligibility_271", "fail", why.explanation)
    return False


def eligibility_authorization(evaluation: Evaluation, kinds: tuple[str, ...]) -> None:
    """Open behavioral-health lines whose service type the payer's 271 flags as needing an authorization
    (EB11 Y) need one of `kinds` on file."""
    found = evaluation.verification.eligibility
    if found is None or not found.authorization_required:
        return
    flagged: dict[str, list[str]] = {}
    for line in evaluation.open_lines(SERVICE_TYPES_OF_CATEGORY):
        types = [code for code in SERVICE_TYPES_OF_CATEGORY[line.category] if code in found.authorization_required]
        if types:
            flagged.setdefault(", ".join(types), []).append(line)
    if not flagged:
        evaluation.record("eligibility_authorization", "pass", "The 271 flags no billed service as needing an authorization.")
        return
    rows = ELIGIBILITY["authorization"]
    for service_types, lines in flagged.items():
        reasons = {
            status: Reason(row["carc"], row.get("rarc") or None, row["explanation"].replace("{service_types}", service_types))
            for status, row in rows.items()
            if isinstance(row, dict)
        }
        status = apply_authorization(
            evaluation, "eligibility_authorization", lines, evaluation.verification.authorization, kinds, reasons
        )
        if status not in SETTLED:
            evaluation.require(
                "prior_authorization", rows["requirement"].format(codes=codes_of(lines), service_types=service_types)
            )
