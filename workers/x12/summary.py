"""What a 271 tells a verification, without a patient identifier: the eligibility summary the rules
read (`coverage.eligibility`) and the benefit figures that fill `coverage.benefits`.

    summarize(response, request) -> (summary, figures)

The patient is the 271's dependent, or its subscriber when it has none; with several, the one whose
name and date of birth match the request. The benefit figures come from the behavioral-health
service types, most specific first (CF, A8, MH, A6, A4), then where payers put the rest: the plan as
a whole (30) for the deductible and out-of-pocket maximum, the office visit (98, 96) for a copay,
for the network the request names (in-network figures when it is unknown), individual before family.
Among office-visit lines, the one the payer qualifies for the office (III ZZ 11) and for a specialist
wins over a primary-care, telemedicine or other-place line.

Dates are told apart by qualifier: 346/347 and a 291 range are the plan's term, 356/357 and a 307
range the member's eligibility, and a one-day 291 or 307 (or 472) is only the date the payer
answered about, never a term.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from . import codes
from .reader import Benefit, EligibilityResponse, Member, Period, Rejection

# Most specific first: what an outpatient behavioral-health visit is billed under, then where payers
# state what they state only once: the plan (30) for the deductible and out-of-pocket maximum (and
# coinsurance), the office visit (98 office, 96 professional) for a copay.
BEHAVIORAL_TYPES = ("CF", "A8", "MH", "A6", "A4")
OFFICE_VISIT_TYPES = ("98", "96")
PLAN_FIRST = (*BEHAVIORAL_TYPES, "30", *OFFICE_VISIT_TYPES)
OFFICE_FIRST = (*BEHAVIORAL_TYPES, *OFFICE_VISIT_TYPES, "30")
OFFICE = "11"  # place of service: the clinic's office
# Words in a payer's message that say which office visit a 98/96 line is about: a psychiatric clinic's
# visit is a specialist's, not a primary-care, telemedicine, walk-in or other kind of visit.
SPECIALIST = re.compile(r"\bSPECIALIST|\bSPECIALTY|MENTAL|BEHAVIORAL|PSYCH")
OTHER_KIND = re.compile(r"PRIMARY CARE|\bPCP\b|\bGYN|CHIROPRACT")
OTHER_PLACE = re.compile(r"WALK.?IN|TELE(MEDICINE|HEALTH|DOC)|VIRTUAL|URGENT|EMERGENCY")
DEDUCTIBLE_WAIVED = re.compile(r"\bDED(UCTIBLE|UCT)?\.?\s+(IS\s+)?(WAIVED|DOES\s+NOT\s+APPLY|NOT\s+APPLICABLE)")
REFERRAL = re.compile(r"REFERRAL|REFERRED")
# EB04 insurance types that are a plan type the network rules know.
PLAN_TYPES = {"PS": "POS", "HM": "HMO", "HN": "HMO", "PR": "PPO", "EP": "EPO", "IN": "INDEMNITY"}
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
    member_dates: tuple[Period, ...] = ()
    if member is not None:
        rejections += member.rejections
        benefits = member.benefits or _subscriber_of(response, member).benefits
        member_dates = member.dates or _subscriber_of(response, member).dates
        rejections += [r for benefit in benefits for r in benefit.rejections]
    relevant = [benefit for benefit in benefits if _behavioral(benefit)]
    office = [benefit for benefit in benefits if not _behavioral(benefit) and set(benefit.applies_to) & set(OFFICE_VISIT_TYPES)]
    figures, detail = _figures(relevant + office, network)
    dates = _dates(member_dates, _as_date(request.get("date_of_service")))
    plan = _plan(relevant, dates, redact)
    warnings = [str(warning) for warning in response.warnings]
    if dates["asked"] and request.get("date_of_service") and dates["asked"] != str(request["date_of_service"]):
        warnings.append(f"segment DTP: the 271 answers for {dates['asked']}, not for the date of service "
                        f"{request['date_of_service']}: ask again for the date of service if benefits may change in between.")
    summary = {
        "source": "271",
        "status": _status(relevant, rejections),
        "patient_loop": member.loop if member else None,
        "payer": _payer(response, member),
        "plan": plan,
        "dates": dates,
        "identity": identity,
        "rejections": [_rejection(r) for r in rejections],
        "benefits": [_benefit(b, redact) for b in relevant if b.code in KINDS or b.code in codes.ACTIVE | codes.INACTIVE],
        "authorization_required": _authorizations(relevant, redact),
        "messages": list(dict.fromkeys(redact(m) for b in relevant for m in b.messages)),
        "contacts": [contact for b in relevant for contact in _contacts(b)],
        "figures": detail,
        "deductible_waived": _deductible_waived(relevant + office, network, redact),
        "network_basis": network if network != "unknown" else "in_network",
        "warnings": warnings,
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


def _plan(relevant: list[Benefit], dates: Mapping[str, Any], redact) -> dict[str, Any]:
    """The plan's name and type, and the coverage window the rules hold the date of service to: the
    plan's term (346/347, a 291 range), else the member's eligibility (356/357, a 307 range)."""
    active = next((b for b in relevant if b.code in codes.ACTIVE | codes.INACTIVE and (b.plan or b.insurance_type)), None)
    named = active or next((b for b in relevant if b.plan or b.insurance_type), None)
    typed = next((b for b in relevant if b.code in codes.ACTIVE and b.insurance_type in PLAN_TYPES), None)
    typed = typed or next((b for b in relevant if b.insurance_type in PLAN_TYPES), None)
    window = dates["plan"] if dates["plan"]["begin"] or dates["plan"]["end"] else dates["eligibility"]
    insurance = named.insurance_type if named else None
    return {
        "name": redact(named.plan) if named and named.plan else None,
        "insurance_type": insurance,
        "insurance_type_name": codes.INSURANCE_TYPE.get(insurance) if insurance else None,
        "plan_type": PLAN_TYPES[typed.insurance_type] if typed else None,
        "plan_type_position": typed.position if typed else None,
        "begin": window["begin"],
        "end": window["end"],
    }


def _as_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _dates(periods: tuple[Period, ...], date_of_service: date | None) -> dict[str, Any]:
    """The 2100C/D dates by what they mean: the date the payer answered about, the plan's term, the
    member's eligibility. A one-day 291 or 307 echoes the inquiry's date: a plan does not last one day."""
    by_kind = {period.qualifier: period for period in periods}
    service = by_kind.get("472")
    asked = service.start if service else None
    terms: dict[str, Period] = {}
    for qualifier in ("291", "307"):
        period = by_kind.get(qualifier)
        if period is None:
            continue
        one_day = period.end is None or period.end == period.start
        if one_day and (period.end is not None or period.start in (asked, date_of_service)):
            asked = asked or period.start
        else:
            terms[qualifier] = period
    return {
        "asked": asked.isoformat() if asked else None,
        "plan": _range(terms.get("291"), by_kind.get("346"), by_kind.get("347")),
        "eligibility": _range(terms.get("307"), by_kind.get("356"), by_kind.get("357")),
    }


def _range(both: Period | None, start: Period | None, finish: Period | None) -> dict[str, str | None]:
    begin = end = None
    if both is not None:
        begin, end = both.start, both.end
    if start is not None:
        begin = start.start
    if finish is not None:
        end = finish.start
    return {"begin": begin.isoformat() if begin else None, "end": end.isoformat() if end else None}


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


def _authorizations(relevant: list[Benefit], redact) -> list[dict[str, Any]]:
    """The service types the payer flags as needing an authorization or a referral (EB11 Y), with its
    words. A flag on the plan as a whole (30) reaches every behavioral-health service type the 271
    does not itself say needs none (EB11 N) for that network."""
    cleared = {
        (code, benefit.in_plan_network)
        for benefit in relevant
        if benefit.authorization_required == "N"
        for code in benefit.applies_to
    }
    found: list[dict[str, Any]] = []
    for benefit in relevant:
        if benefit.authorization_required != "Y":
            continue
        messages = [redact(message) for message in benefit.messages]
        kind = "referral" if any(REFERRAL.search(message.upper()) for message in messages) else "authorization"
        for code in benefit.applies_to:
            entry: dict[str, Any] = {"service_type": code, "network": NETWORKS.get(benefit.in_plan_network, "unknown"),
                                     "kind": kind, "position": benefit.position}
            if messages:
                entry["messages"] = messages
            if code == "30":
                entry["applies_to"] = [
                    other for other in codes.BEHAVIORAL_HEALTH
                    if other != "30" and (other, benefit.in_plan_network) not in cleared and (other, None) not in cleared
                ]
            if not any(e["service_type"] == code and e["network"] == entry["network"] for e in found):
                found.append(entry)
    return found


def _deductible_waived(lines: list[Benefit], network: str, redact) -> dict[str, Any] | None:
    """Where the payer says the deductible does not apply to an office or behavioral-health visit
    ("PLAN DED WAIVED"), for the network whose figures are read."""
    wanted = WANTED_NETWORK.get(network, "Y")
    ranked = []
    for line in lines:
        waived = [m for m in line.messages if DEDUCTIBLE_WAIVED.search(m.upper())]
        said = next((m for m in waived if _visit_kind(m) == "specialist"), waived[0] if waived else None)
        if said is None or (rank := _rank(line, wanted, OFFICE_FIRST, visit=True)) is None:
            continue
        ranked.append((rank, line, said))
    if not ranked:
        return None
    _rank_, line, said = min(ranked, key=lambda entry: entry[0])
    return {
        "service_type": next(code for code in line.applies_to if code in OFFICE_FIRST),
        "network": NETWORKS.get(line.in_plan_network, "unknown"),
        "place_of_service": line.places_of_service[0] if line.places_of_service else None,
        "message": redact(said),
        "position": line.position,
    }


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


def _rank(benefit: Benefit, wanted_network: str, order: tuple[str, ...], *, visit: bool = False) -> tuple[int, ...] | None:
    """How well a line fits: service type (in `order`), network (exact before unstated), for a visit
    the place of service (the office before unstated; another place does not fit) and whose visit it
    is (a specialist's before unstated; only another kind of visit does not fit), then coverage level
    (individual before unstated before family); None when it does not fit at all."""
    types = [order.index(code) for code in benefit.applies_to if code in order]
    if not types:
        return None
    network = benefit.in_plan_network
    if network not in (wanted_network, None, "W", "U"):
        return None
    place = 0
    kind = 1
    if visit:
        if benefit.places_of_service:
            if OFFICE not in benefit.places_of_service:
                return None
        else:
            place = 1
        kinds = {_visit_kind(message) for message in benefit.messages}
        if "specialist" in kinds:
            kind = 0
        elif "other" in kinds:
            return None  # a primary-care, telemedicine, walk-in … visit's figure is not a specialist's in the office
        else:
            kind = 1
    level = 0 if benefit.coverage_level in codes.INDIVIDUAL_LEVELS else 1 if benefit.coverage_level is None else 2
    return min(types), 0 if network == wanted_network else 1, place, kind, level


def _visit_kind(message: str) -> str:
    """specialist (in the office), other (another kind or place of visit), or neutral ("MAXIMUM SAVINGS")."""
    said = message.upper()
    if OTHER_PLACE.search(said):
        return "other"
    if SPECIALIST.search(said):
        return "specialist"
    return "other" if OTHER_KIND.search(said) else "neutral"


def _best(lines: list[Benefit], wanted: str, code: str, test, order: tuple[str, ...] = PLAN_FIRST, *, visit: bool = False) -> Benefit | None:
    ranked = [
        (rank, line) for line in lines
        if line.code == code and test(line) and (rank := _rank(line, wanted, order, visit=visit)) is not None
    ]
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
            "service_type": min((code for code in line.applies_to if code in PLAN_FIRST), key=PLAN_FIRST.index),
            "network": NETWORKS.get(line.in_plan_network, "unknown"),
            "level": codes.COVERAGE_LEVEL.get(line.coverage_level) if line.coverage_level else None,
            "period": codes.TIME_PERIOD.get(line.period) if line.period else None,
            "place_of_service": line.places_of_service[0] if line.places_of_service else None,
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
    if line := _best(lines, wanted, "A", lambda entry: entry.percent is not None, visit=True):
        found("coinsurance_percent", _percent(line.percent), line)
    if line := _best(lines, wanted, "B", lambda entry: entry.amount is not None, OFFICE_FIRST, visit=True):
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
