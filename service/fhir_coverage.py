"""A verification as a FHIR R4 CoverageEligibilityResponse, for the clinic's EHR.

Built with `fhir.resources` (its R4B package: R4's CoverageEligibilityResponse with the technical
corrections of 4.3, the same elements and JSON) and validated by it; the codes of the resource's
required bindings, which the library does not check, are checked here.

The resource carries what an EHR needs to file it against its patient and no more: the patient's
name, date of birth and member id (contained Patient, US Core Patient) and the coverage as US Core
Coverage wants it (type, member id typed MB, group and plan, subscriber id, relationship, period,
payor), as the caller sent them or the 271 said; no address or the raw 271. A 271 that rejects the
inquiry (AAA) is `outcome: error` with one `error` per rejection, and its coverage is not `active`.

Payer ids and member ids have no registered FHIR identifier system: they are named here by the X12
payer id the clearinghouse routes on (`urn:x12:payer-id`, and `urn:x12:payer-id:<id>:member-id`).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fhir.resources.R4B.coverageeligibilityresponse import CoverageEligibilityResponse

from service.clinic import ClinicDetails
from service.verification.document import timestamp
from workers.rules.catalog import VISIT_CATEGORIES
from workers.rules.shared_rules import SERVICE_TYPES_OF_CATEGORY
from workers.x12.codes import SERVICE_TYPE

X12 = "https://codesystem.x12.org/005010/{element}"
CPT = "http://www.ama-assn.org/go/cpt"
HCPCS = "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets"
TERMINOLOGY = "http://terminology.hl7.org/CodeSystem/{name}"
NPI = "http://hl7.org/fhir/sid/us-npi"
URI = "urn:ietf:rfc:3986"
V2_IDENTIFIER_TYPE = "http://terminology.hl7.org/CodeSystem/v2-0203"
PAYER_ID_SYSTEM = "urn:x12:payer-id"
SOURCE_OF_PAYMENT = "https://nahdo.org/sopt"
US_CORE = "http://hl7.org/fhir/us/core/StructureDefinition/{name}"
# Coverage.type (US Core: Payer Type, the PHDSC Source of Payment Typology) by program and plan type.
PAYMENT_TYPES = {
    "medicare": ("1", "MEDICARE"),
    "medicare_advantage": ("11", "Medicare Managed Care (Includes Medicare Advantage Plans)"),
    "medicaid": ("2", "MEDICAID"),
    "tricare": ("311", "TRICARE (CHAMPUS)"),
    "va_ccn": ("3212", "Indirect Care-Care provided outside VA facilities"),
    "champva": ("3221", "Civilian Health and Medical Program for the VA (CHAMPVA)"),
    "self_pay": ("81", "Self-pay"),
    "commercial": ("5", "PRIVATE HEALTH INSURANCE"),
}
COMMERCIAL_PLAN_TYPES = {
    "HMO": ("511", "Commercial Managed Care - HMO"),
    "PPO": ("512", "Commercial Managed Care - PPO"),
    "POS": ("513", "Commercial Managed Care - POS"),
    "EPO": ("514", "Exclusive Provider Organization"),
}
# EB06 periods (in the summary's words) as FHIR benefit terms.
TERMS = {"Calendar Year": "annual", "Service Year": "annual", "Years": "annual", "Contract": "annual", "Lifetime": "lifetime"}
UNITS = {"Individual": "individual", "Employee Only": "individual", "Family": "family"}

STATUS = frozenset({"active", "cancelled", "draft", "entered-in-error"})
PURPOSE = ("benefits", "validation", "auth-requirements")
OUTCOMES = frozenset({"queued", "complete", "error", "partial"})
DISPOSITIONS = {
    "covered": "Covered: every line is payable as things stand.",
    "authorization_required": "Payable only after an authorization that is not (validly) on file.",
    "partially_covered": "Partially covered: some lines are payable, some are not.",
    "not_covered": "Not covered: no line is payable by this payer.",
    "self_pay": "Self-pay: no insurance is billed; the patient pays.",
    "needs_review": "Needs review: the rules cannot decide; a person must look.",
}
LINE_DISPOSITIONS = {
    "covered": "Payable as things stand.",
    "authorization_required": "Payable only after an authorization that is not (validly) on file.",
    "not_covered": "Not payable by this payer.",
    "self_pay": "The patient pays.",
    "needs_review": "A person must review this line.",
}
NETWORK = {"in_network": "in", "out_of_network": "out"}
def coding(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    entry = {"system": system, "code": code}
    if display:
        entry["display"] = display
    return entry


def money(value: Any) -> dict[str, Any]:
    return {"value": Decimal(str(value)), "currency": "USD"}


def build(verification, clinic: ClinicDetails) -> CoverageEligibilityResponse:
    """The resource for a verification, validated by the library and checked against the required bindings."""
    resource = CoverageEligibilityResponse.model_validate(resource_data(verification, clinic))
    check_bindings(resource)
    return resource


def check_bindings(resource: CoverageEligibilityResponse) -> None:
    if resource.status not in STATUS or resource.outcome not in OUTCOMES or not set(resource.purpose) <= set(PURPOSE):
        raise ValueError("CoverageEligibilityResponse status, purpose or outcome outside its required value set")


def resource_data(verification, clinic: ClinicDetails) -> dict[str, Any]:
    request = verification.request or {}
    result = verification.result or {}
    coverage = request.get("coverage") or {}
    summary = coverage.get("eligibility") or {}
    verification_id = str(verification.id)
    data: dict[str, Any] = {
        "resourceType": "CoverageEligibilityResponse",
        "id": verification_id,
        "identifier": [{"system": URI, "value": f"urn:uuid:{verification_id}"}],
        "status": "active",
        "purpose": list(PURPOSE),
        "patient": {"reference": "#patient"},
        "servicedDate": request.get("date_of_service"),
        "created": timestamp(verification.completed_at or verification.created_at),
        "request": {"identifier": {"system": URI, "value": f"urn:uuid:{verification_id}"},
                    "display": "Benefits verification request"},
        "outcome": outcome(verification, summary),
        "insurer": {"reference": "#insurer"},
        "contained": [patient(request, result, summary, verification_id), insurer(request, result, summary)],
    }
    if requestor := requestor_of(clinic):
        data["requestor"] = requestor
    if result.get("determination"):
        data["disposition"] = DISPOSITIONS[result["determination"]]
    if verification.status == "complete" and coverage.get("member_id"):
        data["contained"].append(coverage_resource(coverage, result, summary))
        data["insurance"] = [insurance(request, result, summary)]
    errors = [rejection_error(rejection) for rejection in summary.get("rejections") or ()]
    if verification.status == "failed":
        errors.append({"code": {"text": verification.error or "The verification failed."}})
    if errors:
        data["error"] = errors
    return data


def outcome(verification, summary: dict[str, Any]) -> str:
    if verification.status in ("queued", "running"):
        return "queued"
    if verification.status == "failed" or summary.get("rejections"):
        return "error"
    return "complete"


def patient(request: dict[str, Any], result: dict[str, Any], summary: dict[str, Any], verification_id: str) -> dict[str, Any]:
    person = request.get("patient") or {}
    # The member id names the patient at the payer; without one (self-pay), this verification does.
    identifier = member_identifier(request, result, summary) or {"system": URI, "value": f"urn:uuid:{verification_id}"}
    return {
        "resourceType": "Patient",
        "id": "patient",
        "meta": {"profile": [US_CORE.format(name="us-core-patient")]},
        "identifier": [identifier],
        "name": [{"family": person.get("last_name"), "given": [person.get("first_name")]}],
        "gender": "unknown",  # the request does not carry it; US Core Patient requires the element
        "birthDate": person.get("date_of_birth"),
    }


def payer_id_of(request: dict[str, Any], result: dict[str, Any], summary: dict[str, Any]) -> str | None:
    return ((result.get("billing") or {}).get("payer_id") or (summary.get("payer") or {}).get("id")) or None


def member_identifier(request: dict[str, Any], result: dict[str, Any], summary: dict[str, Any]) -> dict[str, Any] | None:
    """The member id, typed MB (US Core Coverage's memberid slice), in the payer's namespace."""
    member_id = (request.get("coverage") or {}).get("member_id")
    if not member_id:
        return None
    payer = payer_id_of(request, result, summary) or "unknown"
    return {
        "type": {"coding": [coding(V2_IDENTIFIER_TYPE, "MB", "Member Number")]},
        "system": f"{PAYER_ID_SYSTEM}:{payer}:member-id",
        "value": member_id,
    }


def insurer(request: dict[str, Any], result: dict[str, Any], summary: dict[str, Any]) -> dict[str, Any]:
    billing = result.get("billing") or {}
    payer = summary.get("payer") or {}
    name = billing.get("submit_to") or payer.get("name") or (request.get("coverage") or {}).get("carrier") or "Self-pay"
    organization = {"resourceType": "Organization", "id": "insurer",
                    "meta": {"profile": [US_CORE.format(name="us-core-organization")]}, "active": True, "name": name}
    if payer_id := payer_id_of(request, result, summary):
        organization["identifier"] = [{"type": {"text": "X12 payer id"}, "system": PAYER_ID_SYSTEM, "value": payer_id}]
    return organization


def requestor_of(clinic: ClinicDetails) -> dict[str, Any] | None:
    name, npi = clinic.name, clinic.npi
    if not (name or npi):
        return None
    reference: dict[str, Any] = {"display": name} if name else {}
    if npi:
        reference["identifier"] = {"system": NPI, "value": npi}
    return reference


def coverage_status(summary: dict[str, Any]) -> str:
    """cancelled when the 271 says inactive; draft (as the clinic has it, unconfirmed) when the payer
    rejected the inquiry; active otherwise."""
    if summary.get("rejections"):
        return "draft"
    return "cancelled" if summary.get("status") == "inactive" else "active"


def coverage_type(coverage: dict[str, Any], result: dict[str, Any]) -> dict[str, Any]:
    program = result.get("program") or coverage.get("program") or "commercial"
    code, display = PAYMENT_TYPES.get(program, PAYMENT_TYPES["commercial"])
    if program == "commercial":
        plan_type = (coverage.get("plan_type") or "").upper()
        code, display = next((row for key, row in COMMERCIAL_PLAN_TYPES.items() if key in plan_type), (code, display))
    return {"coding": [coding(SOURCE_OF_PAYMENT, code, display)]}


def coverage_resource(coverage: dict[str, Any], result: dict[str, Any], summary: dict[str, Any]) -> dict[str, Any]:
    plan = summary.get("plan") or {}
    resource = {
        "resourceType": "Coverage",
        "id": "coverage",
        "meta": {"profile": [US_CORE.format(name="us-core-coverage")]},
        "identifier": [member_identifier({"coverage": coverage}, result, summary)],
        "status": coverage_status(summary),
        "type": coverage_type(coverage, result),
        "subscriberId": coverage["member_id"],
        "beneficiary": {"reference": "#patient"},
        "relationship": {"coding": [coding(TERMINOLOGY.format(name="subscriber-relationship"), coverage.get("relationship") or "self")]},
        "payor": [{"reference": "#insurer"}],
    }
    if period := benefit_period(coverage):
        resource["period"] = period
    classes = []
    if coverage.get("group_number"):
        classes.append({"type": {"coding": [coding(TERMINOLOGY.format(name="coverage-class"), "group")]}, "value": coverage["group_number"]})
    if plan.get("name"):
        classes.append({"type": {"coding": [coding(TERMINOLOGY.format(name="coverage-class"), "plan")]}, "value": plan["name"], "name": plan["name"]})
    if classes:
        resource["class"] = classes
    return resource


def benefit_period(coverage: dict[str, Any]) -> dict[str, Any] | None:
    period = {key: coverage[name] for key, name in (("start", "coverage_start"), ("end", "coverage_end")) if coverage.get(name)}
    return period or None


def insurance(request: dict[str, Any], result: dict[str, Any], summary: dict[str, Any]) -> dict[str, Any]:
    coverage = request.get("coverage") or {}
    entry: dict[str, Any] = {"coverage": {"reference": "#coverage"}}
    if summary.get("status") in ("active", "inactive") and not summary.get("rejections"):
        entry["inforce"] = summary["status"] == "active"
    if period := benefit_period(coverage):
        entry["benefitPeriod"] = period
    entry["item"] = [item(line, coverage, summary) for line in result.get("lines") or ()]
    return entry


def item(line: dict[str, Any], coverage: dict[str, Any], summary: dict[str, Any]) -> dict[str, Any]:
    code = line["code"]
    entry: dict[str, Any] = {
        "productOrService": {"coding": [coding(HCPCS if code[0].isalpha() else CPT, code, line.get("description"))]},
        "excluded": line["determination"] == "not_covered",
        "authorizationRequired": bool(line.get("authorization_required")),
    }
    service_types = SERVICE_TYPES_OF_CATEGORY.get(line.get("category") or "")
    if service_types:
        entry["category"] = {"coding": [coding(X12.format(element="1365"), service_types[0], SERVICE_TYPE.get(service_types[0]))]}
    if network := NETWORK.get(coverage.get("network_status") or ""):
        entry["network"] = {"coding": [coding(TERMINOLOGY.format(name="benefit-network"), network)]}
    reasons = [reason["explanation"] for reason in line.get("denial_reasons") or ()]
    entry["description"] = " ".join([LINE_DISPOSITIONS[line["determination"]], *reasons])
    if not entry["excluded"] and (benefits := line_benefits(line, coverage.get("benefits") or {})):
        entry["benefit"] = benefits
        figures = summary.get("figures") or {}
        units = {UNITS.get(figure.get("level")) for figure in figures.values()} - {None}
        if len(units) == 1:
            entry["unit"] = {"coding": [coding(TERMINOLOGY.format(name="benefit-unit"), units.pop())]}
        elif figures:
            entry["unit"] = {"coding": [coding(TERMINOLOGY.format(name="benefit-unit"), "individual")]}
        terms = {TERMS.get(figures[name].get("period")) for name in ("deductible", "out_of_pocket_max") if name in figures}
        if len(terms) == 1 and None not in terms:
            entry["term"] = {"coding": [coding(TERMINOLOGY.format(name="benefit-term"), terms.pop())]}
    return entry


def line_benefits(line: dict[str, Any], benefits: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    benefit_type = TERMINOLOGY.format(name="benefit-type")
    if benefits.get("deductible") is not None:
        entry = {"type": {"coding": [coding(benefit_type, "deductible")]}, "allowedMoney": money(benefits["deductible"])}
        if benefits.get("deductible_met") is not None:
            entry["usedMoney"] = money(benefits["deductible_met"])
        found.append(entry)
    if line.get("category") in VISIT_CATEGORIES and benefits.get("copay") is not None:
        found.append({"type": {"coding": [coding(benefit_type, "copay")]}, "allowedMoney": money(benefits["copay"])})
    elif benefits.get("coinsurance_percent") is not None:
        percent = Decimal(str(benefits["coinsurance_percent"]))
        value = {"allowedUnsignedInt": int(percent)} if percent == percent.to_integral() else {"allowedString": f"{percent}%"}
        found.append({"type": {"coding": [coding(benefit_type, "copay-percent")]}, **value})
    if benefits.get("out_of_pocket_max") is not None:
        entry = {
            "type": {"coding": [coding(X12.format(element="1390"), "G", "Out of Pocket (Stop Loss)")], "text": "Out-of-pocket maximum"},
            "allowedMoney": money(benefits["out_of_pocket_max"]),
        }
        if benefits.get("out_of_pocket_met") is not None:
            entry["usedMoney"] = money(benefits["out_of_pocket_met"])
        found.append(entry)
    return found


def rejection_error(rejection: dict[str, Any]) -> dict[str, Any]:
    follow_up = f" Follow-up {rejection['follow_up_code']}: {rejection['follow_up']}." if rejection.get("follow_up_code") else ""
    return {
        "code": {
            "coding": [coding(X12.format(element="901"), rejection["code"], rejection.get("meaning"))],
            "text": f"{rejection.get('meaning')} (loop {rejection.get('loop')}).{follow_up} {rejection.get('action')}",
        }
    }
