"""The payer's 271, as the API summarises it (coverage.eligibility), through every insured program."""

import copy

import pytest

from tests.rules.builders import (
    BENEFITS,
    PRIOR_AUTHORIZATION,
    PSYCHOTHERAPY,
    VA_REFERRAL,
    carcs,
    determinations,
    kinds,
    line,
    outcome,
    requirement_texts,
    run,
)

ACTIVE = {
    "source": "271",
    "status": "active",
    "plan": {"name": "CHOICE POS II", "begin": "2026-01-01", "end": "2026-12-31"},
    "identity": {"member_id": "match", "last_name": "match", "first_name": "match", "date_of_birth": "match"},
    "rejections": [],
    "authorization_required": [],
    "contacts": [],
    "benefit_sources": {"deductible": "271", "copay": "271"},
}
REJECTED = {
    **ACTIVE,
    "status": "rejected",
    "rejections": [{"loop": "2100C", "code": "75", "meaning": "Subscriber/Insured Not Found", "follow_up_code": "C",
                    "follow_up": "Please Correct and Resubmit", "action": "Check the member id, name and date of birth."}],
}
VISITS = [{"code": "99214", "units": 1, "charge": 180.0}, *PSYCHOTHERAPY]
INSURED = {
    "va_ccn": {"coverage__authorization": VA_REFERRAL},
    "tricare": {},
    "commercial": {},
}


def summary(**changes):
    data = copy.deepcopy(ACTIVE)
    data.update(changes)
    return data


@pytest.mark.parametrize("program", INSURED)
def test_inactive_coverage_denies_every_line_with_carc_27(program):
    result = run(program, coverage__eligibility=summary(status="inactive", plan={"begin": "2025-01-01", "end": "2026-06-30"}),
                 **INSURED[program])

    assert result["determination"] == "not_covered"
    assert carcs(result) == {"27"}
    assert "2026-06-30" in result["denial_reasons"][0]["explanation"]
    assert "eligibility_confirmation" in kinds(result)
    assert outcome(result, f"{program}.eligibility_271") == "fail"


def test_inactive_coverage_starting_after_the_date_of_service_is_carc_26():
    result = run("commercial", coverage__eligibility=summary(status="inactive", plan={"begin": "2027-01-01", "end": None}))

    assert carcs(result) == {"26"}


@pytest.mark.parametrize("program", INSURED)
def test_a_rejection_needs_review_with_its_code_meaning_and_follow_up(program):
    result = run(program, coverage__eligibility=REJECTED, **INSURED[program])

    assert result["determination"] == "needs_review"
    text = requirement_texts(result, "eligibility_confirmation")
    assert "AAA 75" in text and "Subscriber/Insured Not Found" in text and "follow-up C: Please Correct and Resubmit" in text
    assert "Check the member id" in text
    assert result["denial_reasons"] == []


def test_a_271_about_someone_else_needs_review():
    identity = {**ACTIVE["identity"], "date_of_birth": "mismatch"}
    result = run("commercial", coverage__eligibility=summary(identity=identity))

    assert result["determination"] == "needs_review"
    assert "date of birth" in requirement_texts(result, "eligibility_confirmation")


def test_a_different_first_name_is_only_a_note():
    identity = {**ACTIVE["identity"], "first_name": "mismatch"}
    result = run("commercial", services=PSYCHOTHERAPY, coverage__eligibility=summary(identity=identity))

    assert result["determination"] == "covered"
    assert any("first name" in note for note in result["notes"])


def test_active_coverage_lets_the_program_decide():
    result = run("commercial", services=PSYCHOTHERAPY, coverage__benefits=BENEFITS, coverage__eligibility=ACTIVE)

    assert result["determination"] == "covered"
    assert outcome(result, "commercial.eligibility_271") == "pass"
    assert result["eligibility"]["plan"]["name"] == "CHOICE POS II"


def test_unknown_status_asks_to_confirm_coverage():
    result = run("commercial", services=PSYCHOTHERAPY, coverage__eligibility=summary(status="unknown"))

    assert outcome(result, "commercial.eligibility_271") == "info"
    assert "Confirm with the payer that the coverage is active" in requirement_texts(result, "eligibility_confirmation")


@pytest.mark.parametrize("program", ["commercial", "tricare"])
def test_a_service_type_the_271_flags_needs_a_prior_authorization(program):
    flags = [{"service_type": "A8", "network": "in_network"}]
    result = run(program, services=VISITS, coverage__eligibility=summary(authorization_required=flags))

    assert determinations(result) == {"99214": "authorization_required", "90834": "covered"}
    assert line(result, "99214")["authorization_required"] is True
    assert [r["carc"] for r in line(result, "99214")["denial_reasons"]] == ["197"]
    assert "A8" in requirement_texts(result, "prior_authorization")


def test_a_prior_authorization_on_file_settles_the_flag():
    flags = [{"service_type": "A8", "network": "in_network"}]
    result = run("commercial", services=VISITS, coverage__authorization=PRIOR_AUTHORIZATION,
                 coverage__eligibility=summary(authorization_required=flags))

    assert determinations(result) == {"99214": "covered", "90834": "covered"}
    assert line(result, "99214")["authorization_required"] is True


def test_a_flag_for_the_other_network_does_not_apply():
    flags = [{"service_type": "A8", "network": "out_of_network"}]
    result = run("commercial", services=VISITS, coverage__eligibility=summary(authorization_required=flags))

    assert determinations(result) == {"99214": "covered", "90834": "covered"}


def test_a_carve_out_is_noted_with_its_contact():
    contacts = [{"service_types": ["MH"], "name": "OPTUM BEHAVIORAL HEALTH", "entity_code": "Y2",
                 "contacts": ["phone: 8009105555"], "carve_out": True}]
    result = run("commercial", services=PSYCHOTHERAPY, coverage__eligibility=summary(contacts=contacts))

    assert any("OPTUM BEHAVIORAL HEALTH" in note and "8009105555" in note for note in result["notes"])


@pytest.mark.parametrize(
    "request_benefits, sources, expected",
    [
        (BENEFITS, {"deductible": "271", "copay": "271"}, "271"),
        (BENEFITS, {"deductible": "271", "copay": "request"}, "271+request"),
        (BENEFITS, {"copay": "request"}, "request"),
        (None, {}, None),
    ],
)
def test_benefits_source_says_where_the_figures_came_from(request_benefits, sources, expected):
    changes = {"coverage__eligibility": summary(benefit_sources=sources)}
    if request_benefits:
        changes["coverage__benefits"] = request_benefits
    result = run("commercial", services=PSYCHOTHERAPY, **changes)

    assert result["benefits_source"] == expected
    if request_benefits:
        assert result["benefit_sources"] == sources


def test_without_a_271_nothing_changes():
    result = run("commercial", services=PSYCHOTHERAPY, coverage__benefits=BENEFITS)

    assert result["benefits_source"] == "request"
    assert "eligibility" not in result and "benefit_sources" not in result
    assert outcome(result, "commercial.eligibility_271") == "skip"


def test_self_pay_ignores_a_271():
    result = run("self_pay", coverage__eligibility=summary(status="inactive"))

    assert result["determination"] == "self_pay"
