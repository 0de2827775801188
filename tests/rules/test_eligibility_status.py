"""eligibility_status on every result (CONTRACT.md "Policy versus eligibility"): confirmed_271 when a
271 about this patient says active on the date of service, stated when staff entered benefits,
coverage dates or an authorization, unconfirmed when nothing did; a covered answer nobody confirmed
says it is payable only if the coverage is active."""

import pytest

from schemas.verification_result import VerificationSchema
from tests.rules.builders import BENEFITS, PSYCHOTHERAPY, SPRAVATO, VA_REFERRAL, notes, run
from tests.rules.test_eligibility import summary

UNCONFIRMED_NOTE = "Payable under the payer's policy if the coverage is active"


@pytest.mark.parametrize(
    "program, changes, status",
    [
        ("commercial", {}, "unconfirmed"),
        ("commercial", {"coverage__benefits": BENEFITS}, "stated"),
        ("commercial", {"coverage__coverage_start": "2026-01-01"}, "stated"),
        ("commercial", {"coverage__eligibility": summary()}, "confirmed_271"),
        ("commercial", {"coverage__eligibility": summary(), "coverage__benefits": BENEFITS}, "confirmed_271"),
        ("commercial", {"coverage__eligibility": summary(plan={"begin": "2026-01-01", "end": "2026-11-30"})}, "unconfirmed"),
        ("commercial", {"coverage__eligibility": summary(status="unknown")}, "unconfirmed"),
        ("commercial", {"coverage__eligibility": summary(identity={"member_id": "mismatch", "last_name": "match",
                                                                  "first_name": "match", "date_of_birth": "match"})}, "unconfirmed"),
        ("commercial", {"coverage__eligibility": summary(identity={"member_id": "match", "last_name": "match",
                                                                  "first_name": "mismatch", "date_of_birth": "match"})}, "confirmed_271"),
        ("commercial", {"coverage__eligibility": summary(status="inactive", benefit_sources={"copay": "request"}),
                        "coverage__benefits": BENEFITS}, "stated"),
        ("va_ccn", {"coverage__authorization": VA_REFERRAL}, "stated"),
        ("va_ccn", {}, "unconfirmed"),
        ("tricare", {"coverage__benefits": BENEFITS}, "stated"),
        ("commercial", {"coverage__program": None, "coverage__carrier": "TriWest", "coverage__plan_type": None,
                        "coverage__beneficiary_category": None, "patient__veteran": None}, "unconfirmed"),
        ("self_pay", {}, "unconfirmed"),
    ],
    ids=["nothing", "benefits-entered", "coverage-dates", "271-active", "271-and-benefits", "271-plan-ended",
         "271-silent", "271-about-someone-else", "271-nickname", "271-inactive-staff-benefits", "va-referral",
         "va-nothing", "tricare-benefits", "routing-review", "self-pay"],
)
def test_every_result_says_whether_anyone_confirmed_the_coverage(program, changes, status):
    result = run(program, services=PSYCHOTHERAPY, **changes)
    assert result["eligibility_status"] == status


def test_covered_with_nothing_confirmed_says_payable_if_active():
    result = run("commercial", services=PSYCHOTHERAPY)
    assert (result["determination"], result["eligibility_status"]) == ("covered", "unconfirmed")
    assert UNCONFIRMED_NOTE in notes(result)


@pytest.mark.parametrize("changes", [{"coverage__benefits": BENEFITS}, {"coverage__eligibility": summary()}])
def test_covered_with_confirmed_or_stated_coverage_has_no_such_note(changes):
    result = run("commercial", services=PSYCHOTHERAPY, **changes)
    assert result["determination"] == "covered"
    assert UNCONFIRMED_NOTE not in notes(result)


def test_a_result_that_is_not_covered_does_not_say_payable():
    result = run("commercial", services=SPRAVATO, diagnoses=["F43.10"])
    assert result["determination"] == "not_covered"
    assert UNCONFIRMED_NOTE not in notes(result)


ENVELOPE = ("id", "status", "links", "created_at", "completed_at", "cached")


@pytest.mark.parametrize(
    "program, changes",
    [("commercial", {"services": SPRAVATO, "diagnoses": ["F32.A"]}), ("va_ccn", {}), ("tricare", {"coverage__benefits": {"deductible": 100}}),
     ("self_pay", {}), ("commercial", {"coverage__eligibility": summary()})],
    ids=["unconfirmed-off-label", "va", "tricare-assumed", "self-pay", "271"],
)
def test_the_openapi_schema_describes_the_new_fields(program, changes):
    result = run(program, **changes)
    assert VerificationSchema(partial=ENVELOPE).validate(result) == {}
