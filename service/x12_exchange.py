"""Eligibility in X12 for a verification: the 271 a request carries, merged into the request the rules
read, and the 270 inquiry written for a stored verification.

The request's own benefit figures and coverage dates win, field by field: staff who type a figure
have newer word than the 271 (a portal's deductible met, a corrected plan date); the 271 fills
what they left empty. `coverage.eligibility` says which figure came from where. The raw 271, less its
addresses (N3/N4: the subscriber's street address is PHI nothing reads), stays in the stored request (the database holds PHI already) as the payer's own word on the date asked,
which billing needs when a claim is denied for eligibility; the rules never read it, and it never
reaches Redis or a log.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import workers.rules
from schemas.x12_271 import Received271
from service.clinic import ClinicDetails
from service.errors import reject
from workers.rules.routing import alias_key
from workers.x12.inquiry import Inquiry, Person, clean, valid_npi
from workers.x12.summary import summarize

FIGURES = ("deductible", "deductible_met", "coinsurance_percent", "copay", "out_of_pocket_max", "out_of_pocket_met")


def merged(request: dict[str, Any]) -> dict[str, Any]:
    """The loaded request with its 271 (if any) summarised into coverage.eligibility and its gaps filled."""
    coverage = request.get("coverage") or {}
    received = coverage.get("eligibility_271")
    if not isinstance(received, Received271):
        return request
    summary, figures = summarize(received.response, request)
    benefits = dict(coverage.get("benefits") or {})
    sources = {}
    for name in FIGURES:
        if benefits.get(name) is not None:
            sources[name] = "request"
        elif name in figures:
            benefits[name] = figures[name]
            sources[name] = "271"
    summary["benefit_sources"] = sources
    dates = {}
    filled = dict(coverage)
    for name, key in (("coverage_start", "begin"), ("coverage_end", "end")):
        if coverage.get(name) is not None:
            dates[name] = "request"
        elif summary["plan"][key]:
            filled[name] = date.fromisoformat(summary["plan"][key])
            dates[name] = "271"
    summary["coverage_dates_source"] = dates
    plan_type = summary["plan"]["plan_type"]
    if plan_type and not coverage.get("plan_type"):
        filled["plan_type"] = plan_type
        summary["plan_type_source"] = "271"
    elif coverage.get("plan_type"):
        summary["plan_type_source"] = "request"
        if plan_type and plan_type not in coverage["plan_type"]:
            summary["warnings"].append(
                f"segment EB at position {summary['plan']['plan_type_position']}: EB04 says the plan is {plan_type}; "
                f"the request says {coverage['plan_type']}: the request's is used.")
    if sources:
        filled["benefits"] = {name: benefits.get(name) for name in FIGURES}
    filled["eligibility"] = summary
    return {**request, "coverage": filled}


def with_271(stored: dict[str, Any], text: str) -> dict[str, Any]:
    """A stored (canonical) request given a 271 as if staff had pasted it: what an earlier 271 filled is
    taken out first, then the request is loaded and merged as a POST's is; in canonical form again."""
    from schemas.verification_request import VerificationRequestSchema

    coverage = dict(stored.get("coverage") or {})
    earlier = coverage.pop("eligibility", None) or {}
    benefits = dict(coverage.get("benefits") or {})
    for name, source in (earlier.get("benefit_sources") or {}).items():
        if source == "271":
            benefits[name] = None
    coverage["benefits"] = benefits if any(value is not None for value in benefits.values()) else None
    for name, source in (earlier.get("coverage_dates_source") or {}).items():
        if source == "271":
            coverage[name] = None
    if earlier.get("plan_type_source") == "271":
        coverage["plan_type"] = None
    coverage["eligibility_271"] = text
    schema = VerificationRequestSchema()
    return schema.dump(merged(schema.load({**stored, "coverage": coverage})))


# -- the 270 inquiry for a stored verification ---------------------------------------------------

# Every 270 asks for the plan as a whole, psychiatric (A4) and mental health (payers must answer MH
# when asked for 30, but many answer more when asked directly), and the outpatient mental-health
# provider (CF), in one EQ.
BASE_SERVICE_TYPES = ("30", "A4", "MH", "CF")
PSYCHOTHERAPY_CODES = frozenset({"90832", "90833", "90834", "90836", "90837", "90838", "90847", "90853"})
SUBSTANCE_USE = re.compile(r"^F1[0-9]")


def service_types_for(request: dict[str, Any]) -> tuple[str, ...]:
    """The EQ01 service types a 270 asks: 30, A4, MH and CF, psychotherapy (A6) when billed, substance
    abuse (AI) for an F10–F19 diagnosis."""
    types = list(BASE_SERVICE_TYPES)
    if any(line.get("code") in PSYCHOTHERAPY_CODES for line in request.get("services") or ()):
        types.append("A6")
    if any(SUBSTANCE_USE.match(str(code)) for code in request.get("diagnoses") or ()):
        types.append("AI")
    return tuple(types)


def payer_of(request: dict[str, Any], result: dict[str, Any] | None) -> tuple[str, str] | None:
    """(name, payer id) to send the inquiry to: the verification's billing payer, else the carrier's
    row in the payer directory by name or alias."""
    billing = (result or {}).get("billing") or {}
    carrier = (request.get("coverage") or {}).get("carrier") or ""
    if billing.get("payer_id"):
        return billing.get("submit_to") or carrier, billing["payer_id"]
    wanted = alias_key(carrier)
    for program in workers.rules.payer_directory():
        for row in program["carriers"]:
            names = {alias_key(row["name"]), *(alias_key(alias) for alias in row["aliases"])}
            if wanted and wanted in names and row["payer_ids"]:
                return row["name"], row["payer_ids"][0]
    return None


def _own_member_id(coverage: Mapping[str, Any]) -> bool:
    """Whether a dependent's member id is their own: the guide then asks about them as the subscriber
    (2100C), not as a dependent of someone the payer cannot find by that id. The request says so, or
    the 271 it carries placed the patient in 2100C."""
    owner = coverage.get("member_id_owner")
    if owner:
        return owner == "patient"
    return ((coverage.get("eligibility") or {}).get("patient_loop")) == "2100C"


def control_number(verification_id: uuid.UUID) -> int:
    """ISA13/GS06 from the verification id: the same verification always gives the same 270."""
    return verification_id.int % 1_000_000_000 or 1


def inquiry_for(verification_id: uuid.UUID, request: dict[str, Any], result: dict[str, Any] | None,
                created: datetime, config: Mapping[str, Any], clinic: ClinicDetails) -> Inquiry:
    """The 270 for a stored verification; 409 when the clinic or the payer is not known well enough."""
    npi = clinic.npi
    if not valid_npi(npi):
        problem = "is not configured" if not npi else "is not a valid NPI (ten digits with its check digit)"
        reject(409, f"The clinic's NPI {problem}: an admin sets it on the settings page (or BV_CLINIC_NPI) "
               "to write 270 inquiries.", fields={"BV_CLINIC_NPI": ["Required for X12 270 inquiries."]})
    if not clinic.name:
        reject(409, "The clinic's name is not configured: an admin sets it on the settings page (or BV_CLINIC_NAME) "
               "to write 270 inquiries.", fields={"BV_CLINIC_NAME": ["Required for X12 270 inquiries."]})
    coverage = request.get("coverage") or {}
    if coverage.get("program") == "self_pay" or not coverage.get("member_id"):
        reject(409, "This verification is self-pay (no member id): there is no payer to ask.")
    payer = payer_of(request, result)
    if payer is None:
        reject(409, "No payer id is known for this carrier: a 270 needs one (check the carrier with your clearinghouse).",
               fields={"coverage.carrier": ["No payer id known."]})
    patient = request.get("patient") or {}
    if not (clean(patient.get("first_name"), 35) and clean(patient.get("last_name"), 60)):
        reject(409, "The patient's name has no letters an X12 270 can carry (A to Z): enter it as the card prints it.",
               fields={"patient.first_name": ["Needs letters A to Z for a 270."]})
    born = date.fromisoformat(patient["date_of_birth"]) if patient.get("date_of_birth") else None
    subscriber_is_patient = coverage.get("relationship", "self") == "self" or _own_member_id(coverage)
    person = Person(patient.get("last_name"), patient.get("first_name"), born, None)
    return Inquiry(
        control_number=control_number(verification_id),
        created=created,
        reference=verification_id.hex[:30].upper(),
        submitter_id=config.get("X12_SUBMITTER_ID") or npi,
        receiver_id=config.get("X12_RECEIVER_ID") or payer[1],
        usage="T" if config.get("X12_USAGE") == "T" else "P",
        payer_name=payer[0],
        payer_id=payer[1],
        provider_name=clinic.name,
        provider_npi=npi,
        provider_tin=clinic.tin or None,
        provider_taxonomy=(config.get("CLINIC_TAXONOMY") or "").strip().upper() or None,
        subscriber=Person(
            person.last_name if subscriber_is_patient else None,
            person.first_name if subscriber_is_patient else None,
            born if subscriber_is_patient else None,
            coverage.get("member_id"),
        ),
        dependent=None if subscriber_is_patient else person,
        group_number=coverage.get("group_number"),
        date_of_service=date.fromisoformat(request["date_of_service"]),
        service_types=service_types_for(request),
    )
