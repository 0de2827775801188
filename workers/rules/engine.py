"""The payer-agnostic machinery every program module uses: lines, trace, requirements, the estimate,
denial-reason assembly, the determination roll-up and the result.

Determination roll-up (over the lines of one request, CONTRACT.md "determination"):

  1. program self_pay                                   -> self_pay
  2. the request cannot be routed, or contradicts itself -> needs_review
  3. any line needs_review (or no lines at all)         -> needs_review
  4. every line covered                                 -> covered
  5. lines covered or authorization_required only       -> authorization_required
     (at least one needs a referral/authorization that is not validly on file)
  6. every line not_covered                             -> not_covered
  7. some lines not_covered, the others covered or authorization_required -> partially_covered

A line is decided by the first rule that fails it (as a payer's claim edits run in order); a line no
rule fails is covered. A line's reasons carry the CARC (and RARC) a payer would give.
"""

from __future__ import annotations

from collections.abc import Container, Iterable
from decimal import Decimal
from typing import Any, NamedTuple

from .catalog import CARC, FEE_SCHEDULE_NAME, RARC, RETIRED_CARCS, SERVICES, VISIT_CATEGORIES, Service
from .estimate import ZERO, assumed_figures, cents, cost_share_series
from .request import VerificationRequest

COVERED = "covered"
NOT_COVERED = "not_covered"
AUTHORIZATION_REQUIRED = "authorization_required"
NEEDS_REVIEW = "needs_review"
SELF_PAY = "self_pay"
PARTIALLY_COVERED = "partially_covered"

REQUIREMENT_KINDS = frozenset(
    {
        "va_referral",
        "prior_authorization",
        "medical_necessity_documentation",
        "good_faith_estimate",
        "informed_consent",
        "coordination_of_benefits",
        "eligibility_confirmation",
    }
)


class Reason(NamedTuple):
    """Why a line is not paid as billed: the CARC (and RARC) a payer would give, and the words.
    Immutable and hashable (reasons are merged across lines); a NamedTuple, cheap to build and hash."""

    carc: str
    rarc: str | None
    explanation: str

    def as_dict(self) -> dict[str, Any]:
        carc, rarc, explanation = self
        return {
            "carc": carc,
            "rarc": rarc or None,
            "description": CARC[carc],
            "rarc_description": RARC[rarc] if rarc else None,
            "explanation": explanation,
        }


def reason(row: dict[str, Any], explanation: str) -> Reason:
    """A Reason from a policy row {carc, rarc[, explanation]}; the row's own wording wins."""
    return Reason(row["carc"], row.get("rarc") or None, row.get("explanation", explanation))


class Line:
    """One billed service as the rules see it, and what they decided about it."""

    __slots__ = (
        "code",
        "well_formed",
        "service",
        "category",
        "units",
        "charge",
        "charge_source",
        "drug",
        "determination",
        "authorization_required",
        "reasons",
        "allowed",
        "patient",
        "payer",
        "series_patient",
        "series_payer",
        "non_covered",
        "series_non_covered",
    )

    def __init__(
        self,
        code: str,
        well_formed: bool,
        service: Service | None,
        units: int,
        charge: Decimal | None,
        charge_source: str | None,
        drug: str | None,
    ):
        self.code = code
        self.well_formed = well_formed
        self.service = service
        self.category = service.category if service else None
        self.units = units
        self.charge = charge
        self.charge_source = charge_source
        self.drug = drug
        self.determination: str | None = None
        self.authorization_required = False
        self.reasons: list[Reason] = []
        self.allowed = self.patient = self.payer = None
        self.series_patient = self.series_payer = None
        self.non_covered = self.series_non_covered = None

    @property
    def open(self) -> bool:
        """No rule has decided this line yet."""
        return self.determination is None

    def decide(self, determination: str, why: Reason | None = None) -> None:
        self.determination = determination
        if determination == AUTHORIZATION_REQUIRED:
            self.authorization_required = True
        if why is not None:
            if why.carc in RETIRED_CARCS:
                raise ValueError(f"CARC {why.carc} is retired")
            self.reasons.append(why)


def make_lines(verification: VerificationRequest) -> list[Line]:
    # An infusion or injection takes the drug billed with it; racemic ketamine is the one the
    # catalog administers this way (esketamine is self-administered nasally).
    administered = None
    for billed in verification.services:
        service = SERVICES.get(billed.code)
        if service is not None and service.category == "drug" and service.drug == "ketamine":
            administered = "ketamine"
            break
    lines = []
    for code, well_formed, units, charge in verification.services:
        service = SERVICES.get(code) if well_formed else None
        # A line's charge is kept in cents, as every amount the estimate computes from it.
        if charge is not None:
            charge, source = cents(charge), "request"
        elif service is not None:
            charge, source = cents(service.default_fee * units), "default_fee_schedule"
        else:
            source = None
        drug = None
        if service is not None:
            drug = administered if service.category == "drug_administration" else service.drug
        lines.append(Line(code, well_formed, service, units, charge, source, drug))
    return lines


class Evaluation:
    """Everything one evaluation accumulates, and the helpers rules use to add to it."""

    def __init__(self, program: str | None, verification: VerificationRequest, lines: list[Line] | None = None):
        self.program = program
        self.rule_prefix = f"{program or 'routing'}."  # of every trace entry's rule name
        self.verification = verification
        self.lines = make_lines(verification) if lines is None else lines
        self.trace: list[dict[str, str]] = []
        self.requirements: list[dict[str, str]] = []
        self.notes: list[str] = []
        self.off_label: dict[str, Any] | None = None
        self.estimate: dict[str, Any] | None = None
        self.billing: dict[str, Any] = {}
        self.extra: dict[str, Any] = {}
        self.forced: str | None = None  # a determination the roll-up must give (routing, self-pay)

    def record(self, rule: str, outcome: str, detail: str) -> None:
        self.trace.append({"rule": self.rule_prefix + rule, "outcome": outcome, "detail": detail})

    def require(self, kind: str, text: str) -> None:
        if kind not in REQUIREMENT_KINDS:
            raise ValueError(f"unknown requirement kind {kind!r}")
        entry = {"kind": kind, "text": text}
        if entry not in self.requirements:
            self.requirements.append(entry)

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def open_lines(self, categories: Container[str] | None = None, *, drug: str | None = None) -> list[Line]:
        """The lines no rule has decided yet; only those of `categories` (a set, tuple or dict) or of
        `drug` when given."""
        if drug is not None:
            return [line for line in self.lines if line.determination is None and line.drug == drug]
        if categories is None:
            return [line for line in self.lines if line.determination is None]
        return [line for line in self.lines if line.determination is None and line.category in categories]

    def has_payable_lines(self) -> bool:
        """Whether any line may still be paid (so the patient's share matters)."""
        return any(line.determination is None or line.determination in PAYABLE for line in self.lines)

    def decide_all(self, determination: str, why: Reason | None = None) -> list[Line]:
        lines = self.open_lines()
        for line in lines:
            line.decide(determination, why)
        return lines


def codes_of(lines: Iterable[Line]) -> str:
    return ", ".join(dict.fromkeys([line.code for line in lines]))


def money(amount: Decimal | None) -> float | None:
    """Money as the JSON result shows it: a float of whole cents.

    Every amount the engine holds is whole cents already: a line's charge is rounded half-up to
    cents when the line is made (make_lines), and the estimate rounds every share it computes
    (estimate.py); sums and multiples of cents are cents. So the float is exact to the cent with no
    rounding here (tests/rules/test_money_in_cents.py holds the engine to that)."""
    if amount is None:
        return None
    if amount is ZERO:  # the amount of every share nobody pays
        return 0.0
    return float(amount)


def roll_up(lines: list[Line], forced: str | None = None) -> str:
    """The request's determination from its lines (see the module docstring)."""
    if forced is not None:
        return forced
    found = {line.determination or COVERED for line in lines}
    if not lines or NEEDS_REVIEW in found:
        return NEEDS_REVIEW
    if found == {COVERED}:
        return COVERED
    if NOT_COVERED not in found:
        return AUTHORIZATION_REQUIRED
    if found == {NOT_COVERED}:
        return NOT_COVERED
    return PARTIALLY_COVERED


def denial_reasons(lines: list[Line]) -> list[dict[str, Any]]:
    """Every reason on any line, once, with the codes it applies to."""
    merged: dict[Reason, list[str]] = {}
    for line in lines:
        for why in line.reasons:
            codes = merged.setdefault(why, [])
            if line.code not in codes:
                codes.append(line.code)
    return [dict(why.as_dict(), codes=codes) for why, codes in merged.items()]


# -- the estimate -----------------------------------------------------------------------------

PAYABLE = frozenset({COVERED, AUTHORIZATION_REQUIRED, NEEDS_REVIEW})
ESTIMATE_BASES = {
    "benefits_on_file": "Cost sharing from the benefits on file: deductible first, then copay (visits) or coinsurance, capped at the out-of-pocket maximum remaining.",
    "payment_in_full": "The payer's payment is payment in full: the patient owes nothing.",
    "no_cost_share": "No cost share for this beneficiary: the payer pays the allowed amount.",
    "unknown_benefits": "No benefits on file: the patient's share is not estimated, only the allowed amount.",
    "secondary_payer": "This payer pays second: the patient's share depends on the primary payer and is not estimated.",
    "self_pay": "Self-pay: the patient pays every charge.",
    "nothing_payable": "Nothing is payable: no cost sharing to estimate.",
}
# What the payer's share counts that is not payable yet, by line determination.
PENDING = {
    AUTHORIZATION_REQUIRED: "The payer's share counts {codes} as paid: that assumes the authorization still to be obtained is granted.",
    NEEDS_REVIEW: "The payer's share counts {codes} as paid: that assumes the review the result asks for finds them payable.",
}


BUNDLED = "97"


def estimate_lines(
    evaluation: Evaluation,
    basis: str,
    *,
    patient_pays_non_covered: bool = True,
) -> None:
    """Fill each line's money and `evaluation.estimate`.

    basis: "benefits_on_file" (cost sharing from coverage.benefits), "payment_in_full" (the payer pays
    the whole allowed amount: VA CCN), "no_cost_share" (active-duty TRICARE), "unknown_benefits" or
    "secondary_payer" (the patient's share cannot be known: shown as null with the allowed amount),
    "self_pay" (the patient pays every charge).
    """
    verification = evaluation.verification
    sessions = verification.sessions
    payable: list[Line] = []
    defaulted: list[Line] = []  # priced from the default fee schedule
    unpriced: list[Line] = []  # no charge and no default fee
    allowed = non_covered = ZERO
    for line in evaluation.lines:
        line.determination = line.determination or COVERED
        if line.charge is None:
            unpriced.append(line)
            continue
        if line.charge_source == "default_fee_schedule":
            defaulted.append(line)
        if basis == SELF_PAY or line.determination in PAYABLE:
            line.allowed = line.charge
            allowed += line.allowed
            payable.append(line)
        else:
            line.allowed = ZERO
            line.patient = line.payer = line.series_patient = line.series_payer = ZERO
            # A bundled line (CARC 97: paid within another service) comes off the claim: no patient pays it.
            bundled = line.reasons and all(why.carc == BUNDLED for why in line.reasons)
            line.non_covered = line.charge if patient_pays_non_covered and not bundled else ZERO
            line.series_non_covered = line.non_covered * sessions
            non_covered += line.non_covered

    known = True
    assumed: list[str] = []
    if basis == SELF_PAY:
        for line in payable:
            line.patient, line.payer = line.allowed, ZERO
            line.series_patient, line.series_payer = line.allowed * sessions, ZERO
    elif basis in ("payment_in_full", "no_cost_share"):
        for line in payable:
            line.patient, line.payer = ZERO, line.allowed
            line.series_patient, line.series_payer = ZERO, line.allowed * sessions
    elif basis == "benefits_on_file":
        assumed = assumed_figures(verification.benefits, [line.category in VISIT_CATEGORIES for line in payable])
        if assumed:
            evaluation.note(
                f"Nobody gave {', '.join(assumed)}: the estimate takes each as zero, so the patient's share "
                "may be higher. Enter the figures from the payer's 271 or portal for a confirmed estimate."
            )
        series = cost_share_series(
            [(line.allowed, line.category in VISIT_CATEGORIES) for line in payable],
            verification.benefits,
            sessions,
        )
        for line, first, whole in zip(payable, series.first_session, series.series):
            line.patient, line.payer = first
            line.series_patient, line.series_payer = whole
        if series.sessions_differ:
            evaluation.note(
                "The sessions do not all cost the patient the same: the deductible (or the "
                "out-of-pocket maximum) is reached during the series, so the total is not the "
                "per-session amount times the number of sessions."
            )
    else:
        known = not payable
        if known:
            basis = "nothing_payable"

    patient = payer = series_patient = series_payer = None
    if known:
        patient = payer = series_patient = series_payer = ZERO
        for line in payable:
            patient += line.patient
            payer += line.payer
            series_patient += line.series_patient
            series_payer += line.series_payer

    pending: dict[str, list[str]] = {}
    if known and basis != SELF_PAY:
        for line in payable:
            if line.determination in PENDING and line.payer:
                pending.setdefault(line.determination, []).append(line.code)
        for determination, codes in pending.items():
            evaluation.note(PENDING[determination].format(codes=", ".join(dict.fromkeys(codes))))

    evaluation.record("estimate", "info" if known else "skip", ESTIMATE_BASES[basis])
    evaluation.estimate = {
        "basis": basis,
        "confirmed": known and not assumed and not pending,
        "assumed": assumed,
        "pending_codes": list(dict.fromkeys(code for codes in pending.values() for code in codes)),
        "sessions": sessions,
        "per_session": estimate_sums(patient, payer, allowed, non_covered),
        "total": estimate_sums(series_patient, series_payer, allowed * sessions, non_covered * sessions),
    }
    if defaulted:
        evaluation.note(f"No charge was given for {codes_of(defaulted)}: the estimate uses the {FEE_SCHEDULE_NAME}.")
    if unpriced:
        evaluation.note(f"{codes_of(unpriced)} has no charge and no default fee: it is left out of the estimate.")
    if non_covered and basis != SELF_PAY:  # some charge is not covered (amounts are never negative)
        evaluation.note(
            "Charges the plan does not cover are shown apart (non_covered), not in the patient's "
            "share: the patient owes them only after agreeing in writing to pay for them."
        )


def estimate_sums(
    patient: Decimal | None, payer: Decimal | None, allowed: Decimal, non_covered: Decimal
) -> dict[str, float | None]:
    return {
        "patient": money(patient),
        "payer": money(payer),
        "allowed": money(allowed),
        "non_covered": money(non_covered),
    }


# -- the result -------------------------------------------------------------------------------


def line_result(line: Line) -> dict[str, Any]:
    return {
        "code": line.code,
        "description": line.service.description if line.service else None,
        "category": line.category,
        "drug": line.drug,
        "units": line.units,
        "charge": money(line.charge),
        "charge_source": line.charge_source,
        "allowed": money(line.allowed),
        "determination": line.determination,
        "authorization_required": line.authorization_required,
        "denial_reasons": [why.as_dict() for why in line.reasons] if line.reasons else [],
        "patient_responsibility": money(line.patient),
        "payer_responsibility": money(line.payer),
        "non_covered_charge": money(line.non_covered),
        "series": {
            "patient": money(line.series_patient),
            "payer": money(line.series_payer),
            "non_covered": money(line.series_non_covered),
        },
    }


def build_result(
    evaluation: Evaluation,
    *,
    rule_module: str,
    rule_version: str,
    policy: dict[str, Any] | None,
) -> dict[str, Any]:
    result = {
        "program": evaluation.program,
        "rule_module": rule_module,
        "rule_version": rule_version,
        "determination": roll_up(evaluation.lines, evaluation.forced),
        "lines": [line_result(line) for line in evaluation.lines],
        "denial_reasons": denial_reasons(evaluation.lines),
        "off_label": evaluation.off_label,
        "requirements": evaluation.requirements,
        "estimate": evaluation.estimate,
        "billing": evaluation.billing,
        "notes": evaluation.notes,
        "trace": evaluation.trace,
        "policy": policy,
        "benefits_source": benefits_source(evaluation.verification),
        "eligibility_status": eligibility_status(evaluation.verification),
    }
    if result["determination"] == COVERED and result["eligibility_status"] == UNCONFIRMED:
        result["notes"] = [*evaluation.notes, UNCONFIRMED_NOTE]
    if evaluation.verification.eligibility is not None and evaluation.verification.benefits is not None:
        result["benefit_sources"] = dict(evaluation.verification.eligibility.benefit_sources)
    result.update(evaluation.extra)
    return result


CONFIRMED_271 = "confirmed_271"
STATED = "stated"
UNCONFIRMED = "unconfirmed"
UNCONFIRMED_NOTE = (
    "Payable under the payer's policy if the coverage is active: nobody has confirmed it (no 271, no "
    "benefits or coverage details entered). Check eligibility before the first session."
)


def eligibility_status(verification: VerificationRequest) -> str:
    """Whether anyone confirmed the coverage is active (CONTRACT.md "Policy versus eligibility"):
    confirmed_271 when the payer's 271 about this patient says active on the date of service; stated
    when staff entered benefits, coverage dates or an authorization; unconfirmed otherwise."""
    found = verification.eligibility
    if found is not None and found.status == "active" and not found.rejections and not found.ambiguous:
        day = verification.date_of_service
        matches = all(name == "first_name" for name in found.mismatches)
        in_plan = day is None or (
            (found.plan_begin is None or found.plan_begin <= day) and (found.plan_end is None or day <= found.plan_end)
        )
        if matches and in_plan:
            return CONFIRMED_271
    benefits_entered = verification.benefits is not None and (
        found is None or "request" in found.benefit_sources.values() or not found.benefit_sources
    )
    if (
        benefits_entered
        or verification.coverage_start is not None
        or verification.coverage_end is not None
        or verification.authorization is not None
    ):
        return STATED
    return UNCONFIRMED


def benefits_source(verification: VerificationRequest) -> str | None:
    """Where coverage.benefits came from: "request", "271", or "271+request" when each gave some figures."""
    if verification.benefits is None:
        return None
    if verification.eligibility is None:
        return "request"
    sources = set(verification.eligibility.benefit_sources.values()) or {"request"}
    return "271+request" if len(sources) > 1 else sources.pop()
