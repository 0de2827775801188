"""TRICARE rules (policies/tricare_west.toml)."""

import pytest

from tests.rules.builders import (
    BENEFITS,
    PRIOR_AUTHORIZATION,
    PSYCHOTHERAPY,
    SPRAVATO,
    SPRAVATO_VISIT,
    carcs,
    determinations,
    kinds,
    line,
    line_carcs,
    make_request,
    notes,
    outcome,
    requirement_texts,
    run,
)
from workers.rules.programs.tricare import active_duty, plan_of
from workers.rules.request import read_request


def authorization(**changes):
    return dict(PRIOR_AUTHORIZATION, **changes)


@pytest.mark.parametrize(
    "plan_type, plan",
    [("PRIME", "prime"), ("SELECT", "select"), ("TFL", "for_life"), ("TRICARE FOR LIFE", "for_life"),
     ("TRS", "select"), ("TRICARE PRIME REMOTE", "prime"), (None, None), ("HMO", None)],
)
def test_plan_is_read_from_the_plan_type(plan_type, plan):
    assert plan_of(read_request(make_request("tricare", coverage__plan_type=plan_type))) == plan


@pytest.mark.parametrize(
    "changes, expected",
    [
        ({"coverage__beneficiary_category": "active_duty"}, True),
        ({"coverage__beneficiary_category": "ADSM"}, True),
        ({"coverage__beneficiary_category": None, "coverage__plan_type": "PRIME ADSM"}, True),
        ({"coverage__beneficiary_category": None, "patient__veteran": True}, False),
        ({"coverage__beneficiary_category": "retiree", "patient__veteran": False}, False),
        ({"coverage__beneficiary_category": None, "patient__veteran": False}, None),
    ],
)
def test_active_duty_status_from_category_plan_type_or_veteran_status(changes, expected):
    assert active_duty(read_request(make_request("tricare", **changes))) is expected


def test_iv_ketamine_for_ptsd_is_unproven_and_psychotherapy_is_covered():
    result = run("tricare")
    assert determinations(result) == {"96365": "not_covered", "96366": "not_covered", "J3490": "not_covered", "90834": "covered"}
    assert result["determination"] == "partially_covered"
    assert carcs(result) == {"56"}
    assert result["denial_reasons"][0]["description"] == "Procedure/treatment has not been deemed 'proven to be effective' by the payer."
    assert "Confirm with TriWest" in notes(result)
    assert result["off_label"]["indication"] == "PTSD"


def test_ketamine_without_a_psychiatric_diagnosis_needs_review():
    result = run("tricare", diagnoses=["G89.29"])
    assert result["determination"] == "needs_review"
    assert result["off_label"] is None


def test_em_visit_billed_with_ketamine_carries_the_related_services_note():
    result = run("tricare", services=[{"code": "96365", "charge": 500}, {"code": "J3490", "charge": 45}, {"code": "99214", "charge": 180}])
    assert "falls with the unproven treatment" in notes(result)


@pytest.mark.parametrize(
    "changes, determination, carc",
    [
        ({"diagnoses": ["F43.10"]}, "not_covered", "188"),
        ({"patient__date_of_birth": "2010-06-01"}, "not_covered", "188"),
        ({}, "authorization_required", "197"),
        ({"coverage__authorization": authorization(valid_to="2026-11-30")}, "authorization_required", "197"),
        ({"coverage__authorization": authorization(used_visits=10)}, "authorization_required", "198"),
        ({"coverage__authorization": authorization(approved_codes=["90834"])}, "authorization_required", "284"),
        ({"coverage__authorization": authorization(type="va_referral")}, "authorization_required", "197"),
        ({"coverage__authorization": authorization()}, "covered", None),
        ({"coverage__authorization": authorization(approved_codes=["S0013"])}, "covered", None),
    ],
    ids=["ptsd-only", "under-18", "no-pa", "pa-expired", "pa-exceeded", "pa-other-codes", "va-referral-not-pa", "pa-valid", "pa-lists-the-old-code"],
)
def test_spravato_needs_a_labelled_indication_an_adult_and_prior_authorization(changes, determination, carc):
    # Billed as TRICARE asks (CMS's method, HNFS Spravato billing guidance): G2082 alone, which includes the drug.
    changes = {"diagnoses": ["F33.2"], **changes}
    result = run("tricare", services=SPRAVATO_VISIT, **changes)
    assert result["determination"] == determination
    assert line_carcs(result, "G2082") == ([carc] if carc else [])
    if determination == "authorization_required":
        assert "REMS" in requirement_texts(result, "prior_authorization")


@pytest.mark.parametrize(
    "referral, determination, carc",
    [
        (None, "authorization_required", "288"),
        (authorization(valid_from="2027-01-01"), "authorization_required", "288"),
        (authorization(used_visits=9), "authorization_required", "287"),
        (authorization(approved_codes=["90837"]), "authorization_required", "288"),
        (authorization(approved_codes=["90834"]), "covered", None),
    ],
    ids=["no-referral", "not-yet-valid", "exceeded", "other-service", "valid"],
)
def test_active_duty_member_needs_a_referral_for_mental_health_care(referral, determination, carc):
    result = run("tricare", coverage__beneficiary_category="active_duty", patient__veteran=False,
                 coverage__authorization=referral, services=PSYCHOTHERAPY)
    assert result["determination"] == determination
    assert line_carcs(result, "90834") == ([carc] if carc else [])
    assert result["estimate"]["basis"] == "no_cost_share"
    assert result["estimate"]["total"]["patient"] == 0.0


def test_non_active_duty_prime_needs_no_referral_for_office_visits():
    result = run("tricare", coverage__plan_type="PRIME", services=PSYCHOTHERAPY)
    assert result["determination"] == "covered"
    assert outcome(result, "tricare.active_duty_referral") == "pass"


def test_unknown_active_duty_status_asks_the_question():
    result = run("tricare", coverage__beneficiary_category=None, patient__veteran=False, services=PSYCHOTHERAPY)
    assert outcome(result, "tricare.active_duty_referral") == "info"
    assert "active-duty" in requirement_texts(result, "eligibility_confirmation")


def test_tricare_for_life_is_secondary_to_medicare():
    result = run("tricare", coverage__plan_type="TFL", services=PSYCHOTHERAPY)
    assert "coordination_of_benefits" in kinds(result)
    assert result["estimate"]["basis"] == "secondary_payer"
    assert result["estimate"]["total"]["patient"] is None


def test_select_with_benefits_estimates_the_cost_share():
    result = run("tricare", services=PSYCHOTHERAPY, sessions=1, coverage__benefits=BENEFITS)
    # 1250 of the deductible left covers the whole 160 visit.
    assert result["estimate"]["total"] == {"patient": 160.0, "payer": 0.0, "allowed": 160.0, "non_covered": 0.0}


def test_no_benefits_means_no_invented_cost_share():
    result = run("tricare", services=PSYCHOTHERAPY)
    assert result["estimate"]["basis"] == "unknown_benefits"
    assert result["estimate"]["per_session"]["patient"] is None
    assert "eligibility_confirmation" in kinds(result)


@pytest.mark.parametrize(
    "plan_type, text", [("PRIME", "point-of-service"), ("SELECT", "non-network cost share")]
)
def test_out_of_network_says_what_it_costs(plan_type, text):
    result = run("tricare", coverage__plan_type=plan_type, coverage__network_status="out_of_network", services=PSYCHOTHERAPY)
    assert result["determination"] == "covered"
    assert text in notes(result)


@pytest.mark.parametrize(
    "carrier, submit_to, payer_id",
    [("TRICARE West", "TriWest Healthcare Alliance (TRICARE West Region)", "99726"), ("Humana Military", "Humana Military (TRICARE East Region)", None)],
)
def test_billing_names_the_contractor_and_the_one_year_limit(carrier, submit_to, payer_id):
    result = run("tricare", coverage__carrier=carrier, services=PSYCHOTHERAPY)
    assert (result["billing"]["submit_to"], result["billing"]["payer_id"]) == (submit_to, payer_id)
    assert result["billing"]["timely_filing_days"] == 365


@pytest.mark.parametrize("dates, carc", [({"coverage__coverage_start": "2027-01-01"}, "26"), ({"coverage__coverage_end": "2026-11-30"}, "27")])
def test_date_outside_tricare_coverage_is_not_covered(dates, carc):
    result = run("tricare", **dates)
    assert result["determination"] == "not_covered"
    assert carcs(result) == {carc}


# TRICARE Policy Manual ch. 7 s. 3.8 para 1.0: mental-health services in the CPT psychiatry range
# 90785-90899 are covered when medically necessary, listed in the service catalog or not.
@pytest.mark.parametrize("code", ["90785", "90839", "90840", "90846", "90849", "90899"])
def test_a_code_of_the_psychiatry_range_is_known_and_covered(code):
    result = run("tricare", services=[{"code": code, "charge": 150}], diagnoses=["F43.10"])
    assert result["determination"] == "covered"
    assert outcome(result, "tricare.code_known") == "pass"
    assert outcome(result, "tricare.mental_health_range") == "pass"
    assert "medically or psychologically necessary" in notes(result)


@pytest.mark.parametrize("code", ["90784", "90900"])
def test_a_code_outside_the_psychiatry_range_is_still_unknown(code):
    result = run("tricare", services=[{"code": code, "charge": 150}])
    assert result["determination"] == "needs_review"
    assert outcome(result, "tricare.code_known") == "fail"


# HNFS (TRICARE West contractor), Outpatient Mental Health Care Referral Requirements (2022): psychoanalysis,
# ECT and TMS always need prior authorization; DOMAIN.md: psychoanalysis needs it even in network.
@pytest.mark.parametrize(
    "plan_type, category, authorization, determination, carc",
    [
        ("PRIME", "retiree", None, "authorization_required", "197"),
        ("SELECT", "retiree_family", None, "authorization_required", "197"),
        ("PRIME", "retiree", {"approved_codes": ["90845"]}, "covered", None),
        ("PRIME", "retiree", {"approved_codes": ["90834"]}, "authorization_required", "284"),
    ],
    ids=["prime-no-pa", "select-no-pa", "prime-pa", "prime-pa-other-code"],
)
def test_psychoanalysis_needs_a_prior_authorization_even_in_network(plan_type, category, authorization, determination, carc):
    result = run("tricare", coverage__plan_type=plan_type, coverage__beneficiary_category=category, patient__veteran=False,
                 coverage__authorization=authorization and dict(PRIOR_AUTHORIZATION, **authorization),
                 services=[{"code": "90845", "charge": 200}], diagnoses=["F43.10"])
    assert result["determination"] == determination
    assert line_carcs(result, "90845") == ([carc] if carc else [])
    if carc:
        assert "psychoanalysis" in requirement_texts(result, "prior_authorization")


# The referral rule follows the beneficiary category and the network (TOM ch. 7 s. 2; HNFS 2022).
@pytest.mark.parametrize(
    "plan_type, category, network_status, determination, asks",
    [
        ("PRIME", "active_duty", "in_network", "authorization_required", "prior_authorization"),
        ("PRIME", "active_duty", "out_of_network", "authorization_required", "prior_authorization"),
        ("PRIME", "retiree_family", "in_network", "covered", None),
        ("PRIME", "retiree_family", "unknown", "covered", "eligibility_confirmation"),
        ("PRIME", "retiree_family", "out_of_network", "covered", None),
        ("SELECT", "retiree_family", "unknown", "covered", None),
    ],
    ids=["adsm-in-network", "adsm-out-of-network", "prime-family-in-network", "prime-family-network-unknown",
         "prime-family-out-of-network", "select-network-unknown"],
)
def test_the_referral_rule_follows_the_beneficiary_category_and_the_network(plan_type, category, network_status, determination, asks):
    result = run("tricare", coverage__plan_type=plan_type, coverage__beneficiary_category=category, patient__veteran=False,
                 coverage__network_status=network_status, services=PSYCHOTHERAPY)
    assert result["determination"] == determination
    if asks == "eligibility_confirmation":
        assert "point-of-service" in requirement_texts(result, "eligibility_confirmation")
    elif asks:
        assert asks in kinds(result)
    if network_status == "out_of_network" and category != "active_duty":
        assert "point-of-service" in notes(result)


def test_substance_use_therapy_in_network_cites_both_tricare_documents():
    # TOM ch. 7 s. 2 (no PCM referral for office-based SUD visits to a network provider) against
    # tricare.mil's Prime page (outpatient SUD therapy needs one): the result says so.
    result = run("tricare", coverage__plan_type="PRIME", services=PSYCHOTHERAPY, diagnoses=["F10.20"])
    assert result["determination"] == "covered"
    assert "Operations Manual" in notes(result) and "tricare.mil" in notes(result)


# DOMAIN.md "TRICARE West Region": a spouse recorded as active duty is a contradiction to review, not a denial.
@pytest.mark.parametrize(
    "changes",
    [{"coverage__relationship": "spouse", "coverage__beneficiary_category": "active_duty"},
     {"coverage__relationship": "child", "coverage__beneficiary_category": None, "coverage__plan_type": "PRIME ADSM"}],
    ids=["spouse-active-duty", "child-adsm-plan"],
)
def test_a_family_member_recorded_as_active_duty_needs_review_not_a_denial(changes):
    result = run("tricare", patient__veteran=False, services=PSYCHOTHERAPY, **changes)
    assert result["determination"] == "needs_review"
    assert carcs(result) == set()
    assert "DEERS" in requirement_texts(result, "eligibility_confirmation")
    assert result["tricare"]["active_duty"] is None


def test_a_sponsor_recorded_as_active_duty_still_needs_the_referral():
    result = run("tricare", coverage__relationship="self", coverage__beneficiary_category="active_duty",
                 patient__veteran=False, services=PSYCHOTHERAPY)
    assert result["determination"] == "authorization_required"
    assert carcs(result) == {"288"}


# HNFS, Billing Guidance for Spravato: TRICARE follows CMS; payment for the drug is included in G2082/G2083.
def test_j0013_billed_with_the_spravato_visit_bills_the_drug_twice():
    result = run("tricare", services=SPRAVATO, diagnoses=["F33.2"], coverage__authorization=authorization())
    assert line(result, "J0013")["determination"] == "not_covered"
    assert line_carcs(result, "J0013") == ["97"]
    assert line(result, "G2082")["determination"] == "covered"
    assert result["determination"] == "partially_covered"
    # The drug is paid within the visit: it comes off the claim, and no patient is asked to pay it.
    assert line(result, "J0013")["patient_responsibility"] == 0
    assert result["estimate"]["per_session"]["non_covered"] == 0


def test_j0013_alone_is_decided_as_the_spravato_drug():
    result = run("tricare", services=[{"code": "J0013", "units": 56, "charge": 900}, {"code": "99214", "charge": 180}],
                 diagnoses=["F33.2"], coverage__authorization=authorization())
    assert line(result, "J0013")["determination"] == "covered"
    assert outcome(result, "tricare.drug_billed_with_spravato_visit") == "skip"


def test_a_prior_authorization_listing_ketamine_is_not_silently_overridden():
    # The payer's own authorization against its unproven-treatment rule (TPM ch. 1 s. 2.1): a person confirms it.
    result = run("tricare", coverage__authorization=authorization(approved_codes=["96365", "96366", "J3490"]))
    assert {line(result, code)["determination"] for code in ("96365", "96366", "J3490")} == {"needs_review"}
    assert "56" not in carcs(result)
    assert "confirm with the payer" in requirement_texts(result, "prior_authorization")
