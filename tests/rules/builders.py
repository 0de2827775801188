"""Requests and result look-ups for the rules tests."""

from __future__ import annotations

import copy
from typing import Any

from workers.rules import evaluate

PATIENT = {"first_name": "Dana", "last_name": "Reyes", "date_of_birth": "1979-03-14", "veteran": True}
KETAMINE_IV = [
    {"code": "96365", "units": 1, "charge": 500.0},
    {"code": "96366", "units": 1, "charge": 150.0},
    {"code": "J3490", "units": 1, "charge": 45.0},
]
SPRAVATO = [{"code": "J0013", "units": 56, "charge": 900.0}, {"code": "G2082", "units": 1, "charge": 650.0}]
# How a payer that follows Medicare's method is billed: the visit code, which includes the drug.
SPRAVATO_VISIT = [{"code": "G2082", "units": 1, "charge": 650.0}]
PSYCHOTHERAPY = [{"code": "90834", "units": 1, "charge": 160.0}]
VA_REFERRAL = {
    "type": "va_referral",
    "number": "VA0012345678",
    "valid_from": "2026-11-01",
    "valid_to": "2027-04-30",
    "approved_visits": 8,
    "used_visits": 2,
    "approved_codes": ["96365", "96366", "J3490", "90834", "J0013", "G2082"],
}
PRIOR_AUTHORIZATION = {
    "type": "prior_authorization",
    "number": "PA-1001",
    "valid_from": "2026-11-01",
    "valid_to": "2027-04-30",
    "approved_visits": 12,
    "used_visits": 0,
}
BENEFITS = {
    "deductible": 1500.0,
    "deductible_met": 250.0,
    "coinsurance_percent": 20,
    "copay": 40.0,
    "out_of_pocket_max": 6000.0,
    "out_of_pocket_met": 900.0,
}

BASES = {
    "va_ccn": {"carrier": "TriWest", "program": "va_ccn", "member_id": "123456789", "network_status": "in_network"},
    "tricare": {"carrier": "TRICARE West", "program": "tricare", "plan_type": "SELECT", "member_id": "1234567890",
                "beneficiary_category": "retiree", "network_status": "in_network"},
    "commercial": {"carrier": "Aetna", "program": "commercial", "plan_type": "PPO", "member_id": "W123456789",
                   "group_number": "GRP-77", "network_status": "in_network"},
    "medicare": {"carrier": "Medicare", "program": "medicare", "member_id": "1EG4TE5MK73", "network_status": "in_network"},
    "medicare_advantage": {"carrier": "Humana Gold Plus", "program": "medicare_advantage", "plan_type": "HMO",
                           "member_id": "H12345678", "network_status": "in_network"},
    "medicaid": {"carrier": "L.A. Care Health Plan", "program": "medicaid", "plan_type": "MEDI-CAL",
                 "member_id": "98765432A", "network_status": "in_network"},
    "champva": {"carrier": "CHAMPVA", "program": "champva", "member_id": "123456789", "relationship": "spouse",
                "network_status": "unknown"},
    "self_pay": {"program": "self_pay"},
}


def make_request(program: str = "commercial", **changes: Any) -> dict[str, Any]:
    """A realistic request; keyword `coverage__plan_type="HMO"` sets coverage.plan_type, and a value of
    None removes the key."""
    request = {
        "patient": dict(PATIENT),
        "coverage": copy.deepcopy(BASES[program]),
        "services": copy.deepcopy(KETAMINE_IV + PSYCHOTHERAPY),
        "sessions": 6,
        "diagnoses": ["F43.10"],
        "date_of_service": "2026-12-02",
    }
    for path, value in changes.items():
        target = request
        keys = path.split("__")
        for key in keys[:-1]:
            target = target.setdefault(key, {})
        if value is None:
            target.pop(keys[-1], None)
        else:
            target[keys[-1]] = copy.deepcopy(value)
    return request


def run(program: str = "commercial", **changes: Any) -> dict[str, Any]:
    return evaluate(make_request(program, **changes))


def line(result: dict[str, Any], code: str) -> dict[str, Any]:
    return next(entry for entry in result["lines"] if entry["code"] == code)


def determinations(result: dict[str, Any]) -> dict[str, str]:
    return {entry["code"]: entry["determination"] for entry in result["lines"]}


def carcs(result: dict[str, Any]) -> set[str]:
    return {reason["carc"] for reason in result["denial_reasons"]}


def line_carcs(result: dict[str, Any], code: str) -> list[str]:
    return [reason["carc"] for reason in line(result, code)["denial_reasons"]]


def kinds(result: dict[str, Any]) -> list[str]:
    return [requirement["kind"] for requirement in result["requirements"]]


def requirement_texts(result: dict[str, Any], kind: str) -> str:
    return " ".join(r["text"] for r in result["requirements"] if r["kind"] == kind)


def outcome(result: dict[str, Any], rule: str) -> str:
    found = [entry["outcome"] for entry in result["trace"] if entry["rule"] == rule]
    assert found, f"no trace entry for {rule}: {[entry['rule'] for entry in result['trace']]}"
    return found[-1]


def notes(result: dict[str, Any]) -> str:
    return "\n".join(result["notes"])
