"""The top of a result, as the front desk reads it in five seconds: the answer with its eligibility status,
what to tell the patient, what to do now, and what to collect or have signed.

Plain functions of the API's document (and, for re-checks, the stored request): the template only lays
them out. Words are the desk's, not the API's: no field paths, no snake_case, dates as MM/DD/YYYY.
"""

from service.words import ASSUMED_FIGURES, plain, requirement
from workers.rules.programs import PROGRAM_NAMES
from workers.rules.routing import match_carrier

ELIGIBILITY = {
    "confirmed_271": "Eligibility confirmed by the payer's 271",
    "stated": "Eligibility as entered by staff, not confirmed by the payer",
    "unconfirmed": "Eligibility not confirmed",
}
# The answer in words; "covered" keeps its grounds in sight unless a 271 confirmed the coverage.
HEADLINES = {
    "covered": "Covered",
    "authorization_required": "Authorization required",
    "partially_covered": "Partly covered",
    "not_covered": "Not covered",
    "self_pay": "Self-pay",
    "needs_review": "Undecided: needs review",
}
# What the patient signs or is handed goes under "Collect / sign"; the rest is staff's to do now,
# the ones that block payment first.
TO_SIGN = ("informed_consent", "good_faith_estimate")
DO_NOW_ORDER = ("eligibility_confirmation", "va_referral", "prior_authorization", "coordination_of_benefits",
                "medical_necessity_documentation")


def _money(value) -> str:
    return f"${float(value):,.2f}"


def headline(v: dict) -> str:
    determination = v.get("determination")
    words = HEADLINES.get(determination, determination or v.get("status", ""))
    if determination == "covered" and v.get("eligibility_status") != "confirmed_271":
        return "Covered by policy"
    return words


def eligibility(v: dict) -> str | None:
    """The eligibility status beside the answer (none for self-pay, where no payer is asked)."""
    if v.get("determination") == "self_pay":
        return None
    return ELIGIBILITY.get(v.get("eligibility_status"))


def tell_patient(v: dict) -> list[str]:
    """What the patient will owe, in dollars, as staff can say it."""
    determination = v.get("determination")
    estimate = v.get("estimate") or {}
    per_session, total = estimate.get("per_session") or {}, estimate.get("total") or {}
    sessions = estimate.get("sessions") or 1
    series = f"{sessions} session{'s' if sessions != 1 else ''}"
    if determination == "needs_review":
        return ["Do not quote a price yet: we must confirm your coverage first."]
    if determination == "self_pay":
        return [f"You pay {_money(per_session.get('patient') or 0)} per session, {_money(total.get('patient') or 0)} "
                f"for the {series}.", "You get a Good Faith Estimate of these charges in writing."]
    said = []
    patient, patient_total = per_session.get("patient"), total.get("patient") or 0
    if determination == "not_covered":
        said.append("Your plan does not pay for these services.")
    elif patient is None:
        said.append("Your share is not known yet: we need your plan's deductible, copay or coinsurance first.")
    elif patient == 0 and not patient_total:
        said.append("You owe nothing for the covered services: no copay to collect.")
    elif round(patient * sessions, 2) == patient_total:
        said.append(f"Your share: {_money(patient)} per session, {_money(patient_total)} for the {series}.")
    else:  # the deductible (or the out-of-pocket maximum) makes the first session cost more than the rest
        said.append(f"Your share: {_money(patient)} for the first session, {_money(patient_total)} for the {series}.")
    if estimate.get("assumed") and determination != "not_covered":
        figures = [ASSUMED_FIGURES.get(figure, figure.replace("_", " ")) for figure in estimate["assumed"]]
        said.append(f"That figure counts {_listed(figures)} as $0, as nobody gave {'it' if len(figures) == 1 else 'them'}: "
                    "it may change.")
    if any(line.get("determination") == "authorization_required" for line in v.get("lines") or ()):
        said.append("The plan pays only once the authorization is approved: we will call you when it is.")
    non_covered = per_session.get("non_covered") or 0
    if non_covered:
        said.append(f"Not covered by your plan: {_money(non_covered)} per session ({_money(total.get('non_covered') or 0)} "
                    f"for the {series}). You pay this only if you agree in writing before the session.")
    return said


def _listed(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def _item(kind: str, text: str) -> dict:
    return {"kind": kind, "name": requirement(kind), "text": plain(text)}


def do_now(v: dict) -> list[dict]:
    """Staff's own steps, the one that blocks payment first."""
    steps = [r for r in v.get("requirements") or () if r["kind"] not in TO_SIGN]
    steps.sort(key=lambda r: DO_NOW_ORDER.index(r["kind"]) if r["kind"] in DO_NOW_ORDER else len(DO_NOW_ORDER))
    return [_item(r["kind"], r["text"]) for r in steps]


def collect_sign(v: dict) -> list[dict]:
    """What the patient signs or takes away: consent, a written agreement to pay, the Good Faith Estimate."""
    items = [_item(r["kind"], r["text"]) for r in v.get("requirements") or () if r["kind"] in TO_SIGN]
    estimate = v.get("estimate") or {}
    non_covered = (estimate.get("per_session") or {}).get("non_covered") or 0
    if non_covered and v.get("determination") != "self_pay":
        items.append({"kind": "agreement_to_pay", "name": "Agreement to pay",
                      "text": f"If the patient goes ahead, have them sign a written agreement to pay {_money(non_covered)} "
                              "per session for the services the plan does not cover, before the session."})
    if v.get("good_faith_estimate") and not any(item["kind"] == "good_faith_estimate" for item in items):
        items.append(_item("good_faith_estimate", "Give the patient the Good Faith Estimate (print it below)."))
    return items


def recheck_programs(v: dict, request: dict | None) -> list[tuple[str, str]]:
    """An undecided card that more than one program runs (TriWest: VA CCN or TRICARE): (program, name) to
    re-check as, one click each."""
    if v.get("determination") != "needs_review" or not request:
        return []
    coverage = request.get("coverage") or {}
    if coverage.get("program"):
        return []
    programs = dict.fromkeys(candidate.program for candidate in match_carrier(coverage.get("carrier")).candidates)
    return [(program, PROGRAM_NAMES.get(program, program)) for program in programs] if len(programs) > 1 else []


def card(v: dict, request: dict | None) -> dict:
    return {
        "headline": headline(v),
        "eligibility": eligibility(v),
        "tell": tell_patient(v),
        "do_now": do_now(v),
        "collect": collect_sign(v),
        "recheck": recheck_programs(v, request),
        "suggestions": v.get("carrier_suggestions") or [],
    }
