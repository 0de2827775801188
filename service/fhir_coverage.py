"""A verification as a FHIR R4 CoverageEligibilityResponse, for the clinic's EHR.

Built with `fhir.resources` (its R4B package: R4's CoverageEligibilityResponse with the technical
corrections of 4.3, the same elements and JSON) and validated by it; the codes of the resource's
required bindings, which the library does not check, are checked here.

The resource carries what an EHR needs to file it against its patient and no more: the patient's
name and date of birth (contained Patient) and the member id (contained Coverage), as the caller
sent them; no address, group number or the raw 271.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fhir.resources.R4B.coverageeligibilityresponse import CoverageEligibilityResponse

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
# Coverage.type: each program's code in the Source of Payment Typology (PHDSC), the payer-type code system US Core uses.
PAYER_TYPOLOGY = "urn:oid:2.16.840.1.113883.3.221.5"
PAYER_TYPES = {
    "va_ccn": ("3212", "Indirect Care--Care provided outside VA facilities"),
    "tricare": ("311", "TRICARE (CHAMPUS)"),
    "commercial": ("5", "PRIVATE HEALTH INSURANCE"),
    "medicare": ("121", "Medicare FFS"),
    "medicare_advantage": ("11", "Medicare (Managed Care)"),
    "medicaid": ("2", "MEDICAID"),
    "champva": ("3221", "Civilian Health and Medical Program for the VA (CHAMPVA)"),
    "self_pay": ("81", "Self-pay"),
}


def coding(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    entry = {"system": system, "code": code}
    if display:
        entry["display"] = display
    return entry


def money(value: Any) -> dict[str, Any]:
    return {"value": Decimal(str(value)), "currency": "USD"}


def build(verification, config) -> CoverageEligibilityResponse:
    """The resource for a verification, validated by the library and checked against the required bindings."""
    resource = CoverageEligibilityResponse.model_validate(resource_data(verification, config))
    check_bindings(resource)
    return resource


def check_bindings(resource: CoverageEligibilityResponse) -> None:
    if resource.status not in STATUS or resource.outcome not in OUTCOMES or not set(resource.purpose) <= set(PURPOSE):
        raise ValueError("CoverageEligibilityResponse status, purpose or outcome outside its required value set")


def resource_data(verification, config) -> dict[str, Any]:
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
        "contained": [patient(request), insurer(request, result, summary)],
    }
    if requestor := clinic(config):
        data["requestor"] = requestor
    if result.get("determination"):
        data["disposition"] = DISPOSITIONS[result["determination"]]
    if verification.status == "complete" and coverage.get("member_id"):
        data["contained"].append(coverage_resource(coverage, summary, result.get("program")))
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


def patient(request: dict[str, Any]) -> dict[str, Any]:
    person = request.get("patient") or {}
    return {
        "resourceType": "Patient",
        "id": "patient",
        "name": [{"family": person.get("last_name"), "given": [person.get("first_name")]}],
        "birthDate": person.get("date_of_birth"),
    }


def insurer(request: dict[str, Any], result: dict[str, Any], summary: dict[str, Any]) -> dict[str, Any]:
    billing = result.get("billing") or {}
    payer = summary.get("payer") or {}
    name = billing.get("submit_to") or payer.get("name") or (request.get("coverage") or {}).get("carrier") or "Self-pay"
    organization = {"resourceType": "Organization", "id": "insurer", "name": name}
    payer_id = billing.get("payer_id") or payer.get("id")
    if payer_id:
        organization["identifier"] = [{"type": {"text": "X12 payer id"}, "value": payer_id}]
    return organization


def clinic(config) -> dict[str, Any] | None:
    name, npi = config.get("CLINIC_NAME"), config.get("CLINIC_NPI")
    if not (name or npi):
        return None
    reference: dict[str, Any] = {"display": name} if name else {}
    if npi:
        reference["identifier"] = {"system": NPI, "value": npi}
    return reference


def coverage_resource(coverage: dict[str, Any], summary: dict[str, Any], program: str | None) -> dict[str, Any]:
    plan = summary.get("plan") or {}
    resource = {
        "resourceType": "Coverage",
        "id": "coverage",
        "status": "cancelled" if summary.get("status") == "inactive" else "active",
        "subscriberId": coverage["member_id"],
        "beneficiary": {"reference": "#patient"},
        "relationship": {"coding": [coding(TERMINOLOGY.format(name="subscriber-relationship"), coverage.get("relationship") or "self")]},
        "payor": [{"reference": "#insurer"}],
    }
    if program in PAYER_TYPES:
        code, display = PAYER_TYPES[program]
        resource["type"] = {"coding": [coding(PAYER_TYPOLOGY, code, display)]}
    if period := benefit_period(coverage):
        resource["period"] = period
    if plan.get("name"):
        resource["class"] = [{"type": {"coding": [coding(TERMINOLOGY.format(name="coverage-class"), "plan")]}, "value": plan["name"]}]
    return resource


def benefit_period(coverage: dict[str, Any]) -> dict[str, Any] | None:
    period = {key: coverage[name] for key, name in (("start", "coverage_start"), ("end", "coverage_end")) if coverage.get(name)}
    return period or None


def insurance(request: dict[str, Any], result: dict[str, Any], summary: dict[str, Any]) -> dict[str, Any]:
    coverage = request.get("coverage") or {}
    entry: dict[str, Any] = {"coverage": {"reference": "#coverage"}}
    if summary.get("status") in ("active", "inactive"):
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
        if summary.get("figures"):
            entry["unit"] = {"coding": [coding(TERMINOLOGY.format(name="benefit-unit"), "individual")]}
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
