"""The verification request, read once into plain immutable values the rules compare.

The API has already validated the body; this module only normalises it (codes upper-cased and dotted,
dates as `date`, money as `Decimal`) and never mutates the mapping it is given. It keeps no patient
identifier: the birth date is read only to compute the age on the date of service.

The values are NamedTuples: immutable like frozen dataclasses, and several times cheaper to build,
which matters as a few of them are built for every request.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any, NamedTuple

from .catalog import DIAGNOSIS_CODE, PROCEDURE_CODE, diagnosis_groups
from .codes import normalize_diagnosis, normalize_procedure

EMPTY: Mapping[str, Any] = {}


class Authorization(NamedTuple):
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


class Benefits(NamedTuple):
    deductible: Decimal | None
    deductible_met: Decimal | None
    coinsurance_percent: Decimal | None
    copay: Decimal | None
    out_of_pocket_max: Decimal | None
    out_of_pocket_met: Decimal | None


class Eligibility(NamedTuple):
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


class ServiceLine(NamedTuple):
    code: str
    well_formed: bool
    units: int
    charge: Decimal | None


class VerificationRequest(NamedTuple):
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
    if isinstance(value, str):  # the API's form: YYYY-MM-DD
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
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
    if value is None or value is True or value is False:
        return None
    if not isinstance(value, Decimal):
        if value == "":
            return None
        try:
            value = Decimal(str(value))
        except (InvalidOperation, ValueError):
            return None
    if not value.is_finite():
        return None
    return value if value >= ZERO else ZERO


def as_int(value: Any) -> int | None:
    if type(value) is int:  # the API's form (a bool is not an int here)
        return value
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
    number = data.get("number")
    return Authorization(  # positional, in the field order of Authorization
        as_text(data.get("type")),  # kind
        None if number is None else str(number),  # number
        as_date(data.get("valid_from")),  # valid_from
        as_date(data.get("valid_to")),  # valid_to
        as_int(data.get("approved_visits")),  # approved_visits
        as_int(data.get("used_visits")),  # used_visits
        frozenset([normalize_procedure(str(code)) for code in codes]),  # approved_codes
    )


def _benefits(data: Mapping[str, Any] | None) -> Benefits | None:
    if not data:
        return None
    return Benefits._make([as_money(data.get(figure)) for figure in Benefits._fields])


# The 271's networks (EB12) that apply to a request's network status; "both" is EB12 left empty.
_NETWORKS = {
    "in_network": frozenset({"in_network", "both", "not_applicable", "unknown"}),
    "out_of_network": frozenset({"out_of_network", "both", "not_applicable", "unknown"}),
    "unknown": frozenset({"in_network", "both", "not_applicable", "unknown"}),
}


# The 271 patient's identity fields the summary marks "match" or "mismatch".
IDENTITY_FIELDS = ("member_id", "last_name", "date_of_birth", "first_name")


def _eligibility(data: Mapping[str, Any] | None, network: str) -> Eligibility | None:
    if not data:
        return None
    plan = data.get("plan") or EMPTY
    identity = data.get("identity") or EMPTY
    networks = _NETWORKS.get(network, _NETWORKS["unknown"])
    return Eligibility(  # positional, in the field order of Eligibility
        str(data.get("status") or "unknown"),  # status
        as_date(plan.get("begin")),  # plan_begin
        as_date(plan.get("end")),  # plan_end
        tuple(data.get("rejections") or ()),  # rejections
        tuple([name for name in IDENTITY_FIELDS if identity.get(name) == "mismatch"]),  # mismatches
        "ambiguous" in identity,  # ambiguous
        frozenset(  # authorization_required: a flag on the plan (30) reaches the service types it applies to
            [
                code
                for flag in data.get("authorization_required") or ()
                if flag.get("network") in networks
                for code in (flag["service_type"], *(flag.get("applies_to") or ()))
            ]
        ),
        dict(data.get("benefit_sources") or {}),  # benefit_sources
        tuple([contact for contact in data.get("contacts") or () if contact.get("carve_out")]),  # carve_outs
        data,  # summary
    )


# Requests bill the same few codes over and over: each raw code is read once (bounded memo).
@lru_cache(maxsize=4096)
def read_procedure(raw: str) -> tuple[str, bool]:
    """(normal form, well formed) of a billed procedure code as written."""
    return normalize_procedure(raw), PROCEDURE_CODE.match(raw) is not None


@lru_cache(maxsize=4096)
def read_diagnosis(raw: str) -> tuple[str, frozenset[str] | None]:
    """(normal form, diagnosis groups) of a billed diagnosis as written; groups None when malformed."""
    code = normalize_diagnosis(raw)
    if DIAGNOSIS_CODE.match(raw) is None:
        return code, None
    return code, diagnosis_groups(code)


def _service(data: Mapping[str, Any]) -> ServiceLine:
    code, well_formed = read_procedure(str(data.get("code") or ""))
    units = as_int(data.get("units"))
    units = units if units and units > 0 else 1
    charge = as_money(data.get("charge"))
    return ServiceLine(code, well_formed, units, charge)


def read_request(request: Mapping[str, Any]) -> VerificationRequest:
    patient = request.get("patient") or EMPTY
    coverage = request.get("coverage") or EMPTY
    day = as_date(request.get("date_of_service"))

    diagnoses: list[str] = []
    groups: set[str] = set()
    unrecognised: list[str] = []
    for raw in request.get("diagnoses") or ():
        code, code_groups = read_diagnosis(str(raw))
        if code in diagnoses:
            continue
        diagnoses.append(code)
        if code_groups:
            groups.update(code_groups)
        else:  # malformed, or in no group
            unrecognised.append(code)

    sessions = as_int(request.get("sessions"))
    program = as_text(coverage.get("program"))
    network = as_text(coverage.get("network_status"))
    network_status = network.lower() if network else "unknown"
    veteran = patient.get("veteran")
    # Positional, in the field order of VerificationRequest (each argument is named in its comment).
    return VerificationRequest(
        program.lower() if program else None,  # program
        as_text(coverage.get("carrier")),  # carrier
        (as_text(coverage.get("plan_type")) or "").upper() or None,  # plan_type
        as_text(coverage.get("relationship")),  # relationship
        as_text(coverage.get("beneficiary_category")),  # beneficiary_category
        as_date(coverage.get("coverage_start")),  # coverage_start
        as_date(coverage.get("coverage_end")),  # coverage_end
        network_status,  # network_status
        _authorization(coverage.get("authorization")),  # authorization
        _benefits(coverage.get("benefits")),  # benefits
        _eligibility(coverage.get("eligibility"), network_status),  # eligibility
        tuple([_service(line) for line in request.get("services") or ()]),  # services
        sessions if sessions and sessions > 0 else 1,  # sessions
        tuple(diagnoses),  # diagnoses
        frozenset(groups),  # diagnosis_groups
        tuple(unrecognised),  # unrecognised_diagnoses
        day,  # date_of_service
        as_date(request.get("scheduled_on")),  # scheduled_on
        veteran if isinstance(veteran, bool) else None,  # veteran
        age_on(as_date(patient.get("date_of_birth")), day),  # age
        bool(coverage.get("member_id") or coverage.get("carrier")),  # has_coverage_identifiers
    )
