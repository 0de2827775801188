"""Which program and module decide a request."""

import pytest

from tests.rules.builders import kinds, make_request, outcome, requirement_texts
from workers.rules import evaluate


def routed(carrier=None, program=None, plan_type=None, veteran=True, authorization=None, category=None):
    request = make_request("commercial", coverage__program=None, coverage__plan_type=None)
    request["coverage"]["carrier"] = carrier
    if program:
        request["coverage"]["program"] = program
    if plan_type:
        request["coverage"]["plan_type"] = plan_type
    if authorization:
        request["coverage"]["authorization"] = {"type": authorization, "number": "VA0012345", "valid_from": "2026-11-01", "valid_to": "2027-04-30"}
    if category:
        request["coverage"]["beneficiary_category"] = category
    request["patient"]["veteran"] = veteran
    return evaluate(request)


@pytest.mark.parametrize(
    "carrier, module",
    [
        ("Aetna", "commercial_aetna"),
        ("Aetna Open Access", "commercial_aetna"),
        ("60054", "commercial_aetna"),
        ("Anthem Blue Cross", "commercial_anthem_blue_cross"),
        ("ANTHEM", "commercial_anthem_blue_cross"),
        ("Blue Shield of California", "commercial_blue_shield_california"),
        ("Cigna Healthcare", "commercial_cigna"),
        ("UHC", "commercial_unitedhealthcare"),
        ("United Healthcare Choice Plus", "commercial_unitedhealthcare"),
        ("Kaiser Permanente", "commercial_kaiser_permanente"),
        ("Health Net", "commercial_health_net"),
        ("Blue Cross Blue Shield of Massachusetts", "commercial_bcbs_massachusetts"),
        ("Blue Cross Blue Shield of Texas", "commercial_blue_cross_blue_shield"),
        ("Acme Mutual Health", "commercial"),
    ],
)
def test_commercial_carrier_names_and_payer_ids_route_to_their_row(carrier, module):
    result = routed(carrier)
    assert (result["program"], result["rule_module"]) == ("commercial", module)


@pytest.mark.parametrize(
    "carrier, program, module",
    [
        ("VA CCN", "va_ccn", "triwest_va_ccn"),
        ("Community Care Network", "va_ccn", "triwest_va_ccn"),
        ("TWVACCN", "va_ccn", "triwest_va_ccn"),
        ("Optum VA CCN", "va_ccn", "triwest_va_ccn"),
        ("TRICARE West", "tricare", "triwest_tricare_west"),
        ("99726", "tricare", "triwest_tricare_west"),
        ("Humana Military", "tricare", "triwest_tricare_west"),
        ("Health Net Federal Services", "tricare", "triwest_tricare_west"),
    ],
)
def test_government_program_names_route_without_a_program(carrier, program, module):
    result = routed(carrier)
    assert (result["program"], result["rule_module"]) == (program, module)


@pytest.mark.parametrize(
    "hints, program",
    [
        ({"plan_type": "PRIME"}, "tricare"),
        ({"plan_type": "TFL"}, "tricare"),
        ({"category": "active_duty"}, "tricare"),
        ({"authorization": "va_referral"}, "va_ccn"),
        ({"veteran": False}, "tricare"),
    ],
)
def test_triwest_card_is_told_apart_by_plan_authorization_or_veteran_status(hints, program):
    result = routed("TriWest", **hints)
    assert result["program"] == program
    assert outcome(result, "routing.carrier") == "pass"


@pytest.mark.parametrize(
    "hints",
    [{}, {"plan_type": "SELECT", "authorization": "va_referral"}],
    ids=["nothing-tells-them-apart", "hints-disagree"],
)
def test_triwest_card_that_cannot_be_told_apart_needs_review_and_says_what_to_ask(hints):
    result = routed("TriWest Healthcare Alliance", **hints)
    assert result["determination"] == "needs_review"
    assert result["program"] is None
    assert all(entry["determination"] == "needs_review" for entry in result["lines"])
    text = requirement_texts(result, "eligibility_confirmation")
    assert "VA referral" in text and "TRICARE" in text


@pytest.mark.parametrize(
    "carrier, program",
    [("TriWest", "commercial"), ("Aetna", "va_ccn"), ("Aetna", "tricare"), ("TRICARE West", "va_ccn")],
)
def test_program_that_contradicts_the_carrier_needs_review(carrier, program):
    result = routed(carrier, program=program)
    assert result["determination"] == "needs_review"
    assert outcome(result, "routing.program") == "fail"
    assert "eligibility_confirmation" in kinds(result)


def test_self_pay_program_ignores_the_carrier():
    assert routed("Aetna", program="self_pay")["determination"] == "self_pay"


def test_unknown_program_needs_review():
    assert routed("Aetna", program="workers_compensation")["determination"] == "needs_review"


def test_no_carrier_and_no_program_needs_review():
    result = routed(None)
    assert result["determination"] == "needs_review"
    assert "eligibility_confirmation" in kinds(result)


@pytest.mark.parametrize(
    "hints, program",
    [({"authorization": "va_referral"}, "va_ccn"), ({"plan_type": "TRICARE PRIME REMOTE"}, "tricare")],
)
def test_unknown_carrier_routes_by_authorization_or_plan(hints, program):
    assert routed("Sunrise Mutual", **hints)["program"] == program


def test_a_va_card_with_a_tricare_plan_type_needs_review():
    # "Veterans Affairs" names VA CCN or CHAMPVA (DOMAIN.md): a TRICARE plan type contradicts both.
    result = routed("Veterans Affairs", plan_type="TRICARE PRIME REMOTE")
    assert result["determination"] == "needs_review"
    assert outcome(result, "routing.carrier") == "fail"


def test_request_without_a_valid_date_of_service_needs_review():
    request = make_request("commercial", date_of_service="not a date")
    result = evaluate(request)
    assert result["determination"] == "needs_review"
