"""The verification request, read once into plain immutable values the rules compare.

The API has already validated the body; this module only normalises it (codes upper-cased and dotted,
dates as `date`, money as `Decimal`) and never mutates the mapping it is given. It keeps no patient
identifier: the birth date is read only to compute the age on the date of service.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from .catalog import DIAGNOSIS_CODE, PROCEDURE_CODE, diagnosis_groups
from .codes import normalize_diagnosis, normalize_procedure

EMPTY: Mapping[str, Any] = {}


@dataclass(frozen=True, slots=True)
class Authorization:
    kind: str | None  # va_referral | prior_authorization
    number: str | None
    valid_from: date | None
    valid_to: date | None
    approved_visits: int | None
    used_visits: int | None
    approved_codes: frozenset[str]

    @property
    def visits_left(self) -> int | None:
        if self.approved_visits is None:
            return None
        return max(0, self.approved_visits - (self.used_visits or 0))

    def window(self) -> str:
        start = self.valid_from.isoformat() if self.valid_from else "no start date"
        end = self.valid_to.isoformat() if self.valid_to else "no end date"
        return f"valid {start} to {end}"


@dataclass(frozen=True, slots=True)
class Benefits:
    deductible: Decimal | None
    deductible_met: Decimal | None
    coinsurance_percent: Decimal | None
    copay: Decimal | None
    out_of_pocket_max: Decimal | None
    out_of_pocket_met: Decimal | None


@dataclass(frozen=True, slots=True)
class Eligibility:
    """What the payer's 271 said (coverage.eligibility, summarised by the API without identifiers)."""

    status: str  # active | inactive | rejected | unknown
    plan_begin: date | None
    plan_end: date | None
    rejections: tuple[Mapping[str, Any], ...]  # {loop, code, meaning, follow_up_code, follow_up, action}
    mismatches: tuple[str, ...]  # identity fields of the 271's patient that differ from the request's
    ambiguous: bool  # several people in the 271 match the patient equally
    authorization_required: frozenset[str]  # service types needing authorization, for this network
    benefit_sources: Mapping[str, str]  # figure -> "271" | "request"
    carve_outs: tuple[Mapping[str, Any], ...]
    summary: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class ServiceLine:
    code: str
    well_formed: bool
    units: int
    charge: Decimal | None


@dataclass(frozen=True, slots=True)
class Verification:
    program: str | None
    carrier: str | None
    plan_type: str | None
    relationship: str | None
    beneficiary_category: str | None
    coverage_start: date | None
    coverage_end: date | None
    network_status: str
    authorization: Authorization | None
    benefits: Benefits | None
    eligibility: Eligibility | None
    services: tuple[ServiceLine, ...]
    sessions: int
    diagnoses: tuple[str, ...]
    diagnosis_groups: frozenset[str]
    unrecognised_diagnoses: tuple[str, ...]
    date_of_service: date | None
    scheduled_on: date | None
    veteran: bool | None
    age: int | None
    has_coverage_identifiers: bool


def as_date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


ZERO = Decimal(0)


def as_money(value: Any) -> Decimal | None:
    """Money from int, float, str or Decimal (floats through their shortest repr: 0.1 -> 0.1)."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    if not amount.is_finite():
        return None
    return amount if amount >= ZERO else ZERO


def as_int(value: Any) -> int | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def as_text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def age_on(birth: date | None, day: date | None) -> int | None:
    if birth is None or day is None:
        return None
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _authorization(data: Mapping[str, Any] | None) -> Authorization | None:
    if not data:
        return None
    codes = data.get("approved_codes") or ()
    return Authorization(
        kind=as_text(data.get("type")),
        number=None if data.get("number") is None else str(data.get("number")),
        valid_from=as_date(data.get("valid_from")),
        valid_to=as_date(data.get("valid_to")),
        approved_visits=as_int(data.get("approved_visits")),
        used_visits=as_int(data.get("used_visits")),
        approved_codes=frozenset(normalize_procedure(str(code)) for code in codes),
    )


def _benefits(data: Mapping[str, Any] | None) -> Benefits | None:
    if not data:
        return None
    return Benefits(
        deductible=as_money(data.get("deductible")),
        deductible_met=as_money(data.get("deductible_met")),
        coinsurance_percent=as_money(data.get("coinsurance_percent")),
        copay=as_money(data.get("copay")),
        out_of_pocket_max=as_money(data.get("out_of_pocket_max")),
        out_of_pocket_met=as_money(data.get("out_of_pocket_met")),
    )


# The 271's networks (EB12) that apply to a request's network status; "both" is EB12 left empty.
_NETWORKS = {
    "in_network": frozenset({"in_network", "both", "not_applicable", "unknown"}),
    "out_of_network": frozenset({"out_of_network", "both", "not_applicable", "unknown"}),
    "unknown": frozenset({"in_network", "both", "not_applicable", "unknown"}),
}


def _eligibility(data: Mapping[str, Any] | None, network: str) -> Eligibility | None:
    if not data:
        return None
    plan = data.get("plan") or EMPTY
    identity = data.get("identity") or EMPTY
    networks = _NETWORKS.get(network, _NETWORKS["unknown"])
    return Eligibility(
        status=str(data.get("status") or "unknown"),
        plan_begin=as_date(plan.get("begin")),
        plan_end=as_date(plan.get("end")),
        rejections=tuple(data.get("rejections") or ()),
        mismatches=tuple(name for name in ("member_id", "last_name", "date_of_birth", "first_name") if identity.get(name) == "mismatch"),
        ambiguous="ambiguous" in identity,
        authorization_required=frozenset(
            flag["service_type"] for flag in data.get("authorization_required") or () if flag.get("network") in networks
        ),
        benefit_sources=dict(data.get("benefit_sources") or {}),
        carve_outs=tuple(contact for contact in data.get("contacts") or () if contact.get("carve_out")),
        summary=data,
    )


def _service(data: Mapping[str, Any]) -> ServiceLine:
    raw = str(data.get("code") or "")
    units = as_int(data.get("units"))
    return ServiceLine(
        code=normalize_procedure(raw),
        well_formed=PROCEDURE_CODE.match(raw) is not None,
        units=units if units and units > 0 else 1,
        charge=as_money(data.get("charge")),
    )


def read_request(request: Mapping[str, Any]) -> Verification:
    patient = request.get("patient") or EMPTY
    coverage = request.get("coverage") or EMPTY
    day = as_date(request.get("date_of_service"))

    diagnoses: list[str] = []
    groups: set[str] = set()
    unrecognised: list[str] = []
    for raw in request.get("diagnoses") or ():
        raw = str(raw)
        code = normalize_diagnosis(raw)
        if code in diagnoses:
            continue
        diagnoses.append(code)
        if DIAGNOSIS_CODE.match(raw) is None:
            unrecognised.append(code)
            continue
        code_groups = diagnosis_groups(code)
        if not code_groups:
            unrecognised.append(code)
        groups.update(code_groups)

    sessions = as_int(request.get("sessions"))
    program = as_text(coverage.get("program"))
    network = as_text(coverage.get("network_status"))
    network_status = network.lower() if network else "unknown"
    return Verification(
        program=program.lower() if program else None,
        carrier=as_text(coverage.get("carrier")),
        plan_type=(as_text(coverage.get("plan_type")) or "").upper() or None,
        relationship=as_text(coverage.get("relationship")),
        beneficiary_category=as_text(coverage.get("beneficiary_category")),
        coverage_start=as_date(coverage.get("coverage_start")),
        coverage_end=as_date(coverage.get("coverage_end")),
        network_status=network_status,
        authorization=_authorization(coverage.get("authorization")),
        benefits=_benefits(coverage.get("benefits")),
        eligibility=_eligibility(coverage.get("eligibility"), network_status),
        services=tuple(_service(line) for line in request.get("services") or ()),
        sessions=sessions if sessions and sessions > 0 else 1,
        diagnoses=tuple(diagnoses),
        diagnosis_groups=frozenset(groups),
        unrecognised_diagnoses=tuple(unrecognised),
        date_of_service=day,
        scheduled_on=as_date(request.get("scheduled_on")),
        veteran=patient.get("veteran") if isinstance(patient.get("veteran"), bool) else None,
        age=age_on(as_date(patient.get("date_of_birth")), day),
        has_coverage_identifiers=bool(coverage.get("member_id") or coverage.get("carrier")),
    )
