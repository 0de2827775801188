"""Fixtures of the API tests: a history of stored verifications for billing's views."""

from datetime import datetime

import pytest

from schemas.verification_request import VerificationRequestSchema
from service.extensions import db
from service.models import Verification
from service.verification.accept import canonical
from tests.requests import body, record_result


def result(program, determination, *carcs):
    """A finished rule-module result with the given denial reasons (what billing reads back)."""
    return {
        "program": program,
        "rule_module": program,
        "rule_version": "test",
        "determination": determination,
        "lines": [],
        "denial_reasons": [
            {"carc": carc, "rarc": None, "description": f"CARC {carc}", "explanation": "", "codes": ["96365"]}
            for carc in carcs
        ],
        "notes": [],
        "trace": [],
    }


@pytest.fixture
def history(app, clean_verifications):
    """Seven stored verifications across programs, outcomes and days."""
    made = [
        ("2026-11-01", "commercial", "partially_covered", ["55"]),
        ("2026-11-02", "commercial", "not_covered", ["55", "242"]),
        ("2026-11-03", "commercial", "authorization_required", ["197"]),
        ("2026-11-03", "va_ccn", "authorization_required", ["197"]),
        ("2026-11-04", "va_ccn", "covered", []),
        ("2026-11-05", "tricare", "not_covered", ["55"]),
        ("2026-11-06", "self_pay", "self_pay", []),
    ]
    with app.app_context():
        for day, program, determination, carcs in made:
            verification = Verification(
                request=canonical(VerificationRequestSchema().load(body())),
                request_digest="d" * 64,
                fingerprint=f"{day}{program}".ljust(64, "f"),
                created_at=datetime.fromisoformat(day + "T12:00:00+00:00"),
                carrier="Aetna" if program == "commercial" else None,
            )
            record_result(verification, result(program, determination, *carcs))
            db.session.add(verification)
        db.session.commit()
    return made
