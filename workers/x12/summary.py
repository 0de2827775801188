"""What a 271 tells a verification, without a patient identifier: the eligibility summary the rules
read (`coverage.eligibility`) and the benefit figures that fill `coverage.benefits`.

    summarize(response, request) -> (summary, figures)

The patient is the 271's dependent, or its subscriber when it has none; with several, the one whose
name and date of birth match the request. The benefit figures come from the behavioral-health
service types, most specific first (CF, A8, MH, A6, A4, then 30, the plan as a whole), for the
network the request names (in-network figures when it is unknown), individual before family.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from . import codes
from .reader import Benefit, EligibilityResponse, Member, Period, Rejection

# Most specific first: what an outpatient behavioral-health visit is billed under.
FIGURE_SERVICE_TYPES = ("CF", "A8", "MH", "A6", "A4", "30")
NETWORKS = {"Y": "in_network", "N": "out_of_network", "W": "not_applicable", "U": "unknown", None: "both"}
WANTED_NETWORK = {"in_network": "Y", "out_of_network": "N", "unknown": "Y"}
KINDS = {
    "A": "coinsurance",
    "B": "copay",
    "C": "deductible",
    "G": "out_of_pocket",
    "F": "limitation",
    "I": "non_covered",
    "U": "contact",
    "CB": "coverage_basis",
    "D": "description",
    "E": "exclusion",
}
HUNDRED = Decimal(100)
CENT = Decimal("0.01")


def summarize(response: EligibilityResponse, request: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Decimal]]:
    """The PHI-free eligibility summary for the canonical request, and the benefit figures found."""
    patient = request.get("patient") or {}
    coverage = request.get("coverage") or {}
    network = coverage.get("network_status") or "unknown"
    member, identity = _patient(response, patient, coverage.get("member_id"))
    redact = _redactor(response)
    rejections = [*_upper_rejections(response, member)]
    benefits: tuple[Benefit, ...] = ()
    plan_dates: tuple[Period, ...] = ()
    if member is not None:
        rejections += member.rejections
        benefits = member.benefits or _subscriber_of(response, member).benefits
        plan_dates = member.dates or _subscriber_of(response, member).dates
        rejections += [r for benefit in benefits for r in benefit.rejections]
    relevant = [benefit for benefit in benefits if _behavioral(benefit)]
    figures, detail = _figures(relevant, network)
    summary = {
        "source": "271",
        "status": _status(relevant, rejections),
        "patient_loop": member.loop if member else None,
        "payer": _payer(response, member),
        "plan": _plan(relevant, plan_dates, redact),
        "identity": identity,
        "rejections": [_rejection(r) for r in rejections],
        "benefits": [_benefit(b, redact) for b in relevant if b.code in KINDS or b.code in codes.ACTIVE | codes.INACTIVE],
        "authorization_required": _authorizations(relevant),
        "messages": list(dict.fromkeys(redact(m) for b in relevant for m in b.messages)),
        "contacts": [contact for b in relevant for contact in _contacts(b)],
        "figures": detail,
        "network_basis": network if network != "unknown" else "in_network",
        "warnings": list(response.warnings),
    }
    return summary, figures


# -- the patient ------------------------------------------------------------------------------


def _letters(value: Any) -> str:
    return re.sub(r"[^A-Z]", "", str(value or "").upper())


def _alnum(value: Any) -> str:
    return re.sub(r"[^A-Z0-9]", "", str(value or "").upper())


def _compare(given: str, found: Iterable[str], *, prefix: bool = False) -> str:
    found = [value for value in found if value]
    if not given:
        return "not_given"
    if not found:
        return "not_in_271"
    if any(given == value or (prefix and (value.startswith(given) or given.startswith(value))) for value in found):
        return "match"
    return "mismatch"


def _identity(member: Member, subscriber: Member, patient: Mapping[str, Any], member_id: Any) -> dict[str, str]:
    born = patient.get("date_of_birth")
    given_first = _letters(str(patient.get("first_name") or "").split(" ")[0] if patient.get("first_name") else "")
    return {
        # A card's id may carry a suffix the payer drops (or adds) for a dependent: a prefix is a match.
        "member_id": _compare(_alnum(member_id), (_alnum(subscriber.member_id), _alnum(member.member_id)), prefix=True),
        "last_name": _compare(_letters(patient.get("last_name")), (_letters(member.last_name),)),
        "first_name": _compare(given_first, (_letters(member.first_name),), prefix=True),
        "date_of_birth": _compare(
            born.isoformat() if isinstance(born, date) else str(born or ""),
            (member.birth_date.isoformat() if member.birth_date else "",),
        ),
    }


def _patient(response: EligibilityResponse, patient: Mapping[str, Any], member_id: Any) -> tuple[Member | None, dict[str, str]]:
    candidates = response.patients()
    if not candidates:
        return None, {"member_id": "not_in_271", "last_name": "not_in_271", "first_name": "not_in_271", "date_of_birth": "not_in_271"}
    scored = []
    for member in candidates:
        identity = _identity(member, _subscriber_of(response, member), patient, member_id)
        scored.append((sum(value == "match" for value in identity.values()), member, identity))
    scored.sort(key=lambda entry: -entry[0])
    if len(scored) > 1 and scored[0][0] == scored[1][0]:
        best = scored[0][2] | {"ambiguous": "several people in the 271 match the patient equally"}
        return None, best
    return scored[0][1], scored[0][2]


def _subscriber_of(response: EligibilityResponse, member: Member) -> Member:
    if member.role == "subscriber":
        return member
    return next(s for s in response.subscribers if member in s.dependents)


def _upper_rejections(response: EligibilityResponse, member: Member | None) -> list[Rejection]:
    """Rejections of the payer and receiver loops above the patient (all of them when no patient is found)."""
    parties = (member.payer, member.receiver) if member else (*response.payers, *response.receivers)
    found: list[Rejection] = []
    for party in parties:
        if party is not None:
            found.extend(r for r in party.rejections if r not in found)
    if member is not None and member.role == "dependent":
        found.extend(_subscriber_of(response, member).rejections)
    return found


# -- what the payer says ----------------------------------------------------------------------


def _behavioral(benefit: Benefit) -> bool:
    return any(code in codes.BEHAVIORAL_HEALTH for code in benefit.applies_to)


def _status(relevant: list[Benefit], rejections: list[Rejection]) -> str:
    if any(benefit.code in codes.ACTIVE for benefit in relevant):
        return "active"
    if any(benefit.code in codes.INACTIVE for benefit in relevant):
        return "inactive"
    if rejections:
        return "rejected"
    return "unknown"


def _payer(response: EligibilityResponse, member: Member | None) -> dict[str, Any]:
    payer = member.payer if member else (response.payers[0] if response.payers else None)
    if payer is None:
        return {"name": None, "id": None}
    return {"name": payer.name, "id": payer.identifier if payer.identifier_qualifier in ("PI", "XV", "FI", "NI") else None}


def _plan(relevant: list[Benefit], dates: tuple[Period, ...], redact) -> dict[str, Any]:
    active = next((b for b in relevant if b.code in codes.ACTIVE | codes.INACTIVE and (b.plan or b.insurance_type)), None)
    named = active or next((b for b in relevant if b.plan or b.insurance_type), None)
    by_kind = {period.qualifier: period for period in dates}
    begin, end = _range(by_kind, "291", "346", "347")
    if begin is None and end is None:
        begin, end = _range(by_kind, "307", "356", "357")
    insurance = named.insurance_type if named else None
    return {
        "name": redact(named.plan) if named and named.plan else None,
        "insurance_type": insurance,
        "insurance_type_name": codes.INSURANCE_TYPE.get(insurance) if insurance else None,
        "begin": begin.isoformat() if begin else None,
        "end": end.isoformat() if end else None,
    }


def _range(periods: Mapping[str, Period], both: str, start: str, finish: str) -> tuple[date | None, date | None]:
    begin = end = None
    if both in periods:
        begin, end = periods[both].start, periods[both].end
    if start in periods:
        begin = periods[start].start
    if finish in periods:
        end = periods[finish].start
    return begin, end


def _rejection(rejection: Rejection) -> dict[str, Any]:
    return {
        "loop": rejection.loop,
        "code": rejection.code,
        "meaning": rejection.meaning,
        "follow_up_code": rejection.follow_up_code,
        "follow_up": rejection.follow_up,
        "action": rejection.action,
    }


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(value.quantize(CENT))


def _percent(value: Decimal | None) -> Decimal | None:
    """EB08 is a fraction (0.2 for 20%); a payer that sends 20 means 20%."""
    if value is None:
        return None
    return (value * HUNDRED if value <= 1 else value).quantize(CENT)


def _benefit(benefit: Benefit, redact) -> dict[str, Any]:
    percent = _percent(benefit.percent)
    entry = {
        "kind": KINDS.get(benefit.code, "active" if benefit.code in codes.ACTIVE else "inactive"),
        "code": benefit.code,
        "meaning": benefit.meaning,
        "service_types": list(benefit.applies_to),
        "network": NETWORKS.get(benefit.in_plan_network, "unknown"),
        "level": codes.COVERAGE_LEVEL.get(benefit.coverage_level) if benefit.coverage_level else None,
        "period": codes.TIME_PERIOD.get(benefit.period) if benefit.period else None,
        "amount": _money(benefit.amount),
        "percent": str(percent) if percent is not None else None,
        "quantity": str(benefit.quantity) if benefit.quantity is not None else None,
        "quantity_unit": codes.QUANTITY.get(benefit.quantity_qualifier) if benefit.quantity_qualifier else None,
        "authorization_required": {"Y": True, "N": False}.get(benefit.authorization_required),
        "procedure": benefit.procedure,
        "messages": [redact(message) for message in benefit.messages],
    }
    return {key: value for key, value in entry.items() if value not in (None, [])}


def _authorizations(relevant: list[Benefit]) -> list[dict[str, str]]:
    found = []
    for benefit in relevant:
        if benefit.authorization_required == "Y":
            for code in benefit.applies_to:
                entry = {"service_type": code, "network": NETWORKS.get(benefit.in_plan_network, "unknown")}
                if entry not in found:
                    found.append(entry)
    return found


def _contacts(benefit: Benefit) -> list[dict[str, Any]]:
    return [
        {
            "service_types": list(benefit.applies_to),
            "name": entity.name,
            "entity_code": entity.entity_code,
            "contacts": list(entity.contacts),
            "carve_out": benefit.code == "U",
        }
        for entity in benefit.entities
        if entity.name
    ]


# -- the figures for coverage.benefits ---------------------------------------------------------


def _rank(benefit: Benefit, wanted_network: str) -> tuple[int, int, int] | None:
    """How well a line fits: service type (most specific first), network (exact before unstated),
    coverage level (individual before unstated before family); None when it does not fit at all."""
    types = [FIGURE_SERVICE_TYPES.index(code) for code in benefit.applies_to if code in FIGURE_SERVICE_TYPES]
    if not types:
        return None
    network = benefit.in_plan_network
    if network not in (wanted_network, None, "W", "U"):
        return None
    level = 0 if benefit.coverage_level in codes.INDIVIDUAL_LEVELS else 1 if benefit.coverage_level is None else 2
    return min(types), 0 if network == wanted_network else 1, level


def _best(lines: list[Benefit], wanted: str, code: str, test) -> Benefit | None:
    ranked = [(rank, line) for line in lines if line.code == code and test(line) and (rank := _rank(line, wanted)) is not None]
    return min(ranked, key=lambda entry: entry[0])[1] if ranked else None


def _twin(lines: list[Benefit], of: Benefit, period: str) -> Benefit | None:
    """The line that gives what is left (29) or used so far (24) of `of`'s deductible or out-of-pocket maximum."""
    return next(
        (
            line
            for line in lines
            if line.code == of.code
            and line.period == period
            and line.amount is not None
            and set(line.applies_to) & set(of.applies_to)
            and line.in_plan_network == of.in_plan_network
            and line.coverage_level == of.coverage_level
        ),
        None,
    )


def _figures(lines: list[Benefit], network: str) -> tuple[dict[str, Decimal], dict[str, dict[str, Any]]]:
    wanted = WANTED_NETWORK.get(network, "Y")
    figures: dict[str, Decimal] = {}
    detail: dict[str, dict[str, Any]] = {}

    def found(name: str, value: Decimal, line: Benefit) -> None:
        figures[name] = value
        detail[name] = {
            "value": str(value),
            "service_type": next(code for code in line.applies_to if code in FIGURE_SERVICE_TYPES),
            "network": NETWORKS.get(line.in_plan_network, "unknown"),
            "level": codes.COVERAGE_LEVEL.get(line.coverage_level) if line.coverage_level else None,
            "position": line.position,
        }

    for name, met, code in (("deductible", "deductible_met", "C"), ("out_of_pocket_max", "out_of_pocket_met", "G")):
        whole = _best(lines, wanted, code, lambda entry: entry.amount is not None and entry.period in codes.WHOLE_PERIODS)
        if whole is None:
            continue
        found(name, whole.amount.quantize(CENT), whole)
        if remaining := _twin(lines, whole, codes.REMAINING):
            found(met, max(Decimal(0), whole.amount - remaining.amount).quantize(CENT), remaining)
        elif used := _twin(lines, whole, codes.YEAR_TO_DATE):
            found(met, used.amount.quantize(CENT), used)
    if line := _best(lines, wanted, "A", lambda entry: entry.percent is not None):
        found("coinsurance_percent", _percent(line.percent), line)
    if line := _best(lines, wanted, "B", lambda entry: entry.amount is not None):
        found("copay", line.amount.quantize(CENT), line)
    return figures, detail


# -- free text --------------------------------------------------------------------------------


def _redactor(response: EligibilityResponse):
    """Blank out, in the payer's free text, every name, member id and birth date the 271 carries."""
    words: set[str] = set()
    for subscriber in response.subscribers:
        for member in (subscriber, *subscriber.dependents):
            for value in (member.last_name, member.first_name, member.middle_name, member.member_id):
                if value and len(value.strip()) > 1:
                    words.add(value.strip())
            if member.birth_date:
                born = member.birth_date
                words.update({born.strftime("%Y%m%d"), born.isoformat(), born.strftime("%m/%d/%Y"), born.strftime("%m-%d-%Y")})
    if not words:
        return lambda text: text
    pattern = re.compile(r"(?<![A-Za-z0-9])(" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) + r")(?![A-Za-z0-9])", re.IGNORECASE)
    return lambda text: pattern.sub("[withheld]", text)
